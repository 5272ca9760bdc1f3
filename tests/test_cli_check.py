"""``mesodesk check FILE [--json]``: exit 0 ok, 1 blocked, 2 invalid input with
one sentence on stderr naming the file and the problem, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mesodesk.cli import main

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, data, name: str = "consultation.json") -> Path:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    elif isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_text(json.dumps(data), encoding="utf-8")
    return path


def all_no(jane: dict, catalogue) -> dict:
    jane["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    jane["format"] = "mesodesk-consultation/2"        # with the patient's age checked
    jane["consent"]["acknowledged"] = []
    jane["patient"]["age_check"] = {"method": "passport", "checked_by": "Dr Ana Silva",
                                    "checked_at": "2026-11-25T09:55:00+00:00"}
    return jane


def check(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def run_module(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mesodesk", "check", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)


# --- exit codes -----------------------------------------------------------------------


def test_clean_plan_exits_0(capsys, tmp_path, jane_data, catalogue):
    code, out, err = check(capsys, write(tmp_path, all_no(jane_data, catalogue)))
    assert (code, err) == (0, "")
    assert "No findings" in out


def test_warnings_are_printed_but_do_not_block(capsys, tmp_path, jane_data, catalogue):
    data = all_no(jane_data, catalogue)
    data["screening"]["answers"]["anticoagulants"] = "yes"
    code, out, err = check(capsys, write(tmp_path, data))
    assert code == 0 and err == ""
    assert "WARN" in out and "anticoagulant-bruising" in out and "needs acknowledgement" in out
    assert "R18" in out


def test_under_18_blocks_with_exit_1(capsys, tmp_path, jane_data, catalogue):
    data = all_no(jane_data, catalogue)
    data["patient"]["date_of_birth"] = "2008-11-26"   # 17 years 364 days
    code, out, err = check(capsys, write(tmp_path, data))
    assert code == 1 and err == ""
    assert "under-18" in out and "absolute" in out and "Blocked" in out


def test_written_override_releases_an_overridable_block(capsys, tmp_path, jane_data,
                                                        catalogue):
    data = all_no(jane_data, catalogue)
    data["screening"]["answers"]["active_infection_at_site"] = "yes"
    path = write(tmp_path, data)
    assert check(capsys, path)[0] == 1
    data["consent"]["overrides"] = [{"rule": "active-infection-at-site",
                                     "reason": "Cold sore on the lip; treating the neck only"}]
    code, out, _ = check(capsys, write(tmp_path, data))
    assert code == 0 and "overridden with a written reason" in out


def test_json_output_parses_and_reports_paths(capsys, tmp_path, jane_data, catalogue):
    data = all_no(jane_data, catalogue)
    data["screening"]["allergies"] = ["Lignocaine"]
    data["products"].append({"id": "lidocaine", "lot": "LD1", "expiry": "2027-01-01",
                             "volume_ml": 1.0})
    code, out, err = check(capsys, write(tmp_path, data), "--json")
    assert code == 1 and err == ""
    report = json.loads(out)
    assert report["blocked"] is True
    [finding] = report["findings"]
    assert finding["rule"] == "allergy-ingredient"
    assert finding["path"] == "screening.allergies[0]"
    assert finding["overridable"] is False and finding["resolved"] is False
    assert finding["source"]


def test_json_output_for_a_clean_plan(capsys, tmp_path, jane_data, catalogue):
    code, out, _ = check(capsys, write(tmp_path, all_no(jane_data, catalogue)), "--json")
    assert code == 0 and json.loads(out) == {"blocked": False, "findings": []}


# --- invalid input: exit 2, one line naming the file, no traceback ----------------------


def _jane(jane_data: dict, change) -> dict:
    change(jane_data)
    return jane_data


BAD_INPUTS = {
    "bad JSON": ('{"format": "mesodesk-consultation/1",', "not valid JSON"),
    "empty file": ("", "not valid JSON"),
    "binary junk": (bytes(range(256)) * 4, "not UTF-8"),
    "JSON array": ("[1, 2, 3]", "must be an object"),
    "JSON string": ('"hello"', "must be an object"),
    "NaN": (None, "NaN"),
    "deep nesting": ("[" * 50000 + "]" * 50000, "not valid JSON"),
    "duplicate key": ('{"date": "2026-11-25", "date": "2026-11-26"}', "appears twice"),
}

BAD_DOCUMENTS = {
    "wrong type": (lambda d: d["plan"].update(sessions="three"), "plan.sessions"),
    "missing key": (lambda d: d.pop("plan"), "plan: missing"),
    "unknown key": (lambda d: d.update(colour="blue"), "colour: unknown key"),
    "unknown product": (lambda d: d["products"][0].update(id="snake-oil"), "products[0].id"),
    "unknown area": (lambda d: d["areas"].append("elbow"), "areas[2]"),
    "unknown question": (lambda d: d["screening"]["answers"].update(mood="yes"),
                         "screening.answers.mood"),
    "unknown rule acknowledged": (lambda d: d["consent"].update(acknowledged=["nope"]),
                                  "consent.acknowledged[0]"),
    "unknown rule overridden": (lambda d: d["consent"].update(
        overrides=[{"rule": "made-up", "reason": "x"}]), "consent.overrides[0].rule"),
    "impossible date": (lambda d: d["products"][0].update(expiry="2026-02-30"),
                        "products[0].expiry"),
    "huge number": (lambda d: d["products"][0].update(volume_ml=10 ** 30),
                    "products[0].volume_ml"),
    "infinite number": (lambda d: d["products"][0].update(volume_ml=float("inf")), "Infinity"),
    "negative volume": (lambda d: d["products"][0].update(volume_ml=-1), "products[0].volume_ml"),
    "bad answer": (lambda d: d["screening"]["answers"].update(pregnant="maybe"),
                   "screening.answers.pregnant"),
    "unpaired surrogate": (lambda d: d["screening"].update(allergies=["\ud800"]),
                           "screening.allergies[0]"),
    "wrong format": (lambda d: d.update(format="mesodesk-consultation/9"), "format"),
}


def assert_one_clean_line(err: str, path: Path | str, expected: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("mesodesk: ")
    assert str(path) in lines[0]
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_malformed_files_exit_2(capsys, tmp_path, jane_data, name):
    content, expected = BAD_INPUTS[name]
    if content is None:
        content = json.dumps(jane_data).replace('"volume_ml": 2.0', '"volume_ml": NaN')
    path = write(tmp_path, content)
    code, out, err = check(capsys, path)
    assert code == 2 and out == ""
    assert_one_clean_line(err, path, expected)


@pytest.mark.parametrize("name", sorted(BAD_DOCUMENTS))
def test_invalid_documents_exit_2_naming_the_json_path(capsys, tmp_path, jane_data, name):
    change, expected = BAD_DOCUMENTS[name]
    text = json.dumps(_jane(jane_data, change))  # json.dumps writes inf as Infinity
    path = write(tmp_path, text)
    code, out, err = check(capsys, path, "--json")
    assert code == 2 and out == ""
    assert_one_clean_line(err, path, expected)


def test_missing_file_and_folder_exit_2(capsys, tmp_path):
    code, out, err = check(capsys, tmp_path / "nowhere.json")
    assert code == 2
    assert_one_clean_line(err, tmp_path / "nowhere.json", "no such file")
    code, out, err = check(capsys, tmp_path)
    assert code == 2
    assert_one_clean_line(err, tmp_path, "folder")


def test_file_name_with_a_null_byte_exits_2(capsys):
    code, out, err = check(capsys, "bad\x00name.json")
    assert code == 2 and out == ""
    assert_one_clean_line(err, "bad", "not a valid file name")


def test_missing_argument_exits_2_with_one_line(capsys):
    try:
        code = main(["check"])
    except SystemExit as exc:  # argparse exits from inside main()
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --- the real command line ----------------------------------------------------------------


def test_python_m_mesodesk_check_exit_codes(tmp_path, jane_data, catalogue):
    data = all_no(jane_data, catalogue)
    ok = run_module(write(tmp_path, data, "ok.json"))
    assert ok.returncode == 0, ok.stderr
    assert "No findings" in ok.stdout and ok.stderr == ""

    data["screening"]["answers"]["pregnant"] = "yes"
    blocked = run_module(write(tmp_path, data, "blocked.json"), "--json")
    assert blocked.returncode == 1, blocked.stderr
    report = json.loads(blocked.stdout)
    assert report["blocked"] and report["findings"][0]["rule"] == "pregnancy-injectable"

    junk = write(tmp_path, os.urandom(64) + b"\xff", "junk.json")
    invalid = run_module(junk)
    assert invalid.returncode == 2 and invalid.stdout == ""
    assert_one_clean_line(invalid.stderr, junk, "not UTF-8")

    folder = run_module(tmp_path)
    assert folder.returncode == 2
    assert_one_clean_line(folder.stderr, tmp_path, "folder")
