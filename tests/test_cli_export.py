"""``mesodesk export``: writes the pack only when every finding is resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from mesodesk.cli import main

DATA = Path(__file__).parent / "data"


def write(tmp_path: Path, data: dict, name: str = "c.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def resolved_data() -> dict:
    return json.loads((DATA / "pack_txa_melasma.json").read_text(encoding="utf-8"))


def test_export_writes_a_verifiable_a4_pack(tmp_path, capsys):
    out = tmp_path / "pack.pdf"
    assert main(["export", str(DATA / "pack_txa_melasma.json"), "-o", str(out)]) == 0
    assert "Wrote" in capsys.readouterr().out
    box = PdfReader(out).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert main(["verify", str(out)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"], "no temporary file left"


def test_export_letter_paper(tmp_path):
    out = tmp_path / "pack.pdf"
    code = main(["export", str(DATA / "pack_txa_melasma.json"), "-o", str(out),
                 "--paper", "letter"])
    assert code == 0
    box = PdfReader(out).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_export_refuses_an_unacknowledged_warning_and_writes_nothing(resolved_data, tmp_path,
                                                                     capsys):
    resolved_data["consent"]["acknowledged"] = []
    src = write(tmp_path, resolved_data)
    out = tmp_path / "pack.pdf"
    assert main(["export", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "WARN  off-label (needs acknowledgement)" in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]


def test_export_refuses_an_absolute_block_even_with_an_override(resolved_data, tmp_path,
                                                               capsys):
    resolved_data["patient"]["date_of_birth"] = "2010-06-01"  # 16 on the consultation date
    resolved_data["consent"]["overrides"] = [{"rule": "under-18", "reason": "parent agrees"}]
    src = write(tmp_path, resolved_data)
    out = tmp_path / "pack.pdf"
    assert main(["export", str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "BLOCK under-18 (absolute: cannot be overridden)" in err
    assert not out.exists()


def test_export_refuses_an_overridable_block_without_override(tmp_path, capsys):
    data = json.loads((DATA / "pack_dca_submental.json").read_text(encoding="utf-8"))
    data["consent"]["overrides"] = []
    out = tmp_path / "pack.pdf"
    assert main(["export", str(write(tmp_path, data)), "-o", str(out)]) == 1
    assert "(needs a written override reason)" in capsys.readouterr().err
    assert not out.exists()


def test_export_keeps_an_existing_file_when_refusing(resolved_data, tmp_path):
    resolved_data["consent"]["acknowledged"] = []
    out = tmp_path / "pack.pdf"
    out.write_bytes(b"previous pack")
    assert main(["export", str(write(tmp_path, resolved_data)), "-o", str(out)]) == 1
    assert out.read_bytes() == b"previous pack"


@pytest.mark.parametrize("change, words", [
    ({"products": [{"id": "no-such-product", "expiry": "2027-01-01", "volume_ml": 1}]},
     "unknown product 'no-such-product'"),
    ({"date": "2026-02-30"}, "date"),
    ({"format": "something-else/9"}, "format"),
])
def test_export_invalid_input_exits_2_with_one_sentence(resolved_data, tmp_path, capsys,
                                                        change, words):
    resolved_data.update(change)
    out = tmp_path / "pack.pdf"
    assert main(["export", str(write(tmp_path, resolved_data)), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_export_not_json_and_missing_file_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    out = tmp_path / "pack.pdf"
    assert main(["export", str(bad), "-o", str(out)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()


def test_export_to_a_missing_folder_exits_2(tmp_path, capsys):
    out = tmp_path / "no" / "such" / "pack.pdf"
    assert main(["export", str(DATA / "pack_txa_melasma.json"), "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_export_damaged_signature_exits_2_without_writing(resolved_data, tmp_path, capsys):
    resolved_data["consent"]["signatures"] = [{
        "role": "patient", "name": "Анна Иванова", "signed_at": "2026-11-25T10:00:00Z",
        "image_png_base64": "aGVsbG8="}]
    out = tmp_path / "pack.pdf"
    assert main(["export", str(write(tmp_path, resolved_data)), "-o", str(out)]) == 2
    assert "not a PNG image" in capsys.readouterr().err
    assert not out.exists()


def test_export_crash_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    """If writing fails midway, neither the pack nor a temporary file remains."""
    import os

    real_fsync = os.fsync

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    out = tmp_path / "pack.pdf"
    code = main(["export", str(DATA / "pack_txa_melasma.json"), "-o", str(out)])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert code == 2
    assert list(tmp_path.iterdir()) == []


def test_export_never_overwrites_the_consultation_file(resolved_data, tmp_path, capsys):
    src = write(tmp_path, resolved_data)
    before = src.read_bytes()
    assert main(["export", str(src), "-o", str(src)]) == 2
    assert "is the consultation file itself" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_export_refuses_text_the_font_cannot_print(resolved_data, tmp_path, capsys):
    resolved_data["patient"]["name"] = "王芳"
    out = tmp_path / "pack.pdf"
    assert main(["export", str(write(tmp_path, resolved_data)), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "patient.name: has characters the pack's font cannot print (王芳)" in err
    assert err.count("\n") == 1 and not out.exists()
