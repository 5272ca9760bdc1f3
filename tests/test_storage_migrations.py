"""Schema migrations (empty database, previous version, newer version, failed
step) on SQLite and PostgreSQL, and how the SQLite file is opened."""

from __future__ import annotations

import json
import os
import stat

import pytest
from sqlalchemy import create_engine, inspect, text

from mesodesk.domain import canonical_json, fingerprint
from mesodesk.storage import StoreError, migrations, open_store
from mesodesk.storage.chain import GENESIS, canonical_detail, event_hash
from mesodesk.storage.store import _sqlite_engine, to_url

PDF = b"%PDF-1.7\n%%EOF\n"


def bare_engine(url):
    parsed = to_url(url)
    return _sqlite_engine(parsed) if parsed.get_backend_name() == "sqlite" else \
        create_engine(parsed)


def versions(engine):
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT version FROM schema_version "
                                                "ORDER BY version"))]


def test_an_empty_database_is_brought_to_the_latest_version(db_url):
    store = open_store(db_url)
    assert store.schema_version() == migrations.LATEST
    engine = bare_engine(db_url)
    assert versions(engine) == list(range(1, migrations.LATEST + 1))
    tables = set(inspect(engine).get_table_names())
    assert {"patients", "consultations", "audit_events", "schema_version"} <= tables
    engine.dispose()
    store.close()
    again = open_store(db_url)              # opening again changes nothing
    assert again.schema_version() == migrations.LATEST
    again.close()


def _write_v1_records(engine, make_consultation):
    """What mesodesk 0.1 (records version 1) left behind: raw SQL, v1 columns only."""
    c = make_consultation({"patient": {"name": "Zoë Ängström"}})
    now = "2026-01-02T03:04:05.000000Z"
    detail = canonical_detail({"fingerprint": fingerprint(c)})
    digest = event_hash(1, now, "signed", "Dr A", "s1", detail, GENESIS)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO patients (id, name, date_of_birth, phone, email, created_at, "
            "updated_at) VALUES ('p1', 'Zoë Ängström', '1986-03-14', '', '', :t, :t)"), {"t": now})
        conn.execute(text(
            "INSERT INTO consultations (id, patient_id, state, patient_name, patient_dob, "
            "consultation_date, canonical_json, pdf, fingerprint, practitioner, created_at, "
            "updated_at, signed_at) VALUES ('s1', 'p1', 'signed', 'Zoë Ängström', "
            "'1986-03-14', '2026-01-02', :cj, :pdf, :fp, 'Dr A', :t, :t, :t)"),
            {"cj": canonical_json(c), "pdf": PDF, "fp": fingerprint(c), "t": now})
        conn.execute(text(
            "INSERT INTO consultations (id, state, step, patient_name, patient_dob, data, "
            "created_at, updated_at) VALUES ('d1', 'draft', 'plan', 'Zoë Ängström', "
            "'1986-03-14', :data, :t, :t)"),
            {"data": json.dumps({"patient": {"name": "Zoë Ängström"}}), "t": now})
        conn.execute(text(
            "INSERT INTO audit_events (seq, time, kind, practitioner, consultation_id, detail, "
            "prev_hash, hash) VALUES (1, :t, 'signed', 'Dr A', 's1', :d, :p, :h)"),
            {"t": now, "d": detail, "p": GENESIS, "h": digest})
    return c


