"""Helpers for tests that go through the consent ceremony: every teach-back
question answered, every statement agreed, as a practitioner and patient would."""

from __future__ import annotations

from mesodesk.session import ceremony, to_consultation


def with_teach_back(data: dict, catalogue, outcome: str = "explained") -> dict:
    """``data`` with an outcome recorded for each teach-back question of its plan."""
    data["format"] = "mesodesk-consultation/2"   # teach_back is a /2 key
    consultation = to_consultation(data, catalogue)
    assert consultation is not None, "the plan is not complete"
    data.setdefault("consent", {})["teach_back"] = [
        ceremony.outcome_record(q.question, outcome)
        for q in ceremony.teach_back_questions(consultation, catalogue)]
    return data


def tick(qtbot, box) -> None:
    """Click a check box or radio button on its indicator."""
    from PySide6.QtCore import QPoint, Qt

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton,
                     pos=QPoint(box.height() // 2, box.height() // 2))


def answer_teach_back(qtbot, window, outcome: str = "explained") -> None:
    """On the consent step, tick one outcome for every teach-back question."""
    assert window.go("consent"), window.step_id
    for row in window.pages["consent"].teach_back.rows:
        tick(qtbot, row.buttons[outcome])


def agree_all(qtbot, window) -> None:
    """On the signatures step, tick every statement, one by one."""
    for box in window.pages["sign"].agreement.boxes:
        if not box.isChecked():
            tick(qtbot, box)


def confirm_signing(qtbot, window) -> None:
    """Press Sign and finish in the navigation bar, then confirm."""
    from PySide6.QtCore import Qt

    finish = window.pages["sign"].finish
    qtbot.waitUntil(lambda: finish.isEnabled() and finish.isVisible())
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.closing.confirmation is not None
                    and window.closing.confirmation.isVisible())
    window.closing.confirmation.accept_button.click()


def sign_pad(qtbot, pad, wiggle: float) -> None:
    """One zigzag stroke across a signature pad (``wiggle`` sets its amplitude)."""
    from PySide6.QtCore import QPoint, Qt

    w, h = pad.width(), pad.height()
    points = [QPoint(int(w * x / 20), int(h * (0.5 + wiggle * ((-1) ** x) / 2)))
              for x in range(2, 18)]
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(pad, p)
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=points[-1])
