"""The reference list at the end of the pack: one entry per source, at 10 pt.

An entry reads "N. First author or body (year). Title. Where published.
doi:… / PMID … / web address". It takes one line; when the whole entry does
not fit, it is shortened in this order until it does: a web address to its
site, the volume and pages after the journal's name, then the journal's name
and the title, word by word, each shortened one ends with "…". A word is never
cut. Entries that lose words of their title get a second line instead, as far
as the room left on the last page of the list allows, so the list takes no
more pages than it would at one line each: first those losing most words. An
entry whose title would keep fewer than four words always gets its second line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from reportlab.lib.styles import ParagraphStyle

from mesodesk.catalogue.model import Source
from mesodesk.pack.flow import BidiParagraph
from mesodesk.pack.text import markup, one_line

ELLIPSIS = "…"
MIN_TITLE_WORDS = 4  # a title is not shortened below this while the place can give way
# volume, issue and pages after a journal's name: "Annals of Medicine 54(1):80-97", "15:682-694"
_VOLUME = re.compile(r"\s+\d+(\(\d+\))?(:[\w.-]+)?(\s*\(.*\))?$")
_PARENTHESIS = re.compile(r"\s*\([^()]*\)")


@dataclass(frozen=True)
class Entry:
    """The parts of one entry, before shortening."""

    number: int
    who: str     # first author (et al.) or the body that published it
    year: str
    title: str
    where: str   # journal or publisher ("" when it is already ``who``)
    ident: str   # doi:…, PMID … or the web address
    site: str    # the address's site alone ("" for a DOI or PMID)


def entry(number: int, src: Source) -> Entry:
    authors = " ".join(src.authors.split())
    names = [a.strip() for a in authors.split(",") if a.strip()]
    where = one_line(src.publisher)
    if names:
        who = names[0]
        if len(names) > 1 or "et al" in authors:
            who = who.replace("et al.", "").strip() + " et al."
    else:  # a body: its name without the notes in brackets
        who, where = _PARENTHESIS.sub("", where).strip() or where, ""
    if src.doi:
        ident, site = f"doi:{src.doi}", ""
    elif src.pmid:
        ident, site = f"PMID {src.pmid}", ""
    else:
        ident = re.sub(r"^https?://(www\.)?", "", src.url.strip()).rstrip("/")
        site = ident.split("/")[0]
    where = where.rstrip(". ")
    if where in (ident, site):
        where = ""  # a web page's site, already given by its address
    return Entry(number, one_line(who), str(src.year) if src.year else "",
                 one_line(src.title).rstrip(". "), where, ident, site)


def _words(text: str, keep: int) -> str:
    """The first ``keep`` words of ``text``, with "…" when any are left out."""
    words = text.split()
    if keep >= len(words):
        return text
    return " ".join(words[:keep]).rstrip(",;:.-–—(") + ELLIPSIS


def _text(e: Entry, title: str, where: str, ident: str) -> str:
    head = f"{e.number}. {e.who}" + (f" ({e.year})" if e.year else "") + "."
    parts = [head, _end(title), _end(where) if where else "", ident]
    return " ".join(p for p in parts if p)


def _end(text: str) -> str:
    return text if text.endswith((ELLIPSIS, "?", "!")) else text + "."


def _candidates(e: Entry):
    """Ever shorter versions of the entry: (text, title words left out)."""
    ident, where = e.ident, e.where
    title_words = len(e.title.split())
    yield _text(e, e.title, where, ident), 0
    if e.site and e.site != ident:
        ident = e.site
        yield _text(e, e.title, where, ident), 0
    short_where = _VOLUME.sub("", where).strip()
    if short_where != where:
        where = short_where
        yield _text(e, e.title, where, ident), 0
    keep_where, keep_title = len(where.split()), title_words
    steps = []  # the place gives way to 3 words, the title to 4, the place goes, the title to 1
    steps += ["where"] * max(0, keep_where - 3)
    steps += ["title"] * max(0, keep_title - MIN_TITLE_WORDS)
    steps += ["no where"] if keep_where else []
    steps += ["title"] * max(0, min(keep_title, MIN_TITLE_WORDS) - 1)
    for step in steps:
        if step == "where":
            keep_where -= 1
        elif step == "title":
            keep_title -= 1
        else:
            keep_where = 0
        place = _words(where, keep_where) if keep_where else ""
        yield _text(e, _words(e.title, keep_title), place, ident), title_words - keep_title


def lines_of(text: str, style: ParagraphStyle, width: float) -> int:
    p = BidiParagraph(markup(text), style)
    p.wrap(width, 10_000)
    return len(p.blPara.lines)


def fitted(e: Entry, style: ParagraphStyle, width: float,
           lines: int) -> tuple[str, tuple[bool, int]]:
    """The longest version of ``e`` in at most ``lines`` lines, and what it
    loses: (title cut below MIN_TITLE_WORDS, words of the title left out)."""
    words = len(e.title.split())
    last = ("", (False, 0))
    for text, lost in _candidates(e):
        last = (text, (words - lost < min(words, MIN_TITLE_WORDS), lost))
        if lines_of(text, style, width) <= lines:
            return last
    return last  # one word of title and the identifier: as short as an entry gets


def reference_texts(entries: Sequence[Entry], style: ParagraphStyle, width: float,
                    first_page: float, page: float) -> list[str]:
    """Each entry's text: one line each, then second lines for the entries that
    lost most of their title, in the room left on the list's last page
    (``first_page`` and ``page``: the height for entries on the first and on
    later pages)."""
    one = [fitted(e, style, width, 1) for e in entries]
    leading = style.leading
    first, later = int(first_page // leading), int(page // leading)
    n = len(entries)
    pages = 1 if n <= first else 1 + math.ceil((n - first) / later)
    # a line kept free per page: a two-line entry never leaves one line alone at a foot
    spare = first + (pages - 1) * later - n - pages
    texts = [text for text, _ in one]
    # titles cut below a few words first, then those losing most words
    wanting = sorted((i for i, (_, lost) in enumerate(one) if lost[1]),
                     key=lambda i: (not one[i][1][0], -one[i][1][1], i))
    for i in wanting:
        if spare <= 0 and not one[i][1][0]:  # a title of a word or two gets its line anyway
            break
        texts[i] = fitted(entries[i], style, width, 2)[0]
        spare -= 1
    return texts
