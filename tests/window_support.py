"""The main window on screen for a GUI test: shown, exposed, optionally the
active window (shortcuts and mnemonics need one) and waited until its records
are open; its autosaver closed afterwards. Each test file's ``window`` fixture
is ``yield from shown_window(qtbot, ...)``."""

from __future__ import annotations

from typing import Any, Callable, Iterator

TIMEOUT = 20000  # ms; the machine may be loaded

_DEFAULT = object()


def shown_window(qtbot, store_factory: Any = _DEFAULT, *, active: bool = True,
                 ready: Callable[[Any], bool] | None = None,
                 size: tuple[int, int] | None = None) -> Iterator[Any]:
    """``store_factory`` as MainWindow takes it (the default: the settings'
    records); ``ready(window)`` is waited for before the test starts."""
    from mesodesk.ui.window import MainWindow

    w = MainWindow() if store_factory is _DEFAULT else MainWindow(store_factory=store_factory)
    qtbot.addWidget(w)
    if size is not None:
        w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    if active:
        w.activateWindow()
        qtbot.waitUntil(w.isActiveWindow)
    if ready is not None:
        qtbot.waitUntil(lambda: ready(w), timeout=TIMEOUT)
    yield w
    if w.autosaver is not None:
        w.autosaver.close()


def records_open(window: Any) -> bool:
    return window.store is not None


def records_view_open(window: Any) -> bool:
    return window.records_view is not None
