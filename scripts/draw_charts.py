"""Draws the six injection-map charts in ``resources/charts/`` (run by hand).

    .venv/bin/python scripts/draw_charts.py [--png DIR]

The charts are drawn for mesodesk from smooth curves through a few hand-placed
control points, sampled into straight lines, so the SVG files hold only
``polygon``, ``polyline`` and ``text`` (the subset ``mesodesk.catalogue.charts``
reads). Each catalogue area on a chart is a ``polygon`` with ``data-area``:
a rough band drawn here, clipped to the body's silhouette with Qt's path
operations, so region edges follow the outline exactly. Qt is used only by
this script, never by the package.

The physical scale of each chart is an approximation from average adult
dimensions (Gordon et al. 2014, the 2012 US Army anthropometric survey
ANSUR II, NATICK/TR-15/007): it lets the spacing rules speak in centimetres,
not measure a particular patient.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "charts"

Pt = tuple[float, float]
SOURCE = ("Gordon CC et al. 2012 Anthropometric Survey of U.S. Army Personnel (ANSUR II): "
          "methods and summary statistics. NATICK/TR-15/007, 2014")


# ------------------------------------------------------------------ geometry

def spline(points: list[Pt], closed: bool = False, steps: int = 6) -> list[Pt]:
    """A Catmull-Rom curve through ``points``, sampled into straight segments."""
    if len(points) < 3:
        return list(points)
    pts = list(points)
    out: list[Pt] = []
    n = len(pts)
    last = n if closed else n - 1
    for i in range(last):
        p0 = pts[(i - 1) % n] if (closed or i > 0) else pts[0]
        p1 = pts[i]
        p2 = pts[(i + 1) % n]
        p3 = pts[(i + 2) % n] if (closed or i + 2 < n) else pts[-1]
        for s in range(steps):
            t = s / steps
            t2, t3 = t * t, t * t * t
            out.append(tuple(0.5 * ((2 * b) + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2
                                    + (-a + 3 * b - 3 * c + d) * t3)
                             for a, b, c, d in zip(p0, p1, p2, p3)))  # type: ignore[misc]
    if not closed:
        out.append(pts[-1])
    return out


def mirror_half(half: list[Pt], cx: float) -> list[Pt]:
    """A symmetric closed outline from its right half (top centre to bottom centre)."""
    left = [(2 * cx - x, y) for x, y in reversed(half[1:-1])]
    return half + left


def mirror(points: list[Pt], cx: float) -> list[Pt]:
    return [(2 * cx - x, y) for x, y in points]


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 48) -> list[Pt]:
    return [(cx + rx * math.cos(2 * math.pi * i / n), cy + ry * math.sin(2 * math.pi * i / n))
            for i in range(n)]


def clip(region: list[Pt], silhouette: list[Pt]) -> list[list[Pt]]:
    """``region`` ∩ ``silhouette`` as polygons (Qt's path operations)."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QPainterPath, QPolygonF

    def path(points: list[Pt]) -> QPainterPath:
        p = QPainterPath()
        p.addPolygon(QPolygonF([QPointF(x, y) for x, y in points]))
        p.closeSubpath()
        return p

    result = path(region).intersected(path(silhouette)).simplified()
    polygons = []
    for poly in result.toFillPolygons():
        pts = [(poly[i].x(), poly[i].y()) for i in range(poly.size())]
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts.pop()
        pts = dedupe(pts)
        if len(pts) >= 3 and abs(area(pts)) > 15.0:  # no slivers
            polygons.append(pts)
    return polygons


def dedupe(points: list[Pt]) -> list[Pt]:
    out: list[Pt] = []
    for x, y in points:
        q = (round(x, 1), round(y, 1))
        if not out or out[-1] != q:
            out.append(q)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def area(points: list[Pt]) -> float:
    return 0.5 * sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
                     in zip(points, points[1:] + points[:1]))


def fmt(points: list[Pt]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}".replace(".0,", ",").removesuffix(".0")
                    for x, y in dedupe(points))


# -------------------------------------------------------------------- charts

