"""``mesodesk import FILE...``: signed consultation files become signed records,
through the same path as the window (pack built, record signed, audited)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mesodesk.cli import main
from mesodesk.domain import canonical_json, fingerprint, load
from mesodesk.storage import open_store

DATA = Path(__file__).parent / "data"
SIGNED = DATA / "pack_hair_dutasteride.json"   # signed on screen, every finding resolved


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def signed_data() -> dict:
    return json.loads(SIGNED.read_text(encoding="utf-8"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def stored_ids(out: str) -> list[str]:
    return re.findall(r"stored as signed consultation (\S+) ", out)


def test_import_stores_a_signed_record_with_its_pack_and_audit(db_url, capsys, catalogue):
    code, out, err = run(capsys, "import", str(SIGNED), "--database", db_url)
    assert (code, err) == (0, "")
    [cid] = stored_ids(out)
    consultation = load(SIGNED)
    with open_store(db_url) as store:
        record = store.signed(cid)
        assert record.fingerprint == fingerprint(consultation)
        assert record.canonical_json == canonical_json(consultation)
        assert record.practitioner == consultation.practitioner.name
        events = store.audit_events(cid)
        assert [e.kind for e in events][:1] == ["signed"]
        overridden = [json.loads(e.detail)["rule"] for e in events if e.kind == "overridden"]
        assert overridden == [o.rule for o in consultation.consent.overrides]
        assert store.verify_audit().ok
        [patient] = store.search_patients(consultation.patient.name)
        assert [c.id for c in store.consultations_for(patient.id)] == [cid]
    from mesodesk.pack import verify_pack
    from mesodesk.pack.verification import check_seal, installation_trust

    # the stored pack is the pack of this file, sealed with this installation's key
    seal = check_seal(record.pdf, installation_trust())
    assert (seal.present, seal.intact, seal.trusted, seal.problem) == (True, True, True, "")
    result = verify_pack(record.pdf, catalogue)
    assert result.ok and result.fingerprint == record.fingerprint


def test_import_then_recall_finds_the_patient(db_url, capsys):
    """On each backend: every lot of an imported file leads back to its patient."""
    assert run(capsys, "import", str(SIGNED), "--database", db_url)[0] == 0
    consultation = load(SIGNED)
    for use in consultation.products:
        code, out, _err = run(capsys, "recall", use.lot, "--json", "--database", db_url)
        assert code == 0
        [entry] = json.loads(out)["consultations"]
        assert entry["patient"]["name"] == consultation.patient.name
        assert (entry["product"], entry["lot"]) == (use.id, use.lot)


def test_import_refuses_an_unsigned_file_naming_it(tmp_path, capsys):
    data = signed_data()
    data["consent"]["signatures"] = []
    path = write(tmp_path, "unsigned.json", data)
    db = tmp_path / "records.sqlite3"
    code, out, err = run(capsys, "import", str(path), "--database", str(db))
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"mesodesk: {path}: not signed")
    with open_store(db) as store:
        assert store.search_patients(data["patient"]["name"]) == []


def test_import_refuses_a_blocked_file_naming_the_finding(tmp_path, capsys):
    data = signed_data()
    data["patient"]["date_of_birth"] = "2012-01-01"   # under 18: an absolute block
    path = write(tmp_path, "young.json", data)
    db = tmp_path / "records.sqlite3"
    code, _out, err = run(capsys, "import", str(path), "--database", str(db))
    assert code == 1
    assert err.startswith(f"mesodesk: {path}: blocked: ")
    assert "(under-18)" in err
    with open_store(db) as store:
        assert store.search_patients(data["patient"]["name"]) == []


def test_each_file_is_independent_and_the_worst_outcome_sets_the_exit_code(tmp_path, capsys):
    unsigned = signed_data()
    unsigned["consent"]["signatures"] = []
    other = signed_data()
    other["patient"]["name"] = "Maeve Byrne"
    files = [write(tmp_path, "unsigned.json", unsigned), tmp_path / "missing.json",
             SIGNED, write(tmp_path, "maeve.json", other)]
    db = tmp_path / "records.sqlite3"
    code, out, err = run(capsys, "import", *map(str, files), "--database", str(db))
    assert code == 2                       # a file could not be read
    assert len(stored_ids(out)) == 2
    assert "Imported 2 of 4 file(s); 2 refused." in out
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert str(files[0]) in lines[0] and "not signed" in lines[0]
    assert str(files[1]) in lines[1] and "no such file" in lines[1]
    with open_store(db) as store:
        assert len(store.search_patients("Maeve Byrne")) == 1


def test_importing_the_same_file_twice_stores_it_once(tmp_path, capsys):
    db = tmp_path / "records.sqlite3"
    assert run(capsys, "import", str(SIGNED), "--database", str(db))[0] == 0
    code, out, err = run(capsys, "import", str(SIGNED), "--database", str(db))
    assert code == 1 and out == ""
    assert "already stored" in err and str(SIGNED) in err
    with open_store(db) as store:
        [patient] = store.search_patients(load(SIGNED).patient.name)
        assert len(store.consultations_for(patient.id)) == 1


@pytest.mark.parametrize("argv", [["import"], ["import", "--paper", "a5", "x.json"]])
def test_usage_errors_are_one_line(argv, capsys):
    code, _out, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1


def test_overrides_are_audited_with_the_signing(tmp_path, capsys):
    """A signed file whose block was overridden in writing: the 'signed' event and one
    'overridden' event per override, stored together."""
    data = json.loads((DATA / "pack_dca_submental.json").read_text(encoding="utf-8"))
    data["consent"]["signatures"] = [{"role": "patient", "name": data["patient"]["name"],
                                      "signed_at": "2026-11-25T10:30:00+00:00"}]
    path = write(tmp_path, "dca.json", data)
    db = tmp_path / "records.sqlite3"
    code, out, err = run(capsys, "import", str(path), "--database", str(db))
    assert (code, err) == (0, "")
    [cid] = stored_ids(out)
    with open_store(db) as store:
        events = store.audit_events(cid)
        kinds = [e.kind for e in events]
        assert kinds[0] == "signed"
        assert [json.loads(e.detail)["rule"] for e in events if e.kind == "overridden"] == [
            o["rule"] for o in data["consent"]["overrides"]]
        assert store.verify_audit().ok
