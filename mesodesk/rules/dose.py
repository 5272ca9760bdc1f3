"""The local anaesthetic's total dose against its label's maximum.

A product with ``max_dose_mg`` or ``max_dose_mg_per_kg`` (products.toml) sets
the limit for its first ingredient (lidocaine). Every product entry holding
that ingredient counts towards one total, so lidocaine listed in several lots,
mixed into a cocktail as its own entry, or recorded as a product outside the
catalogue ("other", named "Lidocaine 1%") adds up:

    mg = volume_ml x concentration_mg_ml

The strength is the one recorded for the entry; when it is not recorded, the
strongest the product is sold in is assumed (and said), and a product that
holds the ingredient but sells no known strength is not counted (and said).
The total is checked against the most permissive limit among the anaesthetic
products used (500 mg when lidocaine with adrenaline is among them), each
product's own entries against its own limit, and, when ``patient.weight_kg``
is recorded, against the mg/kg limit. Near the limit with no weight recorded,
the rule asks for the weight. Thresholds that are policy (how near is "near")
are ``params`` in rules.toml; the limits are the label's, from products.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from mesodesk.catalogue.model import Catalogue, Product
from mesodesk.rules import medicines
from mesodesk.rules.context import EPSILON, Context, Hit, number
from mesodesk.rules.plan import OTHER


@dataclass(frozen=True)
class Entry:
    """One product entry that holds a dose-limited ingredient."""

    index: int
    name: str
    product_id: str             # catalogue id, or "other"
    product: Product | None     # None for "other"
    volume_ml: float
    strength: float | None      # mg/mL counted (recorded or assumed); None: not counted
    assumed: bool               # the strength was not recorded

    @property
    def path(self) -> str:
        return f"products[{self.index}]"

    @property
    def mg(self) -> float:
        return self.volume_ml * (self.strength or 0.0)


def has_limit(product: Product) -> bool:
    return product.max_dose_mg is not None or product.max_dose_mg_per_kg is not None


def limited_ingredients(catalogue: Catalogue) -> dict[str, list[str]]:
    """ingredient id -> the injectable products whose maximum dose is for it."""
    out: dict[str, list[str]] = {}
    for key, product in catalogue.products.items():
        if product.injectable and product.ingredients and has_limit(product):
            out.setdefault(product.ingredients[0], []).append(key)
    return out


def entries(ctx: Context, ingredient: str) -> list[Entry]:
    out = []
    cat = ctx.catalogue
    for i, use in enumerate(ctx.consultation.products):
        recorded = use.concentration_mg_ml
        if use.id == OTHER:
            if ingredient not in medicines.ingredients_named(use.name, cat):
                continue
            out.append(Entry(i, use.name.strip() or "A product not in the catalogue", OTHER,
                             None, use.volume_ml, recorded, False))
            continue
        product = cat.products.get(use.id)
        if product is None or not product.injectable or ingredient not in product.ingredients:
            continue
        own = bool(product.ingredients) and product.ingredients[0] == ingredient
        if recorded is not None and own:
            out.append(Entry(i, product.name, use.id, product, use.volume_ml, recorded, False))
        elif own and product.strengths_mg_ml:
            out.append(Entry(i, product.name, use.id, product, use.volume_ml,
                             max(product.strengths_mg_ml), True))
        else:
            out.append(Entry(i, product.name, use.id, product, use.volume_ml, None, True))
    return out


def _how(scope: list[Entry]) -> str:
    parts = []
    for e in scope:
        if e.strength is None:
            continue
        part = f"{number(e.volume_ml)} mL at {number(e.strength)} mg/mL"
        if e.assumed:
            part += " (strength not recorded: the strongest sold)"
        parts.append(part)
    return " + ".join(parts)


def _check(ctx: Context, scope: list[Entry], limit: Product, drug: str) -> Iterator[Hit]:
    """The strictest limit of ``limit`` that the scope's total exceeds."""
    total = sum(e.mg for e in scope)
    counted = [e for e in scope if e.strength is not None]
    if not counted:
        return
    weight = ctx.consultation.patient.weight_kg
    path = f"{counted[0].path}.volume_ml"
    values = {"drug": drug, "total": number(total), "how": _how(scope),
              "limited_by": limit.name}
    by_weight = (limit.max_dose_mg_per_kg * weight
                 if limit.max_dose_mg_per_kg is not None and weight is not None else None)
    if by_weight is not None and (limit.max_dose_mg is None or by_weight < limit.max_dose_mg):
        if total > by_weight + EPSILON:
            yield Hit("anaesthetic-max-dose-per-kg", path,
                      {**values, "per_kg": number(limit.max_dose_mg_per_kg or 0),
                       "weight": number(weight or 0), "max": number(by_weight)},
                      limit.dose_source)
        return
    if limit.max_dose_mg is not None and total > limit.max_dose_mg + EPSILON:
        yield Hit("anaesthetic-max-dose", path, {**values, "max": number(limit.max_dose_mg)},
                  limit.dose_source)


