"""Background work: the function runs on the thread pool; its result or its
error comes back on the GUI thread."""

from __future__ import annotations

import threading

from mesodesk.ui.ops import BackgroundOp


def test_the_result_comes_back_on_the_gui_thread(qtbot):
    ran_on, got = [], []

    def work() -> int:
        ran_on.append(threading.current_thread() is threading.main_thread())
        return 42

    op = BackgroundOp(None, work).success(
        lambda result: got.append((result, threading.current_thread() is
                                   threading.main_thread())))
    with qtbot.waitSignal(op.finished, timeout=10000):
        op.run()
    assert ran_on == [False]
    assert got == [(42, True)]


def test_an_error_comes_back_on_the_gui_thread_instead_of_the_result(qtbot):
    errors, results = [], []

    def work() -> None:
        raise ValueError("the disk is full")

    op = BackgroundOp(None, work).success(results.append).failure(
        lambda exc: errors.append((str(exc), threading.current_thread() is
                                   threading.main_thread())))
    with qtbot.waitSignal(op.finished, timeout=10000):
        op.run()
    assert errors == [("the disk is full", True)] and results == []
