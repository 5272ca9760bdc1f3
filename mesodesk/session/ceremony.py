"""The consent ceremony's own facts, for the steps and the faces (no Qt).

- teach-back (issue 11): the questions for this plan
  (:func:`mesodesk.rules.teachback.questions`) and the outcome recorded for
  each in ``consent.teach_back``; the consent step is complete when every
  question has one;
- agreement (issue 13): the statements of the consent form and the photo
  choice (:mod:`mesodesk.rules.statements`), each ticked on screen before
  signing and recorded in ``consent.agreed``; signing on screen needs all.

The statements are worked out from the findings the pack itself prints (the
rules without the clinic's settings), so the window asks for exactly the
statements the signed pack shows.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from mesodesk.rules import evaluate
from mesodesk.rules import statements as stmt
from mesodesk.rules.teachback import Question, questions

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.domain import Consultation

#: the outcomes the window records, as (key, words); ``understood`` and ``note``
#: are what consent.teach_back keeps for each
OUTCOMES = (("explained", "Explained back"),
            ("again", "Discussed again, then explained back"))
AGAIN_NOTE = "Then explained back."


def teach_back_questions(consultation: Consultation | None,
                         catalogue: Catalogue) -> list[Question]:
    return questions(consultation, catalogue) if consultation is not None else []


def outcome_record(question: str, outcome: str) -> dict[str, Any]:
    """The ``consent.teach_back`` entry for one outcome key of :data:`OUTCOMES`."""
    if outcome == "explained":
        return {"question": question, "understood": True}
    if outcome == "again":
        return {"question": question, "understood": False, "note": AGAIN_NOTE}
    raise ValueError(f"unknown teach-back outcome {outcome!r}")


def recorded_outcome(consent: dict, question: str) -> str | None:
    """The outcome key recorded for ``question`` in a partial consent dict."""
    for entry in consent.get("teach_back") or []:
        if isinstance(entry, dict) and stmt.normal(str(entry.get("question", ""))) == \
                stmt.normal(question):
            understood = entry.get("understood")
            if understood is True:
                return "explained"
            if understood is False:
                return "again"
    return None


def teach_back_missing(data: dict, consultation: Consultation | None,
                       catalogue: Catalogue) -> list[str]:
    """The questions for this plan without a recorded outcome."""
    consent = data.get("consent") or {}
    return [q.question for q in teach_back_questions(consultation, catalogue)
            if recorded_outcome(consent, q.question) is None]


def to_agree(consultation: Consultation | None, catalogue: Catalogue) -> list[str]:
    """The statements, then the photo choice, the patient agrees to on screen."""
    if consultation is None:
        return []
    return stmt.to_agree(consultation, catalogue, evaluate(consultation, catalogue))


def to_agree_when_signed(data: dict, catalogue: Catalogue, signed_at: str) -> list[str]:
    """What the patient agrees to if they sign at ``signed_at``: the pack is
    built from the signed consultation, and signing at a given time can raise a
    caution of its own (the same day as the information, for a
    prescription-only medicine), which adds its statement."""
    from mesodesk.session.draft import to_consultation

    signed = copy.deepcopy(data)
    patient = str((signed.get("patient") or {}).get("name", "")) or "patient"
    signed.setdefault("consent", {})["signatures"] = [
        {"role": "patient", "name": patient, "signed_at": signed_at}]
    consultation = to_consultation(signed, catalogue)
    if consultation is None:   # a signing time that does not build: as unsigned
        consultation = to_consultation(data, catalogue)
    return to_agree(consultation, catalogue)


def not_agreed(data: dict, consultation: Consultation | None,
               catalogue: Catalogue) -> list[str]:
    """What the partial consultation records no agreement to (all of it when the
    consultation is not complete)."""
    have = {stmt.normal(str(s)) for s in (data.get("consent") or {}).get("agreed") or []}
    return [s for s in to_agree(consultation, catalogue) if stmt.normal(s) not in have]


# --- which pages to print -----------------------------------------------------------------

#: the copies a practitioner can print, as (key, words)
COPIES = (("both", "Both copies"), ("patient", "Patient's copy"), ("clinic", "Clinic record"))


def copy_pages(pdf: bytes, which: str) -> tuple[int, ...] | None:
    """The 1-based pages of one copy of a pack (each with the references that
    serve it), None for every page ("both", or a pack without the copies'
    outline, which prints whole)."""
    if which == "both":
        return None
    from mesodesk.pack.copies import pack_copies

    try:
        copies = pack_copies(pdf)
    except ValueError:
        return None
    if which == "patient":
        return copies.patient
    if which == "clinic":
        return copies.clinic
    raise ValueError(f"unknown copy {which!r}")


def copy_page_counts(pdf: bytes) -> dict[str, int] | None:
    """How many pages each copy prints; None when the pack has no copies' outline."""
    from mesodesk.pack.copies import pack_copies

    try:
        copies = pack_copies(pdf)
    except ValueError:
        return None
    return {"both": copies.total, "patient": len(copies.patient), "clinic": len(copies.clinic)}
