"""Placing and dragging points on the map step with 200 points on the chart
(target: display rate, one frame of 16.7 ms).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_map_step.py [--runs N]

Opens the abdomen consultation of ``bench_map.py`` (200 points, two lots, on
the body-front chart) at the map step of the real window, then times, each
until the chart's viewport has been repainted:

- a click that adds a point (the dict, the dot, the table row, the totals);
- each mouse move of a drag (the dot follows the pointer; the consultation
  is written once, on release);
- a release that ends a drag (the move written, as one undoable change);
- Ctrl+Z undoing it (a second Ctrl+Z takes the point away again, untimed).

The findings are recomputed 60 ms after a change, by the window's refresh
timer (the rules run once on the consultation); that is timed on its own.
Medians and 95th percentiles are printed; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from _common import DATA, ROOT, median, percentile  # noqa: F401  (ROOT: sys.path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="mesodesk-bench-map-step-")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["MESODESK_CONFIG_DIR"] = os.path.join(home, "config")
    os.environ["MESODESK_DATA_DIR"] = os.path.join(home, "data")
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from bench_map import abdomen_grid, two_lots
    from mesodesk.ui.window import MainWindow

    app = QApplication([])
    window = MainWindow(store_factory=None)
    window.resize(1100, 750)
    window.show()
    base = json.loads((DATA / "pack_pcdc_abdomen.json").read_text(encoding="utf-8"))
    data = two_lots(base, abdomen_grid(200))
    start = time.perf_counter()
    window._begin(data, "map")
    page = window.pages["map"]
    app.processEvents()
    opened = (time.perf_counter() - start) * 1000
    page.whole.setChecked(True)
    app.processEvents()
    viewport = page.view.viewport()
    rect = page.view.sceneRect()

    def at(x: float, y: float):
        return page.view.mapFromScene(QPointF(rect.left() + x * rect.width(),
                                              rect.top() + y * rect.height()))

    def frame() -> None:            # what the screen shows next
        viewport.repaint()

    def points() -> int:
        return sum(len(p.get("points", [])) for p in window.session.data["products"])

    def mouse(kind, pos, buttons) -> None:
        QApplication.sendEvent(viewport, QMouseEvent(
            kind, QPointF(pos), QPointF(viewport.mapToGlobal(pos)), Qt.MouseButton.LeftButton,
            buttons, Qt.KeyboardModifier.NoModifier))

    add, move, release, undo, refresh = [], [], [], [], []
    for i in range(args.runs):
        x, y = 0.08, 0.9          # on a leg, clear of the map; each round is undone
        before = points()
        t = time.perf_counter()
        QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         at(x, y))
        frame()
        add.append((time.perf_counter() - t) * 1000)
        assert points() == before + 1, page.status.text()
        t = time.perf_counter()
        window.refresh()
        refresh.append((time.perf_counter() - t) * 1000)
        held = Qt.MouseButton.LeftButton
        mouse(QMouseEvent.Type.MouseButtonPress, at(x, y), held)
        for k in range(1, 11):
            t = time.perf_counter()
            mouse(QMouseEvent.Type.MouseMove, at(x + 0.003 * k, y - 0.002 * k), held)
            frame()
            move.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        mouse(QMouseEvent.Type.MouseButtonRelease, at(x + 0.03, y - 0.02),
              Qt.MouseButton.NoButton)
        frame()
        release.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        QTest.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        frame()
        undo.append((time.perf_counter() - t) * 1000)
        QTest.keyClick(page.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert points() == before
        app.processEvents()
    print(f"map step with {points()} points on the chart, {args.runs} rounds "
          f"(opened in {opened:.0f} ms):")
    for name, values in (("click adds a point", add), ("drag: each mouse move", move),
                         ("drag: release writes the move", release), ("Ctrl+Z", undo),
                         ("findings refresh (60 ms after)", refresh)):
        print(f"  {name:32} median {median(values):6.1f} ms, 95th percentile "
              f"{percentile(values, 95):6.1f} ms (one frame: 16.7 ms)")
    window.close()


if __name__ == "__main__":
    main()
