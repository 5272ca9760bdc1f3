"""The values the store hands out, and its one error type. No database imports
here, so the window can import these names without loading SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

State = Literal["draft", "signed"]

EVENT_KINDS: tuple[str, ...] = (
    "created", "edited", "overridden", "signed", "exported", "printed", "viewed",
    "discarded", "restored",
)


class StoreError(Exception):
    """The records cannot be used as asked; ``str(error)`` is one plain sentence."""


@dataclass(frozen=True)
class DraftSummary:
    id: str
    patient_name: str
    updated_at: dt.datetime
    step: str
    supersedes: str | None = None


@dataclass(frozen=True)
class Draft:
    id: str
    data: dict[str, Any]
    step: str
    updated_at: dt.datetime
    supersedes: str | None = None


@dataclass(frozen=True)
class PatientSummary:
    id: str
    name: str
    date_of_birth: dt.date | None
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class ConsultationSummary:
    """One row of a patient's history: a draft or a signed version."""

    id: str
    state: State
    date: dt.date | None
    updated_at: dt.datetime
    step: str = ""
    fingerprint: str = ""
    supersedes: str | None = None
    superseded_by: str | None = None


@dataclass(frozen=True)
class SignedConsultation:
    """A signed consultation exactly as stored: never changes once written."""

    id: str
    patient_id: str
    canonical_json: bytes = field(repr=False)
    pdf: bytes = field(repr=False)
    fingerprint: str
    practitioner: str
    signed_at: dt.datetime
    supersedes: str | None = None


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    time: str
    kind: str
    practitioner: str
    consultation_id: str | None
    detail: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the audit chain: ``ok``, or the first broken link."""

    events: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def sentence(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.events} event{'s' if self.events != 1 else ''}"
        return f"event {self.broken_at}: {self.problem}"
