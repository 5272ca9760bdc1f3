"""The consent rules (issue 15) on both sides: proof of age, a prescriber's
face-to-face assessment for prescription-only medicines, registration number
formats, time to reflect between information and signing, withdrawal."""

from __future__ import annotations

import pytest

from mesodesk.domain.model import Consent, Override
from mesodesk.rules import unresolved
from mesodesk.rules.consent import duration_text, registration_problem
from tests.consent_support import (ASSESSMENT, NURSE, POM, findings, signed,
                                   with_prescription_only)

REFLECT = "reflection-period-too-short"


def rules(found) -> set[str]:
    return {f.rule for f in found}


def only(found, rule: str):
    hits = [f for f in found if f.rule == rule]
    assert len(hits) == 1, f"expected one {rule!r}, got {rules(found)}"
    return hits[0]


@pytest.fixture(scope="module")
def pom_catalogue(catalogue):
    return with_prescription_only(catalogue, POM)


@pytest.fixture(scope="module")
def no_pom_catalogue(catalogue):
    return with_prescription_only(catalogue, *catalogue.products, flag=False)


# --- proof of age ---------------------------------------------------------------------


def test_no_age_check_is_a_warning_that_acknowledgement_resolves(catalogue):
    f = only(findings(catalogue, {"patient": {"age_check": None}}), "age-check-missing")
    assert f.severity == "warn" and f.path == "patient.age_check"
    assert "CFCA-2021-S1" in f.source and "reasonable steps" in f.message
    assert unresolved([f], Consent(acknowledged=("age-check-missing",))) == []
    assert "age-check-missing" not in rules(findings(catalogue))      # recorded: nothing


def test_under_18_stays_absolute_even_with_an_age_check(catalogue):
    found = findings(catalogue, {"patient": {"date_of_birth": "2010-01-01"}})
    assert only(found, "under-18").absolute
    assert "age-check-missing" not in rules(found)


# --- prescription-only medicines -------------------------------------------------------


def test_a_non_prescriber_with_a_prescription_only_medicine_is_blocked(pom_catalogue):
    f = only(findings(pom_catalogue, {"practitioner": NURSE}), "prescriber-assessment-missing")
    assert f.absolute and "Sam Reed" in f.message and "prescription-only" in f.message
    assert {"NMC-REMOTE-2025", "GMC-PRESCRIBING", "HMR-2012-214"} <= set(f.source)
    # an override with a reason does not release it
    assert unresolved([f], Consent(overrides=(Override(rule=f.rule, reason="busy"),))) == [f]


def test_profession_other_with_deoxycholic_acid_is_blocked(catalogue):
    cat = with_prescription_only(catalogue, "deoxycholic-acid")
    dca = {"indication": "submental-fat", "areas": ["submental"],
           "delivery": {"technique": "subcutaneous", "device": "syringe", "needle_gauge": 30,
                        "needle_length_mm": 13, "depth_mm": 6.0},
           "products": [{"id": "deoxycholic-acid", "lot": "K1", "expiry": "2027-01-31",
                         "volume_ml": 4.0, "injections": 20}],
           "plan": {"sessions": 2, "interval_weeks": 4}}
    other = {"practitioner": {"name": "Kim Lee", "profession": "other", "registration": ""}}
    assert "prescriber-assessment-missing" in rules(findings(cat, dca, other))
    assert "prescriber-assessment-missing" not in rules(findings(cat, dca))   # a doctor


def test_without_a_prescription_only_medicine_no_prescriber_is_needed(no_pom_catalogue):
    assert not rules(findings(no_pom_catalogue, {"practitioner": NURSE})) & {
        "prescriber-assessment-missing", "registration-format"}


def test_a_complete_in_person_prior_assessment_clears_the_block(pom_catalogue):
    found = findings(pom_catalogue, {"practitioner": NURSE,
                                     "consent": {"prescriber_assessment": ASSESSMENT}})
    assert not rules(found) & {"prescriber-assessment-missing", "prescriber-assessment-remote",
                               "prescriber-assessment-late", "registration-format"}


def test_a_remote_assessment_is_an_absolute_block_citing_nmc_and_gmc(pom_catalogue):
    remote = {**ASSESSMENT, "in_person": False}
    f = only(findings(pom_catalogue, {"practitioner": NURSE,
                                      "consent": {"prescriber_assessment": remote}}),
             "prescriber-assessment-remote")
    assert f.absolute and {"NMC-REMOTE-2025", "GMC-PRESCRIBING"} <= set(f.source)
    assert "face to face" in f.message


def test_an_assessment_without_registration_is_incomplete(pom_catalogue):
    found = findings(pom_catalogue, {"practitioner": NURSE, "consent": {
        "prescriber_assessment": {**ASSESSMENT, "registration": ""}}})
    assert "registration number" in only(found, "prescriber-assessment-missing").message


