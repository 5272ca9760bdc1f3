"""Plan-wide rules: indications with no evidence need a written rationale and
start with one session; products outside the catalogue need a name, a
practitioner-written risk text and an acknowledgement."""

from __future__ import annotations

import pytest

from mesodesk.domain.model import Consent
from mesodesk.rules import unresolved
from tests.rules_support import only, product, rules, run

CELLULITE = {"indication": "cellulite", "areas": ["thighs"],
             "products": [product("vitamin-amino-acid-complex")],
             "plan": {"sessions": 1, "interval_weeks": 1}}
BODY_FAT = {"indication": "localized-fat", "areas": ["abdomen"],
            "delivery": {"technique": "subcutaneous", "device": "syringe", "needle_gauge": 30,
                         "needle_length_mm": 13, "depth_mm": 6.0},
            "products": [product("phosphatidylcholine-deoxycholate")],
            "plan": {"sessions": 1, "interval_weeks": 4}}
NO_EVIDENCE = {"no-evidence-indication", "no-evidence-rationale-missing", "no-evidence-sessions"}


def no_evidence(findings):
    return {f.rule for f in findings if f.rule in NO_EVIDENCE}


@pytest.mark.parametrize("base", [CELLULITE, BODY_FAT])
@pytest.mark.parametrize("rationale, sessions, expected", [
    ("", 1, {"no-evidence-indication", "no-evidence-rationale-missing"}),
    ("   ", 1, {"no-evidence-indication", "no-evidence-rationale-missing"}),
    ("Patient understands there is no evidence and wants one trial session", 1,
     {"no-evidence-indication"}),
    ("Trial", 2, {"no-evidence-indication", "no-evidence-sessions"}),
    ("", 10, NO_EVIDENCE),
])
def test_an_indication_without_evidence_needs_a_rationale_and_one_session(
        catalogue, base, rationale, sessions, expected):
    findings = run(catalogue, base, {"plan": {"rationale": rationale, "sessions": sessions}})
    assert no_evidence(findings) == expected
    if "no-evidence-rationale-missing" in expected:
        f = only(findings, "no-evidence-rationale-missing")
        assert f.absolute and f.path == "plan.rationale"
    warn = only(findings, "no-evidence-indication")
    assert warn.severity == "warn" and "no good evidence" in warn.message


def test_the_rationale_block_goes_only_when_a_rationale_is_written(catalogue):
    findings = run(catalogue, CELLULITE)
    everything = Consent(acknowledged=tuple(f.rule for f in findings))
    assert [f.rule for f in unresolved(findings, everything)] == ["no-evidence-rationale-missing"]
    written = run(catalogue, CELLULITE, {"plan": {"rationale": "Informed choice; review after 1"}})
    assert unresolved(written, Consent(acknowledged=tuple(f.rule for f in written))) == []


@pytest.mark.parametrize("indication", ["skin-rejuvenation", "submental-fat", "hair-loss",
                                        "melasma", "musculoskeletal-pain"])
def test_indications_with_evidence_need_no_rationale(catalogue, indication):
    assert catalogue.indications[indication].evidence != "none"
    findings = run(catalogue, {"indication": indication, "plan": {"sessions": 6}})
    assert not no_evidence(findings)


def test_the_default_plan_for_a_no_evidence_indication_is_one_session(catalogue):
    none = [k for k, ind in catalogue.indications.items() if ind.evidence == "none"]
    assert none
    for key in none:
        assert catalogue.indications[key].typical_sessions == 1, key
    assert catalogue.rules["no-evidence-sessions"].params["max_sessions"] == 1


# --- products outside the catalogue -----------------------------------------------------


def other(**extra) -> dict:
    return {**product("other"), **extra}


@pytest.mark.parametrize("name, risk, missing", [
    ("", "", "its name and its risks"),
    ("Brand X booster", "", "its risks"),
    ("Brand X booster", "   ", "its risks"),
    ("", "Redness and swelling for a day.", "its name"),
])
def test_a_product_outside_the_catalogue_needs_its_name_and_risks(catalogue, name, risk,
                                                                  missing):
    findings = run(catalogue, {"products": [other(name=name, risk_text=risk)]})
    f = only(findings, "other-product-undescribed")
    assert f.absolute and missing in f.message
    assert only(findings, "other-product").severity == "warn"


def test_a_described_product_outside_the_catalogue_needs_an_acknowledgement(catalogue):
    findings = run(catalogue, {"products": [
        product("hyaluronic-acid-non-crosslinked"),
        other(name="Brand X booster", risk_text="Redness and swelling for a day.")]})
    assert rules(findings) == {"other-product"}
    f = only(findings, "other-product")
    assert f.path == "products[1].id" and "Brand X booster" in f.message
    assert unresolved(findings, Consent(acknowledged=("other-product",))) == []


@pytest.mark.parametrize("allergy, name, rule", [
    ("lidocaine", "Profhilo Structura with lidocaine", "allergy-ingredient"),
    ("Brand X", "Brand X booster", "allergy-ingredient"),
    ("articaine", "Xylocaine 1%", "allergy-cross-reactive-amide"),
    ("ibuprofen", "ketoprofen gel", "allergy-cross-reactive-nsaid"),
])
def test_allergies_are_checked_against_a_product_outside_the_catalogue(catalogue, allergy, name,
                                                                      rule):
    findings = run(catalogue, {"screening": {"allergies": [allergy]},
                               "products": [other(name=name, risk_text="See leaflet.")]})
    f = only(findings, rule)
    assert f.severity == "block" and name in f.message


def test_an_unrelated_allergy_leaves_a_product_outside_the_catalogue_alone(catalogue):
    findings = run(catalogue, {"screening": {"allergies": ["penicillin"]},
                               "products": [other(name="Brand X booster", risk_text="See it.")]})
    assert rules(findings) == {"other-product"}
