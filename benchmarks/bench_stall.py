"""The longest stall of the window's event loop while a pack is built in the
background and while drafts are autosaved (goal: no gap over 50 ms).

    .venv/bin/python benchmarks/bench_stall.py [--builds 5] [--seconds 3]

A QTimer fires every 5 ms (Qt.PreciseTimer) and records the time between its
ticks; any gap above 5 ms is time the event loop could not run (the window
could not repaint or take a key press). Three phases, offscreen, one process,
with its own empty records and settings folders:

* idle: the window on its start screen, nothing happening (the timer's own jitter);
* the first pack of the session, which also imports reportlab and pypdf;
* pack: the real window with a consultation open goes to the pack step
  ``--builds`` times, the pack changed each time (a plan note), so it is built
  on the worker thread and then shown with QtPdf. Gaps during the step change
  (GUI thread), while only the worker builds, and while the finished pack is
  put on screen (GUI thread) are reported apart and together;
* autosave: the window's Autosaver, saving on its worker thread, receives an
  edit every 50 ms (steady typing) for ``--seconds`` seconds;
* search: the records view is searched as the practitioner types a name, one
  key every 100 ms, for ``--seconds`` seconds.

The records are a local SQLite file, or, with ``--postgres URL`` (default: the
``MESODESK_TEST_POSTGRES_URL`` that ``scripts/with-postgres.sh`` exports), a
PostgreSQL server reached through a proxy that holds every message the client
sends for ``--delay-ms`` (200 ms): a server that answers each statement 200 ms
late. Run it so::

    scripts/with-postgres.sh .venv/bin/python benchmarks/bench_stall.py

Prints max, p99 and median gap per phase. Figures only; nothing is asserted.
``--gc-freeze`` shows the effect of ``gc.freeze()`` after the first pack: the
long gaps while the worker builds are full (generation 2) garbage collections,
which hold the GIL while they scan the whole start-up heap.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Callable

from _common import DATA, Driver, median, percentile

GOAL_MS = 50.0
TICK_MS = 5


class GapRecorder:
    """Records the time between ticks of a 5 ms timer, tagged with a phase."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.phase = "idle"
        self.last = 0.0
        self.gaps: list[tuple[str, float, float]] = []   # (phase, end time, gap ms)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((self.phase, now, (now - self.last) * 1000))
        self.last = now

    def of(self, *phases: str) -> list[float]:
        return [g for p, _, g in self.gaps if p in phases]


def describe(name: str, gaps: list[float]) -> str:
    if not gaps:
        return f"  {name:42} (no ticks)"
    worst = max(gaps)
    verdict = "ok" if worst <= GOAL_MS else "OVER"
    return (f"  {name:42} max {worst:6.1f} ms  p99 {percentile(gaps, 99):6.1f} ms  "
            f"median {median(gaps):5.1f} ms  over 50 ms: {sum(g > GOAL_MS for g in gaps):3d}"
            f" of {len(gaps):5d} ticks  [{verdict}]")


