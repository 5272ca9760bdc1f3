"""The two checks of the consent ceremony that happen on screen:

- :class:`TeachBackBox` (consent step): each teach-back question for this
  plan, and whether the patient explained it back at once or after it was
  discussed again (``consent.teach_back``);
- :class:`AgreementBox` (signatures step): each statement of the consent form
  and the photo choice, ticked by the patient before signing
  (``consent.agreed``).

Which questions and statements apply is the session's
(:mod:`mesodesk.session.ceremony`); these boxes show them and write what was
recorded into the page's consent section.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QFrame, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QVBoxLayout)

from mesodesk.session import ceremony
from mesodesk.ui.widgets import checkbox, note, radio


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()


class _Words(QLabel):
    """A wrapped label that toggles its check box when clicked (a check box's own
    text never wraps)."""

    def __init__(self, text: str, box: QCheckBox) -> None:
        super().__init__(text)
        self.box = box
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.box.isEnabled():
            self.box.toggle()
            self.box.setFocus(Qt.FocusReason.MouseFocusReason)
        super().mousePressEvent(event)


# --- teach-back --------------------------------------------------------------------------


class TeachBackRow(QFrame):
    """One question: what a good answer covers, and the outcome."""

    def __init__(self, number: int, question: Any, on_outcome: Callable[[str, str], None]
                 ) -> None:
        super().__init__()
        self.question = question.question
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(f"Question {number}: {self.question}")
        layout = QVBoxLayout(self)
        asked = QLabel(f"<b>{number}. </b>")
        asked.setTextFormat(Qt.TextFormat.RichText)
        words = note(self.question)
        line = QHBoxLayout()
        line.addWidget(asked, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(words, 1)
        layout.addLayout(line)
        layout.addWidget(note(f"A good answer covers: {question.answer}"))
        row = QHBoxLayout()
        self.group = QButtonGroup(self)
        self.buttons: dict[str, Any] = {}
        for key, text in ceremony.OUTCOMES:
            b = radio(text)
            b.setObjectName(f"teach-back-{number}-{key}")
            b.setAccessibleDescription(self.question)
            self.group.addButton(b)
            self.buttons[key] = b
            row.addWidget(b)
            b.toggled.connect(lambda on, k=key: on and on_outcome(self.question, k))
        row.addStretch(1)
        layout.addLayout(row)

    def show_outcome(self, outcome: str | None) -> None:
        self.group.setExclusive(False)
        for key, b in self.buttons.items():
            b.blockSignals(True)
            b.setChecked(key == outcome)
            b.blockSignals(False)
        self.group.setExclusive(True)


class TeachBackBox(QGroupBox):
    """``consent.teach_back``: an outcome for each question asked."""

    TITLE = "Check understanding (teach-back)"

    def __init__(self, page: Any) -> None:
        super().__init__(self.TITLE)
        self.setAccessibleName(self.TITLE)
        self.page = page
        layout = QVBoxLayout(self)
        layout.addWidget(note("Ask each question in plain words and let the patient answer in "
                              "their own words. If a point was not clear, talk it through "
                              "again until they can explain it back. Record how it went: "
                              "every question needs an answer before the pack is shown."))
        self.rows_box = QVBoxLayout()
        layout.addLayout(self.rows_box)
        self.status = note()
        self.status.setObjectName("teach-back-status")
        layout.addWidget(self.status)
        self.rows: list[TeachBackRow] = []
        self._questions: list[str] = []

    def show_questions(self, questions: list[Any]) -> None:
        """Rebuilt only when the questions change (the plan changed)."""
        texts = [q.question for q in questions]
        if texts != self._questions:
            _clear(self.rows_box)
            self.rows = [TeachBackRow(i, q, self._outcome) for i, q in enumerate(questions, 1)]
            for row in self.rows:
                self.rows_box.addWidget(row)
            self._questions = texts
        consent = self.page.section("consent")
        for row in self.rows:
            row.show_outcome(ceremony.recorded_outcome(consent, row.question))
        self.setVisible(bool(self.rows))
        self._status()

    def _outcome(self, question: str, outcome: str) -> None:
        consent = self.page.section("consent")
        kept = [e for e in consent.get("teach_back") or []
                if not (isinstance(e, dict) and " ".join(str(e.get("question", "")).split())
                        == " ".join(question.split()))]
        kept.append(ceremony.outcome_record(question, outcome))
        order = {q: i for i, q in enumerate(self._questions)}
        kept.sort(key=lambda e: order.get(e.get("question") if isinstance(e, dict) else "",
                                          len(order)))
        consent["teach_back"] = kept
        self._status()
        self.page.changed()

    def missing(self) -> int:
        consent = self.page.section("consent")
        return sum(ceremony.recorded_outcome(consent, q) is None for q in self._questions)

    def _status(self) -> None:
        left = self.missing()
        self.status.setText(f"{left} of {len(self._questions)} questions still to record."
                            if left else "Every question is recorded.")


# --- agreement to each statement -----------------------------------------------------------


class AgreementBox(QGroupBox):
    """``consent.agreed``: each statement of the consent form, and the photo
    choice, ticked by the patient."""

    TITLE = "The patient ticks each statement"

    def __init__(self, page: Any, on_change: Callable[[], None]) -> None:
        super().__init__(self.TITLE)
        self.setAccessibleName(self.TITLE)
        self.page = page
        self.on_change = on_change
        layout = QVBoxLayout(self)
        layout.addWidget(note("Read each statement with the patient. They tick each one they "
                              "agree to; every statement is needed to sign on screen. The "
                              "signed pack shows each box ticked."))
        self.grid = QGridLayout()      # ticks in one column, the statements beside them
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        self.status = note()
        self.status.setObjectName("agreement-status")
        layout.addWidget(self.status)
        self.boxes: list[QCheckBox] = []
        self.statements: list[str] = []

    def show_statements(self, statements: list[str], photo: str = "") -> None:
        """One tick per statement (the last, the photo choice, labelled so);
        rebuilt only when the statements change."""
        if statements != self.statements:
            while self.grid.count():
                widget = self.grid.takeAt(0).widget()
                if widget is not None:
                    widget.setParent(None)
                    widget.deleteLater()
            self.boxes = []
            for i, text in enumerate(statements):
                is_photo = bool(photo) and text == photo
                box = checkbox("Photo choice" if is_photo else f"Statement {i + 1}")
                box.setObjectName(f"agree-{i + 1}")
                box.setAccessibleDescription(text)   # read out after the name
                box.toggled.connect(lambda on, t=text: self._ticked(t, on))
                self.grid.addWidget(box, i, 0, Qt.AlignmentFlag.AlignTop)
                self.grid.addWidget(_Words(text, box), i, 1)
                self.boxes.append(box)
            self.statements = list(statements)
        have = self._agreed()
        for box, text in zip(self.boxes, self.statements):
            box.blockSignals(True)
            box.setChecked(" ".join(text.split()) in have)
            box.blockSignals(False)
        self._status()

    def _agreed(self) -> set[str]:
        return {" ".join(str(s).split())
                for s in self.page.section("consent").get("agreed") or []}

    def _ticked(self, text: str, on: bool) -> None:
        consent = self.page.section("consent")
        ticked = [s for s, b in zip(self.statements, self.boxes) if b.isChecked()]
        consent["agreed"] = ticked
        if not ticked:
            consent.pop("agreed", None)
        self._status()
        self.page.changed()
        self.on_change()

    def missing(self) -> int:
        return sum(not b.isChecked() for b in self.boxes)

    def agreed(self) -> list[str]:
        return [s for s, b in zip(self.statements, self.boxes) if b.isChecked()]

    def _status(self) -> None:
        left = self.missing()
        self.status.setText(f"{left} of {len(self.boxes)} still to tick." if left
                            else "Every statement is ticked.")
