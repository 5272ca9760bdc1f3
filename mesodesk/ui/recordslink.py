"""The records, for the window: opened after the first paint, drafts listed,
audit events written, drafts resumed or discarded, new versions started (at
the step to change, under a banner naming the version replaced), the next
session of a signed plan and new consultations for a known patient started
(prefilled), signed packs shown, every call on the window's serial worker
(the GUI thread never waits for the database).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Callable

from PySide6 import QtCore
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from mesodesk.ui.window import MainWindow

log = logging.getLogger(__name__)


class RecordsLink:
    """The window's link to the records store."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window
        # what the next consultation the window begins carries (a patient, a notice,
        # the earlier session's answers): applied by session_started, then cleared
        self._prepared: Callable[[Any], None] | None = None
        self.banner: Any = None          # ui.continuation.SessionBanner, made on first use
        self.last_dialog: Any = None     # the last withdrawal dialog (tests)
        self.withdrawn: list[str] = []   # versions recording a withdrawal, this session
        self.exported: list[str] = []    # files written from the records, this session
        self.prior_panel: Any = None     # ui.continuation.PriorAnswersPanel

    def open(self) -> None:
        """Open the records on the thread pool (importing the database layer takes a
        few hundred milliseconds); the window stays responsive meanwhile."""
        if self.w._store_factory is None:
            self.w.start.show_drafts(None, "Records are switched off.")
            return
        self.w.work.run(self.w._store_factory, self._ready, self._failed,
                      serial=True)

    def _failed(self, exc: BaseException) -> None:
        log.warning("records unavailable: %s", exc)
        self.w.start.show_drafts(None, f"Records are not available: {_sentence(exc)}")
        self.w.statusBar().showMessage("Records are not available; drafts are not saved.")

    def _ready(self, store: Any) -> None:
        if self.w._closed:
            self.w.work.run(store.close, serial=True)
            return
        self.w.store = store
        self.w.autosaver = self.autosaver_for(None)
        try:
            from mesodesk.ui.records import RecordsView

            self.w.records_view = RecordsView(self.w.store, self.w.start, work=self.w.work)
            self.w.records_view.openDraft.connect(self.resume_draft)
            self.w.records_view.openSigned.connect(self.view_signed)
            self.w.records_view.newVersion.connect(self.new_version)
            self.w.records_view.nextSession.connect(self.next_session)
            self.w.records_view.newForPatient.connect(self.new_for_patient)
            self.w.records_view.discardDraft.connect(self.discard_draft)
            self.w.records_view.withdraw.connect(self.ask_withdrawal)
            self.w.records_view.exportFhir.connect(self.export_fhir_dialog)
            self.w.start.records_layout.addWidget(self.w.records_view)
            self.w.start.records_box.show()
        except ImportError as exc:
            log.warning("records view unavailable: %s", exc)
        self.refresh_drafts()
        if self.w.autosaver is not None and self.w.consultation_open:
            self.w.autosaver.schedule(self.w.session.data, self.w.step_id)  # typed before records opened

    def autosaver_for(self, draft_id: str | None) -> Any:
        """An autosaver for one consultation, saving on the window's serial worker."""
        if self.w.store is None:
            return None
        from mesodesk.ui.autosave import Autosaver

        store = self.w.store
        saver = Autosaver(lambda: store, self.w.practitioner_name(), self.w, work=self.w.work)
        saver.draft_id = draft_id
        saver.failed.connect(lambda msg: self.w.statusBar().showMessage(f"Draft not saved: {msg}"))
        saver.saved.connect(lambda _id: self.w.statusBar().showMessage("Draft saved", 2000))
        return saver

    def run(self, fn: Callable[[Any], Any], success: Callable[[Any], None] | None = None,
                 failure: Callable[[BaseException], None] | None = None,
                 key: str | None = None) -> None:
        """``fn(store)`` on the serial worker, in order with every save: the GUI
        thread never waits for the records."""
        store = self.w.store
        if store is None:
            return
        self.w.work.run(lambda: fn(store), success, failure, serial=True, key=key)

    def refresh_drafts(self) -> None:
        def failed(exc: BaseException) -> None:
            log.warning("drafts unavailable: %s", exc)
            self.w.start.show_drafts(None, f"Drafts could not be listed: {_sentence(exc)}")

        self.run(lambda store: store.drafts(), self.w.start.show_drafts, failed, key="drafts")
        if self.w.records_view is not None:  # a signed pack or new version shows at once
            self.w.records_view.refresh()

    def audit(self, kind: str, detail: dict | None = None,
              consultation_id: str | None = None) -> None:
        """An audit event about ``consultation_id`` (by default the one on screen,
        or its draft once saved); failures are shown, never raised. Never put
        patient data in ``detail``."""
        if consultation_id is None and self.w.session is not None:
            consultation_id = self.w.session.state.consultation_id
        saver, who = self.w.autosaver, self.w.practitioner_name()

        def record(store: Any) -> None:   # after the saves queued before it
            cid = consultation_id
            if cid is None and saver is not None:
                cid = saver.draft_id   # the draft becomes the consultation
            store.record_event(kind, who, cid, detail)

        def failed(exc: BaseException) -> None:
            log.warning("audit event %s not recorded: %s", kind, exc)
            self.w.statusBar().showMessage(f"Audit event not recorded: {_sentence(exc)}")

        self.run(record, None, failed)

    def resume_draft(self, draft_id: str, step: str | None = None) -> None:
        """Load a draft from the records (off the GUI thread), then show it (at
        ``step`` if given and open); ``draftOpened`` says how it went. A new
        version shows a banner naming the signed version it replaces."""
        def load(store: Any) -> tuple[Any, Any]:
            draft = store.load_draft(draft_id)
            replaced = None
            if draft.supersedes:
                try:
                    signed = store.signed(draft.supersedes)
                    replaced = (signed.signed_at, signed.fingerprint)
                except Exception as exc:   # the banner says less; the draft still opens
                    log.warning("replaced version unreadable: %s", type(exc).__name__)
            return draft, replaced

        def loaded(found: tuple[Any, Any]) -> None:
            draft, replaced = found
            data = draft.data if isinstance(draft.data, dict) else {}
            notice = replaces_notice(data, draft.supersedes, replaced) if draft.supersedes else ""

            def prepare(session: Any) -> None:
                session.notice = notice
                session.patient_id = draft.patient_id

            self._prepared = prepare
            self.w._begin(data, step or draft.step, draft_id=draft.id)
            self.w.draftOpened.emit(True)

        def failed(exc: BaseException) -> None:
            self.w.alert(f"The draft could not be opened: {_sentence(exc)}")
            self.w.draftOpened.emit(False)

        self.w.statusBar().showMessage("Opening the draft\u2026")
        self.run(load, loaded, failed, key="open")

    def new_version(self, consultation_id: str) -> None:
        """A new version of a signed consultation, opened at the step the records
        view names (the step to change)."""
        who = self.w.practitioner_name()
        view = self.w.records_view
        step = view.change_step() if view is not None else None   # type: ignore[attr-defined]
        self.run(lambda store: store.new_version(consultation_id, who),
                 lambda draft_id: self.resume_draft(draft_id, step),
                 lambda exc: self.w.alert(f"A new version could not be started: "
                                          f"{_sentence(exc)}"))

    # --- continuing: the next session, a known patient ----------------------------------------

    def next_session(self, consultation_id: str) -> None:
        """A new consultation continuing a signed plan: same patient and plan, no
        lots, the screening confirmed answer by answer (see session.nextsession);
        the earlier pack's clinical text compared with today's decides whether the
        patient consents again (session.reconsent)."""
        settings = self.w.settings
        today = dt.date.today()
        clinic, practitioner = settings.clinic, settings.practitioner

        def load(store: Any) -> tuple[Any, Any, Any]:
            from mesodesk.catalogue import default_catalogue
            from mesodesk.session.consultation import compare_text
            from mesodesk.session.nextsession import next_session

            status = store.status(consultation_id)
            if status.withdrawn:
                raise ValueError("consent to this plan was withdrawn; start a new "
                                 "consultation instead")
            current = status.current or consultation_id   # the plan as last signed
            signed = store.signed(current)
            recorded = store.clinical_text(current)
            prepared = next_session(signed.canonical_json, today, clinic, practitioner,
                                    earlier_id=current, patient_id=signed.patient_id)
            return signed, prepared, compare_text(prepared, recorded, default_catalogue())

        def loaded(found: tuple[Any, Any, Any]) -> None:
            signed, prepared, reconsent = found

            def prepare(session: Any) -> None:
                session.adopt(prepared, reconsent)
                session.notice = next_session_notice(prepared, signed.signed_at, reconsent)

            self._prepared = prepare
            self.w._begin(prepared.data, None)

        self.run(load, loaded, lambda exc: self.w.alert(
            f"The next session could not be started: {_sentence(exc)}"), key="open")

    def new_for_patient(self, patient_id: str) -> None:
        """A new consultation for the patient selected in the records, their details
        prefilled and the draft linked to them."""
        settings = self.w.settings

        def loaded(patient: Any) -> None:
            from mesodesk.session.nextsession import for_patient

            data = for_patient(patient, dt.date.today(), settings.clinic, settings.practitioner)

            def prepare(session: Any) -> None:
                session.patient_id = patient_id

            self._prepared = prepare
            self.w._begin(data, None)

        self.run(lambda store: store.patient(patient_id), loaded,
                 lambda exc: self.w.alert(f"The patient could not be read: {_sentence(exc)}"),
                 key="open")

    def session_started(self, session: Any) -> None:
        """The window began a consultation (``_begin`` calls this once the session
        exists): apply what was prepared for it, and show its banner and any
        earlier screening answers to confirm."""
        prepared, self._prepared = self._prepared, None
        if prepared is not None:
            prepared(session)
        if self.w.autosaver is not None:
            self.w.autosaver.patient_id = getattr(session, "patient_id", None)
        self._show_continuation(session)

    def _show_continuation(self, session: Any) -> None:
        notice = str(getattr(session, "notice", "") or "")
        if self.banner is None and (notice or getattr(session, "prior_answers", None)):
            from mesodesk.ui.continuation import PriorAnswersPanel, SessionBanner

            self.banner = SessionBanner()
            self.w.page_stack.parentWidget().layout().insertWidget(0, self.banner)
            page = self.w.pages.get("screening")
            if page is not None and self.w.catalogue is not None:
                self.prior_panel = PriorAnswersPanel(self.w.catalogue, lambda: self.w.session)
                page.body.insertWidget(1, self.prior_panel)
                first = page.first_field() if hasattr(page, "first_field") else None
                if first is not None:   # Tab reaches the earlier answers first
                    QWidget.setTabOrder(first.previousInFocusChain(), self.prior_panel.list)
                page.edited.connect(self.prior_panel.reload)
                self.prior_panel.confirmed.connect(self._answer_confirmed)
        if self.banner is not None:
            self.banner.show_notice(notice)
        if self.prior_panel is not None:
            self.prior_panel.reload()

    def _answer_confirmed(self, _question: str) -> None:
        session = self.w.session
        if session is None:
            return
        page = self.w.pages.get("screening")
        if page is not None:
            page.set_state(session.state)   # the confirmed answer shows below
            if self.prior_panel is not None and not self.prior_panel.isVisible():
                first = page.first_field() if hasattr(page, "first_field") else None
                if first is not None:       # the last one confirmed: on to the questions
                    first.setFocus()
        self.w.edited()

    # --- withdrawal, FHIR, the seal certificate -----------------------------------------------

    def ask_withdrawal(self, consultation_id: str) -> None:
        """Ask when and why the patient withdrew; then record it."""
        from mesodesk.ui.withdrawal import WithdrawalDialog

        view = self.w.records_view
        summary = view.selected_summary() if view is not None else None  # type: ignore[attr-defined]
        described = "the consultation"
        if summary is not None and summary.date is not None:
            described = f"the consultation of {summary.date.strftime('%d %b %Y')}"
        dialog = WithdrawalDialog(consultation_id, described, self.w)
        dialog.chosen.connect(self.withdraw)
        dialog.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        dialog.open()
        self.last_dialog = dialog

    def withdraw(self, consultation_id: str, at: str, reason: str) -> None:
        """Record the withdrawal as a new signed version (its pack built in the pack
        helper), with a 'withdrawn' audit event; the signed record is untouched."""
        who = self.w.practitioner_name()
        packs = self.w.packs

        def work(store: Any) -> str:
            from mesodesk.catalogue import default_catalogue
            from mesodesk.session import ConsultationSession

            return ConsultationSession.prepare_withdrawal(
                store, default_catalogue(), consultation_id, who, reason=reason, at=at,
                build=packs.build, paper=self.w.settings.paper)()

        def done(version: str) -> None:
            self.w.statusBar().showMessage("Withdrawal recorded as a new version", 5000)
            self.withdrawn.append(version)
            self.refresh_drafts()

        self.run(work, done, lambda exc: self.w.alert(
            f"The withdrawal was not recorded: {_sentence(exc)}"))

    def export_fhir_dialog(self, consultation_id: str) -> None:
        path = self.w.choose_save_path("Export FHIR", "mesodesk-fhir.json",
                                       "FHIR JSON (*.json)")
        if path:
            self.export_fhir(consultation_id, path)

    def export_fhir(self, consultation_id: str, path: str) -> None:
        """Write the signed record's FHIR R4 Bundle off the GUI thread; an 'exported'
        audit event says what (never where, or for whom)."""
        who = self.w.practitioner_name()

        def work(store: Any) -> Any:
            from mesodesk.catalogue import default_catalogue
            from mesodesk.session.records import export_fhir

            result = export_fhir(store, default_catalogue(), consultation_id, path)
            store.record_event("exported", who, consultation_id,
                               {"format": "fhir-r4", "pdf_sha256": result.pdf_sha256})
            return result

        def done(result: Any) -> None:
            import os

            self.w.statusBar().showMessage(
                f"Exported {os.path.basename(path)}: FHIR Bundle of {result.resources} "
                f"resources (consent {result.consent_status})", 6000)
            self.exported.append(path)

        self.run(work, done, lambda exc: self.w.alert(
            f"The FHIR Bundle was not written to {path}: {_sentence(exc)}"))

    def export_certificate_dialog(self) -> None:
        """Settings: export this installation's seal certificate, so a clinic can
        publish it and anyone can check its packs' seal."""
        path = self.w.choose_save_path("Export the seal certificate", "mesodesk-seal.pem",
                                       "Certificate (*.pem)")
        if path:
            self.export_certificate(path)

    def export_certificate(self, path: str) -> None:
        from mesodesk.ui.settings import export_seal_certificate

        clinic = str(self.w.settings.clinic.get("name", "") or "")
        packs = self.w.packs

        def done(written: str) -> None:
            import os

            self.w.statusBar().showMessage(f"Seal certificate saved as "
                                           f"{os.path.basename(written)}", 6000)
            self.exported.append(written)

        self.w.work.run(lambda: export_seal_certificate(packs, path, clinic), done,
                        lambda exc: self.w.alert(f"The seal certificate was not saved: "
                                                 f"{_sentence(exc)}"), serial=True)

    def discard_draft(self, draft_id: str) -> None:
        """Discard a draft (the records view asked the practitioner first); the audit
        trail records it."""
        saver = self.w.autosaver
        if saver is not None and saver.draft_id == draft_id:
            saver.flush()           # its last edit lands first, then goes with it
            self.w.autosaver = self.autosaver_for(None)
            if self.w.session is not None:
                self.w.session.draft_id = None
        who = self.w.practitioner_name()

        def done(_none: Any) -> None:
            self.w.statusBar().showMessage("Draft discarded", 4000)
            self.refresh_drafts()

        self.run(lambda store: store.discard_draft(draft_id, who), done,
                 lambda exc: self.w.alert(f"The draft could not be discarded: "
                                          f"{_sentence(exc)}"))

    def view_signed(self, consultation_id: str) -> None:
        def show(signed: Any) -> None:
            # a window of the main one, titled with the patient, the date and, when
            # the pack is no longer current, why
            extra = signed_title(self._status)[len(signed_title(None)):]
            if self.w.closing.show_signed(signed, extra) is not None:
                self.audit("viewed", {"read_only": True}, consultation_id)

        def load(store: Any) -> Any:
            signed = store.signed(consultation_id)
            status = getattr(store, "status", None)
            self._status = status(consultation_id) if status is not None else None
            return signed

        self._status: Any = None
        self.run(load, show,
                      lambda exc: self.w.alert(f"The signed pack could not be opened: "
                                             f"{_sentence(exc)}"))