def teach_back_done(example: Path, folder: Path) -> Path:
    """A copy of ``example`` in which the patient explained back every
    teach-back question of its plan (the pack opens only after them)."""
    from mesodesk.catalogue import default_catalogue
    from mesodesk.session import ceremony, to_consultation

    data = json.loads(example.read_text(encoding="utf-8"))
    data["format"] = "mesodesk-consultation/2"
    catalogue = default_catalogue()
    consultation = to_consultation(data, catalogue)
    assert consultation is not None, f"{example.name} is not a whole consultation"
    data.setdefault("consent", {})["teach_back"] = [
        ceremony.outcome_record(q.question, "explained")
        for q in ceremony.teach_back_questions(consultation, catalogue)]
    path = folder / example.name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def every(driver: Driver, interval_ms: int, action: Callable[[], None], seconds: float) -> None:
    """Run ``action`` every ``interval_ms`` on the event loop for ``seconds``."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    timer.setInterval(interval_ms)
    timer.timeout.connect(action)
    timer.start()
    end = time.monotonic() + seconds
    driver.wait_until(lambda: time.monotonic() > end)
    timer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--gc-freeze", action="store_true",
                        help="call gc.freeze() after the first pack (a candidate remedy: "
                             "full garbage collections then skip the start-up heap)")
    parser.add_argument("--postgres", default=os.environ.get("MESODESK_TEST_POSTGRES_URL"),
                        help="a PostgreSQL URL for the records (default: "
                             "MESODESK_TEST_POSTGRES_URL; none: a local SQLite file)")
    parser.add_argument("--delay-ms", type=float, default=200.0,
                        help="delay added to every statement sent to PostgreSQL")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="mesodesk-bench-stall-")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["MESODESK_DATA_DIR"] = os.path.join(home, "data")
    os.environ["MESODESK_CONFIG_DIR"] = os.path.join(home, "config")
    os.environ.pop("MESODESK_DATABASE_URL", None)
    proxy = None
    if args.postgres:
        from _slowproxy import SlowProxy, target_of

        proxy = SlowProxy(*target_of(args.postgres), delay=args.delay_ms / 1000).__enter__()
        os.environ["MESODESK_DATABASE_URL"] = proxy.rewrite(args.postgres)
    records = (f"PostgreSQL, every statement {args.delay_ms:g} ms late" if proxy
               else "local SQLite")

    from mesodesk.ui.app import application
    from mesodesk.ui.window import MainWindow

    app = application([])
    window = MainWindow()
    window.show()
    driver = Driver(app)
    driver.wait_until(lambda: window.store is not None)

    import gc
    import threading

    collections: list[tuple[str, int, float, bool]] = []   # phase, generation, ms, GUI?
    started = [0.0]

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append((gaps.phase, info["generation"],
                                (time.perf_counter() - started[0]) * 1000,
                                threading.current_thread() is threading.main_thread()))

    gaps = GapRecorder()
    gc.callbacks.append(on_gc)
    gaps.start()

    # --- idle ---------------------------------------------------------------------------
    gaps.phase = "idle"
    end = time.monotonic() + 1.0
    driver.wait_until(lambda: time.monotonic() > end)

    # --- pack builds --------------------------------------------------------------------
    # built in idle time after the first paint; not yet, opening builds the rest
    view_ready = window.consultation is not None and not window._pages_to_warm
    gaps.phase = "open"
    case = teach_back_done(DATA / "pack_txa_melasma.json", Path(home))
    start = time.perf_counter()
    opened: list[bool] = []
    window.fileOpened.connect(opened.append)
    window.open_file(str(case))        # read off the GUI thread
    driver.wait_until(lambda: bool(opened), timeout=30)
    if not opened[0]:
        raise SystemExit("the example consultation did not open")
    open_ms = (time.perf_counter() - start) * 1000
    end = time.monotonic() + 0.2       # let the gap it caused be counted as "open"
    driver.wait_until(lambda: time.monotonic() > end)
    # The first build of the session also imports reportlab and pypdf and registers
    # the fonts (on the worker thread): reported on its own.
    showing: list[tuple[float, float]] = []
    real_ready = window.closing._preview_ready

    def timed_ready(fp: str, pdf: bytes) -> None:   # runs on the GUI thread
        start = time.perf_counter()
        try:
            real_ready(fp, pdf)
        finally:
            showing.append((start, time.perf_counter()))

    window.closing._preview_ready = timed_ready
    gaps.phase = "steps"
    per_step: list[tuple[float, str]] = []   # (longest gap while it came on screen, step)
    for step in window.table.ids[:window.table.ids.index("pack")]:
        first_gap = len(gaps.gaps)
        window.go(step, force=True)    # every step before the pack seen, as in a consultation
        end = time.monotonic() + 0.1
        driver.wait_until(lambda: time.monotonic() > end)
        per_step.append((max((g for _, _, g in gaps.gaps[first_gap:]), default=0.0), step))
    gaps.phase = "first"
    start = time.perf_counter()
    window.go("pack")
    first_step = (time.perf_counter() - start) * 1000
    pack = window.pages["pack"]
    driver.wait_until(pack.print_button.isEnabled)
    first_show = (showing[-1][1] - showing[-1][0]) * 1000 if showing else 0.0
    showing.clear()
    gaps.phase = "between"
    if args.gc_freeze:
        gc.freeze()

    build_times = []
    stepping: list[tuple[float, float]] = []
    for i in range(args.builds):
        window.go("consent", force=True)
        window.state.data["plan"]["notes"] = f"Review at {4 + i} weeks."
        end = time.monotonic() + 0.1     # the step back is not part of the measurement
        driver.wait_until(lambda: time.monotonic() > end)
        gaps.phase = "pack"
        start = time.perf_counter()
        window.go("pack")            # synchronous part: page change, starting the build
        stepping.append((start, time.perf_counter()))
        driver.wait_until(pack.print_button.isEnabled)
        build_times.append((time.perf_counter() - start) * 1000)
        gaps.phase = "between"
        end = time.monotonic() + 0.2
        driver.wait_until(lambda: time.monotonic() > end)
    window.closing._preview_ready = real_ready

    def overlaps(spans: list[tuple[float, float]], t_end: float, gap: float) -> bool:
        t_start = t_end - gap / 1000
        return any(t_start < s_end and t_end > s_start for s_start, s_end in spans)

    pack_all = gaps.of("pack")
    pack_step = [g for p, t, g in gaps.gaps if p == "pack" and overlaps(stepping, t, g)]
    pack_show = [g for p, t, g in gaps.gaps if p == "pack" and overlaps(showing, t, g)]
    pack_build = [g for p, t, g in gaps.gaps if p == "pack" and not overlaps(showing, t, g)
                  and not overlaps(stepping, t, g)]

    # --- autosave -----------------------------------------------------------------------
    window.go("plan", force=True)
    saver = window.autosaver
    saves: list[str] = []
    saver.saved.connect(saves.append)
    data = copy.deepcopy(window.state.data)
    typed = []

    def type_one() -> None:
        typed.append("x")
        data["plan"]["notes"] = "Typed note " + "".join(typed)
        saver.schedule(copy.deepcopy(data), "plan")

    gaps.phase = "autosave"
    every(driver, 50, type_one, args.seconds)
    driver.wait_until(lambda: not saver.has_unsaved, timeout=60)

    # --- records search -----------------------------------------------------------------
    gaps.phase = "between"
    window.show_start()
    window.records.open()
    driver.wait_until(lambda: window.records_view is not None, timeout=60)
    view = window.records_view
    answers: list[int] = []
    view.searchFinished.connect(lambda: answers.append(1))
    view.search.setFocus()
    name = "Okafor Haruto Silva "

    pressed: list[str] = []

    def key() -> None:
        from PySide6.QtTest import QTest

        pressed.append(name[len(pressed) % len(name)])
        QTest.keyClicks(view.search, pressed[-1])

    gaps.phase = "search"
    every(driver, 100, key, args.seconds)
    gaps.phase = "done"
    driver.wait_until(lambda: bool(answers), timeout=60)
    gaps.stop()
    saver.close()

    print(f"event-loop gaps, {TICK_MS} ms timer, offscreen, {os.cpu_count()} CPUs "
          f"(goal: max gap <= {GOAL_MS:g} ms)"
          + (", gc.freeze() after the first pack" if args.gc_freeze else "")
          + f"; records: {records}")
    print(describe("idle (timer jitter)", gaps.of("idle")))
    print(describe("opening a consultation file (GUI)", gaps.of("open")))
    print(f"    open_file() itself took {open_ms:.0f} ms on the GUI thread; the pages had "
          f"{'' if view_ready else 'not yet '}been built in idle time")
    print(describe("each step shown for the first time (GUI)", gaps.of("steps")))
    print("    slowest: " + ", ".join(f"{step} {ms:.0f} ms"
                                     for ms, step in sorted(per_step, reverse=True)[:4]))
    print(describe("first pack of the session (imports)", gaps.of("first")))
    print(f"    on the GUI thread: changing step {first_step:.0f} ms, showing the pack "
          f"{first_show:.0f} ms")
    print(describe(f"pack x{args.builds}: whole (build + show)", pack_all))
    print(describe("  changing step, starting the build (GUI)", pack_step))
    print(describe("  while only the worker builds", pack_build))
    print(describe("  while QtPdf shows the pack (GUI)", pack_show))
    print(describe(f"autosave: {len(typed)} edits, {len(saves)} saves", gaps.of("autosave")))
    print(describe(f"records search: {len(pressed)} keys typed, {len(answers)} answers shown", gaps.of("search")))
    if proxy:
        print(f"    {proxy.messages} messages to PostgreSQL were each held {args.delay_ms:g} ms")
    print(f"pack step to pack on screen: median {median(build_times):.0f} ms "
          f"(max {max(build_times):.0f} ms); on the GUI thread, changing step took median "
          f"{median([(e - s) * 1000 for s, e in stepping]):.0f} ms and showing the pack "
          f"median {median([(e - s) * 1000 for s, e in showing]):.0f} ms")
    for phase in ("pack", "autosave"):
        full = [(ms, gui) for p, gen, ms, gui in collections if p == phase and gen == 2]
        if full:
            ms, gui = max(full)
            print(f"full garbage collections during {phase}: {len(full)}, longest {ms:.0f} ms "
                  f"(on the {'GUI' if gui else 'worker'} thread; the GIL is held throughout)")
    print(json.dumps({"max_first_pack_ms": round(max(gaps.of("first")), 1),
                      "max_pack_ms": round(max(pack_all), 1),
                      "p99_pack_ms": round(percentile(pack_all, 99), 1),
                      "max_autosave_ms": round(max(gaps.of("autosave")), 1),
                      "p99_autosave_ms": round(percentile(gaps.of("autosave"), 99), 1),
                      "max_search_ms": round(max(gaps.of("search")), 1),
                      "records": records}))
    window.close()
    if proxy:
        proxy.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
