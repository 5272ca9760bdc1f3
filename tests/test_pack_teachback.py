"""Teach-back questions generated from the plan (mesodesk.rules.teachback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesodesk.domain import load
from mesodesk.rules.teachback import MAX_QUESTIONS, MIN_QUESTIONS, questions

DATA = Path(__file__).parent / "data"
BLOOD_SUPPLY = "What would you do if the skin turned white or grey, or you had trouble seeing?"


@pytest.mark.parametrize("plan", sorted(p.stem for p in DATA.glob("*.json")))
def test_every_plan_gets_three_to_five_distinct_questions(plan, catalogue):
    asked = questions(load(DATA / f"{plan}.json"), catalogue)
    assert MIN_QUESTIONS <= len(asked) <= MAX_QUESTIONS
    assert len({q.question for q in asked}) == len(asked)
    assert all("{" not in q.question + q.answer for q in asked), "placeholders filled"
    assert all("Glaser2020" in q.source for q in asked)


def test_hyaluronic_acid_near_the_face_asks_about_blocked_blood_vessels_first(
        make_consultation, catalogue):
    face = questions(make_consultation({}), catalogue)
    assert face[0].question == BLOOD_SUPPLY and "999" in face[0].answer
    hands = questions(make_consultation({"areas": ["hands"]}), catalogue)
    assert BLOOD_SUPPLY not in [q.question for q in hands]


def test_the_plan_fills_the_questions(make_consultation, catalogue):
    asked = questions(make_consultation({"plan": {"sessions": 4, "interval_weeks": 2}}), catalogue)
    sessions = next(q for q in asked if q.key == "sessions")
    assert sessions.answer.startswith("4 sessions, about 2 weeks apart")
    one = questions(make_consultation({"plan": {"sessions": 1, "interval_weeks": 0}}), catalogue)
    assert next(q for q in one if q.key == "sessions").answer.startswith("1 session;")
    call = next(q for q in asked if q.key == "whom-to-call")
    assert "+44 1225 000000" in call.answer


def test_an_off_label_product_is_named_in_its_question(catalogue):
    asked = questions(load(DATA / "pack_txa_melasma.json"), catalogue)
    off = [q for q in asked if q.key == "off-label"]
    assert len(off) == 1 and "Tranexamic acid" in off[0].question
    assert not [q for q in questions(load(DATA / "jane.json"), catalogue)
                if q.key in ("off-label", "unlicensed")]
    pcdc = questions(load(DATA / "pack_pcdc_abdomen.json"), catalogue)
    assert [q.key for q in pcdc if q.key in ("off-label", "unlicensed")] == ["unlicensed"]


def test_questions_are_a_pure_function_of_the_plan(catalogue):
    c = load(DATA / "pack_dca_submental.json")
    assert questions(c, catalogue) == questions(c, catalogue)
    assert questions(c, catalogue)[0].key == "dca-swallowing-smile"
