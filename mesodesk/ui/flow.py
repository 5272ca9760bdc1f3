"""The consultation wizard's flow as data, with no Qt.

The window holds the consultation being written as a *partial* JSON dict in
the ``mesodesk-consultation/1`` shape (it may be incomplete or invalid while
the practitioner types). This module says, from that dict alone:

- the steps, in order (:data:`STEPS`), and which JSON sections each edits;
- whether each step is complete, and whether it carries warnings or blocks;
- which step a finding belongs to (:func:`step_for_path`);
- whether a step may be entered (consent only once every finding is resolved,
  signing only once the patient has seen the pack, ...).

Widgets only display what this module computes; nothing clinical is decided
here either: findings come from :func:`mesodesk.rules.evaluate`.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable, Literal

from mesodesk.catalogue.model import Catalogue
from mesodesk.catalogue.references import check_references
from mesodesk.domain import (FORMAT, Clinic, Consent, Consultation, ConsultationError, Delivery,
                             Patient, Plan, Practitioner, ProductUse, Screening, fingerprint,
                             from_data)
from mesodesk.domain.schema import Problem, SchemaError, build
from mesodesk.rules import Finding, sort_findings, unresolved

log = logging.getLogger(__name__)

Status = Literal["todo", "done", "warn", "block"]
Data = dict[str, Any]


@dataclass
class FlowState:
    """Everything the wizard knows: the partial consultation and the facts
    about the signing ceremony that are not part of the file."""

    data: Data
    pack_viewed: str | None = None    # fingerprint of the pack the patient was shown
    wet_ink: bool = False             # printed for wet-ink signature instead of the pad
    finished: bool = False            # the pack is signed (or printed) and stored
    consultation_id: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    sections: tuple[str, ...]                       # top-level keys this step edits
    complete: Callable[[FlowState, Catalogue], bool]
    gated: bool = False                             # needs everything before it resolved
    help: str = ""


def _builds(cls: type, data: Any) -> bool:
    try:
        build(cls, data)
    except SchemaError:
        return False
    return True


def _section(state: FlowState, key: str) -> Any:
    return state.data.get(key)


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


def _clinic_complete(state: FlowState, _c: Catalogue) -> bool:
    return _builds(Clinic, _section(state, "clinic")) and _builds(
        Practitioner, _section(state, "practitioner"))


def _patient_complete(state: FlowState, _c: Catalogue) -> bool:
    patient = _section(state, "patient")
    if not _builds(Patient, patient):
        return False
    born = dt.date.fromisoformat(patient["date_of_birth"])
    return born <= consultation_date(state.data)


def _screening_complete(state: FlowState, catalogue: Catalogue) -> bool:
    screening = _section(state, "screening")
    if not _builds(Screening, screening):
        return False
    answers = screening.get("answers", {})
    return all(q in answers for q in catalogue.screening)


def _indication_complete(state: FlowState, catalogue: Catalogue) -> bool:
    areas = state.data.get("areas") or []
    return (state.data.get("indication") in catalogue.indications and bool(areas)
            and all(a in catalogue.areas for a in areas))


def _delivery_complete(state: FlowState, catalogue: Catalogue) -> bool:
    delivery = _section(state, "delivery")
    if not _builds(Delivery, delivery):
        return False
    return (delivery["technique"] in catalogue.techniques
            and delivery["device"] in catalogue.devices
            and delivery["needle_gauge"] in catalogue.needles)


def _formulation_complete(state: FlowState, catalogue: Catalogue) -> bool:
    products = state.data.get("products") or []
    return bool(products) and all(
        _builds(ProductUse, p) and p["id"] in catalogue.products for p in products)


def _plan_complete(state: FlowState, _c: Catalogue) -> bool:
    return _builds(Plan, _section(state, "plan"))


def _review_complete(state: FlowState, catalogue: Catalogue) -> bool:
    consultation = to_consultation(state.data, catalogue)
    if consultation is None:
        return False
    return not unresolved(evaluate(consultation, catalogue), consultation.consent)


def _consent_complete(state: FlowState, catalogue: Catalogue) -> bool:
    consent = state.data.get("consent") or {}
    return (_review_complete(state, catalogue) and "photos" in consent
            and "cooling_off_days" in consent)


def _pack_complete(state: FlowState, catalogue: Catalogue) -> bool:
    return state.pack_viewed is not None and state.pack_viewed == unsigned_fingerprint(
        state.data, catalogue)


def _sign_complete(state: FlowState, catalogue: Catalogue) -> bool:
    if state.finished:
        return True
    if not _pack_complete(state, catalogue):
        return False
    signatures = (state.data.get("consent") or {}).get("signatures") or []
    roles = {s.get("role") for s in signatures}
    return state.wet_ink or {"patient", "practitioner"} <= roles


def _done_complete(state: FlowState, _c: Catalogue) -> bool:
    return state.finished


STEPS: tuple[Step, ...] = (
    Step("clinic", "Clinic and practitioner", ("clinic", "practitioner"), _clinic_complete),
    Step("patient", "Patient", ("patient",), _patient_complete),
    Step("screening", "Screening", ("screening",), _screening_complete),
    Step("indication", "Indication and areas", ("indication", "areas"), _indication_complete),
    Step("delivery", "Delivery", ("delivery",), _delivery_complete),
    Step("formulation", "Formulation", ("products",), _formulation_complete),
    Step("plan", "Plan", ("plan",), _plan_complete),
    Step("review", "Review", ("consent",), _review_complete),
    Step("consent", "Consent", (), _consent_complete, gated=True),
    Step("pack", "Pack for the patient", (), _pack_complete, gated=True),
    Step("sign", "Signatures", (), _sign_complete, gated=True),
    Step("done", "Done", (), _done_complete, gated=True),
)
STEP_IDS: tuple[str, ...] = tuple(s.id for s in STEPS)
_BY_ID = {s.id: s for s in STEPS}

# Where a finding's JSON path sends the practitioner (longest prefix wins).
_PATH_STEPS: tuple[tuple[str, str], ...] = (
    ("practitioner", "clinic"),
    ("clinic", "clinic"),
    ("patient", "patient"),
    ("screening", "screening"),
    ("indication", "indication"),
    ("areas", "indication"),
    ("delivery", "delivery"),
    ("products", "formulation"),
    ("plan", "plan"),
    ("consent", "review"),
)


def step(step_id: str) -> Step:
    return _BY_ID[step_id]


def index(step_id: str) -> int:
    return STEP_IDS.index(step_id)


def next_step(step_id: str) -> str | None:
    i = index(step_id)
    return STEP_IDS[i + 1] if i + 1 < len(STEP_IDS) else None


def previous_step(step_id: str) -> str | None:
    i = index(step_id)
    return STEP_IDS[i - 1] if i > 0 else None


def step_for_path(path: str) -> str:
    """The step that edits the part of the consultation a finding points at."""
    head = path.split(".", 1)[0].split("[", 1)[0]
    for prefix, step_id in _PATH_STEPS:
        if head == prefix:
            return step_id
    return "review"


# --- the partial consultation -------------------------------------------------------------


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
        for key, kinds in (("acknowledged", str), ("overrides", dict), ("signatures", dict)):
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
    """The dict without signatures: what the patient is shown before signing."""
    out = copy.deepcopy(data)
    out.setdefault("consent", {})["signatures"] = []
    return out


def unsigned_fingerprint(data: Data, catalogue: Catalogue) -> str | None:
    consultation = to_consultation(unsigned(data), catalogue)
    return fingerprint(consultation) if consultation is not None else None


def evaluate(consultation: Consultation, catalogue: Catalogue) -> list[Finding]:
    from mesodesk.rules import evaluate as _evaluate

    return sort_findings(_evaluate(consultation, catalogue))


def _stand_ins(data: Data, catalogue: Catalogue, state: FlowState) -> tuple[Data, set[str]]:
    """Fill unfinished sections with neutral stand-ins so the rules can run on
    what *is* known. Returns the filled dict and the steps that were stood in
    for; findings about those steps are not shown until they are filled."""
    filled = copy.deepcopy(data)
    missing: set[str] = set()
    first_indication = next(iter(catalogue.indications))
    if not _clinic_complete(state, catalogue):
        filled["clinic"] = {"name": "-"}
        filled["practitioner"] = {"name": "-"}
        missing.add("clinic")
    if not _patient_complete(state, catalogue):
        born = consultation_date(data).replace(day=1) - dt.timedelta(days=40 * 366)
        filled["patient"] = {"name": "-", "date_of_birth": born.isoformat()}
        missing.add("patient")
    if not _builds(Screening, data.get("screening")) or any(
            q not in catalogue.screening for q in (data.get("screening") or {}).get("answers", {})):
        filled["screening"] = {}
        missing.add("screening")
    if not _indication_complete(state, catalogue):
        filled["indication"] = data.get("indication") if data.get(
            "indication") in catalogue.indications else first_indication
        filled["areas"] = list(catalogue.indications[filled["indication"]].areas[:1])
        missing.add("indication")
    indication = catalogue.indications[filled["indication"]]
    if not _delivery_complete(state, catalogue):
        filled["delivery"] = {
            "technique": indication.default_technique, "device": indication.default_device,
            "needle_gauge": indication.default_needle_gauge,
            "needle_length_mm": indication.default_needle_length_mm,
            "depth_mm": indication.default_depth_mm}
        missing.add("delivery")
    if not _formulation_complete(state, catalogue):
        far = (consultation_date(data) + dt.timedelta(days=3650)).isoformat()
        filled["products"] = [{"id": indication.products[0], "expiry": far,
                               "volume_ml": max(min(catalogue.products[
                                   indication.products[0]].typical_volume_ml, 1.0), 0.1)}]
        missing.add("formulation")
    if not _plan_complete(state, catalogue):
        filled["plan"] = {"sessions": indication.typical_sessions,
                          "interval_weeks": indication.typical_interval_weeks}
        missing.add("plan")
    consent = filled.get("consent")
    if not isinstance(consent, dict):
        filled["consent"] = {}
    else:
        known = {"photos", "cooling_off_days", "acknowledged", "overrides", "signatures"}
        filled["consent"] = {k: v for k, v in consent.items() if k in known}
    return filled, missing


def live_findings(state: FlowState, catalogue: Catalogue) -> list[Finding]:
    """Findings for what has been answered so far, sorted blocks first.

    Sections not yet filled are stood in for by the indication's defaults so
    that, say, a pregnancy answer is flagged before the formulation is chosen;
    findings *about* a stood-in section are left out until it is filled."""
    filled, missing = _stand_ins(state.data, catalogue, state)
    consultation, problems = build_consultation(filled, catalogue)
    if consultation is None:
        log.debug("live findings unavailable: %d problems", len(problems))
        return []
    answers = (state.data.get("screening") or {}).get("answers") or {}

    def unasked(path: str) -> bool:  # "unknown" because not asked yet: the step says so
        prefix = "screening.answers."
        return path.startswith(prefix) and path[len(prefix):] not in answers

    return [f for f in evaluate(consultation, catalogue)
            if step_for_path(f.path) not in missing and not unasked(f.path)]


# --- status of each step --------------------------------------------------------------------


@dataclass(frozen=True)
class StepView:
    """What the step list shows for one step."""

    id: str
    title: str
    status: Status
    reachable: bool
    findings: int = 0


def _consent_of(data: Data) -> Consent:
    try:
        return build(Consent, data.get("consent") or {})
    except SchemaError:
        return Consent()


def outstanding(state: FlowState, findings: list[Finding]) -> list[Finding]:
    """Findings that still stop the consultation going to consent."""
    return unresolved(findings, _consent_of(state.data))


def status_of(step_id: str, state: FlowState, catalogue: Catalogue,
              findings: list[Finding]) -> Status:
    s = step(step_id)
    open_ = [f for f in outstanding(state, findings) if step_for_path(f.path) == step_id]
    if step_id == "review":
        open_ = outstanding(state, findings)
    if any(f.severity == "block" for f in open_):
        return "block"
    if any(f.severity == "warn" for f in open_):
        return "warn"
    return "done" if s.complete(state, catalogue) else "todo"


def can_enter(step_id: str, state: FlowState, catalogue: Catalogue) -> bool:
    """Data steps are open in any order; consent, pack, signatures and done
    each need everything before them complete."""
    s = step(step_id)
    if state.finished:
        return step_id == "done"
    if not s.gated:
        return True
    for earlier in STEPS[: index(step_id)]:
        if not earlier.complete(state, catalogue):
            return False
    return True


def views(state: FlowState, catalogue: Catalogue, findings: list[Finding]) -> list[StepView]:
    out = []
    for s in STEPS:
        count = sum(1 for f in findings if step_for_path(f.path) == s.id
                    and f.severity != "info")
        out.append(StepView(s.id, s.title, status_of(s.id, state, catalogue, findings),
                            can_enter(s.id, state, catalogue), count))
    return out


def first_incomplete(state: FlowState, catalogue: Catalogue) -> str:
    for s in STEPS:
        if not s.complete(state, catalogue):
            return s.id
    return STEPS[-1].id


__all__ = ["FlowState", "STEPS", "STEP_IDS", "Step", "StepView", "build_consultation",
           "can_enter", "consultation_date", "first_incomplete", "live_findings", "new_data",
           "next_step", "outstanding", "parse_date", "previous_step", "status_of", "step",
           "step_for_path", "to_consultation", "unsigned", "unsigned_fingerprint", "views",
           "indication_defaults", "normalise", "with_indication"]
