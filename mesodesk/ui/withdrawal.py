"""Asking when, and why, a patient withdrew their consent (from the records view).

The dialog only asks; the records link records the withdrawal as a new signed
version (``ConsultationSession.prepare_withdrawal``) with an audit event.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Qt, Signal
from PySide6.QtWidgets import (QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QVBoxLayout, QWidget)


class WithdrawalDialog(QDialog):
    """When the patient withdrew and the reason they gave (if any)."""

    chosen = Signal(str, str, str)   # consultation id, ISO-8601 time (UTC offset), reason

    def __init__(self, consultation_id: str, described: str,
                 parent: QWidget | None = None, now: dt.datetime | None = None) -> None:
        super().__init__(parent)
        self.consultation_id = consultation_id
        self.setWindowTitle("Withdraw consent")
        self.setObjectName("withdrawalDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Record that the patient withdrew their consent to {described}. The signed "
            "record stays as it was; a new version records the withdrawal, and its pack can "
            "no longer be issued as current.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        moment = (now or dt.datetime.now().astimezone()).replace(second=0, microsecond=0)
        self.when = QDateTimeEdit(QDateTime(moment.date(), moment.time()), self)
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.when.setMaximumDateTime(QDateTime(moment.date(), moment.time()).addSecs(60))
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText("as the patient said it; leave empty if none was given")
        for label, widget in (("&When", self.when), ("&Reason", self.reason)):
            caption = QLabel(label, self)
            caption.setBuddy(widget)
            widget.setAccessibleName(label.replace("&", ""))
            form.addRow(caption, widget)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton("Record the &withdrawal",
                                         QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setAccessibleName("Record the withdrawal")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel")
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.when.setFocus()

    def at(self) -> str:
        """The time chosen, ISO-8601 with the local UTC offset."""
        chosen = self.when.dateTime().toPython()
        return chosen.astimezone().replace(microsecond=0).isoformat()

    def accept(self) -> None:
        self.chosen.emit(self.consultation_id, self.at(), self.reason.text().strip())
        super().accept()
