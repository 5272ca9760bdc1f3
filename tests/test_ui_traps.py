"""The traps of issue 13, walked through the real window (offscreen, no sleeps)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from tests.conftest import merge, open_file_in

pytestmark = pytest.mark.usefixtures("fresh_home")

TIMEOUT = 20000


@pytest.fixture
def window(qtbot):
    from mesodesk.ui.window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    qtbot.waitUntil(lambda: w.store is not None, timeout=TIMEOUT)
    yield w
    if w.autosaver is not None:
        w.autosaver.close()


class MouseWatch(QObject):
    """Counts every mouse event the application sees."""

    KINDS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
             QEvent.Type.MouseButtonDblClick)

    def __init__(self) -> None:
        super().__init__()
        self.seen = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in self.KINDS:
            self.seen += 1
        return False


class Keyboard:
    """A practitioner at the keyboard: every key goes to whatever has the focus,
    and every key press (a chord such as Alt+N is one) is counted."""

    def __init__(self, qtbot, window) -> None:
        self.qtbot, self.window = qtbot, window
        self.presses = 0
        self.log: list[str] = []

    def target(self):
        return QApplication.focusWidget() or self.window

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier, times: int = 1) -> None:
        for _ in range(times):
            QApplication.processEvents()   # between two keys the event loop runs
            self.qtbot.keyClick(self.target(), key, modifier)
            self.presses += 1
            self.log.append(f"{modifier.name}+{key.name}")

    def type(self, text: str) -> None:
        QApplication.processEvents()
        self.qtbot.keyClicks(self.target(), text)
        self.presses += len(text)
        self.log.append(repr(text))

    def tab_to(self, widget, limit: int = 60) -> None:
        """Tab until ``widget`` has the focus (what a user does to reach a field)."""
        for _ in range(limit):
            if QApplication.focusWidget() is widget:
                return
            self.press(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reached {widget.accessibleName()!r}: "
                             f"{self.chain()}")

    def chain(self) -> list[str]:
        out, w = [], QApplication.focusWidget()
        for _ in range(80):
            out.append(f"{type(w).__name__}:{w.accessibleName() or w.objectName()}")
            w = w.nextInFocusChain()
            if w is QApplication.focusWidget():
                break
        return out

    def alt(self, letter, step: str) -> None:
        """Alt+letter on Next; wait for the step's page to be on screen."""
        w = self.window
        self.qtbot.waitUntil(w.next.isEnabled, timeout=TIMEOUT)
        self.press(letter, Qt.KeyboardModifier.AltModifier)
        self.qtbot.waitUntil(lambda: w.page_stack.currentWidget() is w.pages[step],
                             timeout=TIMEOUT)


