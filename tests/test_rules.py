"""Safety rules: every rule on both sides of its threshold, every screening
answer, allergy matching, resolution, and a property test over the catalogue."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesodesk.catalogue import known_rules
from mesodesk.domain import from_data
from mesodesk.domain.model import FORMAT, Consent, Override
from mesodesk.rules import evaluate, unresolved
from mesodesk.rules.engine import coded_rule_ids
from tests.consent_support import AGE_CHECK, coverage_findings

# A clean submental deoxycholic acid plan (the label's own use): no findings.
DCA_PLAN = {
    "indication": "submental-fat",
    "areas": ["submental"],
    "delivery": {"technique": "subcutaneous", "device": "syringe", "needle_gauge": 30,
                 "needle_length_mm": 13, "depth_mm": 6.0},
    "products": [{"id": "deoxycholic-acid", "lot": "KY123", "expiry": "2027-01-31",
                  "volume_ml": 4.0, "injections": 20}],
    "plan": {"sessions": 2, "interval_weeks": 4, "notes": ""},
}


@pytest.fixture
def all_no(catalogue) -> dict:
    """Every screening question in the catalogue answered "no", and the
    patient's age checked (format /2), so a clean plan has no findings."""
    return {"format": "mesodesk-consultation/2",
            "patient": {"age_check": AGE_CHECK},
            "screening": {"answers": {q: "no" for q in catalogue.screening}}}


@pytest.fixture
def run(make_consultation, catalogue, all_no):
    """``run(changes)`` -> findings for Jane's consultation with every
    screening answer "no" and ``changes`` merged in."""
    from tests.conftest import merge

    def _run(*changes: dict, cat=None):
        data = dict(all_no)
        for change in changes:
            data = merge(data, change)
        return evaluate(make_consultation(data), cat or catalogue)

    return _run


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # a {placeholder} the rule did not fill


def rules(findings) -> set[str]:
    return {f.rule for f in findings}


def only(findings, rule: str):
    found = [f for f in findings if f.rule == rule]
    assert len(found) == 1, f"expected one {rule!r} finding, got {found}"
    return found[0]


def product(pid: str, **extra) -> dict:
    return {"id": pid, "lot": "L1", "expiry": "2027-06-30", "volume_ml": 1.0, **extra}


# --- the clean example -------------------------------------------------------------------


def test_jane_all_no_has_no_findings_at_all(run):
    assert run() == []


def test_jane_as_shipped_does_not_block(catalogue, jane_data):
    findings = evaluate(from_data(jane_data), catalogue)
    assert not [f for f in findings if f.severity == "block"]


def test_clean_deoxycholic_acid_plan_has_no_findings(run):
    assert run(DCA_PLAN) == []


# --- age --------------------------------------------------------------------------------


@pytest.mark.parametrize("born, on, blocked", [
    ("2008-11-26", "2026-11-25", True),    # 17 years 364 days
    ("2008-11-25", "2026-11-25", False),   # 18 today
    ("2008-02-29", "2026-02-28", True),    # 29 February birthday: not yet 18 ...
    ("2008-02-29", "2026-03-01", False),   # ... 18 on 1 March
    ("2010-02-28", "2028-02-29", False),   # consultation on a 29 February
    ("1986-03-14", "2026-11-25", False),
])
def test_under_18_blocks_absolutely(run, born, on, blocked):
    findings = run({"patient": {"date_of_birth": born}, "date": on,
                    "products": [product("hyaluronic-acid-non-crosslinked",
                                         expiry="2030-01-01")]})
    if blocked:
        f = only(findings, "under-18")
        assert f.severity == "block" and not f.overridable
        assert f.path == "patient.date_of_birth"
        assert "17" in f.message
    else:
        assert "under-18" not in rules(findings)


@pytest.mark.parametrize("born", ["2026-11-26", "1890-01-01"])
def test_impossible_birth_date_blocks(run, born):
    f = only(run({"patient": {"date_of_birth": born}}), "birth-date-implausible")
    assert f.absolute and born in f.message


# --- product expiry and lot -------------------------------------------------------------


