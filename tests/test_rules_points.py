"""Rules on the injection map: counts, totals, spacing and areas, each on both
sides of its threshold; the label caps count the points."""

from __future__ import annotations

import dataclasses
import math

import pytest

from mesodesk.catalogue.charts import load_chart
from mesodesk.rules import evaluate
from mesodesk.rules.points import map_points, ranges
from tests.consent_support import AGE_CHECK
from tests.conftest import merge

DCA_PLAN = {
    "indication": "submental-fat",
    "areas": ["submental"],
    "delivery": {"technique": "subcutaneous", "device": "syringe", "needle_gauge": 30,
                 "needle_length_mm": 13, "depth_mm": 6.0},
    "products": [{"id": "deoxycholic-acid", "lot": "KY123", "expiry": "2027-01-31",
                  "volume_ml": 4.0}],
    "plan": {"sessions": 2, "interval_weeks": 4, "notes": ""},
}
POINT_RULES = {"point-outside-plan-areas", "points-volume-mismatch", "points-too-close",
               "label-max-injections", "label-max-volume", "injection-count-missing"}


@pytest.fixture
def run(make_consultation, catalogue):
    answers = {"format": "mesodesk-consultation/2",     # points are a /2 key
               "patient": {"age_check": AGE_CHECK},      # age checked: no consent finding
               "screening": {"answers": {q: "no" for q in catalogue.screening}}}

    def _run(plan: dict, cat=None):
        consultation = make_consultation(merge(answers, plan))
        return evaluate(consultation, cat or catalogue)

    return _run


def rules(findings) -> set[str]:
    return {f.rule for f in findings}


def only(findings, rule):
    found = [f for f in findings if f.rule == rule]
    assert len(found) == 1, found
    return found[0]


def grid(view: str, area: str, spacing_cm: float, count: int) -> list[tuple[float, float]]:
    """``count`` positions on ``area`` of a chart, ``spacing_cm`` apart on a square grid."""
    chart = load_chart(view)
    dx = spacing_cm / (chart.width * chart.cm_per_unit)
    dy = spacing_cm / (chart.height * chart.cm_per_unit)
    out = []
    for j in range(int(1 / dy)):
        for i in range(int(1 / dx)):
            x, y = 0.013 + i * dx, 0.011 + j * dy
            if chart.area_at(x, y) == area:
                out.append((x, y))
    assert len(out) >= count, f"only {len(out)} grid positions on {area}"
    return out[:count]


def points(positions, view="face-left", volume=0.2, **extra) -> list[dict]:
    return [{"view": view, "x": x, "y": y, "volume_ml": volume, **extra} for x, y in positions]


def dca(pts: list[dict], **use) -> dict:
    return {**DCA_PLAN, "products": [{**DCA_PLAN["products"][0], "points": pts, **use}]}


# --- the clean plan ----------------------------------------------------------------------


def test_points_a_centimetre_apart_under_the_chin_raise_nothing(run):
    pts = (points(grid("face-left", "submental", 1.0, 10))
           + points(grid("face-right", "submental", 1.0, 10), view="face-right"))
    assert run(dca(pts)) == []     # 20 x 0.2 mL = the recorded 4 mL


# --- the injection count comes from the points --------------------------------------------


def abdomen(pts: list[dict], **use) -> dict:
    """Deoxycholic acid on the abdomen (off-label, but room for 50 points 1 cm apart)."""
    return {**dca(pts, **use), "areas": ["abdomen"]}


@pytest.mark.parametrize("count, blocked", [(50, False), (51, True)])
def test_fifty_injection_cap_counts_the_points(run, count, blocked):
    pts = points(grid("body-front", "abdomen", 1.0, count), view="body-front")
    # volume_ml agrees with the points, so only the cap can speak; the recorded
    # injections (10) is ignored once there are points
    volume = round(0.2 * count, 3)
    findings = run(abdomen(pts, volume_ml=volume, injections=10))
    assert not rules(findings) & {"points-too-close", "point-outside-plan-areas",
                                  "points-volume-mismatch"}
    assert ("label-max-injections" in rules(findings)) is blocked
    if blocked:
        f = only(findings, "label-max-injections")
        assert f.severity == "block" and f"{count} injections" in f.message


def test_points_are_the_count_so_none_is_missing(run, catalogue):
    """With volume_per_injection_ml unknown and no recorded count, the points count."""
    p = catalogue.products["deoxycholic-acid"]
    products = {**catalogue.products,
                "deoxycholic-acid": dataclasses.replace(p, volume_per_injection_ml=None)}
    cat = dataclasses.replace(catalogue, products=products)
    pts = points(grid("face-left", "submental", 1.0, 4))
    assert "injection-count-missing" not in rules(run(dca(pts, volume_ml=0.8), cat=cat))
    assert "injection-count-missing" in rules(run(dca([], volume_ml=0.8), cat=cat))


