"""Rules on the injection map (``products[].points``, format ``/2``).

Points are numbered across the consultation in file order (the first product's
points first), the numbers the pack prints on the map, so a finding's
"points 3, 7–9" can be found on the page. Each point knows its catalogue area
from the chart it was placed on (:mod:`mesodesk.catalogue.charts`).

- ``point-outside-plan-areas``: a point lies on an area the plan does not
  name, or on no area of the chart at all;
- ``points-volume-mismatch``: a product entry's points add up to a volume
  other than its ``volume_ml`` (beyond ``tolerance_ml``);
- ``points-too-close``: two points of one product on one chart are closer than
  the product's label spacing (``min_spacing_cm``, less ``tolerance_cm``);
  distances use each chart's approximate scale;
- a point with its own ``depth_mm`` gets the checks the delivery depth gets
  (``needle-too-short``, ``depth-outside-technique``,
  ``too-shallow-for-subcutaneous-product``), worded the same.

The injection count and the session volume that the label caps in
:mod:`mesodesk.rules.checks` check come from :func:`injection_count` and
:func:`session_volume`: the points where there are any.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from mesodesk.catalogue.charts import Chart, ChartError, load_chart
from mesodesk.domain.model import Consultation, ProductUse
from mesodesk.rules.context import EPSILON, Context, Hit, names, number

log = logging.getLogger(__name__)

RULE_IDS = ("point-outside-plan-areas", "points-volume-mismatch", "points-too-close",
            # a point's own depth, checked as the delivery depth is in checks.py
            "needle-too-short", "depth-outside-technique",
            "too-shallow-for-subcutaneous-product")


@dataclass(frozen=True)
class MapPoint:
    """One injection point with its number on the map and its area."""

    number: int                 # 1, 2, ... across the consultation
    product_index: int          # consultation.products[product_index]
    point_index: int            # ...points[point_index]
    product_id: str
    view: str
    x: float
    y: float
    volume_ml: float
    depth_mm: float             # the point's own depth, else the delivery depth
    area: str | None            # the catalogue area under the point; None off every area

    @property
    def path(self) -> str:
        return f"products[{self.product_index}].points[{self.point_index}]"


def chart_for(view: str) -> Chart | None:
    """The shipped chart, or None (logged) if it cannot be read: the rules keep
    working, and points on it count as off every area."""
    try:
        return load_chart(view)
    except ChartError as exc:
        log.error("injection map: %s", exc)
        return None


# The last consultation's points: the rules and both parts of the pack ask for
# the same consultation's points in one build (records are immutable).
_LAST: tuple[Consultation | None, tuple[MapPoint, ...]] = (None, ())


def map_points(consultation: Consultation) -> tuple[MapPoint, ...]:
    """Every point of the consultation, numbered from 1 in file order."""
    global _LAST
    last, points = _LAST
    if last is consultation:
        return points
    points = _map_points(consultation)
    _LAST = (consultation, points)
    return points


def _map_points(consultation: Consultation) -> tuple[MapPoint, ...]:
    out: list[MapPoint] = []
    depth = consultation.delivery.depth_mm
    for i, use in enumerate(consultation.products):
        for j, p in enumerate(use.points):
            chart = chart_for(p.view)
            out.append(MapPoint(
                number=len(out) + 1, product_index=i, point_index=j, product_id=use.id,
                view=p.view, x=p.x, y=p.y, volume_ml=p.volume_ml,
                depth_mm=p.depth_mm if p.depth_mm is not None else depth,
                area=chart.area_at(p.x, p.y) if chart is not None else None))
    return tuple(out)


def injection_count(use: ProductUse) -> int | None:
    """Injections of one product entry: its points where there are any, else the
    recorded count (None when neither is recorded)."""
    return len(use.points) if use.points else use.injections


def points_volume(use: ProductUse) -> float:
    return math.fsum(p.volume_ml for p in use.points)


def session_volume(use: ProductUse) -> float:
    """The volume a label cap is checked against: the recorded volume, or the
    points' total when that is larger (a mismatch is reported on its own)."""
    return max(use.volume_ml, points_volume(use)) if use.points else use.volume_ml


def ranges(numbers: Iterable[int]) -> str:
    """"1, 3–5, 9": point numbers as a person lists them."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}"
                     for a, b in runs)


def outside_areas(ctx: Context, points: Sequence[MapPoint]) -> Iterator[Hit]:
    """One hit per product entry with points outside the plan's areas."""
    planned = set(ctx.consultation.areas)
    plan_names = names(list(ctx.consultation.areas), ctx.catalogue.areas)
    for chosen in ctx.chosen:
        outside = [p for p in points
                   if p.product_index == chosen.index and p.area not in planned]
        if not outside:
            continue
        where = [ctx.catalogue.areas[a].name if a in ctx.catalogue.areas else a
                 for a in dict.fromkeys(p.area for p in outside if p.area)]
        if any(p.area is None for p in outside):
            where.append("off the marked areas of the chart")
        yield Hit("point-outside-plan-areas", outside[0].path,
                  {"product": chosen.product.name, "count": len(outside),
                   "points_word": "point" if len(outside) == 1 else "points",
                   "count_verb": "is" if len(outside) == 1 else "are",
                   "points": ranges(p.number for p in outside),
                   "where": names(where, {}), "areas": plan_names})


