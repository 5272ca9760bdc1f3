"""Guard against a broken Qt binding: PySide6 6.12.0 gives back one reference to
None too many on every call of a method returning nothing (``setText``,
``processEvents``, ...). On Python 3.11, where None is an ordinary object, the
window then dies with "deallocating None" after some tens of thousands of calls,
that is, part-way through a working day. pyproject.toml keeps PySide6 below 6.12."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLineEdit


def test_calls_returning_nothing_do_not_release_none(qtbot):
    edit = QLineEdit()
    qtbot.addWidget(edit)
    before = sys.getrefcount(None)
    for i in range(2000):
        edit.setText("x")   # returns None
        edit.setEnabled(True)
    lost = before - sys.getrefcount(None)
    assert lost < 400, f"the Qt binding released None {lost} times in 4000 calls"
