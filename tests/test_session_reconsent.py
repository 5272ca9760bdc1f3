"""Re-consent at a later session (issue 15 item 5), without Qt: the records keep
the clinical text each signed pack gave; the next session of the plan compares
it with the catalogue's text now. Unchanged: the earlier consent is referenced
(the information counts as given then). Changed: what changed is named and the
patient consents again (the information is given anew)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from mesodesk.catalogue.model import Statement
from mesodesk.pack.selection import risks
from mesodesk.pack.textversion import plan_text_version
from mesodesk.session import ConsultationSession

TODAY = dt.date(2026, 12, 16)
PDF = b"%PDF-1.7\n%%EOF\n"
GIVEN = "2026-11-18T10:00:00+00:00"


def _with_risk_text(catalogue, key: str, text: str):
    riskset = dict(catalogue.risks)
    r = riskset[key]
    riskset[key] = dataclasses.replace(r, patient_text=Statement(text=text,
                                                                 source=r.patient_text.source))
    return dataclasses.replace(catalogue, risks=riskset)


@pytest.fixture
def signed(catalogue, make_consultation, sqlite_store):
    """A consultation signed through the session (its pack's text kept)."""
    earlier = make_consultation({"format": "mesodesk-consultation/2",
                                 "consent": {"information_given_at": GIVEN}})
    session = ConsultationSession.from_consultation(catalogue, earlier)
    result = session.finalise(sqlite_store, earlier, PDF)
    return result.consultation_id, earlier


def next_of(store, catalogue, cid):
    signed = store.signed(cid)
    return ConsultationSession.next_session(
        catalogue, signed.canonical_json, TODAY, earlier_id=cid, patient_id=signed.patient_id,
        recorded_text=store.clinical_text(cid))


def finish(session, store):
    for q in list(session.prior_answers):
        session.confirm_answer(q)
    for product in session.data["products"]:
        product.update(lot="NEW1", expiry="2027-09-30")
    consultation = session.sign([])
    return session.finalise(store, consultation, PDF).consultation_id


def test_the_signed_record_keeps_the_text_its_pack_gave(signed, sqlite_store, catalogue):
    cid, earlier = signed
    version, texts = sqlite_store.clinical_text(cid)
    assert version == plan_text_version(earlier, catalogue)
    key, risk = risks(earlier, catalogue)[0]
    assert texts[f"risk.{key}.patient_text"] == risk.patient_text.text


def test_unchanged_text_references_the_earlier_consent(signed, sqlite_store, catalogue):
    cid, _ = signed
    session = next_of(sqlite_store, catalogue, cid)
    assert session.reconsent is not None and not session.reconsent.required
    assert session.reconsent.changes == ()
    # the information was given at the earlier session: the reflection period stands
    assert session.data["consent"]["information_given_at"] == GIVEN
    assert "referenced" in session.reconsent.summary()
    new = finish(session, sqlite_store)
    (event,) = [e for e in sqlite_store.audit_events(new) if e.kind == "continued"]
    detail = json.loads(event.detail)
    assert detail["follows"] == cid and detail["earlier_consent"] == "referenced"


def test_changed_text_is_shown_and_the_patient_consents_again(signed, sqlite_store, catalogue):
    cid, earlier = signed
    key, risk = risks(earlier, catalogue)[0]
    changed = _with_risk_text(catalogue, key, risk.patient_text.text + " New sentence.")
    session = next_of(sqlite_store, changed, cid)
    result = session.reconsent
    assert result.required and result.on_record
    (change,) = result.changes
    assert change.key == f"risk.{key}.patient_text" and change.kind == "changed"
    assert "New sentence." in result.summary() and "consents again" in result.summary()
    # the new information is given at this session: no earlier time carried over
    assert "information_given_at" not in session.data["consent"]
    new = finish(session, sqlite_store)
    (event,) = [e for e in sqlite_store.audit_events(new) if e.kind == "continued"]
    assert json.loads(event.detail)["earlier_consent"] == "renewed"
    assert sqlite_store.clinical_text(new)[0] == plan_text_version(
        session.consultation(), changed)          # the new pack's own text is kept


def test_a_record_without_its_text_asks_for_consent_again(catalogue, make_consultation,
                                                          sqlite_store):
    from mesodesk.domain import fingerprint

    earlier = make_consultation({"format": "mesodesk-consultation/2",
                                 "consent": {"information_given_at": GIVEN}})
    cid = sqlite_store.sign(None, earlier, PDF, fingerprint(earlier), "Dr Ana Silva")
    assert sqlite_store.clinical_text(cid) is None       # signed before the text was kept
    session = next_of(sqlite_store, catalogue, cid)
    assert session.reconsent.required and not session.reconsent.on_record
    assert "does not keep" in session.reconsent.summary()
    assert "information_given_at" not in session.data["consent"]


def test_the_kept_text_cannot_be_changed(signed, sqlite_store):
    import sqlite3

    cid, _ = signed
    raw = sqlite3.connect(sqlite_store.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE clinical_texts SET texts = '{}'")
    finally:
        raw.close()
