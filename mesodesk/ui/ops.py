"""Slow work off the GUI thread, one way only (after Anki's ``CollectionOp``).

    BackgroundOp(parent, lambda: build_pack(c, cat)).success(show).failure(warn).run()

The function runs on ``QThreadPool``; it receives only domain objects captured
by the caller. Its result or its exception comes back on the GUI thread through
a queued signal. The op keeps itself alive until it has reported.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

_RUNNING: set["BackgroundOp"] = set()


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        # Python owns the task (the op holds it until it reports): letting the
        # pool delete it too frees the wrapper twice in PySide6.
        self.setAutoDelete(False)

    def run(self) -> None:  # worker thread
        try:
            result = self._fn()
        except BaseException as exc:  # reported on the GUI thread
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class BackgroundOp(QObject):
    """One piece of work on the thread pool with success/failure callbacks."""

    finished = Signal()

    def __init__(self, parent: QObject | None, fn: Callable[[], Any]) -> None:
        super().__init__(parent)
        self._fn = fn
        self._on_success: Callable[[Any], None] = lambda _result: None
        self._on_failure: Callable[[BaseException], None] = self._log_failure
        self._relay = _Relay()
        self._relay.done.connect(self._succeeded)
        self._relay.failed.connect(self._failed)

    @staticmethod
    def _log_failure(exc: BaseException) -> None:
        log.error("background work failed: %s", exc, exc_info=exc)

    def success(self, fn: Callable[[Any], None]) -> "BackgroundOp":
        self._on_success = fn
        return self

    def failure(self, fn: Callable[[BaseException], None]) -> "BackgroundOp":
        self._on_failure = fn
        return self

    def run(self) -> "BackgroundOp":
        _RUNNING.add(self)
        self._task = _Task(self._fn, self._relay)
        QThreadPool.globalInstance().start(self._task)
        return self

    def _succeeded(self, result: Any) -> None:
        try:
            self._on_success(result)
        finally:
            self._finish()

    def _failed(self, exc: BaseException) -> None:
        try:
            self._on_failure(exc)
        finally:
            self._finish()

    def _finish(self) -> None:
        _RUNNING.discard(self)
        self.finished.emit()
