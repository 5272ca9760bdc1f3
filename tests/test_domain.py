"""The consultation file format: round-trip, validation naming paths, age."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesodesk.domain import (ConsultationError, age_on, canonical_json, dumps, fingerprint,
                             from_data, load, loads, save, to_data)
from tests.conftest import DATA, load_example, merge


def problems_of(data) -> list[str]:
    with pytest.raises(ConsultationError) as info:
        from_data(data)
    return [str(p) for p in info.value.problems]


def test_example_round_trips_to_the_same_json(jane_data):
    """jane.json is a /1 file: read and saved again, only its format changes."""
    assert jane_data["format"] == "mesodesk-consultation/1"
    consultation = from_data(jane_data)
    upgraded = {**jane_data, "format": "mesodesk-consultation/2"}
    assert to_data(consultation) == upgraded
    assert json.loads(dumps(consultation)) == upgraded
    assert to_data(from_data(upgraded)) == upgraded


def test_optional_fields_are_kept_only_when_given(jane_data):
    with_count = merge(jane_data, {"products": [dict(jane_data["products"][0], injections=40)]})
    assert to_data(from_data(with_count))["products"][0]["injections"] == 40
    assert "injections" not in to_data(from_data(jane_data))["products"][0]


def test_save_then_load_gives_the_same_consultation(tmp_path, jane_data):
    consultation = from_data(jane_data)
    path = tmp_path / "c.json"
    save(consultation, path)
    assert load(path) == consultation
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # no temporary left behind


def test_fingerprint_is_stable_and_sensitive(jane_data):
    a = from_data(jane_data)
    b = from_data(merge(jane_data, {"patient": {"name": "Jane O'Hara "}}))
    assert fingerprint(a) == fingerprint(from_data(json.loads(dumps(a))))
    assert fingerprint(a) != fingerprint(b)
    assert len(fingerprint(a)) == 64
    assert canonical_json(a).startswith(b'{"areas":')


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        ("2008-11-26", "2026-11-25", 17),  # 17 years 364 days
        ("2008-11-25", "2026-11-25", 18),  # 18th birthday
        ("2008-02-29", "2026-02-28", 17),  # leap-day birthday: not yet
        ("2008-02-29", "2026-03-01", 18),
        ("1986-03-14", "2026-11-25", 40),
    ],
)
def test_age_is_whole_years_on_the_consultation_date(born, on, age):
    assert age_on(dt.date.fromisoformat(born), dt.date.fromisoformat(on)) == age


def test_patient_age_uses_the_consultation_date(make_consultation):
    c = make_consultation({"date": "2026-11-25", "patient": {"date_of_birth": "2008-11-26"}})
    assert c.patient_age == 17


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"date": "2026-02-30"}, "date: not a real date (2026-02-30)"),
        ({"date": "25/11/2026"}, "date: not a date (expected YYYY-MM-DD)"),
        ({"patient": {"date_of_birth": 19860314}}, "patient.date_of_birth: not a date"),
        ({"plan": {"sessions": "four"}}, "plan.sessions: must be a whole number, not text"),
        ({"plan": {"sessions": 0}}, "plan.sessions: must be at least 1, not 0"),
        ({"delivery": {"depth_mm": True}}, "delivery.depth_mm: must be a number, not true"),
        ({"delivery": {"depth_mm": 1e308 * 10}}, "delivery.depth_mm: must be a finite number"),
        ({"delivery": {"needle_gauge": 10**30}}, "delivery.needle_gauge: must be at most 40"),
        ({"screening": {"answers": {"pregnant": "maybe"}}},
         "screening.answers.pregnant: must be one of 'yes', 'no', 'unknown', not 'maybe'"),
        ({"consent": {"photos": "everything"}}, "consent.photos: must be one of"),
        ({"patient": {"name": "  "}}, "patient.name: must not be empty"),
        ({"areas": []}, "areas: must not be empty"),
        ({"areas": "face"}, "areas: must be a list, not text"),
        ({"clinic": None}, "clinic: must be an object, not null"),
        ({"colour": "blue"}, "colour: unknown key"),
        ({"format": "mesodesk-consultation/3"},
         "format: expected one of 'mesodesk-consultation/1', 'mesodesk-consultation/2', not "
         "'mesodesk-consultation/3' (made by a newer mesodesk?)"),
        ({"format": "consultation"}, "format: expected one of 'mesodesk-consultation/1'"),
        ({"indication": "Skin Rejuvenation"}, "indication: is not a catalogue id"),
        ({"consent": {"signatures": [{"role": "patient", "name": "J", "signed_at": "2026-13-40T10:00"}]}},
         "consent.signatures[0]"),
    ],
)
def test_invalid_values_are_named_by_path(jane_data, change, expected):
    problems = problems_of(merge(jane_data, change))
    assert any(p.startswith(expected) for p in problems), problems


def test_negative_volume_and_missing_keys_are_all_reported(jane_data):
    data = merge(jane_data, {"products": [{"id": "lidocaine", "volume_ml": -1}]})
    del data["plan"]
    problems = problems_of(data)
    assert "products[0].volume_ml: must be more than 0, not -1" in problems
    assert "products[0].expiry: missing" in problems
    assert "plan: missing" in problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "not valid JSON at line 1, column 2"),
        ("", "not valid JSON at line 1, column 1"),
        ("[1, 2]", "must be an object, not a list"),
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": 1, "a": 2}', "key 'a' appears twice"),
        (b"\xff\xfe\x00junk", "not UTF-8 text"),
        ("[" * 100000, "not valid JSON"),
    ],
)
def test_malformed_text_gives_one_sentence(text, expected):
    with pytest.raises(ConsultationError) as info:
        loads(text)
    assert expected in info.value.sentence()
    assert "\n" not in info.value.sentence()


def test_load_names_the_file(tmp_path):
    with pytest.raises(ConsultationError, match="no such file"):
        load(tmp_path / "missing.json")
    with pytest.raises(ConsultationError, match="is a folder"):
        load(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "mesodesk-consultation/1"}', encoding="utf-8")
    with pytest.raises(ConsultationError) as info:
        load(bad)
    assert info.value.sentence().startswith(f"{bad}: date: missing (and ")


texts = st.text(max_size=40)


@settings(max_examples=60, deadline=None)
@given(name=texts, notes=texts, medications=texts, lot=texts,
       volume=st.floats(min_value=0.01, max_value=999, allow_nan=False),
       born=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 11, 25)))
def test_any_valid_consultation_round_trips(name, notes, medications, lot, volume, born):
    jane_data = load_example()
    data = merge(jane_data, {
        "patient": {"name": name or "x", "date_of_birth": born.isoformat()},
        "screening": {"notes": notes, "medications": medications},
        "products": [dict(jane_data["products"][0], lot=lot, volume_ml=volume)],
    })
    if not any(not unicodedata.category(ch).startswith(("C", "Z")) for ch in name or "x"):
        with pytest.raises(ConsultationError, match="patient.name: must not be empty"):
            from_data(data)
        return
    consultation = from_data(data)
    again = loads(dumps(consultation))
    assert again == consultation
    assert canonical_json(again) == canonical_json(consultation)


def test_example_file_is_the_design_shape():
    data = json.loads((DATA / "jane.json").read_text(encoding="utf-8"))
    assert list(data) == ["format", "date", "language", "clinic", "practitioner", "patient",
                          "screening", "indication", "areas", "delivery", "products", "plan",
                          "consent"]
