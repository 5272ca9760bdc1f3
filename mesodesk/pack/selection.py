"""Which catalogue entries concern this consultation, and how to name them.

Pure functions over the domain and catalogue records (no reportlab), so the
window can show the same selection the pack prints.
"""

from __future__ import annotations

from typing import Iterable, Mapping, TypeVar

from mesodesk.catalogue import licence
from mesodesk.catalogue.licence import UseStatus
from mesodesk.catalogue.model import AppliesTo, Catalogue, CareItem, Product, RedFlag, Risk
from mesodesk.catalogue.vocabulary import labels, number
from mesodesk.domain.model import Consultation

T = TypeVar("T", Risk, CareItem, RedFlag)

FREQUENCY_ORDER = ("very-common", "common", "uncommon", "rare", "very-rare", "not-known")
FREQUENCY_LABEL = labels("frequencies")   # the one vocabulary (catalogue/vocabulary.toml)
COMMON = frozenset({"very-common", "common"})
EVIDENCE_LABEL = labels("evidence")
STATUS_LABEL = licence.STATUS_WORDS
STATUS_SHORT = licence.STATUS_SHORT
PROFESSION_LABEL = labels("professions")


def applies(rule: AppliesTo, consultation: Consultation, catalogue: Catalogue) -> bool:
    """Whether a risk, care item or red flag concerns this plan (see AppliesTo)."""
    return rule.matches(
        products={p.id for p in consultation.products},
        technique=consultation.delivery.technique, device=consultation.delivery.device,
        indication=consultation.indication, areas=consultation.areas,
        facial=any(catalogue.areas[a].facial for a in consultation.areas
                   if a in catalogue.areas))


def _select(table: Mapping[str, T], consultation: Consultation,
            catalogue: Catalogue) -> list[tuple[str, T]]:
    items = [(key, item) for key, item in table.items()
             if applies(item.applies_to, consultation, catalogue)]
    return sorted(items, key=lambda kv: (kv[1].order, kv[0]))


def risks(consultation: Consultation, catalogue: Catalogue) -> list[tuple[str, Risk]]:
    """The risks of exactly this plan, most frequent first, serious before expected."""
    items = _select(catalogue.risks, consultation, catalogue)
    return sorted(items, key=lambda kv: (FREQUENCY_ORDER.index(kv[1].frequency),
                                         kv[1].order, kv[0]))


def care(consultation: Consultation, catalogue: Catalogue,
         when: str) -> list[tuple[str, CareItem]]:
    return [(k, c) for k, c in _select(catalogue.care, consultation, catalogue) if c.when == when]


def red_flags(consultation: Consultation, catalogue: Catalogue) -> list[tuple[str, RedFlag]]:
    """Emergencies first, then urgent signs."""
    items = _select(catalogue.red_flags, consultation, catalogue)
    return sorted(items, key=lambda kv: (kv[1].urgency != "emergency", kv[1].order, kv[0]))


def use_status(product: Product, indication: str) -> UseStatus:
    """The regulatory status of *this use*, decided by the catalogue's one
    licence function (the safety rules call the same one)."""
    return licence.use_status(product, indication)


def status_text(product: Product, indication: str) -> str:
    """The regulatory status of this use in plain words."""
    return licence.status_words(product, indication)


def needle_text(gauge: int, length_mm: float) -> str:
    """A needle as gauge × length, e.g. "30G × 4 mm" (never "larger/smaller gauge")."""
    return f"{gauge}G × {number(length_mm)} mm"




def join_names(names: Iterable[str]) -> str:
    items = list(names)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
