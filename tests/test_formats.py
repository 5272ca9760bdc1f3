"""Every consultation format mesodesk ever wrote keeps opening, for ever.

``tests/data/formats/vN.json`` holds one example per format; they are never
edited. A ``/1`` document is upgraded in memory; the program writes ``/2``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import typing
from pathlib import Path

import pytest

from mesodesk.domain import (FORMAT, FORMATS, Consultation, ConsultationError, dumps,
                             fingerprint, from_data, load, loads, to_data)
from mesodesk.pack import read_embedded
from tests.conftest import DATA

FORMAT_FILES = sorted((DATA / "formats").glob("v*.json"))
OLD_PACK = DATA / "packs" / "v0.1.0-format1-unsealed.pdf"


def example(version: int) -> dict:
    return json.loads((DATA / "formats" / f"v{version}.json").read_text(encoding="utf-8"))


def test_there_is_an_example_of_every_format_the_program_reads():
    stated = {json.loads(p.read_text(encoding="utf-8"))["format"] for p in FORMAT_FILES}
    assert stated == set(FORMATS)
    assert FORMATS[-1] == FORMAT == "mesodesk-consultation/2"


@pytest.mark.parametrize("path", FORMAT_FILES, ids=lambda p: p.name)
def test_every_format_example_loads_and_saves_as_the_current_format(path, tmp_path):
    consultation = load(path)
    assert consultation.format == FORMAT
    original = json.loads(path.read_text(encoding="utf-8"))
    saved = json.loads(dumps(consultation))
    # Saved again, an older file differs only in its format line.
    assert saved == {**original, "format": FORMAT}
    assert load_text(dumps(consultation)) == consultation


def load_text(text: str) -> Consultation:
    return loads(text)


def _model_keys(cls: type, prefix: str = "") -> set[str]:
    """Every key the model can write, as dotted paths (a list's items share its path)."""
    out: set[str] = set()
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        out.add(path)
        tp = hints[f.name]
        for arg in (tp, *typing.get_args(tp)):
            if dataclasses.is_dataclass(arg):
                out |= _model_keys(arg, path + ".")
    return out


def _data_keys(value, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict) and not prefix.endswith("answers."):
        for k, v in value.items():
            out.add(f"{prefix}{k}")
            out |= _data_keys(v, f"{prefix}{k}.")
    elif isinstance(value, list):
        for item in value:
            out |= _data_keys(item, prefix)
    return out


def test_the_newest_example_holds_every_key_the_model_can_write():
    newest = FORMAT_FILES[-1]
    data = json.loads(newest.read_text(encoding="utf-8"))
    missing = _model_keys(Consultation) - _data_keys(data) - {"screening.answers"}
    assert not missing, f"{newest.name} lacks {sorted(missing)}"


def test_the_second_format_round_trips_exactly():
    data = example(2)
    consultation = from_data(data)
    assert to_data(consultation) == data
    assert consultation.patient.weight_kg == 68.0
    assert consultation.patient.age_check.method == "passport"
    assert consultation.practitioner.independent_prescriber is True
    assert consultation.products[0].points[1].depth_mm is None  # the delivery depth
    assert consultation.products[1].name == "Example serum X"
    assert consultation.consent.prescriber_assessment.in_person is True
    assert consultation.consent.teach_back[0].understood is True
    assert consultation.consent.withdrawn.reason == "Changed her mind."


def test_keys_at_their_empty_default_are_left_out():
    data = example(2)
    consultation = from_data(data)
    bare = consultation.replace(
        patient=dataclasses.replace(consultation.patient, weight_kg=None, age_check=None),
        practitioner=dataclasses.replace(consultation.practitioner,
                                         independent_prescriber=False))
    written = to_data(bare)
    assert "weight_kg" not in written["patient"] and "age_check" not in written["patient"]
    assert "independent_prescriber" not in written["practitioner"]
    v1 = from_data(example(1))
    assert to_data(v1) == {**example(1), "format": FORMAT}
    assert fingerprint(v1) != fingerprint(from_data(example(2)))


def test_a_first_format_file_holding_a_key_added_later_is_refused():
    data = example(1)
    data["patient"]["weight_kg"] = 60
    data["products"][0]["points"] = []
    with pytest.raises(ConsultationError) as info:
        from_data(data)
    problems = [str(p) for p in info.value.problems]
    assert ("patient.weight_kg: unknown key in mesodesk-consultation/1 (it was added in "
            "mesodesk-consultation/2)") in problems
    assert any(p.startswith("products[0].points: unknown key in") for p in problems)


def test_upgrading_leaves_the_callers_data_alone():
    data = example(1)
    before = copy.deepcopy(data)
    from_data(data)
    assert data == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"patient": {"weight_kg": 0}}, "patient.weight_kg: must be more than 0, not 0"),
        ({"patient": {"weight_kg": 501}}, "patient.weight_kg: must be at most 500, not 501"),
        ({"patient": {"age_check": {"method": "selfie", "checked_by": "A",
                                    "checked_at": "2026-11-25T09:55:00Z"}}},
         "patient.age_check.method: must be one of 'passport'"),
        ({"patient": {"age_check": {"method": "passport", "checked_by": "A",
                                    "checked_at": "2026-02-30T09:55:00Z"}}},
         "patient.age_check: checked_at: not a real date and time (2026-02-30T09:55:00Z)"),
        ({"practitioner": {"independent_prescriber": "yes"}},
         "practitioner.independent_prescriber: must be true or false, not text"),
        ({"consent": {"information_given_at": "yesterday"}},
         "consent.information_given_at: not an ISO-8601 date and time"),
        ({"consent": {"prescriber_assessment": {"name": "N", "assessed_at": "2026-11-18T15:00"}}},
         "consent.prescriber_assessment.in_person: missing"),
        ({"consent": {"withdrawn": {"reason": "no"}}}, "consent.withdrawn.at: missing"),
        ({"consent": {"teach_back": [{"question": "", "understood": True}]}},
         "consent.teach_back[0].question: must not be empty"),
        ({"plan": {"rationale": 3}}, "plan.rationale: must be text, not a number"),
    ],
)
def test_bad_values_in_new_keys_are_named_by_path(change, expected):
    data = example(2)
    for section, values in change.items():
        data[section] = {**data[section], **values}
    with pytest.raises(ConsultationError) as info:
        from_data(data)
    assert any(str(p).startswith(expected) for p in info.value.problems), info.value.problems


