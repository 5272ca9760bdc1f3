"""The injection map in the pack: the charts with numbered points, as vectors.

``record_map(ctx)`` gives the treatment record's map: each chart that holds
points, drawn from its SVG outline (:mod:`mesodesk.catalogue.charts`) with
the plan's areas shaded and every point numbered as the rules number it
(:func:`mesodesk.rules.points.map_points`), then a key per product and a
legend of product, lot, volume and depth per point (runs of identical points
share a row: "1–20"). ``card_map(ctx)`` gives the small version for the
aftercare card: the marks without numbers. Both are empty without points.

Each product has a colour and a marker shape, so the map reads in black and
white too. Nothing here depends on time or chance: the same consultation
draws the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Table

from mesodesk.catalogue.charts import VIEWS, Chart

from mesodesk.pack.flow import para, table_style
from mesodesk.pack.fonts import BOLD, FAMILY, register_fonts
from mesodesk.pack.styles import INK, RULE, SHADE
from mesodesk.pack.text import clean, has_rtl, visual_line
from mesodesk.rules.context import number
from mesodesk.rules.points import MapPoint, chart_for, map_points, ranges

if TYPE_CHECKING:
    from mesodesk.pack.parts import PackContext

# Okabe-Ito colours (distinguishable with colour-blindness), with a shape each.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SHAPES = ("circle", "square", "triangle", "diamond")
OUTLINE = colors.HexColor("#262626")
DETAIL = colors.HexColor("#6b6b6b")
REGION_EDGE = colors.HexColor("#9aa7b8")
PLANNED = colors.HexColor("#e3ebf5")
PRODUCT_ROW = colors.HexColor("#f6f6f6")


@dataclass(frozen=True)
class Style:
    colour: colors.Color
    shape: str


@dataclass(frozen=True)
class Mark:
    number: int
    x: float          # 0..1 of the chart
    y: float
    style: Style


def add_marker(path, x: float, y: float, r: float, shape: str) -> None:
    """A marker's outline, centred on (x, y), radius ``r``, added to ``path``."""
    if shape == "circle":          # four Bézier quarters (reportlab's circle() is slower)
        k = 0.5523 * r
        path.moveTo(x + r, y)
        path.curveTo(x + r, y + k, x + k, y + r, x, y + r)
        path.curveTo(x - k, y + r, x - r, y + k, x - r, y)
        path.curveTo(x - r, y - k, x - k, y - r, x, y - r)
        path.curveTo(x + k, y - r, x + r, y - k, x + r, y)
        path.close()
    elif shape == "square":
        s = r * 0.9
        path.rect(x - s, y - s, 2 * s, 2 * s)
    elif shape == "triangle":
        path.moveTo(x, y + r * 1.15)
        path.lineTo(x + r * 1.05, y - r * 0.7)
        path.lineTo(x - r * 1.05, y - r * 0.7)
        path.close()
    else:  # diamond
        path.moveTo(x, y + r * 1.2)
        path.lineTo(x + r * 1.1, y)
        path.lineTo(x, y - r * 1.2)
        path.lineTo(x - r * 1.1, y)
        path.close()


def draw_markers(canv, at: Sequence[tuple[float, float]], r: float, style: Style) -> None:
    """Filled markers with a thin white rim, one path for all of them."""
    if not at:
        return
    canv.setFillColor(style.colour)
    canv.setStrokeColor(colors.white)
    canv.setLineWidth(0.4)
    path = canv.beginPath()
    for x, y in at:
        add_marker(path, x, y, r, style.shape)
    canv.drawPath(path, stroke=1, fill=1)


Window = tuple[float, float, float, float]   # x0, y0, x1, y1 in chart units


