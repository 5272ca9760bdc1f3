"""The records view: search as you type, a patient's history, and its buttons."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QLabel, QLineEdit, QListWidget,
                               QTableWidget)

from mesodesk.domain import fingerprint
from mesodesk.storage import StoreError
from mesodesk.ui.records import RecordsView

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def records(store, make_consultation, jane_data):
    """Jane: one signed consultation and an open draft; Zoë: nothing yet."""
    c = make_consultation()
    signed = store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")
    draft = store.save_draft(None, jane_data, "plan",           # a draft started for her
                             patient_id=store.signed(signed).patient_id)
    store.add_patient("Zoë Ängström", dt.date(1990, 5, 1))
    return {"signed": signed, "draft": draft}


@pytest.fixture
def view(qtbot, store, records):
    v = RecordsView(store)
    qtbot.addWidget(v)
    v.show()
    return v


def type_search(qtbot, view, text):
    view.search.clear()
    with qtbot.waitSignal(view.searchFinished, timeout=10000):
        qtbot.keyClicks(view.search, text)


def listed(view):
    return [view.patients.item(i).text() for i in range(view.patients.count())]


def test_search_as_you_type_ignores_case_and_accents(qtbot, view):
    type_search(qtbot, view, "zoe")
    assert listed(view) == ["Zoë Ängström (born 1990-05-01)"]
    type_search(qtbot, view, "OHARA")
    assert listed(view) == ["Jane O'Hara (born 1986-03-14)"]
    type_search(qtbot, view, "14/03/1986")
    assert listed(view) == ["Jane O'Hara (born 1986-03-14)"]
    type_search(qtbot, view, "nobody")
    assert listed(view) == [] and view.status.text() == "No patient found."


def test_a_patients_history_shows_drafts_and_signed_versions(qtbot, view, records):
    type_search(qtbot, view, "jane")
    assert view.selected_patient_id() is not None       # the only match is selected
    states = [view.history.item(r, 1).text() for r in range(view.history.rowCount())]
    assert states == ["Draft (plan)", "Signed"]
    assert view.history.item(1, 3).text() != ""          # the treatment, for each row
    assert view.history.item(0, 3).text() != ""
    assert "fingerprint" in view.history.item(1, 0).toolTip()   # signed: its fingerprint


def test_buttons_follow_the_selected_row_and_emit_its_id(qtbot, view, records):
    type_search(qtbot, view, "jane")
    view.history.selectRow(0)                           # the draft
    assert view.resume_button.isEnabled() and not view.open_button.isEnabled()
    with qtbot.waitSignal(view.openDraft, timeout=0) as opened:
        qtbot.mouseClick(view.resume_button, Qt.MouseButton.LeftButton)
    assert opened.args == [records["draft"]]

    view.history.selectRow(1)                           # the signed consultation
    assert not view.resume_button.isEnabled()
    with qtbot.waitSignal(view.openSigned, timeout=0) as opened:
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [records["signed"]]
    with qtbot.waitSignal(view.newVersion, timeout=0) as version:
        qtbot.mouseClick(view.version_button, Qt.MouseButton.LeftButton)
    assert version.args == [records["signed"]]


def test_keyboard_only_enter_opens_the_selected_row(qtbot, view, records):
    view.activateWindow()
    view.search.setFocus()
    qtbot.keyClicks(view.search, "jane")
    with qtbot.waitSignal(view.searchFinished, timeout=10000):
        qtbot.keyClick(view.search, Qt.Key.Key_Return)    # search now, focus the results
    assert listed(view) == ["Jane O'Hara (born 1986-03-14)"]
    assert view.patients.hasFocus()
    view.history.setFocus()
    view.history.setCurrentCell(1, 0)
    with qtbot.waitSignal(view.openSigned, timeout=1000) as opened:
        qtbot.keyClick(view.history, Qt.Key.Key_Return)
    assert opened.args == [records["signed"]]


def test_refresh_shows_a_new_version(qtbot, view, store, records):
    type_search(qtbot, view, "jane")
    store.new_version(records["signed"])
    with qtbot.waitSignal(view.searchFinished, timeout=10000):
        view.refresh()
    versions = [view.history.item(r, 4).text() for r in range(view.history.rowCount())]
    assert "new version" in versions


def test_every_input_and_button_is_named_as_labelled(view):
    labels = {label.buddy(): label.text().replace("&", "") for label in view.findChildren(QLabel)
              if label.buddy() is not None}
    inputs = [w for kind in (QLineEdit, QListWidget, QTableWidget, QComboBox)
              for w in view.findChildren(kind)]
    # patient search, lot, patients, history, lot recall results, new version's step
    assert len(inputs) == 6
    for widget in inputs:
        assert widget.accessibleName() == labels[widget]
    for button in view.findChildren(QAbstractButton):
        if button.text():
            assert button.accessibleName() == button.text().replace("&", "")


def test_a_database_error_is_shown_not_raised(qtbot, view):
    class Broken:
        def search_patients(self, text):
            raise StoreError("the records database refused the operation: disk I/O error")

        def recent_patients(self):
            raise StoreError("the records database refused the operation: disk I/O error")

    view.set_store(Broken())
    type_search(qtbot, view, "jane")
    assert listed(view) == []
    assert "disk I/O error" in view.status.text()


def test_searching_happens_off_the_gui_thread_and_stale_answers_are_dropped(qtbot, view, store):
    import threading

    threads = []

    class Spy:
        def search_patients(self, text):
            threads.append(threading.current_thread())
            return store.search_patients(text)

        def consultations_for(self, patient_id):
            return store.consultations_for(patient_id)

    view.set_store(Spy())
    view.search.setText("zoe")
    view.run_search()                     # an answer for "zoe" is on its way...
    view.search.setText("jane")           # ...but the practitioner typed on
    with qtbot.waitSignal(view.searchFinished, timeout=10000):
        view.run_search()
    assert listed(view) == ["Jane O'Hara (born 1986-03-14)"]
    assert threads and threading.main_thread() not in threads


def test_an_empty_search_lists_the_most_recently_seen_patients(qtbot, view):
    """The start screen shows recent patients before anything is typed."""
    with qtbot.waitSignal(view.searchFinished, timeout=10000):
        view.run_search()
    assert listed(view) == ["Zoë Ängström (born 1990-05-01)", "Jane O'Hara (born 1986-03-14)"]
    assert view.status.text() == "Recently seen patients."
    type_search(qtbot, view, "zoe")
    with qtbot.waitSignal(view.searchFinished, timeout=10000):
        view.search.clear()
    assert len(listed(view)) == 2


DELETE_DURING_SEARCH = r"""
import os, sys, threading
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget
from mesodesk.ui.records import RecordsView

started = threading.Event()

class SlowStore:
    def recent_patients(self, limit=20):
        started.set()
        threading.Event().wait(1.0)   # releases the GIL, then needs it back
        return []
    search_patients = recent_patients

class Window(QWidget):               # like MainWindow: Python overrides event()
    def event(self, event):
        return super().event(event)

app = QApplication([])
window = Window()
view = RecordsView(SlowStore(), window)
view.run_search()
started.wait(5)
window.deleteLater()                 # the window closes while the search runs
QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
print("deleted")
"""


def test_deleting_the_view_during_a_search_does_not_hang(tmp_path):
    """Destroying the view must not wait for its search while holding the GIL
    (it did: the search could never finish, and the window hung for ever)."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", DELETE_DURING_SEARCH], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "deleted" in result.stdout
