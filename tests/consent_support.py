"""Helpers for the consent rules tests: a catalogue in which chosen products
are prescription-only (whether or not the shipped catalogue has the flag yet),
clinic settings, and plans that reach every consent rule."""

from __future__ import annotations

import copy
import dataclasses

AGE_CHECK = {"method": "passport", "checked_by": "Dr Ana Silva",
             "checked_at": "2026-11-25T09:55:00+00:00"}
NURSE = {"name": "Sam Reed", "profession": "nurse", "registration": "NMC 12A3456E"}
ASSESSMENT = {"name": "Dr Ana Silva", "profession": "doctor", "registration": "GMC 7654321",
              "assessed_at": "2026-11-20T15:00:00+00:00", "in_person": True}


def with_prescription_only(catalogue, *product_ids: str, flag: bool = True):
    """``catalogue`` with these products' ``prescription_only`` set to ``flag``
    (set on a copy even where the schema lacks the field)."""
    products = dict(catalogue.products)
    for pid in product_ids:
        p = copy.copy(products[pid])
        object.__setattr__(p, "prescription_only", flag)
        products[pid] = p
    return dataclasses.replace(catalogue, products=products)


def with_params(catalogue, rule: str, **params: float):
    """``catalogue`` with ``rules.toml`` params of ``rule`` changed."""
    rules = dict(catalogue.rules)
    spec = rules[rule]
    rules[rule] = dataclasses.replace(spec, params={**spec.params, **params})
    return dataclasses.replace(catalogue, rules=rules)


def signed(at: str) -> dict:
    return {"signatures": [{"role": "patient", "name": "Jane O'Hara", "signed_at": at}]}


# The first product of Jane's plan (a skin booster) marked prescription-only
# and a nurse who is not a prescriber: plans that reach each consent rule.
POM = "hyaluronic-acid-non-crosslinked"


def coverage_scenarios() -> list[tuple[dict, dict]]:
    """(changes, clinic settings) pairs that between them raise every consent
    rule id; run them with the catalogue from :func:`coverage_catalogue`."""
    nurse = {"practitioner": NURSE}
    return [
        ({"patient": {"age_check": None}}, {}),
        (nurse, {}),
        ({**nurse, "consent": {"prescriber_assessment": {**ASSESSMENT, "in_person": False,
                                                          "registration": "GMC 76543",
                                                          "assessed_at": "2026-11-26T10:00:00"}},
          }, {}),
        ({"consent": {"information_given_at": "2026-11-25T09:00:00+00:00",
                      **signed("2026-11-25T09:30:00+00:00")}},
         {"reflection-period-too-short.prescription_only_hours": 24}),
        ({"consent": {"information_given_at": "2026-11-25T09:00:00+00:00",
                      **signed("2026-11-25T09:30:00+00:00")}},
         {"reflection-period-too-short.injectable_hours": 24,
          "reflection-period-too-short.allow_override": 0}),
        ({"consent": {"information_given_at": "2026-11-25T11:00:00+00:00",
                      **signed("2026-11-25T10:00:00+00:00")}}, {}),
        ({"consent": signed("2026-11-25T10:00:00+00:00")},      # no information time
         {"reflection-period-too-short.injectable_hours": 2}),
        ({"consent": {"withdrawn": {"at": "2026-11-26T10:00:00+00:00",
                                    "reason": "changed her mind"}}}, {}),
    ]


def coverage_catalogue(catalogue):
    return with_prescription_only(catalogue, POM)


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def plan(catalogue, *changes: dict) -> dict:
    """Jane's consultation as /2 data, every answer "no", age checked, with
    ``changes`` merged in (a value None removes the key)."""
    from tests.rules_support import consultation_data

    return _drop_none(_merge_all(consultation_data(catalogue), changes))


def _merge_all(data: dict, changes) -> dict:
    from tests.conftest import merge

    for change in changes:
        data = merge(data, change)
    return data


def findings(catalogue, *changes: dict, settings: dict | None = None):
    from mesodesk.domain import from_data
    from mesodesk.rules import evaluate

    return evaluate(from_data(plan(catalogue, *changes)), catalogue, settings)


def coverage_findings(catalogue):
    """Every consent rule's findings, for the test that every coded rule is worded."""
    cat = coverage_catalogue(catalogue)
    out = []
    for changes, settings in coverage_scenarios():
        out += findings(cat, changes, settings=settings)
    return out