def test_an_assessment_by_someone_who_cannot_prescribe_does_not_count(pom_catalogue):
    found = findings(pom_catalogue, {"practitioner": NURSE, "consent": {
        "prescriber_assessment": {**ASSESSMENT, "profession": "other", "registration": "X1"}}})
    assert "cannot prescribe" in only(found, "prescriber-assessment-missing").message


def test_an_assessment_after_signing_is_too_late(pom_catalogue):
    late = {**ASSESSMENT, "assessed_at": "2026-11-25T12:00:00+00:00"}
    consent = {"prescriber_assessment": late, **signed("2026-11-25T11:00:00+00:00")}
    assert only(findings(pom_catalogue, {"practitioner": NURSE, "consent": consent}),
                "prescriber-assessment-late").absolute
    before = {"prescriber_assessment": {**late, "assessed_at": "2026-11-25T10:00:00+00:00"},
              **signed("2026-11-25T11:00:00+00:00")}
    assert "prescriber-assessment-late" not in rules(
        findings(pom_catalogue, {"practitioner": NURSE, "consent": before}))


def test_an_independent_prescribers_own_consultation_counts(pom_catalogue):
    prescriber = {"practitioner": {**NURSE, "independent_prescriber": True}}
    assert not rules(findings(pom_catalogue, prescriber)) & {
        "prescriber-assessment-missing", "registration-format"}


def test_a_malformed_registration_of_the_prescriber_is_a_finding(pom_catalogue):
    bad = {"practitioner": {**NURSE, "registration": "NMC 1234567", "independent_prescriber": True}}
    f = only(findings(pom_catalogue, bad), "registration-format")
    assert f.severity == "block" and f.overridable and f.path == "practitioner.registration"
    assert "12A3456E" in f.message and "NMC" in f.message
    doctor = {"practitioner": {"name": "Dr X", "profession": "doctor", "registration": "GMC 12345"}}
    assert only(findings(pom_catalogue, doctor), "registration-format").path == \
        "practitioner.registration"
    assessment = {"practitioner": NURSE, "consent": {
        "prescriber_assessment": {**ASSESSMENT, "registration": "GMC 76543210"}}}
    assert only(findings(pom_catalogue, assessment), "registration-format").path == \
        "consent.prescriber_assessment.registration"


@pytest.mark.parametrize("profession, registration, ok", [
    ("doctor", "GMC 7654321", True), ("doctor", "7654321", True), ("doctor", "gmc:7654321", True),
    ("doctor", "GMC 765432", False), ("doctor", "NMC 12A3456E", False), ("doctor", "", False),
    ("nurse", "NMC 12A3456E", True), ("nurse", "12a3456e", True), ("nurse", "12A3456", False),
    ("nurse", "GMC 1234567", False), ("dentist", "GDC 81234", True), ("dentist", "GDC 8123A", False),
    ("pharmacist", "GPhC 2071234", True), ("pharmacist", "2071234", True),
    ("pharmacist", "GPhC 207123", False), ("other", "1234567", False),
])
def test_registration_formats_per_register(profession, registration, ok):
    assert (registration_problem(profession, registration) is None) is ok


# --- two-stage consent ----------------------------------------------------------------


def _two_stage(given: str, signed_at: str | None) -> dict:
    consent = {"information_given_at": given}
    if signed_at:
        consent.update(signed(signed_at))
    return {"consent": consent}


@pytest.mark.parametrize("signed_at, blocked", [
    ("2026-11-25T09:00:00+00:00", True),     # 23 hours
    ("2026-11-25T09:59:59+00:00", True),
    ("2026-11-25T10:00:00+00:00", False),    # exactly 24 hours
    ("2026-11-26T10:00:00+00:00", False),
])
def test_signing_before_at_and_after_the_reflection_period(catalogue, signed_at, blocked):
    settings = {f"{REFLECT}.injectable_hours": 24}
    found = findings(catalogue, _two_stage("2026-11-24T10:00:00+00:00", signed_at),
                     settings=settings)
    assert (REFLECT in rules(found)) is blocked
    if blocked:
        f = only(found, REFLECT)
        assert f.severity == "block" and f.overridable and "1 day" in f.message
        assert unresolved([f], Consent(overrides=(Override(rule=REFLECT, reason="travel"),))) == []


def test_the_default_reflection_period_is_zero(catalogue):
    found = findings(catalogue, _two_stage("2026-11-25T10:00:00+00:00",
                                           "2026-11-25T10:05:00+00:00"))
    assert not rules(found) & {REFLECT, "information-time-missing"}


def test_the_period_is_by_kind_of_treatment(catalogue, pom_catalogue):
    settings = {f"{REFLECT}.prescription_only_hours": 48}
    plan = _two_stage("2026-11-24T10:00:00+00:00", "2026-11-25T10:00:00+00:00")
    assert "2 days" in only(findings(pom_catalogue, plan, settings=settings), REFLECT).message
    no_pom = with_prescription_only(catalogue, *catalogue.products, flag=False)
    assert REFLECT not in rules(findings(no_pom, plan, settings=settings))


