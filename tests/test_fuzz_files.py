"""Malformed consultation files: ``check`` and ``export`` answer with an exit code
and, for invalid input, one plain sentence on stderr; never a traceback, never an
"internal error", and ``export`` writes nothing unless it succeeds.

The files are mutations of the valid examples in ``tests/data`` (wrong types,
missing and unknown keys, awkward numbers and dates, truncation, byte flips).
Some mutations happen to stay valid (a flipped letter inside a name); for those
the command may succeed, and then the pack it wrote must verify.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from mesodesk.cli import main
from tests.conftest import open_file_in

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
EXAMPLES = sorted(p.name for p in DATA.glob("*.json"))
# The pack_*.json examples have every finding resolved, so a valid mutation exports.
RESOLVED = [name for name in EXAMPLES if name.startswith("pack_")]



def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def original(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every JSON path in ``value`` (as key/index tuples), the root excluded."""
    out: list[tuple] = []
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        out.append(prefix + (key,))
        out += paths(item, prefix + (key,))
    return out


def parent_of(data: Any, path: tuple) -> Any:
    for key in path[:-1]:
        data = data[key]
    return data


# Values that are wrong somewhere: other JSON types, out-of-range and awkward
# numbers, impossible or oddly written dates, text where ids belong.
# Integers beyond the float range are left to test_huge_integers_* below.
NASTY = st.one_of(
    st.sampled_from([
        None, True, False, 0, -1, -0.5, 1e308, -1e308, 5e-324, 2**53 + 1, 1.5, 41, 101,
        "", " ", "yes", "maybe", "1", "-1", "2.0", "NaN", "Infinity",
        "2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10", "0000-01-01", "9999-12-31",
        "2026-1-5", "20261125", "2026-W48-3", "2026-11-25T10:00", "25/11/2026", "2026-11-25 ",
        "Skin Rejuvenation", "face ", "FACE", "hyaluronic_acid", "\u0000", "\ud800", "\U0001F600",
        "x" * 10_000, [], [None], [[]], ["face", "face"], {}, {"": None}, {"id": 1},
        {"rule": "", "reason": ""},
    ]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)


@st.composite
def structural(draw: st.DrawFn, names: list[str]) -> tuple[str, bytes]:
    """A valid example with one structural change, as file bytes."""
    name = draw(st.sampled_from(names))
    data = original(name)
    path = draw(st.sampled_from(paths(data)))
    holder = parent_of(data, path)
    action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add", "wrap"]))
    if action == "replace":
        holder[path[-1]] = draw(NASTY)
    elif action == "delete":
        del holder[path[-1]]
    elif action == "wrap":
        holder[path[-1]] = [holder[path[-1]]] if draw(st.booleans()) else {"value":
                                                                             holder[path[-1]]}
    else:
        target = holder[path[-1]] if isinstance(holder[path[-1]], dict) else data
        target[draw(st.sampled_from(["colour", "Date", "patient ", "", "__proto__"]))] = draw(
            NASTY)
    return f"{name} {action} {path}", json.dumps(data, ensure_ascii=draw(st.booleans())).encode(
        "utf-8", "surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


@st.composite
def textual(draw: st.DrawFn, names: list[str]) -> tuple[str, bytes]:
    """A valid example's bytes truncated, with bytes flipped, inserted or deleted
    (anywhere, signature images included)."""
    name = draw(st.sampled_from(names))
    raw = (DATA / name).read_bytes()
    action = draw(st.sampled_from(["truncate", "flip", "flip", "insert", "delete"]))
    at = draw(st.integers(min_value=0, max_value=len(raw) - 1))
    if action == "truncate":
        mutated = raw[:at]
    elif action == "flip":
        mutated = raw[:at] + bytes([raw[at] ^ (1 << draw(st.integers(0, 7)))]) + raw[at + 1:]
    elif action == "insert":
        mutated = raw[:at] + draw(st.binary(min_size=1, max_size=4)) + raw[at:]
    else:
        mutated = raw[:at] + raw[at + draw(st.integers(1, 40)):]
    return f"{name} {action} at {at}", mutated


def mutated_file(names: list[str]) -> st.SearchStrategy[tuple[str, bytes]]:
    return st.one_of(structural(names), textual(names))


def assert_clean_outcome(code: int, out: str, err: str, source: Path, command: str) -> None:
    """The contract every command keeps, whatever the file holds."""
    assert code in (0, 1, 2), f"exit {code}: {err}"
    assert "Traceback" not in out + err and "internal error" not in err, err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and err.endswith("\n"), err
        assert lines[0].startswith("mesodesk: ") and str(source) in lines[0], err
        assert out == ""
    if command == "check" and code in (0, 1):
        assert err == ""


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse would exit from inside main(); it must not here
        pytest.fail(f"main() raised SystemExit({exc.code})")
    out, err = capsys.readouterr()
    return code, out, err


@fuzz(400)
@given(case=mutated_file(EXAMPLES))
@example(case=("truncated to one brace", b"{"))
@example(case=("date 2026-02-30", json.dumps({**original("jane.json"),
                                              "date": "2026-02-30"}).encode()))
def test_check_never_crashes_on_a_mutated_file(case, tmp_path_factory, capsys):
    label, content = case
    folder = tmp_path_factory.mktemp("check")
    source = folder / "consultation.json"
    source.write_bytes(content)
    code, out, err = run_cli(capsys, "check", str(source))
    assert_clean_outcome(code, out, err, source, "check")
    assert sorted(p.name for p in folder.iterdir()) == ["consultation.json"]


@fuzz(60)
@given(case=mutated_file(RESOLVED))
@example(case=("negative volume", json.dumps(
    {**original("pack_txa_melasma.json"), "products": [
        {**original("pack_txa_melasma.json")["products"][0], "volume_ml": -2.0}]}).encode()))
def test_export_never_crashes_and_writes_only_a_whole_verified_pack(case, tmp_path_factory,
                                                                    capsys):
    from mesodesk.pack import verify_pack
    from mesodesk.catalogue import default_catalogue

    label, content = case
    folder = tmp_path_factory.mktemp("export")
    source = folder / "consultation.json"
    source.write_bytes(content)
    out_dir = tmp_path_factory.mktemp("out")
    target = out_dir / "pack.pdf"
    code, out, err = run_cli(capsys, "export", str(source), "-o", str(target))
    assert_clean_outcome(code, out, err, source, "export")
    written = sorted(p.name for p in out_dir.iterdir())
    if code == 0:
        assert written == ["pack.pdf"], "the pack and nothing else (no temporary file)"
        assert verify_pack(target.read_bytes(), default_catalogue()).ok
    else:
        assert written == [], f"{label}: exit {code} but wrote {written}"
    assert source.read_bytes() == content, "the consultation file is never changed"


INT_FIELDS = [("delivery", "needle_gauge"), ("plan", "sessions"),
              ("consent", "cooling_off_days"), ("products", "injections")]


@pytest.mark.parametrize("section, key", INT_FIELDS)
def test_huge_integers_are_invalid_input_not_an_internal_error(tmp_path, capsys, section, key):
    for sign in (1, -1):
        data = original("pack_txa_melasma.json")
        holder = data["products"][0] if section == "products" else data[section]
        holder[key] = sign * 10**400
        source = tmp_path / "consultation.json"
        source.write_text(json.dumps(data), encoding="utf-8")
        out_dir = tmp_path / "out"
        out_dir.mkdir(exist_ok=True)
        path = f"products[0].{key}" if section == "products" else f"{section}.{key}"
        for args in (["check", str(source)],
                     ["export", str(source), "-o", str(out_dir / "pack.pdf")]):
            code, out, err = run_cli(capsys, *args)
            assert code == 2, err
            assert_clean_outcome(code, out, err, source, args[0])
            assert path in err
            assert list(out_dir.iterdir()) == []


def test_a_signature_image_with_damaged_data_is_invalid_input(tmp_path, capsys):
    """Found by the export fuzz above (exit 3, OSError while drawing); fixed in the pack."""
    import base64

    data = original("pack_hair_dutasteride.json")
    signature = data["consent"]["signatures"][0]
    raw = bytearray(base64.b64decode(signature["image_png_base64"]))
    raw[raw.index(b"IDAT") + 40] ^= 0x10          # one bit inside the compressed pixels
    signature["image_png_base64"] = base64.b64encode(bytes(raw)).decode()
    source = tmp_path / "consultation.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, err = run_cli(capsys, "export", str(source), "-o", str(out_dir / "pack.pdf"))
    assert code == 2, err
    assert_clean_outcome(code, out, err, source, "export")
    assert "consent.signatures[0].image_png_base64" in err
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("key", ["p\rofession", "x\ny", "x\x1b[2Jy", "x\x85y"])
def test_a_key_with_control_characters_is_reported_on_one_printable_line(tmp_path, capsys,
                                                                         key):
    data = original("pack_txa_melasma.json")
    data["practitioner"][key] = "doctor"
    source = tmp_path / "consultation.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(source))
    assert code == 2
    assert_clean_outcome(code, out, err, source, "check")
    assert err[:-1].isprintable(), repr(err)
    assert "unknown key" in err


@pytest.mark.parametrize("value", [None, 20261125, "absent"])
def test_a_signature_without_a_time_is_invalid_input(tmp_path, capsys, value):
    data = original("pack_hair_dutasteride.json")
    signature = data["consent"]["signatures"][0]
    if value == "absent":
        del signature["signed_at"]
    else:
        signature["signed_at"] = value
    source = tmp_path / "consultation.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = run_cli(capsys, "check", str(source))
    assert code == 2, err
    assert_clean_outcome(code, out, err, source, "check")
    assert "consent.signatures[0].signed_at" in err


# --- the real command line, in a fresh process ----------------------------------------------

def run_module(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mesodesk", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def _truncated() -> bytes:
    raw = (DATA / "pack_txa_melasma.json").read_bytes()
    return raw[: len(raw) // 2]


def _flipped() -> bytes:
    raw = bytearray((DATA / "pack_txa_melasma.json").read_bytes())
    raw[raw.index(b'"volume_ml"') + 1] ^= 0x80     # a non-UTF-8 byte inside a key
    return bytes(raw)


def _wrong_type() -> bytes:
    data = original("pack_txa_melasma.json")
    data["delivery"]["depth_mm"] = "two"
    return json.dumps(data).encode()


@pytest.mark.parametrize("make, words", [(_truncated, "not valid JSON"),
                                         (_flipped, "not UTF-8"),
                                         (_wrong_type, "delivery.depth_mm")])
def test_python_m_mesodesk_export_refuses_bad_files_cleanly(tmp_path, make, words):
    source = tmp_path / "in.json"
    source.write_bytes(make())
    result = run_module("export", "in.json", "-o", "pack.pdf", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("mesodesk: in.json: ")
    assert words in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]


@fuzz(40)
@given(case=mutated_file(EXAMPLES))
def test_the_window_opens_a_mutated_file_or_says_why_in_one_line(case, qtbot, fresh_home,
                                                                  tmp_path_factory):
    """The window reads files through the same checks; it must never raise from
    open_file (an exception in a Qt slot would lose the consultation on screen)."""
    label, content = case
    from mesodesk.ui.window import MainWindow

    window = _window(qtbot)
    source = tmp_path_factory.mktemp("open") / "consultation.json"
    source.write_bytes(content)
    window.last_alert = None
    opened = open_file_in(qtbot, window, str(source))
    event(f"opened={opened}")
    if not opened:
        message = window.last_alert.text()
        assert message.startswith(str(source)) and "\n" not in message, message
        assert "Traceback" not in message
    else:
        assert window.state is not None and window.step_id
    assert isinstance(window, MainWindow)


_WINDOWS: dict[int, Any] = {}


def _window(qtbot) -> Any:
    """One window per test run of the property above (building one per example
    would dominate its time)."""
    from mesodesk.ui.window import MainWindow

    window = _WINDOWS.get(id(qtbot))
    if window is None:
        window = MainWindow(store_factory=None)
        qtbot.addWidget(window)
        _WINDOWS.clear()
        _WINDOWS[id(qtbot)] = window
    return window


# --- damaged packs: verify says "altered" (1) or "not a pack" (2), never crashes -------------

@functools.cache
def pack_bytes() -> bytes:
    from mesodesk.catalogue import default_catalogue
    from mesodesk.domain import load
    from mesodesk.pack import build_pack

    return build_pack(load(DATA / "pack_txa_melasma.json"), default_catalogue())


@st.composite
def damaged_pack(draw: st.DrawFn) -> tuple[str, tuple]:
    """A change to the pack, as a small description (the bytes are made in the test,
    so a failure report stays short)."""
    size = len(pack_bytes())
    action = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "scribble"]))
    at = draw(st.integers(min_value=0, max_value=size - 1))
    if action == "flip":
        return action, (at, 1 << draw(st.integers(0, 7)))
    if action == "insert":
        return action, (at, draw(st.binary(min_size=1, max_size=8)))
    if action == "delete":
        return action, (at, draw(st.integers(1, 50)))
    if action == "scribble":
        return action, tuple(draw(st.lists(st.tuples(st.integers(0, size - 1),
                                                      st.integers(0, 255)),
                                            min_size=2, max_size=20)))
    return action, (at,)


def damage(action: str, spec: tuple) -> bytes:
    pdf = bytearray(pack_bytes())
    if action == "flip":
        pdf[spec[0]] ^= spec[1]
    elif action == "truncate":
        del pdf[spec[0]:]
    elif action == "insert":
        pdf[spec[0]:spec[0]] = spec[1]
    elif action == "delete":
        del pdf[spec[0]:spec[0] + spec[1]]
    else:
        for where, byte in spec:
            pdf[where] = byte
    return bytes(pdf)


@fuzz(30)
@given(case=damaged_pack())
def test_verify_never_crashes_on_a_damaged_pack(case, tmp_path_factory, capsys):
    label, content = f"{case[0]} {case[1]!r:.60}", damage(*case)
    path = tmp_path_factory.mktemp("verify") / "pack.pdf"
    path.write_bytes(content)
    code, out, err = run_cli(capsys, "verify", str(path))
    assert code in (0, 1, 2), f"{label}: exit {code}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    if content == pack_bytes():
        assert code == 0
        return
    assert code in (1, 2), f"{label}: a changed file was called unaltered"
    assert err.count("\n") == 1 and err.startswith(f"mesodesk: {path}: "), err
    event(f"exit {code}")


def test_verify_a_pack_with_a_damaged_page_box_says_altered(tmp_path, capsys):
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, NullObject

    writer = PdfWriter(clone_from=io.BytesIO(pack_bytes()))
    writer.pages[0][NameObject("/MediaBox")] = NullObject()
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "pack.pdf"
    path.write_bytes(buffer.getvalue())
    code, out, err = run_cli(capsys, "verify", str(path))
    assert code == 1, err
    assert err.count("\n") == 1 and "altered" in err


def test_verify_a_pack_with_a_damaged_page_tree_says_altered_or_not_a_pack(tmp_path, capsys):
    pdf = pack_bytes()
    tree = re.findall(rb"/Count \d+\n/Kids", pdf)   # the page tree's count, however many pages
    assert len(tree) == 1
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf.replace(tree[0], tree[0].replace(b"\n", b"\x08")))
    code, out, err = run_cli(capsys, "verify", str(path))
    assert code in (1, 2), err
    assert err.count("\n") == 1 and "internal error" not in err
