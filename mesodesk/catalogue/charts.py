"""The injection-map charts in ``resources/charts/``: outlines and named areas.

Each chart is an SVG file named after its view (``face-front.svg``) in a
small subset the project draws itself (``scripts/draw_charts.py``):

- the root ``svg`` has ``viewBox="0 0 W H"``, ``data-view`` (the file's view)
  and ``data-cm-per-unit`` (the approximate physical scale; ``desc`` says how
  it was estimated);
- shapes are ``polygon``, ``polyline`` or ``path`` of straight lines only
  (``M``, ``L``, ``H``, ``V``, ``Z``, absolute or relative), optionally in ``g``
  groups; a shape with ``data-area="<catalogue area id>"`` is a region, any
  other is drawing (class ``outline`` or ``detail``, inherited from its group);
- ``text`` elements are labels (``R``/``L``, "Front").

A point on a chart is ``(view, x, y)`` with ``x`` and ``y`` in 0..1 of the
drawing (``x`` across from the left, ``y`` down from the top), as in the
consultation file. :meth:`Chart.area_at` names the catalogue area under it:
the first region in document order that contains it.

Qt-free and reportlab-free: the rules, the pack and the window all read it.
"""

from __future__ import annotations

import functools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from mesodesk.resources import resource

VIEWS = ("face-front", "face-left", "face-right", "scalp", "body-front", "body-back")

SVG_NS = "{http://www.w3.org/2000/svg}"
Point = tuple[float, float]


class ChartError(ValueError):
    """A chart file is missing or outside the supported subset (one sentence)."""


@dataclass(frozen=True)
class Shape:
    """A line drawing in chart units: an outline of the body or a detail (an eye)."""

    kind: str                          # "outline" or "detail"
    points: tuple[Point, ...]
    closed: bool

    @functools.cached_property
    def box(self) -> tuple[float, float, float, float]:
        """min x, min y, max x, max y."""
        return _box(self.points)


@dataclass(frozen=True)
class Region:
    """A named area of the chart: a closed polygon in chart units."""

    id: str                            # the element id, e.g. "area-thighs-left"
    area: str                          # catalogue area id, e.g. "thighs"
    points: tuple[Point, ...]
    box: tuple[float, float, float, float]   # min x, min y, max x, max y

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.box
        if x < x0 or x > x1 or y < y0 or y > y1:
            return False
        return point_in_polygon(x, y, self.points)


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str                        # "start", "middle" or "end"


@dataclass(frozen=True)
class Chart:
    view: str
    title: str
    width: float                       # viewBox size, chart units
    height: float
    cm_per_unit: float                 # approximate physical scale
    scale_note: str                    # how the scale was estimated
    shapes: tuple[Shape, ...]
    regions: tuple[Region, ...]
    labels: tuple[Label, ...]

    @property
    def areas(self) -> tuple[str, ...]:
        """The catalogue areas on this chart, in document order, each once."""
        return tuple(dict.fromkeys(r.area for r in self.regions))

    def to_units(self, x: float, y: float) -> Point:
        """A 0..1 position as chart units."""
        return x * self.width, y * self.height

    def region_at(self, x: float, y: float) -> Region | None:
        """The first region containing the 0..1 position, or None."""
        ux, uy = self.to_units(x, y)
        for region in self.regions:
            if region.contains(ux, uy):
                return region
        return None

    def area_at(self, x: float, y: float) -> str | None:
        """The catalogue area id at the 0..1 position, or None off every area."""
        region = self.region_at(x, y)
        return region.area if region is not None else None

    def distance_cm(self, a: Point, b: Point) -> float:
        """The approximate distance in cm between two 0..1 positions."""
        dx = (a[0] - b[0]) * self.width
        dy = (a[1] - b[1]) * self.height
        return math.hypot(dx, dy) * self.cm_per_unit


