"""The main window: a start screen, then the consultation as a list of steps
beside the step on screen and the live findings.

The window only shows a :class:`~mesodesk.session.ConsultationSession`: the
session holds the consultation, computes the findings and every step's state
once per change, and performs preview, signing and storing; its steps table
gives the step list, the pages, Next and Back. Slow work (pack builds, the
records) runs off the GUI thread; the records open after the first paint.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from typing import TYPE_CHECKING, Any, Callable, Iterator, cast

from PySide6 import QtCore
from PySide6.QtCore import QByteArray, QEvent, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QMainWindow, QStackedWidget,
                               QVBoxLayout, QWidget)

from mesodesk.ui.lazy import lazy_import
from mesodesk.ui.settings import Settings
from mesodesk.ui.basics import button, heading, icon
from mesodesk.ui.colours import MIN_CONTRAST, contrast, readable_grey

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.session import ConsultationSession, FlowState, StepTable
    from mesodesk.session.remote import PackBuilder
    from mesodesk.ui.ceremony import DonePage, PackPage, SignPage
    from mesodesk.ui.closing import Closing
    from mesodesk.ui.widgets import StepPage
    from mesodesk import session as session_layer
else:  # loaded on first use, after the window is on screen
    session_layer = lazy_import("mesodesk.session")

log = logging.getLogger(__name__)

# The step's status ("done", "todo", ...) as item data: Qt.ItemDataRole.UserRole + 1,
# written as its number because touching the Qt namespace builds its ~90 Python
# enums (about 60 ms) before the window is first shown.
STATUS_ROLE = 0x0100 + 1
STATUS_WORDS = {"done": "complete", "todo": "to do", "warn": "has warnings",
                "block": "blocked"}


def open_default_store() -> Any:
    """The records store named by the environment (MESODESK_DATABASE_URL), else
    by the settings, else the local SQLite file, in a helper process: the
    database layer never loads into the window's own memory."""
    from mesodesk.session.remote import RemoteStore

    return RemoteStore(os.environ.get("MESODESK_DATABASE_URL") or Settings().database_url or None)


