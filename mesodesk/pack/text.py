"""The one way user and catalogue text becomes a Paragraph.

Everything printed in the pack is data, never markup: a patient called
``Zoë <b>O'Hara & Sons</b>`` prints exactly as typed. :func:`clean` is the
normalisation (NFC, line breaks unified, characters that XML or reportlab
cannot carry removed); :func:`markup` escapes the cleaned text for
reportlab's paragraph parser. Nothing here imports reportlab, so tests and
other layers can apply the same normalisation when comparing text.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

# C0/C1 controls except tab and newline, lone surrogates, and the two
# noncharacters XML forbids. Tabs become spaces (a paragraph has no tab stops).
_UNCARRIABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile("\r\n|\r|\u2028|\u2029|\x0b|\x0c|\x85")


def clean(text: str) -> str:
    """Normalise ``text`` the way the pack prints it: NFC, ``\\n`` line breaks,
    tabs as spaces, control characters and other uncarriable code points removed."""
    text = _LINE_BREAKS.sub("\n", str(text))
    text = _UNCARRIABLE.sub("", text.replace("\t", " "))
    # normalise last: removing a control character can bring a letter and its
    # combining accent together ("C\x7f\u0301" prints as "Ć")
    return unicodedata.normalize("NFC", text)


# The right-to-left mark and the blocks whose letters are right-to-left (Hebrew, Arabic, Syriac, Thaana, N'Ko,
# Samaritan, Mandaic, their presentation forms, and the historic RTL planes): a
# fast test that lets almost every paragraph skip the bidi work.
_RTL = re.compile("[\u200f\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff"
                  "\U0001e800-\U0001efff]")


def has_rtl(text: str) -> bool:
    return _RTL.search(text) is not None


def visual(text: str) -> str:
    """Right-to-left runs (Hebrew, Arabic) put in the order they are drawn, with
    Arabic letters joined; reportlab draws glyphs left to right as given. Each
    line keeps a left-to-right base direction, as the pack is in English."""
    return "\n".join(visual_line(joined(line)) for line in text.split("\n"))


def joined(text: str) -> str:
    """Arabic letters in their joined (presentation) forms, still in logical
    order, so reportlab measures and wraps what it will draw."""
    if not has_rtl(text):
        return text
    import arabic_reshaper

    return arabic_reshaper.reshape(text)


def visual_line(text: str) -> str:
    """One already wrapped line of (joined) text in the order it is drawn."""
    if not has_rtl(text):
        return text
    from bidi import get_display

    return get_display(text, base_dir="L")


def markup(text: str) -> str:
    """``text`` as safe paragraph markup: cleaned, joined, XML-escaped, newlines as
    ``<br/>``. Still in logical order: :class:`mesodesk.pack.flow.BidiParagraph`
    puts each wrapped line in visual order."""
    return escape(joined(clean(text))).replace("\n", "<br/>")


def one_line(text: str) -> str:
    """Cleaned text on a single line (for running headers and table cells)."""
    return visual(" ".join(clean(text).split()))
