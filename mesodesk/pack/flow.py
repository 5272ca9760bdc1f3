"""Small flowable builders shared by the parts. All text passes through
:func:`mesodesk.pack.text.markup` here; parts never build markup themselves
from user or catalogue text."""

from __future__ import annotations

import base64
import copy
import binascii
import io
from typing import Any, Sequence

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Paragraph, Spacer, Table, TableStyle

from mesodesk.catalogue.model import Catalogue, Statement
from mesodesk.pack.fonts import FAMILY
from mesodesk.pack.styles import RULE, SHADE, stylesheet
from mesodesk.pack.text import has_rtl, markup, visual_line

Cell = str | Flowable | list[Flowable]


class PackError(ValueError):
    """The consultation holds something the pack cannot print (one sentence)."""


class BidiParagraph(Paragraph):
    """A Paragraph whose right-to-left runs (Hebrew, Arabic) are drawn in visual
    order line by line. reportlab wraps the logical text; only drawing sees the
    reordered lines, so page splits and repeated wraps keep working on logical
    text and each half reorders its own lines."""

    def draw(self) -> None:
        lines = getattr(getattr(self, "blPara", None), "lines", None)
        if not lines or not any(_line_has_rtl(line) for line in lines):
            super().draw()
            return
        self.blPara.lines = [_visual(line, self.blPara.kind) for line in lines]
        try:
            super().draw()
        finally:
            self.blPara.lines = lines


def _line_text(line: Any) -> str:
    words = line[1] if isinstance(line, tuple) else line.words
    return " ".join(w if isinstance(w, str) else str(getattr(w, "text", "")) for w in words)


def _line_has_rtl(line: Any) -> bool:
    return has_rtl(_line_text(line))


def _visual(line: Any, kind: int) -> Any:
    """One wrapped line in drawing order: kind 0 lines are (extra space, words);
    kind 1 lines hold styled fragments, reordered as units within each
    right-to-left run (their own text reversed)."""
    if kind == 0:
        extra, words = line
        return (extra, visual_line(" ".join(words)).split(" "))
    out: list[Any] = []
    run: list[Any] = []

    def flush() -> None:
        out.extend(reversed([f.clone(text=visual_line(f.text)) for f in run]))
        run.clear()

    for frag in line.words:
        text = getattr(frag, "text", None)
        if isinstance(text, str) and (has_rtl(text) or (run and not text.strip())):
            run.append(frag)
        else:
            flush()
            out.append(frag)
    flush()
    clone = copy.copy(line)
    clone.words = out
    return clone


def para(text: str, style: str = "Body", *, prefix: str = "", suffix: str = "") -> Paragraph:
    """User or catalogue ``text`` as a Paragraph, escaped. ``prefix`` and
    ``suffix`` are trusted markup written in this package (bold labels, citations)."""
    return BidiParagraph(prefix + markup(text) + suffix, stylesheet()[style])


def labelled(label: str, text: str, style: str = "Body") -> Paragraph:
    """"**Label:** text" with both parts escaped."""
    return BidiParagraph(f"<b>{markup(label)}:</b> {markup(text)}", stylesheet()[style])


def bullet(text: str, *, prefix: str = "", suffix: str = "", style: str = "Bullet") -> Paragraph:
    return BidiParagraph(prefix + markup(text) + suffix, stylesheet()[style], bulletText="•")


