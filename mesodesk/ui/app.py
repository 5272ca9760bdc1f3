"""Starting the window: ``mesodesk`` or ``mesodesk FILE``.

Only Qt and the light layers are imported before the window is shown; the
catalogue loads when a consultation starts, the records database after the
first paint, and reportlab when the first pack is built.
"""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QThreadPool, QtMsgType, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)
_qt_log = logging.getLogger("mesodesk.qt")

_LEVELS = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
           QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
           QtMsgType.QtFatalMsg: logging.CRITICAL}


def _qt_message(kind: QtMsgType, _context: object, message: str) -> None:
    _qt_log.log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def application(qt_args: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        qInstallMessageHandler(_qt_message)
        app = QApplication(["mesodesk", *(qt_args or [])])
    app.setApplicationName("mesodesk")
    app.setOrganizationName("mesodesk")
    app.setApplicationDisplayName("mesodesk")
    return app


def run_app(file: str | None, qt_args: list[str]) -> int:
    """Open the window (on ``file`` if given) and run until it closes."""
    app = application(qt_args)
    from mesodesk.ui.window import MainWindow

    window = MainWindow()
    window.show()
    if file:
        QTimer.singleShot(0, lambda: window.open_file(file))
    code = app.exec()
    QThreadPool.globalInstance().waitForDone(10000)  # a pack or the records still opening
    sys.stdout.flush()
    return int(code)