def _wrapped(text: str) -> QLabel:
    """A plain wrapped label (the start screen avoids Qt's enum tables, which cost
    time to load, so the window appears sooner)."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class StartPage(QWidget):
    """New consultation, resume a draft, open a file, and the records."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__()
        self.window_ = window
        layout = QVBoxLayout(self)
        layout.addWidget(heading("mesodesk"))
        layout.addWidget(_wrapped("A consultation aid for mesotherapy: screening, safety "
                                  "checks and a sourced consent pack for the patient to read "
                                  "and sign."))
        row = QHBoxLayout()
        self.new = button("Start a ne&w consultation")
        self.open = button("Open a consultation fi&le\u2026")
        row.addWidget(self.new)
        row.addWidget(self.open)
        row.addStretch(1)
        layout.addLayout(row)
        self.drafts_box = QGroupBox("Unfinished consultations")
        self.drafts_box.setAccessibleName("Unfinished consultations")
        self.drafts_layout = QVBoxLayout(self.drafts_box)
        self.drafts_note = _wrapped("Opening the records\u2026")
        self.drafts_layout.addWidget(self.drafts_note)
        layout.addWidget(self.drafts_box)
        self.recent_box = QGroupBox("Recent consultation files")
        self.recent_box.setAccessibleName("Recent consultation files")
        self.recent_layout = QVBoxLayout(self.recent_box)
        self.recent_buttons: list[Any] = []
        layout.addWidget(self.recent_box)
        self.records_box = QGroupBox("Records")
        self.records_box.setAccessibleName("Records")
        self.records_layout = QVBoxLayout(self.records_box)
        layout.addWidget(self.records_box, 1)
        self.records_box.hide()
        self.resume_buttons: list[Any] = []
        self.discard_buttons: list[Any] = []
        self.draft_rows: list[QWidget] = []
        self.last_question: Any = None   # the discard question, while open (tests read it)
        self.new.clicked.connect(window.new_consultation)
        self.open.clicked.connect(window.open_file_dialog)

    def show_recent(self, paths: list[str]) -> None:
        """The consultation files opened lately that still exist."""
        for b in self.recent_buttons:
            b.setParent(None)
            b.deleteLater()
        self.recent_buttons = []
        existing = [p for p in paths if os.path.isfile(p)][:5]
        for path in existing:
            b = button(f"Open {os.path.basename(path)}")
            b.setToolTip(path)
            b.clicked.connect(lambda _c=False, p=path: self.window_.open_file(p))
            self.recent_layout.addWidget(b)
            self.recent_buttons.append(b)
        self.recent_box.setVisible(bool(existing))

    def show_drafts(self, drafts: list[Any] | None, error: str = "") -> None:
        """One row per unfinished consultation: resume it, or discard it (asked first)."""
        for row in self.draft_rows:
            row.setParent(None)
            row.deleteLater()
        self.draft_rows, self.resume_buttons, self.discard_buttons = [], [], []
        if drafts is None:
            self.drafts_note.setText(error or "Records are not available.")
            return
        self.drafts_note.setText("None: every consultation so far is finished."
                                 if not drafts else "Pick up where you left off:")
        for d in drafts[:8]:
            name = d.patient_name or "an unnamed patient"
            b = button(f"Resume draft for {name}")
            when = d.updated_at.strftime("%d %b %Y %H:%M") if d.updated_at else ""
            table = session_layer.DEFAULT_TABLE
            step_title = table.step(d.step).title if d.step in table else d.step
            b.setToolTip(f"Last edited {when}; at step {step_title}")
            b.clicked.connect(lambda _c=False, i=d.id: self.window_.records.resume_draft(i))
            discard = button("Discard\u2026")
            discard.setAccessibleName(f"Discard the draft for {name}")
            discard.setToolTip(f"Delete the unfinished consultation for {name} (asks first)")
            discard.clicked.connect(lambda _c=False, i=d.id, n=name: self.ask_discard(i, n))
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(b)
            line.addWidget(discard)
            line.addStretch(1)
            self.drafts_layout.addWidget(row)
            self.draft_rows.append(row)
            self.resume_buttons.append(b)
            self.discard_buttons.append(discard)

    def ask_discard(self, draft_id: str, name: str) -> None:
        """The same question as the records view's, then the draft goes (audited)."""
        from mesodesk.ui.records import ask_to_discard

        self.last_question = ask_to_discard(
            self.window_, lambda: self.window_.records.discard_draft(draft_id), name)