def volume_mismatch(ctx: Context) -> Iterator[Hit]:
    tolerance = ctx.param("points-volume-mismatch", "tolerance_ml", 0.005)
    for chosen in ctx.chosen:
        use = chosen.use
        if not use.points:
            continue
        total = points_volume(use)
        if abs(total - use.volume_ml) > tolerance + EPSILON:
            yield Hit("points-volume-mismatch", f"{chosen.path}.volume_ml",
                      {"product": chosen.product.name, "lot": use.lot.strip() or "not recorded",
                       "count": len(use.points),
                       "points_word": "point" if len(use.points) == 1 else "points",
                       "points_volume": number(total), "volume": number(use.volume_ml)})


def too_close(ctx: Context, points: Sequence[MapPoint]) -> Iterator[Hit]:
    """The closest pair per product (all its lots) and chart, when under the label's spacing."""
    tolerance = ctx.param("points-too-close", "tolerance_cm", 0.05)
    for first in ctx.distinct:
        spacing = first.product.min_spacing_cm
        if spacing is None:
            continue
        mine = [p for p in points if p.product_id == first.use.id]
        for view in dict.fromkeys(p.view for p in mine):
            chart = chart_for(view)
            if chart is None:
                continue
            on_view = [p for p in mine if p.view == view]
            close = close_pairs(on_view, chart, spacing - tolerance)
            if not close:
                continue
            distance, a, b = min(close, key=lambda t: (t[0], t[1].number, t[2].number))
            crowded = {p.number: p for _, p, q in close for p in (p, q)}
            involved = set(crowded)
            yield Hit("points-too-close", b.path,
                      {"product": first.product.name, "view": chart.title.lower(),
                       "a": a.number, "b": b.number, "distance": number(round(distance, 1)),
                       "min": number(spacing), "count": len(involved),
                       "points": ranges(involved)},
                      first.product.limits_source,
                      paths=tuple(crowded[n].path for n in sorted(crowded)))


def close_pairs(points: Sequence[MapPoint], chart: Chart,
                limit_cm: float) -> list[tuple[float, MapPoint, MapPoint]]:
    """Pairs closer than ``limit_cm`` (a grid of cells ``limit_cm`` wide, so
    only neighbouring cells are compared: 200 points stay fast)."""
    if limit_cm <= 0 or len(points) < 2:
        return []
    unit = chart.cm_per_unit
    cell = limit_cm / unit                      # chart units
    grid: dict[tuple[int, int], list[tuple[float, float, MapPoint]]] = {}
    out: list[tuple[float, MapPoint, MapPoint]] = []
    for p in points:
        ux, uy = chart.to_units(p.x, p.y)
        cx, cy = int(ux // cell), int(uy // cell)
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for qx, qy, q in grid.get((gx, gy), ()):
                    d = math.hypot(ux - qx, uy - qy) * unit
                    if d < limit_cm - EPSILON:
                        out.append((d, q, p))
        grid.setdefault((cx, cy), []).append((ux, uy, p))
    return out


def point_depths(ctx: Context, points: Sequence[MapPoint]) -> Iterator[Hit]:
    """Points given their own depth get the delivery depth's checks: one hit
    per product entry and rule, at the first point that breaks it (points
    without a depth take the delivery depth, which checks.py checks)."""
    d = ctx.consultation.delivery
    technique = ctx.technique
    minimum = ctx.param("too-shallow-for-subcutaneous-product", "min_depth_mm", 4.0)
    for chosen in ctx.chosen:
        own = [p for p in points if p.product_index == chosen.index
               and chosen.use.points[p.point_index].depth_mm is not None]
        if not own:
            continue
        deep = [p for p in own if d.needle_length_mm < p.depth_mm - EPSILON]
        if deep:
            yield Hit("needle-too-short", f"{deep[0].path}.depth_mm",
                      {"length": number(d.needle_length_mm),
                       "depth": number(max(p.depth_mm for p in deep))})
        if technique is not None:
            outside = [p for p in own if p.depth_mm < technique.depth_min_mm - EPSILON
                       or p.depth_mm > technique.depth_max_mm + EPSILON]
            if outside:
                yield Hit("depth-outside-technique", f"{outside[0].path}.depth_mm",
                          {"depth": number(outside[0].depth_mm),
                           "min": number(technique.depth_min_mm),
                           "max": number(technique.depth_max_mm), "technique": technique.name},
                          technique.depth_source)
        if chosen.product.route == "subcutaneous":
            shallow = [p for p in own if p.depth_mm < minimum - EPSILON]
            if shallow:
                yield Hit("too-shallow-for-subcutaneous-product", f"{shallow[0].path}.depth_mm",
                          {"product": chosen.product.name,
                           "depth": number(min(p.depth_mm for p in shallow)),
                           "min_depth": number(minimum)})


def check(ctx: Context) -> Iterator[Hit]:
    """The injection-map rules (registered in ``checks.CODED_RULES``)."""
    if not any(use.points for use in ctx.consultation.products):
        return
    points = map_points(ctx.consultation)
    yield from outside_areas(ctx, points)
    yield from volume_mismatch(ctx)
    yield from too_close(ctx, points)
    yield from point_depths(ctx, points)
