"""Shared pieces of the benchmarks: the project on ``sys.path``, a small driver
for the real window (the few pytest-qt calls the scripts need, without pytest),
and the scripted consultation that ``bench_memory`` and ``bench_stall`` run.

Nothing here asserts; the scripts print figures.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
MIB = 1024 * 1024


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0-100) by nearest rank; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


class Driver:
    """Waits on the Qt event loop and sends mouse and key events (QTest)."""

    def __init__(self, app: Any) -> None:
        from PySide6.QtCore import QEventLoop

        self.app = app
        self.loop = QEventLoop()

    def wait_until(self, condition: Callable[[], Any], timeout: float = 60.0) -> None:
        from PySide6.QtCore import QTimer

        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the window did not reach the expected state in time")
            QTimer.singleShot(5, self.loop.quit)
            self.loop.exec()

    def click(self, widget: Any, pos: Any = None) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         pos if pos is not None else widget.rect().center())

    def tick(self, box: Any) -> None:
        """Click a check box or radio button on its indicator."""
        from PySide6.QtCore import QPoint

        self.click(box, QPoint(box.height() // 2, box.height() // 2))

    def type(self, widget: Any, text: str) -> None:
        from PySide6.QtTest import QTest

        widget.setFocus()
        QTest.keyClicks(widget, text)

    def draw(self, pad: Any, wiggle: float) -> None:
        """A signature: a zigzag across the pad."""
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        w, h = pad.width(), pad.height()
        points = [QPoint(int(w * x / 20), int(h * (0.5 + wiggle * ((-1) ** x) / 2)))
                  for x in range(2, 18)]
        QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         points[0])
        for p in points[1:]:
            QTest.mouseMove(pad, p)
        QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           points[-1])


def next_step(driver: Driver, window: Any, step: str) -> None:
    driver.click(window.next)
    driver.wait_until(lambda: window.step_id == step, timeout=10)


def fill_consultation(driver: Driver, window: Any, catalogue: Any) -> None:
    """Type a whole consultation into a new one, step by step, as a practitioner would."""
    driver.click(window.start.new)
    driver.wait_until(lambda: window.step_id == "clinic")
    clinic = window.pages["clinic"]
    driver.type(clinic.clinic_name, "Riverside Aesthetics")
    driver.type(clinic.emergency, "+44 7700 900000")
    driver.type(clinic.practitioner, "Dr Ana Silva")
    next_step(driver, window, "patient")
    patient = window.pages["patient"]
    driver.type(patient.name, "Zoe Kowalczyk")
    driver.type(patient.dob, "14/03/1986")
    driver.type(patient.phone, "+44 7700 900123")
    next_step(driver, window, "screening")
    screening = window.pages["screening"]
    for buttons in screening.buttons.values():
        driver.tick(buttons["no"])
    driver.type(screening.medications, "Levothyroxine 50 mcg")
    next_step(driver, window, "indication")
    indication = window.pages["indication"]
    index = indication.indication.findData("skin-rejuvenation")
    indication.indication.setCurrentIndex(index)
    driver.tick(indication.areas["face"])
    next_step(driver, window, "delivery")
    next_step(driver, window, "formulation")
    formulation = window.pages["formulation"]
    driver.click(formulation.add_product)
    row = formulation.rows[0]
    driver.type(row.lot, "HA24A17")
    driver.type(row.expiry, "2031-05-31")
    next_step(driver, window, "map")                  # no points: the map is optional
    next_step(driver, window, "plan")
    next_step(driver, window, "review")
    window.refresh()
    for item in window.pages["review"].items.values():
        if item.acknowledge is not None:
            driver.tick(item.acknowledge)
    window.refresh()
    driver.wait_until(window.next.isEnabled, timeout=10)
    next_step(driver, window, "consent")
    consent = window.pages["consent"]
    driver.tick(consent.photos["record-only"])
    for row in consent.teach_back.rows:               # each question explained back
        driver.tick(row.buttons["explained"])
    window.refresh()
    driver.wait_until(window.next.isEnabled, timeout=10)


def preview_and_sign(driver: Driver, window: Any) -> None:
    """Show the pack, scroll to its last page, sign for both, finish."""
    window.go("pack")
    pack = window.pages["pack"]
    driver.wait_until(pack.print_button.isEnabled)
    bar = pack.preview.view.verticalScrollBar()
    driver.wait_until(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    driver.wait_until(pack.sign.isEnabled)
    driver.click(pack.sign)
    sign = window.pages["sign"]
    for box in sign.agreement.boxes:                  # every statement ticked
        if not box.isChecked():
            driver.tick(box)
    driver.draw(sign.patient.pad, 0.3)
    driver.draw(sign.practitioner.pad, 0.6)
    driver.wait_until(lambda: sign.finish.isEnabled() and sign.finish.isVisible())
    driver.click(sign.finish)
    driver.wait_until(lambda: window.closing.confirmation is not None
                      and window.closing.confirmation.isVisible())
    window.closing.confirmation.accept_button.click()
    driver.wait_until(lambda: window.step_id == "done")
