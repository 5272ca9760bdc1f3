"""The window's fields for issue 15: how the patient's age was checked (patient
step), whether the practitioner is an independent prescriber (clinic step),
and the prescriber's assessment when a prescription-only medicine needs one
(plan step). Each box writes into the page's part of the partial
consultation and decides nothing clinical: the rules say what is missing."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
                               QWidget)

from mesodesk.ui.widgets import add_row, button, checkbox, labelled, note

AGE_CHECK_METHODS = (("", "Not checked yet"), ("passport", "Passport"),
                     ("driving-licence", "Driving licence"),
                     ("national-id", "National identity card"),
                     ("other-photo-id", "Other photo ID"),
                     ("known-to-clinic", "Known to the clinic"))


def now_text() -> str:
    """This moment, to the second, with the machine's offset (ISO-8601)."""
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def _set(widget: QLineEdit, value: Any) -> None:
    text = "" if value is None else str(value)
    if widget.text() != text:
        widget.setText(text)


class _Box(QGroupBox):
    """A group of fields writing one dict of the page's section."""

    def __init__(self, title: str, page: Any) -> None:
        super().__init__(title)
        self.setAccessibleName(title)
        self.page = page
        self.form = QFormLayout(self)

    def writing(self) -> bool:
        return not self.page._loading

    def _time_row(self, label: str, on_change: Callable[[str], None]) -> QLineEdit:
        field = QLineEdit()
        field.setPlaceholderText("YYYY-MM-DDTHH:MM, or press Now")
        now = button(f"Now ({label.replace('&', '').lower()})")
        now.clicked.connect(lambda: field.setText(now_text()))
        field.textChanged.connect(on_change)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(field, 1)
        line.addWidget(now)
        self.form.addRow(labelled(label, field), row)
        return field


class AgeCheckBox(_Box):
    """``patient.age_check``: method, who checked, when (no image is kept)."""

    def __init__(self, page: Any) -> None:
        super().__init__("How age was checked", page)
        self.form.addRow(note("Record how you confirmed the patient is 18 or over. "
                              "No copy of the document is kept."))
        self.method = QComboBox()
        for key, text in AGE_CHECK_METHODS:
            self.method.addItem(text, key)
        self.checked_by = QLineEdit()
        add_row(self.form, "Age checked &with", self.method)
        add_row(self.form, "Checked b&y", self.checked_by)
        self.checked_at = self._time_row("Checked &at", lambda _t: self._write())
        self.method.currentIndexChanged.connect(self._method)
        self.checked_by.textChanged.connect(lambda _t: self._write())

    def _method(self, _index: int) -> None:
        if not self.writing():
            return
        if self.method.currentData():       # who and when default to now and this practitioner
            if not self.checked_by.text().strip():
                self.checked_by.setText(
                    str((self.page.data.get("practitioner") or {}).get("name", "")))
            if not self.checked_at.text().strip():
                self.checked_at.setText(now_text())
        self._write()

    def _write(self) -> None:
        if not self.writing():
            return
        patient = self.page.section("patient")
        method = self.method.currentData()
        if not method:
            patient.pop("age_check", None)
        else:
            patient["age_check"] = {"method": method, "checked_by": self.checked_by.text(),
                                    "checked_at": self.checked_at.text().strip()}
        self.page.changed()

    def load(self) -> None:
        check = self.page.section("patient").get("age_check") or {}
        index = self.method.findData(check.get("method", "") if isinstance(check, dict) else "")
        self.method.setCurrentIndex(max(index, 0))
        _set(self.checked_by, check.get("checked_by") if isinstance(check, dict) else "")
        _set(self.checked_at, check.get("checked_at") if isinstance(check, dict) else "")


