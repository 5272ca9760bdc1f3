"""The next session starts from the last map (optional to keep)."""

from __future__ import annotations

import dataclasses

from mesodesk.domain import from_data
from mesodesk.domain.injection_map import carry_map, volume_from_points
from mesodesk.rules import evaluate
from tests.conftest import merge


def _point(x: float, y: float = 0.7, volume: float = 0.2, **extra) -> dict:
    return {"view": "face-left", "x": x, "y": y, "volume_ml": volume, **extra}


def _dca(**use) -> dict:
    return {"id": "deoxycholic-acid", "lot": "KY1", "expiry": "2027-01-31", "volume_ml": 0.4,
            **use}


def test_the_next_session_gets_the_last_sessions_points(jane_data):
    last = from_data(merge(jane_data, {"format": "mesodesk-consultation/2", "products": [
        _dca(points=[_point(0.40), _point(0.44, depth_mm=7.0)]),
        _dca(lot="KY2", volume_ml=0.2, points=[_point(0.48)]),
        {"id": "lidocaine", "lot": "L1", "expiry": "2027-01-31", "volume_ml": 0.1}]}))
    new = from_data(merge(jane_data, {"format": "mesodesk-consultation/2", "products": [
        _dca(lot="KY9", expiry="2027-08-31", volume_ml=1.0),
        {"id": "hyaluronic-acid-non-crosslinked", "lot": "H", "expiry": "2027-01-31",
         "volume_ml": 1.0}]}))
    carried = carry_map(last, new.products)
    dca, ha = carried
    # every deoxycholic acid point of the last session (both lots), in order, depth kept
    assert [p.x for p in dca.points] == [0.40, 0.44, 0.48]
    assert dca.points[1].depth_mm == 7.0
    # the new session's lot, expiry and volume stay its own
    assert (dca.lot, dca.expiry.isoformat(), dca.volume_ml) == ("KY9", "2027-08-31", 1.0)
    assert ha == new.products[1]                      # not mapped last time: untouched
    assert new.products[0].points == ()               # the input is not changed


def test_volume_can_follow_the_points(jane_data):
    last = from_data(merge(jane_data, {"format": "mesodesk-consultation/2", "products": [_dca(points=[_point(0.4), _point(0.44)])]}))
    (dca,) = carry_map(last, (dataclasses.replace(last.products[0], points=(), volume_ml=3.0),),
                       volume_follows_points=True)
    assert dca.volume_ml == 0.4 and len(dca.points) == 2
    assert volume_from_points(dataclasses.replace(dca, volume_ml=9.0)).volume_ml == 0.4
    no_points = dataclasses.replace(dca, points=(), volume_ml=9.0)
    assert volume_from_points(no_points) is no_points


def test_entries_with_their_own_points_and_later_lots_are_left_alone(jane_data):
    last = from_data(merge(jane_data, {"format": "mesodesk-consultation/2", "products": [_dca(points=[_point(0.4)])]}))
    own = from_data(merge(jane_data, {"format": "mesodesk-consultation/2", "products": [_dca(points=[_point(0.5)]),
                                                   _dca(lot="KY2")]})).products
    first, second = carry_map(last, own)
    assert [p.x for p in first.points] == [0.5]
    assert second.points == ()   # the map went to one entry only, never twice


def test_a_carried_map_is_checked_like_any_other(jane_data, catalogue):
    """The rules see carried points: a volume that no longer matches warns."""
    last = from_data(merge(jane_data, {"format": "mesodesk-consultation/2", "indication": "submental-fat", "areas": ["submental"],
                                       "products": [_dca(points=[_point(0.4), _point(0.47)])]}))
    new = dataclasses.replace(last.products[0], points=(), volume_ml=2.0)
    c = last.replace(products=carry_map(last, (new,)))
    assert "points-volume-mismatch" in {f.rule for f in evaluate(c, catalogue)}
    c = last.replace(products=carry_map(last, (new,), volume_follows_points=True))
    assert "points-volume-mismatch" not in {f.rule for f in evaluate(c, catalogue)}
