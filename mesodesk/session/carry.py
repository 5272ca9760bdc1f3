"""The next session starts from the last map (optional to keep).

The faces hold a consultation being written as a partial dict (see
:mod:`mesodesk.session.draft`); :func:`carry_last_map` gives such a draft the
injection points of the patient's last signed consultation, through
:func:`mesodesk.domain.injection_map.carry_map` (one rule for which entry
receives which points), and :func:`clear_map` takes every point away again
when the practitioner does not keep them. Both return a new dict; the input
is left as it was. No Qt.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Mapping

from mesodesk.domain import Consultation, InjectionPoint, ProductUse, from_data
from mesodesk.domain.injection_map import carry_map
from mesodesk.domain.schema import unbuild
from mesodesk.session.draft import Data

# carry_map reads only an entry's id and points (and, when the volume follows
# the points, writes volume_ml): the rest of a draft entry may still be blank,
# so it is given these stand-ins, which are never written back.
_STAND_IN_EXPIRY = dt.date(2000, 1, 1)
_ANY_POINT = (InjectionPoint(view="face-front", x=0.5, y=0.5, volume_ml=1.0),)


def _stand_in(product_id: str, points: tuple[InjectionPoint, ...] = ()) -> ProductUse:
    return ProductUse(id=product_id, expiry=_STAND_IN_EXPIRY, volume_ml=1.0, points=points)


def _last(last: Consultation | Mapping[str, Any]) -> Consultation:
    return last if isinstance(last, Consultation) else from_data(dict(last))


def carry_last_map(data: Data, last: Consultation | Mapping[str, Any], *,
                   add_missing: bool = True, volume_follows_points: bool = False) -> Data:
    """``data`` (the new session's draft) with the points of ``last`` (the
    patient's last *signed* consultation, as a :class:`Consultation` or its
    file data).

    Each product id's points go to the first entry of that id in the draft
    that has none of its own (lot, expiry and volume stay the draft's). With
    ``add_missing``, a product the last session mapped and the draft does not
    list yet is added as a new entry with its points, its volume the points'
    total and its lot and expiry left blank for this session's vial (the
    formulation step then asks for them). With ``volume_follows_points`` a
    carried entry's volume becomes its points' total.
    """
    previous = _last(last)
    out = copy.deepcopy(dict(data))
    products = out.get("products")
    if not isinstance(products, list):
        products = out["products"] = []
    entries = [e for e in products if isinstance(e, dict) and isinstance(e.get("id"), str)]
    # an entry with points of its own (even unreadable ones) keeps them: carry_map
    # leaves an entry that has points alone, so such an entry gets a stand-in point
    stand_ins = tuple(_stand_in(e["id"], _ANY_POINT if e.get("points") else ())
                      for e in entries)
    carried = carry_map(previous, stand_ins, volume_follows_points=volume_follows_points)
    for entry, before, after in zip(entries, stand_ins, carried):
        if after is before:
            continue
        entry["points"] = [unbuild(p) for p in after.points]
        if volume_follows_points:
            entry["volume_ml"] = after.volume_ml
    if add_missing:
        listed = {e["id"] for e in entries}
        missing = tuple(dict.fromkeys(use.id for use in previous.products
                                      if use.points and use.id not in listed))
        for use in carry_map(previous, tuple(_stand_in(i) for i in missing),
                             volume_follows_points=True):
            products.append({"id": use.id, "lot": "", "volume_ml": use.volume_ml,
                             "points": [unbuild(p) for p in use.points]})
    return out


def clear_map(data: Data) -> Data:
    """``data`` without any injection point (the practitioner starts a fresh map)."""
    out = copy.deepcopy(dict(data))
    for entry in out.get("products") or []:
        if isinstance(entry, dict):
            entry.pop("points", None)
    return out


def has_map(data: Data) -> bool:
    """Whether any product entry of the draft has points."""
    return any(isinstance(e, dict) and e.get("points") for e in data.get("products") or [])


__all__ = ["carry_last_map", "clear_map", "has_map"]
