"""Teach-back: the questions a practitioner asks before the patient signs, so
the patient can explain the key points of *this* plan in their own words.

A pure function over the consultation and the catalogue's question templates
(``resources/catalogue/teachback.toml``): the questions that apply to the
plan, the plan's own warning signs first, three to five of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mesodesk.catalogue.model import Catalogue, Product, TeachBack
from mesodesk.domain.model import Consultation

MIN_QUESTIONS = 3
MAX_QUESTIONS = 5


@dataclass(frozen=True)
class Question:
    """One teach-back question for this plan."""

    key: str          # the template's id in teachback.toml
    question: str     # as asked of the patient
    answer: str       # what a good answer covers (for the practitioner)
    source: tuple[str, ...]


def _status(product: Product, indication: str) -> str:
    """The regulatory status of this use (a licensed active product used
    outside the indications its licence covers is off-label)."""
    reg = product.regulatory
    if (reg.status == "licensed" and product.role == "active" and reg.licensed_for
            and indication not in reg.licensed_for):
        return "off-label"
    return reg.status


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def questions(consultation: Consultation, catalogue: Catalogue) -> list[Question]:
    """Three to five teach-back questions for this plan, in the order to ask them."""
    c = consultation
    chosen = [(use.id, catalogue.products[use.id]) for use in c.products
              if use.id in catalogue.products]
    facial = any(catalogue.areas[a].facial for a in c.areas if a in catalogue.areas)
    picked: list[Question] = []
    for key, t in sorted(catalogue.teachback.items(), key=lambda kv: (kv[1].order, kv[0])):
        if not t.applies_to.matches(products={pid for pid, _ in chosen},
                                    technique=c.delivery.technique, device=c.delivery.device,
                                    indication=c.indication, areas=c.areas, facial=facial):
            continue
        named = [p.name for _, p in chosen if _status(p, c.indication) in t.status]
        if t.status and not named:
            continue
        picked.append(_fill(key, t, c, catalogue, named or [p.name for _, p in chosen]))
        if len(picked) == MAX_QUESTIONS:
            break
    return picked


def _fill(key: str, t: TeachBack, c: Consultation, catalogue: Catalogue,
          products: list[str]) -> Question:
    values = {
        "plan": (f"{c.plan.sessions} sessions, about {_number(c.plan.interval_weeks)} weeks apart"
                 if c.plan.sessions > 1 else "1 session"),
        "products": _names(products) if products else "the product",
        "areas": _names([catalogue.areas[a].name for a in c.areas if a in catalogue.areas]),
        "clinic_phone": c.clinic.phone or "the clinic's number",
    }
    return Question(key, t.question.format(**values), t.answer.format(**values), t.source)