def point_in_polygon(x: float, y: float, polygon: Sequence[Point]) -> bool:
    """Whether (x, y) lies inside the polygon (even-odd rule, ray casting).
    Points exactly on an edge may fall either side."""
    inside = False
    n = len(polygon)
    j = n - 1
    for i in range(n):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > y) != (yj > y):
            cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < cross:
                inside = not inside
        j = i
    return inside


def area_at(view: str, x: float, y: float) -> str | None:
    """The catalogue area at a point of a shipped chart (see :meth:`Chart.area_at`)."""
    return load_chart(view).area_at(x, y)


# ------------------------------------------------------------------ loading

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"([MmLlHhVvZz])|({_NUMBER})|([\s,]+)|(.)")


def _numbers(text: str, where: str) -> list[float]:
    try:
        return [float(v) for v in re.split(r"[\s,]+", text.strip()) if v]
    except ValueError:
        raise ChartError(f"{where}: points are not numbers") from None


def _pairs(values: list[float], where: str) -> tuple[Point, ...]:
    if len(values) % 2 or len(values) < 4:
        raise ChartError(f"{where}: points must be x,y pairs (at least two)")
    return tuple((values[i], values[i + 1]) for i in range(0, len(values), 2))


def parse_path(d: str, where: str) -> list[tuple[tuple[Point, ...], bool]]:
    """Subpaths of a straight-line path: [(points, closed)]. Curves are refused."""
    tokens: list[str | float] = []
    for command, number, _space, other in _TOKEN.findall(d):
        if other:
            raise ChartError(f"{where}: path command {other!r} is not supported "
                             "(straight lines only: M, L, H, V, Z)")
        if command:
            tokens.append(command)
        elif number:
            tokens.append(float(number))
    subpaths: list[tuple[tuple[Point, ...], bool]] = []
    current: list[Point] = []
    x = y = 0.0
    command = ""
    i = 0

    def finish(closed: bool) -> None:
        nonlocal current
        if len(current) >= 2:
            subpaths.append((tuple(current), closed))
        elif current and closed:
            raise ChartError(f"{where}: a closed subpath needs at least two points")
        current = []

    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, str):
            command = token
            i += 1
            if command in "Zz":
                start = current[0] if current else (x, y)
                finish(True)
                x, y = start
                continue
            if command in "Mm":
                finish(False)
        elif not command or command in "Zz":
            raise ChartError(f"{where}: path data must start with M")
        relative = command.islower()
        kind = command.upper()
        need = 1 if kind in "HV" else 2
        args = tokens[i:i + need]
        if len(args) < need or not all(isinstance(a, float) for a in args):
            raise ChartError(f"{where}: path command {command} needs {need} number(s)")
        i += need
        if kind == "H":
            x = args[0] + (x if relative else 0.0)  # type: ignore[operator]
        elif kind == "V":
            y = args[0] + (y if relative else 0.0)  # type: ignore[operator]
        else:
            nx, ny = args  # type: ignore[misc]
            x, y = (x + nx, y + ny) if relative else (nx, ny)  # type: ignore[operator]
        current.append((x, y))
        if kind == "M":       # further pairs after M are line-tos
            command = "l" if relative else "L"
    finish(False)
    if not subpaths:
        raise ChartError(f"{where}: the path draws nothing")
    return subpaths


def _box(points: Iterable[Point]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points)
    return min(xs), min(ys), max(xs), max(ys)


