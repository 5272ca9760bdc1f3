"""The embedded DejaVu Sans family (Latin, Greek and Cyrillic in one font).

Registered once per process as a family, so ``<b>`` and ``<i>`` in the pack's
own markup pick the bold and oblique faces.
"""

from __future__ import annotations

import functools
import logging

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from mesodesk.resources import resource

log = logging.getLogger(__name__)

FAMILY = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
BOLD_ITALIC = "DejaVuSans-BoldOblique"

_FILES = {FAMILY: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf",
          ITALIC: "DejaVuSans-Oblique.ttf", BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf"}


class FontError(RuntimeError):
    """A shipped font file is missing or unreadable."""


@functools.cache
def register_fonts() -> str:
    """Register the family with reportlab (once) and return its name."""
    for name, filename in _FILES.items():
        path = resource("fonts", filename)
        try:
            pdfmetrics.registerFont(TTFont(name, str(path)))
        except OSError as exc:
            raise FontError(f"the pack font {path} cannot be read ({exc})") from None
    pdfmetrics.registerFontFamily(FAMILY, normal=FAMILY, bold=BOLD, italic=ITALIC,
                                  boldItalic=BOLD_ITALIC)
    log.debug("registered the %s font family", FAMILY)
    return FAMILY


@functools.cache
def _covered() -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(FAMILY).face.charToGlyph)


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` (already cleaned) the pack font cannot draw,
    each once, in order. Line breaks are layout, not glyphs."""
    covered = _covered()
    seen: dict[str, None] = {}
    for ch in text:
        if ch != "\n" and ord(ch) not in covered:
            seen.setdefault(ch, None)
    return "".join(seen)
