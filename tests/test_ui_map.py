"""The injection map step, driven through its real widgets (offscreen, no sleeps):
points clicked onto the chart, dragged, undone and deleted; the same from the
keyboard table; the running totals; the rules' findings on the points."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from mesodesk.catalogue.charts import load_chart
from tests.conftest import load_example, merge
from tests.window_support import shown_window

pytestmark = pytest.mark.usefixtures("fresh_home")


@pytest.fixture
def window(qtbot):
    yield from shown_window(qtbot, None, size=(1100, 800))   # active: Ctrl+Z needs it


def submental_plan() -> dict:
    """Deoxycholic acid under the chin: label 0.2 mL per injection, 1 cm apart."""
    return load_example("pack_dca_submental.json")


def open_map(qtbot, window, data: dict):
    window._begin(data, "map")
    page = window.pages["map"]
    qtbot.waitUntil(lambda: window.page_stack.currentWidget() is page)
    qtbot.waitUntil(lambda: not page.view.sceneRect().isEmpty())
    return page


def points(window, entry: int = 0) -> list[dict]:
    return window.session.data["products"][entry].get("points", [])


def spot(area: str, view: str = "face-front", right_cm: float = 0.0) -> tuple[float, float]:
    """A 0..1 position inside ``area``, moved ``right_cm`` to the right."""
    from mesodesk.ui.mapstep import free_spot

    chart = load_chart(view)
    x, y = free_spot(chart, area, 1.0, [])
    return x + right_cm / (chart.width * chart.cm_per_unit), y


def on_screen(page, x: float, y: float) -> QPoint:
    rect = page.view.sceneRect()
    return page.view.mapFromScene(QPointF(rect.left() + x * rect.width(),
                                          rect.top() + y * rect.height()))


def click_chart(qtbot, page, x: float, y: float) -> None:
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=on_screen(page, x, y))


def drag(page, start: QPoint, end: QPoint) -> None:
    """Press, move with the button held (in steps, as a hand does) and release."""
    viewport = page.view.viewport()

    def send(kind, pos: QPoint, buttons) -> None:
        event = QMouseEvent(kind, QPointF(pos), QPointF(viewport.mapToGlobal(pos)),
                            Qt.MouseButton.LeftButton, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)

    held = Qt.MouseButton.LeftButton
    send(QMouseEvent.Type.MouseButtonPress, start, held)
    for i in range(1, 6):
        send(QMouseEvent.Type.MouseMove, start + (end - start) * (i / 5), held)
    send(QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def undo(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def findings_of(window) -> str:
    window.refresh()
    return window.pages["map"].findings_text()


def test_the_map_step_follows_formulation(window, qtbot):
    page = open_map(qtbot, window, submental_plan())
    window.go("formulation")
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "map")
    assert window.page_stack.currentWidget() is page
    assert window.position.text().endswith(": Injection map")
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "plan")


def test_click_drag_undo_and_delete_points_on_the_chart(window, qtbot):
    page = open_map(qtbot, window, submental_plan())
    assert page.chart.currentData() == "face-front"        # suited to the plan's area
    assert page.chart.currentText().endswith("suited")
    assert page.volume.value() == pytest.approx(0.2)        # the label's volume per injection
    x, y = spot("submental")
    click_chart(qtbot, page, x, y)
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    first = points(window)[0]
    assert first["view"] == "face-front" and first["volume_ml"] == 0.2
    assert "depth_mm" not in first                           # the delivery depth
    assert first["x"] == pytest.approx(x, abs=0.01) and first["y"] == pytest.approx(y, abs=0.01)
    assert page.table.rowCount() == 1
    assert page.table.item(0, 1).text() == "Under the chin (submental)"
    click_chart(qtbot, page, *spot("submental", right_cm=1.2))
    qtbot.waitUntil(lambda: len(points(window)) == 2)
    assert "2 points, 0.4 mL" in page.totals.text()          # the running total

    # drag the second point 1 cm further right
    before = dict(points(window)[1])
    start = on_screen(page, before["x"], before["y"])
    end = on_screen(page, *spot("submental", right_cm=2.2))
    drag(page, start, end)
    qtbot.waitUntil(lambda: points(window)[1]["x"] != before["x"])
    assert points(window)[1]["x"] > before["x"]
    assert points(window)[1]["y"] == pytest.approx(before["y"], abs=0.01)
    assert points(window)[1]["volume_ml"] == 0.2

    # Ctrl+Z undoes the drag, then the second point
    undo(qtbot, page.view)
    qtbot.waitUntil(lambda: points(window)[1]["x"] == before["x"])
    undo(qtbot, page.view)
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert "1 point, 0.2 mL" in page.totals.text()
    page.redo_button.click()
    qtbot.waitUntil(lambda: len(points(window)) == 2)

    # click a point to select it, Delete removes it; undo brings it back
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=on_screen(page, first["x"], first["y"]))
    qtbot.waitUntil(lambda: page.table.selectionModel().isRowSelected(0))
    assert len(points(window)) == 2                          # a click on a point adds none
    qtbot.keyClick(page.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert points(window)[0]["x"] == before["x"]
    undo(qtbot, page.view)
    qtbot.waitUntil(lambda: len(points(window)) == 2)
    assert points(window)[0] == first


def test_the_same_from_the_keyboard_table(window, qtbot):
    page = open_map(qtbot, window, submental_plan())
    assert page.table.accessibleName() == "Injection points"
    assert page.add_point.accessibleName() == "Add point"
    assert page.area.accessibleName() == "New point in area"
    assert page.area.currentData() == "submental"            # the plan's area first
    page.add_point.setFocus()
    qtbot.keyClick(page.add_point, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert QApplication.focusWidget() is page.table          # ready to edit the new row
    page.add_point.setFocus()
    qtbot.keyClick(page.add_point, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(points(window)) == 2)
    # the second one is placed the label's 1 cm away from the first: no spacing warning
    chart = load_chart("face-front")
    a, b = points(window)
    assert chart.distance_cm((a["x"], a["y"]), (b["x"], b["y"])) >= 1.0
    assert {chart.area_at(p["x"], p["y"]) for p in (a, b)} == {"submental"}
    assert "too close" not in findings_of(window) and "apart" not in findings_of(window)

    # edit the second point's volume and depth in the table
    from mesodesk.ui.mapstep import DEPTH, VOLUME

    page.table.setFocus()
    page.table.setCurrentCell(1, VOLUME)
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor.accessibleName() == "Volume (mL)"
    editor.selectAll()
    qtbot.keyClicks(editor, "0.1")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: points(window)[1]["volume_ml"] == 0.1)
    assert "2 points, 0.3 mL" in page.totals.text()
    page.table.setCurrentCell(1, DEPTH)
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "8")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: points(window)[1].get("depth_mm") == 8.0)
    assert page.table.item(1, DEPTH).text() == "8"

    # Delete in the table removes the selected row; Ctrl+Z brings it back, then undoes the depth
    page.table.setFocus()
    page.table.selectRow(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert points(window)[0]["volume_ml"] == 0.1
    undo(qtbot, page.table)
    qtbot.waitUntil(lambda: len(points(window)) == 2)
    undo(qtbot, page.table)
    qtbot.waitUntil(lambda: "depth_mm" not in points(window)[1])
    # the Remove button does what Delete does
    page.table.clearSelection()
    page.table.selectRow(1)
    page.remove_point.setFocus()
    qtbot.keyClick(page.remove_point, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(points(window)) == 1)


def test_rules_on_the_points_show_on_the_map_step(window, qtbot):
    page = open_map(qtbot, window, submental_plan())
    click_chart(qtbot, page, *spot("neck"))                  # not an area of this plan
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert page.table.item(0, 1).text() == "Neck (not in the plan)"
    assert page._items[(0, 0)].outside                        # a red rim on the chart
    text = findings_of(window)
    assert "outside the areas of this plan" in text and "Neck" in text
    # the points' 0.2 mL against the 4 mL recorded warns; the volume can follow the points
    assert "add up to 0.2 mL" in text
    assert "(recorded volume 4 mL)" in page.totals.text()
    page.follow.click()
    qtbot.waitUntil(lambda: window.session.data["products"][0]["volume_ml"] == 0.2)
    assert "add up to" not in findings_of(window)
    undo(qtbot, page.view)
    qtbot.waitUntil(lambda: window.session.data["products"][0]["volume_ml"] == 4.0)
    # two points closer than the label's 1 cm warn, naming both
    undo(qtbot, page.view)
    qtbot.waitUntil(lambda: not points(window))
    x, y = spot("submental")
    click_chart(qtbot, page, x, y)
    click_chart(qtbot, page, *spot("submental", right_cm=1.5))
    qtbot.waitUntil(lambda: len(points(window)) == 2)
    assert "apart" not in findings_of(window)
    assert not any(item.crowded for item in page._items.values())
    # typed in the table: the second point half a centimetre from the first
    from mesodesk.ui.mapstep import ACROSS

    page.table.setFocus()
    page.table.setCurrentCell(1, ACROSS)
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, f"{spot('submental', right_cm=0.5)[0] * 100:.1f}")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: points(window)[1]["x"] < x + 0.02)
    text = findings_of(window)
    assert "points 1 and 2" in text and "1 cm apart" in text
    assert "outside the areas" not in text
    # both points too close get an amber rim on the chart, not only the one named first
    qtbot.waitUntil(lambda: page._items[(0, 0)].crowded and page._items[(0, 1)].crowded)
    assert page._items[(0, 0)].pen().color().name() == "#e65100"
    # the map's findings lead to the map step from the findings panel
    assert window.table.step_for_path("products[0].points[1]") == "map"


def test_points_go_into_the_consultation_and_its_pack(window, qtbot, catalogue):
    """What the page writes is the consultation the rules and the pack see."""
    from mesodesk.pack import build_pack

    data = merge(submental_plan(), {"products": [{**submental_plan()["products"][0],
                                                   "volume_ml": 0.4}]})
    page = open_map(qtbot, window, data)
    click_chart(qtbot, page, *spot("submental"))
    click_chart(qtbot, page, *spot("submental", right_cm=1.2))
    qtbot.waitUntil(lambda: len(points(window)) == 2)
    consultation = window.session.consultation()
    assert consultation is not None
    assert [len(u.points) for u in consultation.products] == [2]
    assert consultation.format == "mesodesk-consultation/2"
    from pypdf import PdfReader
    import io

    pdf = build_pack(consultation, catalogue, sealed=False)
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(pdf)).pages)
    assert "KYB2210" in text and "Injection map" in text


def test_a_second_product_and_a_point_off_the_map_need_a_volume(window, qtbot):
    """A product without a label volume per injection: the practitioner sets one first."""
    data = load_example()                                     # hyaluronic acid, face and neck
    page = open_map(qtbot, window, data)
    assert page.volume.value() == 0                           # the label gives none
    click_chart(qtbot, page, *spot("face"))
    assert not points(window)
    assert page.status.text() == "Set the volume per point first."
    page.volume.setValue(0.05)
    click_chart(qtbot, page, *spot("face"))
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert points(window)[0]["volume_ml"] == 0.05
    assert page.table.item(0, 1).text() == "Face"


def test_without_a_label_volume_the_recorded_volume_over_the_injections_is_offered(window,
                                                                                     qtbot):
    data = load_example()
    data["products"][0]["injections"] = 40                    # 2 mL over 40 injections
    page = open_map(qtbot, window, data)
    assert page.volume.value() == pytest.approx(0.05)
    assert "0.05 mL per point" in page.defaults_note.text()
    click_chart(qtbot, page, *spot("face"))
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert points(window)[0]["volume_ml"] == 0.05


def test_the_map_is_optional_and_complete_only_with_valid_points(window, qtbot):
    page = open_map(qtbot, window, submental_plan())
    snap = window.session.snapshot()
    assert snap.complete("map")                               # no points is fine
    window.session.data["products"][0]["points"] = [{"view": "elbow", "x": 2, "y": 0,
                                                     "volume_ml": 0.2}]
    window.refresh()
    assert not window.session.snapshot().complete("map")
    window.go("map")
    assert page.table.rowCount() == 1                         # shown, so it can be removed
    page.table.selectRow(0)
    page.remove_point.click()
    qtbot.waitUntil(lambda: not points(window))
    window.refresh()
    assert window.session.snapshot().complete("map")


def test_a_carried_map_is_shown_and_may_be_cleared(window, qtbot):
    """The next session starts from the last map; the practitioner may clear it."""
    from mesodesk.session.carry import carry_last_map

    last = load_example("pack_dca_map.json")                  # 20 points, two charts
    draft = merge(submental_plan(), {"date": "2026-12-23", "products": [
        {"id": "deoxycholic-acid", "lot": "KYB3001", "expiry": "2027-12-31",
         "volume_ml": 4.0}]})
    page = open_map(qtbot, window, carry_last_map(draft, last))
    assert page.table.rowCount() == 20
    assert page.chart.currentData() == last["products"][0]["points"][0]["view"]
    assert len(page._items) == sum(p["view"] == page.chart.currentData()
                                   for p in last["products"][0]["points"])
    assert "20 points, 4 mL of 4 mL recorded" in page.totals.text()
    assert "KYB3001" in page.totals.text()                     # this session's vial
    page.clear_points.setFocus()
    qtbot.keyClick(page.clear_points, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not points(window))
    assert page.table.rowCount() == 0 and not page._items
    assert page.status.text() == "20 points cleared; Ctrl+Z brings them back."
    assert QApplication.focusWidget() is page.table             # still on the page
    undo(qtbot, page.table)
    qtbot.waitUntil(lambda: len(points(window)) == 20)
    assert points(window) == last["products"][0]["points"]
    assert page.table.rowCount() == 20


def test_arrow_keys_move_the_selected_point_on_the_chart(window, qtbot):
    page = open_map(qtbot, window, submental_plan())
    click_chart(qtbot, page, *spot("submental"))
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    before = dict(points(window)[0])
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)   # 1 cm
    qtbot.waitUntil(lambda: points(window)[0]["x"] != before["x"])
    chart = load_chart("face-front")
    moved = points(window)[0]
    assert chart.distance_cm((before["x"], before["y"]), (moved["x"], moved["y"])) == \
        pytest.approx(1.0, abs=0.01)
    qtbot.keyClick(page.view, Qt.Key.Key_Up)                                        # 1 mm
    qtbot.waitUntil(lambda: points(window)[0]["y"] < moved["y"])
    undo(qtbot, page.view)
    undo(qtbot, page.view)
    qtbot.waitUntil(lambda: points(window)[0] == before)


@pytest.mark.parametrize("areas, chart", [(["scalp"], "scalp"), (["face", "neck"], "face-front"),
                                          (["abdomen"], "body-front"), (["back"], "body-back")])
def test_the_chart_offered_first_is_the_one_that_shows_the_plans_areas(window, qtbot, areas,
                                                                       chart):
    page = open_map(qtbot, window, merge(load_example(), {"areas": areas}))
    assert page.chart.currentData() == chart
    assert page.chart.currentText().endswith("suited")
    assert page.area.currentData() == areas[0]               # keyboard points land there


def wheel(page, pos: QPoint, notches: int, modifiers=Qt.KeyboardModifier.ControlModifier) -> None:
    from PySide6.QtGui import QWheelEvent

    viewport = page.view.viewport()
    event = QWheelEvent(QPointF(pos), QPointF(viewport.mapToGlobal(pos)), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_the_chart_zooms_so_close_points_can_be_told_apart(window, qtbot):
    """Ctrl and the wheel zoom about the pointer (the spot under it stays put),
    Ctrl+plus/minus from the keyboard, Ctrl+0 back to the fitted chart; a click
    on the zoomed chart still adds its point where it was clicked."""
    page = open_map(qtbot, window, submental_plan())
    view = page.view
    fitted = view.transform().m11()
    x, y = spot("submental")
    under = on_screen(page, x, y)
    wheel(page, under, 3)
    qtbot.waitUntil(lambda: view.transform().m11() > fitted * 1.9)   # 1.25 ** 3
    assert (on_screen(page, x, y) - under).manhattanLength() <= 2    # it stayed under the pointer

    click_chart(qtbot, page, x + 0.01, y)                            # a point while zoomed
    qtbot.waitUntil(lambda: len(points(window)) == 1)
    assert points(window)[0]["x"] == pytest.approx(x + 0.01, abs=0.002)
    assert points(window)[0]["y"] == pytest.approx(y, abs=0.002)

    view.setFocus()
    zoomed = view.transform().m11()
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.transform().m11() < zoomed)
    qtbot.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.transform().m11() == pytest.approx(fitted))
    wheel(page, under, -2)                                 # not below the fitted chart
    assert view.transform().m11() == pytest.approx(fitted)
    qtbot.keyClick(view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.transform().m11() > fitted)
    wheel(page, under, 1, Qt.KeyboardModifier.NoModifier)  # the wheel alone does not zoom
    assert view.transform().m11() == pytest.approx(fitted * 1.25)
