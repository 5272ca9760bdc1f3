"""The injection-map charts: shipped SVG outlines with the catalogue's areas as regions."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest

from mesodesk.catalogue import default_catalogue
from mesodesk.catalogue.charts import (VIEWS, ChartError, area_at, load_chart, load_charts,
                                       parse_chart, parse_path, point_in_polygon, read_chart)

ROOT = Path(__file__).resolve().parent.parent
SVG = 'xmlns="http://www.w3.org/2000/svg"'

# Areas a practitioner must be able to place points on (design.md's minimum ids
# and the rest of today's areas.toml).
MAPPED_AREAS = {"face", "neck", "decollete", "scalp", "submental", "abdomen", "flanks",
                "thighs", "buttocks", "upper-arms", "back", "knee", "shoulder", "lower-back",
                "neck-muscles", "hands"}


def test_every_view_of_the_file_format_has_a_chart():
    charts = load_charts()
    assert tuple(charts) == VIEWS == ("face-front", "face-left", "face-right", "scalp",
                                      "body-front", "body-back")
    for view, chart in charts.items():
        assert chart.view == view and chart.title
        assert any(s.kind == "outline" for s in chart.shapes)


def test_every_region_names_a_catalogue_area_and_every_area_has_a_place():
    catalogue = default_catalogue()
    on_charts = set()
    for chart in load_charts().values():
        for region in chart.regions:
            assert region.area in catalogue.areas, (chart.view, region.id)
            assert region.id.startswith(f"area-{region.area}")
            on_charts.add(region.area)
    assert MAPPED_AREAS <= set(catalogue.areas)
    assert on_charts == MAPPED_AREAS


def test_scale_gives_adult_sizes_and_says_how_it_was_estimated():
    charts = load_charts()
    body = charts["body-front"]
    # the figure fills most of the drawing's height: roughly an adult's stature
    assert 150 <= body.height * body.cm_per_unit <= 200
    assert charts["body-back"].cm_per_unit == body.cm_per_unit
    face = charts["face-front"]
    # a face chart is the head and neck: much less than half a metre tall
    assert 25 <= face.height * face.cm_per_unit <= 50
    for chart in charts.values():
        assert "approximation" in chart.scale_note and "cm" in chart.scale_note
    # 1 cm apart on the face is 1 cm by the chart's own measure
    step = 1 / (face.width * face.cm_per_unit)
    assert face.distance_cm((0.5, 0.4), (0.5 + step, 0.4)) == pytest.approx(1.0)


@pytest.mark.parametrize("view, x, y, area", [
    ("face-front", 0.50, 0.38, "face"),        # between the eyes
    ("face-front", 0.38, 0.52, "face"),        # cheek
    ("face-front", 0.50, 0.10, "scalp"),       # above the hairline
    ("face-front", 0.50, 0.72, "submental"),   # just under the chin
    ("face-front", 0.40, 0.77, "neck"),
    ("face-front", 0.50, 0.92, "decollete"),
    ("face-front", 0.05, 0.97, "shoulder"),
    ("face-front", 0.03, 0.10, None),          # beside the head
    ("face-left", 0.35, 0.45, "face"),
    ("face-left", 0.70, 0.20, "scalp"),
    ("face-left", 0.40, 0.71, "submental"),
    ("face-left", 0.60, 0.70, "neck"),
    ("face-left", 0.10, 0.50, None),           # in front of the nose
    ("scalp", 0.50, 0.55, "scalp"),
    ("scalp", 0.50, 0.29, "face"),            # the forehead seen from above
    ("scalp", 0.10, 0.50, None),
    ("body-front", 0.50, 0.38, "abdomen"),
    ("body-front", 0.37, 0.40, "flanks"),
    ("body-front", 0.40, 0.60, "thighs"),
    ("body-front", 0.40, 0.71, "knee"),
    ("body-front", 0.26, 0.32, "upper-arms"),
    ("body-front", 0.50, 0.22, "decollete"),
    ("body-front", 0.40, 0.85, None),          # shin: no area
    ("body-back", 0.50, 0.27, "back"),
    ("body-back", 0.50, 0.41, "lower-back"),
    ("body-back", 0.40, 0.52, "buttocks"),
    ("body-back", 0.16, 0.54, "hands"),
    ("body-back", 0.50, 0.17, "neck-muscles"),
    ("body-back", 0.05, 0.50, None),
])
def test_a_point_knows_its_area(view, x, y, area):
    assert area_at(view, x, y) == area


def test_left_and_right_are_told_apart_on_the_body():
    front, back = load_chart("body-front"), load_chart("body-back")
    # facing the patient, their right thigh is on the viewer's left
    assert front.region_at(0.4, 0.6).id == "area-thighs-right"
    assert front.region_at(0.6, 0.6).id == "area-thighs-left"
    # from behind, it is the other way round
    assert back.region_at(0.4, 0.6).id == "area-thighs-left"
    assert back.region_at(0.6, 0.6).id == "area-thighs-right"


def test_right_profile_is_the_left_profile_mirrored():
    left, right = load_chart("face-left"), load_chart("face-right")
    grid = [(i + 0.37) / 40 for i in range(40)]  # off the drawn edges
    differ = [(x, y) for x, y in itertools.product(grid, grid)
              if left.area_at(x, y) != right.area_at(1 - x, y)]
    assert len(differ) <= 3, differ   # only points on a region's edge may differ


def test_point_in_polygon_handles_concave_shapes():
    square = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert point_in_polygon(5, 5, square)
    assert not point_in_polygon(10.5, 5, square)
    assert not point_in_polygon(-0.1, 5, square)
    u_shape = [(0, 0), (3, 0), (3, 8), (7, 8), (7, 0), (10, 0), (10, 10), (0, 10)]
    assert point_in_polygon(1, 5, u_shape)
    assert not point_in_polygon(5, 4, u_shape)     # in the notch
    assert point_in_polygon(5, 9, u_shape)


def test_paths_of_straight_lines_are_read():
    assert parse_path("M0 0 L10 0 L10 10 Z", "t") == [(((0, 0), (10, 0), (10, 10)), True)]
    assert parse_path("m1,1 h4 v4 h-4 z M20 20 30 30", "t") == [
        (((1, 1), (5, 1), (5, 5), (1, 5)), True), (((20, 20), (30, 30)), False)]
    with pytest.raises(ChartError, match="not supported"):
        parse_path("M0 0 C1 1 2 2 3 3", "t")
    with pytest.raises(ChartError, match="start with M"):
        parse_path("10 10", "t")


def _svg(body: str, view: str = "face-front", extra: str = "") -> str:
    return (f'<svg {SVG} viewBox="0 0 100 100" data-view="{view}" data-cm-per-unit="0.2"'
            f'{extra}><title>T</title><desc>approximation</desc>'
            f'<polygon class="outline" points="0,0 100,0 100,100"/>{body}</svg>')


def test_a_minimal_chart_parses_with_a_path_region():
    chart = parse_chart(_svg('<path id="area-face" data-area="face" d="M10 10 H90 V90 H10 Z"/>'),
                        "face-front")
    assert chart.area_at(0.5, 0.5) == "face"
    assert chart.area_at(0.05, 0.5) is None
    assert chart.cm_per_unit == 0.2 and chart.width == 100


@pytest.mark.parametrize("text, problem", [
    ("<svg", "not well-formed"),
    (_svg('<polygon id="area-face" data-area="face" points="0,0 9,0 9,9"/>', "scalp"),
     "data-view"),
    (_svg('<circle id="area-face" data-area="face" r="4"/>'), "<circle> is not supported"),
    (_svg('<polyline id="area-face" data-area="face" points="0,0 9,0 9,9"/>'),
     "closed shape"),
    (_svg('<polygon data-area="face" points="0,0 9,0 9,9"/>'), "needs an id"),
    (_svg('<polygon id="area-x" data-area="Face" points="0,0 9,0 9,9"/>'), "not a catalogue id"),
    (_svg('<polygon id="a" data-area="face" points="0,0 9,0 9"/>'), "x,y pairs"),
    (_svg('<polygon id="a" data-area="face" points="0,0 9,zero 9,9"/>'), "not numbers"),
    (_svg(''), "no regions"),
    (_svg('<polygon id="a" data-area="face" points="0,0 9,0 9,9"/>'
          '<polygon id="a" data-area="face" points="0,0 9,0 9,9"/>'), "used twice"),
    (_svg('<polygon id="a" data-area="face" points="0,0 9,0 9,9"/>').replace(
        'data-cm-per-unit="0.2"', 'data-cm-per-unit="-1"'), "positive"),
    (_svg('<polygon id="a" data-area="face" points="0,0 9,0 9,9"/>').replace(
        'viewBox="0 0 100 100"', 'viewBox="0 0 100"'), "viewBox"),
])
def test_a_chart_outside_the_subset_is_refused_in_one_line(text, problem):
    with pytest.raises(ChartError, match=problem) as info:
        parse_chart(text, "face-front")
    assert "\n" not in str(info.value) and str(info.value).startswith("face-front.svg")


def test_unknown_view_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(ChartError, match="unknown chart view 'leg'"):
        read_chart("leg")
    with pytest.raises(ChartError, match="scalp.svg: cannot be read"):
        read_chart("scalp", tmp_path)


def test_shipped_charts_are_what_the_drawing_script_draws():
    """The SVG files are generated; a hand edit that the script would undo fails here."""
    pytest.importorskip("PySide6")
    spec = importlib.util.spec_from_file_location("draw_charts",
                                                  ROOT / "scripts" / "draw_charts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for view, make in module.CHARTS.items():
        assert make().svg() == (ROOT / "resources" / "charts" / f"{view}.svg").read_text(
            encoding="utf-8"), view
