"""The consultation's steps, declared once, as data (after Electrum's wizard).

Each :class:`Step` says its title, the parts of the consultation it edits,
when it is complete, which step follows it (the next one in the table, a
name, or a function of what is known), whether it opens only once every step
before it is complete, and what the face does on entering it. Everything
else is derived from :data:`STEPS`: the step list and the pages of the
window, Next and Back, and which step a finding sends the practitioner to
(the step that edits the part its path names).

Adding a step is one entry here plus its page in the window
(``tests/test_session_steps.py`` adds one).

Completeness is a function of :class:`Facts` (what is known about the
consultation, computed once per change by :mod:`mesodesk.session.snapshot`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Protocol, Sequence, Union

from mesodesk.domain import (Clinic, Delivery, InjectionPoint, Patient, Plan, Practitioner,
                             ProductUse, Screening)
from mesodesk.session import ceremony, required
from mesodesk.session.draft import Data, builds, consultation_date

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.domain import Consultation
    from mesodesk.rules import Finding


@dataclass
class FlowState:
    """Everything the wizard knows: the partial consultation and the facts
    about the signing ceremony that are not part of the file."""

    data: Data
    pack_viewed: str | None = None    # fingerprint of the pack the patient was shown
    wet_ink: bool = False             # printed for wet-ink signature instead of the pad
    finished: bool = False            # the pack is signed (or printed) and stored
    consultation_id: str | None = None
    # sections the indication filled in that the practitioner has not had on screen yet
    unconfirmed: set[str] = field(default_factory=set)


class Facts(Protocol):
    """What a step's ``complete`` (and a ``follows`` function) may look at."""

    state: FlowState
    catalogue: Catalogue

    @property
    def data(self) -> Data: ...
    @property
    def consultation(self) -> Consultation | None: ...   # the whole of it, when valid
    @property
    def unresolved(self) -> list[Finding]: ...           # every finding still open
    @property
    def unsigned_fingerprint(self) -> str | None: ...

    def complete(self, step_id: str) -> bool: ...
    def unfinished_before(self, step_id: str) -> list[str]: ...


Follows = Union[str, Callable[[Facts], Union[str, None]], None]


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    sections: tuple[str, ...]                 # keys of the consultation it edits ("a.b": a's b)
    complete: Callable[[Facts], bool]
    follows: Follows = None                   # None: the next step in the table
    gated: bool = False                       # opens once every step before it is complete
    on_enter: str | None = None               # what the face does on entering ("preview")
    by_button: bool = False                   # reached by its page's own button, not Next
    locked_note: str = ""                     # why Next is off while it is locked


# --- when each step is complete -------------------------------------------------------------
# A step is complete when its required fields are filled in (mesodesk.session.required),
# not when something else (the indication's defaults) happened to fill them.


def _filled(f: Facts, *sections: str) -> bool:
    return not required.gaps(sections, f.data, f.catalogue, f.state.unconfirmed)


def _clinic(f: Facts) -> bool:
    return (_filled(f, "clinic", "practitioner") and builds(Clinic, f.data.get("clinic"))
            and builds(Practitioner, f.data.get("practitioner")))


def _patient(f: Facts) -> bool:
    patient = f.data.get("patient")
    if not _filled(f, "patient") or not builds(Patient, patient):
        return False
    return dt.date.fromisoformat(patient["date_of_birth"]) <= consultation_date(f.data)


def _screening(f: Facts) -> bool:
    screening = f.data.get("screening")
    if not builds(Screening, screening):
        return False
    answers = screening.get("answers", {})
    return all(q in answers for q in f.catalogue.screening)


def _indication(f: Facts) -> bool:
    areas = f.data.get("areas") or []
    return (f.data.get("indication") in f.catalogue.indications and bool(areas)
            and all(a in f.catalogue.areas for a in areas))


def _delivery(f: Facts) -> bool:
    delivery = f.data.get("delivery")
    if not _filled(f, "delivery") or not builds(Delivery, delivery):
        return False
    return (delivery["technique"] in f.catalogue.techniques
            and delivery["device"] in f.catalogue.devices
            and delivery["needle_gauge"] in f.catalogue.needles)


def _formulation(f: Facts) -> bool:
    products = f.data.get("products") or []
    return bool(products) and _filled(f, "products") and all(
        builds(ProductUse, p) and p["id"] in f.catalogue.products for p in products)


def _map(f: Facts) -> bool:
    """The injection map is optional: complete once the formulation is, when
    every point recorded is a valid point (no points at all is fine)."""
    if not f.complete("formulation"):
        return False
    for use in f.data.get("products") or []:
        points = use.get("points", []) if isinstance(use, dict) else []
        if not isinstance(points, list) or not all(builds(InjectionPoint, p) for p in points):
            return False
    return True