def _when(value: Any) -> str:
    try:
        return value.astimezone().strftime("%d %b %Y %H:%M")
    except (AttributeError, ValueError, OSError):
        return str(value or "")


def _day(iso: str) -> str:
    try:
        return dt.date.fromisoformat(iso).strftime("%d %b %Y")
    except (TypeError, ValueError):
        return iso or "an unknown date"


def signed_title(status: Any) -> str:
    """The signed-pack viewer's title: says when the pack is not current."""
    title = "Signed pack (read-only)"
    if status is None:
        return title
    if getattr(status, "withdrawn", False):
        return (f"{title} \u2014 CONSENT WITHDRAWN ({status.withdrawn_at}): "
                "not to be issued as current")
    if not getattr(status, "is_current", True):
        return f"{title} \u2014 replaced by a newer version"
    return title


def replaces_notice(data: dict, supersedes: str, replaced: Any) -> str:
    """The banner of a new version: which signed version it replaces."""
    date = _day(str(data.get("date", "")))
    if replaced is not None:
        signed_at, fp = replaced
        which = f"signed {_when(signed_at)}, fingerprint {str(fp)[:12]}"
    else:
        which = f"record {supersedes[:8]}"
    return (f"New version of the consultation of {date} ({which}). Once signed it "
            "replaces that version; the signed version stays in the records unchanged.")


def next_session_notice(prepared: Any, signed_at: Any, reconsent: Any = None) -> str:
    """The banner of a next session: what it continues and what to confirm."""
    n = len(prepared.prior_answers)
    lines = [f"Next session of the plan signed {_when(signed_at)} (consultation of "
             f"{_day(prepared.earlier_date)}). Patient, indication, areas, delivery, "
             "products and plan are carried over; record this session's lots and expiry "
             f"dates, and confirm the {n} screening answer{'s' if n != 1 else ''} "
             "with the patient."]
    if prepared.carried_points:
        lines.append(f"{prepared.carried_points} injection point"
                     f"{'s' if prepared.carried_points != 1 else ''} carried from the last map.")
    text = " ".join(lines)
    if reconsent is not None:
        text += "\n" + reconsent.summary()
    return text


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