def walk_to_the_pack(qtbot, window, catalogue) -> Keyboard:
    """From the start screen to the pack step, by keyboard alone."""
    keys = Keyboard(qtbot, window)
    N = Qt.Key.Key_N
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)   # File > New consultation
    qtbot.waitUntil(lambda: window.step_id == "clinic")
    clinic = window.pages["clinic"]
    keys.tab_to(clinic.clinic_name)
    keys.type("Riverside Aesthetics")
    keys.tab_to(clinic.practitioner)
    keys.type("Dr Ana Silva")
    keys.tab_to(clinic.registration)
    keys.type("GMC 7654321")
    keys.alt(N, "patient")

    patient = window.pages["patient"]
    keys.tab_to(patient.name)
    keys.type("Zoe Kowalczyk")
    keys.tab_to(patient.dob)
    keys.type("14/03/1986")
    keys.tab_to(patient.age_check.method)
    keys.press(Qt.Key.Key_Down)            # passport: who and when fill themselves in
    keys.alt(N, "screening")

    screening = window.pages["screening"]
    for qid, buttons in screening.buttons.items():
        answered = window.state.data["screening"]["answers"]
        if qid in answered:
            continue
        if hasattr(screening, "answer_keys"):
            keys.press(Qt.Key.Key_N)        # "No", and on to the next question
        else:
            for _ in range(60):              # Tab into the question, arrows to No, Space
                if QApplication.focusWidget() in buttons.values():
                    break
                keys.press(Qt.Key.Key_Tab)
            order = list(buttons)
            here = order.index(next(a for a, b in buttons.items()
                                    if b is QApplication.focusWidget()))
            there = order.index("no")
            keys.press(Qt.Key.Key_Right if there > here else Qt.Key.Key_Left,
                       times=abs(there - here))
            keys.press(Qt.Key.Key_Space)
        assert window.state.data["screening"]["answers"].get(qid) == "no", (
            qid, QApplication.focusWidget().objectName(), keys.log[-3:])
    keys.alt(N, "indication")

    indication = window.pages["indication"]
    keys.tab_to(indication.indication)
    keys.press(Qt.Key.Key_Down)             # the first indication: skin rejuvenation
    assert indication.indication.currentData() == "skin-rejuvenation"
    keys.tab_to(indication.areas["face"])
    keys.press(Qt.Key.Key_Space)
    keys.alt(N, "delivery")
    keys.alt(N, "formulation")

    formulation = window.pages["formulation"]
    suited = catalogue.indications["skin-rejuvenation"].products
    keys.tab_to(formulation.product)
    if formulation.product.currentData() not in suited:
        keys.press(Qt.Key.Key_Home)         # the trap: an unsuited product was preselected
    assert formulation.product.currentData() in suited
    keys.tab_to(formulation.add_product)
    keys.press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(formulation.rows))
    row = formulation.rows[0]
    keys.tab_to(row.lot)
    keys.type("HA24A17")
    keys.tab_to(row.expiry)
    keys.type("31/05/2031")
    if "map" in window.table:               # the injection map (issue 16) is optional
        keys.alt(N, "map")
    keys.alt(N, "plan")
    keys.alt(N, "review")

    review = window.pages["review"]
    window.refresh()
    for item in list(review.items.values()):
        if item.acknowledge is not None and not item.acknowledge.isChecked():
            keys.tab_to(item.acknowledge)
            keys.press(Qt.Key.Key_Space)
    keys.alt(N, "consent")

    consent = window.pages["consent"]
    for _ in range(60):
        if QApplication.focusWidget() in consent.photos.values():
            break
        keys.press(Qt.Key.Key_Tab)
    choices = list(consent.photos.values())
    here = choices.index(QApplication.focusWidget())
    there = choices.index(consent.photos["record-only"])
    keys.press(Qt.Key.Key_Down if there > here else Qt.Key.Key_Up, times=abs(there - here))
    if not consent.photos["record-only"].isChecked():
        keys.press(Qt.Key.Key_Space)
    keys.tab_to(consent.cooling)
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys.type("7")
    keys.alt(N, "pack")
    return keys


def test_a_new_consultation_reaches_the_pack_by_keyboard_alone(qtbot, window, catalogue):
    watch = MouseWatch()
    QApplication.instance().installEventFilter(watch)
    try:
        keys = walk_to_the_pack(qtbot, window, catalogue)
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert window.step_id == "pack"
    assert watch.seen == 0
    print(f"\nkeyboard walk: {keys.presses} key presses")
    print(" ".join(keys.log))


# --- 1. no unsuitable default product -------------------------------------------------------


def choose_indication(window, indication_id: str | None) -> None:
    """Pick the indication as the practitioner does, on its step."""
    window.go("indication")
    combo = window.pages["indication"].indication
    combo.setCurrentIndex(combo.findData(indication_id) if indication_id else 0)
    window.refresh()


def test_the_product_picker_preselects_only_a_product_suited_to_the_indication(
        qtbot, window, catalogue):
    actives = {k for k, p in catalogue.products.items() if p.role == "active"}
    seen = 0
    for indication_id, ind in [(None, None), *catalogue.indications.items()]:
        window.new_consultation()
        choose_indication(window, indication_id)
        assert window.go("formulation")
        picker = window.pages["formulation"].product
        suited = [k for k in (ind.products if ind else ()) if k in actives]
        if suited:
            assert picker.currentData() == suited[0], indication_id
            assert picker.currentText().endswith("\u2014 suited")
        else:                       # nothing suited: nothing chosen, nothing to add
            assert picker.currentData() is None, indication_id
            assert not window.pages["formulation"].add_product.isEnabled()
        seen += 1
    assert seen == len(catalogue.indications) + 1


