"""A later session of a signed plan, and a new consultation for a known patient.

:func:`next_session` turns the last signed consultation of a patient into the
start of the next one: the same patient (by id), indication, areas, delivery,
products (without lot and expiry: each session's stock is recorded again; the
points of the last map are carried, :func:`~mesodesk.session.carry.carry_last_map`)
and plan, with today's date, the clinic and practitioner of today, and a fresh
consent. The screening answers are *not* copied into the consultation: they
are held aside (:attr:`NextSession.prior_answers`) for the practitioner to
confirm one by one (:meth:`ConsultationSession.confirm_answer
<mesodesk.session.ConsultationSession.confirm_answer>`), so the screening step
is complete only when each has been asked again. Allergies and medicines are
prefilled as they were (shown on the screening page to check).

:func:`for_patient` starts a new consultation for a registered patient, their
details prefilled. Nothing here knows Qt or the records store: the faces read
the signed record and hand its canonical JSON in.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from mesodesk.session.draft import Data, new_data


@dataclass(frozen=True)
class NextSession:
    """The start of a later session: the partial consultation and what the
    practitioner confirms before it counts."""

    data: Data
    prior_answers: dict[str, str]            # screening answers of the last session
    earlier_id: str | None = None            # the signed consultation it follows
    earlier_date: str = ""                   # its date (YYYY-MM-DD)
    patient_id: str | None = None
    carried_points: int = 0                  # injection points carried from the last map
    earlier: Data = field(default_factory=dict, repr=False)   # the earlier consultation


def _earlier_data(earlier: Any) -> Data:
    """The earlier consultation as a dict: from its canonical JSON (bytes or
    text), a Consultation, or a dict."""
    from mesodesk.domain import Consultation, loads, to_data

    if isinstance(earlier, (bytes, bytearray, str)):
        return to_data(loads(earlier))
    if isinstance(earlier, Consultation):
        return to_data(earlier)
    if isinstance(earlier, dict):
        return copy.deepcopy(earlier)
    raise TypeError("the earlier consultation must be JSON, a Consultation or a dict")


def _products(earlier: Data) -> tuple[list[Data], int]:
    """The earlier products without lot and expiry; the last map's points
    carried to the first entry of each product
    (:func:`mesodesk.session.carry.carry_last_map`)."""
    from mesodesk.domain import from_data
    from mesodesk.session.carry import carry_last_map

    products = [{k: copy.deepcopy(v) for k, v in p.items()
                 if k not in ("lot", "expiry", "points")}
                for p in earlier.get("products") or [] if isinstance(p, dict)]
    try:
        last = from_data(earlier)
    except Exception:            # an earlier record this version cannot read whole
        last = None
    if last is not None and any(p.points for p in last.products):
        products = carry_last_map({"products": products}, last)["products"]
    points = sum(len(p.get("points") or []) for p in products)
    return products, points


def next_session(earlier: Any, today: dt.date, clinic: dict | None = None,
                 practitioner: dict | None = None, *, earlier_id: str | None = None,
                 patient_id: str | None = None) -> NextSession:
    """The next session of the plan signed in ``earlier`` (see the module)."""
    before = _earlier_data(earlier)
    data = new_data(today, clinic or before.get("clinic"),
                    practitioner or before.get("practitioner"))
    data["language"] = before.get("language", "en")
    data["patient"] = copy.deepcopy(before.get("patient") or {})
    screening = before.get("screening") or {}
    data["screening"] = {"answers": {},
                         "allergies": list(screening.get("allergies") or []),
                         "medications": str(screening.get("medications") or ""),
                         "notes": ""}
    for key in ("indication", "areas", "delivery", "plan"):
        if key in before:
            data[key] = copy.deepcopy(before[key])
    data["products"], points = _products(before)
    answers = {str(k): str(v) for k, v in (screening.get("answers") or {}).items()
               if v in ("yes", "no", "unknown")}
    return NextSession(data, answers, earlier_id, str(before.get("date", "")), patient_id,
                       points, before)


def for_patient(patient: Any, today: dt.date, clinic: dict | None = None,
                practitioner: dict | None = None) -> Data:
    """A new consultation for a registered patient (a PatientSummary or any
    object with ``name``, ``date_of_birth``, ``phone``, ``email``)."""
    data = new_data(today, clinic, practitioner)
    person: Data = {"name": str(getattr(patient, "name", "") or "")}
    born = getattr(patient, "date_of_birth", None)
    if born is not None:
        person["date_of_birth"] = born.isoformat() if hasattr(born, "isoformat") else str(born)
    for key in ("phone", "email"):
        value = str(getattr(patient, key, "") or "")
        if value:
            person[key] = value
    data["patient"] = person
    return data
