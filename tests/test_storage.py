"""The records store on SQLite and on PostgreSQL: drafts, signing, search,
versions, immutability enforced by the database itself, the audit chain."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from mesodesk.domain import fingerprint, from_data, to_data
from mesodesk.storage import StoreError, open_store
from tests.conftest import BACKENDS, empty_database

PDF = b"%PDF-1.7\n% a signed pack\n%%EOF\n"


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


def raw_engine(store):
    """A second, plain connection to the same database: no mesodesk code in the way."""
    return create_engine(store.url)


def sign_jane(store, make_consultation, changes=None, draft_id=None):
    c = make_consultation(changes or {})
    return store.sign(draft_id, c, PDF, fingerprint(c), "Dr Ana Silva"), c


# -- drafts ------------------------------------------------------------------------------

def test_a_partial_draft_round_trips_exactly(store):
    partial = {"patient": {"name": "Zoë Ängström", "date_of_birth": "1990-0"},
               "areas": ["face"], "notes": "ünïcode ✓", "n": 1.5}
    draft_id = store.save_draft(None, partial, "screening", "Dr A")
    draft = store.load_draft(draft_id)
    assert draft.data == partial and draft.step == "screening"
    [summary] = store.drafts()
    assert (summary.id, summary.patient_name, summary.step) == (draft_id, "Zoë Ängström",
                                                                "screening")
    assert summary.updated_at.tzinfo is not None


def test_saving_again_updates_the_same_draft_and_lists_newest_first(store):
    first = store.save_draft(None, {"patient": {"name": "A"}}, "patient")
    second = store.save_draft(None, {"patient": {"name": "B"}}, "patient")
    assert store.save_draft(first, {"patient": {"name": "A2"}}, "plan") == first
    assert [d.id for d in store.drafts()] == [first, second]
    assert store.load_draft(first).data == {"patient": {"name": "A2"}}
    store.discard_draft(second)
    assert [d.id for d in store.drafts()] == [first]
    with pytest.raises(StoreError, match="no draft"):
        store.load_draft(second)


def test_a_draft_that_is_not_json_is_refused_with_a_sentence(store):
    with pytest.raises(StoreError, match="JSON"):
        store.save_draft(None, {"x": float("nan")}, "plan")
    with pytest.raises(StoreError, match="JSON"):
        store.save_draft(None, {"x": object()}, "plan")


# -- signing -----------------------------------------------------------------------------

def test_signing_keeps_exact_pdf_fingerprint_and_canonical_json(store, jane_data,
                                                                make_consultation):
    draft_id = store.save_draft(None, jane_data, "sign", "Dr Ana Silva")
    cid, c = sign_jane(store, make_consultation, draft_id=draft_id)
    assert cid == draft_id
    assert store.drafts() == []
    signed = store.signed(cid)
    assert signed.pdf == PDF
    assert signed.fingerprint == fingerprint(c)
    assert from_data(__import__("json").loads(signed.canonical_json)) == c
    kinds = [(e.kind, e.consultation_id) for e in store.audit_events()]
    assert kinds == [("created", cid), ("signed", cid)]


def test_signing_refuses_a_wrong_fingerprint_or_not_a_pdf(store, make_consultation):
    c = make_consultation()
    with pytest.raises(StoreError, match="fingerprint does not match"):
        store.sign(None, c, PDF, "0" * 64, "Dr A")
    with pytest.raises(StoreError, match="not a PDF"):
        store.sign(None, c, b"hello", fingerprint(c), "Dr A")
    assert store.audit_events() == []


def test_a_signed_consultation_cannot_be_saved_over_or_signed_again(store, make_consultation):
    cid, c = sign_jane(store, make_consultation)
    with pytest.raises(StoreError, match="signed"):
        store.save_draft(cid, {"patient": {"name": "X"}}, "plan")
    with pytest.raises(StoreError, match="already signed"):
        store.sign(cid, c, PDF, fingerprint(c), "Dr A")
    store.discard_draft(cid)      # not a draft: nothing happens
    assert store.signed(cid).pdf == PDF


@pytest.mark.parametrize("statement", [
    "UPDATE consultations SET pdf = NULL WHERE id = :id",
    "UPDATE consultations SET fingerprint = 'forged' WHERE id = :id",
    "UPDATE consultations SET state = 'draft' WHERE id = :id",
    "DELETE FROM consultations WHERE id = :id",
])
def test_the_database_itself_refuses_to_change_a_signed_row(store, make_consultation,
                                                            statement):
    cid, _ = sign_jane(store, make_consultation)
    engine = raw_engine(store)
    try:
        with pytest.raises(DBAPIError, match="signed consultation cannot be"):
            with engine.begin() as conn:
                conn.execute(text(statement), {"id": cid})
    finally:
        engine.dispose()
    assert store.signed(cid).pdf == PDF


def test_the_database_lets_a_draft_be_deleted_by_raw_sql(store):
    draft_id = store.save_draft(None, {}, "patient")
    engine = raw_engine(store)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM consultations WHERE id = :id"), {"id": draft_id})
    engine.dispose()
    assert store.drafts() == []


# -- versions ----------------------------------------------------------------------------

def test_a_change_after_signing_is_a_new_version_naming_its_predecessor(store,
                                                                        make_consultation):
    first, c = sign_jane(store, make_consultation,
                         {"consent": {"signatures": [{"role": "patient", "name": "Jane O'Hara",
                                                      "signed_at": "2026-11-25T10:00:00+00:00"}]}})
    draft_id = store.new_version(first, "Dr Ana Silva")
    draft = store.load_draft(draft_id)
    assert draft.supersedes == first
    assert draft.data["consent"]["signatures"] == []      # signed again, not copied
    assert draft.data["plan"] == to_data(c)["plan"]
    draft.data["plan"]["sessions"] = 5
    store.save_draft(draft_id, draft.data, "plan")
    second_c = from_data(store.load_draft(draft_id).data)
    assert second_c.plan.sessions == 5
    second = store.sign(draft_id, second_c, PDF + b"v2", fingerprint(second_c), "Dr Ana Silva")
    assert store.signed(second).supersedes == first
    assert store.signed(first).pdf == PDF                # the old version is untouched
    [patient] = store.search_patients("jane")
    history = store.consultations_for(patient.id)
    assert [(h.id, h.state, h.supersedes, h.superseded_by) for h in history] == [
        (second, "signed", first, None), (first, "signed", None, second)]
    signed_events = [e for e in store.audit_events() if e.kind == "signed"]
    assert '"supersedes":"%s"' % first in signed_events[-1].detail


def test_new_version_of_something_unsigned_is_refused(store):
    draft_id = store.save_draft(None, {}, "patient")
    with pytest.raises(StoreError, match="no signed consultation"):
        store.new_version(draft_id)


# -- search ------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=BACKENDS)
def people(request, tmp_path_factory):
    """One read-only set of patients per backend, shared by the search cases."""
    with empty_database(request.param, tmp_path_factory.mktemp("people")) as url:
        store = open_store(url)
        names = [("Zoë Ängström", "1990-05-01"), ("Jane O'Hara", "1986-03-14"),
                 ("Ann Smith-Jones", "1975-12-31"), ("JOSÉ GARCÍA", "1986-07-02"),
                 ("Zoe Adams", "2001-01-01")]
        for name, dob in names:
            store.add_patient(name, dt.date.fromisoformat(dob))
        yield store
        store.close()


def names(found):
    return sorted(p.name for p in found)


@pytest.mark.parametrize(("query", "expected"), [
    ("zoe", ["Zoe Adams", "Zoë Ängström"]),
    ("ZOË", ["Zoe Adams", "Zoë Ängström"]),
    ("angst", ["Zoë Ängström"]),
    ("ohara", ["Jane O'Hara"]),
    ("o'hara", ["Jane O'Hara"]),
    ("O’HARA", ["Jane O'Hara"]),
    ("har jan", ["Jane O'Hara"]),
    ("smith jones", ["Ann Smith-Jones"]),
    ("jones", ["Ann Smith-Jones"]),
    ("garcia jose", ["JOSÉ GARCÍA"]),
    ("1986-03-14", ["Jane O'Hara"]),
    ("14/03/1986", ["Jane O'Hara"]),
    ("1986", ["JOSÉ GARCÍA", "Jane O'Hara"]),
    ("nobody", []),
    ("100%", []),
    ("_", []),
    ("   ", []),
])
def test_search_by_any_part_of_the_name_or_by_date_of_birth(people, query, expected):
    assert names(people.search_patients(query)) == expected


def test_patients_are_matched_by_id_never_by_name_and_date_of_birth(store, make_consultation):
    a, _ = sign_jane(store, make_consultation)
    # another Jane O'Hara born the same day, signed without saying who she is: a new patient
    b, _ = sign_jane(store, make_consultation)
    first, second = (store.signed(a).patient_id, store.signed(b).patient_id)
    assert first != second
    assert len(store.search_patients("jane")) == 2
    assert [p.id for p in store.same_details("JANE O’HARA", dt.date(1986, 3, 14))] == [
        first, second]
    # a third consultation for the first Jane, chosen by id
    c = make_consultation()
    third = store.sign(None, c, PDF, fingerprint(c), "Dr A", patient_id=first)
    assert {h.id for h in store.consultations_for(first)} == {a, third}
    assert [h.id for h in store.consultations_for(second)] == [b]


def test_a_draft_started_for_a_patient_is_signed_for_that_patient(store, make_consultation,
                                                                   jane_data):
    cid, _ = sign_jane(store, make_consultation)
    patient_id = store.signed(cid).patient_id
    draft_id = store.save_draft(None, jane_data, "plan", patient_id=patient_id)
    store.save_draft(draft_id, jane_data, "sign")            # later saves keep the patient
    assert store.load_draft(draft_id).patient_id == patient_id
    assert [(h.id, h.state) for h in store.consultations_for(patient_id)] == [
        (draft_id, "draft"), (cid, "signed")]
    # a draft with the same name and birth date but no patient is not in her history
    stranger = store.save_draft(None, jane_data, "plan")
    assert stranger not in [h.id for h in store.consultations_for(patient_id)]
    second, _ = sign_jane(store, make_consultation, draft_id=draft_id)
    assert store.signed(second).patient_id == patient_id
    with pytest.raises(StoreError, match="no patient nobody"):
        store.save_draft(None, jane_data, "plan", patient_id="nobody")
    with pytest.raises(StoreError, match="no patient nobody"):
        c = make_consultation()
        store.sign(None, c, PDF, fingerprint(c), "Dr A", patient_id="nobody")


def test_a_changed_phone_is_kept_as_a_new_value_not_overwritten(store, make_consultation):
    cid, _ = sign_jane(store, make_consultation)
    patient_id = store.signed(cid).patient_id
    c = make_consultation({"patient": {"name": "jane o’hara", "phone": "+44 1",
                                       "email": ""}})
    second = store.sign(None, c, PDF, fingerprint(c), "Dr B", patient_id=patient_id)
    patient = store.patient(patient_id)
    assert (patient.name, patient.phone, patient.email) == (
        "Jane O'Hara", "+44 1", "jane@example.org")   # same name retyped; blank email kept
    history = [(d.field, d.value, d.consultation_id) for d in store.patient_details(patient_id)]
    assert history == [("name", "Jane O'Hara", None), ("phone", "+44 7700 900123", None),
                       ("email", "jane@example.org", None), ("phone", "+44 1", second)]
    changed = [e for e in store.audit_events(second) if e.kind == "details-changed"]
    assert [e.detail for e in changed] == ['{"fields":["phone"]}']   # which, never the value
    assert "+44" not in "".join(e.detail for e in store.audit_events())
    assert store.verify_audit().ok


def test_contact_details_are_changed_explicitly_with_the_old_kept(store):
    pid = store.add_patient("Ann Smith", dt.date(1975, 1, 2), phone="01", email="a@x.org")
    assert store.update_patient(pid, phone="02", email="", practitioner="Dr A") == [
        "phone", "email"]
    assert store.update_patient(pid, phone="02") == []
    assert (store.patient(pid).phone, store.patient(pid).email) == ("02", "")
    assert [(d.field, d.value) for d in store.patient_details(pid)] == [
        ("name", "Ann Smith"), ("phone", "01"), ("email", "a@x.org"), ("phone", "02"),
        ("email", "")]
    [event] = store.audit_events()
    assert event.kind == "details-changed" and '"fields":["phone","email"]' in event.detail
    with pytest.raises(StoreError, match="needs a name"):
        store.update_patient(pid, name="  ")


def test_signing_for_a_patient_with_another_date_of_birth_is_refused(store, make_consultation):
    cid, _ = sign_jane(store, make_consultation)
    c = make_consultation({"patient": {"date_of_birth": "1986-03-15"}})
    with pytest.raises(StoreError, match="date of birth .1986-03-15. differs"):
        store.sign(None, c, PDF, fingerprint(c), "Dr A",
                   patient_id=store.signed(cid).patient_id)
    assert [e.kind for e in store.audit_events()] == ["signed"]      # nothing half-written


def test_signing_records_extra_events_in_the_same_transaction(store, make_consultation):
    c = make_consultation()
    cid = store.sign(None, c, PDF, fingerprint(c), "Dr A",
                     events=[("overridden", {"rule": "pregnancy"})])
    assert [(e.kind, e.consultation_id) for e in store.audit_events()] == [
        ("signed", cid), ("overridden", cid)]
    c2 = make_consultation({"plan": {"sessions": 2}})
    with pytest.raises(StoreError, match="unknown audit event"):
        store.sign(None, c2, PDF, fingerprint(c2), "Dr A", events=[("edited", {})])
    assert len(store.audit_events()) == 2                      # the signing was undone too
    assert len(store.search_patients("jane")) == 1


# -- audit trail -------------------------------------------------------------------------

def test_events_form_a_hash_chain(store):
    store.record_event("viewed", "Dr A", "c1", {"page": 2})
    store.record_event("exported", "Dr B", None, {"format": "pdf", "note": "naïve"})
    events = store.audit_events()
    assert [e.seq for e in events] == [1, 2]
    assert events[0].prev_hash == "0" * 64 and events[1].prev_hash == events[0].hash
    assert store.verify_audit().ok and store.verify_audit().events == 2
    with pytest.raises(StoreError, match="unknown audit event"):
        store.record_event("tampered", "Dr A")


def test_the_database_refuses_to_edit_or_delete_an_event(store):
    store.record_event("viewed", "Dr A", "c1")
    engine = raw_engine(store)
    try:
        for statement in ("UPDATE audit_events SET kind = 'printed'",
                          "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError, match="append-only"):
                with engine.begin() as conn:
                    conn.execute(text(statement))
    finally:
        engine.dispose()
    assert store.verify_audit().ok


def _drop_audit_triggers(conn, dialect):
    if dialect == "sqlite":
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_events_append_only ON audit_events")


@pytest.mark.parametrize(("tamper", "message"), [
    ("UPDATE audit_events SET detail = '{\"page\":3}' WHERE seq = 2",
     "event 2: was altered"),
    ("UPDATE audit_events SET practitioner = 'Dr Z' WHERE seq = 3",
     "event 3: was altered"),
    ("DELETE FROM audit_events WHERE seq = 2", "event 2: event 2 is missing"),
])
def test_verification_names_the_first_broken_link(store, tamper, message):
    for page in range(1, 5):
        store.record_event("viewed", "Dr A", "c1", {"page": page})
    engine = raw_engine(store)
    with engine.begin() as conn:       # an attacker with database access
        _drop_audit_triggers(conn, store.dialect)
        conn.exec_driver_sql(tamper)
    engine.dispose()
    report = store.verify_audit()
    assert not report.ok
    assert report.sentence().startswith(message)


def test_verification_catches_a_rewritten_chain_link(store):
    for page in range(1, 4):
        store.record_event("viewed", "Dr A", "c1", {"page": page})
    events = store.audit_events()
    engine = raw_engine(store)
    with engine.begin() as conn:
        _drop_audit_triggers(conn, store.dialect)
        # a forger recomputes event 2's own hash, but cannot fix event 3's prev_hash
        from mesodesk.storage.chain import event_hash
        e = events[1]
        forged = event_hash(e.seq, e.time, "printed", e.practitioner, e.consultation_id,
                            e.detail, e.prev_hash)
        conn.execute(text("UPDATE audit_events SET kind = 'printed', hash = :h WHERE seq = 2"),
                     {"h": forged})
    engine.dispose()
    assert store.verify_audit().sentence().startswith("event 3: does not follow")


# -- errors ------------------------------------------------------------------------------

def test_unsupported_urls_are_one_sentence(tmp_path):
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_store("mysql://x@localhost/db")
    with pytest.raises(StoreError, match="in-memory"):
        open_store("sqlite://")


def test_an_unreachable_postgres_server_is_one_sentence():
    with pytest.raises(StoreError, match="cannot open the records database"):
        open_store("postgresql+psycopg2://nobody@127.0.0.1:1/none")


def test_verification_notices_events_cut_from_the_end(store, make_consultation):
    store.record_event("viewed", "Dr A", None)
    cid, _ = sign_jane(store, make_consultation)
    assert store.verify_audit().ok
    engine = raw_engine(store)
    with engine.begin() as conn:      # remove the last event: the chain alone still holds
        _drop_audit_triggers(conn, store.dialect)
        conn.exec_driver_sql("DELETE FROM audit_events WHERE seq = 2")
    engine.dispose()
    report = store.verify_audit()
    assert report.sentence().startswith(f"event 2: missing: consultation {cid} is signed")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) |
    st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(patient=st.dictionaries(st.sampled_from(["name", "date_of_birth", "phone"]),
                               json_values | st.text(max_size=30), max_size=3),
       rest=st.dictionaries(st.text(max_size=8), json_values, max_size=4))
@example(patient={"name": "Jane\x00 O'Hara", "date_of_birth": "1986-03-14"}, rest={"\x00": 1})
def test_any_json_draft_round_trips(store, patient, rest):
    data = {**rest, "patient": patient}
    draft_id = store.save_draft(None, data, "patient")
    assert store.load_draft(draft_id).data == data
    assert "\x00" not in store.drafts()[0].patient_name
    store.discard_draft(draft_id)


def _drop_signed_triggers(conn, dialect):
    if dialect == "sqlite":
        for trigger in ("consultations_signed_no_update", "consultations_signed_no_delete",
                        "lots_no_delete"):
            conn.exec_driver_sql(f"DROP TRIGGER {trigger}")
    else:
        conn.exec_driver_sql("DROP TRIGGER consultations_signed_is_final ON consultations")
        conn.exec_driver_sql("DROP TRIGGER lots_append_only ON lots")


@pytest.mark.parametrize(("tamper", "message"), [
    ("UPDATE consultations SET pdf = :forged WHERE id = :id",
     "event 2: the signed PDF of consultation {cid} was altered"),
    ("UPDATE consultations SET canonical_json = :forged WHERE id = :id",
     "event 2: the signed consultation {cid} no longer matches its fingerprint"),
    ("DELETE FROM lots WHERE consultation_id = :id; DELETE FROM consultations WHERE id = :id",
     "event 2: consultation {cid} was signed but is no longer in the records"),
])
def test_verification_catches_a_signed_record_changed_around_the_triggers(
        store, make_consultation, tamper, message):
    store.record_event("viewed", "Dr A", None)
    cid, _ = sign_jane(store, make_consultation)
    store.record_event("printed", "Dr A", cid)
    engine = raw_engine(store)
    with engine.begin() as conn:
        _drop_signed_triggers(conn, store.dialect)
        for statement in tamper.split("; "):
            conn.execute(text(statement), {"id": cid, "forged": b"%PDF-1.7 forged"})
    engine.dispose()
    assert store.verify_audit().sentence().startswith(message.format(cid=cid))