def window_for(chart: Chart, points: Sequence[tuple[float, float]], planned: frozenset[str],
               *, margin_cm: float = 3.0, least_cm: float = 14.0) -> Window:
    """The part of the chart worth drawing: the points and the plan's areas on
    this chart, ``margin_cm`` around them, at least ``least_cm`` each way (so
    the body around them still shows), inside the chart."""
    xs = [x * chart.width for x, _ in points]
    ys = [y * chart.height for _, y in points]
    for region in chart.regions:
        if region.area in planned:
            x0, y0, x1, y1 = region.box
            xs += [x0, x1]
            ys += [y0, y1]
    if not xs:
        return 0.0, 0.0, chart.width, chart.height
    pad, least = margin_cm / chart.cm_per_unit, least_cm / chart.cm_per_unit

    def span(lo: float, hi: float, size: float) -> tuple[float, float]:
        lo, hi = lo - pad, hi + pad
        if hi - lo < least:
            middle = (lo + hi) / 2
            lo, hi = middle - least / 2, middle + least / 2
        if lo < 0:
            lo, hi = 0.0, hi - lo
        if hi > size:
            lo, hi = max(0.0, lo - (hi - size)), size
        return lo, hi

    x0, x1 = span(min(xs), max(xs), chart.width)
    y0, y1 = span(min(ys), max(ys), chart.height)
    return x0, y0, x1, y1


