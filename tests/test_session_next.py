"""A later session of a signed plan starts from it, without Qt: the same patient
and plan, no lot or expiry, and the screening confirmed answer by answer."""

from __future__ import annotations

import datetime as dt

import pytest

from mesodesk.domain import canonical_json, fingerprint
from mesodesk.session import ConsultationSession
from mesodesk.session.nextsession import next_session
from tests.conftest import merge

TODAY = dt.date(2026, 12, 16)
PDF = b"%PDF-1.7\n%%EOF\n"


def signed_json(make_consultation, changes=None) -> bytes:
    return canonical_json(make_consultation(changes))


def test_the_next_session_keeps_patient_and_plan_but_not_lots_or_consent(make_consultation):
    earlier = make_consultation({"plan": {"notes": "two more sessions"},
                                 "consent": {"photos": "record-only", "cooling_off_days": 7}})
    nxt = next_session(canonical_json(earlier), TODAY, earlier_id="c1", patient_id="p1")
    data = nxt.data
    assert data["date"] == "2026-12-16"
    assert data["patient"]["name"] == "Jane O'Hara"
    assert data["patient"]["date_of_birth"] == "1986-03-14"
    assert (data["indication"], data["areas"]) == (earlier.indication, list(earlier.areas))
    assert data["delivery"]["technique"] == earlier.delivery.technique
    assert data["delivery"]["needle_gauge"] == earlier.delivery.needle_gauge
    assert data["plan"]["notes"] == "two more sessions"
    assert [p["id"] for p in data["products"]] == [p.id for p in earlier.products]
    assert [p["volume_ml"] for p in data["products"]] == [p.volume_ml for p in earlier.products]
    for product in data["products"]:                 # this session's stock is written anew
        assert "lot" not in product and "expiry" not in product
    assert data["consent"] == {"acknowledged": [], "overrides": [], "signatures": []}
    assert data["screening"]["answers"] == {}        # not copied: confirmed one by one
    assert data["screening"]["allergies"] == list(earlier.screening.allergies)
    assert nxt.prior_answers == dict(earlier.screening.answers)
    assert (nxt.earlier_id, nxt.patient_id, nxt.earlier_date) == ("c1", "p1", "2026-11-25")


def test_the_clinic_and_practitioner_of_today_are_used_when_known(make_consultation):
    nxt = next_session(signed_json(make_consultation), TODAY,
                       practitioner={"name": "Nurse Bo Lee", "profession": "nurse",
                                     "registration": "NMC 12A3456E"})
    assert nxt.data["practitioner"]["name"] == "Nurse Bo Lee"
    assert nxt.data["clinic"]["name"] == "Riverside Aesthetics"   # from the record


def test_the_last_maps_points_are_carried(make_consultation):
    point = {"view": "face-front", "x": 0.4, "y": 0.6, "volume_ml": 0.1}
    earlier = make_consultation({"format": "mesodesk-consultation/2", "products": [
        {"id": "hyaluronic-acid-non-crosslinked", "lot": "A", "expiry": "2027-05-31",
         "volume_ml": 1.0, "points": [point]},
        {"id": "hyaluronic-acid-non-crosslinked", "lot": "B", "expiry": "2027-05-31",
         "volume_ml": 1.0, "points": [dict(point, x=0.5)]}]})
    nxt = next_session(canonical_json(earlier), TODAY)
    first, second = nxt.data["products"]
    assert [p["x"] for p in first["points"]] == [0.4, 0.5]     # every point, on the first entry
    assert "points" not in second and nxt.carried_points == 2
    assert "lot" not in first


def test_screening_counts_only_once_each_earlier_answer_is_confirmed(catalogue,
                                                                     make_consultation):
    session = ConsultationSession.next_session(catalogue, signed_json(make_consultation), TODAY,
                                               earlier_id="c1", patient_id="p1")
    questions = list(session.prior_answers)
    assert set(questions) == set(catalogue.screening)
    orders = [catalogue.screening[q].order for q in questions]
    assert orders == sorted(orders)                  # in the order the page asks them
    assert not session.snapshot().complete("screening")
    for q in questions[:-1]:
        assert session.confirm_answer(q)
    assert not session.snapshot().complete("screening")      # one still to confirm
    assert not session.confirm_answer("no_such_question")
    session.confirm_answer(questions[-1])
    assert session.snapshot().complete("screening")
    assert session.data["screening"]["answers"] == {
        q: a for q, a in make_consultation().screening.answers.items()}


def test_an_answer_given_anew_replaces_the_earlier_one(catalogue, make_consultation):
    session = ConsultationSession.next_session(catalogue, signed_json(make_consultation), TODAY)
    session.data["screening"]["answers"]["anticoagulants"] = "yes"     # changed since
    remaining = session.settle_answers()
    assert "anticoagulants" not in remaining
    assert not session.confirm_answer("anticoagulants")             # the new answer stands
    assert session.data["screening"]["answers"]["anticoagulants"] == "yes"
    assert any(f.path == "screening.answers.anticoagulants" for f in session.snapshot().findings)


def test_the_next_session_is_signed_for_the_same_patient(catalogue, make_consultation,
                                                         sqlite_store):
    earlier = make_consultation()
    first = sqlite_store.sign(None, earlier, PDF, fingerprint(earlier), "Dr Ana Silva")
    patient_id = sqlite_store.signed(first).patient_id
    session = ConsultationSession.next_session(
        catalogue, sqlite_store.signed(first).canonical_json, TODAY, earlier_id=first,
        patient_id=patient_id)
    for q in list(session.prior_answers):
        session.confirm_answer(q)
    for product in session.data["products"]:
        product.update(lot="NEW1", expiry="2027-09-30")
    session.data["consent"].update(photos="none", cooling_off_days=0)
    consultation = session.sign([])
    result = session.finalise(sqlite_store, consultation, PDF)
    again = sqlite_store.signed(result.consultation_id)
    assert again.patient_id == patient_id                 # not a second Jane
    assert {r.id for r in sqlite_store.consultations_for(patient_id)} == {
        result.consultation_id, first}
    assert [e.lot for e in sqlite_store.recall("NEW1")] == ["NEW1"] * len(
        session.data["products"])


def test_a_new_consultation_for_a_registered_patient_has_their_details(catalogue, sqlite_store):
    pid = sqlite_store.add_patient("Zoë Ängström", dt.date(1990, 5, 1), phone="+44 7700 900555")
    session = ConsultationSession.for_patient(catalogue, sqlite_store.patient(pid), TODAY)
    assert session.data["patient"] == {"name": "Zoë Ängström", "date_of_birth": "1990-05-01",
                                       "phone": "+44 7700 900555"}
    assert session.patient_id == pid
    assert session.snapshot().complete("patient")
    assert session.data["products"] == [] and "indication" not in session.data


@pytest.mark.parametrize("junk", [b"not json", b'{"format": "mesodesk-consultation/9"}'])
def test_an_unreadable_earlier_record_is_an_error_not_a_half_session(junk):
    from mesodesk.domain import ConsultationError

    with pytest.raises(ConsultationError):
        next_session(junk, TODAY)
