"""The records, for the window: opened after the first paint, drafts listed,
audit events written, drafts resumed, new versions started and signed packs
shown, every call on the window's serial worker (the GUI thread never waits
for the database).
"""

from __future__ import annotations

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

    def resume_draft(self, draft_id: str) -> None:
        """Load a draft from the records (off the GUI thread), then show it;
        ``draftOpened`` says how it went."""
        def loaded(draft: Any) -> None:
            data = draft.data if isinstance(draft.data, dict) else {}
            self.w._begin(data, draft.step, draft_id=draft.id)
            self.w.draftOpened.emit(True)

        def failed(exc: BaseException) -> None:
            self.w.alert(f"The draft could not be opened: {_sentence(exc)}")
            self.w.draftOpened.emit(False)

        self.w.statusBar().showMessage("Opening the draft\u2026")
        self.run(lambda store: store.load_draft(draft_id), loaded, failed, key="open")

    def new_version(self, consultation_id: str) -> None:
        who = self.w.practitioner_name()
        self.run(lambda store: store.new_version(consultation_id, who), self.resume_draft,
                      lambda exc: self.w.alert(f"A new version could not be started: "
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


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