def anaesthetic_dose(ctx: Context) -> Iterator[Hit]:
    cat = ctx.catalogue
    for ingredient, limited in limited_ingredients(cat).items():
        found = entries(ctx, ingredient)
        if not found:
            continue
        drug = cat.ingredients[ingredient].name.lower() if ingredient in cat.ingredients \
            else ingredient
        present = [cat.products[k] for k in dict.fromkeys(e.product_id for e in found)
                   if k in limited]
        if present:
            ref = max(present, key=lambda p: p.max_dose_mg or 0.0)
        else:  # only products outside the limited ones: the strictest label applies
            ref = min((cat.products[k] for k in limited),
                      key=lambda p: p.max_dose_mg or float("inf"))
        hits: dict[tuple[str, str], Hit] = {}
        contributors = {e.product_id if e.product_id != OTHER else f"other{e.index}"
                        for e in found}
        if len(contributors) > 1:
            for product in present:
                own = [e for e in found if e.product is product]
                for hit in _check(ctx, own, product, drug):
                    hits.setdefault((hit.rule, hit.path), hit)
        for hit in _check(ctx, found, ref, drug):
            hits.setdefault((hit.rule, hit.path), hit)
        yield from hits.values()
        yield from _unknowns(ctx, found, ref, drug)


def _unknowns(ctx: Context, found: list[Entry], ref: Product, drug: str) -> Iterator[Hit]:
    """Strengths not recorded (where it matters), implausible strengths, and the
    weight when the total is near the limit."""
    total = sum(e.mg for e in found)
    fraction = ctx.param("anaesthetic-weight-needed", "near_fraction", 0.75)
    near = ref.max_dose_mg is not None and total >= fraction * ref.max_dose_mg - EPSILON
    for e in found:
        if e.strength is None:
            yield Hit("anaesthetic-strength-unknown", f"{e.path}.concentration_mg_ml",
                      {"product": e.name, "drug": drug,
                       "counted": "so it is not counted in the total"})
        elif e.assumed and near:
            yield Hit("anaesthetic-strength-unknown", f"{e.path}.concentration_mg_ml",
                      {"product": e.name, "drug": drug,
                       "counted": f"so it was counted at the strongest sold, "
                                  f"{number(e.strength)} mg/mL"})
        elif (not e.assumed and e.product is not None and e.product.strengths_mg_ml
              and not any(abs(e.strength - s) < 1e-6 for s in e.product.strengths_mg_ml)):
            yield Hit("anaesthetic-strength-unusual", f"{e.path}.concentration_mg_ml",
                      {"product": e.name, "strength": number(e.strength),
                       "strengths": " or ".join(f"{number(s)} mg/mL"
                                                for s in e.product.strengths_mg_ml),
                       "percent_as_mg": number(e.strength * 10)})
    weight = ctx.consultation.patient.weight_kg
    if (weight is None and near and ref.max_dose_mg_per_kg is not None
            and total <= (ref.max_dose_mg or 0) + EPSILON):
        light = ref.max_dose_mg / ref.max_dose_mg_per_kg if ref.max_dose_mg else 0
        yield Hit("anaesthetic-weight-needed", "patient.weight_kg",
                  {"drug": drug, "total": number(total), "max": number(ref.max_dose_mg or 0),
                   "per_kg": number(ref.max_dose_mg_per_kg), "below_kg": number(round(light)),
                   "limited_by": ref.name},
                  ref.dose_source)
