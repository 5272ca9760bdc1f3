"""The clinic's minimum time to reflect between the information and signing
(issue 15: two-stage consent), by kind of treatment, as a small dialog.

The hours are the clinic's policy, remembered in the settings
(:class:`mesodesk.ui.settings.Settings`); the session's rules read them as
``params`` of ``reflection-period-too-short`` (defaults in ``rules.toml``).
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QVBoxLayout, QWidget)

from mesodesk.ui.widgets import add_row, checkbox, note

RULE = "reflection-period-too-short"
#: (setting, label): most demanding first, as the rules read them
KINDS = (("prescription_only", "Prescription-only &medicines"),
         ("injectable", "&Injected products"),
         ("other", "Any &other treatment"))


def defaults(catalogue: Any) -> tuple[dict[str, float], bool]:
    """The catalogue's hours per kind and whether signing earlier may be overridden."""
    spec = catalogue.rules.get(RULE) if catalogue is not None else None
    params = dict(getattr(spec, "params", {}) or {})
    hours = {k: float(params.get(f"{k}_hours", 0.0)) for k, _ in KINDS}
    return hours, bool(params.get("allow_override", 1))


def hours_text(hours: float) -> str:
    if hours <= 0:
        return "none"
    if hours % 24 == 0:
        days = int(hours // 24)
        return f"{days} day{'s' if days != 1 else ''}"
    whole = f"{hours:g}"
    return f"{whole} hour{'s' if whole != '1' else ''}"


def policy_text(hours: dict[str, float], allow_override: bool) -> str:
    """The policy in one sentence for the consent step."""
    parts = [f"{label.replace('&', '').lower()}: {hours_text(hours.get(key, 0.0))}"
             for key, label in KINDS]
    tail = (" Signing earlier needs a written reason." if allow_override
            else " Signing earlier is not allowed.")
    return "This clinic's minimum time to reflect before signing: " + "; ".join(parts) + \
        "." + (tail if any(h > 0 for h in hours.values()) else "")


class ReflectionDialog(QDialog):
    """Hours per kind of treatment, and whether a written reason may release it."""

    def __init__(self, parent: QWidget, hours: dict[str, float], allow_override: bool,
                 on_accept: Callable[[dict[str, float], bool], None]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clinic's time to reflect")
        self.setAccessibleName("Clinic's time to reflect")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.addWidget(note("The least time between the patient first receiving the "
                              "information (the pack shown) and signing consent, by kind of "
                              "treatment. 0 means no minimum. UK guidance (GMC, JCCP) expects "
                              "time to reflect; it sets no fixed period."))
        form = QFormLayout()
        self.hours: dict[str, QDoubleSpinBox] = {}
        for key, label in KINDS:
            box = QDoubleSpinBox()
            box.setRange(0, 24 * 60)
            box.setDecimals(1)
            box.setSingleStep(1)
            box.setSuffix(" hours")
            box.setValue(float(hours.get(key, 0.0)))
            add_row(form, label, box)
            self.hours[key] = box
        layout.addLayout(form)
        self.allow = checkbox("Allow signing earlier with a written &reason")
        self.allow.setChecked(allow_override)
        layout.addWidget(self.allow)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        for b in buttons.buttons():
            b.setAccessibleName(b.text().replace("&", ""))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons
        self._on_accept = on_accept

    def values(self) -> dict[str, float]:
        return {k: box.value() for k, box in self.hours.items()}

    def accept(self) -> None:
        self._on_accept(self.values(), self.allow.isChecked())
        super().accept()
