"""The reference list's entries (mesodesk.pack.referencelist): shortened only
at whole words, never longer than the lines they are given, and given a
second line before a title is cut to a word or two."""

from __future__ import annotations

import re

import pytest

from mesodesk.catalogue.model import Source
from mesodesk.pack.referencelist import entry, fitted, lines_of, reference_texts
from mesodesk.pack.styles import stylesheet

LONG = Source(title="Interventions to improve patient comprehension in informed consent for "
                    "medical and surgical procedures: an updated systematic review",
              authors="Glaser J, Nouri S, Fernandez A, et al.",
              publisher="Medical Decision Making 40(2):119-143", year=2020, kind="review",
              doi="10.1177/0272989X19896348")
WEB = Source(title="Guidance for doctors who offer cosmetic interventions",
             publisher="General Medical Council (UK)", year=2016, kind="guideline",
             url="https://www.gmc-uk.org/professional-standards/the-professional-standards/"
                 "guidance-for-doctors-who-offer-cosmetic-interventions")


def style():
    return stylesheet()["Reference"]


def title_shown(text: str, src: Source) -> str:
    rest = text[text.index(f"({src.year}). ") + 8:]
    title = src.title.rstrip(".")
    return title if rest.startswith(title) else rest[:rest.index("…")]


@pytest.mark.parametrize("width", [180, 240, 300, 360, 420, 493])
@pytest.mark.parametrize("src", [LONG, WEB], ids=["journal", "web page"])
def test_shortened_entries_fit_and_end_on_whole_words(src, width):
    for lines in (1, 2):
        text, _ = fitted(entry(7, src), style(), width, lines)
        shown = title_shown(text, src)
        assert src.title.startswith(shown)
        assert src.title[len(shown):][:1] in ("", " ", ":", ","), f"cut mid-word: {text}"
        if len(shown.split()) > 1:  # one word and the DOI may still overflow a tiny width
            assert lines_of(text, style(), width) <= lines, text
        for word in re.findall(r"(\S+)…", text):
            whole = {w.strip(",;:.()") for w in (src.title + " " + src.publisher).split()}
            assert word.strip(",;:.()") in whole, text


def test_an_entry_names_first_author_year_title_place_and_doi():
    assert fitted(entry(3, LONG), style(), 1400, 1)[0] == (
        "3. Glaser J et al. (2020). Interventions to improve patient comprehension in informed "
        "consent for medical and surgical procedures: an updated systematic review. Medical "
        "Decision Making 40(2):119-143. doi:10.1177/0272989X19896348")
    two, _ = fitted(entry(3, LONG), style(), 493, 2)
    assert two == ("3. Glaser J et al. (2020). Interventions to improve patient comprehension "
                   "in informed consent for medical and surgical procedures… Medical Decision "
                   "Making. doi:10.1177/0272989X19896348"), "volume and pages go first"
    one, _ = fitted(entry(3, LONG), style(), 493, 1)
    assert one.startswith("3. Glaser J et al. (2020). Interventions to improve")
    assert one.endswith("doi:10.1177/0272989X19896348") and "…" in one
    assert lines_of(one, style(), 493) == 1


def test_a_web_page_gives_its_body_and_site_when_the_address_is_too_long():
    assert fitted(entry(1, WEB), style(), 900, 1)[0] == (
        "1. General Medical Council (2016). Guidance for doctors who offer cosmetic "
        "interventions. gmc-uk.org")
    assert fitted(entry(1, WEB), style(), 2000, 1)[0].endswith(
        "interventions. gmc-uk.org/professional-standards/the-professional-standards/"
        "guidance-for-doctors-who-offer-cosmetic-interventions")


def test_second_lines_go_to_the_longest_titles_within_the_pages_one_line_each_needs():
    short = Source(title="Informed consent", publisher="MedEsthetics", year=2015,
                   kind="practice", url="https://www.medestheticsmag.com/informed-consent-0")
    entries = [entry(n, LONG if n % 2 else short) for n in range(1, 11)]
    leading = style().leading
    roomy = reference_texts(entries, style(), 493, 40 * leading, 60 * leading)
    assert all(lines_of(t, style(), 493) == (2 if "Glaser" in t else 1) for t in roomy)
    tight = reference_texts(entries, style(), 493, 12 * leading, 60 * leading)
    assert sum(lines_of(t, style(), 493) for t in tight) <= 12 - 1, "no page more than one line each"
    assert any("…" in t for t in tight)
