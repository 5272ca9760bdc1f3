"""The records view starts what follows a signed consultation: the next session
(prefilled, the screening confirmed with one key per answer), a new consultation
for the selected patient, a new version at the step to change (with a banner),
and a draft discarded after a confirmation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from mesodesk.domain import fingerprint
from tests.window_support import records_view_open, shown_window

pytestmark = pytest.mark.usefixtures("fresh_home")

TIMEOUT = 20000  # ms; the machine may be loaded
PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def signed(store, make_consultation):
    c = make_consultation({"plan": {"notes": "course of four"}})
    return store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")


@pytest.fixture
def window(qtbot, store):
    yield from shown_window(qtbot, lambda: store, active=False, ready=records_view_open)


def wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.work.busy, timeout=TIMEOUT)


def discard_and_answer(qtbot, discard_button, asker, role) -> object:
    """Click a Discard button, wait for its question, answer with the button of
    ``role``; returns the question box."""
    qtbot.mouseClick(discard_button, Qt.MouseButton.LeftButton)
    box = asker.last_question
    qtbot.waitUntil(box.isVisible)
    [b for b in box.buttons() if box.buttonRole(b) == role][0].click()
    return box


def test_next_session_is_prefilled_and_each_answer_is_confirmed_with_one_key(
        qtbot, window, store, signed, catalogue):
    window.records_view.nextSession.emit(signed)
    qtbot.waitUntil(lambda: window.session is not None and window.session.follows is not None,
                    timeout=TIMEOUT)
    session = window.session
    data = session.data
    assert data["patient"]["name"] == "Jane O'Hara"
    assert data["indication"] == "skin-rejuvenation" and data["plan"]["notes"] == "course of four"
    assert data["products"] and all("lot" not in p and "expiry" not in p
                                    for p in data["products"])
    assert window.step_id == "screening"              # clinic and patient are complete
    banner = window.records.banner
    assert banner.isVisible() and "Next session" in banner.text()
    panel = window.records.prior_panel
    assert panel.isVisible() and panel.list.count() == len(catalogue.screening)
    assert not session.snapshot().complete("screening")
    first = panel.list.item(0).text()
    assert first.startswith("No last time \u2014 ")

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    # the page's first field is the list of earlier answers: the keys go there
    assert window.pages["screening"].first_field() is panel.list
    panel.list.setFocus()
    for _ in range(len(catalogue.screening)):          # one key per answer
        qtbot.keyClick(panel.list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: session.snapshot().complete("screening"), timeout=TIMEOUT)
    assert not panel.isVisible()
    page = window.pages["screening"]
    focused = QApplication.focusWidget()              # on to the questions, focus kept
    assert focused is page.first_field() and focused is not panel.list
    assert page.buttons["pregnant"]["no"].isChecked()  # the confirmed answers show below
    qtbot.waitUntil(lambda: window.next.isEnabled(), timeout=TIMEOUT)

    # the draft is saved for the same patient, not a new one of the same name
    window.autosaver.flush()
    wait_idle(qtbot, window)
    patient_id = store.signed(signed).patient_id
    states = [c.state for c in store.consultations_for(patient_id)]
    assert sorted(states) == ["draft", "signed"]
    assert len(store.search_patients("Jane")) == 1


def test_a_changed_answer_is_answered_on_the_page_and_leaves_the_list(
        qtbot, window, signed):
    window.records_view.nextSession.emit(signed)
    qtbot.waitUntil(lambda: window.session is not None and window.session.follows is not None,
                    timeout=TIMEOUT)
    panel = window.records.prior_panel
    before = panel.list.count()
    window.pages["screening"].buttons["anticoagulants"]["yes"].click()
    qtbot.waitUntil(lambda: panel.list.count() == before - 1, timeout=TIMEOUT)
    assert window.session.data["screening"]["answers"]["anticoagulants"] == "yes"
    assert "anticoagulants" not in window.session.prior_answers


def test_a_new_consultation_for_the_selected_patient_has_their_details(
        qtbot, window, store, signed):
    view = window.records_view
    with qtbot.waitSignal(view.searchFinished, timeout=TIMEOUT):
        qtbot.keyClicks(view.search, "jane")
    qtbot.waitUntil(view.patient_button.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(view.patient_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.session is not None
                    and window.session.data["patient"].get("name") == "Jane O'Hara",
                    timeout=TIMEOUT)
    assert window.session.data["patient"]["date_of_birth"] == "1986-03-14"
    assert window.session.patient_id == store.signed(signed).patient_id
    assert "indication" not in window.session.data        # nothing else is carried
    assert not window.records.banner or not window.records.banner.isVisible()


def test_a_new_version_opens_at_the_step_to_change_under_a_banner(qtbot, window, store,
                                                                 signed):
    view = window.records_view
    view.change_combo.setCurrentIndex(view.change_combo.findData("plan"))
    with qtbot.waitSignal(window.draftOpened, timeout=TIMEOUT):
        view.newVersion.emit(signed)
    assert window.step_id == "plan"
    banner = window.records.banner
    assert banner.isVisible()
    assert "New version of the consultation of 25 Nov 2026" in banner.text()
    assert store.signed(signed).fingerprint[:12] in banner.text()

    window.show_start()
    window.new_consultation()                          # an ordinary one has no banner
    assert not banner.isVisible()


def test_the_history_shows_indication_and_treatment(qtbot, window, signed, catalogue):
    view = window.records_view
    with qtbot.waitSignal(view.searchFinished, timeout=TIMEOUT):
        qtbot.keyClicks(view.search, "jane")
    qtbot.waitUntil(lambda: view.history.rowCount() == 1, timeout=TIMEOUT)
    cells = [view.history.item(0, c).text() for c in range(view.history.columnCount())]
    assert cells[1] == "Signed"
    assert cells[2] == catalogue.indications["skin-rejuvenation"].name
    assert cells[3] == (f"{catalogue.techniques['nappage'].name}; "
                        f"{catalogue.products['hyaluronic-acid-non-crosslinked'].name}")
    assert all(cells[:4])                               # no empty column but "Version"


def test_a_draft_is_discarded_only_after_confirmation(qtbot, window, store, signed, jane_data):
    patient_id = store.signed(signed).patient_id
    draft = store.save_draft(None, jane_data, "plan", patient_id=patient_id)
    view = window.records_view
    with qtbot.waitSignal(view.searchFinished, timeout=TIMEOUT):
        qtbot.keyClicks(view.search, "jane")
    qtbot.waitUntil(lambda: view.history.rowCount() == 2, timeout=TIMEOUT)
    view.history.selectRow(0)
    assert view.selected_consultation() == (draft, "draft")

    # "Keep it": nothing happens
    discard_and_answer(qtbot, view.discard_button, view, QMessageBox.ButtonRole.RejectRole)
    wait_idle(qtbot, window)
    assert [d.id for d in store.drafts()] == [draft]

    discard_and_answer(qtbot, view.discard_button, view, QMessageBox.ButtonRole.DestructiveRole)
    qtbot.waitUntil(lambda: store.drafts() == [], timeout=TIMEOUT)
    assert "discarded" in [e.kind for e in store.audit_events(draft)]
    qtbot.waitUntil(lambda: view.history.rowCount() == 1, timeout=TIMEOUT)


def _signed_with_text(store, catalogue, consultation, edit=None):
    """Sign ``consultation`` keeping the clinical text its pack gave (``edit``
    changes that text first: as if the catalogue had said something else then)."""
    from mesodesk.session.consultation import pack_text

    version, texts = pack_text(consultation, catalogue)
    if edit is not None:
        texts = edit(dict(texts))
        version = "ct1:0000000000000000"
    return store.sign(None, consultation, PDF, fingerprint(consultation), "Dr Ana Silva",
                      text=(version, texts))


def test_the_banner_references_the_earlier_consent_when_the_text_is_unchanged(
        qtbot, window, store, catalogue, make_consultation):
    cid = _signed_with_text(store, catalogue, make_consultation())
    window.records_view.nextSession.emit(cid)
    qtbot.waitUntil(lambda: window.session is not None and window.session.follows is not None,
                    timeout=TIMEOUT)
    assert not window.session.reconsent.required
    assert "has not changed since the earlier consent" in window.records.banner.text()


def test_the_banner_shows_what_changed_and_asks_for_consent_again(
        qtbot, window, store, catalogue, make_consultation):
    def edit(texts):
        key = next(k for k in sorted(texts) if k.startswith("risk.") and
                   k.endswith("patient_text"))
        texts[key] = "Older wording of this risk."
        return texts

    cid = _signed_with_text(store, catalogue, make_consultation(), edit)
    window.records_view.nextSession.emit(cid)
    qtbot.waitUntil(lambda: window.session is not None and window.session.follows is not None,
                    timeout=TIMEOUT)
    assert window.session.reconsent.required
    text = window.records.banner.text()
    assert "changed since the earlier consent (1 change)" in text
    assert "consents again" in text and 'was "Older wording of this risk."' in text


def test_next_session_of_a_replaced_version_continues_the_plan_as_last_signed(
        qtbot, window, store, signed, make_consultation):
    changed = make_consultation({"plan": {"sessions": 6, "notes": "course of six"}})
    newer = store.sign(store.new_version(signed), changed, PDF, fingerprint(changed),
                       "Dr Ana Silva")
    window.records_view.nextSession.emit(signed)          # the older row was selected
    qtbot.waitUntil(lambda: window.session is not None and window.session.follows is not None,
                    timeout=TIMEOUT)
    assert window.session.follows.earlier_id == newer
    assert window.session.data["plan"]["notes"] == "course of six"


def test_a_withdrawn_plan_does_not_continue(qtbot, window, store, signed, catalogue):
    from mesodesk.session import ConsultationSession

    ConsultationSession.prepare_withdrawal(store, catalogue, signed, "Dr Ana Silva",
                                           at="2026-11-26T09:30:00+00:00",
                                           build=lambda consultation, paper: PDF)()
    window.records_view.nextSession.emit(signed)
    qtbot.waitUntil(lambda: window.last_alert is not None, timeout=TIMEOUT)
    assert "withdrawn" in window.last_alert.text()
    assert window.session is None or window.session.follows is None


def test_a_draft_is_discarded_from_the_start_screen_after_the_same_question(
        qtbot, window, store, jane_data):
    draft = store.save_draft(None, jane_data, "plan")
    window.records.refresh_drafts()
    start = window.start
    qtbot.waitUntil(lambda: len(start.discard_buttons) == 1, timeout=TIMEOUT)
    assert start.discard_buttons[0].accessibleName() == "Discard the draft for Jane O'Hara"

    qtbot.mouseClick(start.discard_buttons[0], Qt.MouseButton.LeftButton)
    box = start.last_question
    qtbot.waitUntil(box.isVisible)
    assert "Jane O'Hara" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)              # Esc keeps it
    wait_idle(qtbot, window)
    assert [d.id for d in store.drafts()] == [draft]
    assert len(start.resume_buttons) == 1

    discard_and_answer(qtbot, start.discard_buttons[0], start,
                       QMessageBox.ButtonRole.DestructiveRole)
    qtbot.waitUntil(lambda: store.drafts() == [], timeout=TIMEOUT)
    assert "discarded" in [e.kind for e in store.audit_events(draft)]
    qtbot.waitUntil(lambda: start.resume_buttons == [], timeout=TIMEOUT)   # the list follows
    assert "every consultation so far is finished" in start.drafts_note.text()