class MainWindow(QMainWindow):
    fileOpened = Signal(bool)      # open_file finished: True if the file is on screen
    draftOpened = Signal(bool)     # resume_draft finished
    packSaved = Signal(bool)       # save_pdf finished
    fileSaved = Signal(bool)       # save_as finished

    def __init__(self, store_factory: Callable[[], Any] | None = open_default_store,
                 settings: Settings | None = None, steps: StepTable | None = None) -> None:
        super().__init__()
        self.setWindowTitle("mesodesk")
        self.settings = settings or Settings()
        self._store_factory = store_factory
        self.store: Any = None
        self.autosaver: Any = None
        self.records_view: QWidget | None = None
        self.catalogue: Catalogue | None = None
        self.session: ConsultationSession | None = None
        self._table = steps
        self.pages: dict[str, StepPage] = {}
        self.pack_page: PackPage
        self.sign_page: SignPage
        self.done_page: DonePage
        self._viewer: QWidget | None = None
        self.saved_path: str = ""
        self.last_alert: Any = None  # the last message box (tests read it)
        from mesodesk.ui.work import Work

        self.work = Work(self)   # all slow work: pack builds; the records and files, in order
        from mesodesk.ui.recordslink import RecordsLink

        self.records = RecordsLink(self)   # the records store, on the serial worker

        self.stack = QStackedWidget()
        self.start = StartPage(self)
        self.stack.addWidget(self.start)
        self.consultation: QWidget | None = None
        self._view_parts: Iterator[str] | None = None   # the view, while it is being built
        self._pages_to_warm: list[StepPage] = []        # then its pages, see _warm_pages
        self.setCentralWidget(self.stack)
        self._menus()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(60)
        self._refresh_timer.timeout.connect(self.refresh)
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            font_h = self.fontMetrics().height()
            self.resize(font_h * 80, font_h * 52)
        self.statusBar().showMessage("Ready")
        self.start.show_recent(self.settings.recent_files)
        self._painted = False
        self._closed = False

    # --- made on first use (after the first paint: their imports cost ~25 ms) -----------
    @functools.cached_property
    def packs(self) -> PackBuilder:
        """Packs are built in a helper process, started on the first build."""
        from mesodesk.session.remote import PackBuilder

        return PackBuilder()

    @functools.cached_property
    def closing(self) -> Closing:
        """Preview, signing, printing and saving the pack."""
        from mesodesk.ui.closing import Closing

        return Closing(self)

    # --- what the session knows (the window keeps no copy) -------------------------------
    @property
    def table(self) -> StepTable:
        return self._table or session_layer.DEFAULT_TABLE

    @property
    def state(self) -> FlowState | None:
        return self.session.state if self.session is not None else None

    @property
    def step_id(self) -> str:
        return self.session.step_id if self.session is not None else self.table.ids[0]

    @property
    def findings_error(self) -> str:
        return self.session.snapshot().error if self.session is not None else ""

    @property
    def final_pdf(self) -> bytes:
        return self.session.final_pdf if self.session is not None else b""

    def event(self, event: QEvent) -> bool:
        """The records open after the window's first paint, so it appears fast."""
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.records.open)
            QTimer.singleShot(0, self._warm_catalogue)
        return super().event(event)

    def _warm_catalogue(self) -> None:
        """Load the catalogue (and the rules' indexes) on the thread pool while the
        start screen waits, so opening the first consultation does not stall the
        window (~110 ms)."""
        def load() -> Any:
            from mesodesk.catalogue import default_catalogue
            from mesodesk.rules import prepare

            catalogue = default_catalogue()
            prepare(catalogue)   # the rules' name indexes, off the GUI thread too
            return catalogue

        self.work.run(load, lambda _catalogue: self._warm_consultation_view(),
                      lambda exc: log.warning("catalogue not preloaded: %s", exc))

    # --- menus ----------------------------------------------------------------------------
    def _menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")

        def action(text: str, slot: Callable[[], Any], keys: Any = None) -> QAction:
            a = QAction(text, self)
            if keys is not None:   # setShortcuts: setShortcut's overloads build Qt's enums
                a.setShortcuts(keys if isinstance(keys, QKeySequence.StandardKey)
                               else [QKeySequence(keys)])
            a.triggered.connect(lambda _checked=False: slot())
            file_menu.addAction(a)
            return a

        action("&New consultation", self.new_consultation, QKeySequence.StandardKey.New)
        action("&Open\u2026", self.open_file_dialog, QKeySequence.StandardKey.Open)
        self.save_action = action("&Save draft", self.save_draft, QKeySequence.StandardKey.Save)
        action("Save consultation &as\u2026", self.save_as_dialog, "Ctrl+Shift+S")
        file_menu.addSeparator()
        paper = file_menu.addMenu("&Paper size")
        group = QActionGroup(self)
        self.paper_actions: dict[str, QAction] = {}
        for key, text in (("a4", "A&4"), ("letter", "&Letter")):
            a = QAction(text, self, checkable=True)
            a.setChecked(self.settings.paper == key)
            a.triggered.connect(lambda _c=False, k=key: self.set_paper(k))
            group.addAction(a)
            paper.addAction(a)
            self.paper_actions[key] = a
        file_menu.addSeparator()
        action("Export the seal &certificate\u2026",            # settings (records link)
               lambda: self.records.export_certificate_dialog())
        action("S&tart screen", self.show_start)
        action("&Quit", self.close, QKeySequence.StandardKey.Quit)

    def eventFilter(self, watched: QtCore.QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is getattr(self, "step_list", None) and event.type() in (
                QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._readable_locked_steps()   # a new palette (light, dark): readable again
        return super().eventFilter(watched, event)

    def _readable_locked_steps(self) -> None:
        """Locked steps are greyed, but still readable: contrast of at least 4.5:1."""
        from PySide6.QtGui import QPalette

        palette = QPalette(self.step_list.palette())
        base = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Text)
        grey = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if contrast(grey, base) >= MIN_CONTRAST:
            return
        grey = readable_grey(text, base)
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, grey)
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, grey)
        self.step_list.setPalette(palette)

    def set_paper(self, paper: str) -> None:
        self.settings.paper = paper
        if self.session is not None:
            self.session.forget_packs()
        self.statusBar().showMessage(f"Packs will be printed on {paper.upper()} paper", 4000)

    # --- records (opened after the first paint) -------------------------------------------
    def practitioner_name(self) -> str:
        if self.session is not None:
            return self.session.practitioner_name()
        return str(self.settings.practitioner.get("name", ""))

    # --- the consultation view (built on first use) -----------------------------------------
    def _ensure_consultation_view(self) -> bool:
        """The consultation's view (step list, pages, findings), built now if the
        start screen's idle time has not finished building it already."""
        if self.consultation is not None:
            return True
        from mesodesk.catalogue import CatalogueError, default_catalogue

        try:
            self.catalogue = default_catalogue()
        except CatalogueError as exc:
            self.alert(f"The clinical catalogue cannot be used: {exc}")
            return False
        if self._view_parts is None:
            self._view_parts = self._build_consultation_view()
        for _part in self._view_parts:   # whatever is left of it
            pass
        return True

    def _warm_consultation_view(self) -> None:
        """Build the consultation's view one piece per turn of the event loop
        while the start screen waits (the catalogue is loaded by then), so
        opening the first consultation does not stall the window for the
        300-600 ms that building every page at once takes."""
        if self.consultation is not None or self._closed:
            return
        if self._view_parts is None:
            from mesodesk.catalogue import default_catalogue

            self.catalogue = default_catalogue()   # cached by _warm_catalogue
            self._view_parts = self._build_consultation_view()
        if next(self._view_parts, None) is not None:
            QTimer.singleShot(0, self, self._warm_consultation_view)
        else:
            self._pages_to_warm = list(self.pages.values())
            QTimer.singleShot(0, self, self._warm_pages)

    def _warm_pages(self) -> None:
        """Then, one page per turn, what a page's first showing would otherwise do
        on the GUI thread: its style polished, and a Python wrapper type (with its
        enums) made for each kind of widget it holds, which PySide makes the first
        time a widget of that kind reaches Python (the focus chain, the gaps)."""
        if self._closed or not self._pages_to_warm:
            return
        page = self._pages_to_warm.pop(0)
        page.ensurePolished()
        page.findChildren(QWidget)
        QTimer.singleShot(0, self, self._warm_pages)

    def _build_consultation_view(self) -> Iterator[str]:
        """Builds the view; yields after each piece (see _warm_consultation_view)."""
        assert self.catalogue is not None
        # Not imported with the module: their Python enums cost time before the
        # start screen is first shown, and only the consultation's view needs them.
        from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSplitter

        from mesodesk.ui.widgets import page_class

        yield "imports"

        self.session = session_layer.ConsultationSession.new(self.catalogue, dt.date.today(),
                                                             table=self.table)
        view = QWidget()
        outer = QHBoxLayout(view)
        self.splitter = splitter = QSplitter(QtCore.Qt.Orientation.Horizontal)
        outer.addWidget(splitter)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.step_list = QListWidget()
        self.step_list.setAccessibleName("Steps")
        self._readable_locked_steps()
        self.step_list.installEventFilter(self)
        line = self.step_list.fontMetrics().height()
        self.step_list.setIconSize(QtCore.QSize(line, line))   # marks the size of the text
        steps_label = QLabel("Steps")
        steps_label.setBuddy(self.step_list)
        left_layout.addWidget(steps_label)
        left_layout.addWidget(self.step_list, 1)
        for s in self.table:
            item = QListWidgetItem(s.title)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, s.id)
            self.step_list.addItem(item)
        self.step_list.itemClicked.connect(
            lambda item: self.go(str(item.data(QtCore.Qt.ItemDataRole.UserRole))))
        self.step_list.itemActivated.connect(
            lambda item: self.go(str(item.data(QtCore.Qt.ItemDataRole.UserRole))))
        splitter.addWidget(left)

        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        self.page_stack = QStackedWidget()
        for s in self.table:   # one page per step of the table
            page = page_class(s.id)(self.session.state, self.catalogue)
            page.edited.connect(self.edited)
            self.pages[s.id] = page
            self.page_stack.addWidget(page)
            yield s.id
        middle_layout.addWidget(self.page_stack, 1)
        nav = QHBoxLayout()
        self.position = QLabel()
        self.back = button("&Back")
        self.next = button("&Next")
        self.next.setDefault(True)
        nav.addWidget(self.position, 1)
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        middle_layout.addLayout(nav)
        self.closing.attach(nav)   # Sign and finish in place of Next on its step; policy
        self.back.clicked.connect(self.go_back)
        self.next.clicked.connect(self.go_next)
        splitter.addWidget(middle)

        from mesodesk.ui.findings import FindingsPanel

        self.findings_panel = FindingsPanel(self.go, self.catalogue, table=self.table)
        splitter.addWidget(self.findings_panel)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 1)
        h = self.fontMetrics().height()
        splitter.setSizes([h * 13, h * 44, h * 20])

        self.pack_page = pack = cast("PackPage", self.pages["pack"])
        pack.sign_requested.connect(lambda: self.go("sign"))
        pack.print_requested.connect(self.closing.print_for_wet_ink)
        pack.retry_requested.connect(self.closing.build_preview)
        pack.read.connect(self.closing._pack_read)
        self.sign_page = sign = cast("SignPage", self.pages["sign"])
        sign.finish_requested.connect(self.closing.sign_and_finish)
        self.done_page = done = cast("DonePage", self.pages["done"])
        done.save_requested.connect(self.closing.save_pdf_dialog)
        done.print_requested.connect(self.closing.print_final)
        done.folder_requested.connect(self.closing.open_folder)
        done.new_requested.connect(self.new_consultation)
        self.consultation = view
        self.stack.addWidget(view)

    # --- starting, resuming, opening --------------------------------------------------------
    def _begin(self, data: dict, step_id: str | None = None, draft_id: str | None = None,
               consultation_id: str | None = None) -> None:
        if not self._ensure_consultation_view():
            return
        assert self.catalogue is not None
        if self.autosaver is not None:
            self.autosaver.flush()   # the previous consultation's last edit, on its way
            self.autosaver = self.records.autosaver_for(draft_id)
        self.session = session = session_layer.ConsultationSession(
            self.catalogue, data, table=self.table, consultation_id=consultation_id,
            draft_id=draft_id)
        session.policy = self.settings.rule_settings()   # the clinic's time to reflect
        self.records.session_started(session)   # a next session, a known patient, a banner
        dropped = session.dropped
        if dropped:
            log.warning("draft had %d unreadable parts", len(dropped))
            self.statusBar().showMessage(
                "Some parts of this consultation could not be read and were left empty: "
                + ", ".join(dropped[:6]) + ("\u2026" if len(dropped) > 6 else ""))
        self.saved_path = ""
        for page in self.pages.values():
            page.set_state(session.state, defer=True)   # go() below loads the one shown
        assert self.consultation is not None
        self.stack.setCurrentWidget(self.consultation)
        if not self.go(session.start_step(step_id), force=True):   # go() refreshes
            self.refresh()

    def new_consultation(self) -> None:
        first = self.table.ids[0]
        self._begin(session_layer.new_data(dt.date.today(), self.settings.clinic,
                                           self.settings.practitioner), first)
        if self.session is not None and self.session.snapshot().complete(first):
            nxt = self.session.next_step()   # what the settings remembered is done
            if nxt is not None:
                self.go(nxt)

    def open_file(self, path: str) -> None:
        """Read a consultation file off the GUI thread, then show it; faults are
        one-line messages. ``fileOpened`` says how it went."""
        def read() -> Any:
            from mesodesk.catalogue import default_catalogue

            catalogue = default_catalogue()
            return session_layer.ConsultationSession.from_file(path, catalogue).data

        def opened(data: dict) -> None:
            self.settings.add_recent_file(os.path.abspath(path))
            self._begin(data, "review")
            self.statusBar().showMessage(f"Opened {os.path.basename(path)}", 4000)
            self.fileOpened.emit(True)

        def failed(exc: BaseException) -> None:
            from mesodesk.domain import ConsultationError

            self.alert(exc.sentence() if isinstance(exc, ConsultationError) else str(exc))
            self.fileOpened.emit(False)

        self.work.run(read, opened, failed, key="open")

    def open_file_dialog(self) -> None:
        path = self.choose_open_path()
        if path:
            self.open_file(path)

    def choose_open_path(self) -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Open a consultation file", "",
                                              "Consultation files (*.json);;All files (*)")
        return path

    def choose_save_path(self, title: str, suggested: str, filter_: str) -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filter_)
        return path

    def choose_printer(self) -> Any:
        """A printer chosen in the print dialog, or None if cancelled."""
        from PySide6.QtGui import QPageSize
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter if self.settings.paper ==
                                      "letter" else QPageSize.PageSizeId.A4))
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the pack")
        return printer if dialog.exec() == QPrintDialog.DialogCode.Accepted else None

    def alert(self, message: str) -> None:
        """A one-line message box that does not block (tests read last_alert)."""
        from PySide6.QtWidgets import QMessageBox

        log.info("alert shown")
        box = QMessageBox(QMessageBox.Icon.Warning, "mesodesk", message,
                          QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.last_alert = box

    def show_start(self) -> None:
        if self.autosaver is not None:
            self.autosaver.flush()
        self.records.refresh_drafts()
        self.start.show_recent(self.settings.recent_files)
        self.stack.setCurrentWidget(self.start)
        self.start.new.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    # --- editing ----------------------------------------------------------------------------
    @property
    def consultation_open(self) -> bool:
        """A consultation is on screen and not yet finished (the view may exist,
        built in idle time, with no consultation begun: nothing to save then)."""
        return (self.session is not None and not self.session.state.finished
                and self.consultation is not None
                and self.stack.currentWidget() is self.consultation)

    def edited(self) -> None:
        if not self.consultation_open:
            return
        if self.step_id == self.table.ids[0]:
            self._remember_clinic()
        if self.autosaver is not None:
            self.autosaver.practitioner = self.practitioner_name()
            self.autosaver.schedule(self.session.data, self.step_id)
        self._refresh_timer.start()

    def _remember_clinic(self) -> None:
        assert self.session is not None
        self.settings.clinic = dict(self.session.data.get("clinic") or {})
        self.settings.practitioner = dict(self.session.data.get("practitioner") or {})

    def refresh(self) -> None:
        """Show the session's snapshot: findings, every step's status, Next and Back."""
        if self.session is None or self.consultation is None:
            return
        self._refresh_timer.stop()
        snap = self.session.snapshot()
        open_rules = {f.rule for f in snap.outstanding}
        self.findings_panel.show_findings(snap.findings, open_rules, snap.error)
        gaps = [(self.table.step(step).title, gap) for step, gap in snap.gaps_up_to(self.step_id)]
        self.findings_panel.show_gaps(gaps)
        self._fold_findings(not (snap.findings or gaps or snap.error))
        self.save_action.setEnabled(not self.session.state.finished)
        for page in self.pages.values():
            page.show_snapshot(snap)
        for i, view in enumerate(snap.views()):
            item = self.step_list.item(i)
            current = view.id == self.step_id
            item.setText(view.title)
            item.setIcon(icon(view.status))
            item.setData(STATUS_ROLE, view.status)
            words = STATUS_WORDS[view.status] + ("" if view.reachable else ", locked")
            item.setData(QtCore.Qt.ItemDataRole.AccessibleTextRole,
                         f"{view.title}: {words}{', current step' if current else ''}")
            item.setToolTip(words.capitalize())
            flags = QtCore.Qt.ItemFlag.ItemIsSelectable
            if view.reachable:
                flags |= QtCore.Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            font = QFont(item.font())
            font.setBold(current)
            item.setFont(font)
        self._update_nav()

    def _fold_findings(self, fold: bool) -> None:
        """The findings panel folds away when it has nothing to say, so the page (the
        pack) takes the width; it comes back at its usual width."""
        panel = self.findings_panel
        if fold == panel.isHidden():
            return
        if fold:
            panel.hide()
            return
        panel.show()
        sizes = self.splitter.sizes()
        if sizes[-1] < self.fontMetrics().height() * 10:
            want = self.fontMetrics().height() * 20
            sizes[-2] = max(sizes[-2] + sizes[-1] - want, 0)
            sizes[-1] = want
            self.splitter.setSizes(sizes)

    def _update_nav(self) -> None:
        assert self.session is not None
        session, table = self.session, self.table
        i = table.index(self.step_id)
        self.position.setText(f"Step {i + 1} of {len(table)}: {table.step(self.step_id).title}")
        self.back.setEnabled(session.previous_step() is not None and not session.state.finished)
        can_next = session.can_go_next()
        self.next.setEnabled(can_next)
        nxt = session.next_step()
        note = table.step(nxt).locked_note if nxt is not None else ""
        gaps = session.snapshot().gaps_for(self.step_id)
        if gaps and can_next:
            self.next.setToolTip("Still to fill in first: " + "; ".join(g.label for g in gaps))
        else:
            self.next.setToolTip(note if note and not can_next else "")
        self.step_list.setCurrentRow(i)

    # --- moving between steps ---------------------------------------------------------------
    def go(self, step_id: str, force: bool = False) -> bool:
        session = self.session
        if session is None or step_id not in self.table:
            return False
        leaving = self.step_id
        if not session.go(step_id, force):
            self.statusBar().showMessage(
                f"{self.table.step(step_id).title} is locked until the steps before it are "
                "complete and every finding is resolved.", 5000)
            self.step_list.setCurrentRow(self.table.index(self.step_id))
            return False
        if leaving == self.table.ids[0] and step_id != leaving:
            self._remember_clinic()
        page = self.pages[step_id]
        page.set_state(session.state)  # another step may have changed its section
        self.page_stack.setCurrentWidget(page)
        page.entered()
        self.refresh()
        hook = self.table.step(step_id).on_enter
        if hook is not None:
            self._enter_hooks()[hook]()
        page.scroll_area.verticalScrollBar().setValue(0)
        self.focus_page()
        return True

    def focus_page(self) -> None:
        """The focus goes to the first field of the step on screen (never to its
        scroll area, where keystrokes vanish); on a page without one, to Next."""
        page = self.pages[self.step_id]
        target = page.first_field()
        if target is None:
            target = self.next if self.next.isEnabled() else self.step_list
        target.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)

    def _enter_hooks(self) -> dict[str, Callable[[], None]]:
        """What entering a step does, by the name its table entry gives."""
        return {"preview": self._enter_pack}

    def _enter_pack(self) -> None:
        assert self.session is not None
        if self.autosaver is not None and not self.session.state.finished:
            # the consultation is in the records before the patient reads it, so the
            # 'viewed' event and the signing name one consultation
            self.autosaver.schedule(self.session.data, self.step_id)
            self.autosaver.flush()
        self.closing.build_preview()

    def go_next(self) -> None:
        """Next, unless a required field of this step is still empty: then the
        step stays, says which fields, and the focus goes to the first of them."""
        if self.session is None:
            return
        gaps = self.session.snapshot().gaps_for(self.step_id)
        if gaps:
            from mesodesk.ui.widgets import first_field_in

            self.refresh()
            page = self.pages[self.step_id]
            self.statusBar().showMessage(
                "Still to fill in before Next: " + "; ".join(g.label for g in gaps) + ".", 8000)
            field = next((w for g in gaps if (w := page.field_for(g.path)) is not None), None)
            target = first_field_in(field, page) if field is not None and not \
                field.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus else field
            if target is not None:
                target.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
            return
        nxt = self.session.next_step()
        if nxt is not None:
            self.go(nxt)

    def go_back(self) -> None:
        prev = self.session.previous_step() if self.session is not None else None
        if prev is not None:
            self.go(prev)

    # --- the pack -----------------------------------------------------------------------------
    # --- saving the consultation ------------------------------------------------------------
    def save_draft(self) -> None:
        if self.session is None:
            return
        if self.autosaver is not None and not self.session.state.finished:
            self.autosaver.schedule(self.session.data, self.step_id)
            self.autosaver.flush()
            self.statusBar().showMessage("Draft saved", 3000)
        else:
            self.save_as_dialog()

    def save_as_dialog(self) -> None:
        if self.session is None:
            return
        consultation = self.session.consultation()
        if consultation is None:
            problems = self.session.problems()
            self.alert("The consultation is not complete yet, so it cannot be saved as a "
                       f"file ({problems[0] if problems else 'incomplete'}). Drafts are "
                       "saved automatically.")
            return
        path = self.choose_save_path("Save the consultation", "consultation.json",
                                     "Consultation files (*.json)")
        if path:
            self.save_as(path)

    def save_as(self, path: str) -> None:
        """Write the consultation file off the GUI thread; ``fileSaved`` says how."""
        from mesodesk.domain import save

        assert self.session is not None
        consultation = self.session.consultation()
        if consultation is None:
            self.fileSaved.emit(False)
            return

        def saved(_none: None) -> None:
            self.settings.add_recent_file(os.path.abspath(path))
            self.statusBar().showMessage(f"Saved {os.path.basename(path)}", 4000)
            self.fileSaved.emit(True)

        def failed(exc: BaseException) -> None:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self.alert(f"The consultation was not saved to {path}: {why}")
            self.fileSaved.emit(False)

        self.work.run(lambda: save(consultation, path), saved, failed, serial=True)

    # --- closing --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self._closed = True
        if self.autosaver is not None:
            self.autosaver.flush()   # the last edit goes before the store closes
        self.settings.geometry = QByteArray(self.saveGeometry())
        self.settings.sync()
        if self.store is not None:
            store, self.store = self.store, None

            def close_store() -> None:
                try:
                    store.close()
                except Exception as exc:
                    log.warning("records not closed cleanly: %s", exc)

            self.work.run(close_store, serial=True)
        if "packs" in self.__dict__:   # a helper process was made
            self.work.run(self.packs.close, serial=True)
        self.work.wait_serial()   # the last draft is saved before the window goes
        super().closeEvent(event)


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
