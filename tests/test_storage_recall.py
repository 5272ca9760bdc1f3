"""Recall by lot: every patient and current signed consultation that received a
lot, matched trimmed and case-insensitively, through an index; on SQLite and
PostgreSQL, and through ``mesodesk recall``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine

from mesodesk.cli import main
from mesodesk.domain import fingerprint
from mesodesk.storage import StoreError, open_store

PDF = b"%PDF-1.7\n% pack\n%%EOF\n"
HA = "hyaluronic-acid-non-crosslinked"


@pytest.fixture
def store(db_url):
    s = open_store(db_url)
    yield s
    s.close()


def product(lot, pid=HA):
    return {"id": pid, "lot": lot, "expiry": "2027-05-31", "volume_ml": 1.0}


def sign(store, make_consultation, name, date, lots, patient_id=None, draft_id=None):
    c = make_consultation({"patient": {"name": name}, "date": date,
                           "products": [product(lot) for lot in lots]})
    return store.sign(draft_id, c, PDF, fingerprint(c), "Dr Ana Silva", patient_id=patient_id)


def test_recall_lists_every_patient_and_consultation_that_received_the_lot(
        store, make_consultation):
    jane = sign(store, make_consultation, "Jane O'Hara", "2026-11-25", ["HA24A17"])
    zoe = sign(store, make_consultation, "Zoë Ängström", "2026-10-01", ["XX1", "ha24a17 "])
    sign(store, make_consultation, "Ann Smith", "2026-11-26", ["HA24A170", "HA24A1"])
    store.save_draft(None, {"patient": {"name": "Draft Only"},
                            "products": [product("HA24A17")]}, "plan")
    found = store.recall("  Ha24a17 ")
    assert [(e.patient_name, e.date.isoformat(), e.consultation_id, e.lot) for e in found] == [
        ("Zoë Ängström", "2026-10-01", zoe, "ha24a17"),       # oldest first, lot as written
        ("Jane O'Hara", "2026-11-25", jane, "HA24A17")]
    entry = found[1]
    assert (entry.phone, entry.email, entry.product_id) == ("+44 7700 900123",
                                                            "jane@example.org", HA)
    assert entry.to_json()["patient"]["date_of_birth"] == "1986-03-14"
    assert store.recall("nothing-like-it") == []
    with pytest.raises(StoreError, match="give a lot number"):
        store.recall("   ")


def test_a_lot_corrected_in_a_new_version_is_recalled_by_the_new_version_only(
        store, make_consultation):
    first = sign(store, make_consultation, "Jane O'Hara", "2026-11-25", ["WRONG1"])
    draft = store.new_version(first, "Dr Ana Silva")
    data = store.load_draft(draft).data
    data["products"][0]["lot"] = "RIGHT1"
    from mesodesk.domain import from_data

    c = from_data(data)
    second = store.sign(draft, c, PDF, fingerprint(c), "Dr Ana Silva")
    assert store.recall("wrong1") == []
    [entry] = store.recall("right1")
    assert entry.consultation_id == second
    assert entry.patient_id == store.signed(first).patient_id


def test_the_lots_of_a_signed_consultation_cannot_be_changed(store, make_consultation):
    sign(store, make_consultation, "Jane O'Hara", "2026-11-25", ["HA24A17"])
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(store.url)
    try:
        for statement in ("UPDATE lots SET lot_key = 'other'", "DELETE FROM lots"):
            with pytest.raises(DBAPIError):
                with engine.begin() as conn:
                    conn.execute(text(statement))
    finally:
        engine.dispose()
    assert len(store.recall("HA24A17")) == 1


def test_recall_uses_the_lot_index(sqlite_store, make_consultation):
    """Fast over 100,000 records because the lot is found through its index, not
    by reading every consultation (benchmarks/bench_recall.py measures it)."""
    from mesodesk.storage import schema
    from mesodesk.storage.signing import SigningRepository

    sign(sqlite_store, make_consultation, "Jane O'Hara", "2026-11-25", ["HA24A17"])
    captured = []
    with sqlite_store._engine.connect() as conn:
        from sqlalchemy import event

        @event.listens_for(conn, "before_cursor_execute")
        def keep(_conn, _cursor, statement, parameters, _context, _many):
            captured.append((statement, parameters))

        SigningRepository(conn).recall("ha24a17")
        [(statement, parameters)] = [c for c in captured if "lots" in c[0]]
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters).all())
    assert "lots USING INDEX lots_lot_key (lot_key=?)" in plan, plan
    assert "SCAN consultations" not in plan and "SCAN patients" not in plan, plan
    # a consultation's own row (which holds its PDF) is not read for each match
    assert "sqlite_autoindex_consultations" not in plan, plan
    assert schema.lots.c.lot_key.name == "lot_key"


# -- the command line ------------------------------------------------------------------

def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_recall_command_prints_the_patients_and_json(capsys, db_url, make_consultation):
    with open_store(db_url) as store:
        jane = sign(store, make_consultation, "Jane O'Hara", "2026-11-25", ["HA24A17"])
    code, out, _ = run(capsys, "recall", "ha24a17", "--database", db_url)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "Lot ha24a17: 1 consultation, 1 patient."
    assert "2026-11-25  Jane O'Hara (born 1986-03-14; +44 7700 900123, jane@example.org)" \
        in lines[1] and jane in lines[1]
    code, out, _ = run(capsys, "recall", " HA24A17 ", "--json", "--database", db_url)
    data = json.loads(out)
    assert code == 0 and data["count"] == 1
    assert data["consultations"][0]["consultation_id"] == jane
    assert data["consultations"][0]["patient"]["name"] == "Jane O'Hara"
    code, out, _ = run(capsys, "recall", "NONE", "--database", db_url)
    assert (code, out.strip()) == (1, "No signed consultation used lot NONE.")


def test_recall_command_errors_are_one_sentence(capsys, tmp_path):
    code, _, err = run(capsys, "recall", "X", "--database", str(tmp_path / "none.sqlite3"))
    assert code == 2 and "no records database" in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "recall", "  ", "--database", str(tmp_path / "none.sqlite3"))
    assert code == 2 and "lot number" in err


def test_a_consultation_imported_from_a_file_is_found_by_recall(capsys, fresh_home,
                                                                monkeypatch):
    """``mesodesk import`` then ``mesodesk recall``, both on the records the settings
    name, as a clinic would after a manufacturer's recall notice."""
    from pathlib import Path

    from mesodesk.ui.settings import Settings

    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    settings = Settings()
    settings.database_url = str(fresh_home / "clinic.sqlite3")
    settings.sync()
    signed = Path(__file__).parent / "data" / "pack_hair_dutasteride.json"
    assert run(capsys, "import", str(signed))[0] == 0
    code, out, _ = run(capsys, "recall", "dut0426", "--json")
    assert code == 0
    [entry] = json.loads(out)["consultations"]
    assert (entry["patient"]["name"], entry["date"], entry["product"], entry["lot"]) == (
        "Tomás Ó Briain", "2026-11-25", "dutasteride", "DUT0426")
    with open_store(fresh_home / "clinic.sqlite3") as store:
        assert store.signed(entry["consultation_id"]).fingerprint
