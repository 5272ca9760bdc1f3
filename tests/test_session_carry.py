"""The next session starts from the last map: the session-level helper the
records view's "Next session" calls (mesodesk.session.carry), on draft dicts."""

from __future__ import annotations

import copy

from mesodesk.domain import from_data
from mesodesk.session import FlowState, Snapshot, DEFAULT_TABLE
from mesodesk.session.carry import carry_last_map, clear_map, has_map
from tests.conftest import merge


def _point(x: float, volume: float = 0.2, **extra) -> dict:
    return {"view": "face-front", "x": x, "y": 0.72, "volume_ml": volume, **extra}


def _dca(**use) -> dict:
    return {"id": "deoxycholic-acid", "lot": "KY1", "expiry": "2027-01-31", "volume_ml": 0.6,
            **use}


def last_session(jane_data) -> dict:
    return merge(jane_data, {"format": "mesodesk-consultation/2",
                             "indication": "submental-fat", "areas": ["submental"],
                             "products": [_dca(points=[_point(0.46), _point(0.5, depth_mm=7.0)]),
                                          _dca(lot="KY2", volume_ml=0.2,
                                               points=[_point(0.54)])]})


def test_a_new_draft_gets_the_last_points_on_its_own_entry(jane_data):
    last = last_session(jane_data)
    draft = {"products": [{"id": "deoxycholic-acid", "lot": "KY9"},   # still being written
                          {"id": "lidocaine", "lot": "L1"}]}
    before = copy.deepcopy(draft)
    out = carry_last_map(draft, from_data(last))
    assert draft == before                                          # the input is unchanged
    dca, lidocaine = out["products"]
    assert [p["x"] for p in dca["points"]] == [0.46, 0.5, 0.54]     # both lots, in order
    assert dca["points"][1]["depth_mm"] == 7.0
    assert "depth_mm" not in dca["points"][0]                       # still the delivery depth
    assert dca["lot"] == "KY9" and "volume_ml" not in dca           # this session's own
    assert "points" not in lidocaine
    assert has_map(out) and not has_map(draft)


def test_the_volume_may_follow_and_a_missing_product_is_added(jane_data):
    last = last_session(jane_data)
    out = carry_last_map({"products": [{"id": "deoxycholic-acid", "lot": "KY9",
                                        "volume_ml": 4.0}]}, last,
                         volume_follows_points=True)
    assert out["products"][0]["volume_ml"] == 0.6
    added = carry_last_map({"products": []}, last)["products"]
    assert len(added) == 1 and added[0]["id"] == "deoxycholic-acid"
    assert added[0]["lot"] == "" and added[0]["volume_ml"] == 0.6 and len(added[0]["points"]) == 3
    assert carry_last_map({"products": []}, last, add_missing=False)["products"] == []


def test_an_entry_that_has_points_keeps_them_and_clearing_drops_every_point(jane_data):
    last = last_session(jane_data)
    own = {"products": [_dca(points=[_point(0.3)]), _dca(lot="KY3")]}
    out = carry_last_map(own, last)
    assert [p["x"] for p in out["products"][0]["points"]] == [0.3]
    assert "points" not in out["products"][1]                      # never mapped twice
    assert not has_map(clear_map(out)) and has_map(out)


def test_a_carried_map_makes_a_complete_consultation_whose_rules_count_the_points(
        jane_data, catalogue):
    """The carried draft is an ordinary draft: the rules see its points."""
    last = last_session(jane_data)
    new = merge(last, {"date": "2026-12-23", "products": [_dca(lot="KY9", volume_ml=0.6)]})
    new["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    carried = carry_last_map(new, last)
    snap = Snapshot(FlowState(carried), catalogue, DEFAULT_TABLE)
    assert snap.complete("map")
    mismatch = [f for f in snap.findings if f.rule == "points-volume-mismatch"]
    assert not mismatch                                             # 3 x 0.2 mL = 0.6 mL
    more = carry_last_map(merge(new, {"products": [_dca(lot="KY9", volume_ml=1.0)]}), last)
    snap = Snapshot(FlowState(more), catalogue, DEFAULT_TABLE)
    assert [f.rule for f in snap.findings if f.rule == "points-volume-mismatch"] == \
        ["points-volume-mismatch"]
