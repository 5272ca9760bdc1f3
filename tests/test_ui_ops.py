"""Background work (ui.work.Work): the function runs off the GUI thread; its
result or its error comes back on the GUI thread; serial work keeps its order;
a newer run with the same key cancels the older one."""

from __future__ import annotations

import threading

from mesodesk.ui.work import Work


def on_gui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def test_the_result_comes_back_on_the_gui_thread(qtbot):
    work = Work()
    ran_on, got = [], []

    def job() -> int:
        ran_on.append(on_gui_thread())
        return 42

    work.run(job, lambda result: got.append((result, on_gui_thread())))
    qtbot.waitUntil(lambda: bool(got))
    assert ran_on == [False]
    assert got == [(42, True)]


def test_an_error_comes_back_on_the_gui_thread_instead_of_the_result(qtbot):
    work = Work()
    errors, results = [], []

    def job() -> None:
        raise ValueError("the disk is full")

    work.run(job, results.append, lambda exc: errors.append((str(exc), on_gui_thread())))
    qtbot.waitUntil(lambda: bool(errors))
    assert errors == [("the disk is full", True)] and results == []


def test_serial_work_runs_one_at_a_time_in_the_order_given(qtbot):
    work = Work()
    gate, order, threads = threading.Event(), [], set()
    work.run(lambda: gate.wait(10), serial=True)          # the worker is busy...
    for n in range(5):                                   # ...while five saves queue up
        work.run(lambda n=n: (order.append(n), threads.add(threading.get_ident())),
                 serial=True)
    assert order == []
    gate.set()
    work.wait_serial()
    assert order == [0, 1, 2, 3, 4] and len(threads) == 1
    assert threading.main_thread().ident not in threads


def test_a_newer_run_with_the_same_key_cancels_the_older_one(qtbot):
    work = Work()
    gate, shown, ran = threading.Event(), [], []
    work.run(lambda: gate.wait(10), serial=True)
    work.run(lambda: ran.append("zoe") or "zoe", shown.append, serial=True, key="search")
    work.run(lambda: ran.append("jane") or "jane", shown.append, serial=True, key="search")
    gate.set()
    qtbot.waitUntil(lambda: bool(shown))
    work.wait_serial()
    assert ran == ["jane"] and shown == ["jane"]     # the older one never ran


def test_a_cancelled_ticket_reports_nothing(qtbot):
    work = Work()
    gate, shown = threading.Event(), []
    work.run(lambda: gate.wait(10), serial=True)
    ticket = work.run(lambda: "late", shown.append, serial=True)
    ticket.cancel()
    gate.set()
    qtbot.waitUntil(lambda: not work.busy)
    assert shown == []
