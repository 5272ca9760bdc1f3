"""``mesodesk backup``, ``restore`` and ``audit verify`` through the command line."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from mesodesk.cli import main
from mesodesk.domain import fingerprint
from mesodesk.storage import open_store

PDF = b"%PDF-1.7\n% pack\n%%EOF\n"
GARBAGE = b"this is not a database, just bytes \x00\xff" * 100


@pytest.fixture
def db(tmp_path, make_consultation):
    """A records file with a signed consultation, a draft and some events; the
    store stays open (its last writes may still be in the WAL file)."""
    path = tmp_path / "records.sqlite3"
    store = open_store(path)
    c = make_consultation()
    cid = store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")
    store.save_draft(None, {"patient": {"name": "Zoë"}}, "patient")
    store.record_event("printed", "Dr Ana Silva", cid)
    yield path, cid
    store.close()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_audit_verify_reports_an_intact_trail(capsys, db):
    path, _ = db
    code, out, _ = run(capsys, "audit", "verify", "--database", str(path))
    assert code == 0
    assert out.strip() == "OK: audit trail intact: 3 events."


def test_audit_verify_uses_the_default_records(capsys, db, monkeypatch):
    path, _ = db
    monkeypatch.setenv("MESODESK_DATABASE_URL", f"sqlite:///{path}")
    assert run(capsys, "audit", "verify")[0] == 0


def test_audit_verify_names_the_first_broken_event(capsys, db):
    path, _ = db
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER audit_events_no_update")
    raw.execute("UPDATE audit_events SET practitioner = 'Someone else' WHERE seq = 2")
    raw.commit()
    raw.close()
    code, out, _ = run(capsys, "audit", "verify", "--database", str(path))
    assert code == 1
    assert "event 2: was altered after it was written" in out


@pytest.mark.parametrize("command", [["audit", "verify", "--database"], ["backup", "OUT"]])
def test_a_garbage_database_is_one_sentence_exit_2_and_untouched(capsys, tmp_path, command):
    path = tmp_path / "records.sqlite3"
    path.write_bytes(GARBAGE)
    argv = [a.replace("OUT", str(tmp_path / "b.sqlite3")) for a in command]
    argv = argv + [str(path)] if argv[-1] == "--database" else argv + ["--database", str(path)]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "not a mesodesk records database" in one_line(err)
    assert path.read_bytes() == GARBAGE
    assert not (tmp_path / "b.sqlite3").exists()


def test_audit_verify_of_a_missing_database_is_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "audit", "verify", "--database", str(tmp_path / "none.sqlite3"))
    assert code == 2 and "no records database" in one_line(err)
    assert not (tmp_path / "none.sqlite3").exists()


def test_backup_copies_everything_even_what_is_still_in_the_wal(capsys, db, tmp_path):
    path, cid = db
    out_file = tmp_path / "backups" / "monday.sqlite3"
    out_file.parent.mkdir()
    assert (tmp_path / "records.sqlite3-wal").stat().st_size > 0
    code, out, _ = run(capsys, "backup", str(out_file), "--database", str(path))
    assert code == 0
    assert "1 signed consultation, 1 draft, 3 audit events" in out
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    assert not (out_file.parent / "monday.sqlite3-wal").exists()   # one self-contained file
    with open_store(out_file) as copy:
        assert copy.signed(cid).pdf == PDF
        assert copy.verify_audit().events == 3


def test_backup_does_not_overwrite_without_force(capsys, db, tmp_path):
    path, _ = db
    out_file = tmp_path / "b.sqlite3"
    out_file.write_bytes(b"keep me")
    code, _, err = run(capsys, "backup", str(out_file), "--database", str(path))
    assert code == 2 and "already exists" in one_line(err)
    assert out_file.read_bytes() == b"keep me"
    assert run(capsys, "backup", str(out_file), "--database", str(path), "--force")[0] == 0
    assert out_file.read_bytes().startswith(b"SQLite format 3")


def test_backup_of_a_postgres_server_explains_pg_dump(capsys):
    code, _, err = run(capsys, "backup", "x.dump", "--database",
                       "postgresql://clinic:secret@db.example/mesodesk")
    assert code == 2
    line = one_line(err)
    assert "pg_dump" in line and "secret" not in line


def test_restore_replaces_the_records_and_keeps_the_old_file(capsys, db, tmp_path):
    path, cid = db
    backup_file = tmp_path / "b.sqlite3"
    assert run(capsys, "backup", str(backup_file), "--database", str(path))[0] == 0
    with open_store(path) as store:      # work done after the backup
        later = store.save_draft(None, {"patient": {"name": "Later"}}, "patient")
    code, out, _ = run(capsys, "restore", str(backup_file), "--database", str(path))
    assert code == 0
    kept = tmp_path / "records.sqlite3.before-restore"
    assert f"kept in {kept}" in out
    with open_store(path) as store:
        assert later not in [d.id for d in store.drafts()]
        assert store.signed(cid).pdf == PDF
        report = store.verify_audit()
        assert report.ok and store.audit_events()[-1].kind == "restored"
    with open_store(kept) as old:
        assert later in [d.id for d in old.drafts()]


@pytest.mark.parametrize("damage", ["garbage", "broken-chain", "truncated"])
def test_a_bad_backup_never_replaces_the_records(capsys, db, tmp_path, damage):
    path, _ = db
    backup_file = tmp_path / "b.sqlite3"
    assert run(capsys, "backup", str(backup_file), "--database", str(path))[0] == 0
    if damage == "garbage":
        backup_file.write_bytes(GARBAGE)
        expected = "not a mesodesk records database"
    elif damage == "truncated":
        data = backup_file.read_bytes()
        backup_file.write_bytes(data[: len(data) // 2])
        expected = "damaged"
    else:
        raw = sqlite3.connect(backup_file)
        raw.execute("DROP TRIGGER audit_events_no_delete")
        raw.execute("DELETE FROM audit_events WHERE seq = 1")
        raw.commit()
        raw.close()
        expected = "audit trail is broken at event 1"
    before = path.read_bytes()
    code, _, err = run(capsys, "restore", str(backup_file), "--database", str(path))
    assert code == 2
    assert expected in one_line(err)
    assert path.read_bytes() == before
    assert not (tmp_path / "records.sqlite3.before-restore").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_restore_over_a_corrupt_database_keeps_the_corrupt_file(capsys, db, tmp_path):
    path, cid = db
    backup_file = tmp_path / "b.sqlite3"
    assert run(capsys, "backup", str(backup_file), "--database", str(path))[0] == 0
    for side in ("-wal", "-shm"):
        (tmp_path / f"records.sqlite3{side}").unlink(missing_ok=True)
    path.write_bytes(GARBAGE)
    assert run(capsys, "restore", str(backup_file), "--database", str(path))[0] == 0
    assert (tmp_path / "records.sqlite3.before-restore").read_bytes() == GARBAGE
    with open_store(path) as store:
        assert store.signed(cid).pdf == PDF
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_audit_verify_on_each_backend(capsys, db_url):
    with open_store(db_url) as store:
        store.record_event("viewed", "Dr A", "c1")
        store.record_event("printed", "Dr A", "c1")
    code, out, _err = run(capsys, "audit", "verify", "--database", db_url)
    assert (code, out.strip()) == (0, "OK: audit trail intact: 2 events.")


def test_restore_onto_a_postgres_server_points_to_pg_restore(capsys, tmp_path):
    code, _, err = run(capsys, "restore", str(tmp_path / "b.sqlite3"), "--database",
                       "postgresql://clinic@db.example/mesodesk")
    assert code == 2 and "pg_restore" in one_line(err)


def test_restore_of_a_missing_backup_is_one_sentence(capsys, db, tmp_path):
    path, _ = db
    before = path.read_bytes()
    code, _, err = run(capsys, "restore", str(tmp_path / "nope.sqlite3"), "--database", str(path))
    assert code == 2 and "no such file" in one_line(err)
    assert path.read_bytes() == before


def test_backup_copies_the_seal_key_and_restore_puts_it_back(capsys, db, tmp_path,
                                                              fresh_home):
    from mesodesk.pack.seal import installation_key, key_path

    path, _ = db
    installation_key("Riverside Aesthetics")          # the key that seals every pack
    key = key_path().read_bytes()
    out_file = tmp_path / "monday.sqlite3"
    code, out, _ = run(capsys, "backup", str(out_file), "--database", str(path))
    assert code == 0
    copy = tmp_path / "monday.sqlite3.seal.pem"
    assert copy.read_bytes() == key and f"seal key is copied to {copy}" in out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600         # a private key: owner only

    # a second backup of the same name leaves both files alone without --force
    code, _, err = run(capsys, "backup", str(out_file), "--database", str(path))
    assert code == 2 and "already exists" in one_line(err)

    # a new installation (no key yet) gets the same key back with the records
    key_path().unlink()
    code, out, _ = run(capsys, "restore", str(out_file), "--database",
                       str(tmp_path / "new.sqlite3"))
    assert code == 0 and "seal key is restored" in out
    assert key_path().read_bytes() == key
    assert stat.S_IMODE(key_path().stat().st_mode) == 0o600


def test_a_backup_before_any_pack_was_sealed_has_no_key_file(capsys, db, tmp_path, fresh_home):
    path, _ = db
    out_file = tmp_path / "b.sqlite3"
    code, out, _ = run(capsys, "backup", str(out_file), "--database", str(path))
    assert code == 0 and "seal key" not in out
    assert not (tmp_path / "b.sqlite3.seal.pem").exists()
