"""The live findings panel: every finding with its source, as the answers
change; activating one jumps to the step that caused it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6 import QtCore
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from mesodesk.session.steps import DEFAULT_TABLE, StepTable
from mesodesk.ui.widgets import heading, icon, note, severity_word, sources_text

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.rules import Finding
    from mesodesk.session.required import Gap


SEVERITY_ROLE = QtCore.Qt.ItemDataRole.UserRole + 1   # "block", "warn" or "info"


class FindingsPanel(QWidget):
    """Every finding, live, with its source; activating one jumps to its step."""

    def __init__(self, jump: Callable[[str], object], catalogue: Catalogue | None = None,
                 parent: QWidget | None = None, table: StepTable = DEFAULT_TABLE) -> None:
        super().__init__(parent)
        self.catalogue = catalogue
        self.table = table
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.gaps_heading = heading("Still to fill in", level=2)
        layout.addWidget(self.gaps_heading)
        self.gaps = QListWidget()
        self.gaps.setAccessibleName("Still to fill in")
        self.gaps.setWordWrap(True)
        layout.addWidget(self.gaps)
        self.gaps.itemActivated.connect(self._activated)
        self.gaps.itemClicked.connect(self._activated)
        self.gaps_heading.hide()
        self.gaps.hide()
        layout.addWidget(heading("Findings", level=2))
        self.summary = note("Findings appear here as you answer.")
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setAccessibleName("Findings")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setAlternatingRowColors(True)
        line = self.list.fontMetrics().height()
        self.list.setIconSize(QtCore.QSize(line, line))
        layout.addWidget(self.list, 1)
        self._jump = jump
        self.list.itemActivated.connect(self._activated)
        self.list.itemClicked.connect(self._activated)
        self.findings: list[Finding] = []

    def _tooltip(self, f: Finding) -> str:
        """Where a click goes, and the full citation of each source."""
        lines = [f"Select to go to {self.table.step(self.table.step_for_path(f.path)).title}."]
        for key in f.source:
            source = self.catalogue.sources.get(key) if self.catalogue else None
            if source is not None:
                where = f" doi:{source.doi}" if source.doi else (
                    f" {source.url}" if source.url else "")
                issuer = f"{source.publisher}, " if source.publisher else ""
                lines.append(f"{key}: {source.title} ({issuer}{source.year}){where}")
        return "\n".join(lines)

    def _activated(self, item: QListWidgetItem) -> None:
        self._jump(self.table.step_for_path(str(item.data(QtCore.Qt.ItemDataRole.UserRole))))

    def show_gaps(self, gaps: list[tuple[str, Gap]]) -> None:
        """Required fields left empty, each as "Step: field"; one jumps to its step."""
        self.gaps.clear()
        for title, gap in gaps:
            item = QListWidgetItem(f"{title}: {gap.label}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, gap.path)
            item.setToolTip(f"Select to go to {title}.")
            self.gaps.addItem(item)
        self.gaps_heading.setVisible(bool(gaps))
        self.gaps.setVisible(bool(gaps))
        if gaps:   # room for up to six entries of two lines each; it scrolls past that
            line = self.gaps.fontMetrics().lineSpacing()
            rows = sum(1 if self.gaps.fontMetrics().horizontalAdvance(self.gaps.item(i).text())
                       < self.gaps.viewport().width() - 8 else 2
                       for i in range(min(len(gaps), 6)))
            self.gaps.setFixedHeight(rows * line + 2 * self.gaps.frameWidth() + 8)

    def gap_texts(self) -> list[str]:
        return [self.gaps.item(i).text() for i in range(self.gaps.count())]

    def show_findings(self, findings: list[Finding], open_rules: set[str],
                      error: str = "") -> None:
        self.findings = findings
        self.list.clear()
        if error:
            self.summary.setText(error)
            return
        blocks = sum(1 for f in findings if f.severity == "block")
        warns = sum(1 for f in findings if f.severity == "warn")
        self.summary.setText(f"{blocks} block{'s' if blocks != 1 else ''}, "
                             f"{warns} warning{'s' if warns != 1 else ''}. "
                             "Select one to go to its step." if findings
                             else "No findings so far.")
        for f in findings:
            state = "" if f.rule in open_rules or f.severity == "info" else " (resolved)"
            text = (f"{severity_word(f.severity)}{state}: "
                    f"{f.message}\n{sources_text(f.source)}")
            item = QListWidgetItem(icon(f.severity), text)
            item.setData(SEVERITY_ROLE, f.severity)
            item.setData(QtCore.Qt.ItemDataRole.UserRole, f.path)
            item.setData(QtCore.Qt.ItemDataRole.AccessibleTextRole, text.replace("\n", ". "))
            item.setToolTip(self._tooltip(f))
            if state:
                font = QFont(item.font())
                font.setItalic(True)
                item.setFont(font)
            self.list.addItem(item)
