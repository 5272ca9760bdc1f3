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
            self.w.start.records_layout.addWidget(self.w.records_view)
            self.w.start.records_box.show()
        except ImportError as exc:
            log.warning("records view unavailable: %s", exc)
        self.refresh_drafts()
        if (self.w.autosaver is not None and self.w.session is not None
                and not self.w.session.state.finished):
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
        lots, the screening confirmed answer by answer (see session.nextsession)."""
        settings = self.w.settings

        def loaded(signed: Any) -> None:
            from mesodesk.session.nextsession import next_session

            try:
                prepared = next_session(signed.canonical_json, dt.date.today(),
                                        settings.clinic, settings.practitioner,
                                        earlier_id=consultation_id, patient_id=signed.patient_id)
            except Exception as exc:
                self.w.alert(f"The next session could not be started: {_sentence(exc)}")
                return

            def prepare(session: Any) -> None:
                session.adopt(prepared)
                session.notice = next_session_notice(prepared, signed.signed_at)

            self._prepared = prepare
            self.w._begin(prepared.data, None)

        self.run(lambda store: store.signed(consultation_id), loaded,
                 lambda exc: self.w.alert(f"The next session could not be started: "
                                          f"{_sentence(exc)}"), key="open")

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
        self.w.edited()

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
            from mesodesk.ui.preview import PdfPreview

            preview = PdfPreview()
            preview.setWindowTitle("Signed pack (read-only)")
            preview.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
            try:
                preview.show_pdf(signed.pdf)
            except Exception as exc:
                self.w.alert(f"The signed pack could not be shown: {exc}")
                return
            h = self.w.fontMetrics().height()
            preview.resize(h * 50, h * 60)
            preview.show()
            self.w._viewer = preview
            self.audit("viewed", {"read_only": True}, consultation_id)

        self.run(lambda store: store.signed(consultation_id), show,
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


def next_session_notice(prepared: Any, signed_at: Any) -> str:
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
    return " ".join(lines)


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
