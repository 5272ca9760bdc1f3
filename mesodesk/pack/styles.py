"""The pack's named paragraph styles and page geometry.

Patient text is at least 12 pt (UK clear-print guidance); only the running
header and footer, and the one-line references (10 pt), are smaller. Tests
read :data:`MIN_BODY_PT`, :data:`REFERENCE_PT` and the sheet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm

from mesodesk.pack.fonts import BOLD, FAMILY, register_fonts

MIN_BODY_PT = 12
REFERENCE_PT = 10  # the reference list: one line each, at the end
RUNNING_PT = 8.5  # header and footer

PAPERS: dict[str, tuple[float, float]] = {"a4": A4, "letter": LETTER}

INK = colors.HexColor("#1a1a1a")
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#8c8c8c")
SHADE = colors.HexColor("#eef2f7")
ALERT = colors.HexColor("#9c1c1c")


@dataclass(frozen=True)
class Geometry:
    """Page size and margins (points) for one paper."""

    width: float
    height: float
    left: float = 18 * mm
    right: float = 18 * mm
    top: float = 20 * mm
    bottom: float = 20 * mm

    @property
    def frame_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def frame_height(self) -> float:
        return self.height - self.top - self.bottom


def geometry(paper: str) -> Geometry:
    width, height = PAPERS[paper]
    return Geometry(width, height)


@functools.cache
def stylesheet() -> StyleSheet1:
    """Every style the pack uses, by name."""
    register_fonts()
    sheet = StyleSheet1()
    body = ParagraphStyle("Body", fontName=FAMILY, fontSize=12, leading=16, textColor=INK,
                          alignment=TA_LEFT, spaceAfter=5, bulletFontName=FAMILY,
                          bulletFontSize=12)
    sheet.add(body)
    sheet.add(ParagraphStyle("BodyTight", parent=body, spaceAfter=0))
    sheet.add(ParagraphStyle("Bullet", parent=body, leftIndent=14, bulletIndent=2,
                             spaceAfter=4))
    sheet.add(ParagraphStyle("Cell", parent=body, spaceAfter=0, leading=15))
    sheet.add(ParagraphStyle("CellBold", parent=body, fontName=BOLD, spaceAfter=0, leading=15))
    sheet.add(ParagraphStyle("Label", parent=body, fontName=BOLD, spaceAfter=2))
    sheet.add(ParagraphStyle("Alert", parent=body, fontName=BOLD, textColor=ALERT))
    sheet.add(ParagraphStyle("Note", parent=body, textColor=colors.HexColor("#404040")))
    sheet.add(ParagraphStyle("Reference", parent=body, fontSize=REFERENCE_PT, leading=11.2,
                             spaceAfter=0, leftIndent=12, firstLineIndent=-12))
    # the name of each risk, and the row labels of the key facts, act as headings
    sheet.add(ParagraphStyle("RiskName", parent=body, fontName=BOLD, fontSize=13, leading=17,
                             spaceBefore=4, spaceAfter=1, keepWithNext=1))
    sheet.add(ParagraphStyle("KeyLabel", parent=body, fontName=BOLD, fontSize=13, leading=16,
                             spaceAfter=0))
    sheet.add(ParagraphStyle("RiskText", parent=body, leftIndent=10, spaceAfter=1))
    sheet.add(ParagraphStyle("KeyCell", parent=body, leading=14.5, spaceAfter=1))
    sheet.add(ParagraphStyle("KeyCellBold", parent=body, fontName=BOLD, leading=14.5,
                             spaceAfter=1))
    sheet.add(ParagraphStyle("KeyBullet", parent=body, leftIndent=12, bulletIndent=0,
                             leading=14.5, spaceAfter=0))
    sheet.add(ParagraphStyle("Glossary", parent=body, leading=15, spaceAfter=3))
    sheet.add(ParagraphStyle("Compact", parent=body, leading=15, spaceAfter=4))
    sheet.add(ParagraphStyle("CellBullet", parent=body, leftIndent=12, bulletIndent=0,
                             leading=15, spaceAfter=1))
    sheet.add(ParagraphStyle("CardNote", parent=body, leading=15, spaceBefore=3,
                             textColor=colors.HexColor("#404040")))
    sheet.add(ParagraphStyle("Clinic", parent=body, fontName=BOLD, fontSize=22, leading=27,
                             textColor=ACCENT, spaceAfter=2))
    sheet.add(ParagraphStyle("Title", parent=body, fontName=BOLD, fontSize=20, leading=25,
                             spaceBefore=4, spaceAfter=6))
    sheet.add(ParagraphStyle("Part", parent=body, fontName=BOLD, fontSize=20, leading=25,
                             textColor=ACCENT, spaceAfter=10))
    sheet.add(ParagraphStyle("Heading", parent=body, fontName=BOLD, fontSize=15, leading=19,
                             textColor=ACCENT, spaceBefore=7, spaceAfter=3))
    sheet.add(ParagraphStyle("Subheading", parent=body, fontName=BOLD, fontSize=13, leading=17,
                             spaceBefore=6, spaceAfter=3))
    sheet.add(ParagraphStyle("CardBullet", parent=body, leftIndent=14, bulletIndent=2,
                             leading=15, spaceAfter=2))
    sheet.add(ParagraphStyle("CardHeading", parent=body, fontName=BOLD, fontSize=14, leading=18,
                             textColor=ACCENT, spaceBefore=6, spaceAfter=3))
    sheet.add(ParagraphStyle("Emergency", parent=body, fontName=BOLD, fontSize=16, leading=21,
                             textColor=ALERT, spaceAfter=6))
    sheet.add(ParagraphStyle("Box", parent=body, fontName=FAMILY, fontSize=18, leading=20,
                             spaceAfter=0))
    return sheet