class ChartFigure(Flowable):
    """The part of a chart around its marks (see :func:`window_for`), scaled to
    fit ``max_width`` x ``max_height``. Numbers are drawn where they do not
    cover another number; the legend lists every point."""

    def __init__(self, chart: Chart, marks: Sequence[Mark], max_width: float,
                 max_height: float, *, planned: frozenset[str] = frozenset(),
                 numbers: bool = True, marker_mm: float = 1.3) -> None:
        super().__init__()
        self.chart = chart
        self.marks = tuple(marks)
        self.planned = planned
        self.numbers = numbers
        self.window = window_for(chart, [(m.x, m.y) for m in marks], planned)
        x0, y0, x1, y1 = self.window
        self.scale = min(max_width / (x1 - x0), max_height / (y1 - y0))
        self.width = (x1 - x0) * self.scale
        self.height = (y1 - y0) * self.scale
        # a marker never wider than a third of a centimetre on this drawing
        cm_on_paper = self.scale / chart.cm_per_unit
        self.marker = max(0.45 * mm, min(marker_mm * mm, cm_on_paper / 3))
        self.placed = [self.to_page(m.x, m.y) for m in self.marks]
        self.number_at = self._number_positions() if numbers else []

    NUMBER_PT = 6.5

    def _number_positions(self) -> list[tuple[str, float, float]]:
        """Each number beside its mark (right, left, above or below, the first
        that is free), never over another number or mark; earlier numbers win.
        A number with no free place is left out: the legend lists every point."""
        size, r, cell = self.NUMBER_PT, self.marker, 16.0
        grid: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

        def cells(box):
            for gx in range(int(box[0] // cell), int(box[2] // cell) + 1):
                for gy in range(int(box[1] // cell), int(box[3] // cell) + 1):
                    yield gx, gy

        def free(box) -> bool:
            return not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                           for key in cells(box) for b in grid.get(key, ()))

        def take(box) -> None:
            for key in cells(box):
                grid.setdefault(key, []).append(box)

        for x, y in self.placed:                       # the marks are obstacles
            take((x - r, y - r, x + r, y + r))
        out = []
        high = 0.74 * size                              # digits: baseline to top
        register_fonts()
        digit = stringWidth("0", BOLD, size)            # the font's digits share one width
        for mark, (x, y) in zip(self.marks, self.placed):
            text = str(mark.number)
            w = digit * len(text)
            for bx, by in ((x + r + 0.6, y - high / 2), (x - r - 0.6 - w, y - high / 2),
                           (x - w / 2, y + r + 0.6), (x - w / 2, y - r - 0.6 - high)):
                box = (bx, by, bx + w, by + high)
                if free((bx - 0.7, by - 0.5, bx + w + 0.7, by + high + 0.5)):
                    take(box)
                    out.append((text, bx, by))
                    break
        return out

    @property
    def hidden_numbers(self) -> int:
        return len(self.marks) - len(self.number_at) if self.numbers else 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def _polyline(self, points, closed: bool):
        p = self.canv.beginPath()
        (x0, y0), *rest = points
        p.moveTo(x0, y0)
        for x, y in rest:
            p.lineTo(x, y)
        if closed:
            p.close()
        return p

    def _shows(self, box: tuple[float, float, float, float]) -> bool:
        """Whether a shape with this bounding box reaches into the drawn window."""
        x0, y0, x1, y1 = self.window
        return box[0] <= x1 and box[2] >= x0 and box[1] <= y1 and box[3] >= y0

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        """A 0..1 chart position on this drawing (points, y up)."""
        x0, y0, _, _ = self.window
        return ((x * self.chart.width - x0) * self.scale,
                self.height - (y * self.chart.height - y0) * self.scale)

    def draw(self) -> None:
        c, chart, s = self.canv, self.chart, self.scale
        x0, y0, x1, y1 = self.window
        c.saveState()
        frame = c.beginPath()
        frame.rect(0, 0, self.width, self.height)
        c.clipPath(frame, stroke=0, fill=0)
        c.translate(0, self.height)
        c.scale(s, -s)                 # chart units, y down as in the SVG
        c.translate(-x0, -y0)
        c.setLineJoin(1)
        c.setLineCap(1)
        regions = [r for r in chart.regions if self._shows(r.box)]
        for region in regions:         # the plan's areas, lightly shaded
            if region.area in self.planned:
                c.setFillColor(PLANNED)
                c.drawPath(self._polyline(region.points, True), stroke=0, fill=1)
        c.setStrokeColor(REGION_EDGE)
        c.setLineWidth(0.4 / s)
        c.setDash([2.5 * 0.6 / s, 2 * 0.6 / s])
        for region in regions:
            c.drawPath(self._polyline(region.points, True), stroke=1, fill=0)
        c.setDash([])
        for kind, colour, width in (("detail", DETAIL, 0.5), ("outline", OUTLINE, 0.9)):
            c.setStrokeColor(colour)
            c.setLineWidth(width / s)
            for shape in chart.shapes:
                if shape.kind == kind and self._shows(shape.box):
                    c.drawPath(self._polyline(shape.points, shape.closed), stroke=1, fill=0)
        c.restoreState()

        c.saveState()
        c.setFillColor(INK)
        c.setFont(FAMILY, 12)
        for label in chart.labels:     # the patient's R and L, at the drawing's top corners
            if len(label.text) != 1:
                continue
            if label.x < chart.width / 2:
                c.drawString(1, self.height - 12, label.text)
            else:
                c.drawRightString(self.width - 1, self.height - 12, label.text)
        by_style: dict[Style, list[tuple[float, float]]] = {}
        for mark, at in zip(self.marks, self.placed):
            by_style.setdefault(mark.style, []).append(at)
        for style, at in by_style.items():
            draw_markers(c, at, self.marker, style)
        c.setFillColor(INK)
        c.setFont(BOLD, self.NUMBER_PT)
        for text, x, y in self.number_at:
            c.drawString(x, y, text)
        c.restoreState()


class Swatch(Flowable):
    """A product's marker, for the key."""

    def __init__(self, style: Style, size: float = 4 * mm) -> None:
        super().__init__()
        self.style = style
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        draw_markers(self.canv, [(self.width / 2, self.height / 2)], self.width * 0.32,
                     self.style)


def product_name(use, catalogue) -> str:
    """The catalogue's name, or the name written for a product outside it."""
    product = catalogue.products.get(use.id)
    if product is not None:
        return product.name
    return getattr(use, "name", "") or use.id


def _styles(points: Sequence[MapPoint]) -> dict[str, Style]:
    """A colour and shape per product id, in order of first appearance."""
    out: dict[str, Style] = {}
    for p in points:
        if p.product_id not in out:
            i = len(out)
            out[p.product_id] = Style(colors.HexColor(PALETTE[i % len(PALETTE)]),
                                      SHAPES[i % len(SHAPES)])
    return out


def _by_view(points: Sequence[MapPoint]) -> list[tuple[str, list[MapPoint]]]:
    return [(view, [p for p in points if p.view == view]) for view in VIEWS
            if any(p.view == view for p in points)]


def _figures(ctx: PackContext, points: Sequence[MapPoint], styles: dict[str, Style], *,
             width: float, face_mm: float, body_mm: float, numbers: bool,
             marker_mm: float) -> list[Flowable]:
    planned = frozenset(ctx.consultation.areas)
    out: list[Flowable] = []
    for view, on_view in _by_view(points):
        chart = chart_for(view)
        if chart is None:
            continue
        marks = [Mark(p.number, p.x, p.y, styles[p.product_id]) for p in on_view]
        tall = view.startswith("body")
        out.append(ChartFigure(chart, marks, width, (body_mm if tall else face_mm) * mm,
                               planned=planned, numbers=numbers, marker_mm=marker_mm))
    return out


def _grid(cells: list[Flowable], columns: int, width: float, captions: list[str] | None = None
          ) -> Table:
    rows: list[list] = []
    for start in range(0, len(cells), columns):
        row = cells[start:start + columns]
        if captions:
            names = captions[start:start + columns]
            row = [[cell, para(name, "Note")] for cell, name in zip(row, names)]
        rows.append(row + [""] * (columns - len(row)))
    t = Table(rows, colWidths=[width / columns] * columns, hAlign="LEFT")
    t.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                           ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 2),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 2)))
    return t