@pytest.mark.parametrize("expiry, blocked", [
    ("2026-11-24", True),    # yesterday
    ("2026-11-25", False),   # today (the treatment date)
    ("2026-11-26", False),   # tomorrow
])
def test_expired_product_blocks_absolutely(run, expiry, blocked):
    findings = run({"products": [product("hyaluronic-acid-non-crosslinked", expiry=expiry)]})
    if blocked:
        f = only(findings, "product-expired")
        assert f.absolute and f.path == "products[0].expiry"
        assert "2026-11-24" in f.message
    else:
        assert findings == []


def test_expiry_is_checked_for_every_product_including_the_anaesthetic(run):
    findings = run({"products": [product("hyaluronic-acid-non-crosslinked"),
                                 product("lidocaine", expiry="2025-01-01")]})
    assert only(findings, "product-expired").path == "products[1].expiry"


def test_missing_lot_warns(run):
    f = only(run({"products": [product("hyaluronic-acid-non-crosslinked", lot="  ")]}),
             "lot-missing")
    assert f.severity == "warn" and f.path == "products[0].lot"


# --- label caps (deoxycholic acid: 10 mL, 50 injections, 6 sessions, 4 weeks) --------


def dca(**use) -> dict:
    return {**DCA_PLAN, "products": [{**DCA_PLAN["products"][0], **use}]}


@pytest.mark.parametrize("volume, injections, expected", [
    (10.0, 50, set()),
    (10.1, 50, {"label-max-volume"}),
    (10.0, 51, {"label-max-injections"}),
    (12.0, 60, {"label-max-volume", "label-max-injections"}),
])
def test_label_volume_and_injection_caps(run, volume, injections, expected):
    findings = run(dca(volume_ml=volume, injections=injections))
    assert rules(findings) == expected
    for f in findings:
        assert f.severity == "block" and f.overridable
        assert "R17" in f.source
    if "label-max-volume" in expected:
        f = only(findings, "label-max-volume")
        assert f.path == "products[0].volume_ml" and "10 mL" in f.message


def test_volume_cap_counts_every_lot_of_the_product(run):
    lots = [{**DCA_PLAN["products"][0], "lot": f"K{i}", "volume_ml": v, "injections": 15}
            for i, v in enumerate((3.3, 3.3, 3.4))]
    assert run({**DCA_PLAN, "products": lots}) == []          # 10.0 mL, 45 injections
    lots[2]["volume_ml"] = 3.5
    assert rules(run({**DCA_PLAN, "products": lots})) == {"label-max-volume"}


@pytest.mark.parametrize("volume, blocked", [(10.0, False), (10.1, True), (9.9, False)])
def test_injection_count_derived_from_volume_when_not_recorded(run, volume, blocked):
    """0.2 mL per injection: 10.0 mL is 50 injections, 10.1 mL needs 51."""
    use = {k: v for k, v in DCA_PLAN["products"][0].items() if k != "injections"}
    findings = run({**DCA_PLAN, "products": [{**use, "volume_ml": volume}]})
    assert ("label-max-injections" in rules(findings)) is blocked
    if blocked:
        f = only(findings, "label-max-injections")
        assert "51" in f.message and "0.2 mL" in f.message
        assert f.path == "products[0].volume_ml"


def test_unrecorded_injection_count_warns_when_it_cannot_be_derived(run, catalogue):
    p = catalogue.products["deoxycholic-acid"]
    products = dict(catalogue.products)
    products["deoxycholic-acid"] = dataclasses.replace(p, volume_per_injection_ml=None)
    cat = dataclasses.replace(catalogue, products=products)
    use = {k: v for k, v in DCA_PLAN["products"][0].items() if k != "injections"}
    f = only(run({**DCA_PLAN, "products": [use]}, cat=cat), "injection-count-missing")
    assert f.severity == "warn" and f.path == "products[0].injections" and "50" in f.message


@pytest.mark.parametrize("sessions, warned", [(6, False), (7, True)])
def test_sessions_above_label_maximum_warn(run, sessions, warned):
    findings = run(DCA_PLAN, {"plan": {"sessions": sessions}})
    assert ("label-max-sessions" in rules(findings)) is warned
    if warned:
        assert only(findings, "label-max-sessions").path == "plan.sessions"


