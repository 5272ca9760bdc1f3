"""What a rule sees of a consultation, and what it reports before wording.

A coded rule returns :class:`Hit` records: the rule id, the JSON path that
caused it and the values its message needs. The engine turns a hit into a
:class:`~mesodesk.rules.finding.Finding` using the rule's entry in
``rules.toml`` (severity, overridable, message, sources), so no clinical
wording lives in code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from mesodesk.catalogue.model import Area, Catalogue, Indication, Product, Technique
from mesodesk.catalogue.vocabulary import number  # noqa: F401  (the one number formatter)
from mesodesk.domain.model import Consultation, ProductUse

# Floating-point slack for threshold comparisons: 3.3 + 3.3 + 3.4 mL is 10 mL.
EPSILON = 1e-9


@dataclass(frozen=True)
class Hit:
    """One occurrence of a coded rule, before it is worded."""

    rule: str
    path: str
    values: Mapping[str, object] = field(default_factory=dict)
    source: tuple[str, ...] = ()  # sources beyond the rule's own (e.g. a label)
    paths: tuple[str, ...] = ()   # every place it is about, when more than ``path``


@dataclass(frozen=True)
class ChosenProduct:
    """A product entry of the plan with its catalogue record."""

    index: int             # position in consultation.products
    use: ProductUse
    product: Product

    @property
    def path(self) -> str:
        return f"products[{self.index}]"


@dataclass(frozen=True)
class Context:
    """A consultation with its catalogue records looked up once.

    Ids the catalogue does not know are skipped rather than raised on: the
    loader rejects them for files, and the window may evaluate a plan while
    it is still being typed.
    """

    consultation: Consultation
    catalogue: Catalogue
    # the clinic's own settings for policy thresholds, as "rule.param" -> value
    # (e.g. "reflection-period-too-short.injectable_hours"); they win over rules.toml
    settings: Mapping[str, float] = field(default_factory=dict)

    @functools.cached_property
    def chosen(self) -> tuple[ChosenProduct, ...]:
        products = self.catalogue.products
        return tuple(ChosenProduct(index=i, use=use, product=products[use.id])
                     for i, use in enumerate(self.consultation.products)
                     if use.id in products)

    @functools.cached_property
    def distinct(self) -> tuple[ChosenProduct, ...]:
        """The first entry of each chosen product (a product may be listed per lot)."""
        seen: set[str] = set()
        out = []
        for chosen in self.chosen:
            if chosen.use.id not in seen:
                seen.add(chosen.use.id)
                out.append(chosen)
        return tuple(out)

    @functools.cached_property
    def product_ids(self) -> frozenset[str]:
        return frozenset(c.use.id for c in self.chosen)

    def areas(self) -> Iterator[tuple[int, str, Area]]:
        """(index, id, record) for each chosen area the catalogue knows."""
        for i, area_id in enumerate(self.consultation.areas):
            area = self.catalogue.areas.get(area_id)
            if area is not None:
                yield i, area_id, area

    @functools.cached_property
    def facial(self) -> bool:
        return any(area.facial for _, _, area in self.areas())

    @functools.cached_property
    def scalp(self) -> bool:
        return any(area.region == "scalp" for _, _, area in self.areas())

    @property
    def indication(self) -> Indication | None:
        return self.catalogue.indications.get(self.consultation.indication)

    @property
    def technique(self) -> Technique | None:
        return self.catalogue.techniques.get(self.consultation.delivery.technique)

    def param(self, rule: str, name: str, default: float) -> float:
        """A threshold from the clinic's settings, else ``rules.toml``
        (``params``), else ``default``."""
        if f"{rule}.{name}" in self.settings:
            return float(self.settings[f"{rule}.{name}"])
        spec = self.catalogue.rules.get(rule)
        if spec is None:
            return default
        return float(spec.params.get(name, default))




def names(ids: tuple[str, ...] | list[str], table: Mapping[str, object]) -> str:
    """Catalogue names for ``ids`` joined in plain English ("A, B and C")."""
    words = [getattr(table.get(i), "name", i) for i in ids]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
