"""The consultation the law and the regulators expect (issue 15).

- proof of age: how the patient's age was checked (``patient.age_check``);
- prescription-only medicines: a prescriber's own, face-to-face assessment
  (``consent.prescriber_assessment``) unless the practitioner is a prescriber,
  with registration numbers checked against their register's format;
- two-stage consent: the time between the information (stage 1,
  ``consent.information_given_at``) and signing (stage 2), against the
  clinic's minimum per kind of treatment;
- withdrawal (``consent.withdrawn``).

Wording, severity and sources are in ``rules.toml``; the registers (formats,
which professions prescribe by registration) in ``consent.toml``; the
reflection periods are ``params`` of ``reflection-period-too-short`` that the
clinic's settings override (see :meth:`Context.param`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from mesodesk.domain.model import Consultation, Signature
from mesodesk.domain.schema import build_value, field
from mesodesk.resources import resource
from mesodesk.rules.context import ChosenProduct, Context, Hit, number

REFLECTION = "reflection-period-too-short"
#: kinds of treatment, most demanding first: (setting name, words for a finding)
KINDS = (("prescription_only", "a prescription-only medicine"),
         ("injectable", "an injected product"),
         ("other", "this treatment"))


# --- the registers (consent.toml) --------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Register:
    name: str = field(nonempty=True)
    professions: tuple[str, ...] = field(nonempty=True)
    pattern: str = field(nonempty=True)
    format: str = field(nonempty=True)
    example: str = field(nonempty=True)
    prescriber_by_registration: bool = False
    source: tuple[str, ...] = field(nonempty=True)


@dataclass(frozen=True, kw_only=True)
class ConsentData:
    registers: Mapping[str, Register] = field(key=r"[A-Za-z]+")


class ConsentDataError(ValueError):
    pass


@functools.cache
def load_consent_data(path: Path | None = None) -> ConsentData:
    """``consent.toml``, validated (ValueError naming the fault)."""
    path = path or resource("catalogue", "consent.toml")
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    value, problems = build_value(ConsentData, raw, {})
    for key, reg in getattr(value, "registers", {}).items():
        try:
            re.compile(reg.pattern)
        except re.error as exc:
            problems.append(f"registers.{key}.pattern: not a regular expression ({exc})")
    if problems:
        raise ConsentDataError(f"consent.toml: {problems[0]}")
    return value


def registers_for(profession: str, data: ConsentData | None = None) -> dict[str, Register]:
    data = data or load_consent_data()
    return {k: r for k, r in data.registers.items() if profession in r.professions}


def registration_problem(profession: str, registration: str,
                         data: ConsentData | None = None) -> tuple[str, Register] | None:
    """None when ``registration`` is a well-formed number of a register for
    ``profession`` ("GMC 7654321", "7654321", "NMC 12A3456E"); else the
    register it should match (its key and record). A profession with no
    register (``other``) has no well-formed number."""
    data = data or load_consent_data()
    own = registers_for(profession, data)
    text = " ".join(registration.split()).upper()
    if not own:
        return "", Register(name="a UK professional register", professions=(profession,),
                            pattern="$^", format="no UK register holds this profession",
                            example="GMC 7654321", source=("HMR-2012-214",))
    for key, reg in own.items():
        number_part = text
        prefix = key.upper()
        if number_part.startswith(prefix):
            number_part = number_part[len(prefix):].lstrip(" :-#")
        elif number_part[:1].isalpha() and not re.fullmatch(reg.pattern, number_part):
            continue  # another register's name
        if re.fullmatch(reg.pattern, number_part):
            return None
    key, reg = next(iter(own.items()))
    return key, reg


def prescriber_by_registration(profession: str, data: ConsentData | None = None) -> bool:
    return any(r.prescriber_by_registration for r in registers_for(profession, data).values())


# --- times -------------------------------------------------------------------------------


def parse_time(value: str) -> dt.datetime:
    """An ISO-8601 time, made aware (a time without an offset is read as UTC)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def signing_time(c: Consultation) -> tuple[dt.datetime, bool]:
    """When consent is given (stage 2), and whether it is a recorded signature:
    the patient's signature, else the first signature; unsigned, the end of the
    consultation date (the last moment it could be signed that day, in the
    information time's zone) - the window checks again when it is signed."""
    sigs: tuple[Signature, ...] = c.consent.signatures
    chosen = [s for s in sigs if s.role == "patient"] or list(sigs)
    if chosen:
        return min(parse_time(s.signed_at) for s in chosen), True
    zone = dt.timezone.utc
    if c.consent.information_given_at:
        zone = parse_time(c.consent.information_given_at).tzinfo or zone
    return dt.datetime.combine(c.date, dt.time(23, 59, 59), tzinfo=zone), False