def _plan(f: Facts) -> bool:
    return _filled(f, "plan") and builds(Plan, f.data.get("plan"))


def _review(f: Facts) -> bool:
    """Every step before it complete, the whole consultation valid, every finding resolved."""
    return (f.consultation is not None and not f.unresolved
            and not f.unfinished_before("review"))


def _consent(f: Facts) -> bool:
    consent = f.data.get("consent") or {}
    return (f.complete("review") and "photos" in consent and "cooling_off_days" in consent
            and not ceremony.teach_back_missing(f.data, f.consultation, f.catalogue))


def _pack(f: Facts) -> bool:
    return f.state.pack_viewed is not None and f.state.pack_viewed == f.unsigned_fingerprint


def _sign(f: Facts) -> bool:
    if f.state.finished:
        return True
    if not f.complete("pack"):
        return False
    roles = {s.get("role") for s in (f.data.get("consent") or {}).get("signatures") or []
             if isinstance(s, dict)}
    if f.state.wet_ink:
        return True
    return ({"patient", "practitioner"} <= roles
            and not ceremony.not_agreed(f.data, f.consultation, f.catalogue))


def _done(f: Facts) -> bool:
    return f.state.finished


STEPS: tuple[Step, ...] = (
    Step("clinic", "Clinic and practitioner", ("clinic", "practitioner"), _clinic),
    Step("patient", "Patient", ("patient",), _patient),
    Step("screening", "Screening", ("screening",), _screening),
    Step("indication", "Indication and areas", ("indication", "areas"), _indication),
    Step("delivery", "Delivery", ("delivery",), _delivery),
    Step("formulation", "Formulation", ("products",), _formulation),
    Step("map", "Injection map", ("products.points",), _map),
    Step("plan", "Plan", ("plan",), _plan),
    Step("review", "Review", ("consent",), _review),
    Step("consent", "Consent", (), _consent, gated=True,
         locked_note="Consent opens once the plan is complete and every finding is resolved."),
    Step("pack", "Pack for the patient", (), _pack, gated=True, on_enter="preview"),
    Step("sign", "Signatures", (), _sign, gated=True, by_button=True),
    Step("done", "Done", (), _done, gated=True, by_button=True),
)


class StepTable:
    """Everything derived from a sequence of steps: order, lookup, where a
    finding belongs, Next and Back."""

    def __init__(self, steps: Sequence[Step] = STEPS) -> None:
        self.steps: tuple[Step, ...] = tuple(steps)
        self.ids: tuple[str, ...] = tuple(s.id for s in self.steps)
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("two steps have the same id")
        self._by_id = {s.id: s for s in self.steps}
        self._by_section = {section: s.id for s in self.steps for section in s.sections}
        self.fallback = next((s.id for s in self.steps if "consent" in s.sections),
                             self.ids[-1])

    def __iter__(self):
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __contains__(self, step_id: object) -> bool:
        return step_id in self._by_id

    def step(self, step_id: str) -> Step:
        return self._by_id[step_id]

    def index(self, step_id: str) -> int:
        return self.ids.index(step_id)

    def before(self, step_id: str) -> tuple[Step, ...]:
        return self.steps[: self.index(step_id)]

    def step_for_path(self, path: str) -> str:
        """The step that edits the part of the consultation a finding points at:
        the longest section naming it ("products.points" before "products")."""
        keys = re.sub(r"\[[^]]*\]", "", path).split(".")
        for n in range(len(keys), 0, -1):
            step_id = self._by_section.get(".".join(keys[:n]))
            if step_id is not None:
                return step_id
        return self.fallback

    def next_step(self, step_id: str, facts: Facts | None = None) -> str | None:
        s = self.step(step_id)
        if s.follows is None or (callable(s.follows) and facts is None):
            i = self.index(step_id)
            return self.ids[i + 1] if i + 1 < len(self.ids) else None
        if callable(s.follows):
            return s.follows(facts)  # type: ignore[arg-type]
        return s.follows

    def previous_step(self, step_id: str, facts: Facts | None = None) -> str | None:
        """The step whose Next leads here along the path from the first step;
        the one before it in the table if this step is off that path."""
        path, current = [], self.ids[0] if self.ids else None
        while current is not None and current not in path:
            if current == step_id:
                return path[-1] if path else None
            path.append(current)
            current = self.next_step(current, facts)
        i = self.index(step_id)
        return self.ids[i - 1] if i > 0 else None


DEFAULT_TABLE = StepTable()
