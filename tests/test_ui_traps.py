"""The traps of issue 13, walked through the real window (offscreen, no sleeps)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from tests.ceremony_support import with_teach_back
from tests.conftest import merge, open_file_in
from tests.window_support import records_open, shown_window

pytestmark = pytest.mark.usefixtures("fresh_home")

TIMEOUT = 20000


@pytest.fixture
def window(qtbot):
    yield from shown_window(qtbot, ready=records_open)


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


def focused(widget) -> bool:
    return QApplication.focusWidget() is widget


def walk_to_the_pack(qtbot, window, catalogue) -> Keyboard:
    """From the start screen to the pack step, by keyboard alone. Each step is
    entered with the focus on its first field: no key is spent finding it."""
    keys = Keyboard(qtbot, window)
    N = Qt.Key.Key_N
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)   # File > New consultation
    qtbot.waitUntil(lambda: window.step_id == "clinic")
    clinic = window.pages["clinic"]
    assert focused(clinic.clinic_name)
    keys.type("Riverside Aesthetics")
    keys.tab_to(clinic.practitioner)
    keys.type("Dr Ana Silva")
    keys.tab_to(clinic.registration)
    keys.type("GMC 7654321")
    keys.alt(N, "patient")

    patient = window.pages["patient"]
    assert focused(patient.name)
    keys.type("Zoe Kowalczyk")
    keys.tab_to(patient.dob)
    keys.type("14/03/1986")
    keys.tab_to(patient.age_check.method)
    keys.press(Qt.Key.Key_Down)            # passport: who and when fill themselves in
    keys.alt(N, "screening")

    screening = window.pages["screening"]
    first = next(iter(screening.buttons.values()))
    assert focused(first["yes"])
    for qid in screening.buttons:
        assert QApplication.focusWidget() in screening.buttons[qid].values(), qid
        keys.press(Qt.Key.Key_N)            # "No", and the focus is on the next question
        assert window.state.data["screening"]["answers"].get(qid) == "no", qid
    assert focused(screening.allergies)
    keys.alt(N, "indication")

    indication = window.pages["indication"]
    assert focused(indication.indication)
    keys.press(Qt.Key.Key_Down)             # the first indication: skin rejuvenation
    assert indication.indication.currentData() == "skin-rejuvenation"
    keys.tab_to(indication.areas["face"])
    keys.press(Qt.Key.Key_Space)
    keys.alt(N, "delivery")
    assert focused(window.pages["delivery"].technique)
    keys.alt(N, "formulation")              # the indication's delivery, seen

    formulation = window.pages["formulation"]
    suited = catalogue.indications["skin-rejuvenation"].products
    assert focused(formulation.product)
    assert formulation.product.currentData() == suited[0]   # no unsuited default to undo
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)   # &Add product
    qtbot.waitUntil(lambda: bool(formulation.rows))
    row = formulation.rows[0]
    assert focused(row.lot)
    keys.type("HA24A17")
    keys.tab_to(row.expiry)
    keys.type("31/05/2031")
    if "map" in window.table:               # the injection map (issue 16) is optional
        keys.alt(N, "map")
    keys.alt(N, "plan")
    assert focused(window.pages["plan"].sessions)
    keys.alt(N, "review")

    review = window.pages["review"]
    window.refresh()
    for item in list(review.items.values()):
        if item.acknowledge is not None and not item.acknowledge.isChecked():
            keys.tab_to(item.acknowledge)
            keys.press(Qt.Key.Key_Space)
    keys.alt(N, "consent")

    consent = window.pages["consent"]
    assert QApplication.focusWidget() in consent.photos.values()
    choices = list(consent.photos.values())
    here = choices.index(QApplication.focusWidget())
    there = choices.index(consent.photos["record-only"])
    keys.press(Qt.Key.Key_Down if there > here else Qt.Key.Key_Up, times=abs(there - here))
    if not consent.photos["record-only"].isChecked():
        keys.press(Qt.Key.Key_Space)
    keys.tab_to(consent.cooling)
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys.type("7")
    for row in consent.teach_back.rows:      # teach-back: each question explained back
        keys.tab_to(row.buttons["explained"])
        keys.press(Qt.Key.Key_Space)
    keys.alt(N, "pack")
    assert focused(window.pages["pack"].preview.view)
    return keys


#: key presses from the start screen to the pack, typed text included (84 characters):
#: 236 on main before issue 13 (a Tab into every step, 3 keys per screening question,
#: Home to undo the preselected deoxycholic acid, Tab to the Add button)
KEYS_BEFORE = 236


def test_a_new_consultation_reaches_the_pack_by_keyboard_alone(qtbot, window, catalogue):
    watch = MouseWatch()
    QApplication.instance().installEventFilter(watch)
    try:
        keys = walk_to_the_pack(qtbot, window, catalogue)
    finally:
        QApplication.instance().removeEventFilter(watch)
    assert window.step_id == "pack"
    assert watch.seen == 0                              # no mouse event at all
    print(f"\nkeyboard walk: {keys.presses} key presses (before issue 13: {KEYS_BEFORE})")
    print(" ".join(keys.log))
    assert keys.presses <= KEYS_BEFORE - 60


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
    with_teach_back(data, catalogue)        # the consent step's teach-back, recorded
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
    from mesodesk.ui.window import STATUS_ROLE

    return window.step_list.item(window.table.index(step)).data(STATUS_ROLE)


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
    tick = "done"
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


# --- 7. screening by keyboard ---------------------------------------------------------------


def test_y_n_u_answer_the_question_in_focus_and_move_to_the_next(qtbot, window, catalogue):
    window.new_consultation()
    window.go("screening")
    page = window.pages["screening"]
    ids = list(page.buttons)
    assert focused(page.buttons[ids[0]]["yes"])
    for qid, key, answer in ((ids[0], Qt.Key.Key_Y, "yes"), (ids[1], Qt.Key.Key_U, "unknown"),
                             (ids[2], Qt.Key.Key_N, "no")):
        qtbot.keyClick(QApplication.focusWidget(), key)
        assert window.state.data["screening"]["answers"][qid] == answer
        assert page.buttons[qid][answer].isChecked()
    assert QApplication.focusWidget() in page.buttons[ids[3]].values()   # moved on each time
    for qid in ids[3:]:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N)
    assert focused(page.allergies)                  # after the last question: the allergies
    assert set(window.state.data["screening"]["answers"]) == set(catalogue.screening)
    page.buttons[ids[0]]["yes"].setFocus()          # a changed answer: the same key works
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N)
    assert window.state.data["screening"]["answers"][ids[0]] == "no"
    page.buttons[ids[5]]["no"].setFocus()           # Alt+N is still Next, not an answer
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.step_id == "indication")


def test_the_medicines_field_offers_names_from_the_catalogue(qtbot, window, catalogue):
    window.new_consultation()
    window.go("screening")
    medicines = window.pages["screening"].medications
    medicines.setFocus()
    qtbot.keyClicks(medicines, "Levothyroxine 50 mcg; apix")
    assert medicines.offered == "Apixaban"                         # offered as you type
    assert medicines.textCursor().selectedText() == "aban"
    qtbot.keyClick(medicines, Qt.Key.Key_Return)                   # taken, no new line
    assert medicines.toPlainText() == "Levothyroxine 50 mcg; apixaban"
    assert window.state.data["screening"]["medications"] == medicines.toPlainText()
    qtbot.keyClicks(medicines, " 5 mg, xarel")                    # brands too
    assert medicines.offered == "Xarelto"
    qtbot.keyClick(medicines, Qt.Key.Key_Delete)                  # not wanted: as typed
    assert medicines.toPlainText().endswith("5 mg, xarel")
    qtbot.keyClicks(medicines, "to 20 mg")                        # typing on is never lost
    assert medicines.toPlainText().endswith("xarelto 20 mg")
    assert window.isActiveWindow()                                 # no popup took the focus
    assert "xarelto" in {n for d in catalogue.drugs.values() for n in d.names}


# --- 8. reading the pack ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack_pdf(catalogue) -> bytes:
    from mesodesk.domain import from_data
    from mesodesk.pack import build_pack
    from tests.conftest import load_example

    return build_pack(from_data(load_example()), catalogue, paper="a4", sealed=False)


def test_home_end_and_space_move_through_the_pack(qtbot, pack_pdf):
    from mesodesk.ui.preview import PdfPreview

    preview = PdfPreview()
    qtbot.addWidget(preview)
    preview.resize(600, 500)
    preview.show()
    qtbot.waitExposed(preview)
    preview.show_pdf(pack_pdf)
    view, bar = preview.view, preview.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert bar.value() == bar.pageStep()                      # a screen down
    qtbot.keyClick(view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert bar.value() == 0                                   # and back up
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert bar.value() == bar.maximum() and preview.read_to_end
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert bar.value() == 0
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() == bar.maximum()
    qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    assert bar.value() == 0


def test_the_findings_panel_folds_away_when_empty_and_the_page_takes_the_width(
        qtbot, window, catalogue, jane_data, tmp_path):
    assert open_file_in(qtbot, window, complete_case(tmp_path, jane_data, catalogue))
    window.go("plan")
    panel, splitter = window.findings_panel, window.splitter
    assert window.session.snapshot().findings == []
    assert not panel.isVisible()                               # nothing to say: folded
    qtbot.waitUntil(lambda: splitter.sizes()[-1] == 0)
    wide = splitter.sizes()[1]                                  # the page's width
    window.go("screening")
    window.pages["screening"].buttons["anticoagulants"]["yes"].setChecked(True)
    window.refresh()
    assert panel.isVisible()                                   # a finding: it is back
    qtbot.waitUntil(lambda: splitter.sizes()[-1] > 100 and splitter.sizes()[1] < wide)
    narrow, beside = splitter.sizes()[1:]
    window.pages["screening"].buttons["anticoagulants"]["no"].setChecked(True)
    window.refresh()
    assert not panel.isVisible()
    qtbot.waitUntil(lambda: splitter.sizes()[1] >= narrow + beside * 0.8)   # the width back


# --- 9. small mends ---------------------------------------------------------------------------


def test_a_block_is_drawn_with_an_icon_from_the_resources_not_u26d4(qtbot, window, catalogue,
                                                                  jane_data, tmp_path):
    from PySide6.QtGui import QImage

    from mesodesk.ui.widgets import finding_html, icon_path

    for kind in ("block", "warn", "info", "done", "todo"):
        image = QImage(icon_path(kind))
        assert not image.isNull() and image.width() > 0, kind     # the SVG renders
    data = merge(json.loads(open(complete_case(tmp_path, jane_data, catalogue)).read()),
                 {"screening": {"answers": {"pregnant": "yes"}}})
    window._begin(data, "review")
    window.refresh()
    review = window.pages["review"]
    html = "".join(finding_html(i.finding) for i in review.items.values())
    assert "block.svg" in html and "\u26d4" not in html
    texts = [window.step_list.item(i).text() for i in range(window.step_list.count())]
    panel = window.findings_panel.list
    texts += [panel.item(i).text() for i in range(panel.count())]
    assert not any("\u26d4" in t for t in texts)


def dark_palette():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "screenshots", Path(__file__).parent.parent / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dark_palette()


def test_locked_steps_are_greyed_but_readable_in_light_and_dark(qtbot, window):
    from PySide6.QtGui import QPalette

    from mesodesk.ui.colours import contrast

    window.new_consultation()

    def ratio() -> float:
        p = window.step_list.palette()
        return contrast(p.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text),
                        p.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Base))

    locked = window.step_list.item(window.table.index("consent"))
    assert not locked.flags() & Qt.ItemFlag.ItemIsEnabled         # greyed: locked
    assert ratio() >= 4.5
    app = QApplication.instance()
    light = app.palette()
    try:
        app.setPalette(dark_palette())
        qtbot.waitUntil(lambda: window.step_list.palette().color(
            QPalette.ColorRole.Base).lightnessF() < 0.5)
        assert ratio() >= 4.5
        grey = window.step_list.palette().color(QPalette.ColorGroup.Disabled,
                                                QPalette.ColorRole.Text)
        text = window.step_list.palette().color(QPalette.ColorGroup.Active,
                                                QPalette.ColorRole.Text)
        assert grey != text                                        # still looks greyed
    finally:
        app.setPalette(light)


def test_file_menu_mnemonics_are_unique_and_alt_n_is_only_next(qtbot, window):
    import re

    from PySide6.QtWidgets import QAbstractButton

    file_menu = window.menuBar().actions()[0].menu()
    letters = [m.group(1).lower() for a in file_menu.actions()
               if (m := re.search(r"&([^&])", a.text()))]
    assert len(letters) == len(set(letters)), letters
    on_start = [b.text() for b in window.start.findChildren(QAbstractButton)
                if re.search(r"&[nN]", b.text())]
    assert on_start == []                     # Alt+N never starts anything on the start screen
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_N,
                   Qt.KeyboardModifier.AltModifier)
    assert window.stack.currentWidget() is window.start


def test_save_draft_is_off_on_a_signed_record(qtbot, window, catalogue, jane_data, tmp_path,
                                              monkeypatch):
    from PySide6.QtPrintSupport import QPrinter

    assert open_file_in(qtbot, window, complete_case(tmp_path, jane_data, catalogue))
    assert window.save_action.isEnabled()
    window.go("consent")
    window.pages["consent"].photos["record-only"].setChecked(True)
    window.refresh()
    assert window.go("pack")
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=TIMEOUT)

    def printer():
        p = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(tmp_path / "printed.pdf"))
        return p

    monkeypatch.setattr(window, "choose_printer", printer)
    window.closing.print_for_wet_ink()
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=TIMEOUT)
    assert not window.save_action.isEnabled()
    window.new_consultation()
    assert window.save_action.isEnabled()


def test_the_review_shows_practitioner_allergies_medicines_and_says_no_findings(
        qtbot, window, catalogue, jane_data, tmp_path):
    data = merge(json.loads(open(complete_case(tmp_path, jane_data, catalogue)).read()),
                 {"screening": {"allergies": ["latex"], "medications": "Levothyroxine 50 mcg"}})
    window._begin(data, "review")
    window.refresh()
    review = window.pages["review"]
    text = review.history.text()
    assert data["practitioner"]["name"] in text and data["practitioner"]["registration"] in text
    assert "latex" in text and "Levothyroxine 50 mcg" in text
    assert review.status.text().startswith("No findings.")
    data["screening"]["allergies"], data["screening"]["medications"] = [], ""
    window._begin(data, "review")
    assert review.history.text().count("None reported") == 2


@pytest.mark.qt_log_ignore("^This plugin does not support (raise|grabbing the keyboard)")
def test_dates_take_the_clinics_format_or_the_calendar(qtbot, window):
    from PySide6.QtCore import QDate

    from mesodesk.ui.widgets import clinic_date_format

    window.new_consultation()
    window.go("patient")
    dob = window.pages["patient"].dob
    local = QDate(1986, 3, 14).toString(clinic_date_format())
    dob.setFocus()
    qtbot.keyClicks(dob, local)
    assert window.state.data["patient"]["date_of_birth"] == "1986-03-14", local
    dob.clear()
    qtbot.keyClicks(dob, "1986-03-14")                      # ISO still works
    assert window.state.data["patient"]["date_of_birth"] == "1986-03-14"
    dob.clear()
    qtbot.keyClick(dob, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)   # the calendar
    row = dob.parentWidget()
    calendar = row.property("calendar")
    qtbot.waitUntil(lambda: calendar is not None and calendar.isVisible())
    calendar.setSelectedDate(QDate(1990, 7, 2))
    view = calendar.findChild(__import__("PySide6.QtWidgets", fromlist=["QTableView"]).QTableView)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert window.state.data["patient"]["date_of_birth"] == "1990-07-02"
    assert focused(dob)
