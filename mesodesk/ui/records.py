"""The records view: find a patient as you type, see their consultations
(drafts and signed versions, with indication and treatment), reopen a signed
pack read-only, resume or discard a draft, start a new version of a signed
consultation at the step to change, start the next session of a signed plan,
or a new consultation for the selected patient.

The view only reads the store; what the buttons mean is up to the window,
through the signals ``openDraft(id)``, ``openSigned(id)``, ``newVersion(id)``
(at :meth:`RecordsView.change_step`), ``nextSession(id)``,
``newForPatient(patient id)``, ``discardDraft(id)`` (after the practitioner
confirmed it), ``withdraw(id)`` and ``exportFhir(id)``. The lot field lists
every patient and consultation that received a lot (a recall); activating a
row opens that signed pack.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from mesodesk.storage import ConsultationSummary, PatientSummary, RecallEntry, StoreError

if TYPE_CHECKING:
    from mesodesk.storage import Store   # the class loads SQLAlchemy: a type only here
from mesodesk.ui.work import Work

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 150
_ID = Qt.ItemDataRole.UserRole
_ROW = Qt.ItemDataRole.UserRole + 1


def _labelled(label: str, widget: QWidget, parent: QWidget) -> QLabel:
    """A visible label that names ``widget`` for screen readers too."""
    caption = QLabel(label, parent)
    caption.setBuddy(widget)
    widget.setAccessibleName(label.replace("&", ""))
    return caption


def _button(label: str, parent: QWidget) -> QPushButton:
    button = QPushButton(label, parent)
    button.setAccessibleName(label.replace("&", ""))
    return button


# The steps a new version may open at (the ones that edit the consultation).
CHANGE_STEPS = (("review", "Review (see everything)"), ("patient", "Patient"),
                ("screening", "Screening"), ("indication", "Indication and areas"),
                ("delivery", "Delivery"), ("formulation", "Formulation"), ("plan", "Plan"),
                ("clinic", "Clinic and practitioner"))


def _history(store: Store, patient_id: str) -> list[tuple[ConsultationSummary, str, str]]:
    """Runs on a worker thread: the patient's consultations, each with its
    indication and treatment in words (catalogue names; ids if it cannot load)."""
    rows = store.consultations_for(patient_id)
    try:
        from mesodesk.catalogue import default_catalogue

        catalogue: object | None = default_catalogue()
    except Exception as exc:   # the history still shows
        log.warning("catalogue unavailable for the history: %s", type(exc).__name__)
        catalogue = None

    def name(table: str, key: str) -> str:
        entry = getattr(catalogue, table, {}).get(key) if catalogue is not None else None
        return str(getattr(entry, "name", key)) if key else ""

    out = []
    for c in rows:
        products = ", ".join(dict.fromkeys(name("products", p) for p in c.products))
        technique = name("techniques", c.technique)
        treatment = "; ".join(t for t in (technique, products) if t)
        out.append((c, name("indications", c.indication) or "not chosen yet", treatment))
    return out


def _recall(store: Store, lot: str) -> tuple[list[RecallEntry], dict[str, str]]:
    """Runs on a worker thread: the entries, and the products' names."""
    from mesodesk.session.records import recall

    try:
        found = recall(store, lot)
        try:
            from mesodesk.catalogue import default_catalogue

            products = default_catalogue().products
            names = {e.product_id: products[e.product_id].name for e in found
                     if e.product_id in products}
        except Exception:    # ids are shown instead
            names = {}
        return found, names
    except StoreError:
        raise
    except Exception as exc:
        log.error("recall failed: %s", type(exc).__name__)
        raise StoreError(f"the recall failed ({type(exc).__name__})") from None


def _search(store: Store, text: str) -> list[PatientSummary]:
    """Runs on a worker thread; any fault becomes a StoreError to show."""
    try:
        return store.search_patients(text) if text.strip() else store.recent_patients()
    except StoreError:
        raise
    except Exception as exc:  # reported in the view, never lost
        log.error("patient search failed: %s", type(exc).__name__)
        raise StoreError(f"the search failed ({type(exc).__name__})") from None


