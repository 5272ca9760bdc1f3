"""The GUI thread never calls the records store: a whole consultation with a
store that refuses calls from the GUI thread, and a records server that holds
every call until the test lets it go (the window stays responsive meanwhile)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from tests.ceremony_support import agree_all, sign_pad, confirm_signing, with_teach_back
from tests.conftest import merge, open_file_in, save_pack_from

TIMEOUT = 30000  # ms, generous: the machine may be loaded


class GuardedStore:
    """The records store, but every call made on the GUI thread is recorded and
    refused; with a ``gate``, every call waits until the gate opens (a server
    that answers nothing for as long as the test likes)."""

    def __init__(self, store, gate: threading.Event | None = None) -> None:
        self._store = store
        self.gate = gate
        self.on_gui_thread: list[str] = []
        self.calls: list[str] = []

    def __getattr__(self, name: str):
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            if threading.current_thread() is threading.main_thread():
                self.on_gui_thread.append(name)
                raise AssertionError(f"store.{name}() called on the GUI thread")
            if self.gate is not None:
                self.gate.wait(60)
            self.calls.append(name)
            return attr(*args, **kwargs)

        return call


def make_window(qtbot, store_factory):
    from mesodesk.ui.window import MainWindow

    w = MainWindow(store_factory=store_factory)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_a_whole_consultation_never_touches_the_store_from_the_gui_thread(
        qtbot, db_url, catalogue, jane_data, tmp_path):
    from mesodesk.storage import open_store

    guarded = GuardedStore(open_store(db_url))
    window = make_window(qtbot, lambda: guarded)
    qtbot.waitUntil(lambda: window.records_view is not None, timeout=TIMEOUT)
    case = tmp_path / "case.json"
    import json

    data = merge(jane_data, {"screening": {"answers": {q: "no" for q in catalogue.screening}}})
    with_teach_back(data, catalogue)
    case.write_text(json.dumps(data), encoding="utf-8")
    assert open_file_in(qtbot, window, case)
    window.pages["patient"].name.setText("Jane O'Hara-Smith")   # an edit: autosaved
    assert window.go("consent") and window.go("pack")
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=TIMEOUT)
    bar = pack.preview.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())
    qtbot.waitUntil(pack.sign.isEnabled, timeout=TIMEOUT)
    qtbot.mouseClick(pack.sign, Qt.MouseButton.LeftButton)
    sign = window.pages["sign"]
    sign_pad(qtbot, sign.patient.pad, 0.3)
    sign_pad(qtbot, sign.practitioner.pad, 0.6)
    agree_all(qtbot, window)
    confirm_signing(qtbot, window)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=TIMEOUT)
    assert save_pack_from(qtbot, window, tmp_path / "pack.pdf")
    cid = window.state.consultation_id
    window.show_start()
    window.records_view.openSigned.emit(cid)                   # read-only viewer
    qtbot.waitUntil(lambda: window._viewer is not None, timeout=TIMEOUT)
    window._viewer.close()
    with qtbot.waitSignal(window.draftOpened, timeout=TIMEOUT):
        window.records_view.newVersion.emit(cid)               # a new version, resumed
    with qtbot.waitSignal(window.records_view.searchFinished, timeout=TIMEOUT):
        window.records_view.search.setText("hara")             # the records searched
    window.close()
    assert guarded.on_gui_thread == []
    assert {"save_draft", "sign", "record_event", "signed", "new_version", "load_draft",
            "drafts", "search_patients", "close"} <= set(guarded.calls)


def test_the_window_stays_responsive_while_the_records_server_hangs(
        qtbot, db_url, jane_data, tmp_path):
    """Every store call waits until the test opens the gate; meanwhile the GUI
    thread keeps handling events: a file opens, typing shows, a timer fires."""
    from mesodesk.storage import open_store

    store = open_store(db_url)
    draft_id = store.save_draft(None, jane_data, "plan", "Dr Ana Silva")
    gate = threading.Event()
    guarded = GuardedStore(store, gate)
    window = make_window(qtbot, lambda: guarded)
    try:
        ticks = []
        QTimer.singleShot(0, lambda: ticks.append(1))
        qtbot.waitUntil(lambda: bool(ticks))             # the event loop runs
        import json

        case = tmp_path / "case.json"
        case.write_text(json.dumps(jane_data), encoding="utf-8")
        assert open_file_in(qtbot, window, case)          # a file: no records needed
        name = window.pages["patient"].name
        window.go("patient")
        name.setFocus()
        qtbot.keyClicks(name, " Jr")                      # typing shows at once
        assert window.state.data["patient"]["name"].endswith(" Jr")
        window.show_start()
        window.records.resume_draft(draft_id)                     # waits for the records...
        QTimer.singleShot(0, lambda: ticks.append(2))
        qtbot.waitUntil(lambda: len(ticks) == 2)          # ...the window does not
        assert "Opening the draft" in window.statusBar().currentMessage()
        assert window.stack.currentWidget() is window.start
        with qtbot.waitSignal(window.draftOpened, timeout=TIMEOUT) as opened:
            gate.set()                                    # the server answers
        assert opened.args == [True]
        assert window.state.data["patient"]["name"] == jane_data["patient"]["name"]
        assert window.step_id == "plan"
        qtbot.waitUntil(lambda: bool(window.start.resume_buttons), timeout=TIMEOUT)
    finally:
        gate.set()
    window.close()
    assert guarded.on_gui_thread == []
