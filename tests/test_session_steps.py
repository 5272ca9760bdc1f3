"""The steps table and the snapshot of a consultation session, tested without Qt
(no QApplication, no PySide6 import)."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesodesk.session import DEFAULT_TABLE, FlowState, Snapshot, ceremony
from mesodesk.session import draft as flow
from tests.ceremony_support import with_teach_back
from tests.conftest import load_example, merge

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def complete(jane_data, catalogue) -> dict:
    """Jane's consultation with every catalogue question answered "no"."""
    data = copy.deepcopy(jane_data)
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["format"] = "mesodesk-consultation/2"                       # age checked (issue 15)
    data["patient"]["age_check"] = {"method": "passport", "checked_by": "Dr Ana Silva",
                                    "checked_at": "2026-11-25T09:55:00+00:00"}
    return with_teach_back(data, catalogue)


def snapshot(state: FlowState, catalogue) -> Snapshot:
    return Snapshot(state, catalogue, DEFAULT_TABLE)


def statuses(state: FlowState, catalogue) -> dict[str, str]:
    return {v.id: v.status for v in snapshot(state, catalogue).views()}


def can_enter(step_id: str, state: FlowState, catalogue) -> bool:
    return snapshot(state, catalogue).can_enter(step_id)


def is_complete(step_id: str, state: FlowState, catalogue) -> bool:
    return snapshot(state, catalogue).complete(step_id)