@pytest.mark.parametrize("sessions, interval, warned", [
    (2, 3.9, True), (2, 4.0, False), (2, 6.0, False), (1, 0.0, False),
])
def test_interval_shorter_than_product_minimum_warns(run, sessions, interval, warned):
    findings = run(DCA_PLAN, {"plan": {"sessions": sessions, "interval_weeks": interval}})
    assert ("interval-too-short" in rules(findings)) is warned
    if warned:
        f = only(findings, "interval-too-short")
        assert f.path == "plan.interval_weeks" and "3.9" in f.message and "4 weeks" in f.message


# --- needle and depth -------------------------------------------------------------------


@pytest.mark.parametrize("length, depth, expected", [
    ("hi", "hi", set()),                      # at the upper bound, needle just long enough
    (13, "lo", set()),                        # at the lower bound
    (13, "lo-", {"depth-outside-technique"}),
    (13, "hi+", {"depth-outside-technique"}),
    ("hi", "hi+", {"depth-outside-technique", "needle-too-short"}),
    ("half", "lo", {"needle-too-short"}),
])
def test_needle_length_and_technique_depth(run, catalogue, length, depth, expected):
    nappage = catalogue.techniques["nappage"]
    lo, hi = nappage.depth_min_mm, nappage.depth_max_mm
    assert 0.1 < lo < hi < 13
    value = {"lo": lo, "hi": hi, "lo-": lo - 0.1, "hi+": hi + 0.1, "half": lo / 2}
    findings = run({"delivery": {"technique": "nappage",
                                 "needle_length_mm": value.get(length, length),
                                 "depth_mm": value[depth]}})
    assert rules(findings) == expected
    paths = {f.rule: f.path for f in findings}
    assert paths.get("needle-too-short", "delivery.needle_length_mm") == "delivery.needle_length_mm"
    assert paths.get("depth-outside-technique", "delivery.depth_mm") == "delivery.depth_mm"


def test_depth_message_names_the_technique_range(run, catalogue):
    nappage = catalogue.techniques["nappage"]
    f = only(run({"delivery": {"depth_mm": nappage.depth_min_mm / 2}}),
             "depth-outside-technique")
    assert (f"{nappage.depth_min_mm:g} to {nappage.depth_max_mm:g} mm" in f.message
            and nappage.name in f.message)
    assert set(nappage.depth_source) <= set(f.source)


@pytest.mark.parametrize("depth, warned", [(3.9, True), (4.0, False), (6.0, False)])
def test_subcutaneous_product_planned_at_an_intradermal_depth_warns(run, depth, warned):
    findings = run(DCA_PLAN, {"delivery": {"depth_mm": depth}})
    assert ("too-shallow-for-subcutaneous-product" in rules(findings)) is warned
    if warned:
        f = only(findings, "too-shallow-for-subcutaneous-product")
        assert f.path == "delivery.depth_mm" and "ulceration" in f.message


# --- licence, suitability, areas --------------------------------------------------------


def test_off_label_use_must_be_disclosed(run):
    findings = run({"indication": "melasma", "areas": ["face"],
                    "products": [product("tranexamic-acid")]})
    f = only(findings, "off-label")
    assert f.severity == "warn" and "disclosed" in f.message and f.path == "products[0].id"
    assert rules(findings) == {"off-label"}


def test_licensed_product_outside_its_indication_is_off_label(run, catalogue):
    findings = run({"indication": "localized-fat", "areas": ["abdomen"],
                    "delivery": {"technique": "subcutaneous", "needle_length_mm": 13,
                                 "depth_mm": 6.0},
                    "products": [product("deoxycholic-acid", injections=5)]})
    assert {"off-label", "outside-licensed-area", "product-not-suited"} <= rules(findings)
    assert catalogue.indications["submental-fat"].name in only(findings, "off-label").message


