"""Printing a copy of the pack, and the signed-pack viewer.

- :class:`CopyChoice`: which copy to print, the patient's copy, the clinic
  record or both (one pack file holds both; the session finds their pages);
- :class:`SignedPackViewer`: a signed pack from the records, read-only, in a
  window that belongs to the main window (so it closes with it), titled with
  the patient and the date, with Print, Save a copy and Close (Esc, Ctrl+W).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from mesodesk.ui.preview import PdfPreview
from mesodesk.ui.widgets import button, labelled

if TYPE_CHECKING:
    from mesodesk.ui.window import MainWindow

log = logging.getLogger(__name__)

#: as in mesodesk.session.ceremony.COPIES (kept here so the window needs no session to start)
COPIES = (("both", "Both copies"), ("patient", "Patient's copy"), ("clinic", "Clinic record"))


class CopyChoice(QWidget):
    """"Copy to print": both copies, the patient's copy or the clinic record."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox()
        for key, text in COPIES:
            self.combo.addItem(text, key)
        layout.addWidget(labelled("Cop&y to print", self.combo))
        layout.addWidget(self.combo)

    def which(self) -> str:
        return str(self.combo.currentData())

    def choose(self, which: str) -> None:
        self.combo.setCurrentIndex(max(self.combo.findData(which), 0))


class SignedPackViewer(QWidget):
    """One signed pack, read-only, in a window owned by the main window."""

    closed = Signal()

    def __init__(self, window: MainWindow, pdf: bytes, patient: str, date: str,
                 file_name: str, status: str = "") -> None:
        super().__init__(window, Qt.WindowType.Window)
        self.w = window
        self.pdf = pdf
        self.file_name = file_name
        self.setWindowTitle(f"Signed pack: {patient}, {date} (read-only){status}")
        self.setAccessibleName(self.windowTitle())
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        self.preview = PdfPreview(self)
        self.preview.show_pdf(pdf)   # PdfError if it cannot be read: the caller says so
        layout.addWidget(self.preview, 1)
        row = QHBoxLayout()
        self.copy = CopyChoice()
        self.print_button = button("&Print\u2026")
        self.save = button("&Save a copy\u2026")
        self.close_button = button("Close")
        row.addWidget(self.copy)
        row.addWidget(self.print_button)
        row.addStretch(1)
        row.addWidget(self.save)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.print_button.clicked.connect(self.print_pack)
        self.save.clicked.connect(self.save_copy)
        self.close_button.clicked.connect(self.close)
        self.close_button.setAutoDefault(False)
        for keys in (QKeySequence(QKeySequence.StandardKey.Close), QKeySequence("Ctrl+W"),
                     QKeySequence(Qt.Key.Key_Escape)):
            shortcut = QShortcut(keys, self)
            shortcut.activated.connect(self.close)
        h = window.fontMetrics().height()
        self.resize(h * 50, h * 48)
        self.preview.view.setFocus()
        window.installEventFilter(self)   # closes with the main window (Quit)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.w and event.type() == QEvent.Type.Close:
            self.close()
        return False

    @property
    def document(self) -> Any:
        """The pack's QPdfDocument, as shown."""
        return self.preview.document

    def print_pack(self) -> None:
        self.w.closing.print_pdf(self.pdf, which=self.copy.which())

    def save_copy(self) -> None:
        suggested = str(Path.home() / self.file_name)
        path = self.w.choose_save_path("Save a copy of the signed pack", suggested,
                                       "PDF files (*.pdf)")
        if path:
            self.w.closing.save_copy(path, self.pdf)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)


def title_parts(canonical_json: Any) -> tuple[str, str, str]:
    """(patient, date, file name) of a signed record's consultation."""
    from mesodesk.domain import loads

    consultation = loads(canonical_json)
    name = consultation.patient.name
    safe = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-") or "patient"
    day = consultation.date
    return (name, f"{day.day} {MONTHS[day.month - 1]} {day.year}",
            f"mesodesk-{safe}-{day.isoformat()}-signed.pdf")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")   # whatever the machine's locale
