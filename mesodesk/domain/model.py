"""The consultation, format ``mesodesk-consultation/1``, as immutable records.

Field order follows ``shared/design.md`` so a saved file reads like the design.
Catalogue ids are kebab-case strings; whether they exist is checked against a
catalogue by :func:`mesodesk.catalogue.references.check_references`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal, Mapping

from mesodesk.domain.schema import field

FORMAT = "mesodesk-consultation/1"

Answer = Literal["yes", "no", "unknown"]
Profession = Literal["doctor", "nurse", "dentist", "pharmacist", "other"]
PhotoConsent = Literal["none", "record-only", "anonymised-education", "marketing"]
SignerRole = Literal["patient", "practitioner", "witness"]

ID = r"[a-z0-9]+(-[a-z0-9]+)*"
ID_MESSAGE = "is not a catalogue id (lower-case words joined by hyphens)"


@dataclass(frozen=True, kw_only=True)
class Clinic:
    name: str = field(nonempty=True)
    address: str = ""
    phone: str = ""
    emergency_phone: str = ""


@dataclass(frozen=True, kw_only=True)
class Practitioner:
    name: str = field(nonempty=True)
    profession: Profession = "doctor"
    registration: str = ""


@dataclass(frozen=True, kw_only=True)
class Patient:
    name: str = field(nonempty=True)
    date_of_birth: dt.date = field()
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, kw_only=True)
class Screening:
    answers: Mapping[str, Answer] = field(default_factory=dict)
    allergies: tuple[str, ...] = ()
    medications: str = ""
    notes: str = ""

    def answer(self, question: str) -> Answer:
        """The recorded answer; a question never asked counts as unknown."""
        return self.answers.get(question, "unknown")


@dataclass(frozen=True, kw_only=True)
class Delivery:
    technique: str = field(pattern=ID, pattern_message=ID_MESSAGE)
    device: str = field(pattern=ID, pattern_message=ID_MESSAGE)
    needle_gauge: int = field(min=10, max=40)
    needle_length_mm: float = field(positive=True, max=100)
    depth_mm: float = field(positive=True, max=100)


@dataclass(frozen=True, kw_only=True)
class ProductUse:
    id: str = field(pattern=ID, pattern_message=ID_MESSAGE)
    lot: str = ""
    expiry: dt.date = field()
    volume_ml: float = field(positive=True, max=1000)
    injections: int | None = field(default=None, min=1, max=100000, omit_default=True)


@dataclass(frozen=True, kw_only=True)
class Plan:
    sessions: int = field(min=1, max=100)
    interval_weeks: float = field(min=0, max=520)
    notes: str = ""


@dataclass(frozen=True, kw_only=True)
class Override:
    rule: str = field(nonempty=True)
    reason: str = field(nonempty=True)


@dataclass(frozen=True, kw_only=True)
class Signature:
    role: SignerRole = field()
    name: str = field(nonempty=True)
    signed_at: str = field(
        nonempty=True,
        pattern=r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?",
        pattern_message="not an ISO-8601 date and time",
    )
    image_png_base64: str = ""
    # Vector strokes as captured on the pad: each stroke is a list of
    # [x, y, pressure] points in pad pixels; kept as evidence of the act.
    strokes: tuple[tuple[tuple[float, ...], ...], ...] = field(default=(), omit_default=True)

    def __post_init__(self) -> None:
        try:
            dt.datetime.fromisoformat(self.signed_at.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"signed_at: not a real date and time ({self.signed_at})") from None


@dataclass(frozen=True, kw_only=True)
class Consent:
    photos: PhotoConsent = "none"
    cooling_off_days: int = field(default=0, min=0, max=365)
    acknowledged: tuple[str, ...] = ()
    overrides: tuple[Override, ...] = ()
    signatures: tuple[Signature, ...] = ()

    def override_for(self, rule: str) -> Override | None:
        return next((o for o in self.overrides if o.rule == rule), None)


@dataclass(frozen=True, kw_only=True)
class Consultation:
    format: Literal["mesodesk-consultation/1"] = field()
    date: dt.date = field()
    language: str = field(default="en", pattern=r"[a-z]{2}(-[A-Z]{2})?",
                          pattern_message="not a language code such as 'en'")
    clinic: Clinic = field()
    practitioner: Practitioner = field()
    patient: Patient = field()
    screening: Screening = field(default_factory=Screening)
    indication: str = field(pattern=ID, pattern_message=ID_MESSAGE)
    areas: tuple[str, ...] = field(nonempty=True)
    delivery: Delivery = field()
    products: tuple[ProductUse, ...] = field(nonempty=True)
    plan: Plan = field()
    consent: Consent = field(default_factory=Consent)

    @property
    def patient_age(self) -> int:
        """Age in whole years on the consultation date."""
        return age_on(self.patient.date_of_birth, self.date)

    def replace(self, **changes) -> "Consultation":
        return dataclasses.replace(self, **changes)


def age_on(born: dt.date, on: dt.date) -> int:
    """Whole years from ``born`` to ``on``; a 29 February birthday counts on 1 March."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years