def duration_text(hours: float) -> str:
    """12 hours, 1 hour, 2 days, 1 day 6 hours, 25 minutes."""
    if hours < 1:
        minutes = max(0, round(hours * 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    days, rest = divmod(hours, 24)
    parts = []
    if days:
        parts.append(f"{int(days)} day{'s' if days != 1 else ''}")
    if rest >= 0.05 or not days:
        rest_text = number(round(rest, 1))
        parts.append(f"{rest_text} hour{'s' if rest_text != '1' else ''}")
    return " ".join(parts)


def _when_text(moment: dt.datetime) -> str:
    return moment.strftime("%d %b %Y %H:%M").lstrip("0")


# --- which products need a prescriber ---------------------------------------------


def prescription_only(ctx: Context) -> tuple[ChosenProduct, ...]:
    """The distinct chosen products the catalogue marks prescription-only
    (``prescription_only``; a catalogue without the flag has none)."""
    return tuple(c for c in ctx.distinct if getattr(c.product, "prescription_only", False))


def _product_words(chosen: tuple[ChosenProduct, ...]) -> dict[str, str]:
    names_ = [c.product.name for c in chosen]
    text = names_[0] if len(names_) == 1 else ", ".join(names_[:-1]) + " and " + names_[-1]
    return {"products": text, "is_are": "is" if len(names_) == 1 else "are"}


# --- the rules ---------------------------------------------------------------------


def age_check(ctx: Context) -> Iterator[Hit]:
    if ctx.consultation.patient.age_check is None:
        yield Hit("age-check-missing", "patient.age_check")


def prescriber(ctx: Context) -> Iterator[Hit]:
    """A prescription-only medicine needs a prescriber: the practitioner
    (by registration, or as an independent prescriber) or a recorded,
    face-to-face, prior assessment by one."""
    pom = prescription_only(ctx)
    if not pom:
        return
    c = ctx.consultation
    words = _product_words(pom)
    practitioner = c.practitioner
    data = load_consent_data()
    is_prescriber = (practitioner.independent_prescriber
                     or prescriber_by_registration(practitioner.profession, data))
    if is_prescriber:
        problem = registration_problem(practitioner.profession, practitioner.registration, data)
        if problem is not None:
            yield _format_hit("practitioner.registration", "The practitioner's",
                              practitioner.registration, problem, words)
        return
    assessment = c.consent.prescriber_assessment
    if assessment is None:
        yield Hit("prescriber-assessment-missing", "consent.prescriber_assessment",
                  {**words, "practitioner": practitioner.name, "missing": ""})
        return
    missing = [label for label, present in (("registration number", assessment.registration.strip()),
                                            ("name", assessment.name.strip()))
               if not present]
    if missing:
        yield Hit("prescriber-assessment-missing", "consent.prescriber_assessment.registration",
                  {**words, "practitioner": practitioner.name,
                   "missing": " Missing: " + " and ".join(missing) + "."})
    elif not prescriber_by_registration(assessment.profession, data) and \
            not registers_for(assessment.profession, data):
        yield Hit("prescriber-assessment-missing", "consent.prescriber_assessment.profession",
                  {**words, "practitioner": practitioner.name,
                   "missing": f" The assessment names a profession ({assessment.profession}) "
                              "that cannot prescribe."})
    else:
        problem = registration_problem(assessment.profession, assessment.registration, data)
        if problem is not None:
            yield _format_hit("consent.prescriber_assessment.registration",
                              f"The prescriber {assessment.name}'s", assessment.registration,
                              problem, words)
    if not assessment.in_person:
        yield Hit("prescriber-assessment-remote", "consent.prescriber_assessment.in_person",
                  {**words, "prescriber": assessment.name, "assessed_at": assessment.assessed_at})
    signed, _ = signing_time(c)
    assessed = parse_time(assessment.assessed_at)
    if assessed > signed:
        yield Hit("prescriber-assessment-late", "consent.prescriber_assessment.assessed_at",
                  {**words, "assessed_at": _when_text(assessed), "signing": _when_text(signed)})


def _format_hit(path: str, whose: str, registration: str,
                problem: tuple[str, "Register"], words: Mapping[str, str]) -> Hit:
    key, reg = problem
    return Hit("registration-format", path,
               {**words, "whose": whose, "registration": registration.strip() or "(empty)",
                "body": key or reg.name, "format": reg.format,
                "example": f"{key} {reg.example}".strip()},
               reg.source)


def required_hours(ctx: Context) -> tuple[float, str]:
    """The clinic's minimum time to reflect for this plan, in hours, and the
    kind of treatment that sets it (the longest of the kinds that apply)."""
    applies = {"prescription_only": bool(prescription_only(ctx)),
               "injectable": any(c.product.injectable for c in ctx.distinct),
               "other": True}
    best = (0.0, KINDS[-1][1])
    for name, words in KINDS:
        if applies[name]:
            hours = ctx.param(REFLECTION, f"{name}_hours", 0.0)
            if hours > best[0]:
                best = (hours, words)
    return best


def reflection(ctx: Context) -> Iterator[Hit]:
    """Stage 2 (signing) against stage 1 (the information)."""
    c = ctx.consultation
    required, kind = required_hours(ctx)
    given_text = c.consent.information_given_at
    signed, recorded = signing_time(c)
    if not given_text:
        # unsigned, the time is still to come: the window records it when the
        # pack is first shown, before anyone can sign; signed without it, the
        # clinic's minimum cannot be checked
        if required > 0 and recorded:
            yield Hit("information-time-missing", "consent.information_given_at",
                      {"required": duration_text(required)})
        return
    given = parse_time(given_text)
    elapsed = (signed - given).total_seconds() / 3600
    if elapsed < 0:
        if recorded:
            yield Hit("signed-before-information", "consent.information_given_at",
                      {"signing": _when_text(signed), "given": _when_text(given)})
        return  # unsigned, information given after the consultation date: judged when signed
    if elapsed < required:
        rule = REFLECTION if ctx.param(REFLECTION, "allow_override", 1) else \
            "reflection-period-not-overridable"
        yield Hit(rule, "consent.information_given_at",
                  {"elapsed": duration_text(max(elapsed, 0)), "given": _when_text(given),
                   "required": duration_text(required), "kind": kind})
    pom = prescription_only(ctx)
    if pom and signed.astimezone(given.tzinfo).date() == given.date() \
            and (recorded or c.date == given.date()):
        yield Hit("same-day-prescription-only", "consent.information_given_at",
                  {**_product_words(pom), "given": _when_text(given)})


def withdrawn(ctx: Context) -> Iterator[Hit]:
    w = ctx.consultation.consent.withdrawn
    if w is not None:
        reason = w.reason.strip()
        yield Hit("consultation-withdrawn", "consent.withdrawn",
                  {"at": _when_text(parse_time(w.at)),
                   "reason": f" (reason given: {reason})" if reason else ""})


#: (finding ids, condition, check) for :data:`mesodesk.rules.checks.CODED_RULES`
RULES = (
    (("age-check-missing",), "no record of how the patient's age was checked", age_check),
    (("prescriber-assessment-missing", "prescriber-assessment-remote",
      "prescriber-assessment-late", "registration-format"),
     "a prescription-only medicine without a prescriber: the practitioner is neither "
     "a prescriber by registration nor an independent prescriber, and no complete, "
     "face-to-face, prior prescriber assessment is recorded; or a registration number "
     "not in its register's format (consent.toml)", prescriber),
    ((REFLECTION, "reflection-period-not-overridable", "signed-before-information",
      "information-time-missing", "same-day-prescription-only"),
     "signing earlier than the clinic's minimum time to reflect after the information "
     "(by kind of treatment), before the information, or on the same day for a "
     "prescription-only medicine", reflection),
    (("consultation-withdrawn",), "the patient withdrew the consultation", withdrawn),
)