class Chart:
    def __init__(self, view: str, title: str, width: float, height: float,
                 cm_per_unit: float, scale_note: str) -> None:
        self.view, self.title = view, title
        self.width, self.height = width, height
        self.cm_per_unit, self.scale_note = cm_per_unit, scale_note
        self.silhouette: list[Pt] = []
        self.outlines: list[tuple[str, list[Pt], bool]] = []   # class, points, closed
        self.regions: list[tuple[str, str, list[Pt]]] = []     # id, area, polygon
        self.labels: list[tuple[float, float, str, str]] = []  # x, y, text, anchor

    def outline(self, points: list[Pt], closed: bool = True, kind: str = "outline") -> None:
        self.outlines.append((kind, points, closed))

    def detail(self, points: list[Pt], closed: bool = False) -> None:
        self.outline(points, closed, "detail")

    def region(self, area_id: str, band: list[Pt], suffix: str = "",
               within: list[Pt] | None = None) -> None:
        pieces = clip(band, within or self.silhouette)
        for i, poly in enumerate(pieces):
            rid = f"area-{area_id}" + (f"-{suffix}" if suffix else "")
            if len(pieces) > 1:
                rid += f"-{i + 1}"
            self.regions.append((rid, area_id, poly))

    def label(self, x: float, y: float, text: str, anchor: str = "middle") -> None:
        self.labels.append((x, y, text, anchor))

    def svg(self) -> str:
        w, h = self.width, self.height
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}" '
            f'width="{w * 2:g}" height="{h * 2:g}" data-view="{self.view}" '
            f'data-cm-per-unit="{self.cm_per_unit:.4f}">',
            f"  <title>{escape(self.title)}</title>",
            f"  <desc>{escape(self.scale_note)}</desc>",
            "  <!-- Drawn for mesodesk by scripts/draw_charts.py; edit that script, not this file. -->",
            '  <g id="regions" fill="#eef2f7" fill-opacity="0" stroke="#9aa7b8" '
            'stroke-width="0.6" stroke-dasharray="2.5 2">',
        ]
        for rid, area_id, poly in self.regions:
            lines.append(f'    <polygon id="{rid}" data-area="{area_id}" points="{fmt(poly)}"/>')
        lines.append("  </g>")
        lines.append('  <g id="details" class="detail" fill="none" stroke="#6b6b6b" '
                     'stroke-width="0.8" stroke-linejoin="round" stroke-linecap="round">')
        for kind, pts, closed in self.outlines:
            if kind == "detail":
                tag = "polygon" if closed else "polyline"
                lines.append(f'    <{tag} points="{fmt(pts)}"/>')
        lines.append("  </g>")
        lines.append('  <g id="outline" class="outline" fill="none" stroke="#262626" '
                     'stroke-width="1.3" stroke-linejoin="round" stroke-linecap="round">')
        for kind, pts, closed in self.outlines:
            if kind == "outline":
                tag = "polygon" if closed else "polyline"
                lines.append(f'    <{tag} points="{fmt(pts)}"/>')
        lines.append("  </g>")
        lines.append('  <g id="labels" class="label" font-family="DejaVu Sans, sans-serif" '
                     'font-size="9" fill="#4a4a4a">')
        for x, y, text, anchor in self.labels:
            lines.append(f'    <text x="{x:g}" y="{y:g}" text-anchor="{anchor}">'
                         f"{escape(text)}</text>")
        lines.append("  </g>")
        lines.append("</svg>")
        return "\n".join(lines) + "\n"


# Face charts: 150 units from the top of the head to the chin, taken as about
# 23 cm in an average adult.
HEAD_UNITS, HEAD_CM = 150.0, 23.0
FACE_SCALE = HEAD_CM / HEAD_UNITS
FACE_NOTE = (f"Scale: about {FACE_SCALE:.3f} cm per unit, an approximation taking the top of "
             f"the head to the chin ({HEAD_UNITS:g} units) as {HEAD_CM:g} cm, an average "
             f"adult size (face width about 14 cm, head length about 19 cm; {SOURCE}). "
             "Distances on the chart are estimates, not measurements of this patient.")
