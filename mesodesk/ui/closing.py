"""The close of a consultation, for the window: the pack on screen for the
patient, signing on screen or printing for ink, storing the signed pack, and
saving or printing it afterwards. What happens is the session's
(:class:`mesodesk.session.ConsultationSession`); this class runs it off the GUI
thread and shows the result on the window's closing pages.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6 import QtCore
from PySide6.QtCore import QUrl

from mesodesk.ui.consentfields import mark_information_given
from mesodesk.ui.lazy import lazy_import

if TYPE_CHECKING:
    from mesodesk import session as session_layer
    from mesodesk.ui.window import MainWindow
else:
    session_layer = lazy_import("mesodesk.session")

log = logging.getLogger(__name__)


class Closing:
    """Preview, signing, printing and saving for one window."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        self._shown_fingerprint = ""
        self._printing = False
        self._printer: Any = None
        self.confirmation: Any = None   # the Sign and finish question, while it is open
        self.override_question: Any = None   # the reason to sign before the time to reflect
        self.policy_dialog: Any = None  # the clinic's time to reflect, when last opened

    def build_preview(self) -> None:
        """Build the unsigned pack off the GUI thread and show it to the patient."""
        assert self.w.session is not None
        page = self.w.pack_page
        if self.w.session.preview_target() is not None:
            mark_information_given(self.w.session.data)   # stage 1 of consent: first shown now
        target = self.w.session.preview_target()
        if target is None:
            page.failed("the consultation is not complete.")
            return
        consultation, fp = target
        cached = self.w.session.cached_pack(fp)
        if cached is not None:
            self._preview_ready(fp, cached)
            return
        page.building()
        self.w.statusBar().showMessage("Preparing the pack\u2026")
        paper, packs = self.w.settings.paper, self.w.packs  # values only
        self.w.work.run(lambda: packs.build(consultation, paper),
                  lambda pdf: self._preview_ready(fp, pdf), self._preview_failed)

    def _preview_ready(self, fp: str, pdf: bytes) -> None:
        assert self.w.session is not None
        _freeze_heap_once()
        self.w.session.keep_pack(fp, pdf)
        page = self.w.pack_page
        self._shown_fingerprint = fp
        try:
            page.built(pdf, already_read=self.w.session.state.pack_viewed == fp)
        except Exception as exc:
            page.failed(str(exc))
            return
        self.w.statusBar().showMessage("The pack is on screen for the patient to read.", 4000)
        self.w.refresh()

    def _pack_read(self) -> None:
        """Every page of the pack on screen has been shown: signing may open."""
        if self.w.session is None or not self._shown_fingerprint:
            return
        if self.w.session.mark_read(self._shown_fingerprint):
            self.w.records.audit("viewed", {"fingerprint": self._shown_fingerprint})
        self.w.refresh()

    def _preview_failed(self, exc: BaseException) -> None:
        log.error("pack build failed: %s", exc, exc_info=exc)
        self.w.pack_page.failed(_sentence(exc))
        self.w.statusBar().showMessage("The pack could not be built.")

    def finish(self, consultation: Any, pdf: bytes, wet_ink: bool) -> None:
        """Store the pack (signed on screen, or printed for wet ink) and show Done."""
        assert self.w.session is not None
        session, saver = self.w.session, self.w.autosaver
        if saver is not None:
            saver.flush()   # the last edit is saved before the signing, on the same worker
        work = session.prepare_finalise(
            self.w.store, consultation, pdf, wet_ink=wet_ink, paper=self.w.settings.paper,
            draft_id=(lambda: saver.draft_id) if saver is not None else None,
            build=self.w.packs.build)
        sign_page = self.w.sign_page
        sign_page.working(True)

        def done(result: Any) -> None:
            sign_page.working(False)
            session.apply_finalise(result)
            if self.w.autosaver is not None:
                self.w.autosaver.draft_id = None
            self.w.done_page.finished(not wet_ink, result.fingerprint,
                                    result.consultation_id is not None)
            self.w.go(self.w.table.ids[-1], force=True)
            self.w.records.refresh_drafts()

        def failed(exc: BaseException) -> None:
            log.error("signing failed: %s", exc, exc_info=exc)
            sign_page.working(False, f"The pack was not stored: {_sentence(exc)}")
            self.w.alert(f"The pack was not stored: {_sentence(exc)}")

        self.w.work.run(work, done, failed, serial=True)

    # --- Sign and finish, in the navigation bar -------------------------------------------

    def attach(self, nav: Any) -> None:
        """What the closing steps add to the window once its pages exist: Sign
        and finish in the navigation bar, and the clinic's time to reflect on
        the consent step."""
        self.dock_finish(nav)
        self.w.pages["consent"].policy_requested.connect(self.edit_reflection)
        self._show_policy()

    # --- the clinic's minimum time to reflect (issue 15) -------------------------------

    def _policy(self) -> tuple[dict[str, float], bool]:
        """Hours per kind and whether a reason may release them: the settings
        over the catalogue's defaults."""
        from mesodesk.ui.policy import defaults

        hours, allow = defaults(self.w.catalogue)
        hours.update(self.w.settings.reflection_hours)
        chosen = self.w.settings.reflection_override
        return hours, allow if chosen is None else chosen

    def _show_policy(self) -> None:
        from mesodesk.ui.policy import policy_text

        self.w.pages["consent"].policy_note.setText(policy_text(*self._policy()))

    def edit_reflection(self) -> None:
        """The clinic's time to reflect, in a dialog; kept in the settings and
        given to the session's rules at once."""
        from mesodesk.ui.policy import ReflectionDialog

        def chosen(hours: dict[str, float], allow: bool) -> None:
            self.w.settings.reflection_hours = hours
            self.w.settings.reflection_override = allow
            if self.w.session is not None:
                self.w.session.policy = self.w.settings.rule_settings()
            self._show_policy()
            self.w.refresh()

        hours, allow = self._policy()
        self.policy_dialog = ReflectionDialog(self.w, hours, allow, chosen)
        self.policy_dialog.open()

    def dock_finish(self, nav: Any) -> None:
        """Put the signatures page's Sign and finish in the window's navigation bar
        (always on screen, Alt+N), shown in place of Next on that step only."""
        finish = self.w.pages["sign"].finish
        nav.addWidget(finish)
        self.w.page_stack.currentChanged.connect(self._nav_for_page)
        self._nav_for_page(self.w.page_stack.currentIndex())

    def _nav_for_page(self, index: int) -> None:
        on_sign = self.w.page_stack.widget(index) is self.w.pages["sign"]
        self.w.pages["sign"].finish.setVisible(on_sign)
        if self.w.next.parentWidget() is not None:   # never a window of its own
            self.w.next.setVisible(not on_sign)   # one Alt+N: Next, or Sign and finish

    def final_words(self) -> str:
        """What becomes final when the practitioner confirms, in words."""
        assert self.w.session is not None
        data, page = self.w.session.data, self.w.sign_page
        patient = str((data.get("patient") or {}).get("name", "the patient"))
        signers = ["the patient", "the practitioner"] + (
            ["the witness"] if page.witness.signed() else [])
        count = len(page.agreement.agreed())
        return (f"Signing makes the consent of {patient} final: the {count} statements ticked "
                f"(the photo choice among them) and the signatures of {', '.join(signers[:-1])} and "
                f"{signers[-1]} go into the signed pack, which is sealed and stored in the "
                "records. It cannot be changed afterwards: a correction is a new version.")

    def sign_and_finish(self, override_reason: str = "") -> None:
        """Ask to confirm what becomes final, then sign (see :meth:`sign_now`).
        What signing now would raise is checked first: a block that cannot be
        overridden is said and stops it; a block the clinic lets a written
        reason release (signing before its time to reflect) asks for that
        reason first, and confirming records it as the override; a warning
        (the same day as the information, for a prescription-only medicine) is
        named in the question, and confirming acknowledges it."""
        from PySide6.QtWidgets import QMessageBox

        session, page = self.w.session, self.w.sign_page
        if session is None or not page.ready():
            return
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        signers = [{"role": box.role, "name": box.name.text().strip(), "image_png_base64": ""}
                   for box in (page.patient, page.practitioner, page.witness) if box.signed()]
        pending = session.signing_findings(signers, now)   # the rules need no ink
        blocks = [f for f in pending if f.severity == "block"]
        final = [f for f in blocks if not f.overridable]
        if final:
            message = f"The consultation cannot be signed now: {final[0].message}"
            page.working(False, message)
            self.w.alert(message)
            return
        if blocks and not override_reason:   # the clinic allows it with a written reason
            self.ask_override_reason(blocks)
            return
        warnings = [f for f in pending if f.severity == "warn"]
        text = self.final_words()
        if blocks:
            text += ("\n\nSigning now also overrides, with your written reason "
                     f"\u201c{override_reason}\u201d: " + " ".join(f.message for f in blocks))
        if warnings:
            text += ("\n\nSigning now also acknowledges: "
                     + " ".join(f.message for f in warnings))
        box = QMessageBox(QMessageBox.Icon.Question, "Sign and finish", text,
                          QMessageBox.StandardButton.NoButton, self.w)
        box.setAccessibleName("Sign and finish")
        accept = box.addButton("&Sign and finish", QMessageBox.ButtonRole.AcceptRole)
        back = box.addButton("Not &yet", QMessageBox.ButtonRole.RejectRole)
        accept.setAccessibleName("Sign and finish")
        back.setAccessibleName("Not yet")
        box.setDefaultButton(accept)
        box.setEscapeButton(back)
        box.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accept_button = accept  # type: ignore[attr-defined]  (tests press it)

        def answered(_result: int) -> None:
            self.confirmation = None
            if box.clickedButton() is accept:
                self.sign_now([f.rule for f in warnings],
                              {f.rule: override_reason for f in blocks})

        box.finished.connect(answered)
        self.confirmation = box
        box.open()

    def ask_override_reason(self, blocks: list[Any]) -> None:
        """Ask for the written reason that releases ``blocks`` (the question
        stays in ``self.override_question`` while it is open)."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        question = QInputDialog(self.w)
        question.setWindowTitle("Sign before the time to reflect?")
        question.setLabelText(
            " ".join(f.message for f in blocks)
            + "\n\nThis clinic allows it with a written reason, kept in the record. Reason:")
        question.setInputMode(QInputDialog.InputMode.TextInput)
        question.setTextEchoMode(QLineEdit.EchoMode.Normal)
        question.setOkButtonText("Continue")
        question.setAccessibleName("Reason for signing before the time to reflect")
        question.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        question.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(result: int) -> None:
            self.override_question = None
            reason = question.textValue().strip()
            if result and reason:
                self.sign_and_finish(override_reason=reason)
            elif result:
                self.w.alert("Not signed: a written reason is needed to sign before the "
                             "clinic's time to reflect.")

        question.finished.connect(answered)
        self.override_question = question
        question.open()

    def sign_now(self, acknowledge: list[str] | None = None,
                 overrides: dict[str, str] | None = None) -> None:
        assert self.w.session is not None
        sign_page = self.w.sign_page
        if not sign_page.ready():
            return
        if overrides:   # each with the practitioner's written reason, in the signed record
            consent = self.w.session.data.setdefault("consent", {})
            kept = [o for o in consent.get("overrides") or [] if o.get("rule") not in overrides]
            consent["overrides"] = kept + [{"rule": rule, "reason": reason}
                                           for rule, reason in overrides.items()]
        signed_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        try:
            consultation = self.w.session.sign(sign_page.signatures(signed_at), signed_at,
                                               agreed=sign_page.agreement.agreed(),
                                               acknowledge=acknowledge or ())
        except session_layer.SessionError as exc:
            sign_page.working(False, str(exc))
            self.w.alert(str(exc))
            self.w.refresh()
            return
        self.finish(consultation, b"", wet_ink=False)

    def print_for_wet_ink(self) -> None:
        assert self.w.session is not None
        pdf = self.w.pack_page.preview.pdf
        if not pdf or self.w.session.preview_target() is None:
            return

        def printed(_pages: int) -> None:
            assert self.w.session is not None
            consultation = self.w.session.for_wet_ink()   # read on paper
            if consultation is not None:
                self.finish(consultation, pdf, wet_ink=True)

        self.print_pdf(pdf, printed, which=self.w.pack_page.copy.which())

    def print_pdf(self, pdf: bytes, then: Callable[[int], None] | None = None,
                  which: str = "both") -> bool:
        """Ask for a printer, then print one copy of the pack (``which``: "both",
        "patient" or "clinic", see :func:`mesodesk.session.ceremony.copy_pages`)
        off the GUI thread; ``then`` gets the page count once the printer has
        them. False if cancelled."""
        from mesodesk.session.ceremony import copy_pages
        from mesodesk.ui.preview import print_pdf_bytes

        if self._printing:
            return False
        printer = self.w.choose_printer()
        if printer is None:
            return False
        self._printing = True
        self._print_buttons(False)
        self.w.statusBar().showMessage("Printing\u2026")

        def done(pages: int) -> None:
            self._printing = False
            self._printer = None
            self._print_buttons(True)
            self.w.records.audit("printed", {"pages": pages, "copy": which})
            self.w.statusBar().showMessage(f"Sent {pages} pages to the printer.", 4000)
            if then is not None:
                then(pages)

        def failed(exc: BaseException) -> None:
            self._printing = False
            self._printer = None
            self._print_buttons(True)
            self.w.alert(f"The pack was not printed: {_sentence(exc)}")

        self._printer = printer  # kept alive while the worker paints on it
        self.w.work.run(lambda: print_pdf_bytes(pdf, printer, copy_pages(pdf, which)),
                        done, failed)
        return True

    def _print_buttons(self, on: bool) -> None:
        """Every Print button on screen: off while printing, then on where it applies."""
        pages = self.w.pages
        if "pack" in pages:
            pages["pack"].print_button.setEnabled(on and bool(pages["pack"].preview.pdf))
        if "done" in pages:
            pages["done"].print_button.setEnabled(on)
        viewer = self.w._viewer
        if viewer is not None and hasattr(viewer, "print_button"):
            viewer.print_button.setEnabled(on)

    def print_final(self) -> None:
        if self.w.final_pdf:
            self.print_pdf(self.w.final_pdf, which=self.w.done_page.copy.which())

    def show_signed(self, signed: Any, status: str = "") -> Any:
        """A signed record's pack in the read-only viewer, a window of the main
        window (it closes with it), ``status`` added to its title (a withdrawn or
        replaced version); the viewer, or None if it cannot be shown."""
        from mesodesk.ui.viewer import SignedPackViewer, title_parts

        try:
            patient, day, file_name = title_parts(signed.canonical_json)
            viewer = SignedPackViewer(self.w, signed.pdf, patient, day, file_name, status)
        except Exception as exc:
            self.w.alert(f"The signed pack could not be shown: {_sentence(exc)}")
            return None
        viewer.show()
        self.w._viewer = viewer
        viewer.closed.connect(lambda: self._viewer_gone(viewer))
        return viewer

    def _viewer_gone(self, viewer: Any) -> None:
        if self.w._viewer is viewer:
            self.w._viewer = None

    def save_copy(self, path: str, pdf: bytes,
                  then: Callable[[], None] | None = None) -> None:
        """Write a pack off the GUI thread, then record an 'exported' event (what
        was written, never where: the file name names the patient); ``then``
        runs after a successful write. ``packSaved`` says how it went."""
        from mesodesk.session import ConsultationSession

        def saved(_none: None) -> None:
            if then is not None:
                then()
            self.w.records.audit("exported", ConsultationSession.export_event(pdf))
            self.w.statusBar().showMessage(f"Saved {os.path.basename(path)}", 4000)
            self.w.packSaved.emit(True)

        def failed(exc: BaseException) -> None:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.w.alert(f"The pack was not saved to {path}: {why}")
            self.w.packSaved.emit(False)

        self.w.work.run(lambda: ConsultationSession.write_pdf(path, pdf), saved, failed,
                        serial=True)

    def save_pdf_dialog(self) -> None:
        if not self.w.final_pdf or self.w.session is None:
            return
        suggested = str(Path.home() / self.w.session.suggested_file_name())
        path = self.w.choose_save_path("Save the pack", suggested, "PDF files (*.pdf)")
        if path:
            self.save_pdf(path)

    def save_pdf(self, path: str) -> None:
        """Write the signed pack to ``path`` off the GUI thread (see :meth:`save_copy`)."""
        assert self.w.session is not None

        def shown() -> None:
            self.w.saved_path = path
            self.w.done_page.saved(path)

        self.save_copy(path, self.w.final_pdf, shown)

    def open_folder(self) -> None:
        if self.w.saved_path:
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.w.saved_path).parent)))


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


_heap_frozen = False


def _freeze_heap_once() -> None:
    """Once the window, the records and the first pack are loaded, move every
    object so far out of the garbage collector's full passes: each of those
    scanned the whole start-up heap while holding the GIL (about 60 ms, a
    visible stall while the next pack builds on the worker thread).
    benchmarks/bench_stall.py measures it."""
    global _heap_frozen
    if not _heap_frozen:
        import gc

        gc.freeze()
        _heap_frozen = True