def test_an_unsuited_product_is_a_deliberate_choice_kept_only_for_its_indication(
        qtbot, window, catalogue):
    window.new_consultation()
    choose_indication(window, "skin-rejuvenation")
    suited = catalogue.indications["skin-rejuvenation"].products
    window.go("formulation")
    picker = window.pages["formulation"].product
    picker.setFocus()
    unsuited = next(i for i in range(picker.count())
                    if picker.itemData(i) is not None and picker.itemData(i) not in suited)
    while picker.currentIndex() != unsuited:       # arrows, as the practitioner would
        qtbot.keyClick(picker, Qt.Key.Key_Down)
    chosen = picker.currentData()
    window.go("plan")
    window.go("formulation")
    assert picker.currentData() == chosen          # the deliberate choice stays
    choose_indication(window, "hair-loss")
    window.go("formulation")
    assert picker.currentData() != chosen          # a new indication: chosen afresh
    assert picker.currentData() in (catalogue.indications["hair-loss"].products + (None,))


# --- 2. focus never lost --------------------------------------------------------------------


def focus_is_on_the_first_field(window) -> None:
    page = window.pages[window.step_id]
    focused = QApplication.focusWidget()
    assert focused is not None, window.step_id
    assert not isinstance(focused, QScrollArea), window.step_id
    expected = page.first_field()
    if expected is None:
        assert focused in (window.next, window.step_list), window.step_id
    else:
        assert focused is expected, (window.step_id, focused.accessibleName())


def complete_case(tmp_path, jane_data, catalogue) -> str:
    data = merge(jane_data, {"screening": {"answers": {q: "no" for q in catalogue.screening}},
                             "format": "mesodesk-consultation/2",
                             "patient": {"age_check": {"method": "passport", "checked_by": "A",
                                                       "checked_at": "2026-11-25T09:00:00"}}})
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_the_focus_goes_to_the_first_field_after_every_step_change(
        qtbot, window, catalogue, jane_data, tmp_path):
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier)               # Start
    assert window.step_id == "clinic"
    focus_is_on_the_first_field(window)
    assert QApplication.focusWidget() is window.pages["clinic"].clinic_name
    assert open_file_in(qtbot, window, complete_case(tmp_path, jane_data, catalogue))
    focus_is_on_the_first_field(window)
    window.go("clinic")
    visited = []
    while True:                                                       # Next, all the way
        focus_is_on_the_first_field(window)
        visited.append(window.step_id)
        if window.step_id == "pack":
            break
        qtbot.waitUntil(window.next.isEnabled)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: window.step_id != visited[-1])
        if window.step_id == "consent":
            window.pages["consent"].photos["record-only"].setChecked(True)
    assert visited[-3:] == ["review", "consent", "pack"]
    assert QApplication.focusWidget() is window.pages["pack"].preview.view
    while window.step_id != "clinic":                                 # Back, all the way
        before = window.step_id
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_B, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: window.step_id != before)
        focus_is_on_the_first_field(window)
    window.step_list.setFocus()                                       # the step list
    window.step_list.setCurrentRow(4)
    qtbot.keyClick(window.step_list, Qt.Key.Key_Return)
    assert window.step_id == "delivery"
    assert QApplication.focusWidget() is window.pages["delivery"].technique