def test_unlicensed_product_warns_strongly(run):
    findings = run({"indication": "localized-fat", "areas": ["abdomen"],
                    "delivery": {"technique": "subcutaneous", "needle_length_mm": 13,
                                 "depth_mm": 6.0},
                    "products": [product("phosphatidylcholine-deoxycholate")]})
    f = only(findings, "unlicensed-product")
    assert f.severity == "warn"
    for word in ("FDA", "France", "unlicensed"):
        assert word in f.message
    assert {"R22", "R26"} <= set(f.source)
    assert "off-label" not in rules(findings)


def test_anaesthetic_is_exempt_from_off_label_and_suitability(run):
    findings = run({"products": [product("hyaluronic-acid-non-crosslinked"),
                                 product("lidocaine")]})
    assert findings == []


def test_product_not_suited_to_indication_warns(run, catalogue):
    findings = run({"products": [product("hyaluronic-acid-non-crosslinked"),
                                 product("minoxidil")]})
    f = only(findings, "product-not-suited")
    assert f.path == "products[1].id"
    assert catalogue.products["minoxidil"].name in f.message


def test_area_not_listed_for_indication_warns(run, catalogue):
    f = only(run({"areas": ["face", "abdomen"]}), "area-not-indicated")
    assert f.path == "areas[1]" and catalogue.areas["abdomen"].name in f.message


@pytest.mark.parametrize("areas, warned", [
    (["submental"], False), (["neck"], True), (["submental", "face"], True),
])
def test_deoxycholic_acid_outside_submental_area_warns(run, areas, warned):
    findings = run(DCA_PLAN, {"areas": areas})
    assert ("outside-licensed-area" in rules(findings)) is warned
    if warned:
        f = only(findings, "outside-licensed-area")
        assert "not been established" in f.message and "not recommend" in f.message
        assert f.path == f"areas[{len(areas) - 1}]"


@pytest.mark.parametrize("technique, device, pid, warned", [
    ("microneedling", "microneedling-device", "deoxycholic-acid", True),
    ("nappage", "microneedling-device", "deoxycholic-acid", True),
    ("microneedling", "syringe", "phosphatidylcholine-deoxycholate", True),
    ("microneedling", "microneedling-device", "hyaluronic-acid-non-crosslinked", False),
    ("nappage", "syringe", "deoxycholic-acid", False),
])
def test_microneedling_with_a_product_not_for_intradermal_use_warns(
        run, technique, device, pid, warned):
    findings = run({"delivery": {"technique": technique, "device": device, "depth_mm": 1.0},
                    "products": [product(pid, injections=5)]})
    assert ("microneedling-non-intradermal" in rules(findings)) is warned
    if warned:
        f = only(findings, "microneedling-non-intradermal")
        assert "granuloma" in f.message and {"R47", "R48"} <= set(f.source)


# --- allergy ----------------------------------------------------------------------------


@pytest.mark.parametrize("allergy, products, matched", [
    ("Lignocaine", ["hyaluronic-acid-non-crosslinked", "lidocaine"], "lidocaine"),
    ("LIDOCAINE", ["hyaluronic-acid-non-crosslinked", "lidocaine"], "lidocaine"),
    ("lidocaine", ["hyaluronic-acid-non-crosslinked", "lidocaine"], "lidocaine"),
    ("xylocaine - hives in 2019", ["hyaluronic-acid-non-crosslinked", "lidocaine"],
     "lidocaine"),
    ("fish", ["polynucleotides"], "polynucleotides"),
    ("Sodium hyaluronate", ["hyaluronic-acid-non-crosslinked"], "hyaluronic-acid"),
    ("benzyl alcohol", ["deoxycholic-acid"], "benzyl-alcohol"),
])
def test_allergy_to_any_ingredient_blocks_absolutely(run, catalogue, allergy, products,
                                                     matched):
    findings = run({"screening": {"allergies": ["penicillin", allergy]},
                    "products": [product(p) for p in products]})
    f = only(findings, "allergy-ingredient")
    assert f.absolute and f.path == "screening.allergies[1]"
    assert allergy.strip() in f.message
    assert catalogue.ingredients[matched].name in f.message


@pytest.mark.parametrize("allergy", ["penicillin", "shellfish", "latex", "", "   ",
                                     "no known allergies", "caine"])
