"""Autosave: every edit of a consultation reaches the records database within
a second, saved off the GUI thread, so a crash loses at most the last moment.

    saver = Autosaver(open_store, practitioner="Dr Ana Silva", parent=window, work=work)
    saver.saved.connect(status_bar.show_saved)
    saver.failed.connect(status_bar.show_error)
    field.textChanged.connect(lambda: saver.schedule(wizard.data(), wizard.step()))
    ...
    saver.flush()          # Ctrl+S: send the pending edit to the worker now
    saver.close()          # on close: flush and wait for the worker

Edits are debounced (300 ms after the last one), but a steady stream of
typing is still saved at least every 700 ms. Saves run on the window's serial
worker (:class:`mesodesk.ui.work.Work`), one at a time and in order with every
other call to the records, never on the GUI thread; an older snapshot never
overwrites a newer one.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from mesodesk.storage import StoreError

if TYPE_CHECKING:
    from mesodesk.storage import Store   # the class loads SQLAlchemy: a type only here
from mesodesk.ui.work import Work

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
MAX_DELAY_MS = 700


class _Unsaved(Exception):
    """A save that failed: the message to show and the snapshot to retry."""

    def __init__(self, message: str, snapshot: tuple[int, dict[str, Any], str]) -> None:
        super().__init__(message)
        self.snapshot = snapshot


class Autosaver(QObject):
    """Debounced, off-thread saving of one draft. ``draft_id`` is None until the
    first save; set it to resume an existing draft."""

    saved = Signal(str)     # draft id, after each save
    failed = Signal(str)    # one plain sentence

    def __init__(self, store_factory: Callable[[], Store], practitioner: str = "",
                 parent: QObject | None = None, work: Work | None = None,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self._debounce_ms = debounce_ms
        self._factory = store_factory
        self._practitioner = practitioner
        self._store: Store | None = None
        self._lock = threading.Lock()          # one save at a time; guards the fields below
        self._draft_id: str | None = None
        self.patient_id: str | None = None     # the registered patient the draft is for
        self._saved_generation = 0
        self._generation = 0
        self._pending: tuple[int, dict[str, Any], str] | None = None
        self._first_pending_at: float | None = None
        self._in_flight = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self.work = work if work is not None else Work(self)

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
        return self._pending is not None or self._in_flight > 0

    def schedule(self, data: dict[str, Any], step: str) -> None:
        """Note an edit; it is saved at most ~0.7 s later. ``data`` is copied now."""
        self._generation += 1
        self._pending = (self._generation, copy.deepcopy(data), step)
        now = time.monotonic()
        if self._first_pending_at is None:
            self._first_pending_at = now
        waited_ms = (now - self._first_pending_at) * 1000
        longest = max(MAX_DELAY_MS, self._debounce_ms)
        self._timer.start(int(max(0, min(self._debounce_ms, longest - waited_ms))))

    def flush(self) -> None:
        """Send any pending edit to the worker now; ``saved`` (or ``failed``) follows
        on the GUI thread. Work queued on the serial worker afterwards runs after it."""
        self._timer.stop()
        pending, self._pending, self._first_pending_at = self._pending, None, None
        if pending is None:
            return
        self._in_flight += 1
        self.work.run(lambda: self._save(*pending), self._on_done, self._on_failed,
                      serial=True)

    def close(self) -> None:
        """Flush, then wait for the worker (closing the window). The store is left
        open (the factory's caller owns it)."""
        self.flush()
        self.work.wait_serial()

    # -- internals -------------------------------------------------------------------

    def _save(self, generation: int, data: dict[str, Any], step: str) -> str | None:
        """Runs on the serial worker."""
        try:
            with self._lock:
                if generation <= self._saved_generation:
                    return None    # a newer snapshot is already saved
                if self._store is None:
                    self._store = self._factory()
                extra = {} if self.patient_id is None else {"patient_id": self.patient_id}
                self._draft_id = self._store.save_draft(self._draft_id, data, step,
                                                        self._practitioner, **extra)
                self._saved_generation = generation
                return self._draft_id
        except StoreError as exc:
            raise _Unsaved(f"The draft was not saved: {exc}", (generation, data, step)) from None
        except Exception as exc:  # reported, never lost silently
            log.error("autosave failed: %s", type(exc).__name__)
            log.debug("autosave failure", exc_info=True)
            raise _Unsaved(f"The draft was not saved: {type(exc).__name__}: {exc}",
                           (generation, data, step)) from None

    def _on_done(self, draft_id: str | None) -> None:
        self._in_flight -= 1
        if draft_id is not None:
            self.saved.emit(draft_id)

    def _on_failed(self, exc: BaseException) -> None:
        self._in_flight -= 1
        # Keep the unsaved snapshot so that the next flush retries it, unless
        # a newer edit is already waiting.
        if self._pending is None and isinstance(exc, _Unsaved):
            self._pending = exc.snapshot
        log.warning("autosave failed")
        self.failed.emit(str(exc))
