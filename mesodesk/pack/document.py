"""The page machinery: a BaseDocTemplate with a first-page and a later-page
template, a running header and footer, and a canvas that numbers pages
"Page X of Y" once the total is known."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any, Sequence

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from mesodesk.pack.fonts import BOLD, FAMILY
from mesodesk.pack.styles import ACCENT, INK, RULE, RUNNING_PT, Geometry
from mesodesk.pack.text import one_line


# Compressed streams as binary, not ASCII85 text: a quarter smaller, and the
# pure-Python ASCII85 encoder was a fifth of the build time. Set once, for
# every build, so output stays deterministic (only this package uses reportlab).
rl_config.useA85 = 0


@dataclass(frozen=True)
class Running:
    """What the header and footer say on every page."""

    clinic: str
    patient: str
    fingerprint: str


def pdf_date(day: dt.date) -> str:
    """The consultation date as a PDF date string (midnight UTC), so the same
    consultation always gives the same bytes."""
    return f"D:{day:%Y%m%d}000000+00'00'"


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` on one line, shortened with an ellipsis to fit ``width``
    (running header only; the full text is in the body)."""
    text = one_line(text)
    if stringWidth(text, font, size) <= width:
        return text
    text = text[:int(width)]  # a header line holds far fewer characters than points
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def numbered_canvas(running: Running, geometry: Geometry, created: str) -> type[Canvas]:
    """A canvas class that keeps each page until the end, then writes
    "Page X of Y" on every page, and dates the file ``created``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: created)
            self._pages: list[dict[str, Any]] = []
            self.part_pages: dict[int, int] = {}  # part number -> page it starts on
            self.page_refs: list[tuple[int, float, float, int]] = []  # page, x, y, part

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._page_number(number, total)
                self._page_refs(number)
                super().showPage()
            super().save()

        def _page_refs(self, number: int) -> None:
            for page, x, y, part in self.page_refs:
                if page == number and part in self.part_pages:
                    self.saveState()
                    self.setFont(FAMILY, 12)
                    self.setFillColor(INK)
                    self.drawString(x, y, str(self.part_pages[part]))
                    self.restoreState()

        def _page_number(self, number: int, total: int) -> None:
            self.saveState()
            self.setFont(BOLD, RUNNING_PT + 1)
            self.setFillColor(INK)
            self.drawRightString(geometry.width - geometry.right, geometry.bottom - 9 * mm,
                                 f"Page {number} of {total}")
            self.restoreState()

    return NumberedCanvas


class PartHeading(Paragraph):
    """A part's title; records the page it lands on for the contents."""

    def __init__(self, text: str, style: Any, part: int) -> None:
        super().__init__(text, style)
        self.part = part

    def draw(self) -> None:
        self.canv.part_pages.setdefault(self.part, self.canv.getPageNumber())
        super().draw()


class PageOf(Flowable):
    """The page a part starts on, written in once the whole pack is laid out
    (the contents on page 1 are drawn before later pages exist)."""

    def __init__(self, part: int, width: float = 12 * mm, height: float = 15) -> None:
        super().__init__()
        self.part = part
        self.width = width
        self.height = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 3)
        self.canv.page_refs.append((self.canv.getPageNumber(), x, y, self.part))


class PackDocument(BaseDocTemplate):
    """The pack's document template."""

    def __init__(self, buffer: io.BytesIO, geometry: Geometry, running: Running,
                 **info: Any) -> None:
        self.geometry = geometry
        self.running = running
        half = geometry.frame_width / 2 - 6
        self._header_texts = (fit(running.clinic, BOLD, RUNNING_PT + 1, half),
                              fit(running.patient, FAMILY, RUNNING_PT + 1, half))
        super().__init__(buffer, pagesize=(geometry.width, geometry.height),
                         leftMargin=geometry.left, rightMargin=geometry.right,
                         topMargin=geometry.top, bottomMargin=geometry.bottom,
                         invariant=1, pageCompression=1, initialFontName=FAMILY,
                         initialFontSize=12, **info)
        g = geometry
        first = Frame(g.left, g.bottom, g.frame_width, g.frame_height, id="first",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        later = Frame(g.left, g.bottom, g.frame_width, g.frame_height, id="later",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate(id="First", frames=[first], onPageEnd=self._footer),
            PageTemplate(id="Later", frames=[later], onPageEnd=self._header_and_footer),
        ])

    def handle_pageBegin(self) -> None:  # noqa: N802 (reportlab's name)
        super().handle_pageBegin()
        self._handle_nextPageTemplate("Later")

    def _header_and_footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        g = self.geometry
        canvas.saveState()
        y = g.height - g.top + 8 * mm
        canvas.setFont(BOLD, RUNNING_PT + 1)
        canvas.setFillColor(ACCENT)
        canvas.drawString(g.left, y, self._header_texts[0])
        canvas.setFont(FAMILY, RUNNING_PT + 1)
        canvas.setFillColor(INK)
        canvas.drawRightString(g.width - g.right, y, self._header_texts[1])
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(g.left, y - 2.5 * mm, g.width - g.right, y - 2.5 * mm)
        canvas.restoreState()
        self._footer(canvas, doc)

    def _footer(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        g = self.geometry
        canvas.saveState()
        y = g.bottom - 9 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(g.left, y + 4 * mm, g.width - g.right, y + 4 * mm)
        canvas.setFont(FAMILY, RUNNING_PT)
        canvas.setFillColor(INK)
        canvas.drawString(g.left, y, f"Fingerprint {self.running.fingerprint}")
        canvas.restoreState()


def render(flowables: Sequence[Flowable], geometry: Geometry, running: Running,
           created: dt.date, **info: Any) -> bytes:
    """Lay out ``flowables`` and return the PDF bytes (before attachments)."""
    buffer = io.BytesIO()
    doc = PackDocument(buffer, geometry, running, **info)
    doc.build(list(flowables),
              canvasmaker=numbered_canvas(running, geometry, pdf_date(created)))
    return buffer.getvalue()
