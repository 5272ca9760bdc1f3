"""Autosave: every edit of a consultation reaches the records database within
a second, saved off the GUI thread, so a crash loses at most the last moment.

    saver = Autosaver(open_store, practitioner="Dr Ana Silva", parent=window)
    saver.saved.connect(status_bar.show_saved)
    saver.failed.connect(status_bar.show_error)
    field.textChanged.connect(lambda: saver.schedule(wizard.data(), wizard.step()))
    ...
    saver.flush()          # Ctrl+S, and on close (then saver.close())

Edits are debounced (300 ms after the last one), but a steady stream of
typing is still saved at least every 700 ms. Saves run one at a time, in
order, on the Autosaver's own worker thread (never queued behind a pack
build); an older snapshot never overwrites a newer one.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from mesodesk.storage import Store, StoreError

log = logging.getLogger(__name__)
_POOLS: list[QThreadPool] = []   # the Autosavers' pools, kept alive (see Autosaver)

DEBOUNCE_MS = 300
MAX_DELAY_MS = 700


class _Relay(QObject):
    """Carries results from the worker thread back to the GUI thread (queued)."""

    done = Signal(str)
    failed = Signal(str, object)   # message, the snapshot that was not saved


class _SaveTask(QRunnable):
    """Python keeps the task until it has run (the pool never deletes it: with
    PySide6, both deleting it would free it twice)."""

    def __init__(self, fn: Callable[[], None]) -> None:
        super().__init__()
        self._fn = fn
        self.finished = False
        self.setAutoDelete(False)

    def run(self) -> None:   # worker thread
        try:
            self._fn()
        finally:
            self.finished = True


class Autosaver(QObject):
    """Debounced, off-thread saving of one draft. ``draft_id`` is None until the
    first save; set it to resume an existing draft."""

    saved = Signal(str)     # draft id, after each save
    failed = Signal(str)    # one plain sentence

    def __init__(self, store_factory: Callable[[], Store], practitioner: str = "",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = store_factory
        self._practitioner = practitioner
        self._store: Store | None = None
        self._lock = threading.Lock()          # one save at a time; guards the fields below
        self._draft_id: str | None = None
        self._saved_generation = 0
        self._generation = 0
        self._pending: tuple[int, dict[str, Any], str] | None = None
        self._first_pending_at: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._dispatch)
        # Not a child of this object, and never destroyed: Qt destroying a pool with a
        # save in flight would wait for it while the GUI thread holds the GIL that
        # the save needs (a deadlock). A pool is a few bytes per window.
        self._pool = QThreadPool()
        _POOLS.append(self._pool)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)
        self._tasks: list[_SaveTask] = []
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._relay.failed.connect(self._on_failed)

    # -- public API ------------------------------------------------------------------

    @property
    def draft_id(self) -> str | None:
        with self._lock:
            return self._draft_id

    @draft_id.setter
    def draft_id(self, value: str | None) -> None:
        with self._lock:
            self._draft_id = value

    @property
    def practitioner(self) -> str:
        return self._practitioner

    @practitioner.setter
    def practitioner(self, value: str) -> None:
        self._practitioner = value

    @property
    def has_unsaved(self) -> bool:
        """True while an edit has not reached the database yet."""
        return self._pending is not None or self._pool.activeThreadCount() > 0

    def schedule(self, data: dict[str, Any], step: str) -> None:
        """Note an edit; it is saved at most ~0.7 s later. ``data`` is copied now."""
        self._generation += 1
        self._pending = (self._generation, copy.deepcopy(data), step)
        now = time.monotonic()
        if self._first_pending_at is None:
            self._first_pending_at = now
        waited_ms = (now - self._first_pending_at) * 1000
        self._timer.start(int(max(0, min(DEBOUNCE_MS, MAX_DELAY_MS - waited_ms))))

    def flush(self) -> str | None:
        """Save any pending edit now, on the calling thread; returns the draft id.
        Emits ``saved`` (or ``failed``) before returning."""
        self._timer.stop()
        pending, self._pending, self._first_pending_at = self._pending, None, None
        if pending is not None:
            self._save(*pending)
        return self.draft_id

    def close(self) -> None:
        """Flush, then wait for any save in flight. The store is left open (the
        factory's caller owns it)."""
        self.flush()
        self._pool.waitForDone()
        self._tasks.clear()

    # -- internals -------------------------------------------------------------------

    def _dispatch(self) -> None:
        pending, self._pending, self._first_pending_at = self._pending, None, None
        if pending is None:
            return
        self._start(_SaveTask(lambda: self._save(*pending)))

    def _start(self, task: _SaveTask) -> None:
        self._tasks = [t for t in self._tasks if not t.finished]
        self._tasks.append(task)
        self._pool.start(task)

    def _save(self, generation: int, data: dict[str, Any], step: str) -> None:
        """Runs on the worker thread (or the GUI thread for flush)."""
        try:
            with self._lock:
                if generation <= self._saved_generation:
                    return          # a newer snapshot is already saved
                if self._store is None:
                    self._store = self._factory()
                self._draft_id = self._store.save_draft(self._draft_id, data, step,
                                                        self._practitioner)
                self._saved_generation = generation
                draft_id = self._draft_id
        except StoreError as exc:
            self._relay.failed.emit(f"The draft was not saved: {exc}",
                                    (generation, data, step))
            return
        except Exception as exc:  # reported, never lost silently
            log.error("autosave failed: %s", type(exc).__name__)
            log.debug("autosave failure", exc_info=True)
            self._relay.failed.emit(f"The draft was not saved: {type(exc).__name__}: {exc}",
                                    (generation, data, step))
            return
        self._relay.done.emit(draft_id)

    def _on_done(self, draft_id: str) -> None:
        self.saved.emit(draft_id)

    def _on_failed(self, message: str, snapshot: object) -> None:
        # Keep the unsaved snapshot so that the next flush retries it, unless
        # a newer edit is already waiting.
        if self._pending is None and isinstance(snapshot, tuple):
            self._pending = snapshot    # type: ignore[assignment]
        log.warning("autosave failed")
        self.failed.emit(message)