class RecordsView(QWidget):
    """Patient search and history. ``refresh()`` after the records change."""

    openDraft = Signal(str)     # draft id
    openSigned = Signal(str)    # consultation id
    newVersion = Signal(str)    # id of the signed consultation to change (at change_step())
    nextSession = Signal(str)   # id of the signed consultation whose plan continues
    newForPatient = Signal(str)  # patient id: a new consultation for them
    discardDraft = Signal(str)  # draft id, once the practitioner confirmed
    withdraw = Signal(str)      # id of the signed consultation whose consent is withdrawn
    exportFhir = Signal(str)    # id of the signed consultation to export as FHIR
    recallFinished = Signal()   # the lot's recall list shows the current lot text
    searchFinished = Signal()   # the patient list, and the history of the patient
                                # selected, show the current search text
    historyFinished = Signal()  # the history shows the selected patient's consultations

    HISTORY_COLUMNS = ("Date", "State", "Indication", "Treatment", "Version")
    RECALL_COLUMNS = ("Lot", "Product", "Date", "Patient", "Born", "Phone")
    TREATMENT_COLUMN = 3

    def __init__(self, store: Store, parent: QWidget | None = None,
                 work: Work | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._work = work if work is not None else Work(self)
        self.setObjectName("RecordsView")

        self.search = QLineEdit(self)
        self.search.setObjectName("patientSearch")
        self.search.setPlaceholderText("Name, or date of birth such as 14/03/1986")
        self.search.setClearButtonEnabled(True)
        search_label = _labelled("&Search patients", self.search, self)

        self.lot = QLineEdit(self)
        self.lot.setObjectName("lotSearch")
        self.lot.setPlaceholderText("A lot number, for a manufacturer's or MHRA recall")
        self.lot.setClearButtonEnabled(True)
        lot_label = _labelled("Recall &by lot number", self.lot, self)
        self.recalled = QTableWidget(0, len(self.RECALL_COLUMNS), self)
        self.recalled.setObjectName("recallList")
        self.recalled.setHorizontalHeaderLabels(list(self.RECALL_COLUMNS))
        self.recalled.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.recalled.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.recalled.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.recalled.verticalHeader().setVisible(False)
        self.recalled.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.recalled.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.recalled_label = _labelled("Received this lot", self.recalled, self)
        self.recalled.hide()
        self.recalled_label.hide()

        self.patients = QListWidget(self)
        self.patients.setObjectName("patientList")
        patients_label = _labelled("&Patients", self.patients, self)

        self.history = QTableWidget(0, len(self.HISTORY_COLUMNS), self)
        self.history.setObjectName("consultationList")
        self.history.setHorizontalHeaderLabels(list(self.HISTORY_COLUMNS))
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.verticalHeader().setVisible(False)
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.TREATMENT_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.history.setWordWrap(False)
        history_label = _labelled("&Consultations", self.history, self)

        self.resume_button = _button("&Resume draft", self)
        self.open_button = _button("&Open signed pack", self)
        self.version_button = _button("Start new &version", self)
        self.change_combo = QComboBox(self)
        self.change_combo.setObjectName("changeStep")
        for step_id, title in CHANGE_STEPS:
            self.change_combo.addItem(title, step_id)
        change_label = _labelled("opens at step", self.change_combo, self)
        self.next_button = _button("Ne&xt session", self)
        self.next_button.setToolTip("A new consultation continuing this signed plan: same "
                                    "patient and plan, new lots; the screening is confirmed "
                                    "answer by answer")
        self.patient_button = _button("New consultation for this pa&tient", self)
        self.discard_button = _button("Disc&ard draft\u2026", self)
        self.withdraw_button = _button("With&draw consent\u2026", self)
        self.fhir_button = _button("Export FH&IR\u2026", self)
        self.last_question: QMessageBox | None = None   # the last confirmation asked (tests)
        self.status = QLabel("", self)
        self.status.setObjectName("recordsStatus")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Records status")

        # three short rows, so the window can still be made narrow
        buttons = QHBoxLayout()
        for b in (self.resume_button, self.discard_button, self.open_button,
                  self.fhir_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        continuing = QHBoxLayout()
        for b in (self.next_button, self.patient_button, self.withdraw_button):
            continuing.addWidget(b)
        continuing.addStretch(1)
        versions = QHBoxLayout()
        for w in (self.version_button, change_label, self.change_combo):
            versions.addWidget(w)
        versions.addStretch(1)
        layout = QVBoxLayout(self)
        lot_row = QHBoxLayout()
        lot_row.addWidget(lot_label)
        lot_row.addWidget(self.lot, 1)
        for w in (search_label, self.search):
            layout.addWidget(w)
        layout.addLayout(lot_row)
        layout.addWidget(self.recalled_label)
        layout.addWidget(self.recalled)
        for w, stretch in ((patients_label, 0), (self.patients, 1), (history_label, 0),
                           (self.history, 2)):   # the history gets the room
            layout.addWidget(w, stretch)
        layout.addLayout(buttons)
        layout.addLayout(continuing)
        layout.addLayout(versions)
        layout.addWidget(self.status)

        # Searches and histories run on the window's background work (the thread
        # pool); a newer search cancels the one before it.
        self._focus_results = False

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(self._timer.start)
        self.search.returnPressed.connect(self._search_now_and_focus_results)
        self.patients.currentItemChanged.connect(self._patient_changed)
        self.history.itemSelectionChanged.connect(self._update_buttons)
        self.history.itemActivated.connect(self._activate_row)
        self.resume_button.clicked.connect(self._resume)
        self.open_button.clicked.connect(self._open)
        self.version_button.clicked.connect(self._new_version)
        self.next_button.clicked.connect(self._next_session)
        self.patient_button.clicked.connect(self._new_for_patient)
        self.discard_button.clicked.connect(self._ask_discard)
        self.withdraw_button.clicked.connect(lambda: self._emit_signed(self.withdraw))
        self.fhir_button.clicked.connect(lambda: self._emit_signed(self.exportFhir))
        self._lot_timer = QTimer(self)
        self._lot_timer.setSingleShot(True)
        self._lot_timer.setInterval(SEARCH_DELAY_MS * 2)
        self._lot_timer.timeout.connect(self.run_recall)
        self.lot.textChanged.connect(self._lot_timer.start)
        self.lot.returnPressed.connect(self.run_recall)
        self.recalled.itemActivated.connect(self._open_recalled)
        self.setFocusProxy(self.search)
        self._update_buttons()

    # -- public ----------------------------------------------------------------------

    def set_store(self, store: Store) -> None:
        self._store = store
        self.refresh()

    def refresh(self) -> None:
        """Search again and reload the selected patient's history."""
        self.run_search()

    def run_search(self) -> None:
        """Start searching for the current text (on the worker thread); the list
        is updated, and ``searchFinished`` emitted, when the answer arrives.
        Answers to older texts are dropped."""
        self._timer.stop()
        store, text = self._store, self.search.text()   # empty: the most recently seen
        self._work.run(lambda: _search(store, text), self._show_found, self._search_failed,
                       key="search")

    def _search_failed(self, exc: BaseException) -> None:
        self._show_error(str(exc))
        self.searchFinished.emit()

    def _show_found(self, found: list[PatientSummary]) -> None:
        text = self.search.text()
        selected = self.selected_patient_id()
        self.patients.blockSignals(True)
        self.patients.clear()
        for p in found:
            item = QListWidgetItem(self._patient_label(p), self.patients)
            item.setData(_ID, p.id)
            if p.id == selected:
                self.patients.setCurrentItem(item)
        self.patients.blockSignals(False)
        if self.patients.currentItem() is None and self.patients.count() == 1:
            self.patients.blockSignals(True)
            self.patients.setCurrentRow(0)
            self.patients.blockSignals(False)
        if text.strip():
            n = len(found)
            self.status.setText("No patient found." if n == 0 else
                                f"{n} patient{'s' if n != 1 else ''} found.")
        else:
            self.status.setText("Recently seen patients." if found else "")
        if self._focus_results and self.patients.count():
            self.patients.setFocus()
            if self.patients.currentItem() is None:
                self.patients.setCurrentRow(0)
        self._focus_results = False
        self._load_history(self.searchFinished.emit)

    def selected_patient_id(self) -> str | None:
        item = self.patients.currentItem()
        return None if item is None else str(item.data(_ID))

    def change_step(self) -> str:
        """The step a new version opens at (the practitioner's choice)."""
        return str(self.change_combo.currentData() or "review")

    def selected_consultation(self) -> tuple[str, str] | None:
        """(id, state) of the selected history row."""
        rows = self.history.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.history.item(rows[0].row(), 0)
        cid, state = item.data(_ID)
        return str(cid), str(state)

    # -- internals -------------------------------------------------------------------

    @staticmethod
    def _patient_label(p: PatientSummary) -> str:
        born = p.date_of_birth.isoformat() if p.date_of_birth else "date of birth unknown"
        return f"{p.name} (born {born})"

    def _search_now_and_focus_results(self) -> None:
        self._focus_results = True
        self.run_search()

    def _patient_changed(self, *_args: object) -> None:
        self._load_history(self.historyFinished.emit)

    def _load_history(self, then: Callable[[], None]) -> None:
        """Read the selected patient's consultations off the GUI thread, show them,
        then call ``then``."""
        patient_id = self.selected_patient_id()
        self.history.setRowCount(0)
        self._update_buttons()
        if patient_id is None:
            then()
            return
        store = self._store

        def failed(exc: BaseException) -> None:
            self._show_error(str(exc) if isinstance(exc, StoreError)
                             else f"the history could not be read ({type(exc).__name__})")
            then()

        def show(rows: list[ConsultationSummary]) -> None:
            if self.selected_patient_id() == patient_id:
                self._fill_history(rows)
                self._update_buttons()
            then()

        self._work.run(lambda: _history(store, patient_id), show, failed, key="history")

    def _fill_history(self, rows: list[tuple[ConsultationSummary, str, str]]) -> None:
        self.history.setRowCount(len(rows))
        for r, (c, indication, treatment) in enumerate(rows):
            if c.state == "signed":
                state = "Withdrawn" if c.withdrawn else "Signed"
            else:
                state = f"Draft ({c.step or 'started'})"
            version = ""
            if c.superseded_by:
                version = "replaced by a newer version"
            elif c.supersedes:
                version = ("records the withdrawal" if c.state == "signed" and c.withdrawn
                           else "new version")
            cells = (c.date.isoformat() if c.date else "", state, indication, treatment,
                     version)
            changed = c.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            tip = f"Last change {changed}" + (f"; fingerprint {c.fingerprint[:16]}"
                                              if c.fingerprint else "")
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(tip if col != self.TREATMENT_COLUMN else f"{value}\n{tip}")
                if col == 0:
                    item.setData(_ID, (c.id, c.state))
                    item.setData(_ROW, c)
                self.history.setItem(r, col, item)
        if rows:
            self.history.selectRow(0)

    def selected_summary(self) -> ConsultationSummary | None:
        """The selected history row's summary."""
        rows = self.history.selectionModel().selectedRows()
        if not rows:
            return None
        value = self.history.item(rows[0].row(), 0).data(_ROW)
        return value if isinstance(value, ConsultationSummary) else None

    def _update_buttons(self) -> None:
        selected = self.selected_consultation()
        state = selected[1] if selected else None
        summary = self.selected_summary()
        withdrawn = summary is not None and summary.withdrawn
        self.resume_button.setEnabled(state == "draft")
        self.discard_button.setEnabled(state == "draft")
        self.open_button.setEnabled(state == "signed")
        self.version_button.setEnabled(state == "signed" and not withdrawn)
        self.change_combo.setEnabled(state == "signed" and not withdrawn)
        self.next_button.setEnabled(state == "signed" and not withdrawn)
        current = summary is not None and summary.superseded_by is None
        self.withdraw_button.setEnabled(state == "signed" and not withdrawn and current)
        self.fhir_button.setEnabled(state == "signed")
        self.patient_button.setEnabled(self.selected_patient_id() is not None)

    def _activate_row(self, *_args: object) -> None:
        selected = self.selected_consultation()
        if selected is None:
            return
        (self.openDraft if selected[1] == "draft" else self.openSigned).emit(selected[0])

    def _resume(self) -> None:
        selected = self.selected_consultation()
        if selected and selected[1] == "draft":
            self.openDraft.emit(selected[0])

    def _open(self) -> None:
        selected = self.selected_consultation()
        if selected and selected[1] == "signed":
            self.openSigned.emit(selected[0])

    def _new_version(self) -> None:
        selected = self.selected_consultation()
        if selected and selected[1] == "signed":
            self.newVersion.emit(selected[0])

    def _emit_signed(self, signal: Signal) -> None:   # type: ignore[valid-type]
        selected = self.selected_consultation()
        if selected and selected[1] == "signed":
            signal.emit(selected[0])    # type: ignore[attr-defined]

    # -- recall by lot ---------------------------------------------------------------

    def run_recall(self) -> None:
        """List every patient and consultation that received the typed lot (on the
        worker thread); ``recallFinished`` when shown."""
        self._lot_timer.stop()
        store, lot = self._store, self.lot.text()

        def show(answer: tuple[list[RecallEntry], dict[str, str]]) -> None:
            if self.lot.text() != lot:
                return
            self._fill_recall(*answer, lot=lot)
            self.recallFinished.emit()

        def failed(exc: BaseException) -> None:
            self._show_error(str(exc))
            self.recallFinished.emit()

        self._work.run(lambda: _recall(store, lot), show, failed, key="recall")

    def _fill_recall(self, found: list[RecallEntry], names: dict[str, str], lot: str) -> None:
        self.recalled.setRowCount(len(found))
        for r, e in enumerate(found):
            cells = (e.lot, names.get(e.product_id, e.product_id), e.date.isoformat() if e.date else "", e.patient_name,
                     e.date_of_birth.isoformat() if e.date_of_birth else "", e.phone)
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if col == 0:
                    item.setData(_ID, e.consultation_id)
                self.recalled.setItem(r, col, item)
        self.recalled.setVisible(bool(lot.strip()))
        self.recalled_label.setVisible(bool(lot.strip()))
        if lot.strip():
            n = len(found)
            patients = len({e.patient_id for e in found})
            self.status.setText(
                f"Lot {lot.strip()}: not used in any signed consultation." if n == 0 else
                f"Lot {lot.strip()}: {n} use{'s' if n != 1 else ''} in signed consultations of "
                f"{patients} patient{'s' if patients != 1 else ''}.")
            rows = max(1, min(n, 5))
            row_height = (self.recalled.rowHeight(0) if n
                          else self.recalled.verticalHeader().defaultSectionSize())
            self.recalled.setFixedHeight(self.recalled.horizontalHeader().sizeHint().height()
                                         + row_height * (rows if n else 0)
                                         + 2 * self.recalled.frameWidth() + 2)

    def _open_recalled(self, item: QTableWidgetItem) -> None:
        first = self.recalled.item(item.row(), 0)
        if first is not None:
            self.openSigned.emit(str(first.data(_ID)))

    def _next_session(self) -> None:
        selected = self.selected_consultation()
        if selected and selected[1] == "signed":
            self.nextSession.emit(selected[0])

    def _new_for_patient(self) -> None:
        patient_id = self.selected_patient_id()
        if patient_id is not None:
            self.newForPatient.emit(patient_id)

    def _ask_discard(self) -> None:
        """Ask before a draft is discarded (it cannot be brought back)."""
        selected = self.selected_consultation()
        if not selected or selected[1] != "draft":
            return
        draft_id = selected[0]
        self.last_question = ask_to_discard(self, lambda: self.discardDraft.emit(draft_id))

    def _show_error(self, message: str) -> None:
        log.warning("records view: %s", message.split(":")[0])
        self.status.setText(message)


def ask_to_discard(parent: QWidget, discard: Callable[[], None],
                   patient: str = "") -> QMessageBox:
    """The question before a draft is discarded (it cannot be brought back):
    "Keep it" is the default and Esc; ``discard`` runs only on "Discard draft".
    Window-modal and not blocking; returns the box (tests read it)."""
    whose = f" for {patient}" if patient else ""
    box = QMessageBox(QMessageBox.Icon.Question, "Discard the draft",
                      f"Discard this unfinished consultation{whose}? What was typed in it is "
                      "deleted and cannot be brought back; the audit trail records the "
                      "discarding.", QMessageBox.StandardButton.NoButton, parent)
    gone = box.addButton("Discard draft", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(button: object) -> None:
        if button is gone:
            discard()

    box.buttonClicked.connect(answered)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    return box
