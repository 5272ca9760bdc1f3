"""Slow work off the GUI thread, one way only (after Anki's ``CollectionOp``).

    work = Work(parent)
    work.run(lambda: build_pack(c, cat), show, warn)            # on the thread pool
    work.run(lambda: store.save_draft(...), saved, failed, serial=True)
    work.run(lambda: store.search_patients(text), show, key="search")

``run`` takes a function that gets only values captured by the caller, and
returns a :class:`Ticket`. The result, or the exception, comes back to
``success`` or ``failure`` on the GUI thread (a queued signal), never on the
worker thread.

- ``serial=True`` work runs one at a time, in the order given, on one worker
  thread: every call to the records store and every file written goes there,
  so a save is never overtaken by the signing that follows it.
- ``key``: a new run with the same key cancels the one before it (dropped if
  it has not started; its result ignored if it has).
- :meth:`Ticket.cancel` does the same for one piece of work.

The serial worker's pool is never destroyed while Python runs: Qt destroying
a pool with work in flight waits for it while the GUI thread holds the GIL
that work needs (a deadlock).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

_POOLS: list[QThreadPool] = []    # serial pools, kept alive (see above)
_RUNNING: set["_Task"] = set()    # tasks not finished yet, kept alive whoever is deleted


def _log_failure(exc: BaseException) -> None:
    log.error("background work failed: %s", exc, exc_info=exc)


class Ticket:
    """One piece of work: cancel it, or ask whether it has reported."""

    def __init__(self, fn: Callable[[], Any], success: Callable[[Any], None],
                 failure: Callable[[BaseException], None]) -> None:
        self.fn, self.success, self.failure = fn, success, failure
        self.cancelled = False
        self.done = threading.Event()

    def cancel(self) -> None:
        """Drop the work if it has not started, and its result if it has."""
        self.cancelled = True


class _Relay(QObject):
    finished = Signal(object, bool, object)   # ticket, ok, result or exception


class _Task(QRunnable):
    def __init__(self, ticket: Ticket, relay: _Relay) -> None:
        super().__init__()
        self._ticket, self._relay = ticket, relay
        # Python owns the task (Work holds it until it reports): letting the pool
        # delete it too frees the wrapper twice in PySide6.
        self.setAutoDelete(False)

    def run(self) -> None:  # worker thread
        ticket = self._ticket
        try:
            if ticket.cancelled:
                ok, result = False, None
            else:
                try:
                    ok, result = True, ticket.fn()
                except BaseException as exc:  # reported on the GUI thread
                    ok, result = False, exc
            try:
                self._relay.finished.emit(ticket, ok, result)
            except RuntimeError:     # the window is gone
                pass
        finally:
            ticket.done.set()
            _RUNNING.discard(self)


class Work(QObject):
    """The window's background work: a thread pool and one serial worker."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool.globalInstance()
        self._serial = QThreadPool()
        _POOLS.append(self._serial)
        self._serial.setMaxThreadCount(1)
        self._serial.setExpiryTimeout(-1)
        self._relay = _Relay(self)
        self._relay.finished.connect(self._report)
        self._tasks: dict[Ticket, _Task] = {}
        self._keys: dict[str, Ticket] = {}

    def run(self, fn: Callable[[], Any], success: Callable[[Any], None] | None = None,
            failure: Callable[[BaseException], None] | None = None, *,
            serial: bool = False, key: str | None = None) -> Ticket:
        ticket = Ticket(fn, success or (lambda _result: None), failure or _log_failure)
        if key is not None:
            previous = self._keys.get(key)
            if previous is not None:
                previous.cancel()
            self._keys[key] = ticket
        task = _Task(ticket, self._relay)
        self._tasks[ticket] = task
        _RUNNING.add(task)
        (self._serial if serial else self._pool).start(task)
        return ticket

    @property
    def busy(self) -> bool:
        """True while any work has not reported back yet."""
        return bool(self._tasks)

    def wait_serial(self) -> None:
        """Wait until the serial worker is idle (closing the window only)."""
        self._serial.waitForDone()

    def _report(self, ticket: Ticket, ok: bool, result: Any) -> None:  # GUI thread
        self._tasks.pop(ticket, None)
        for key, t in list(self._keys.items()):
            if t is ticket:
                del self._keys[key]
        if ticket.cancelled:
            return
        if ok:
            ticket.success(result)
        else:
            ticket.failure(result)
