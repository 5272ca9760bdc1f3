"""The values the store hands out, and its one error type. No database imports
here, so the window can import these names without loading SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

State = Literal["draft", "signed"]

# What the audit trail records. There is no "edited" event: a draft is saved
# every few seconds while it is typed, and what matters medico-legally is what was
# signed ("signed", with the fingerprint) and every change after signing, which is
# a new version ("created" naming what it supersedes, then "signed" again).
EVENT_KINDS: tuple[str, ...] = (
    "created", "overridden", "signed", "exported", "printed", "viewed",
    "discarded", "restored", "details-changed", "withdrawn", "continued",
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
    patient_id: str | None = None      # the patient it is for, once known


@dataclass(frozen=True)
class Draft:
    id: str
    data: dict[str, Any]
    step: str
    updated_at: dt.datetime
    supersedes: str | None = None
    patient_id: str | None = None      # signing it links the consultation to this patient


@dataclass(frozen=True)
class PatientSummary:
    id: str
    name: str
    date_of_birth: dt.date | None
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class PatientDetail:
    """One value a patient's name, phone or email had from ``recorded_at`` on;
    values are added, never overwritten."""

    field: Literal["name", "phone", "email"]
    value: str
    recorded_at: dt.datetime
    consultation_id: str | None = None     # the signed consultation it came with
    practitioner: str = ""


@dataclass(frozen=True)
class RecallEntry:
    """A signed consultation (its current version) in which a lot was used."""

    lot: str                    # as written in the consultation
    product_id: str
    consultation_id: str
    date: dt.date | None        # the consultation's date
    signed_at: dt.datetime
    practitioner: str
    patient_id: str
    patient_name: str
    date_of_birth: dt.date | None
    phone: str = ""
    email: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"lot": self.lot, "product": self.product_id,
                "consultation_id": self.consultation_id,
                "date": self.date.isoformat() if self.date else None,
                "signed_at": self.signed_at.isoformat(), "practitioner": self.practitioner,
                "patient": {"id": self.patient_id, "name": self.patient_name,
                            "date_of_birth": (self.date_of_birth.isoformat()
                                              if self.date_of_birth else None),
                            "phone": self.phone, "email": self.email}}


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
    indication: str = ""                  # catalogue id, when written
    products: tuple[str, ...] = ()        # catalogue ids, in order
    technique: str = ""
    withdrawn: bool = False               # a signed version recording withdrawal of consent


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
class VersionStatus:
    """Where a signed consultation stands among its versions."""

    id: str
    superseded_by: str | None = None     # the newer signed version, if any
    current: str = ""                    # the newest signed version of this consultation
    withdrawn_at: str | None = None      # when consent was withdrawn (this or a later version)
    withdrawn_in: str | None = None      # the version that records the withdrawal

    @property
    def is_current(self) -> bool:
        return self.superseded_by is None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


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
