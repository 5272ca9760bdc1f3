"""The audit trail holds no patient data: an event whose detail carries a
patient field, a file name or the patient's name is refused before anything is
written. And the typed tables used by every query match the schema the frozen
migrations build."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect

from mesodesk.domain import fingerprint
from mesodesk.storage import EVENT_KINDS, StoreError, open_store, schema
from mesodesk.storage.store import to_url

PDF = b"%PDF-1.7\n% pack\n%%EOF\n"


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


@pytest.fixture
def jane(store, make_consultation):
    c = make_consultation()
    return store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")


@pytest.mark.parametrize("detail", [
    {"file": "mesodesk-Jane O'Hara-2026-11-25.pdf"},       # what the window used to write
    {"file_name": "pack.pdf"},
    {"Path": "/home/clinic/packs/pack.pdf"},
    {"patient": {"id": "p1"}},
    {"Date-Of-Birth": "1986-03-14"},
    {"to": {"email": "jane@example.org"}},
    {"recipients": [{"phone": "+44 7700 900123"}]},
    {"note": "printed for JANE O’HARA at reception"},      # her name, however written
    {"copies": ["Jane O'Hara"]},
])
def test_an_event_carrying_patient_data_is_refused_and_not_written(store, jane, detail):
    before = store.audit_events()
    with pytest.raises(StoreError, match="holds no patient data"):
        store.record_event("exported", "Dr Ana Silva", jane, detail)
    assert store.audit_events() == before
    assert store.verify_audit().ok


def test_the_events_mesodesk_writes_are_accepted(store, make_consultation):
    c = make_consultation({"patient": {"name": "Ana Lee"}})
    cid = store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva",
                     events=[("overridden", {"rule": "anaphylaxis-history"})])
    store.record_event("viewed", "Dr Ana Silva", cid, {"fingerprint": fingerprint(c)})
    store.record_event("viewed", "Dr Ana Silva", cid, {"read_only": True})
    store.record_event("printed", "Dr Ana Silva", cid, {"pages": 19})
    store.record_event("exported", "Dr Ana Silva", cid, {"format": "pdf"})
    store.record_event("restored", "", None, {"events_in_backup": 3})
    # "Ana" is part of "anaphylaxis" and the practitioner's name, not the patient's name
    assert [e.kind for e in store.audit_events()] == [
        "signed", "overridden", "viewed", "viewed", "printed", "exported", "restored"]
    assert store.verify_audit().ok


def test_no_audit_event_of_a_whole_consultation_names_the_patient(store, make_consultation,
                                                                  jane_data):
    draft = store.save_draft(None, jane_data, "plan", "Dr Ana Silva")
    c = make_consultation({"patient": {"phone": "+44 1"}})
    cid = store.sign(draft, c, PDF, fingerprint(c), "Dr Ana Silva")
    store.new_version(cid, "Dr Ana Silva")
    trail = " ".join(f"{e.kind} {e.practitioner} {e.detail}" for e in store.audit_events())
    for private in ("O'Hara", "Jane", "1986", "+44", "example.org"):
        assert private not in trail


def test_there_is_no_edited_event():
    """Declared but never written before; removed (see storage/records.py)."""
    assert "edited" not in EVENT_KINDS


def test_the_typed_tables_match_the_schema_the_migrations_build(db_url):
    from sqlalchemy import create_engine

    open_store(db_url).close()
    engine = create_engine(to_url(db_url))
    try:
        built = inspect(engine)
        for table in schema.metadata.sorted_tables:
            columns = {c["name"]: c for c in built.get_columns(table.name)}
            assert set(columns) == {c.name for c in table.columns}, table.name
            for column in table.columns:
                if not column.primary_key:
                    assert columns[column.name]["nullable"] == column.nullable, \
                        f"{table.name}.{column.name}"
            pk = set(built.get_pk_constraint(table.name)["constrained_columns"])
            assert pk == {c.name for c in table.primary_key.columns}, table.name
    finally:
        engine.dispose()


def test_dates_come_back_as_dates(store):
    pid = store.add_patient("Zoë", dt.date(1990, 5, 1))
    assert store.patient(pid).date_of_birth == dt.date(1990, 5, 1)
    [detail] = store.patient_details(pid)
    assert detail.recorded_at.tzinfo is not None