class Citations:
    """Numbers sources in the order the pack first cites them."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.order: list[str] = []
        self.texts: list[str] = []  # the catalogue text printed through here (for the glossary)

    def save(self) -> tuple[int, int]:
        """A point to go back to (:meth:`restore`) after a trial layout."""
        return len(self.order), len(self.texts)

    def restore(self, point: tuple[int, int]) -> None:
        del self.order[point[0]:], self.texts[point[1]:]

    def mark(self, keys: Sequence[str]) -> str:
        """Markup such as " [1, 4]" for these source keys."""
        numbers = []
        for key in keys:
            if key not in self.catalogue.sources:
                continue  # the catalogue loader rejects these; never print a dangling number
            if key not in self.order:
                self.order.append(key)
            numbers.append(self.order.index(key) + 1)
        if not numbers:
            return ""
        listed = ", ".join(str(n) for n in sorted(set(numbers)))
        return f" [{listed}]"

    def statement(self, st: Statement, style: str = "Body", *, prefix: str = "") -> Paragraph:
        self.texts.append(st.text)
        return para(st.text, style, prefix=prefix, suffix=self.mark(st.source))

    def bullet(self, st: Statement, *, prefix: str = "", suffix: str = "",
               style: str = "Bullet") -> Paragraph:
        self.texts.append(st.text)
        return bullet(st.text, prefix=prefix, suffix=suffix + self.mark(st.source), style=style)


# Tables draw with their own default font (Helvetica 10) unless told otherwise.
TABLE_FONT = [("FONTNAME", (0, 0), (-1, -1), FAMILY), ("FONTSIZE", (0, 0), (-1, -1), 12)]


def table_style(*commands: tuple) -> TableStyle:
    """A TableStyle that keeps the pack's font."""
    return TableStyle([*TABLE_FONT, *commands])


def cell(value: Cell, style: str = "Cell") -> Flowable | list[Flowable]:
    return para(value, style) if isinstance(value, str) else value


def table(rows: Sequence[Sequence[Cell]], widths: Sequence[float], *,
          header: bool = False, shade_first_column: bool = False,
          bold_first_column: bool = False, compact: bool = False) -> Table:
    """A ruled table of escaped cells; the header row repeats on later pages."""
    data = [[cell(v, "CellBold" if (header and r == 0) or (bold_first_column and i == 0)
                  else "Cell") for i, v in enumerate(row)]
            for r, row in enumerate(rows)]
    t = Table(data, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT",
              splitInRow=1)
    style = [
        *TABLE_FONT,
        ("GRID", (0, 0), (-1, -1), 0.5, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 2 if compact else 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3 if compact else 5),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    if shade_first_column:
        style.append(("BACKGROUND", (0, 0), (0, -1), SHADE))
    t.setStyle(TableStyle(style))
    return t


class Box(Flowable):
    """An empty square to initial or tick, optionally already ticked."""

    def __init__(self, size: float = 9 * mm, ticked: bool = False) -> None:
        super().__init__()
        self.size = size
        self.ticked = ticked
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(1.2)
        c.setStrokeColor(colors.black)
        c.rect(0, 0, self.size, self.size)
        if self.ticked:
            inset = self.size * 0.2
            c.setLineWidth(2)
            c.line(inset, inset, self.size - inset, self.size - inset)
            c.line(inset, self.size - inset, self.size - inset, inset)


class Line(Flowable):
    """A horizontal rule to write on (wet-ink signature, date)."""

    def __init__(self, width: float, height: float = 12 * mm) -> None:
        super().__init__()
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return min(self.width, available_width), self.height

    def draw(self) -> None:
        self.canv.setLineWidth(0.8)
        self.canv.setStrokeColor(colors.black)
        self.canv.line(0, 1, self.width, 1)


def png_image(encoded: str, where: str, max_width: float, max_height: float) -> Image:
    """A signature image from base64 PNG, scaled to fit; PackError if unreadable."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise PackError(f"{where}: not base64 data") from None
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise PackError(f"{where}: not a PNG image")
    try:
        reader = ImageReader(io.BytesIO(raw))
        width, height = reader.getSize()
        reader.getRGBData()  # decode every pixel now: damaged data fails here, not mid-build
    except Exception:  # Pillow raises many kinds for a damaged file
        raise PackError(f"{where}: the PNG image cannot be read") from None
    if width <= 0 or height <= 0:
        raise PackError(f"{where}: the PNG image is empty")
    scale = min(max_width / width, max_height / height)
    return Image(io.BytesIO(raw), width=width * scale, height=height * scale, hAlign="LEFT")


def gap(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)