@pytest.mark.parametrize(
    ("point", "expected"),
    [
        ({"x": 1.5}, "products[0].points[0].x: must be at most 1, not 1.5"),
        ({"y": -0.1}, "products[0].points[0].y: must be at least 0, not -0.1"),
        ({"view": "face"}, "products[0].points[0].view: must be one of 'face-front'"),
        ({"volume_ml": 0}, "products[0].points[0].volume_ml: must be more than 0"),
        ({"depth_mm": -1}, "products[0].points[0].depth_mm: must be more than 0"),
    ],
)
def test_bad_injection_points_are_named_by_path(point, expected):
    data = example(2)
    first = data["products"][0]["points"][0]
    data["products"][0]["points"][0] = {**first, **point}
    with pytest.raises(ConsultationError) as info:
        from_data(data)
    assert any(str(p).startswith(expected) for p in info.value.problems), info.value.problems


def test_a_first_format_draft_in_the_database_still_opens(sqlite_store):
    """Drafts are stored as the wizard's JSON; one saved by the previous release
    says /1 and must still build into a consultation."""
    draft_id = sqlite_store.save_draft(None, example(1), "review")
    data = sqlite_store.load_draft(draft_id).data
    assert data["format"] == "mesodesk-consultation/1"
    assert from_data(data) == from_data(example(1))


def test_a_pack_made_by_the_previous_release_still_opens():
    embedded = read_embedded(OLD_PACK.read_bytes())
    assert json.loads(embedded)["format"] == "mesodesk-consultation/1"
    consultation = loads(embedded)
    assert consultation.patient.name == "Jane O'Hara"
    assert consultation.format == FORMAT
