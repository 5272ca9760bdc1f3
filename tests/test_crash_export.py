"""SIGKILL at any moment never leaves a partial pack or a damaged records database.

Each test runs a child process that works in a loop (exporting packs, writing
pack files, saving drafts), kills it with SIGKILL at a random moment, and then
looks at what is on disk:

* the pack file is absent or byte-identical to one of the complete packs the
  child was writing (so pypdf opens it and ``verify`` passes); at most the
  hidden ``.pack.pdf.*.part`` temporary files of an interrupted write remain,
  and the next export is unaffected by them;
* the SQLite records database passes ``PRAGMA integrity_check`` and holds the
  last draft the child reported as saved (or the one it was saving).

The kill moments come from a seeded RNG, so a failure can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mesodesk.cli import main
from mesodesk.domain import from_data
from mesodesk.pack import build_pack, verify_pack

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


class Child:
    """A Python child process whose stdout lines are read with a timeout."""

    def __init__(self, code: str, *args: str, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args],
                                     cwd=cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.lines: list[tuple[float, str]] = []

    def watch(self, seconds: float) -> None:
        """Keep reading the child's output for ``seconds`` (the moment to kill)."""
        self.read_until(time.monotonic() + seconds, count=10**9)

    def read_until(self, deadline: float, count: int = 1) -> None:
        """Read lines until ``count`` more have arrived or ``deadline`` passes."""
        assert self.proc.stdout is not None
        want = len(self.lines) + count
        while len(self.lines) < want:
            left = deadline - time.monotonic()
            if left <= 0 or not self.selector.select(left):
                return
            line = self.proc.stdout.readline()
            if not line:
                return
            self.lines.append((time.monotonic(), line.strip()))

    def kill(self) -> str:
        """SIGKILL now; the child's stderr (for failure messages)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        _, err = self.proc.communicate(timeout=30)
        for line in (_ or "").splitlines():
            self.lines.append((time.monotonic(), line.strip()))
        self.selector.close()
        assert self.proc.returncode == -signal.SIGKILL, err
        return err

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=30)


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def assert_only_hidden_temporaries(folder: Path, keep: set[str], target: str) -> None:
    for name in leftovers(folder, keep):
        assert name.startswith(f".{target}.") and name.endswith(".part"), name


def large_consultations(tmp_path: Path) -> tuple[Path, Path]:
    """Two resolved consultations whose packs differ and run to many pages."""
    sources = []
    for name, notes in (("a.json", "Review at 4 weeks. "), ("b.json", "Review at 6 weeks. ")):
        data = json.loads((DATA / "pack_txa_melasma.json").read_text(encoding="utf-8"))
        data["plan"]["notes"] = notes * 600
        data["screening"]["notes"] = "Discussed expectations and photographs. " * 300
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        sources.append(path)
    return sources[0], sources[1]


EXPORTER = """
    import contextlib, io, sys
    from mesodesk.cli import main
    sources, target = sys.argv[1:3], sys.argv[3]
    n = 0
    while True:
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["export", sources[n % 2], "-o", target])
        print("DONE", n, code, flush=True)
        n += 1
"""


@pytest.mark.slow
def test_sigkill_during_export_leaves_no_pack_or_a_complete_one(tmp_path, catalogue):
    rng = random.Random(20261125)
    source_a, source_b = large_consultations(tmp_path)
    complete = {}
    for source in (source_a, source_b):
        pdf = build_pack(from_data(json.loads(source.read_text(encoding="utf-8"))), catalogue)
        assert verify_pack(pdf, catalogue).ok
        complete[pdf] = source.name
    out_dir = tmp_path / "packs"
    out_dir.mkdir()
    target = out_dir / "pack.pdf"
    seen_kill_after = 0
    for round_ in range(4):
        child = Child(EXPORTER, str(source_a), str(source_b), str(target), cwd=tmp_path)
        try:
            # Wait for one or two whole exports so there is a previous pack, then
            # kill at a random point of the following export.
            child.read_until(time.monotonic() + 90, count=1 + round_ % 2)
            assert child.lines and child.lines[-1][1].endswith(" 0"), child.lines
            done = len(child.lines)
            if done >= 2:
                cycle = child.lines[-1][0] - child.lines[-2][0]
            else:
                cycle = 1.0
            child.watch(rng.uniform(0.0, 1.2 * cycle))
            child.kill()
        finally:
            child.close()
        seen_kill_after += 1
        assert target.exists(), "a previous complete pack was there before the kill"
        data = target.read_bytes()
        assert data in complete, (f"round {round_}: the pack on disk ({len(data)} bytes) is "
                                  "not one of the complete packs: partial or damaged")
        assert_only_hidden_temporaries(out_dir, {"pack.pdf"}, "pack.pdf")
    # The next export, with whatever temporaries are left, writes a pack that verifies.
    assert main(["export", str(source_a), "-o", str(target)]) == 0
    assert main(["verify", str(target)]) == 0
    assert seen_kill_after == 4


WRITER = """
    import sys
    from pathlib import Path
    from mesodesk.domain.files import atomic_write
    packs = [Path(p).read_bytes() for p in sys.argv[1:3]]
    target = Path(sys.argv[3])
    n = 0
    print("READY", flush=True)
    while True:
        atomic_write(target, packs[n % 2])
        n += 1