def test_session_layer_imports_no_qt_reportlab_or_database():
    code = ("import sys, mesodesk.session; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'reportlab', 'sqlalchemy')]; "
            "print(bad); raise SystemExit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_steps_are_in_consultation_order():
    assert DEFAULT_TABLE.ids == ("clinic", "patient", "screening", "indication", "delivery",
                             "formulation", "map", "plan", "review", "consent", "pack", "sign",
                             "done")
    assert DEFAULT_TABLE.next_step("formulation") == "map"
    assert DEFAULT_TABLE.next_step("map") == "plan"
    assert DEFAULT_TABLE.next_step("plan") == "review"
    assert DEFAULT_TABLE.previous_step("clinic") is None
    assert DEFAULT_TABLE.next_step("done") is None


@pytest.mark.parametrize("path, step", [
    ("patient.date_of_birth", "patient"),
    ("screening.answers.pregnant", "screening"),
    ("screening.allergies[0]", "screening"),
    ("indication", "indication"),
    ("areas[1]", "indication"),
    ("delivery.depth_mm", "delivery"),
    ("products[0].expiry", "formulation"),
    ("products", "formulation"),
    ("products[1].volume_ml", "formulation"),
    ("products[0].points[3]", "map"),              # the longest section naming it
    ("products[2].points[0].depth_mm", "map"),
    ("plan.interval_weeks", "plan"),
    ("consent.overrides[0].reason", "review"),
    ("practitioner.registration", "clinic"),
    ("", "review"),
])
def test_a_finding_path_leads_to_the_step_that_edits_it(path, step):
    assert DEFAULT_TABLE.step_for_path(path) == step


def test_a_new_consultation_remembers_the_clinic_and_nothing_else(catalogue):
    data = flow.new_data(TODAY, {"name": "Riverside"}, {"name": "Dr Silva"})
    state = FlowState(data)
    done = statuses(state, catalogue)
    assert done["clinic"] == "done"
    assert all(done[s] == "todo" for s in ("patient", "screening", "indication",
                                           "delivery", "formulation", "plan"))
    assert snapshot(state, catalogue).first_incomplete() == "patient"
    assert not can_enter("consent", state, catalogue)
    assert can_enter("plan", state, catalogue)  # data steps in any order


def test_each_data_step_is_complete_only_when_its_section_is_valid(complete, catalogue):
    state = FlowState(complete)
    for s in ("clinic", "patient", "screening", "indication", "delivery", "formulation",
              "plan"):
        assert is_complete(s, state, catalogue), s
    broken = {
        "clinic": {"clinic": {"name": " "}},
        "patient": {"patient": {"date_of_birth": "14/03/1986"}},  # typed, not yet ISO
        "indication": {"areas": []},
        "delivery": {"delivery": {"needle_gauge": 99}},
        "formulation": {"products": [{"id": "hyaluronic-acid-non-crosslinked",
                                      "expiry": "2027-02-30", "volume_ml": 1}]},
        "plan": {"plan": {"sessions": 0, "interval_weeks": 2}},
    }
    for s, change in broken.items():
        assert not is_complete(s, FlowState(merge(complete, change)), catalogue), s
    unanswered = copy.deepcopy(complete)
    del unanswered["screening"]["answers"]["pregnant"]
    assert not is_complete("screening", FlowState(unanswered), catalogue)


def test_a_birth_date_in_the_future_is_not_complete(complete, catalogue):
    data = merge(complete, {"patient": {"date_of_birth": "2030-01-01"}})
    assert not is_complete("patient", FlowState(data), catalogue)


def test_parse_date_accepts_iso_and_day_month_year_only():
    assert flow.parse_date("1986-03-14") == dt.date(1986, 3, 14)
    assert flow.parse_date("14/03/1986") == dt.date(1986, 3, 14)
    assert flow.parse_date("31/02/1986") is None
    assert flow.parse_date("14/03/86") is None
    assert flow.parse_date("1986-3-14") is None
    assert flow.parse_date("soon") is None


def test_choosing_an_indication_fills_delivery_and_plan_defaults(catalogue):
    data = flow.new_data(TODAY)
    data = flow.with_indication(data, "hair-loss", catalogue)
    ind = catalogue.indications["hair-loss"]
    assert data["delivery"]["technique"] == ind.default_technique
    assert data["delivery"]["needle_gauge"] == ind.default_needle_gauge
    assert data["plan"]["sessions"] == ind.typical_sessions
    # switching indication replaces untouched defaults...
    switched = flow.with_indication(data, "melasma", catalogue)
    assert switched["delivery"]["technique"] == catalogue.indications["melasma"].default_technique
    # ...but keeps what the practitioner changed
    data["delivery"]["depth_mm"] = 0.7
    data["plan"]["notes"] = "bring photos"
    kept = flow.with_indication(data, "melasma", catalogue)
    assert kept["delivery"]["depth_mm"] == 0.7
    assert kept["plan"]["notes"] == "bring photos"


def test_live_findings_flag_pregnancy_before_the_formulation_is_chosen(catalogue):
    data = flow.new_data(TODAY, {"name": "Riverside"}, {"name": "Dr Silva"})
    data["screening"]["answers"]["pregnant"] = "yes"
    findings = snapshot(FlowState(data), catalogue).findings
    pregnancy = [f for f in findings if f.path == "screening.answers.pregnant"]
    assert pregnancy and pregnancy[0].severity == "block" and not pregnancy[0].overridable
    # nothing about parts not written yet (no patient yet, so no age finding)
    assert not [f for f in findings if DEFAULT_TABLE.step_for_path(f.path) in
                ("patient", "delivery", "formulation", "plan", "indication")]


def test_live_findings_follow_the_answers(complete, catalogue):
    state = FlowState(complete)
    assert not [f for f in snapshot(state, catalogue).findings if f.severity != "info"]
    complete["screening"]["answers"]["anticoagulants"] = "yes"
    rules = {f.rule for f in snapshot(state, catalogue).findings}
    assert "anticoagulant-bruising" in rules
    assert statuses(state, catalogue)["screening"] == "warn"


def test_consent_opens_only_when_every_warning_is_acknowledged(complete, catalogue):
    complete["screening"]["answers"]["anticoagulants"] = "yes"
    state = FlowState(complete)
    assert not can_enter("consent", state, catalogue)
    assert statuses(state, catalogue)["review"] == "warn"
    complete["consent"]["acknowledged"] = ["anticoagulant-bruising"]
    assert can_enter("consent", state, catalogue)
    assert statuses(state, catalogue)["review"] == "done"


def test_an_absolute_block_keeps_consent_locked_whatever_is_written(complete, catalogue):
    complete["screening"]["answers"]["pregnant"] = "yes"
    complete["consent"]["overrides"] = [{"rule": "pregnancy-injectable",
                                         "reason": "patient insists"}]
    state = FlowState(complete)
    assert statuses(state, catalogue)["screening"] == "block"
    for s in ("consent", "pack", "sign", "done"):
        assert not can_enter(s, state, catalogue), s


def test_signing_needs_the_pack_seen_and_both_signatures(complete, catalogue):
    state = FlowState(complete)
    assert can_enter("pack", state, catalogue)
    assert not can_enter("sign", state, catalogue)
    state.pack_viewed = flow.unsigned_fingerprint(complete, catalogue)
    assert can_enter("sign", state, catalogue)
    assert not can_enter("done", state, catalogue)
    sig = {"name": "x", "signed_at": "2026-11-25T10:00:00+00:00", "image_png_base64": ""}
    complete["consent"]["signatures"] = [dict(sig, role="patient")]
    assert not can_enter("done", state, catalogue)
    complete["consent"]["signatures"].append(dict(sig, role="practitioner"))
    assert not can_enter("done", state, catalogue)       # nothing agreed to on screen
    statements = ceremony.to_agree(flow.to_consultation(complete, catalogue), catalogue)
    for missing in statements:                           # each statement is needed
        complete["consent"]["agreed"] = [s for s in statements if s != missing]
        assert not can_enter("done", state, catalogue), missing
    complete["consent"]["agreed"] = statements
    assert can_enter("done", state, catalogue)
    # signatures and agreement do not change what the patient was shown...
    assert state.pack_viewed == flow.unsigned_fingerprint(complete, catalogue)
    # ...but any change to the plan does: the patient must see the new pack
    complete["plan"]["sessions"] = 5
    assert not can_enter("sign", state, catalogue)


def test_wet_ink_replaces_on_screen_signatures(complete, catalogue):
    state = FlowState(complete, wet_ink=True)
    state.pack_viewed = flow.unsigned_fingerprint(complete, catalogue)
    assert can_enter("done", state, catalogue)


def test_a_finished_consultation_stays_on_done(complete, catalogue):
    state = FlowState(complete, finished=True)
    assert can_enter("done", state, catalogue)
    assert not can_enter("patient", state, catalogue)


def test_incomplete_data_gives_no_consultation_but_names_the_problem(catalogue):
    data = flow.new_data(TODAY, {"name": "Riverside"}, {"name": "Dr Silva"})
    consultation, problems = flow.build_consultation(data, catalogue)
    assert consultation is None
    assert any(p.path.startswith("patient") for p in problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.text(max_size=5) | st.sampled_from(["yes", "no", "face", "nappage", "2027-01-01"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(section=st.sampled_from(["clinic", "practitioner", "patient", "screening", "areas",
                                "delivery", "products", "plan", "consent", "indication"]),
       field=st.sampled_from(["name", "answers", "allergies", "technique", "id",
                              "needle_gauge", "sessions", "photos", "acknowledged",
                              "overrides", "signatures", "date_of_birth"]),
       junk=json_values)
def test_any_damaged_draft_can_be_shown_and_checked(section, field, junk):
    from mesodesk.catalogue import default_catalogue

    catalogue = default_catalogue()  # not a test argument: hypothesis would print it whole
    data = load_example()
    if isinstance(data.get(section), dict):
        data[section][field] = junk
    else:
        data[section] = junk
    fixed, _dropped = flow.normalise(data)
    state = FlowState(fixed)
    snapshot(state, catalogue).views()
    flow.build_consultation(fixed, catalogue)


def test_normalise_keeps_what_is_well_formed_and_names_what_is_not(jane_data):
    data = merge(jane_data, {"areas": ["face", 3], "delivery": {"technique": ["nappage"]},
                             "consent": {"acknowledged": "all"}})
    fixed, dropped = flow.normalise(data)
    assert fixed["areas"] == ["face"]
    assert "technique" not in fixed["delivery"] and fixed["delivery"]["depth_mm"] == 2.0
    assert fixed["patient"] == jane_data["patient"]
    assert set(dropped) == {"areas", "delivery.technique", "consent.acknowledged"}
    assert flow.normalise("not a draft")[1] == ["the whole draft"]


def test_the_injection_map_is_optional_but_its_points_must_be_valid(complete, catalogue):
    """No points is a complete map; any point that is not a valid point is not."""
    assert is_complete("map", FlowState(complete), catalogue)
    point = {"view": "face-front", "x": 0.5, "y": 0.72, "volume_ml": 0.05}
    product = dict(complete["products"][0])
    mapped = merge(complete, {"products": [{**product, "points": [point]}]})
    assert is_complete("map", FlowState(mapped), catalogue)
    for bad in ({**point, "view": "elbow"}, {**point, "x": 1.5}, {**point, "volume_ml": 0},
                "here"):
        broken = merge(complete, {"products": [{**product, "points": [point, bad]}]})
        assert not is_complete("map", FlowState(broken), catalogue), bad
        assert not can_enter("consent", FlowState(broken), catalogue), bad
    # before the formulation is complete there is nothing to map yet
    assert not is_complete("map", FlowState(merge(complete, {"products": []})), catalogue)