def test_a_version_1_database_is_upgraded_with_its_records_intact(db_url, make_consultation):
    engine = bare_engine(db_url)
    assert migrations.upgrade(engine, target=1) == 1
    assert "search_key" not in {c["name"] for c in inspect(engine).get_columns("patients")}
    c = _write_v1_records(engine, make_consultation)
    engine.dispose()

    store = open_store(db_url)
    assert store.schema_version() == migrations.LATEST
    [patient] = store.search_patients("zoe angstrom")       # the new search key, backfilled
    assert patient.id == "p1"
    # the old draft names no patient: it is listed as a draft, not matched to p1 by name
    assert [(h.id, h.state) for h in store.consultations_for("p1")] == [("s1", "signed")]
    assert [d.id for d in store.drafts()] == ["d1"]
    # recall finds what was signed before the lots table existed (backfilled)
    [entry] = store.recall(" ha24a17 ")
    assert (entry.consultation_id, entry.patient_id, entry.lot) == ("s1", "p1", "HA24A17")
    assert [(d.field, d.value) for d in store.patient_details("p1")] == [
        ("name", "Zoë Ängström")]
    signed = store.signed("s1")
    assert (signed.pdf, signed.canonical_json) == (PDF, canonical_json(c))
    assert store.load_draft("d1").step == "plan"
    assert store.verify_audit().ok
    store.record_event("viewed", "Dr B", "s1")               # the chain continues
    assert store.verify_audit().events == 2
    store.close()
    if store.path is not None:         # SQLite: the version 1 file is kept, untouched
        kept = store.path.with_name(store.path.name + ".before-upgrade-v1")
        old = bare_engine(str(kept))
        assert versions(old) == [1]
        with old.connect() as conn:
            assert conn.execute(text("SELECT name FROM patients")).scalar_one() == "Zoë Ängström"
        old.dispose()
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_database_from_a_newer_mesodesk_is_refused_untouched(db_url):
    open_store(db_url).close()
    engine = bare_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version (version, description, applied_at) "
                          "VALUES (99, 'from the future', 'x')"))
    with pytest.raises(StoreError, match="newer mesodesk .records version 99"):
        open_store(db_url)
    assert versions(engine)[-1] == 99
    engine.dispose()


def test_a_failing_step_leaves_the_database_at_the_previous_version(db_url, monkeypatch):
    open_store(db_url).close()

    def broken(conn, dialect):
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed midway")

    monkeypatch.setattr(migrations, "MIGRATIONS",
                        migrations.MIGRATIONS + (migrations.Migration(99, "broken", broken),))
    monkeypatch.setattr(migrations, "LATEST", 99)
    with pytest.raises(RuntimeError, match="midway"):
        open_store(db_url)
    engine = bare_engine(db_url)
    assert versions(engine)[-1] == migrations.MIGRATIONS[-2].version
    assert "half_done" not in inspect(engine).get_table_names()    # rolled back
    engine.dispose()


def test_a_database_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    import sqlite3

    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE invoices (id INTEGER)")
    raw.commit()
    raw.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="no mesodesk records"):
        open_store(path)
    assert path.read_bytes() == before


# -- the SQLite file -----------------------------------------------------------------------

def test_the_default_records_file_is_private_and_in_wal_mode(fresh_home):
    store = open_store()
    assert store.path == fresh_home / "data" / "mesodesk.sqlite3"
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700
    store.save_draft(None, {}, "patient")
    wal = store.path.with_name(store.path.name + "-wal")
    assert stat.S_IMODE(os.stat(wal).st_mode) == 0o600
    with store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.close()


def test_an_existing_file_readable_by_others_is_made_private(tmp_path):
    path = tmp_path / "records.sqlite3"
    open_store(path).close()
    os.chmod(path, 0o644)
    open_store(path).close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize("content", [b"garbage \x00\xff" * 500, b"x"])
def test_a_corrupt_file_is_never_overwritten(tmp_path, content):
    path = tmp_path / "mesodesk.sqlite3"
    path.write_bytes(content)
    with pytest.raises(StoreError) as caught:
        open_store(path)
    message = str(caught.value)
    assert "not a mesodesk records database" in message and "untouched" in message
    assert "\n" not in message
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mesodesk.sqlite3"]


def test_a_damaged_sqlite_header_is_reported(tmp_path):
    path = tmp_path / "records.sqlite3"
    open_store(path).close()
    data = bytearray(path.read_bytes())
    data[16:24] = b"\xff" * 8              # page size and format bytes
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="damaged|not a mesodesk"):
        open_store(path)
    assert path.read_bytes() == bytes(data)