@pytest.mark.parametrize("per_point, blocked", [(0.2, False), (0.21, True)])
def test_ten_millilitre_cap_counts_the_points_volume(run, per_point, blocked):
    """50 points of 0.2 mL are the label's 10 mL; 0.21 mL each is 10.5 mL, even
    when volume_ml still says 10 (the mismatch is reported too)."""
    pts = points(grid("body-front", "abdomen", 1.0, 50), view="body-front", volume=per_point)
    findings = run(abdomen(pts, volume_ml=10.0))
    assert "label-max-injections" not in rules(findings)
    assert ("label-max-volume" in rules(findings)) is blocked
    assert ("points-volume-mismatch" in rules(findings)) is blocked
    if blocked:
        assert "10.5 mL" in only(findings, "label-max-volume").message


# --- points of one product add up to its volume ------------------------------------------


@pytest.mark.parametrize("volume_ml, warned", [
    (2.0, False),      # 10 x 0.2 mL
    (2.005, False),    # within the tolerance (half of 0.01 mL)
    (2.01, True),
    (1.9, True),
])
def test_points_adding_up_to_another_volume_warn(run, volume_ml, warned):
    pts = points(grid("face-left", "submental", 1.0, 10))
    findings = run(dca(pts, volume_ml=volume_ml))
    assert ("points-volume-mismatch" in rules(findings)) is warned
    if warned:
        f = only(findings, "points-volume-mismatch")
        assert f.severity == "warn" and f.path == "products[0].volume_ml"
        assert "10 points on the map add up to 2 mL" in f.message
        assert f"{volume_ml:g} mL" in f.message and "KY123" in f.message


def test_each_lot_is_compared_with_its_own_points(run):
    pos = grid("face-left", "submental", 1.0, 6)
    lots = [{**DCA_PLAN["products"][0], "lot": "A1", "volume_ml": 0.6, "points": points(pos[:3])},
            {**DCA_PLAN["products"][0], "lot": "B2", "volume_ml": 0.4, "points": points(pos[3:])}]
    f = only(run({**DCA_PLAN, "products": lots}), "points-volume-mismatch")
    assert "B2" in f.message and f.path == "products[1].volume_ml"


# --- spacing -----------------------------------------------------------------------------


def _pair(view: str, distance_cm: float) -> list[tuple[float, float]]:
    chart = load_chart(view)
    x0, y0 = grid(view, "submental", 1.0, 1)[0]
    dx = distance_cm / (chart.width * chart.cm_per_unit)
    return [(x0, y0), (x0 + dx, y0)]


@pytest.mark.parametrize("distance, warned", [
    (1.0, False), (0.96, False),   # the label's 1 cm, and within the 0.05 cm tolerance
    (0.94, True), (0.5, True),
])
def test_points_closer_than_the_label_spacing_warn(run, distance, warned):
    pts = points(_pair("face-left", distance))
    findings = run(dca(pts, volume_ml=0.4))
    assert ("points-too-close" in rules(findings)) is warned
    if warned:
        f = only(findings, "points-too-close")
        assert f.severity == "warn" and "points 1 and 2" in f.message
        assert f"about {round(distance, 1):g} cm apart" in f.message
        assert "1 cm" in f.message and "R17" in f.source


def test_spacing_is_per_chart_and_per_product(run):
    """The same position on two charts, or two products at one spot, are not 'too close'."""
    (x, y), _ = _pair("face-left", 1.0)
    pts = points([(x, y)]) + points([(1 - x, y)], view="face-right")
    assert "points-too-close" not in rules(run(dca(pts, volume_ml=0.4)))
    plan = {"indication": "skin-rejuvenation", "areas": ["face"],
            "products": [{"id": "hyaluronic-acid-non-crosslinked", "lot": "H1",
                          "expiry": "2027-06-30", "volume_ml": 0.2,
                          "points": points([(0.4, 0.4), (0.401, 0.4)], view="face-front",
                                           volume=0.1)}]}
    # no spacing on the label of this product: tightly placed points are fine
    assert "points-too-close" not in rules(run(plan))


def test_a_dense_cluster_is_one_finding_naming_its_points(run):
    chart = load_chart("face-left")
    x0, y0 = grid("face-left", "submental", 1.0, 1)[0]
    step = 0.3 / (chart.width * chart.cm_per_unit)
    pts = points([(x0 + i * step, y0) for i in range(4)])
    f = only(run(dca(pts, volume_ml=0.8)), "points-too-close")
    assert "4 points" in f.message and "1–4" in f.message


# --- areas -------------------------------------------------------------------------------


def test_points_on_the_plan_areas_do_not_warn_and_others_do(run):
    inside = grid("face-left", "submental", 1.0, 2)
    neck = grid("face-left", "neck", 1.0, 2)
    pts = points(inside) + points(neck)
    f = only(run(dca(pts, volume_ml=0.8)), "point-outside-plan-areas")
    assert f.severity == "warn" and f.path == "products[0].points[2]"
    assert "2 injection points (3, 4)" in f.message and "Neck" in f.message
    # add the neck to the plan and the warning goes
    findings = run({**dca(pts, volume_ml=0.8), "areas": ["submental", "neck"]})
    assert "point-outside-plan-areas" not in rules(findings)


