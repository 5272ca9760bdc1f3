"""The consultation being written, as a partial JSON dict, with no Qt.

The faces hold the consultation as a *partial* dict in the
``mesodesk-consultation`` shape (incomplete or invalid while the practitioner
types). This module turns it into what the layers below understand: the full
:class:`~mesodesk.domain.Consultation` when it is complete, and the *partial*
consultation the rules run on meanwhile (a part not yet written is
:class:`~mesodesk.rules.Missing`, so a rule that needs it is not evaluated;
nothing is invented in its place).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import typing
from typing import Any

from mesodesk.catalogue.model import Catalogue
from mesodesk.catalogue.references import check_references
from mesodesk.domain import FORMAT, Consent, Consultation, ConsultationError, fingerprint, from_data
from mesodesk.domain.schema import Problem, SchemaError, build

Data = dict[str, Any]


def parse_date(text: str) -> dt.date | None:
    """A date typed as YYYY-MM-DD or DD/MM/YYYY; None if it is not a real date."""
    text = text.strip()
    try:
        if "/" in text:
            day, month, year = (int(p) for p in text.split("/"))
            if year < 100:
                return None
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None



def new_data(today: dt.date, clinic: dict | None = None,
             practitioner: dict | None = None) -> Data:
    """A fresh consultation dict: clinic and practitioner remembered from settings."""
    return {
        "format": FORMAT,
        "date": today.isoformat(),
        "language": "en",
        "clinic": dict(clinic or {}),
        "practitioner": dict(practitioner or {}),
        "patient": {},
        "screening": {"answers": {}, "allergies": [], "medications": "", "notes": ""},
        "areas": [],
        "products": [],
        "consent": {"acknowledged": [], "overrides": [], "signatures": []},
    }


_SECTIONS: dict[str, type] = {
    "format": str, "date": str, "language": str, "indication": str,
    "clinic": dict, "practitioner": dict, "patient": dict, "screening": dict,
    "delivery": dict, "plan": dict, "consent": dict, "areas": list, "products": list,
}
_NUMBER = (int, float)


def normalise(data: Any) -> tuple[Data, list[str]]:
    """A draft the wizard can show, whatever a damaged file or database held.

    Parts of the wrong shape (a list where an object belongs, a number where a
    catalogue id belongs) are left empty and named in the returned list; every
    well-formed value is kept as it was, valid or not, for the steps to show."""
    dropped: list[str] = []
    if not isinstance(data, dict):
        return new_data(dt.date.today()), ["the whole draft"]
    out: Data = {}
    for key, value in data.items():
        shape = _SECTIONS.get(key)
        if shape is None or isinstance(value, shape):
            out[key] = copy.deepcopy(value)
        else:
            dropped.append(key)

    def keep(section: str, key: str, kinds: type | tuple[type, ...]) -> None:
        holder = out.get(section)
        if isinstance(holder, dict) and key in holder and (
                not isinstance(holder[key], kinds) or isinstance(holder[key], bool)):
            del holder[key]
            dropped.append(f"{section}.{key}")

    def only(container: Any, kinds: type | tuple[type, ...], name: str) -> list:
        if not isinstance(container, list):
            dropped.append(name)
            return []
        kept = [v for v in container if isinstance(v, kinds) and not isinstance(v, bool)]
        if len(kept) != len(container):
            dropped.append(name)
        return kept

    if "areas" in out:
        out["areas"] = only(out["areas"], str, "areas")
    if "products" in out:
        out["products"] = only(out["products"], dict, "products")
        for i, product in enumerate(out["products"]):
            if "id" in product and not isinstance(product["id"], str):
                del product["id"]
                dropped.append(f"products[{i}].id")
    for key in ("technique", "device"):
        keep("delivery", key, str)
    for key in ("needle_gauge", "needle_length_mm", "depth_mm"):
        keep("delivery", key, _NUMBER)
    for key in ("sessions", "interval_weeks"):
        keep("plan", key, _NUMBER)
    keep("consent", "photos", str)
    keep("consent", "cooling_off_days", int)
    screening = out.get("screening")
    if isinstance(screening, dict):
        answers = screening.get("answers")
        if answers is not None:
            if not isinstance(answers, dict):
                answers = {}
                dropped.append("screening.answers")
            screening["answers"] = {k: v for k, v in answers.items()
                                    if isinstance(k, str) and v in ("yes", "no", "unknown")}
        if "allergies" in screening:
            screening["allergies"] = only(screening["allergies"], str, "screening.allergies")
    consent = out.get("consent")
    if isinstance(consent, dict):
        for key, kinds in (("acknowledged", str), ("agreed", str), ("overrides", dict),
                           ("signatures", dict), ("teach_back", dict)):
            if key in consent:
                consent[key] = only(consent[key], kinds, f"consent.{key}")
    for key in ("clinic", "practitioner", "patient", "screening", "consent"):
        out.setdefault(key, {})
    out.setdefault("areas", [])
    out.setdefault("products", [])
    out.setdefault("format", FORMAT)
    out.setdefault("date", dt.date.today().isoformat())
    out.setdefault("language", "en")
    return out, dropped


def consultation_date(data: Data) -> dt.date:
    try:
        return dt.date.fromisoformat(str(data.get("date")))
    except ValueError:
        return dt.date.today()


def to_consultation(data: Data, catalogue: Catalogue) -> Consultation | None:
    """The consultation if the dict is complete and every id is in the catalogue."""
    return build_consultation(data, catalogue)[0]


def build_consultation(data: Data, catalogue: Catalogue
                       ) -> tuple[Consultation | None, list[Problem]]:
    try:
        consultation = from_data(data)
    except ConsultationError as exc:
        return None, list(exc.problems)
    problems = check_references(consultation, catalogue)
    return (None, problems) if problems else (consultation, [])


def indication_defaults(indication_id: str, catalogue: Catalogue) -> tuple[Data, Data]:
    """The delivery and plan the catalogue suggests for an indication."""
    ind = catalogue.indications[indication_id]
    delivery = {"technique": ind.default_technique, "device": ind.default_device,
                "needle_gauge": ind.default_needle_gauge,
                "needle_length_mm": ind.default_needle_length_mm,
                "depth_mm": ind.default_depth_mm}
    plan = {"sessions": ind.typical_sessions, "interval_weeks": ind.typical_interval_weeks}
    return delivery, plan


def with_indication(data: Data, indication_id: str | None, catalogue: Catalogue) -> Data:
    """Choose an indication. Delivery and plan take the indication's defaults
    when they are empty or still hold the previous indication's defaults; what
    the practitioner changed is kept."""
    out = copy.deepcopy(data)
    previous = data.get("indication")
    if indication_id is None:
        out.pop("indication", None)
        return out
    out["indication"] = indication_id
    delivery, plan = indication_defaults(indication_id, catalogue)
    old_delivery: Data = {}
    old_plan: Data = {}
    if isinstance(previous, str) and previous in catalogue.indications:
        old_delivery, old_plan = indication_defaults(previous, catalogue)
    current = out.get("delivery")
    if not current or current == old_delivery:
        out["delivery"] = delivery
    current_plan = out.get("plan") or {}
    bare = {k: v for k, v in current_plan.items() if k != "notes"}
    if not bare or bare == old_plan:
        out["plan"] = {**plan, "notes": current_plan.get("notes", "")}
    return out


def unsigned(data: Data) -> Data:
    """The dict without signatures and without the statements agreed on screen
    (ticked as they sign): what the patient is shown before signing."""
    out = copy.deepcopy(data)
    consent = out.setdefault("consent", {})
    consent["signatures"] = []
    consent.pop("agreed", None)
    return out


def unsigned_fingerprint(data: Data, catalogue: Catalogue) -> str | None:
    consultation = to_consultation(unsigned(data), catalogue)
    return fingerprint(consultation) if consultation is not None else None




def builds(cls: type, data: Any) -> bool:
    try:
        build(cls, data)
    except SchemaError:
        return False
    return True


def consent_of(data: Data) -> Consent:
    try:
        return build(Consent, data.get("consent") or {})
    except SchemaError:
        return Consent()


def partial_consultation(data: Data) -> Consultation:
    """The consultation as far as it is written, for the rules to check while it
    is typed: each part that is valid on its own is kept as it is; a list that
    is not is empty; any other part is :class:`~mesodesk.rules.Missing` (a rule
    that needs it is then left out). Nothing is made up in place of a part."""
    from mesodesk.domain.schema import build_value
    from mesodesk.rules import Missing

    hints = typing.get_type_hints(Consultation)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Consultation):
        tp = hints[f.name]
        if f.name == "consent":
            values[f.name] = consent_of(data)
            continue
        if f.name in data:
            value, problems = build_value(tp, data[f.name], dict(f.metadata))
            if not problems:
                values[f.name] = value
                continue
        if typing.get_origin(tp) is tuple:
            values[f.name] = ()
        elif f.name not in data and (f.default is not dataclasses.MISSING
                                     or f.default_factory is not dataclasses.MISSING):
            values[f.name] = (f.default if f.default is not dataclasses.MISSING
                              else f.default_factory())  # type: ignore[misc]
        else:
            values[f.name] = Missing(f.name)
    return Consultation(**values)
