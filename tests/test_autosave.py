"""Autosave: edits reach the database within a second, off the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QTimer

from mesodesk.storage import StoreError
from mesodesk.ui.autosave import Autosaver


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def saver(qtbot, store):
    s = Autosaver(lambda: store, practitioner="Dr Ana Silva")
    yield s
    s.close()


def draft(name: str) -> dict:
    return {"patient": {"name": name}}


def test_quick_edits_become_one_save_of_the_last_edit_within_a_second(qtbot, saver, store):
    saves: list[str] = []
    saver.saved.connect(saves.append)
    start = time.monotonic()
    for text in ("J", "Ja", "Jan", "Jane", "Jane O"):
        saver.schedule(draft(text), "patient")
    with qtbot.waitSignal(saver.saved, timeout=100000) as blocker:
        pass
    elapsed = time.monotonic() - start
    assert elapsed < 10.0   # nominally within a second: a generous margin under load
    assert len(saves) == 1 and not saver.has_unsaved     # nothing else is coming
    [summary] = store.drafts()
    assert blocker.args == [summary.id] == [saver.draft_id]
    assert store.load_draft(summary.id).data == draft("Jane O")
    assert summary.step == "patient"


def test_steady_typing_is_still_saved_within_a_second(qtbot, saver, store):
    typed = []

    def type_one_more() -> None:
        typed.append("x")
        saver.schedule(draft("".join(typed)), "patient")

    keys = QTimer()
    keys.setInterval(50)            # faster than the debounce: the timer alone never fires
    keys.timeout.connect(type_one_more)
    type_one_more()
    keys.start()
    try:
        with qtbot.waitSignal(saver.saved, timeout=10000):
            pass
    finally:
        keys.stop()
    saved = store.load_draft(saver.draft_id).data["patient"]["name"]
    assert 1 <= len(saved) <= len(typed)


def test_saving_happens_off_the_gui_thread(qtbot, store):
    threads = []

    class Spy:
        def save_draft(self, *args, **kwargs):
            threads.append(threading.current_thread())
            return store.save_draft(*args, **kwargs)

    saver = Autosaver(lambda: Spy())
    saver.schedule(draft("Ana"), "patient")
    with qtbot.waitSignal(saver.saved, timeout=10000):
        pass
    saver.close()
    assert threads and threads[0] is not threading.main_thread()


def test_flush_sends_the_edit_to_the_worker_now_and_only_once(qtbot, store):
    saves = []

    class Spy:
        def save_draft(self, *args, **kwargs):
            saves.append(threading.current_thread() is threading.main_thread())
            return store.save_draft(*args, **kwargs)

    saver = Autosaver(lambda: Spy(), debounce_ms=60_000)   # only flush can send it
    saver.schedule(draft("Jane"), "plan")
    with qtbot.waitSignal(saver.saved, timeout=5000) as blocker:
        saver.flush()
    [draft_id] = blocker.args
    assert store.load_draft(draft_id).data == draft("Jane")
    assert not saver.has_unsaved
    saver.flush()                                      # nothing pending: no new save
    saver.close()
    assert saves == [False]                            # once, off the GUI thread


def test_a_resumed_draft_is_saved_in_place(qtbot, saver, store):
    old = store.save_draft(None, draft("Jane"), "screening")
    saver.draft_id = old
    saver.schedule(draft("Jane O'Hara"), "plan")
    with qtbot.waitSignal(saver.saved, timeout=10000) as blocker:
        pass
    assert blocker.args == [old]
    assert [d.id for d in store.drafts()] == [old]
    assert store.load_draft(old).data == draft("Jane O'Hara")


def test_a_failed_save_is_one_sentence_and_flush_retries_it(qtbot, store):
    attempts = []

    def factory():
        attempts.append(1)
        if len(attempts) == 1:
            raise StoreError("records.sqlite3 cannot be read (permission denied)")
        return store

    saver = Autosaver(factory)
    saver.schedule(draft("Jane"), "patient")
    with qtbot.waitSignal(saver.failed, timeout=10000) as blocker:
        pass
    [message] = blocker.args
    assert "\n" not in message and "permission denied" in message
    assert saver.has_unsaved
    saver.close()                  # flushes: the failed snapshot is saved this time
    assert store.load_draft(saver.draft_id).data == draft("Jane")


def test_an_older_snapshot_never_overwrites_a_newer_one(qtbot, saver, store):
    gate = threading.Event()
    saver.work.run(lambda: gate.wait(5), serial=True)   # keep the worker busy
    saver.schedule(draft("old"), "patient")
    saver.flush()                  # the old edit is queued behind it...
    saver.schedule(draft("new"), "plan")
    saver.flush()                  # ...and the newer one behind that
    gate.set()
    saver.close()
    assert store.load_draft(saver.draft_id).data == draft("new")
    assert len(store.drafts()) == 1
