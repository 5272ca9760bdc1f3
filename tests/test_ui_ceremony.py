"""The consent ceremony in the window (issues 11 and 13): teach-back asked on
the consent step, every statement ticked before signing, Sign and finish in the
navigation bar with a confirmation naming what becomes final, and the signed
pack showing the ticks. Offscreen, qtbot waits only."""

from __future__ import annotations

import io

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ceremony_support import agree_all, confirm_signing, tick, with_teach_back
from tests.conftest import merge, open_file_in
from tests.test_ui_window import (BUILD_TIMEOUT, all_no, read_pack, sign_pad,  # noqa: F401
                                  window, write_case)

pytestmark = pytest.mark.usefixtures("fresh_home")


def open_case(qtbot, window, tmp_path, jane_data, catalogue, teach_back=True):  # noqa: F811
    data = merge(jane_data, {"screening": {"answers": all_no(catalogue)}})
    if teach_back:
        with_teach_back(data, catalogue)
    assert open_file_in(qtbot, window, write_case(tmp_path, data))


def at_signatures(qtbot, window, tmp_path, jane_data, catalogue) -> None:  # noqa: F811
    """The pack read to its end, on the signatures step, both signers signed."""
    open_case(qtbot, window, tmp_path, jane_data, catalogue)
    assert window.go("pack")
    read_pack(qtbot, window.pages["pack"])
    assert window.go("sign")
    sign = window.pages["sign"]
    sign_pad(qtbot, sign.patient.pad)
    sign_pad(qtbot, sign.practitioner.pad, wiggle=0.6)


# --- teach-back on the consent step ------------------------------------------------------


def test_the_pack_opens_only_once_every_teach_back_question_is_recorded(
        qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    open_case(qtbot, window, tmp_path, jane_data, catalogue, teach_back=False)
    assert window.go("consent")
    page = window.pages["consent"]
    rows = page.teach_back.rows
    asked = window.session.teach_back_questions()
    assert 3 <= len(rows) <= 5 and [r.question for r in rows] == [q.question for q in asked]
    assert not window.session.can_enter("pack")
    for row in rows[:-1]:
        tick(qtbot, row.buttons["explained"])
    window.refresh()
    assert not window.session.can_enter("pack") and not window.next.isEnabled()
    assert page.teach_back.status.text() == f"1 of {len(rows)} questions still to record."
    last = rows[-1].buttons["again"]
    last.setFocus()
    qtbot.waitUntil(last.hasFocus)
    qtbot.keyClick(last, Qt.Key.Key_Space)                  # by keyboard
    window.refresh()
    assert window.session.can_enter("pack") and window.next.isEnabled()
    recorded = window.state.data["consent"]["teach_back"]
    assert [r["question"] for r in recorded] == [q.question for q in asked]
    assert all(r["understood"] for r in recorded[:-1])
    assert recorded[-1]["understood"] is False and "explained back" in recorded[-1]["note"]
    # shown again as recorded, e.g. after the practitioner goes back
    assert window.go("review") and window.go("consent")
    assert rows[-1].buttons["again"].isChecked() and rows[0].buttons["explained"].isChecked()
    assert rows[0].buttons["explained"].accessibleName() == "Explained back"


# --- every statement before signing --------------------------------------------------------


def test_signing_needs_each_statement_ticked(qtbot, window, tmp_path, jane_data,  # noqa: F811
                                            catalogue):
    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)
    sign = window.pages["sign"]
    boxes = sign.agreement.boxes
    expected = window.session.statements_to_agree()
    assert len(boxes) == len(expected) >= 10                # nine statements, more, photos
    assert [b.accessibleDescription() for b in boxes] == expected   # read after the name
    assert [b.accessibleName() for b in boxes] == [
        f"Statement {n}" for n in range(1, len(boxes))] + ["Photo choice"]
    assert not sign.finish.isEnabled()
    for box in boxes[:-1]:
        tick(qtbot, box)
    assert not sign.finish.isEnabled()                       # one left: the photo choice
    assert "1 statement not ticked" in sign.finish.toolTip()
    tick(qtbot, boxes[-1])
    assert sign.finish.isEnabled()
    assert window.state.data["consent"]["agreed"] == expected
    for box in boxes:                                        # any one missing stops it
        tick(qtbot, box)
        assert not sign.finish.isEnabled(), box.accessibleName()
        assert not window.session.snapshot().complete("sign")
        tick(qtbot, box)
        assert sign.finish.isEnabled()
    # the pack the patient read is still the one being signed
    assert window.session.snapshot().complete("pack")


def test_sign_and_finish_is_in_the_navigation_bar_in_place_of_next(
        qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)
    sign = window.pages["sign"]
    finish = sign.finish
    assert finish.isVisible() and not window.next.isVisible()
    assert not sign.scroll_area.isAncestorOf(finish)         # never scrolled out of view
    corner = finish.mapTo(window, finish.rect().bottomRight())
    assert window.rect().contains(corner)
    assert finish.text() == "Sign and fi&nish" and finish.accessibleName() == "Sign and finish"
    assert window.go("pack")
    assert not finish.isVisible() and window.next.isVisible()


def test_alt_n_asks_to_confirm_naming_what_becomes_final(qtbot, window, tmp_path,  # noqa: F811
                                                         jane_data, catalogue):
    from pypdf import PdfReader

    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)
    agree_all(qtbot, window)
    finish = window.pages["sign"].finish
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.waitUntil(finish.isEnabled)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_N,
                   Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.closing.confirmation is not None
                    and window.closing.confirmation.isVisible())
    box: QMessageBox = window.closing.confirmation
    text = box.text()
    assert "Jane O'Hara" in text and "final" in text and "sealed and stored" in text
    count = len(window.session.statements_to_agree())
    assert f"the {count} statements ticked" in text
    assert "the patient and the practitioner" in text
    [not_yet] = [b for b in box.buttons() if b.text() == "Not &yet"]
    not_yet.click()
    qtbot.waitUntil(lambda: window.closing.confirmation is None)
    assert window.step_id == "sign" and not window.state.finished
    assert window.state.data["consent"]["signatures"] == []
    confirm_signing(qtbot, window)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    signed = window.state.data["consent"]
    assert signed["agreed"] == window.session.statements_to_agree()
    reader = PdfReader(io.BytesIO(window.final_pdf))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "A tick in a box shows that you agreed to it on screen before you signed." in text
    assert "You agreed to this choice on screen:" in text


def test_the_session_refuses_a_signature_without_every_statement(
        qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    from mesodesk.session import SessionError

    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)
    statements = window.session.statements_to_agree()
    with pytest.raises(SessionError, match="has not agreed to"):
        window.session.sign(window.pages["sign"].signatures("2026-11-25T10:30:00+00:00"),
                            agreed=statements[1:])
    assert window.state.data["consent"]["signatures"] == []   # nothing half-signed


def test_printing_for_wet_ink_drops_what_was_ticked_on_screen(
        qtbot, window, tmp_path, jane_data, catalogue, monkeypatch):  # noqa: F811
    from tests.test_ui_window import printer_to

    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)
    agree_all(qtbot, window)
    assert window.go("pack")
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(tmp_path / "p.pdf"))
    window.closing.print_for_wet_ink()
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    assert "agreed" not in window.state.data["consent"]     # initialled on paper instead
    assert not any(isinstance(w, QMessageBox) and w.isVisible()
                   for w in QApplication.topLevelWidgets())
