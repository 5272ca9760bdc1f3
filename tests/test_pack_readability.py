"""Plain language, measured: the patient's copy of every plan in tests/data
reads at Flesch reading ease 70 or more (see tests/readability.py for exactly
what is measured), and the measure notices jargon."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mesodesk.domain import load
from mesodesk.pack import build_pack

from tests.readability import TARGET, patient_prose, reading_ease

DATA = Path(__file__).parent / "data"
PLANS = sorted(p.stem for p in DATA.glob("*.json"))

JARGON = ("Intradermal microinjection of polydeoxyribonucleotide-containing "
          "biorevitalisation formulations necessitates comprehensive pharmacovigilance "
          "considering idiosyncratic immunological hypersensitivity, granulomatous "
          "inflammatory sequelae, and contemporaneous anticoagulation-associated "
          "haematological complications.")


@pytest.mark.parametrize("plan", PLANS)
def test_the_patients_copy_reads_at_flesch_70_or_more(plan, catalogue):
    prose = patient_prose(build_pack(load(DATA / f"{plan}.json"), catalogue))
    assert len(prose.split()) > 1500, "the measure covers the whole copy"
    assert "References" not in prose and "Health questions" not in prose
    score = reading_ease(prose)
    assert score >= TARGET, f"{plan}: Flesch reading ease {score:.1f} < {TARGET}"


def test_a_long_jargon_sentence_in_one_statement_fails_the_measure(catalogue):
    """Added to the statement every plan prints (what mesotherapy is), a few
    such sentences bring the copy below the target: the test above would fail."""
    c = load(DATA / "jane.json")
    before = reading_ease(patient_prose(build_pack(c, catalogue)))
    texts = catalogue.texts
    first = texts.what_is_mesotherapy[0]
    worse = dataclasses.replace(first, text=first.text + (" " + JARGON) * 6)
    jargon_catalogue = dataclasses.replace(
        catalogue, texts=dataclasses.replace(
            texts, what_is_mesotherapy=(worse, *texts.what_is_mesotherapy[1:])))
    prose = patient_prose(build_pack(c, jargon_catalogue))
    assert "pharmacovigilance" in prose
    after = reading_ease(prose)
    assert before >= TARGET > after, (before, after)


def test_headings_and_running_text_are_left_out_of_the_measure(catalogue):
    prose = patient_prose(build_pack(load(DATA / "jane.json"), catalogue))
    assert "Key facts about your treatment" not in prose      # a title
    assert "Fingerprint" not in prose and "Page 1 of" not in prose  # footer
    assert "[1]" not in prose and "[2, " not in prose         # citation numbers
    assert "You do not have to decide today." in prose       # body text stays
