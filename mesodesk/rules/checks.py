"""The safety rules computed in code, as a table.

Each rule is a small pure function ``(Context) -> Iterable[Hit]`` listed in
:data:`CODED_RULES` with the ids it may report. Thresholds that are policy
(``min_age``) are ``params`` in ``rules.toml``; limits that belong to a
product (``max_volume_ml_per_session``) come from its catalogue entry. The
wording, severity and sources of every id are in ``rules.toml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from mesodesk.catalogue import licence
from mesodesk.domain.model import age_on
from mesodesk.rules import allergy, consent, dose, medicines, plan, points
from mesodesk.rules.context import EPSILON, ChosenProduct, Context, Hit, names, number

# Catalogue ids the microneedling rule keys on (design.md's minimum ids).
MICRONEEDLING_TECHNIQUES = frozenset({"microneedling"})
MICRONEEDLING_DEVICES = frozenset({"microneedling-device"})
INTRADERMAL_ROUTES = frozenset({"intradermal", "intradermal-or-subcutaneous"})


@dataclass(frozen=True)
class CodedRule:
    ids: tuple[str, ...]                      # the finding ids it may report
    condition: str                            # what it checks, in words
    check: Callable[[Context], Iterable[Hit]]


# --- the patient ------------------------------------------------------------------


def age(ctx: Context) -> Iterator[Hit]:
    c = ctx.consultation
    born, on = c.patient.date_of_birth, c.date
    years = age_on(born, on)
    if born > on or years > ctx.param("birth-date-implausible", "max_age", 120):
        yield Hit("birth-date-implausible", "patient.date_of_birth",
                  {"date_of_birth": born.isoformat(), "date": on.isoformat()})
    elif years < ctx.param("under-18", "min_age", 18):
        yield Hit("under-18", "patient.date_of_birth",
                  {"age": years, "date": on.isoformat(),
                   "min_age": number(ctx.param("under-18", "min_age", 18))})


def allergies(ctx: Context) -> Iterator[Hit]:
    for i, entry in enumerate(ctx.consultation.screening.allergies):
        for chosen in ctx.distinct:
            matched = allergy.match(entry, chosen.use.id, chosen.product, ctx.catalogue)
            if matched is not None:
                yield Hit("allergy-ingredient", f"screening.allergies[{i}]",
                          {"allergy": entry.strip(), "ingredient": matched,
                           "product": chosen.product.name})


# --- the products -------------------------------------------------------------------


def expiry(ctx: Context) -> Iterator[Hit]:
    """Expired before the treatment date (the consultation date); the day of
    expiry itself is still usable."""
    for chosen in ctx.chosen:
        if chosen.use.expiry < ctx.consultation.date:
            yield Hit("product-expired", f"{chosen.path}.expiry",
                      {"product": chosen.product.name, "lot": chosen.use.lot.strip() or "not recorded",
                       "expiry": chosen.use.expiry.isoformat(),
                       "date": ctx.consultation.date.isoformat()})


def lot(ctx: Context) -> Iterator[Hit]:
    for chosen in ctx.chosen:
        if not chosen.use.lot.strip():
            yield Hit("lot-missing", f"{chosen.path}.lot", {"product": chosen.product.name})


def regulatory(ctx: Context) -> Iterator[Hit]:
    """Unlicensed products, and licensed ones used outside their licence, as
    :func:`mesodesk.catalogue.licence.use_status` decides (the pack prints the
    same decision)."""
    indication_id = ctx.consultation.indication
    indication_name = names([indication_id], ctx.catalogue.indications)
    for chosen in ctx.distinct:
        p = chosen.product
        path = f"{chosen.path}.id"
        status = licence.use_status(p, indication_id)
        if status == "unlicensed":
            yield Hit("unlicensed-product", path, {
                "product": p.name,
                "licence": licence.licence_text(p, ctx.catalogue.indications)})
        elif status == "off-label":
            yield Hit("off-label", path, {
                "product": p.name, "indication": indication_name,
                "licence": licence.licence_text(p, ctx.catalogue.indications)})


def suitability(ctx: Context) -> Iterator[Hit]:
    indication = ctx.indication
    indication_id = ctx.consultation.indication
    if indication is None:
        return
    for chosen in ctx.distinct:
        if chosen.product.role == "anaesthetic":
            continue
        if indication_id in chosen.product.suitable_for or chosen.use.id in indication.products:
            continue
        yield Hit("product-not-suited", f"{chosen.path}.id",
                  {"product": chosen.product.name, "indication": indication.name})


def microneedling(ctx: Context) -> Iterator[Hit]:
    delivery = ctx.consultation.delivery
    if (delivery.technique not in MICRONEEDLING_TECHNIQUES
            and delivery.device not in MICRONEEDLING_DEVICES):
        return
    for chosen in ctx.distinct:
        if chosen.product.route not in INTRADERMAL_ROUTES:
            yield Hit("microneedling-non-intradermal", f"{chosen.path}.id",
                      {"product": chosen.product.name, "route": chosen.product.route})


# --- label limits ------------------------------------------------------------------


def _entries(ctx: Context, product_id: str) -> list[ChosenProduct]:
    return [c for c in ctx.chosen if c.use.id == product_id]


def label_volume(ctx: Context) -> Iterator[Hit]:
    """Total volume of one product in the session (all its lots together)."""
    for first in ctx.distinct:
        cap = first.product.max_volume_ml_per_session
        if cap is None:
            continue
        total = sum(points.session_volume(c.use) for c in _entries(ctx, first.use.id))
        if total > cap + EPSILON:
            yield Hit("label-max-volume", f"{first.path}.volume_ml",
                      {"product": first.product.name, "volume": number(total), "max": number(cap)},
                      first.product.limits_source)


def label_injections(ctx: Context) -> Iterator[Hit]:
    """Injections per session: as recorded, else counted from the volume when
    the label fixes the volume of one injection, else flagged as unrecorded."""
    for first in ctx.distinct:
        p = first.product
        cap = p.max_injections_per_session
        if cap is None:
            continue
        count, derived, missing = 0, [], []
        for c in _entries(ctx, first.use.id):
            if points.injection_count(c.use) is not None:   # the map's points where there are any
                count += points.injection_count(c.use) or 0
            elif p.volume_per_injection_ml:
                count += math.ceil(c.use.volume_ml / p.volume_per_injection_ml - EPSILON)
                derived.append(c)
            else:
                missing.append(c)
        for c in missing:
            yield Hit("injection-count-missing", f"{c.path}.injections",
                      {"product": p.name, "max": cap}, p.limits_source)
        if count > cap:
            if derived:
                volume = sum(c.use.volume_ml for c in derived)
                how = (f" (counted from {number(volume)} mL at "
                       f"{number(p.volume_per_injection_ml or 0)} mL per injection)")
                path = f"{derived[0].path}.volume_ml"
            else:
                how, path = "", f"{first.path}.injections"
            yield Hit("label-max-injections", path,
                      {"product": p.name, "injections": count, "derived": how, "max": cap},
                      p.limits_source)


def label_sessions(ctx: Context) -> Iterator[Hit]:
    plan = ctx.consultation.plan
    for first in ctx.distinct:
        cap = first.product.max_sessions
        if cap is not None and plan.sessions > cap:
            yield Hit("label-max-sessions", "plan.sessions",
                      {"product": first.product.name, "sessions": plan.sessions, "max": cap},
                      first.product.limits_source)


def label_interval(ctx: Context) -> Iterator[Hit]:
    """Only a plan of more than one session has an interval to check."""
    plan = ctx.consultation.plan
    if plan.sessions < 2:
        return
    for first in ctx.distinct:
        minimum = first.product.min_interval_weeks
        if minimum is not None and plan.interval_weeks < minimum - EPSILON:
            yield Hit("interval-too-short", "plan.interval_weeks",
                      {"product": first.product.name, "interval": number(plan.interval_weeks),
                       "min": number(minimum)},
                      first.product.limits_source)


def licensed_area(ctx: Context) -> Iterator[Hit]:
    """A licensed product used on an area its licensed indications do not cover
    (deoxycholic acid outside the submental area)."""
    indications = ctx.catalogue.indications
    for first in ctx.distinct:
        reg = first.product.regulatory
        if reg.status != "licensed" or not reg.licensed_for or first.product.role == "anaesthetic":
            continue
        allowed: list[str] = []
        for ind in reg.licensed_for:
            for area_id in getattr(indications.get(ind), "areas", ()):
                if area_id not in allowed:
                    allowed.append(area_id)
        if not allowed:
            continue
        for i, area_id, area in ctx.areas():
            if area_id not in allowed:
                yield Hit("outside-licensed-area", f"areas[{i}]",
                          {"product": first.product.name,
                           "licensed_for": names(reg.licensed_for, indications),
                           "licensed_areas": names(allowed, ctx.catalogue.areas),
                           "area": area.name},
                          first.product.limits_source)


# --- where and how deep ----------------------------------------------------------------


def areas(ctx: Context) -> Iterator[Hit]:
    indication = ctx.indication
    if indication is None:
        return
    for i, area_id, area in ctx.areas():
        if area_id not in indication.areas:
            yield Hit("area-not-indicated", f"areas[{i}]",
                      {"area": area.name, "indication": indication.name})


def needle(ctx: Context) -> Iterator[Hit]:
    d = ctx.consultation.delivery
    if d.needle_length_mm < d.depth_mm - EPSILON:
        yield Hit("needle-too-short", "delivery.needle_length_mm",
                  {"length": number(d.needle_length_mm), "depth": number(d.depth_mm)})


def depth(ctx: Context) -> Iterator[Hit]:
    """The bounds themselves are inside the range."""
    technique = ctx.technique
    if technique is None:
        return
    d = ctx.consultation.delivery
    if (d.depth_mm < technique.depth_min_mm - EPSILON
            or d.depth_mm > technique.depth_max_mm + EPSILON):
        yield Hit("depth-outside-technique", "delivery.depth_mm",
                  {"depth": number(d.depth_mm), "min": number(technique.depth_min_mm),
                   "max": number(technique.depth_max_mm), "technique": technique.name},
                  technique.depth_source)


def shallow_subcutaneous(ctx: Context) -> Iterator[Hit]:
    """A product for the fat layer planned at an intradermal depth."""
    depth_mm = ctx.consultation.delivery.depth_mm
    minimum = ctx.param("too-shallow-for-subcutaneous-product", "min_depth_mm", 4.0)
    if depth_mm >= minimum - EPSILON:
        return
    for chosen in ctx.distinct:
        if chosen.product.route == "subcutaneous":
            yield Hit("too-shallow-for-subcutaneous-product", "delivery.depth_mm",
                      {"product": chosen.product.name, "depth": number(depth_mm),
                       "min_depth": number(minimum)})


CODED_RULES: tuple[CodedRule, ...] = (
    CodedRule(("under-18", "birth-date-implausible"),
              "younger than min_age on the consultation date, or a date of birth that "
              "is after it or more than max_age years before it", age),
    CodedRule(("allergy-ingredient",),
              "a recorded allergy names an ingredient (or synonym) of a chosen product, "
              "the anaesthetic included", allergies),
    CodedRule(("allergy-cross-reactive-nsaid", "allergy-cross-reactive-amide"),
              "a recorded allergy names a medicine (any name or brand, a slip allowed) or "
              "a class: the product's own medicine, or another member of a class whose "
              "allergies cross-react (drug-classes.toml allergy_rule)",
              medicines.cross_reactive_allergy),
    CodedRule(("medicines-list-disagrees", "medicines-list-disagrees-blocking",
               "ssri-snri-bleeding"),
              "the medicines list names a medicine whose screening answer is not yes "
              "(when a yes would change the plan), or one of a class with its own "
              "warning (drug-classes.toml medicines_rule)", medicines.medicines_list),
    CodedRule(("product-expired",), "a product expires before the treatment date", expiry),
    CodedRule(("lot-missing",), "a product has no lot number", lot),
    CodedRule(("unlicensed-product", "off-label"),
              "an unlicensed product, or one used outside its licence", regulatory),
    CodedRule(("product-not-suited",), "a product not suited to the indication", suitability),
    CodedRule(("microneedling-non-intradermal",),
              "microneedling with a product not made for intradermal use", microneedling),
    CodedRule(("anaesthetic-max-dose", "anaesthetic-max-dose-per-kg", "anaesthetic-weight-needed",
               "anaesthetic-strength-unknown", "anaesthetic-strength-unusual"),
              "the local anaesthetic's total mg (volume x strength, every entry that holds "
              "it) above the label's maximum or, with a recorded weight, its mg/kg limit; "
              "near the limit without a weight; a strength not recorded or not one sold",
              dose.anaesthetic_dose),
    CodedRule(("no-evidence-indication", "no-evidence-rationale-missing",
               "no-evidence-sessions"),
              "an indication whose evidence level is none: acknowledge, write a rationale, "
              "plan max_sessions then review", plan.no_evidence),
    CodedRule(("other-product", "other-product-undescribed"),
              "a product outside the catalogue: its name and risk text written, and "
              "acknowledged", plan.other_products),
    CodedRule(("label-max-volume",), "more volume per session than the label allows",
              label_volume),
    CodedRule(("label-max-injections", "injection-count-missing"),
              "more injections per session than the label allows, or no count to check",
              label_injections),
    CodedRule(("label-max-sessions",), "more sessions than the label allows", label_sessions),
    CodedRule(("interval-too-short",), "sessions closer together than the label allows",
              label_interval),
    CodedRule(("outside-licensed-area",), "a licensed product outside its licensed areas",
              licensed_area),
    CodedRule(("area-not-indicated",), "an area not listed for the indication", areas),
    CodedRule(("needle-too-short",), "a needle shorter than the planned depth", needle),
    CodedRule(("depth-outside-technique",), "a depth outside the technique's range", depth),
    CodedRule(("too-shallow-for-subcutaneous-product",),
              "a product for the fat layer planned shallower than min_depth_mm",
              shallow_subcutaneous),
    CodedRule(points.RULE_IDS, "injection-map points off the plan's areas, not adding up to "
              "the product's volume, or closer than the label's spacing", points.check),
    *(CodedRule(*rule) for rule in consent.RULES),
)
