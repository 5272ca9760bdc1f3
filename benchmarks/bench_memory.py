"""Peak memory of a whole consultation in the real window (goal: at most 120 MiB).

    .venv/bin/python benchmarks/bench_memory.py [--runs 3] [--json]

Each run is a fresh Python process, offscreen (QT_QPA_PLATFORM=offscreen), with
its own empty records and settings folders. The child types a consultation
into a new one step by step, previews the pack (built in the background and
shown with QtPdf), scrolls to its last page, signs for patient and
practitioner, and finishes (the signed pack is built and stored). It then
reports its RSS high-water mark (``resource.getrusage(RUSAGE_SELF).ru_maxrss``)
and the resident size after each stage. For scale, the same is measured for a
bare PySide6 QMainWindow and for the mesodesk window left idle on its start
screen. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _common import MIB, ROOT, median

GOAL_MIB = 120

CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[2])
from benchmarks._common import Driver, fill_consultation, preview_and_sign

KIND = sys.argv[1]
stages = {}


def rss_mib():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def mark(name):
    stages[name] = round(rss_mib(), 1)


mark("interpreter")
from PySide6.QtWidgets import QApplication, QMainWindow
if KIND == "bare":
    app = QApplication([])
    window = QMainWindow()
    window.resize(1000, 700)
    window.show()
    driver = Driver(app)
    driver.wait_until(window.isVisible)
    app.processEvents()
    mark("window shown")
else:
    from mesodesk.ui.app import application
    from mesodesk.ui.window import MainWindow
    app = application([])
    window = MainWindow()
    window.show()
    driver = Driver(app)
    driver.wait_until(lambda: window.store is not None)
    mark("window shown, records open")
    if KIND == "consultation":
        fill_consultation(driver, window, window.catalogue)
        mark("consultation typed")
        preview_and_sign(driver, window)
        mark("pack previewed and signed")
        assert window.final_pdf[:5] == b"%PDF-"
    if window.autosaver is not None:
        window.autosaver.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
print(json.dumps({"kind": KIND, "peak_mib": round(peak, 1), "stages": stages}))
"""

KINDS = {"bare": "bare PySide6 QMainWindow",
         "idle": "mesodesk window, start screen",
         "consultation": "mesodesk: typed consultation, pack previewed, signed"}


def run_child(kind: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="mesodesk-bench-memory-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
               "MESODESK_DATA_DIR": os.path.join(home, "data"),
               "MESODESK_CONFIG_DIR": os.path.join(home, "config"),
               "XDG_CONFIG_HOME": os.path.join(home, "xdg")}
        env.pop("MESODESK_DATABASE_URL", None)
        start = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", CHILD, kind, str(ROOT)], env=env,
                                capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["seconds"] = round(elapsed, 2)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    results: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for _ in range(args.runs):          # interleaved, so all kinds see the same load
        for kind in KINDS:
            results[kind].append(run_child(kind))

    peaks = {kind: [r["peak_mib"] for r in runs] for kind, runs in results.items()}
    summary = {kind: {"median_peak_mib": median(p), "max_peak_mib": max(p),
                      "stages": results[kind][-1]["stages"]} for kind, p in peaks.items()}
    if args.json:
        print(json.dumps({"runs": args.runs, "goal_mib": GOAL_MIB, "results": summary},
                         indent=2))
        return 0
    print(f"peak RSS (ru_maxrss), {args.runs} fresh processes each, offscreen, "
          f"{os.cpu_count()} CPUs")
    for kind, label in KINDS.items():
        s = summary[kind]
        print(f"  {label:55} median {s['median_peak_mib']:6.1f} MiB, "
              f"max {s['max_peak_mib']:6.1f} MiB")
    full = summary["consultation"]
    print("resident size after each stage of the consultation run (MiB):")
    for stage, mib in full["stages"].items():
        print(f"  {stage:35} {mib:6.1f}")
    bare = summary["bare"]["median_peak_mib"]
    print(f"consultation / bare window: {full['median_peak_mib'] / bare:.2f}x; "
          f"above the bare window: {full['median_peak_mib'] - bare:.1f} MiB")
    verdict = "meets" if full["max_peak_mib"] <= GOAL_MIB else "MISSES"
    print(f"goal: peak at most {GOAL_MIB} MiB -> {verdict} the goal "
          f"(worst run {full['max_peak_mib']:.1f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
