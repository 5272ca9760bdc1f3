"""The window appears before the heavy layers load: reportlab, SQLAlchemy and the
PostgreSQL driver are imported only after the first paint (checked in a fresh
process, since this test process has imported everything already). Nor is Qt's
``Qt`` namespace touched before then: PySide builds its ~90 Python enums on
first use, about 60 ms, a quarter of a bare window's start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys
from PySide6 import QtCore
from PySide6.QtCore import QEvent, QObject, QTimer
from mesodesk.ui.app import application
from mesodesk.ui.window import MainWindow

HEAVY = ("reportlab", "sqlalchemy", "psycopg2", "mesodesk.pack", "mesodesk.storage.store")
report = {}


def loaded():
    return sorted(m for m in HEAVY if m in sys.modules)


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is window and "shown" not in report:
            report["shown"] = loaded()
            report["qt_namespace"] = "Qt" in vars(QtCore)
        return False


def after(tries=[0]):
    tries[0] += 1
    if window.store is None and tries[0] < 150:  # up to 15 s on a slow machine
        QTimer.singleShot(100, after)
        return
    report["records_open"] = window.store is not None
    report["later"] = loaded()
    window.close()
    app.quit()


app = application([])
window = MainWindow()
spy = FirstPaint()
window.installEventFilter(spy)
window.show()
QTimer.singleShot(100, after)
app.exec()
print(json.dumps(report))
"""


def test_heavy_modules_load_only_after_the_window_is_shown(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               MESODESK_CONFIG_DIR=str(tmp_path / "config"),
               MESODESK_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                            env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["shown"] == []
    assert report["qt_namespace"] is False   # its enums are built after the first paint
    # the records did open, right after the first paint
    assert report["records_open"] is True
    # the records are served by a helper process: SQLAlchemy never loads in the window's
    assert "sqlalchemy" not in report["later"]
    assert "reportlab" not in report["later"]  # only when the first pack is built


RUN_APP = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from mesodesk.ui.app import run_app
from mesodesk.ui.window import MainWindow

seen = {}


def check(tries=[0]):
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    # the file is on screen (a blank session may exist before: the view is built early)
    opened = bool(windows) and windows[0].consultation_open
    if opened or tries[0] > 500:
        if opened:
            seen["step"] = windows[0].step_id
            seen["patient"] = windows[0].state.data["patient"]["name"]
        for w in windows:
            w.close()
        return
    tries[0] += 1
    QTimer.singleShot(20, check)


QTimer.singleShot(0, check)
code = run_app(sys.argv[1], [])
print(json.dumps({"code": code, **seen}))
"""


def test_run_app_opens_the_file_given_on_the_command_line(tmp_path, jane_data):
    path = tmp_path / "jane.json"
    path.write_text(json.dumps(jane_data), encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               MESODESK_CONFIG_DIR=str(tmp_path / "config"),
               MESODESK_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-c", RUN_APP, str(path)], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "step": "review", "patient": "Jane O'Hara"}


def test_the_step_status_role_is_the_first_role_after_qts_user_role():
    """Written as a number so the window does not touch the Qt namespace before its
    first paint; it must still be a role Qt leaves to applications."""
    from PySide6.QtCore import Qt

    from mesodesk.ui.window import STATUS_ROLE

    assert STATUS_ROLE == Qt.ItemDataRole.UserRole + 1