def test_unrelated_allergy_does_not_match(run, allergy):
    findings = run({"screening": {"allergies": [allergy]},
                    "products": [product("lidocaine"), product("polynucleotides")]})
    assert "allergy-ingredient" not in rules(findings)


def test_fish_allergy_only_matters_with_polynucleotides(run):
    assert run({"screening": {"allergies": ["fish"]}}) == []
    assert run({"screening": {"answers": {"fish_allergy": "yes"}}}) == []
    findings = run({"screening": {"answers": {"fish_allergy": "yes"}},
                    "products": [product("polynucleotides")]})
    f = only(findings, "fish-allergy-polynucleotides")
    assert f.absolute and f.path == "screening.answers.fish_allergy"


# --- screening ---------------------------------------------------------------------------

# A plan every filtered effect applies to: facial and scalp areas, every area
# and every product that an effect names (built from the catalogue, so a new
# question is covered without editing this test).
def broad_plan(catalogue) -> dict:
    effects = [e for q in catalogue.screening.values() for e in q.on_yes + q.on_unknown]
    products = ["hyaluronic-acid-non-crosslinked"]
    areas = ["face", "scalp"]
    for e in effects:
        products += [p for p in e.products if p not in products]
        areas += [a for a in e.areas if a not in areas]
    return {"indication": "skin-rejuvenation", "areas": areas,
            "products": [product(p, injections=5) for p in products]}


# Questions whose "unknown" blocks (overridable): a "yes" would rule treatment
# out absolutely and the answer can only come from the patient.
UNKNOWN_BLOCKS = {"pregnant": "pregnancy-unconfirmed",
                  "breastfeeding": "breastfeeding-unconfirmed",
                  "pregnancy_possible_within_6_months":
                      "pregnancy-possible-dutasteride-unconfirmed"}


def screening_findings(findings, question: str):
    return [f for f in findings if f.path == f"screening.answers.{question}"]


def test_every_question_answered_yes_gives_its_findings(run, catalogue):
    broad = broad_plan(catalogue)
    for qid, question in catalogue.screening.items():
        found = screening_findings(run(broad, {"screening": {"answers": {qid: "yes"}}}),
                                   qid)
        assert {(f.rule, f.severity, f.overridable) for f in found} == {
            (e.rule, e.severity, e.overridable) for e in question.on_yes}, qid
        assert all(f.message and f.source for f in found)


def test_every_question_unknown_one_at_a_time(run, catalogue):
    broad = broad_plan(catalogue)
    for qid, question in catalogue.screening.items():
        found = screening_findings(
            run(broad, {"screening": {"answers": {qid: "unknown"}}}), qid)
        assert {f.rule for f in found} == {e.rule for e in question.on_unknown}, qid
        for f in found:
            if qid in UNKNOWN_BLOCKS:
                assert f.severity == "block" and f.overridable
                assert "confirm" in f.message.lower()
            else:
                assert f.severity == "warn"
                assert f.message.startswith("Not "), f.message  # names what is not known


def test_all_questions_unknown_at_once_and_missing_answers_count_as_unknown(
        run, catalogue, jane_data):
    broad = broad_plan(catalogue)
    everything_unknown = run(broad, {"screening": {
        "answers": {q: "unknown" for q in catalogue.screening}}})
    never_asked = {**jane_data, **broad, "format": "mesodesk-consultation/2"}
    never_asked["patient"] = {**jane_data["patient"], "age_check": AGE_CHECK}
    never_asked["screening"] = {**jane_data["screening"], "answers": {}}
    missing = evaluate(from_data(never_asked), catalogue)
    assert everything_unknown == missing
    asked = {f.path.rsplit(".", 1)[1] for f in missing if f.path.startswith("screening.")}
    assert asked == set(catalogue.screening)
    blocks = [f for f in missing if f.severity == "block"]
    assert {f.rule for f in blocks} == set(UNKNOWN_BLOCKS.values())
    assert all(f.overridable for f in blocks)


