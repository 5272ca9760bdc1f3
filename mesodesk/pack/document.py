"""The page machinery: a BaseDocTemplate with a first-page and a later-page
template, a running header (naming the copy: patient's or clinic's) and footer,
and a canvas that numbers pages "Page X of Y" once the total is known and
writes the PDF outline: one entry per section, grouped by copy, from which
:mod:`mesodesk.pack.copies` reads the pages of each copy."""

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
class Section:
    """One section of the pack: its outline title and the copy it belongs to
    ("" for the references, which serve both copies)."""

    key: str
    title: str
    copy: str


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


def numbered_canvas(running: Running, geometry: Geometry, created: str,
                    sections: Sequence[Section] = ()) -> type[Canvas]:
    """A canvas class that keeps each page until the end, then writes
    "Page X of Y" on every page and the outline of ``sections``, and dates the
    file ``created``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.setDateFormatter(lambda *_: created)
            self._pages: list[dict[str, Any]] = []
            self.part_pages: dict[str, int] = {}  # section key -> page it starts on
            self.copy_name = ""  # the copy being drawn, for the running header

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            starts = dict(self.part_pages)
            marks = dict(starts)  # bookmark key -> page; a copy's own mark at its first section
            for section in sections:
                if section.copy and section.key in starts:
                    marks.setdefault(f"copy:{section.copy}", starts[section.key])
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._page_number(number, total)
                for key, page in marks.items():
                    if page == number:
                        self.bookmarkPage(key, fit="XYZ", top=geometry.height)
                super().showPage()
            self._outline(starts)
            super().save()

        def _outline(self, starts: dict[str, int]) -> None:
            """Copy -> sections, in pack order; a copy's entry opens its first section."""
            copies_done: set[str] = set()
            for section in sections:
                if section.key not in starts:
                    continue
                if section.copy and section.copy not in copies_done:
                    copies_done.add(section.copy)
                    self.addOutlineEntry(section.copy, f"copy:{section.copy}", level=0)
                self.addOutlineEntry(section.title, section.key, level=1 if section.copy else 0)

        def _page_number(self, number: int, total: int) -> None:
            self.saveState()
            self.setFont(BOLD, RUNNING_PT + 1)
            self.setFillColor(INK)
            self.drawRightString(geometry.width - geometry.right, geometry.bottom - 9 * mm,
                                 f"Page {number} of {total}")
            self.restoreState()

    return NumberedCanvas


class SectionStart(Flowable):
    """Marks where a section starts (zero size): records its page for the
    outline and names the copy in the running header from this page on."""

    def __init__(self, section: Section) -> None:
        super().__init__()
        self.section = section
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.part_pages.setdefault(self.section.key, self.canv.getPageNumber())
        self.canv.copy_name = self.section.copy


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
        left = self._header_texts[0]
        copy_name = getattr(canvas, "copy_name", "")
        if copy_name:
            left = fit(f"{copy_name} · {self.running.clinic}", BOLD, RUNNING_PT + 1,
                       g.frame_width / 2 - 6)
        canvas.drawString(g.left, y, left)
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
           created: dt.date, sections: Sequence[Section] = (), **info: Any) -> bytes:
    """Lay out ``flowables`` and return the PDF bytes (before attachments)."""
    buffer = io.BytesIO()
    doc = PackDocument(buffer, geometry, running, **info)
    doc.build(list(flowables),
              canvasmaker=numbered_canvas(running, geometry, pdf_date(created), sections))
    return buffer.getvalue()