LEGEND_PT = 12
LEGEND_COLUMNS = (0.2, 0.44, 0.18, 0.18)   # fractions of the frame width
LEGEND_HEAD = ("Points", "Chart and area", "Volume", "Depth")


def _lines(text: str, width: float, font: str = FAMILY, size: float = LEGEND_PT) -> str:
    """``text`` wrapped to ``width`` as lines for a plain table cell (a plain
    cell is never parsed as markup, and is much quicker to lay out than a
    paragraph: a 200-point legend must stay cheap)."""
    lines = simpleSplit(clean(text), font, size, width) or [""]
    return "\n".join(visual_line(line) if has_rtl(line) else line for line in lines)


def legend_rows(ctx: PackContext, points: Sequence[MapPoint]) -> list[list[str]]:
    """The legend: a row naming each product entry and its lot, then one row
    per run of its consecutive points that share chart, area, volume and depth
    ("1–20"). A product row has one cell; a point row one per column."""
    c, cat = ctx.consultation, ctx.catalogue
    widths = [f * ctx.width - 10 for f in LEGEND_COLUMNS]   # less the cell padding
    rows: list[list[str]] = []
    run: list[MapPoint] = []

    def key(p: MapPoint) -> tuple:
        return (p.product_index, p.view, p.area, p.volume_ml, p.depth_mm)

    def flush() -> None:
        if not run:
            return
        p = run[0]
        chart = chart_for(p.view)
        where = chart.title if chart is not None else p.view
        area = cat.areas[p.area].name if p.area in cat.areas else "outside the marked areas"
        each = " each" if len(run) > 1 else ""
        cells = [ranges(q.number for q in run), f"{where}: {area}",
                 f"{number(p.volume_ml)} mL{each}", f"{number(p.depth_mm)} mm"]
        rows.append([_lines(text, width) for text, width in zip(cells, widths)])
        run.clear()

    entry = None
    for p in points:
        if run and key(p) != key(run[-1]):
            flush()
        if p.product_index != entry:
            entry = p.product_index
            use = c.products[entry]
            rows.append([_lines(f"{product_name(use, cat)}, lot "
                                f"{use.lot.strip() or 'not recorded'}", ctx.width - 10, BOLD)])
        run.append(p)
    flush()
    return rows


def legend_table(ctx: PackContext, rows: list[list[str]]) -> Table:
    w = ctx.width
    header = [para(h, "CellBold") for h in LEGEND_HEAD]
    style = [("GRID", (0, 0), (-1, -1), 0.5, RULE),
             ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("LEADING", (0, 0), (-1, -1), 15),
             ("TEXTCOLOR", (0, 0), (-1, -1), INK),
             ("LEFTPADDING", (0, 0), (-1, -1), 5),
             ("RIGHTPADDING", (0, 0), (-1, -1), 5),
             ("TOPPADDING", (0, 0), (-1, -1), 4),
             ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
             ("BACKGROUND", (0, 0), (-1, 0), SHADE)]
    data: list[list] = [header]
    for row in rows:
        if len(row) == 1:              # a product and its lot, across the table
            r = len(data)
            style += [("SPAN", (0, r), (-1, r)), ("FONTNAME", (0, r), (-1, r), BOLD),
                      ("BACKGROUND", (0, r), (-1, r), PRODUCT_ROW)]
            row = row + [""] * (len(LEGEND_HEAD) - 1)
        data.append(row)
    t = Table(data, colWidths=[f * w for f in LEGEND_COLUMNS], repeatRows=1, hAlign="LEFT",
              splitInRow=1)
    t.setStyle(table_style(*style))
    return t