@pytest.mark.parametrize("question, rule, severity, overridable", [
    ("pregnant", "pregnancy-injectable", "block", False),
    ("breastfeeding", "breastfeeding-injectable", "block", False),
    ("active_infection_at_site", "active-infection-at-site", "block", True),
    ("anticoagulants", "anticoagulant-bruising", "warn", True),
    ("antiplatelets_or_nsaids", "antiplatelet-bruising", "warn", True),
    ("bleeding_disorder", "bleeding-disorder-bruising", "warn", True),
])
def test_key_screening_answers_on_the_clean_facial_plan(run, question, rule, severity,
                                                        overridable):
    findings = run({"screening": {"answers": {question: "yes"}}})
    f = only(findings, rule)
    assert (f.severity, f.overridable) == (severity, overridable)
    assert f.path == f"screening.answers.{question}"
    assert not [g for g in findings if "deoxycholic" in g.rule]


@pytest.mark.parametrize("question, rule", [
    ("anticoagulants", "anticoagulant-deoxycholic-acid"),
    ("antiplatelets_or_nsaids", "antiplatelet-deoxycholic-acid"),
    ("bleeding_disorder", "bleeding-disorder-deoxycholic-acid"),
    ("swallowing_difficulty", "dysphagia-deoxycholic-acid"),
])
def test_bleeding_and_swallowing_block_deoxycholic_acid_overridably(run, question, rule):
    f = only(run(DCA_PLAN, {"screening": {"answers": {question: "yes"}}}), rule)
    assert f.severity == "block" and f.overridable and "R17" in f.source


@pytest.mark.parametrize("question, words", [
    ("autoimmune_disease", ["lupus"]),
    ("immunosuppressed", ["infection", "mycobacterial"]),
    ("keloid_tendency", ["scar"]),
    ("isotretinoin_last_6_months", ["6 to 12 months"]),
    ("cold_sores", ["outbreak", "antiviral"]),
    ("cancer_treatment", ["infection"]),
    ("diabetes", ["infection", "healing"]),
    ("anaphylaxis_history", ["anaesthetic"]),
    ("recent_treatment_same_area", ["reactions"]),
    ("anticoagulants", ["bruising", "bleeding"]),
])
def test_relative_contraindications_name_the_specific_risk(run, question, words):
    found = screening_findings(run({"screening": {"answers": {question: "yes"}}}), question)
    assert len(found) == 1 and found[0].severity == "warn"
    for word in words:
        assert word.lower() in found[0].message.lower()


def test_cold_sores_matter_only_for_facial_work_and_alopecia_only_for_the_scalp(run):
    body = {"indication": "cellulite", "areas": ["thighs"],
            "products": [product("vitamin-amino-acid-complex")]}
    assert not screening_findings(run(body, {"screening": {"answers": {"cold_sores": "yes"}}}),
                                  "cold_sores")
    assert run({"screening": {"answers": {"alopecia_areata_history": "yes"}}}) == []
    scalp = {"indication": "hair-loss", "areas": ["scalp"],
             "products": [product("minoxidil")]}
    findings = run(scalp, {"screening": {"answers": {"alopecia_areata_history": "yes"}}})
    assert rules(findings) == {"off-label", "alopecia-areata-scalp"}


# --- resolution --------------------------------------------------------------------------


def test_warnings_are_resolved_by_acknowledgement(run):
    findings = run({"screening": {"answers": {"anticoagulants": "yes"}}})
    assert [f.rule for f in unresolved(findings, Consent())] == ["anticoagulant-bruising"]
    assert unresolved(findings, Consent(acknowledged=("anticoagulant-bruising",))) == []
    # acknowledging one rule id covers all of its findings
    findings = run({"screening": {"allergies": []},
                    "products": [product("hyaluronic-acid-non-crosslinked", lot=""),
                                 product("hyaluronic-acid-non-crosslinked", lot="")]})
    assert len(findings) == 2
    assert unresolved(findings, Consent(acknowledged=("lot-missing",))) == []


def test_overridable_block_needs_a_written_reason(run):
    findings = run({"screening": {"answers": {"active_infection_at_site": "yes"}}})
    assert len(unresolved(findings, Consent())) == 1
    blank = Consent(overrides=(Override(rule="active-infection-at-site", reason="  "),))
    assert len(unresolved(findings, blank)) == 1
    reason = Consent(overrides=(Override(rule="active-infection-at-site",
                                         reason="Infection is on the forehead; treating the neck only"),))
    assert unresolved(findings, reason) == []