def test_a_point_off_every_area_warns(run):
    pts = points(grid("face-left", "submental", 1.0, 1)) + points([(0.05, 0.5)])
    f = only(run(dca(pts, volume_ml=0.4)), "point-outside-plan-areas")
    assert "1 injection point (2)" in f.message and "off the marked areas" in f.message


# --- numbering, depth and helpers ---------------------------------------------------------


def test_points_are_numbered_across_products_with_their_depth_and_area(make_consultation):
    c = make_consultation({
        "format": "mesodesk-consultation/2", "delivery": {"depth_mm": 2.0},
        "products": [
            {"id": "hyaluronic-acid-non-crosslinked", "lot": "H1", "expiry": "2027-06-30",
             "volume_ml": 0.2, "points": points([(0.4, 0.5), (0.6, 0.5)], "face-front", 0.1)},
            {"id": "lidocaine", "lot": "L1", "expiry": "2027-06-30", "volume_ml": 0.1,
             "points": points([(0.5, 0.77)], "face-front", 0.1, depth_mm=1.0)}]})
    mp = map_points(c)
    assert [p.number for p in mp] == [1, 2, 3]
    assert [p.path for p in mp] == ["products[0].points[0]", "products[0].points[1]",
                                    "products[1].points[0]"]
    assert [p.depth_mm for p in mp] == [2.0, 2.0, 1.0]
    assert [p.area for p in mp] == ["face", "face", "neck"]


def test_point_numbers_are_listed_as_ranges():
    assert ranges([9, 1, 3, 4, 5, 7, 8, 8]) == "1, 3–5, 7–9"
    assert ranges([1, 2]) == "1, 2"
    assert ranges([4]) == "4"


def test_two_hundred_points_are_checked_quickly(run):
    import time

    pts = (points(grid("body-front", "abdomen", 1.0, 120), view="body-front", volume=0.05)
           + points(grid("body-front", "thighs", 1.0, 80), view="body-front", volume=0.05))
    plan = {"indication": "localized-fat", "areas": ["abdomen", "thighs"],
            "delivery": {"technique": "subcutaneous", "device": "syringe", "needle_gauge": 30,
                         "needle_length_mm": 13, "depth_mm": 6.0},
            "products": [{"id": "deoxycholic-acid", "lot": "K", "expiry": "2027-06-30",
                          "volume_ml": 10.0, "points": pts}]}
    run(plan)  # warm the chart cache
    start = time.perf_counter()
    findings = run(plan)
    elapsed = time.perf_counter() - start
    assert "label-max-injections" in rules(findings)        # 200 > 50
    assert "points-too-close" not in rules(findings)         # 1 cm grid
    assert elapsed < 0.5, elapsed                            # typically ~20 ms
    assert math.isclose(sum(p["volume_ml"] for p in pts), 10.0)


# --- a point's own depth -----------------------------------------------------------------


@pytest.mark.parametrize("depth, expected", [
    (6.0, set()),
    (4.0, set()),                                          # the subcutaneous minimum itself
    # deoxycholic acid in the dermis: too shallow for it, and for the technique
    (3.9, {"too-shallow-for-subcutaneous-product", "depth-outside-technique"}),
    (13.0, set()),                                         # the needle's length
    (13.5, {"needle-too-short", "depth-outside-technique"}),
])
def test_a_points_own_depth_is_checked_like_the_delivery_depth(run, depth, expected):
    pts = points(grid("face-left", "submental", 1.0, 2))
    pts[1]["depth_mm"] = depth
    findings = run(dca(pts, volume_ml=0.4))
    depth_rules = {"too-shallow-for-subcutaneous-product", "depth-outside-technique",
                   "needle-too-short"}
    assert rules(findings) & depth_rules == expected
    for rule in expected:
        f = only(findings, rule)
        assert f.path == "products[0].points[1].depth_mm"
        assert f"{depth:g} mm" in f.message



def test_a_too_close_finding_names_the_path_of_every_point_involved(run):
    """Three points in a row 0.5 cm apart: one finding, with every crowded point's
    path, so a face can mark them all (not only the pair its message names)."""
    chart = load_chart("face-left")
    x0, y0 = grid("face-left", "submental", 1.0, 1)[0]
    step = 0.5 / (chart.width * chart.cm_per_unit)
    pts = points([(x0 + i * step, y0) for i in range(3)])
    f = only(run(dca(pts, volume_ml=0.6)), "points-too-close")
    assert f.paths == ("products[0].points[0]", "products[0].points[1]",
                       "products[0].points[2]")
    assert "paths" not in f.to_json()     # the JSON of a finding is unchanged