def record_map(ctx: PackContext) -> list[Flowable]:
    """The treatment record's injection map: charts, key and legend."""
    points = map_points(ctx.consultation)
    if not points:
        return []
    c, cat, w = ctx.consultation, ctx.catalogue, ctx.width
    styles = _styles(points)
    figures = _figures(ctx, points, styles, width=w / 2 - 6, face_mm=78, body_mm=120,
                       numbers=True, marker_mm=1.3)
    crowded = any(getattr(f, "hidden_numbers", 0) for f in figures)
    intro = para("Each mark is one injection, numbered as in the table below"
                 + (" (where marks are close together, some numbers are left out)"
                    if crowded else "")
                 + ". Shaded areas are the areas of the plan. The charts are a guide: "
                 "distances on them are approximate.")
    titles = [chart.title for view, _ in _by_view(points)
              if (chart := chart_for(view)) is not None]
    grid = _grid(figures, 2 if len(figures) <= 2 else 3, w, titles)

    key_rows = []
    for product_id, style in styles.items():
        entries = [(i, u) for i, u in enumerate(c.products) if u.id == product_id]
        count = sum(1 for p in points if p.product_id == product_id)
        total = sum(p.volume_ml for p in points if p.product_id == product_id)
        lots = ", ".join(dict.fromkeys(u.lot.strip() or "not recorded" for _, u in entries))
        key_rows.append([Swatch(style),
                         para(f"{product_name(entries[0][1], cat)} (lot {lots}): {count} "
                              f"injection{'s' if count != 1 else ''}, "
                              f"{number(total)} mL in total", "Cell")])
    key = Table(key_rows, colWidths=[8 * mm, w - 8 * mm], hAlign="LEFT")
    key.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 0),
                             ("TOPPADDING", (0, 0), (-1, -1), 1),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 1)))
    return [KeepTogether([para("Injection map", "Heading"), intro, grid, key]),
            CondPageBreak(30 * mm), para("Injection points", "Subheading"),
            legend_table(ctx, legend_rows(ctx, points))]


def _height(flowables: Sequence[Flowable], width: float) -> float:
    """Roughly how tall ``flowables`` stand in one column (no space collapsing:
    an overestimate, which is the safe side here)."""
    total = 0.0
    for f in flowables:
        _, h = f.wrap(width, 10_000)
        total += h + f.getSpaceBefore() + f.getSpaceAfter()
    return total


CARD_MAP_MM = 30      # the tallest the card's map is drawn
CARD_MAP_LEAST_MM = 14  # below this it is left out (the record has the full map)


def card_map(ctx: PackContext, room_mm: float = CARD_MAP_MM) -> list[Flowable]:
    """The aftercare card's small map: where the injections went, without
    numbers, at most ``room_mm`` tall; empty without points or room."""
    points = map_points(ctx.consultation)
    height = min(CARD_MAP_MM, room_mm - 4)       # less the row's padding
    if not points or height < CARD_MAP_LEAST_MM:
        return []
    w = ctx.width
    styles = _styles(points)
    figures = _figures(ctx, points, styles, width=0.2 * w, face_mm=height, body_mm=height,
                       numbers=False, marker_mm=0.8)[:3]
    count = len(points)
    text = para(f"Where you were treated: each mark is one of your {count} "
                f"injection{'s' if count != 1 else ''}.", "BodyTight")
    t = Table([[text, *figures]], colWidths=[w - len(figures) * 0.2 * w]
              + [0.2 * w] * len(figures), hAlign="LEFT")
    t.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                           ("ALIGN", (1, 0), (-1, -1), "CENTER"),
                           ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           ("TOPPADDING", (0, 0), (-1, -1), 0),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 3)))
    if _height([t], w) > room_mm * mm:    # the words alone are taller than the room
        return []
    return [t]


def with_card_map(ctx: PackContext, card: list[Flowable]) -> list[Flowable]:
    """``card`` with the small map after its first paragraph of body text, as
    large as the page has room for: the card is one page at 12 pt and is never
    shrunk to make room for the map (without room, the map stays in the record)."""
    if not map_points(ctx.consultation):
        return card
    spare_mm = (ctx.geometry.frame_height - _height(card, ctx.width)) / mm - 3
    extra = card_map(ctx, spare_mm)
    if not extra:
        return card
    at = next((i + 1 for i, f in enumerate(card)
               if getattr(getattr(f, "style", None), "name", "") == "Body"), len(card))
    return card[:at] + extra + card[at:]