def test_absolute_block_cannot_be_overridden_or_acknowledged(run):
    findings = run({"screening": {"answers": {"pregnant": "yes"}}})
    consent = Consent(acknowledged=("pregnancy-injectable",),
                      overrides=(Override(rule="pregnancy-injectable", reason="patient insists"),))
    assert [f.rule for f in unresolved(findings, consent)] == ["pregnancy-injectable"]


def test_findings_are_sorted_blocks_first_absolute_first(run):
    findings = run({"screening": {"answers": {"pregnant": "yes", "anticoagulants": "yes",
                                              "active_infection_at_site": "yes"}}})
    assert [(f.severity, f.overridable) for f in findings] == [
        ("block", False), ("block", True), ("warn", True)]


# --- the rules table and its catalogue entries -------------------------------------------


def test_every_coded_rule_has_a_catalogue_entry_and_vice_versa(catalogue):
    assert coded_rule_ids() == set(catalogue.rules)
    assert coded_rule_ids() <= known_rules(catalogue)


COVERAGE_SCENARIOS = [
    {"patient": {"date_of_birth": "2010-01-01"}},
    {"patient": {"date_of_birth": "2030-01-01"}},
    {"screening": {"allergies": ["lignocaine"]},
     "products": [product("hyaluronic-acid-non-crosslinked", lot="", expiry="2020-01-01"),
                  product("lidocaine")]},
    {"indication": "melasma", "areas": ["face", "scalp"],
     "delivery": {"technique": "microneedling", "needle_length_mm": 1, "depth_mm": 3.0},
     "products": [product("tranexamic-acid"), product("phosphatidylcholine-deoxycholate")]},
    dca(volume_ml=12.0),
    {**dca(volume_ml=12.0, injections=60), "areas": ["neck"],
     "plan": {"sessions": 8, "interval_weeks": 1}},
    {"screening": {"medications": "warfarin 3 mg, sertraline 50 mg", "allergies": ["articaine"]},
     "products": [product("hyaluronic-acid-non-crosslinked"), product("lidocaine")]},
    {"indication": "musculoskeletal-pain", "areas": ["lower-back"],
     "screening": {"allergies": ["aspirin - wheeze"]}, "products": [product("ketoprofen")]},
    {**dca(points=[{"view": "face-left", "x": x, "y": 0.7, "volume_ml": 0.2}  # injection map
                   for x in (0.4, 0.405, 0.6)]), "format": "mesodesk-consultation/2"},
    {**DCA_PLAN, "screening": {"medications": "apixaban"}},
    {"format": FORMAT, "products": [product("lidocaine", volume_ml=20.1, concentration_mg_ml=10)]},
    {"format": FORMAT, "patient": {"weight_kg": 30},
     "products": [product("lidocaine", volume_ml=16, concentration_mg_ml=10)]},
    {"format": FORMAT, "products": [product("lidocaine", volume_ml=8),
                                    product("lidocaine", concentration_mg_ml=1)]},
    {"indication": "cellulite", "areas": ["thighs"],
     "products": [product("vitamin-amino-acid-complex")]},
    {"format": FORMAT, "products": [product("hyaluronic-acid-non-crosslinked"),
                                    {**product("other"), "name": "Brand X booster"}]},
]


def test_every_coded_rule_message_is_fully_worded(run, catalogue):
    p = catalogue.products["deoxycholic-acid"]
    products = dict(catalogue.products)
    products["deoxycholic-acid"] = dataclasses.replace(p, volume_per_injection_ml=None)
    no_per_injection = dataclasses.replace(catalogue, products=products)
    use = {k: v for k, v in DCA_PLAN["products"][0].items() if k != "injections"}
    findings = [f for scenario in COVERAGE_SCENARIOS for f in run(scenario)]
    findings += run({**DCA_PLAN, "products": [use]}, cat=no_per_injection)
    findings += coverage_findings(catalogue)       # the consent rules (test_rules_consent)
    assert rules(findings) >= coded_rule_ids()
    for f in findings:
        assert not PLACEHOLDER.search(f.message), f.message
        assert f.source and set(f.source) <= set(catalogue.sources)


