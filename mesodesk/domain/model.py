"""The consultation, format ``mesodesk-consultation/2``, as immutable records.

``/2`` is ``/1`` plus optional keys (weight, age check, prescriber status,
injection points, information and prescriber-assessment times, withdrawal,
teach-back, products outside the catalogue, a written rationale). Every new
key is left out of a saved file while at its empty default, so a ``/1`` file
read (and upgraded by :mod:`mesodesk.domain.codec`) and saved again differs
only in ``format``.

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

FORMAT = "mesodesk-consultation/2"
FORMAT_1 = "mesodesk-consultation/1"
#: Every format this program reads, oldest first; the last is the one it writes.
FORMATS = (FORMAT_1, FORMAT)

Answer = Literal["yes", "no", "unknown"]
Profession = Literal["doctor", "nurse", "dentist", "pharmacist", "other"]
PhotoConsent = Literal["none", "record-only", "anonymised-education", "marketing"]
SignerRole = Literal["patient", "practitioner", "witness"]
AgeCheckMethod = Literal["passport", "driving-licence", "national-id", "other-photo-id",
                         "known-to-clinic"]
View = Literal["face-front", "face-left", "face-right", "scalp", "body-front", "body-back"]

ID = r"[a-z0-9]+(-[a-z0-9]+)*"
ID_MESSAGE = "is not a catalogue id (lower-case words joined by hyphens)"

DATETIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
DATETIME_MESSAGE = "not an ISO-8601 date and time"


def when(**meta):
    """A field holding an ISO-8601 date and time as text (checked for form here
    and for a real calendar time by :func:`check_times`)."""
    return field(pattern=DATETIME, pattern_message=DATETIME_MESSAGE, **meta)


def check_times(record, *names: str) -> None:
    """ValueError naming the first of ``names`` that is not a real date and time."""
    for name in names:
        value = getattr(record, name)
        if not value:
            continue
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{name}: not a real date and time ({value})") from None


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
    independent_prescriber: bool = field(default=False, omit_default=True)  # /2


@dataclass(frozen=True, kw_only=True)
class AgeCheck:
    """How the patient's age was confirmed (no image of the document is kept)."""
    method: AgeCheckMethod = field()
    checked_by: str = field(nonempty=True)
    checked_at: str = when(nonempty=True)

    def __post_init__(self) -> None:
        check_times(self, "checked_at")


@dataclass(frozen=True, kw_only=True)
class Patient:
    name: str = field(nonempty=True)
    date_of_birth: dt.date = field()
    phone: str = ""
    email: str = ""
    weight_kg: float | None = field(default=None, positive=True, max=500, omit_default=True)
    age_check: AgeCheck | None = field(default=None, omit_default=True)  # /2


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
class InjectionPoint:
    """Where on a chart view a product went: ``x``, ``y`` in 0..1 of the view's
    drawing; ``depth_mm`` None means the delivery depth."""
    view: View = field()
    x: float = field(min=0, max=1)
    y: float = field(min=0, max=1)
    volume_ml: float = field(positive=True, max=1000)
    depth_mm: float | None = field(default=None, positive=True, max=100, omit_default=True)


@dataclass(frozen=True, kw_only=True)
class ProductUse:
    id: str = field(pattern=ID, pattern_message=ID_MESSAGE)
    # /2: a product outside the catalogue (id "other") is named and its risks written here.
    name: str = field(default="", omit_default=True)
    risk_text: str = field(default="", omit_default=True)
    lot: str = ""
    expiry: dt.date = field()
    volume_ml: float = field(positive=True, max=1000)
    concentration_mg_ml: float | None = field(default=None, positive=True, max=1000,
                                              omit_default=True)  # /2: strength used
    injections: int | None = field(default=None, min=1, max=100000, omit_default=True)
    points: tuple[InjectionPoint, ...] = field(default=(), omit_default=True)  # /2


@dataclass(frozen=True, kw_only=True)
class Plan:
    sessions: int = field(min=1, max=100)
    interval_weeks: float = field(min=0, max=520)
    notes: str = ""
    rationale: str = field(default="", omit_default=True)  # /2: why, when evidence is lacking


@dataclass(frozen=True, kw_only=True)
class Override:
    rule: str = field(nonempty=True)
    reason: str = field(nonempty=True)


@dataclass(frozen=True, kw_only=True)
class Signature:
    role: SignerRole = field()
    name: str = field(nonempty=True)
    signed_at: str = when(nonempty=True)
    image_png_base64: str = ""
    # Vector strokes as captured on the pad: each stroke is a list of
    # [x, y, pressure] points in pad pixels; kept as evidence of the act.
    strokes: tuple[tuple[tuple[float, ...], ...], ...] = field(default=(), omit_default=True)

    def __post_init__(self) -> None:
        check_times(self, "signed_at")


@dataclass(frozen=True, kw_only=True)
class PrescriberAssessment:
    """The prescriber's own assessment of the patient before a prescription-only
    medicine is supplied."""
    name: str = field(nonempty=True)
    profession: Profession = "doctor"
    registration: str = ""
    assessed_at: str = when(nonempty=True)
    in_person: bool = field()

    def __post_init__(self) -> None:
        check_times(self, "assessed_at")


@dataclass(frozen=True, kw_only=True)
class Withdrawal:
    at: str = when(nonempty=True)
    reason: str = ""

    def __post_init__(self) -> None:
        check_times(self, "at")


@dataclass(frozen=True, kw_only=True)
class TeachBack:
    """One question the patient answered in their own words, and whether it showed
    they understood."""
    question: str = field(nonempty=True)
    understood: bool = field()
    note: str = field(default="", omit_default=True)


@dataclass(frozen=True, kw_only=True)
class Consent:
    photos: PhotoConsent = "none"
    cooling_off_days: int = field(default=0, min=0, max=365)
    information_given_at: str = when(default="", omit_default=True)  # /2
    acknowledged: tuple[str, ...] = ()
    agreed: tuple[str, ...] = field(default=(), omit_default=True)  # /2: statements agreed on screen
    teach_back: tuple[TeachBack, ...] = field(default=(), omit_default=True)  # /2
    overrides: tuple[Override, ...] = ()
    prescriber_assessment: PrescriberAssessment | None = field(default=None,
                                                               omit_default=True)  # /2
    signatures: tuple[Signature, ...] = ()
    withdrawn: Withdrawal | None = field(default=None, omit_default=True)  # /2

    def __post_init__(self) -> None:
        check_times(self, "information_given_at")

    def override_for(self, rule: str) -> Override | None:
        return next((o for o in self.overrides if o.rule == rule), None)


@dataclass(frozen=True, kw_only=True)
class Consultation:
    format: Literal["mesodesk-consultation/2"] = field()
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