# Body charts: 420 units from the top of the head to the soles, about 170 cm.
BODY_UNITS, BODY_CM = 420.0, 170.0
BODY_SCALE = BODY_CM / BODY_UNITS
BODY_NOTE = (f"Scale: about {BODY_SCALE:.3f} cm per unit, an approximation taking standing "
             f"height ({BODY_UNITS:g} units) as {BODY_CM:g} cm, between the average adult "
             f"woman (about 163 cm) and man (about 176 cm) ({SOURCE}). Distances on the "
             "chart are estimates, not measurements of this patient.")


def face_front() -> Chart:
    c = Chart("face-front", "Face, front", 200, 240, FACE_SCALE, FACE_NOTE)
    cx = 100.0
    # right half of the head (viewer's right = the patient's left), vertex to chin
    head_half = spline([(cx, 15), (cx + 28, 18), (cx + 45, 33), (cx + 51, 58), (cx + 50, 86),
                        (cx + 47, 112), (cx + 42, 134), (cx + 31, 153), (cx + 15, 164),
                        (cx, 167)], steps=8)
    head = mirror_half(head_half, cx)
    ear = spline([(cx + 48, 87), (cx + 55, 86), (cx + 59, 93), (cx + 58, 104), (cx + 54, 114),
                  (cx + 47, 118)], steps=6)
    # neck and shoulders (open lines down to the chest)
    neck_r = spline([(cx + 33, 150), (cx + 32, 172), (cx + 34, 186), (cx + 52, 196),
                     (cx + 80, 204), (cx + 93, 214), (cx + 98, 228), (cx + 99, 240)], steps=6)
    # silhouette for clipping: head + neck + shoulders, one shape
    sil_half = ([p for p in head_half if p[1] < 140]
                + [(cx + 38, 140)] + neck_r + [(cx, 240)])
    silhouette = [(cx, 15)] + sil_half[1:] + [(2 * cx - x, y) for x, y in reversed(sil_half[1:-1])]
    c.silhouette = silhouette

    hairline = spline([(cx - 47, 70), (cx - 40, 52), (cx - 22, 41), (cx, 38), (cx + 22, 41),
                       (cx + 40, 52), (cx + 47, 70)], steps=6)
    jaw = spline([(cx - 47, 112), (cx - 42, 134), (cx - 31, 153), (cx - 15, 164), (cx, 167),
                  (cx + 15, 164), (cx + 31, 153), (cx + 42, 134), (cx + 47, 112)], steps=6)
    submental_low = spline([(cx - 31, 153), (cx - 22, 170), (cx, 177), (cx + 22, 170),
                            (cx + 31, 153)], steps=6)
    neck_base = spline([(cx - 34, 186), (cx - 14, 192), (cx, 193), (cx + 14, 192),
                        (cx + 34, 186)], steps=6)

    # regions, most specific first
    c.region("scalp", [(0, 0), (200, 0)] + list(reversed(hairline)) + [(0, 70)])
    c.region("face", hairline + [(cx + 60, 70), (cx + 60, 112)] + list(reversed(jaw))
             + [(cx - 60, 112), (cx - 60, 70)], within=head + [])
    c.region("submental", jaw[len(jaw) // 2 - 12: len(jaw) // 2 + 13]
             + list(reversed(submental_low)), within=[(0, 0), (200, 0), (200, 240), (0, 240)])
    # below the jaw, except the submental band in the middle
    c.region("neck", [(cx - 60, 112)] + jaw[:13] + submental_low[1:-1] + jaw[36:]
             + [(cx + 60, 112), (cx + 60, 186)] + list(reversed(neck_base)) + [(cx - 60, 186)])
    c.region("shoulder", [(cx + 60, 186), (cx + 110, 186), (cx + 110, 240), (cx + 62, 240)],
             "left")
    c.region("shoulder", [(cx - 60, 186), (cx - 110, 186), (cx - 110, 240), (cx - 62, 240)],
             "right")
    c.region("decollete", neck_base + [(cx + 60, 186), (cx + 62, 240), (cx - 62, 240),
                                       (cx - 60, 186)])

    c.outline(head)
    c.outline(ear, closed=False)
    c.outline(mirror(ear, cx), closed=False)
    c.outline(neck_r, closed=False)
    c.outline(mirror(neck_r, cx), closed=False)
    # features
    for side in (-1, 1):
        ex = cx + side * 20
        eye_top = spline([(ex - 9, 91), (ex - 3, 87.5), (ex + 4, 87.5), (ex + 9, 90.5)], steps=4)
        eye_bottom = spline([(ex + 9, 90.5), (ex + 3, 93.5), (ex - 4, 93.5), (ex - 9, 91)],
                            steps=4)
        c.detail(eye_top + eye_bottom[1:-1], closed=True)
        c.detail(ellipse(ex, 90.5, 2.6, 2.6, 16), closed=True)
        c.detail(spline([(ex - 11, 82), (ex - 4, 78.5), (ex + 5, 78.5), (ex + 12, 81)], steps=4)
                 if side > 0 else
                 spline([(ex - 12, 81), (ex - 5, 78.5), (ex + 4, 78.5), (ex + 11, 82)], steps=4))
    c.detail(spline([(cx - 4, 92), (cx - 5, 106), (cx - 9, 116), (cx - 6, 120), (cx - 2, 119)],
                    steps=4))
    c.detail(spline([(cx + 2, 119), (cx + 6, 120), (cx + 9, 116)], steps=4))
    c.detail(spline([(cx - 15, 137), (cx - 6, 135), (cx, 136), (cx + 6, 135), (cx + 15, 137)],
                    steps=4))
    c.detail(spline([(cx - 12, 138), (cx - 5, 141.5), (cx + 5, 141.5), (cx + 12, 138)],
                    steps=4))
    c.detail(hairline)
    c.detail(submental_low)
    c.detail(spline([(cx - 24, 200), (cx - 10, 203), (cx - 2, 202)], steps=4))  # clavicles
    c.detail(spline([(cx + 2, 202), (cx + 10, 203), (cx + 24, 200)], steps=4))
    c.label(12, 16, "R", "start")
    c.label(188, 16, "L", "end")
    return c


def face_left() -> Chart:
    """The patient's left side: the face looks to the viewer's left."""
    c = Chart("face-left", "Face, left side", 200, 240, FACE_SCALE, FACE_NOTE)
    front = spline([(104, 15), (78, 20), (61, 34), (52, 52), (49, 72), (47, 82), (50, 88),
                    (44, 100), (35, 112), (40, 117), (46, 120), (45, 128), (42, 131),
                    (47, 135), (44, 140), (49, 147), (46, 156), (49, 164), (57, 169),
                    (78, 171), (92, 175)], steps=6)
    neck_front = spline([(92, 175), (95, 192), (92, 210), (84, 228), (80, 240)], steps=6)
    back = spline([(104, 15), (132, 20), (157, 38), (170, 66), (171, 96), (164, 122),
                   (152, 142), (148, 162), (150, 182), (164, 198), (186, 212), (200, 222)],
                  steps=6)
    c.silhouette = front + neck_front[1:] + [(200, 240), (200, 222)] + list(reversed(back))[:-1]
    ear = spline([(112, 92), (118, 84), (127, 85), (131, 96), (128, 110), (121, 119),
                  (114, 117)], steps=6)
    hairline = spline([(64, 38), (70, 46), (84, 60), (98, 76), (103, 92), (107, 106),
                       (122, 126), (140, 138), (152, 145)], steps=6)
    jaw = spline([(57, 169), (84, 160), (104, 146), (112, 126), (113, 114)], steps=6)
    neck_low = spline([(84, 226), (104, 212), (124, 204), (150, 196), (170, 205)], steps=6)

    c.region("scalp", [(0, 0), (200, 0), (200, 145)] + list(reversed(hairline)) + [(40, 38)])
    # the hairline down to the sideburn (its sixth control point), then the jaw
    c.region("face", hairline[:31] + [(113, 114)] + list(reversed(jaw)) + [(30, 169), (30, 30)])
    # under the chin: below the front two thirds of the jaw, above the hyoid
    c.region("submental", jaw[:14] + [(101, 170), (96, 178), (60, 178), (50, 172)])
    c.region("neck", [(113, 114), (122, 126), (140, 138), (156, 146), (175, 190)]
             + list(reversed(neck_low)) + [(80, 228), (60, 178), (96, 178), (101, 170)]
             + jaw[13:-1])
    c.region("shoulder", [(150, 196), (170, 205), (205, 205), (205, 245), (150, 245)])
    c.region("decollete", neck_low[:19] + [(150, 245), (60, 245), (80, 228)])

    c.outline(front + neck_front[1:], closed=False)
    c.outline(back, closed=False)
    c.outline(ear)
    c.detail(spline([(117, 92), (123, 89), (126, 97), (122, 106), (118, 104)], steps=4))
    c.detail(spline([(53, 86), (58, 84.5), (64, 86)], steps=4))          # upper lid
    c.detail(spline([(54, 88), (59, 89.5), (64, 87)], steps=4))          # lower lid
    c.detail(spline([(49, 78), (57, 75), (68, 77)], steps=4))            # brow
    c.detail(spline([(46, 119), (50, 118), (52, 115)], steps=4))         # nostril
    c.detail(spline([(44, 135), (52, 136)], steps=2))                    # lips
    c.detail(hairline)
    c.detail(jaw, closed=False)
    c.label(188, 16, "Left side", "end")
    return c


def face_right() -> Chart:
    left = face_left()
    c = Chart("face-right", "Face, right side", 200, 240, FACE_SCALE, FACE_NOTE)
    c.silhouette = mirror(left.silhouette, 100)
    c.outlines = [(k, mirror(p, 100), closed) for k, p, closed in left.outlines]
    c.regions = [(rid, a, mirror(p, 100)) for rid, a, p in left.regions]
    c.label(12, 16, "Right side", "start")
    return c


def scalp() -> Chart:
    c = Chart("scalp", "Scalp, from above", 200, 240, FACE_SCALE, FACE_NOTE)
    cx, cy = 100.0, 126.0
    head = ellipse(cx, cy, 49, 62, 72)   # head breadth about 15 cm, length about 19 cm
    # a slightly narrower forehead
    head = [(cx + (x - cx) * (0.92 if y < cy - 30 else 1.0), y) for x, y in head]
    head = spline(head[::3], closed=True, steps=4)
    c.silhouette = head
    nose = [(cx - 7, 66), (cx, 55), (cx + 7, 66)]
    ear_r = spline([(cx + 47, 112), (cx + 55, 116), (cx + 56, 128), (cx + 48, 134)], steps=4)
    hairline = spline([(cx - 40, 96), (cx - 26, 80), (cx, 75), (cx + 26, 80), (cx + 40, 96)],
                      steps=6)
    c.region("face", [(0, 0), (200, 0), (200, 96)] + list(reversed(hairline)) + [(0, 96)])
    c.region("scalp", hairline + [(200, 96), (200, 240), (0, 240), (0, 96)])
    c.outline(head)
    c.outline(nose, closed=False)
    c.outline(ear_r, closed=False)
    c.outline(mirror(ear_r, cx), closed=False)
    c.detail(hairline)
    c.detail([(cx, 82), (cx, 182)])                                     # midline
    c.detail(spline([(cx - 4, 150), (cx + 3, 146), (cx + 5, 152), (cx - 1, 156), (cx - 5, 151)],
                    steps=3))                                           # crown
    c.label(cx, 48, "Front", "middle")
    c.label(cx, 206, "Back", "middle")
    c.label(28, 130, "R", "middle")
    c.label(172, 130, "L", "middle")
    return c


def body_half(cx: float) -> list[Pt]:
    """The right half of the standing figure (arms a little away from the body),
    top centre to crotch; the same for front and back."""
    head = spline([(cx, 10), (cx + 13, 12.5), (cx + 19.5, 24), (cx + 19, 38), (cx + 15, 51),
                   (cx + 9, 60)], steps=5)
    body = spline([(cx + 9, 60), (cx + 9.5, 72), (cx + 22, 81), (cx + 40, 86), (cx + 49, 96),
                   (cx + 52, 116), (cx + 55, 145), (cx + 60, 172), (cx + 66, 200),
                   (cx + 70, 222), (cx + 74, 232), (cx + 75, 246), (cx + 70, 254),
                   (cx + 66, 246), (cx + 63, 236), (cx + 57, 222), (cx + 50, 198),
                   (cx + 44, 170), (cx + 39, 140), (cx + 35, 120)], steps=5)
    torso = spline([(cx + 35, 120), (cx + 33, 140), (cx + 29, 168), (cx + 33, 192),
                    (cx + 38, 214), (cx + 37, 246), (cx + 31, 288), (cx + 28, 312),
                    (cx + 28, 340), (cx + 24, 372), (cx + 19, 400), (cx + 22, 418),
                    (cx + 18, 428), (cx + 8, 428), (cx + 6, 404), (cx + 7, 372),
                    (cx + 9, 340), (cx + 8, 312), (cx + 6, 280), (cx + 2, 240), (cx, 226)],
                   steps=5)
    return head + body[1:] + torso[1:]


def body(view: str) -> Chart:
    front = view == "body-front"
    title = "Body, front" if front else "Body, back"
    c = Chart(view, title, 200, 440, BODY_SCALE, BODY_NOTE)
    cx = 100.0
    half = body_half(cx)
    sil = mirror_half(half, cx)
    c.silhouette = sil
    c.outline(sil)
    # in the front view the patient's right is on the viewer's left; in the back
    # view it is on the viewer's right
    right_suffix, left_suffix = ("right", "left") if front else ("left", "right")

    def both(area_id: str, band_right_half: list[Pt]) -> None:
        c.region(area_id, band_right_half, left_suffix)      # viewer's right side
        c.region(area_id, mirror(band_right_half, cx), right_suffix)

    if front:
        c.region("scalp", [(cx - 30, 0), (cx + 30, 0), (cx + 30, 20), (cx, 17), (cx - 30, 20)])
        c.region("face", [(cx - 30, 20), (cx, 17), (cx + 30, 20), (cx + 30, 62), (cx - 30, 62)])
        c.region("neck", [(cx - 22, 62), (cx + 22, 62), (cx + 22, 80), (cx, 84), (cx - 22, 80)])
        both("shoulder", [(cx + 26, 70), (cx + 70, 70), (cx + 70, 118), (cx + 44, 118),
                          (cx + 34, 100), (cx + 26, 86)])
        c.region("decollete", [(cx - 22, 80), (cx, 84), (cx + 22, 80), (cx + 26, 86),
                               (cx + 34, 100), (cx + 32, 112), (cx, 116), (cx - 32, 112),
                               (cx - 34, 100), (cx - 26, 86)])
        both("upper-arms", [(cx + 36, 118), (cx + 70, 118), (cx + 75, 166), (cx + 40, 166)])
        both("flanks", [(cx + 22, 146), (cx + 40, 146), (cx + 40, 206), (cx + 25, 206)])
        c.region("abdomen", [(cx - 22, 146), (cx + 22, 146), (cx + 25, 206), (cx, 212),
                             (cx - 25, 206)])
        both("thighs", [(cx, 236), (cx + 45, 226), (cx + 45, 296), (cx, 296)])
        both("knee", [(cx, 296), (cx + 45, 296), (cx + 45, 328), (cx, 328)])
    else:
        c.region("scalp", [(cx - 30, 0), (cx + 30, 0), (cx + 30, 58), (cx - 30, 58)])
        c.region("neck-muscles", [(cx - 30, 58), (cx + 30, 58), (cx + 30, 74), (cx + 27, 96),
                                  (cx, 100), (cx - 27, 96), (cx - 30, 74)])
        both("shoulder", [(cx + 30, 74), (cx + 70, 74), (cx + 70, 118), (cx + 44, 118),
                          (cx + 34, 100), (cx + 27, 96)])
        c.region("back", [(cx - 27, 96), (cx, 100), (cx + 27, 96), (cx + 34, 100),
                          (cx + 40, 120), (cx + 40, 160), (cx - 40, 160), (cx - 40, 120),
                          (cx - 34, 100)])
        both("upper-arms", [(cx + 36, 118), (cx + 70, 118), (cx + 75, 166), (cx + 40, 166)])
        both("flanks", [(cx + 20, 160), (cx + 40, 160), (cx + 40, 204), (cx + 24, 204)])
        c.region("lower-back", [(cx - 20, 160), (cx + 20, 160), (cx + 24, 204), (cx, 206),
                                (cx - 24, 204)])
        c.region("buttocks", [(cx - 24, 204), (cx, 206), (cx + 24, 204), (cx + 45, 204),
                              (cx + 45, 252), (cx, 258), (cx - 45, 252), (cx - 45, 204)])
        both("hands", [(cx + 55, 224), (cx + 80, 224), (cx + 80, 262), (cx + 55, 262)])
        both("thighs", [(cx, 258), (cx + 45, 252), (cx + 45, 296), (cx, 296)])
        both("knee", [(cx, 296), (cx + 45, 296), (cx + 45, 328), (cx, 328)])

    # details: a few landmark lines, the same clean style as the face charts
    for side in (-1, 1):
        s = side
        if front:
            c.detail(spline([(cx + s * 3, 90), (cx + s * 16, 88), (cx + s * 30, 87)], steps=3))
            c.detail(spline([(cx + s * 12, 108), (cx + s * 22, 114), (cx + s * 30, 110)], steps=3))
            c.detail(spline([(cx + s * 9, 306), (cx + s * 16, 302), (cx + s * 24, 308),
                             (cx + s * 16, 318), (cx + s * 10, 312)], steps=3, closed=True))
        else:
            c.detail(spline([(cx + s * 10, 110), (cx + s * 22, 122), (cx + s * 28, 140)],
                            steps=3))
            c.detail(spline([(cx + s * 4, 238), (cx + s * 20, 244), (cx + s * 36, 238)], steps=3))
            c.detail(spline([(cx + s * 10, 314), (cx + s * 18, 316), (cx + s * 27, 313)],
                            steps=3))
    if front:
        c.detail([(cx, 176), (cx, 178)])                            # navel
        c.detail(ellipse(cx, 177, 1.6, 1.6, 10), closed=True)
        c.detail(spline([(cx - 36, 214), (cx - 18, 226), (cx, 232)], steps=3))
        c.detail(spline([(cx + 36, 214), (cx + 18, 226), (cx, 232)], steps=3))
        c.label(20, 20, "R", "start")
        c.label(180, 20, "L", "end")
    else:
        c.detail([(cx, 100), (cx, 206)])                             # spine
        c.detail([(cx, 206), (cx, 232)])                             # natal cleft
        c.label(20, 20, "L", "start")
        c.label(180, 20, "R", "end")
    return c


CHARTS = {"face-front": face_front, "face-left": face_left, "face-right": face_right,
          "scalp": scalp, "body-front": lambda: body("body-front"),
          "body-back": lambda: body("body-back")}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--png", type=Path, help="also render PNG previews into this folder")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(["draw_charts", "-platform", "offscreen"])
    OUT.mkdir(parents=True, exist_ok=True)
    for view, make in CHARTS.items():
        chart = make()
        text = chart.svg()
        (OUT / f"{view}.svg").write_text(text, encoding="utf-8")
        print(f"{view}: {len(chart.regions)} regions, {len(text)} bytes")
        if args.png:
            render_png(OUT / f"{view}.svg", args.png / f"{view}.png")
    del app
    return 0


def render_png(svg: Path, png: Path, scale: float = 3.0) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    png.parent.mkdir(parents=True, exist_ok=True)
    renderer = QSvgRenderer(str(svg))
    size = renderer.viewBoxF().size() * scale
    image = QImage(int(size.width()), int(size.height()), QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    image.save(str(png))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