"""


def test_sigkill_while_writing_packs_never_leaves_a_partial_file(tmp_path, catalogue):
    """The write itself (temporary file, fsync, rename) is where a kill could tear a
    file; here the child does nothing but write, so every kill lands mid-write."""
    rng = random.Random(7)
    source_a, source_b = large_consultations(tmp_path)
    packs = []
    for i, source in enumerate((source_a, source_b)):
        pdf = build_pack(from_data(json.loads(source.read_text(encoding="utf-8"))), catalogue)
        (tmp_path / f"{i}.pdf").write_bytes(pdf)
        packs.append(pdf)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "pack.pdf"
    for round_ in range(8):
        child = Child(WRITER, str(tmp_path / "0.pdf"), str(tmp_path / "1.pdf"), str(target),
                      cwd=tmp_path)
        try:
            child.read_until(time.monotonic() + 60)
            assert child.lines and child.lines[0][1] == "READY", child.proc.stderr
            child.watch(rng.uniform(0.001, 0.25))
            child.kill()
        finally:
            child.close()
        if target.exists():
            assert target.read_bytes() in packs, f"round {round_}: a partial pack file"
        assert_only_hidden_temporaries(out_dir, {"pack.pdf"}, "pack.pdf")
    assert target.exists()
    assert verify_pack(target.read_bytes(), catalogue).ok


SAVER = """
    import sys
    from mesodesk.storage import open_store
    store = open_store(sys.argv[1])
    draft_id = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] != "-" else None
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    base = {"patient": {"name": "Zoë O'Hara", "date_of_birth": "1986-03-14"},
            "date": "2026-11-25", "plan": {"notes": ""}}
    n = first
    while True:
        base["plan"]["notes"] = f"edit {n} " + "x" * (n % 50) * 100
        base["edit"] = n
        draft_id = store.save_draft(draft_id, base, "plan", "Dr Ana Silva")
        # one write per line: a kill between print's pieces left a bare "SAVED"
        sys.stdout.write(f"SAVED {draft_id} {n}\\n")
        sys.stdout.flush()
        n += 1
"""


def test_sigkill_during_autosave_keeps_the_last_committed_draft(tmp_path):
    from mesodesk.storage import open_store

    rng = random.Random(42)
    db = tmp_path / "records.sqlite3"
    draft_id, edit = "-", 0
    for round_ in range(5):
        child = Child(SAVER, str(db), draft_id, str(edit), cwd=tmp_path)
        try:
            child.read_until(time.monotonic() + 60)  # the first save of this round
            assert child.lines, child.proc.stderr
            child.watch(rng.uniform(0.0, 0.3))
            child.kill()
        finally:
            child.close()
        saved = [line.split() for _, line in child.lines if line.startswith("SAVED ")]
        _, draft_id, last = saved[-1]
        last_reported = int(last)

        con = sqlite3.connect(db)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            con.close()
        with open_store(db) as store:
            [summary] = store.drafts()
            assert summary.id == draft_id
            data = store.load_draft(draft_id).data
            # Reported saves are committed; the save in flight may or may not be.
            assert data["edit"] in (last_reported, last_reported + 1), (round_, data["edit"])
            assert data["plan"]["notes"].startswith(f"edit {data['edit']} ")
            assert data["patient"]["name"] == "Zoë O'Hara"
            assert store.verify_audit().ok
        edit = data["edit"] + 1
