"""What each data step still needs before it is complete, field by field.

A step is complete when its required fields are filled in, not when an
indication happens to fill them: each :class:`Gap` names one required field
left empty (or not valid yet) with its JSON path, so a face can mark the field
on the page, name it in its findings panel and keep Next off until it is done.
Values the indication suggested (delivery, plan) count once the practitioner
has had them on screen (``FlowState.unconfirmed``). No Qt here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from mesodesk.session.draft import Data, consultation_date, parse_date

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue


@dataclass(frozen=True)
class Gap:
    """One required field not filled in: where it is, and what it is called."""

    path: str      # JSON path of the field, e.g. ``products[1].lot``
    label: str     # the field as the practitioner knows it, e.g. "Lidocaine: lot"


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        return parse_date(value)
    return None


def _dict(data: Data, key: str) -> dict:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def clinic(data: Data, catalogue: Catalogue) -> list[Gap]:
    out = []
    if not _text(_dict(data, "clinic").get("name")):
        out.append(Gap("clinic.name", "Clinic name"))
    if not _text(_dict(data, "practitioner").get("name")):
        out.append(Gap("practitioner.name", "Practitioner name"))
    return out


def patient(data: Data, catalogue: Catalogue) -> list[Gap]:
    p = _dict(data, "patient")
    out = []
    if not _text(p.get("name")):
        out.append(Gap("patient.name", "Full name"))
    born = _date(p.get("date_of_birth"))
    if born is None:
        out.append(Gap("patient.date_of_birth", "Date of birth"))
    elif born > consultation_date(data):
        out.append(Gap("patient.date_of_birth", "Date of birth (it is in the future)"))
    return out


def screening(data: Data, catalogue: Catalogue) -> list[Gap]:
    answers = _dict(data, "screening").get("answers")
    answers = answers if isinstance(answers, dict) else {}
    unanswered = [q for q in catalogue.screening if q not in answers]
    if not unanswered:
        return []
    count = len(unanswered)
    return [Gap(f"screening.answers.{unanswered[0]}",
                f"{count} screening question{'s' if count != 1 else ''} not answered")]


def indication(data: Data, catalogue: Catalogue) -> list[Gap]:
    out = []
    if data.get("indication") not in catalogue.indications:
        out.append(Gap("indication", "Indication"))
    areas = data.get("areas")
    if not isinstance(areas, list) or not areas or not all(a in catalogue.areas for a in areas):
        out.append(Gap("areas", "Treatment areas"))
    return out


def delivery(data: Data, catalogue: Catalogue) -> list[Gap]:
    d = _dict(data, "delivery")
    out = []
    if d.get("technique") not in catalogue.techniques:
        out.append(Gap("delivery.technique", "Technique"))
    if d.get("device") not in catalogue.devices:
        out.append(Gap("delivery.device", "Device"))
    if d.get("needle_gauge") not in catalogue.needles:
        out.append(Gap("delivery.needle_gauge", "Needle gauge"))
    if not _positive(d.get("needle_length_mm")):
        out.append(Gap("delivery.needle_length_mm", "Needle length"))
    if not _positive(d.get("depth_mm")):
        out.append(Gap("delivery.depth_mm", "Injection depth"))
    return out


def products(data: Data, catalogue: Catalogue) -> list[Gap]:
    entries = data.get("products")
    if not isinstance(entries, list) or not entries:
        return [Gap("products", "At least one product")]
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            out.append(Gap(f"products[{i}]", f"Product {i + 1}"))
            continue
        known = catalogue.products.get(str(entry.get("id", "")))
        name = known.name if known is not None else str(entry.get("name") or f"Product {i + 1}")
        if not _text(entry.get("lot")):
            out.append(Gap(f"products[{i}].lot", f"{name}: lot"))
        if _date(entry.get("expiry")) is None:
            out.append(Gap(f"products[{i}].expiry", f"{name}: expiry"))
        if not _positive(entry.get("volume_ml")):
            out.append(Gap(f"products[{i}].volume_ml", f"{name}: volume"))
    return out


def plan(data: Data, catalogue: Catalogue) -> list[Gap]:
    p = _dict(data, "plan")
    out = []
    if not _positive(p.get("sessions")):
        out.append(Gap("plan.sessions", "Sessions"))
    interval = p.get("interval_weeks")
    if not isinstance(interval, (int, float)) or isinstance(interval, bool) or interval < 0:
        out.append(Gap("plan.interval_weeks", "Interval between sessions"))
    return out


#: the required fields of each part of the consultation (by its top-level key)
BY_SECTION: dict[str, Callable[[Data, "Catalogue"], list[Gap]]] = {
    "clinic": clinic, "patient": patient, "screening": screening, "indication": indication,
    "delivery": delivery, "products": products, "plan": plan,
}

#: what the practitioner is told about values the indication suggested, not yet seen
UNCONFIRMED = "suggested for the indication: check them on this step"


def gaps(sections: tuple[str, ...], data: Data, catalogue: Catalogue,
         unconfirmed: frozenset[str] | set[str] = frozenset()) -> list[Gap]:
    """Every required field of these sections still to fill in (or to check)."""
    out: list[Gap] = []
    for section in sections:
        check = BY_SECTION.get(section)
        if check is not None:
            out.extend(check(data, catalogue))
        if section in unconfirmed:
            out.append(Gap(section, f"{section.capitalize()} {UNCONFIRMED}"))
    return out