def test_a_coded_rule_missing_from_the_catalogue_fails_safe(run, catalogue):
    cat = dataclasses.replace(catalogue, rules={k: v for k, v in catalogue.rules.items()
                                                if k != "lot-missing"})
    f = only(run({"products": [product("hyaluronic-acid-non-crosslinked", lot="")]},
                 cat=cat), "lot-missing")
    assert f.absolute and "missing" in f.message


def test_unknown_ids_in_a_plan_being_typed_are_skipped_not_raised(run):
    """The window evaluates while the practitioner types; the CLI rejects such files."""
    findings = run({"indication": "nope", "areas": ["elbow"],
                    "delivery": {"technique": "zzz", "device": "qq"},
                    "products": [product("unknown-x", lot="")]})
    assert findings == []


# --- property: evaluate never raises ----------------------------------------------------

_CAT = None


def _catalogue():
    global _CAT
    if _CAT is None:
        from mesodesk.catalogue import default_catalogue
        _CAT = default_catalogue()
    return _CAT


@st.composite
def consultations(draw):
    cat = _catalogue()
    ids = lambda table: st.sampled_from(sorted(table))  # noqa: E731
    day = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
    terms = sorted({s for i in cat.ingredients.values() for s in (i.name, *i.synonyms)})
    medicine = st.sampled_from(sorted({n for d in cat.drugs.values() for n in (d.name, *d.names)}))
    free_text = st.one_of(medicine, st.text(max_size=20),
                          st.lists(medicine, max_size=4).map(", ".join))
    products = st.lists(st.fixed_dictionaries(
        {"id": st.one_of(ids(cat.products), st.just("other")),
         "lot": st.sampled_from(["", "A1", " "]),
         "expiry": day.map(str), "volume_ml": st.floats(0.01, 1000)},
        optional={"injections": st.integers(1, 100000),
                  "concentration_mg_ml": st.floats(0.01, 1000),
                  "name": free_text, "risk_text": st.text(max_size=10)}),
        min_size=1, max_size=4)
    data = {
        "format": FORMAT,
        "date": str(draw(day)),
        "clinic": {"name": "C"}, "practitioner": {"name": "P"},
        "patient": {"name": "N", "date_of_birth": str(draw(day)),
                    **draw(st.fixed_dictionaries({}, optional={
                        "weight_kg": st.floats(0.5, 500)}))},
        "screening": {
            "answers": draw(st.dictionaries(ids(cat.screening),
                                            st.sampled_from(["yes", "no", "unknown"]))),
            "allergies": draw(st.lists(st.one_of(st.sampled_from(terms), free_text),
                                       max_size=3)),
            "medications": draw(free_text),
        },
        "indication": draw(ids(cat.indications)),
        "areas": draw(st.lists(ids(cat.areas), min_size=1, max_size=4)),
        "delivery": {"technique": draw(ids(cat.techniques)), "device": draw(ids(cat.devices)),
                     "needle_gauge": draw(st.sampled_from(sorted(cat.needles))),
                     "needle_length_mm": draw(st.floats(0.1, 100)),
                     "depth_mm": draw(st.floats(0.1, 100))},
        "products": draw(products),
        "plan": {"sessions": draw(st.integers(1, 100)),
                 "interval_weeks": draw(st.floats(0, 520)),
                 "rationale": draw(st.sampled_from(["", "  ", "patient's choice"]))},
    }
    return from_data(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consultations())
def test_evaluate_never_raises_and_every_finding_is_sourced(consultation):
    cat = _catalogue()
    known = known_rules(cat)
    findings = evaluate(consultation, cat)
    assert evaluate(consultation, cat) == findings      # pure: same input, same output
    for f in findings:
        assert f.rule in known
        assert f.source and set(f.source) <= set(cat.sources)
        assert f.path and f.message and not PLACEHOLDER.search(f.message)
        assert f.severity in ("block", "warn", "info")
