"""Crash test: the real window, typed into, killed with SIGKILL, started again.

The first process builds ``mesodesk.ui.window.MainWindow`` (the same window
``mesodesk`` opens), starts a consultation, types a patient name with QTest and
prints TYPED; the Autosaver's ``saved`` signal prints SAVED. The test kills the
process with SIGKILL as soon as SAVED arrives, and requires it within a second
of the typing. Then it finds the text in the records database, and a second
start of the window offers the draft and resumes it with the text in place.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mesodesk.storage import open_store

NAME = "Zoë O'Hara-Ängström"

CHILD = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEvent, Qt, QTimer
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from mesodesk.ui.app import application
    from mesodesk.ui.window import MainWindow

    mode, name = sys.argv[1], sys.argv[2]
    app = application([])
    window = MainWindow()
    window.show()

    def say(*words):
        print(*words, flush=True)

    def when_records_open(then, tries=[0]):
        tries[0] += 1
        if window.autosaver is None and tries[0] < 500:
            QTimer.singleShot(10, lambda: when_records_open(then))
        else:
            then()

    def type_name():
        # the clinic and practitioner are remembered from an earlier consultation,
        # so a new one opens on the patient's details, as for a returning user
        window.settings.clinic = {"name": "Riverside Aesthetics"}
        window.settings.practitioner = {"name": "Dr Ana Silva", "profession": "doctor"}
        window.new_consultation()
        say("STEP", window.step_id)
        window.autosaver.saved.connect(lambda draft_id: say("SAVED", draft_id))
        field = window.pages["patient"].name
        field.setFocus()
        for ch in name:        # QTest maps ASCII only; other letters come as key text
            if ch.isascii():
                QTest.keyClicks(field, ch)
            else:
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(field, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                            Qt.KeyboardModifier.NoModifier, ch))
        say("TYPED", field.text())

    def offer_and_resume(tries=[0]):
        tries[0] += 1   # the drafts are listed off the GUI thread: wait for the list
        if window.start.drafts_note.text().startswith("Opening") and tries[0] < 500:
            QTimer.singleShot(10, offer_and_resume)
            return
        offers = [b.text() for b in window.start.resume_buttons]
        say("OFFERS", *offers)
        if window.start.resume_buttons:
            def resumed(ok):
                say("RESUMED", window.step_id, window.pages["patient"].name.text())
                app.quit()
            window.draftOpened.connect(resumed)
            window.start.resume_buttons[0].click()
        else:
            app.quit()

    when_records_open(type_name if mode == "type" else offer_and_resume)
    sys.exit(app.exec())
""")


def _start(mode: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", CHILD, mode, NAME], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            encoding="utf-8")


def _read_line(proc: subprocess.Popen[str], prefix: str, timeout: float) -> tuple[str, float]:
    """The next stdout line starting with ``prefix``, and when it arrived."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            if not selector.select(left):
                break
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith(prefix):
                return line.rstrip("\n"), time.monotonic()
    finally:
        selector.close()
    proc.kill()
    _, err = proc.communicate()
    pytest.fail(f"no {prefix} line within {timeout} s; stderr: {err[-2000:]}")


@pytest.mark.slow
def test_typed_text_survives_sigkill_and_the_next_start_offers_it(fresh_home):
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"

    first = _start("type", env)
    try:
        step, _ = _read_line(first, "STEP", timeout=60)
        assert step == "STEP patient"
        typed, typed_at = _read_line(first, "TYPED", timeout=60)
        assert typed == f"TYPED {NAME}"
        # nominally within a second (300 ms debounce); a generous margin on a loaded machine
        saved, saved_at = _read_line(first, "SAVED", timeout=10.0)
        os.kill(first.pid, signal.SIGKILL)           # no clean-up, no flush, no goodbye
        first.communicate(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    assert saved_at - typed_at < 10.0
    draft_id = saved.split()[1]

    db = Path(env["MESODESK_DATA_DIR"]) / "mesodesk.sqlite3"
    with open_store(db) as store:
        [summary] = store.drafts()
        assert summary.id == draft_id and summary.patient_name == NAME
        draft = store.load_draft(draft_id)
        assert draft.data["patient"]["name"] == NAME and draft.step == "patient"

    second = _start("offer", env)
    try:
        offers, _ = _read_line(second, "OFFERS", timeout=60)
        resumed, _ = _read_line(second, "RESUMED", timeout=30)
        second.communicate(timeout=30)
    finally:
        if second.poll() is None:
            second.kill()
    assert offers == f"OFFERS Resume draft for {NAME}"
    assert resumed == f"RESUMED patient {NAME}"          # the same step, the same text
