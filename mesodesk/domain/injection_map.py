"""The next session starts from the last map: pure functions on products.

A course of treatments is recorded point by point when each session can
start from the points of the last signed one. The window offers it (the
practitioner keeps or clears the carried points); these functions only build
the records:

- :func:`carry_map` gives the new session's product entries the points the
  last consultation recorded for the same product;
- :func:`volume_from_points` makes an entry's ``volume_ml`` follow its points
  (the practitioner's choice when the two differ).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

from mesodesk.domain.model import Consultation, ProductUse


def carry_map(last: Consultation, products: Sequence[ProductUse], *,
              volume_follows_points: bool = False) -> tuple[ProductUse, ...]:
    """``products`` (the next session's entries) with ``last``'s points.

    For each product id, the points of all of ``last``'s entries of that id,
    in file order, go to the first entry of that id in ``products``; lots and
    expiry stay the new session's. Products the last session did not map,
    and products that already have points in ``products``, are left as they
    are. With ``volume_follows_points`` a carried entry's
    ``volume_ml`` becomes its points' total. ``last`` should be the last
    *signed* consultation of the patient; choosing it is the caller's job.
    """
    previous: dict[str, list] = {}
    for use in last.products:
        if use.points:
            previous.setdefault(use.id, []).extend(use.points)
    out: list[ProductUse] = []
    given: set[str] = {use.id for use in products if use.points}   # mapped already
    for use in products:
        points = previous.get(use.id)
        if points and use.id not in given:
            given.add(use.id)
            use = dataclasses.replace(use, points=tuple(points))
            if volume_follows_points:
                use = volume_from_points(use)
        out.append(use)
    return tuple(out)


def volume_from_points(use: ProductUse) -> ProductUse:
    """The entry with ``volume_ml`` equal to its points' total (rounded to
    0.001 mL); unchanged when it has no points."""
    if not use.points:
        return use
    total = round(math.fsum(p.volume_ml for p in use.points), 3)
    return dataclasses.replace(use, volume_ml=total)