def test_removing_a_product_keeps_the_focus_and_ctrl_z_puts_it_back(
        qtbot, window, catalogue, jane_data, tmp_path):
    assert open_file_in(qtbot, window, complete_case(tmp_path, jane_data, catalogue))
    window.go("formulation")
    page = window.pages["formulation"]
    page.anaesthetic.setFocus()
    qtbot.keyClick(page.add_anaesthetic, Qt.Key.Key_Space)
    assert len(page.rows) == 2
    first = dict(window.state.data["products"][0])
    page.rows[0].remove.setFocus()
    qtbot.keyClick(page.rows[0].remove, Qt.Key.Key_Space)
    assert [p["id"] for p in window.state.data["products"]] == ["lidocaine"]
    focus_is_on_the_first_field(window)
    assert QApplication.focusWidget() is page.rows[0].lot          # lidocaine's lot
    assert page.undo_remove.isVisible() and "Ctrl+Z" in page.removed_note.text()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.state.data["products"][0] == first                # back, where it was
    assert [p["id"] for p in window.state.data["products"]] == [first["id"], "lidocaine"]
    assert not page.undo_remove.isVisible()
    qtbot.keyClicks(page.rows[1].lot, "L7")                         # the field's own undo
    qtbot.keyClick(page.rows[1].lot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert page.rows[1].lot.text() == "" and len(page.rows) == 2


# --- 3. a step is complete when its required fields are ------------------------------------


def step_mark(window, step: str) -> str:
    return window.step_list.item(window.table.index(step)).text()[0]


def test_choosing_an_indication_does_not_complete_delivery_plan_or_review(
        qtbot, window, catalogue, jane_data, tmp_path):
    data = json.loads(open(complete_case(tmp_path, jane_data, catalogue)).read())
    for key in ("indication", "delivery", "plan"):
        del data[key]
    data["areas"] = []
    path = tmp_path / "half.json"
    path.write_text(json.dumps(data))
    window._begin(data, "indication")
    choose_indication(window, "skin-rejuvenation")
    tick = "\u2713"
    snap = window.session.snapshot()
    for step in ("delivery", "plan", "review"):
        assert not snap.complete(step), step
        assert step_mark(window, step) != tick, step
    assert any("Delivery" in t and "check them" in t
               for t in window.findings_panel.gap_texts()) is False  # ahead: not nagged
    window.pages["indication"].areas["face"].setChecked(True)
    for step in ("delivery", "plan"):                 # on screen: the suggestion counts
        assert window.go(step)
        assert window.session.snapshot().complete(step), step
        assert step_mark(window, step) == tick, step
    window.go("review")
    window.refresh()
    assert window.session.snapshot().complete("review")
    assert step_mark(window, "review") == tick


def test_an_empty_lot_and_expiry_are_marked_named_and_stop_next(
        qtbot, window, catalogue, jane_data, tmp_path):
    assert open_file_in(qtbot, window, complete_case(tmp_path, jane_data, catalogue))
    window.go("formulation")
    page = window.pages["formulation"]
    assert window.session.snapshot().complete("formulation")
    page.anaesthetic.setFocus()
    qtbot.keyClick(page.add_anaesthetic, Qt.Key.Key_Space)      # lidocaine, lot and expiry empty
    window.refresh()
    row = page.rows[1]
    assert not window.session.snapshot().complete("formulation")
    assert not window.session.snapshot().complete("review")
    assert row.lot.property("gap") and row.expiry.property("gap")    # marked on the page
    assert not page.rows[0].lot.property("gap")
    assert "Lidocaine" in page.gaps_note.text() and page.gaps_note.isVisible()
    texts = window.findings_panel.gap_texts()                        # named in the panel
    name = catalogue.products["lidocaine"].name
    assert f"Formulation: {name}: lot" in texts and f"Formulation: {name}: expiry" in texts
    row.volume.setFocus()
    qtbot.keyClick(row.volume, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)   # Next
    qtbot.waitUntil(lambda: "lot" in window.statusBar().currentMessage())  # (animated click)
    assert window.step_id == "formulation"                            # stopped
    assert QApplication.focusWidget() is row.lot                      # at the first gap
    qtbot.keyClicks(row.lot, "LD2201")
    qtbot.keyClick(row.lot, Qt.Key.Key_Tab)
    qtbot.keyClicks(row.expiry, "2031-01-31")
    window.refresh()
    assert not row.lot.property("gap") and not row.expiry.property("gap")
    assert window.findings_panel.gap_texts() == []
    qtbot.keyClick(row.expiry, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.step_id == window.table.next_step("formulation"))


@pytest.mark.parametrize("step, change, field", [
    ("clinic", {"clinic": {"name": ""}}, "clinic_name"),
    ("patient", {"patient": {"date_of_birth": ""}}, "dob"),
    ("delivery", {"delivery": {"needle_length_mm": 0}}, "length"),
    ("plan", {"plan": {"sessions": 0}}, "sessions"),
])
def test_each_data_step_is_complete_only_with_its_required_fields(
        qtbot, window, catalogue, jane_data, tmp_path, step, change, field):
    data = merge(json.loads(open(complete_case(tmp_path, jane_data, catalogue)).read()), change)
    window._begin(data, step)
    window.go(step)
    window.refresh()
    assert not window.session.snapshot().complete(step)
    assert not window.session.snapshot().complete("review")
    widget = getattr(window.pages[step], field)
    assert widget.property("gap")
    assert window.findings_panel.gap_texts()
    window.go_next()
    assert window.step_id == step
