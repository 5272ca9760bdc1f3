"""Time to first window shown: mesodesk's main window against a bare PySide6
QMainWindow, each in a fresh Python process, several runs, medians and ratio.

    python benchmarks/bench_startup.py [--runs N] [--json]

"Shown" means the window has been exposed and painted once: the child process
prints a line at that moment and the parent measures from launch to that line,
so interpreter start-up and every import count, for both alike. The goal is a
ratio of at most 1.5 (``--strict`` makes a miss exit 1). The child also reports
whether reportlab or the database layer (SQLAlchemy, psycopg2) had been
imported by then: they must not be, and the script exits 1 if they were.

What the window leaves until after its first paint (the records' helper
process, the catalogue, the consultation's pages and Qt's namespace enums) runs
in later turns of the event loop; ``bench_stall.py`` measures those turns.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("reportlab", "sqlalchemy", "psycopg2")
GOAL = 1.5

CHILD = r"""
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

KIND = sys.argv[1]


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window:
            heavy = sorted({m.split(".")[0] for m in sys.modules} & set(HEAVY))
            print("SHOWN " + ",".join(heavy), flush=True)
            obj.removeEventFilter(self)
            QTimer.singleShot(0, app.quit)
        return False


HEAVY = %r
if KIND == "bare":
    app = QApplication(["bench"])
    window = QMainWindow()
    window.setWindowTitle("bare")
    window.resize(1100, 750)
else:
    from mesodesk.ui.app import application
    from mesodesk.ui.window import MainWindow

    app = application([])
    window = MainWindow()
    window.resize(1100, 750)
spy = FirstPaint()
window.installEventFilter(spy)
window.show()
app.exec()
""" % (HEAVY,)


def measure(kind: str, env: dict[str, str]) -> tuple[float, list[str]]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, kind], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
                            start_new_session=True)
    assert proc.stdout is not None
    heavy: list[str] = []
    elapsed = float("nan")
    for line in proc.stdout:
        if line.startswith("SHOWN"):
            elapsed = time.perf_counter() - start
            rest = line[len("SHOWN"):].strip()
            heavy = [m for m in rest.split(",") if m]
            break
    # The window starts helper processes after its first paint (the records); left
    # running, they would load the CPU while the next window starts, which made the
    # bare window look slower than it is. End the whole process group before that.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)
    if elapsed != elapsed:
        raise SystemExit(f"the {kind} window never painted (exit {proc.returncode})")
    return elapsed, heavy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when the ratio is above the goal (timings are noisy: "
                             "about +-0.03 between runs here)")
    args = parser.parse_args(argv)
    home = tempfile.mkdtemp(prefix="mesodesk-bench-")
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               MESODESK_CONFIG_DIR=os.path.join(home, "config"),
               MESODESK_DATA_DIR=os.path.join(home, "data"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # An installed program has its modules compiled once (pip writes the .pyc files);
    # with PYTHONDONTWRITEBYTECODE set, every run would compile ~20 modules again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: dict[str, list[float]] = {"bare": [], "mesodesk": []}
    heavy_seen: set[str] = set()
    measure("bare", env)  # warm the file cache once, untimed
    measure("mesodesk", env)
    for _ in range(args.runs):
        for kind in ("bare", "mesodesk"):  # interleaved, so drift hits both
            elapsed, heavy = measure(kind, env)
            times[kind].append(elapsed)
            if kind == "mesodesk":
                heavy_seen.update(heavy)
    bare, ours = statistics.median(times["bare"]), statistics.median(times["mesodesk"])
    ratio = ours / bare
    result = {"runs": args.runs, "bare_median_s": round(bare, 4),
              "mesodesk_median_s": round(ours, 4), "ratio": round(ratio, 3), "goal": GOAL,
              "heavy_imports_before_shown": sorted(heavy_seen)}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"first window shown, median of {args.runs} fresh processes:")
        print(f"  bare PySide6 QMainWindow  {bare * 1000:7.1f} ms")
        print(f"  mesodesk main window      {ours * 1000:7.1f} ms")
        print(f"  ratio                     {ratio:7.2f}  (goal <= {GOAL})")
        print(f"  heavy modules imported before the window showed: "
              f"{', '.join(sorted(heavy_seen)) or 'none'}")
    if heavy_seen:
        return 1  # a correctness fault, not noise
    return 1 if args.strict and ratio > GOAL else 0


if __name__ == "__main__":
    raise SystemExit(main())
