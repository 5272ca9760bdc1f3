"""The few building blocks the start screen needs: a button, a heading, an icon.

Kept apart from :mod:`mesodesk.ui.widgets` (which re-exports them) because the
window imports this before it is first shown: every Qt class a module imports
makes PySide build that class's Python enums, and the step pages' classes are
not needed until a consultation opens.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QLabel, QPushButton, QWidget


def plain(text: str) -> str:
    """A visible label as a screen reader should say it: no mnemonic, no colon."""
    text = re.sub(r"&(&?)", lambda m: "&" if m.group(1) else "", text)
    return text.strip().rstrip(":").strip()


def button(text: str, parent: QWidget | None = None) -> QPushButton:
    b = QPushButton(text, parent)
    b.setAccessibleName(plain(text))
    return b


#: the icon (resources/icons/*.svg) that marks each severity and each step status;
#: drawn, not a character: no font has U+26D4, which printed as an empty box
ICONS = {"block": "block", "warn": "warn", "info": "info", "done": "done", "todo": "todo"}


def icon_path(kind: str) -> str:
    from mesodesk.resources import resource

    return str(resource("icons", f"{ICONS[kind]}.svg"))


_icons: dict[str, QIcon] = {}


def icon(kind: str) -> QIcon:
    """The icon for a severity ("block", "warn", "info") or a step status ("done", "todo")."""
    if kind not in _icons:
        _icons[kind] = QIcon(icon_path(kind))
    return _icons[kind]


def heading(text: str, level: int = 1) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * (1.45 if level == 1 else 1.15))
    label.setFont(font)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label
