"""What a consultation that continues an earlier one shows: a banner above the
steps (the version it replaces, or the signed session it follows and whether
the patient must consent again), and on the screening page the earlier
answers, each confirmed with one key.

The session holds the state (``session.notice``, ``session.prior_answers``,
``session.confirm_answer``); these widgets only show it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.session import ConsultationSession

log = logging.getLogger(__name__)

_QUESTION = Qt.ItemDataRole.UserRole
ANSWER_WORDS = {"yes": "Yes", "no": "No", "unknown": "Unknown"}


class SessionBanner(QLabel):
    """One framed line (or a few) above the steps; hidden when there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionBanner")
        self.setWordWrap(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMargin(self.fontMetrics().height() // 3)
        self.setAccessibleName("About this consultation")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard
                                     | Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_notice(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))


class _AnswerList(QListWidget):
    """Space or Enter confirms the current answer; the next one becomes current."""

    confirm = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            item = self.currentItem()
            if item is not None:
                self.confirm.emit(str(item.data(_QUESTION)))
            event.accept()
            return
        super().keyPressEvent(event)


class PriorAnswersPanel(QWidget):
    """The earlier session's screening answers still to confirm."""

    confirmed = Signal(str)   # question id, after the session took it

    def __init__(self, catalogue: Catalogue, session: Callable[[], ConsultationSession | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("priorAnswers")
        self._catalogue = catalogue
        self._session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.list = _AnswerList(self)
        self.list.setObjectName("priorAnswerList")
        self.list.setAccessibleName("Earlier answers to confirm")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.caption.setBuddy(self.list)
        layout.addWidget(self.caption)
        layout.addWidget(self.list)
        self.list.confirm.connect(self.confirm)
        self.list.itemDoubleClicked.connect(
            lambda item: self.confirm(str(item.data(_QUESTION))))
        self.hide()

    def confirm(self, question: str) -> None:
        session = self._session()
        if session is None or not session.confirm_answer(question):
            return
        row = self.list.currentRow()
        self.reload()
        if self.list.count():
            self.list.setCurrentRow(min(row, self.list.count() - 1))
        self.confirmed.emit(question)

    def reload(self) -> None:
        """Show what the session still waits for (after any edit)."""
        session = self._session()
        waiting = session.settle_answers() if session is not None else []
        self.list.clear()
        for question in waiting:
            asked = self._catalogue.screening.get(question)
            text = asked.question if asked is not None else question
            answer = ANSWER_WORDS.get(session.prior_answers[question], "?")  # type: ignore[union-attr]
            item = QListWidgetItem(f"{answer} last time \u2014 {text}", self.list)
            item.setToolTip(text)
            item.setData(_QUESTION, question)
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{text} Last time: {answer}. Press Space to confirm it is unchanged.")
        n = len(waiting)
        date = session.follows.earlier_date if session is not None and session.follows else ""
        try:
            date = dt.date.fromisoformat(date).strftime("%d %b %Y")
        except ValueError:
            pass
        self.caption.setText(
            f"Confirm nothing changed: {n} answer{'s' if n != 1 else ''} from the session of "
            f"{date or 'last time'} to ask again. Press Space (or Enter) on each the patient "
            "confirms is unchanged; if one changed, answer that question below instead. "
            "Allergies and medicines are copied from last time: check them too.")
        if n:
            self.list.setCurrentRow(0)
            self.list.setFixedHeight(self.list.fontMetrics().lineSpacing() * 8
                                     + 2 * self.list.frameWidth())
        self.setVisible(bool(n))