def test_the_catalogue_default_applies_without_a_clinic_setting(catalogue):
    from tests.consent_support import with_params

    cat = with_params(catalogue, REFLECT, injectable_hours=24)
    plan = _two_stage("2026-11-24T10:00:00+00:00", "2026-11-24T20:00:00+00:00")
    assert REFLECT in rules(findings(cat, plan))
    assert REFLECT not in rules(findings(cat, plan, settings={f"{REFLECT}.injectable_hours": 0}))


def test_a_clinic_that_allows_no_override_gets_an_absolute_block(catalogue):
    settings = {f"{REFLECT}.injectable_hours": 24, f"{REFLECT}.allow_override": 0}
    found = findings(catalogue, _two_stage("2026-11-24T10:00:00+00:00",
                                           "2026-11-24T12:00:00+00:00"), settings=settings)
    assert only(found, "reflection-period-not-overridable").absolute
    assert REFLECT not in rules(found)


def test_unsigned_the_consultation_date_is_the_signing_day(catalogue):
    settings = {f"{REFLECT}.injectable_hours": 24}
    # information given the day before the consultation date (25 Nov) at 10:00:
    # by the end of the 25th a day has passed
    assert REFLECT not in rules(findings(
        catalogue, _two_stage("2026-11-24T10:00:00+00:00", None), settings=settings))
    assert REFLECT in rules(findings(
        catalogue, _two_stage("2026-11-25T10:00:00+00:00", None), settings=settings))


def test_unsigned_with_information_given_after_the_consultation_date_waits_for_signing(
        catalogue):
    settings = {f"{REFLECT}.injectable_hours": 24}
    found = findings(catalogue, _two_stage("2026-11-30T10:00:00+00:00", None), settings=settings)
    assert not rules(found) & {REFLECT, "signed-before-information"}
    signed_soon = _two_stage("2026-11-30T10:00:00+00:00", "2026-11-30T10:30:00+00:00")
    assert REFLECT in rules(findings(catalogue, signed_soon, settings=settings))


def test_missing_information_time_is_a_warning_only_when_a_period_is_set(catalogue):
    settings = {f"{REFLECT}.injectable_hours": 24}
    signed_plan = {"consent": signed("2026-11-25T10:00:00+00:00")}
    assert only(findings(catalogue, signed_plan, settings=settings),
                "information-time-missing").severity == "warn"
    assert "information-time-missing" not in rules(findings(catalogue, signed_plan))


def test_missing_information_time_waits_for_signing(catalogue):
    """Unsigned, the information is still to be given (the window records the
    time when the pack is first shown): nothing to warn about yet."""
    settings = {f"{REFLECT}.injectable_hours": 24}
    unsigned = {"consent": {"signatures": []}}
    assert "information-time-missing" not in rules(findings(catalogue, unsigned,
                                                            settings=settings))


def test_signing_before_the_information_is_an_absolute_block(catalogue):
    found = findings(catalogue, _two_stage("2026-11-25T11:00:00+00:00",
                                           "2026-11-25T10:00:00+00:00"))
    assert only(found, "signed-before-information").absolute


def test_same_day_signing_of_a_prescription_only_treatment_is_a_warning(catalogue, pom_catalogue):
    same_day = _two_stage("2026-11-25T09:00:00+00:00", "2026-11-25T15:00:00+00:00")
    f = only(findings(pom_catalogue, same_day), "same-day-prescription-only")
    assert f.severity == "warn" and "same day" in f.message
    next_day = _two_stage("2026-11-24T17:00:00+00:00", "2026-11-25T09:00:00+00:00")
    assert "same-day-prescription-only" not in rules(findings(pom_catalogue, next_day))
    no_pom = with_prescription_only(catalogue, *catalogue.products, flag=False)
    assert "same-day-prescription-only" not in rules(findings(no_pom, same_day))


def test_same_day_is_judged_in_the_information_times_zone(pom_catalogue):
    # information 23:30 UTC on the 24th; signed an hour later, 00:30 UTC on the
    # 25th, recorded by a device at UTC-5 as 19:30 on the 24th: not the same day
    plan = _two_stage("2026-11-24T23:30:00+00:00", "2026-11-24T19:30:00-05:00")
    assert "same-day-prescription-only" not in rules(findings(pom_catalogue, plan))


# --- withdrawal --------------------------------------------------------------------------


def test_a_withdrawn_consultation_is_blocked_absolutely(catalogue):
    found = findings(catalogue, {"consent": {"withdrawn": {"at": "2026-11-26T10:00:00+00:00",
                                                           "reason": "changed her mind"}}})
    f = only(found, "consultation-withdrawn")
    assert f.absolute and "changed her mind" in f.message and "26 Nov 2026" in f.message
    assert "consultation-withdrawn" not in rules(findings(catalogue))


def test_durations_read_as_people_write_them():
    assert [duration_text(h) for h in (0.25, 1, 2, 24, 30, 48)] == [
        "15 minutes", "1 hour", "2 hours", "1 day", "1 day 6 hours", "2 days"]