def parse_chart(text: str | bytes, view: str, where: str = "") -> Chart:
    """A chart from SVG text in the supported subset; ChartError names the fault."""
    where = where or f"{view}.svg"
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ChartError(f"{where}: not well-formed SVG ({exc})") from None
    if root.tag != f"{SVG_NS}svg":
        raise ChartError(f"{where}: the root element is not an SVG <svg>")
    if root.get("data-view") != view:
        raise ChartError(f"{where}: data-view is {root.get('data-view')!r}, expected {view!r}")
    box = _numbers(root.get("viewBox", ""), f"{where}: viewBox") if root.get("viewBox") else []
    if len(box) != 4 or box[0] != 0 or box[1] != 0 or box[2] <= 0 or box[3] <= 0:
        raise ChartError(f"{where}: needs viewBox=\"0 0 WIDTH HEIGHT\"")
    try:
        cm_per_unit = float(root.get("data-cm-per-unit", ""))
    except ValueError:
        raise ChartError(f"{where}: data-cm-per-unit is missing or not a number") from None
    if not (math.isfinite(cm_per_unit) and cm_per_unit > 0):
        raise ChartError(f"{where}: data-cm-per-unit must be a positive number")
    title = (root.findtext(f"{SVG_NS}title") or "").strip()
    note = (root.findtext(f"{SVG_NS}desc") or "").strip()
    if not title:
        raise ChartError(f"{where}: has no <title>")
    if not note:
        raise ChartError(f"{where}: has no <desc> saying how the scale was estimated")

    shapes: list[Shape] = []
    regions: list[Region] = []
    labels: list[Label] = []
    ids: set[str] = set()

    def walk(element: ET.Element, inherited: str) -> None:
        for child in element:
            tag = child.tag.removeprefix(SVG_NS)
            kind = child.get("class", inherited)
            here = f"{where}: <{tag}{' id=' + repr(child.get('id')) if child.get('id') else ''}>"
            if child.get("id"):
                if child.get("id") in ids:
                    raise ChartError(f"{here}: the id is used twice")
                ids.add(child.get("id", ""))
            if tag in ("title", "desc"):
                continue
            if tag == "g":
                walk(child, kind)
                continue
            if tag == "text":
                try:
                    x, y = float(child.get("x", "")), float(child.get("y", ""))
                except ValueError:
                    raise ChartError(f"{here}: x and y must be numbers") from None
                labels.append(Label(x, y, "".join(child.itertext()).strip(),
                                    child.get("text-anchor", "start")))
                continue
            if tag == "polygon" or tag == "polyline":
                pieces = [(_pairs(_numbers(child.get("points", ""), here), here),
                           tag == "polygon")]
            elif tag == "path":
                pieces = parse_path(child.get("d", ""), here)
            else:
                raise ChartError(f"{here}: <{tag}> is not supported (use polygon, polyline, "
                                 "path of straight lines, g or text)")
            area = child.get("data-area")
            if area is not None:
                if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", area):
                    raise ChartError(f"{here}: data-area {area!r} is not a catalogue id")
                if not child.get("id"):
                    raise ChartError(f"{here}: a region needs an id")
                for points, closed in pieces:
                    if not closed or len(points) < 3:
                        raise ChartError(f"{here}: a region must be a closed shape of at "
                                         "least three points")
                    regions.append(Region(child.get("id", ""), area, points, _box(points)))
            else:
                shapes.extend(Shape("detail" if kind == "detail" else "outline", points, closed)
                              for points, closed in pieces)

    walk(root, "outline")
    if not regions:
        raise ChartError(f"{where}: has no regions (shapes with data-area)")
    if not any(s.kind == "outline" for s in shapes):
        raise ChartError(f"{where}: has no outline")
    return Chart(view=view, title=title, width=box[2], height=box[3],
                 cm_per_unit=cm_per_unit, scale_note=note, shapes=tuple(shapes),
                 regions=tuple(regions), labels=tuple(labels))


def charts_dir() -> Path:
    return resource("charts")


def read_chart(view: str, folder: str | Path | None = None) -> Chart:
    """The chart for ``view`` from ``folder`` (the shipped charts by default)."""
    if view not in VIEWS:
        raise ChartError(f"unknown chart view {view!r} (known: {', '.join(VIEWS)})")
    path = Path(folder if folder is not None else charts_dir()) / f"{view}.svg"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ChartError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    return parse_chart(data, view, path.name)


@functools.cache
def load_chart(view: str) -> Chart:
    """A shipped chart, read once per process."""
    return read_chart(view)


def load_charts() -> dict[str, Chart]:
    """Every shipped chart by view, in :data:`VIEWS` order."""
    return {view: load_chart(view) for view in VIEWS}