class PrescriberCheck:
    """``practitioner.independent_prescriber`` as one check box."""

    def __init__(self, page: Any, form: QFormLayout) -> None:
        self.page = page
        self.box = checkbox("&Independent prescriber (nurse or pharmacist with the annotation)")
        form.addRow("", self.box)
        self.box.toggled.connect(self._toggled)

    def _toggled(self, on: bool) -> None:
        if self.page._loading:
            return
        practitioner = self.page.section("practitioner")
        if on:
            practitioner["independent_prescriber"] = True
        else:
            practitioner.pop("independent_prescriber", None)
        self.page.changed()

    def load(self) -> None:
        self.box.setChecked(bool(self.page.section("practitioner").get("independent_prescriber")))


def assessment_needed(data: dict, catalogue: Any) -> bool:
    """A prescription-only medicine is chosen and the practitioner is not a
    prescriber (by registration or as an independent prescriber)."""
    from mesodesk.rules.consent import prescriber_by_registration

    practitioner = data.get("practitioner") or {}
    if practitioner.get("independent_prescriber") or prescriber_by_registration(
            str(practitioner.get("profession", ""))):
        return False
    products = catalogue.products
    return any(getattr(products.get(p.get("id")), "prescription_only", False)
               for p in data.get("products") or [] if isinstance(p, dict))


class AssessmentBox(_Box):
    """``consent.prescriber_assessment``, shown when a prescriber's own
    assessment is needed (or one is recorded)."""

    def __init__(self, page: Any, professions: tuple[tuple[str, str], ...]) -> None:
        super().__init__("Prescriber's assessment", page)
        self.form.addRow(note("A prescription-only medicine is in the plan and you are not "
                              "recorded as a prescriber. The prescriber must have assessed "
                              "the patient face to face before treatment."))
        self.name = QLineEdit()
        self.profession = QComboBox()
        for key, text in professions:
            self.profession.addItem(text, key)
        self.registration = QLineEdit()
        self.registration.setPlaceholderText("e.g. GMC 7654321 or NMC 12A3456E")
        add_row(self.form, "Prescriber's name", self.name)
        add_row(self.form, "Prescriber's profession", self.profession)
        add_row(self.form, "Prescriber's registration number", self.registration)
        self.assessed_at = self._time_row("Assessed at", lambda _t: self._write())
        self.in_person = checkbox("Assessed face to face (in person)")
        self.form.addRow("", self.in_person)
        self.name.textChanged.connect(lambda _t: self._write())
        self.registration.textChanged.connect(lambda _t: self._write())
        self.profession.currentIndexChanged.connect(lambda _i: self._write())
        self.in_person.toggled.connect(lambda _on: self._write())

    def _write(self) -> None:
        if not self.writing():
            return
        consent = self.page.section("consent")
        fields = (self.name.text(), self.registration.text(), self.assessed_at.text())
        if not any(f.strip() for f in fields) and not self.in_person.isChecked():
            consent.pop("prescriber_assessment", None)
        else:
            consent["prescriber_assessment"] = {
                "name": self.name.text(), "profession": self.profession.currentData(),
                "registration": self.registration.text(),
                "assessed_at": self.assessed_at.text().strip(),
                "in_person": self.in_person.isChecked()}
        self.page.changed()

    def refresh(self, data: dict, catalogue: Any) -> None:
        """Shown when needed or when an assessment is recorded."""
        recorded = bool((data.get("consent") or {}).get("prescriber_assessment"))
        self.setVisible(recorded or assessment_needed(data, catalogue))

    def load(self) -> None:
        a = (self.page.section("consent").get("prescriber_assessment") or {})
        a = a if isinstance(a, dict) else {}
        _set(self.name, a.get("name"))
        _set(self.registration, a.get("registration"))
        _set(self.assessed_at, a.get("assessed_at"))
        index = self.profession.findData(a.get("profession", "doctor"))
        self.profession.setCurrentIndex(max(index, 0))
        self.in_person.setChecked(bool(a.get("in_person")))


def mark_information_given(data: dict) -> bool:
    """Stage 1 of consent: record now as the moment the patient is first shown
    the information (the pack), unless a time is already recorded. True if set."""
    consent = data.setdefault("consent", {})
    if not isinstance(consent, dict) or consent.get("information_given_at"):
        return False
    consent["information_given_at"] = now_text()
    return True
