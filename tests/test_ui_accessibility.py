"""Every input and button, on every step, is named for screen readers exactly as
it is labelled on screen; and the steps are reachable by keyboard."""

from __future__ import annotations

import json
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox,
                               QLabel, QLineEdit, QListWidget, QPlainTextEdit, QTextEdit, QWidget)

from mesodesk.ui.widgets import plain
from tests.conftest import merge, open_file_in

pytestmark = pytest.mark.usefixtures("fresh_home")

INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox)


def _inside_compound(widget: QWidget) -> bool:
    """Parts of a compound control, named by Qt itself: the line edit inside a
    spin box or combo box, a line edit's clear button, a table's corner button."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QAbstractSpinBox, QComboBox, QAbstractItemView)):
            return True
        if isinstance(parent, QLineEdit) and isinstance(widget, QAbstractButton):
            return True
        parent = parent.parentWidget()
    return False


def mnemonic_clashes(root: QWidget) -> list[str]:
    """Two visible controls answering the same Alt+letter on one screen."""
    seen: dict[str, str] = {}
    out = []
    texts = [b.text() for b in root.findChildren(QAbstractButton) if b.isVisibleTo(root)]
    texts += [label.text() for label in root.findChildren(QLabel)
              if label.buddy() is not None and label.isVisibleTo(root)]
    for text in texts + ["&File"]:
        match = re.search(r"&([^&])", text)
        if match:
            key = match.group(1).lower()
            if key in seen:
                out.append(f"Alt+{key.upper()}: {seen[key]!r} and {text!r}")
            seen[key] = text
    return out


def problems_in(root: QWidget) -> list[str]:
    labels: dict[int, str] = {}
    for label in root.findChildren(QLabel):
        if label.buddy() is not None:
            labels[id(label.buddy())] = plain(label.text())
    out = []
    for w in root.findChildren(QWidget):
        if _inside_compound(w):
            continue
        name = w.accessibleName()
        if isinstance(w, QAbstractButton):
            if name != plain(w.text()) or not name:
                out.append(f"button {w.text()!r} is named {name!r}")
        elif isinstance(w, INPUTS):
            label = labels.get(id(w))
            if label is None:
                out.append(f"{type(w).__name__} named {name!r} has no visible label")
            elif name != label:
                out.append(f"{type(w).__name__} labelled {label!r} is named {name!r}")
        elif isinstance(w, QListWidget) and not name:
            out.append("a list has no name")
    return out


@pytest.fixture
def window(qtbot, jane_data, catalogue, tmp_path):
    from mesodesk.ui.window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.store is not None, timeout=30000)
    # a plan with a warning and an overridable block, so every kind of control shows
    data = merge(jane_data, {"screening": {"answers": dict(
        {q: "no" for q in catalogue.screening}, anticoagulants="yes")}})
    data["products"].append({"id": "lidocaine", "lot": "L1", "expiry": "2031-01-01",
                             "volume_ml": 0.5})
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert open_file_in(qtbot, w, str(path))
    yield w
    w.autosaver.close()


def test_the_start_screen_names_every_control(qtbot, window):
    window.show_start()
    assert problems_in(window.start) == []
    assert mnemonic_clashes(window.start) == []


def test_every_step_names_every_control_as_labelled(qtbot, window):
    seen = 0
    for step, page in window.pages.items():
        window.go(step, force=True)
        assert problems_in(page) == [], step
        assert mnemonic_clashes(window.consultation) == [], step
        seen += len([w for w in page.findChildren(QWidget)
                     if isinstance(w, INPUTS + (QAbstractButton,))])
    assert problems_in(window.consultation) == []
    assert seen > 60  # the walk really covered the pages


def test_signature_pads_are_named_after_their_boxes(qtbot, window):
    sign = window.pages["sign"]
    for box in (sign.patient, sign.practitioner, sign.witness):
        assert box.pad.accessibleName() == box.title()


def test_steps_can_be_chosen_from_the_keyboard(qtbot, window):
    window.step_list.setFocus()
    window.step_list.setCurrentRow(2)
    qtbot.keyClick(window.step_list, Qt.Key.Key_Return)
    assert window.step_id == "screening"
    # a locked step stays locked from the keyboard too
    window.step_list.setCurrentRow(9)
    qtbot.keyClick(window.step_list, Qt.Key.Key_Return)
    assert window.step_id == "screening"


def test_every_step_scrolls_instead_of_clipping_at_large_text(qtbot, window):
    for page in window.pages.values():
        assert page.scroll_area.widgetResizable()
        assert page.minimumSizeHint().height() < 600
