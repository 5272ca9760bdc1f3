"""Nothing left on screen, and either copy on paper (issues 13 and 11): the
signed-pack viewer is a window of the main window, titled with the patient and
date, with Print, Save a copy and Close (Esc, Ctrl+W); quitting closes it and
ends the program; every print offers the patient's copy, the clinic record or
both, and prints only those pages. Offscreen, qtbot waits only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mesodesk.domain import canonical_json, from_data
from mesodesk.pack import build_pack, pack_copies
from tests.ceremony_support import with_teach_back
from tests.conftest import load_example, merge, open_file_in
from tests.test_ui_window import (BUILD_TIMEOUT, all_no, printer_to, read_pack,  # noqa: F401
                                  window, write_case)

pytestmark = pytest.mark.usefixtures("fresh_home")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def signed_record(catalogue):
    """A stored record's two parts: the consultation's canonical JSON and its pack."""
    consultation = from_data(load_example())
    return SimpleNamespace(canonical_json=canonical_json(consultation),
                           pdf=build_pack(consultation, catalogue, sealed=False))


def visible_windows() -> list:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def open_viewer(qtbot, window, record):  # noqa: F811
    viewer = window.closing.show_signed(record)
    assert viewer is not None
    qtbot.waitExposed(viewer)
    return viewer


def test_the_viewer_belongs_to_the_main_window_and_names_patient_and_date(
        qtbot, window, signed_record):  # noqa: F811
    viewer = open_viewer(qtbot, window, signed_record)
    assert viewer.parent() is window and viewer.isWindow()
    assert viewer.windowTitle() == "Signed pack: Jane O'Hara, 25 November 2026 (read-only)"
    assert window._viewer is viewer
    names = [b.accessibleName() for b in (viewer.print_button, viewer.save, viewer.close_button)]
    assert names == ["Print\u2026", "Save a copy\u2026", "Close"]
    assert viewer.preview.document.pageCount() == len(PdfReader(
        __import__("io").BytesIO(signed_record.pdf)).pages)


@pytest.mark.parametrize("keys", ["escape", "ctrl+w", "button"])
def test_the_viewer_closes_with_escape_ctrl_w_or_close(qtbot, window, signed_record,  # noqa: F811
                                                        keys):
    viewer = open_viewer(qtbot, window, signed_record)
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow)
    if keys == "escape":
        qtbot.keyClick(viewer.focusWidget() or viewer, Qt.Key.Key_Escape)
    elif keys == "ctrl+w":
        qtbot.keyClick(viewer.focusWidget() or viewer, Qt.Key.Key_W,
                       Qt.KeyboardModifier.ControlModifier)
    else:
        qtbot.mouseClick(viewer.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window._viewer is None)          # closed and deleted
    assert visible_windows() == [window]


def test_closing_the_main_window_closes_the_viewer(qtbot, window, signed_record):  # noqa: F811
    open_viewer(qtbot, window, signed_record)
    assert len(visible_windows()) == 2
    window.close()
    qtbot.waitUntil(lambda: visible_windows() == [])


def test_the_viewer_saves_a_copy_of_the_exact_bytes(qtbot, window, signed_record,  # noqa: F811
                                                    tmp_path, monkeypatch):
    viewer = open_viewer(qtbot, window, signed_record)
    out = tmp_path / "copy.pdf"
    monkeypatch.setattr(window, "choose_save_path", lambda *a: str(out))
    with qtbot.waitSignal(window.packSaved, timeout=BUILD_TIMEOUT) as saved:
        qtbot.mouseClick(viewer.save, Qt.MouseButton.LeftButton)
    assert saved.args == [True] and out.read_bytes() == signed_record.pdf


@pytest.mark.parametrize("which", ["patient", "clinic", "both"])
def test_the_viewer_prints_the_copy_chosen(qtbot, window, signed_record, tmp_path,  # noqa: F811
                                           monkeypatch, which):
    copies = pack_copies(signed_record.pdf)
    expected = {"patient": len(copies.patient), "clinic": len(copies.clinic),
                "both": copies.total}[which]
    assert len({len(copies.patient), len(copies.clinic), copies.total}) == 3
    viewer = open_viewer(qtbot, window, signed_record)
    printed = tmp_path / "printed.pdf"
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(printed))
    viewer.copy.choose(which)
    assert viewer.copy.combo.accessibleName() == "Copy to print"
    qtbot.mouseClick(viewer.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Sent"),
                    timeout=BUILD_TIMEOUT)
    assert window.statusBar().currentMessage() == f"Sent {expected} pages to the printer."
    assert len(PdfReader(str(printed)).pages) == expected


def test_wet_ink_and_done_print_the_copy_chosen(qtbot, window, catalogue, jane_data,  # noqa: F811
                                                tmp_path, monkeypatch):
    data = with_teach_back(merge(jane_data, {"screening": {"answers": all_no(catalogue)}}),
                           catalogue)
    assert open_file_in(qtbot, window, write_case(tmp_path, data))
    assert window.go("pack")
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    copies = pack_copies(pack.preview.pdf)
    first = tmp_path / "patient.pdf"
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(first))
    pack.copy.choose("patient")                              # the copy to sign in ink
    qtbot.mouseClick(pack.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    assert len(PdfReader(str(first)).pages) == len(copies.patient)
    done = window.pages["done"]
    second = tmp_path / "clinic.pdf"
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(second))
    done.copy.choose("clinic")
    qtbot.waitUntil(done.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    qtbot.mouseClick(done.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(second.exists, timeout=BUILD_TIMEOUT)
    qtbot.waitUntil(done.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    final = pack_copies(window.final_pdf)
    assert len(PdfReader(str(second)).pages) == len(final.clinic)


CHILD = """
    import json, sys
    from types import SimpleNamespace
    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QApplication
    from mesodesk.catalogue import default_catalogue
    from mesodesk.domain import canonical_json, from_data
    from mesodesk.pack import build_pack
    from mesodesk.ui.app import application, run_app
    from mesodesk.ui.window import MainWindow

    consultation = from_data(json.loads(open(sys.argv[1], encoding="utf-8").read()))
    record = SimpleNamespace(canonical_json=canonical_json(consultation),
                             pdf=build_pack(consultation, default_catalogue(), sealed=False))
    app = application([])
    seen = []

    def open_viewer():
        [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if not window.isVisible():
            QTimer.singleShot(50, open_viewer)
            return
        viewer = window.closing.show_signed(record)
        seen.append(viewer.windowTitle())
        [quit_] = [a for a in window.findChildren(QAction) if a.text() == "&Quit"]
        QTimer.singleShot(200, quit_.trigger)     # File > Quit, the viewer still open

    QTimer.singleShot(0, open_viewer)
    code = run_app(None, [])
    print("VIEWER", seen, flush=True)
    print("VISIBLE", [w.windowTitle() for w in QApplication.topLevelWidgets()
                      if w.isVisible()], flush=True)
    print("EXIT", code, flush=True)
"""


@pytest.mark.slow
def test_quitting_with_the_viewer_open_closes_it_and_ends_the_program(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "MESODESK_DATA_DIR": str(tmp_path / "data"),
           "MESODESK_CONFIG_DIR": str(tmp_path / "config")}
    case = tmp_path / "case.json"
    case.write_text(json.dumps(load_example()), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(CHILD), str(case)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert "VIEWER [\"Signed pack: Jane O'Hara, 25 November 2026 (read-only)\"]" in lines
    assert "VISIBLE []" in lines                          # nothing left on screen
    assert "EXIT 0" in lines                              # and the event loop ended
