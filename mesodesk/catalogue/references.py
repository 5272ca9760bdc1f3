"""Checks that a consultation's catalogue ids exist in the catalogue."""

from __future__ import annotations

from mesodesk.catalogue.licence import OTHER
from mesodesk.catalogue.model import Catalogue
from mesodesk.domain.model import Consultation
from mesodesk.domain.schema import Problem


def known_rules(catalogue: Catalogue) -> set[str]:
    """Every finding id a rule can produce: coded rules and screening effects."""
    rules = set(catalogue.rules)
    for question in catalogue.screening.values():
        rules.update(e.rule for e in question.on_yes + question.on_unknown)
    return rules


def check_references(c: Consultation, catalogue: Catalogue) -> list[Problem]:
    problems: list[Problem] = []

    def need(path: str, value: object, table: object, what: str) -> None:
        if value not in table:  # type: ignore[operator]
            problems.append(Problem(path, f"unknown {what} {value!r}"))

    need("indication", c.indication, catalogue.indications, "indication")
    for i, area in enumerate(c.areas):
        need(f"areas[{i}]", area, catalogue.areas, "area")
    need("delivery.technique", c.delivery.technique, catalogue.techniques, "technique")
    need("delivery.device", c.delivery.device, catalogue.devices, "device")
    need("delivery.needle_gauge", c.delivery.needle_gauge, catalogue.needles, "needle gauge")
    for i, p in enumerate(c.products):
        if p.id == OTHER:
            # a product the catalogue does not hold: recorded by its name
            if not str(getattr(p, "name", "") or "").strip():
                problems.append(Problem(f"products[{i}].name", "a product recorded as "
                                        "'other' needs its name"))
            continue
        need(f"products[{i}].id", p.id, catalogue.products, "product")
    for q in c.screening.answers:
        need(f"screening.answers.{q}", q, catalogue.screening, "screening question")
    rules = known_rules(catalogue)
    for i, r in enumerate(c.consent.acknowledged):
        need(f"consent.acknowledged[{i}]", r, rules, "finding")
    for i, o in enumerate(c.consent.overrides):
        need(f"consent.overrides[{i}].rule", o.rule, rules, "finding")
    return problems
