"""The data steps: clinic, patient, screening, indication, delivery,
formulation and plan. Each writes what the practitioner enters into the
shared partial consultation; none decides anything clinical."""

from __future__ import annotations

import html
import logging
import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut

from PySide6.QtWidgets import (QAbstractSpinBox, QButtonGroup, QCheckBox, QComboBox, QCompleter,
                               QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QLineEdit, QPlainTextEdit, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from mesodesk.domain import age_on
from mesodesk.catalogue.vocabulary import label, labels, number
from mesodesk.session import draft as flow
from mesodesk.ui.consentfields import AgeCheckBox, AssessmentBox, PrescriberCheck
from mesodesk.ui.widgets import (StepPage, add_date_row, add_row, button, checkbox, date_hint,
                                 heading, labelled, mark_required, note, parse_clinic_date, radio,
                                 sources_text, spin_box)

log = logging.getLogger(__name__)

PROFESSIONS = tuple(labels("professions").items())   # the one vocabulary
ANSWERS = tuple(labels("answers").items())


def _set_text(widget: QLineEdit | QPlainTextEdit, value: Any) -> None:
    text = "" if value is None else str(value)
    if isinstance(widget, QLineEdit):
        if widget.text() != text:
            widget.setText(text)
    elif widget.toPlainText() != text:
        widget.setPlainText(text)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _mm(value: float) -> str:
    return number(value)


# --- clinic and practitioner ----------------------------------------------------------------


class ClinicPage(StepPage):
    step_id = "clinic"
    title = "Clinic and practitioner"

    def build(self) -> None:
        self.body.addWidget(note("These details are remembered for your next consultation."))
        form = QFormLayout()
        self.clinic_name = QLineEdit()
        self.address = QLineEdit()
        self.phone = QLineEdit()
        self.emergency = QLineEdit()
        self.practitioner = QLineEdit()
        self.profession = QComboBox()
        for key, text in PROFESSIONS:
            self.profession.addItem(text, key)
        self.registration = QLineEdit()
        add_row(form, "C&linic name", self.clinic_name)
        add_row(form, "Clinic address", self.address)
        add_row(form, "Clinic phone", self.phone)
        add_row(form, "Emergency phone", self.emergency)
        add_row(form, "&Practitioner name", self.practitioner)
        add_row(form, "Profession", self.profession)
        add_row(form, "Registration number", self.registration)
        self.prescriber = PrescriberCheck(self, form)          # issue 15
        self.body.addLayout(form)
        self.fields = {"clinic.name": self.clinic_name, "practitioner.name": self.practitioner}
        for w, section, key in ((self.clinic_name, "clinic", "name"),
                                (self.address, "clinic", "address"),
                                (self.phone, "clinic", "phone"),
                                (self.emergency, "clinic", "emergency_phone"),
                                (self.practitioner, "practitioner", "name"),
                                (self.registration, "practitioner", "registration")):
            w.textChanged.connect(lambda text, s=section, k=key: self._text(s, k, text))
        self.profession.currentIndexChanged.connect(self._profession)

    def _text(self, section: str, key: str, text: str) -> None:
        if self._loading:
            return
        self.section(section)[key] = text
        self.changed()

    def _profession(self, _index: int) -> None:
        if not self._loading:
            self.section("practitioner")["profession"] = self.profession.currentData()
            self.changed()

    def load(self) -> None:
        clinic, practitioner = self.section("clinic"), self.section("practitioner")
        _set_text(self.clinic_name, clinic.get("name"))
        _set_text(self.address, clinic.get("address"))
        _set_text(self.phone, clinic.get("phone"))
        _set_text(self.emergency, clinic.get("emergency_phone"))
        _set_text(self.practitioner, practitioner.get("name"))
        _set_text(self.registration, practitioner.get("registration"))
        index = self.profession.findData(practitioner.get("profession", "doctor"))
        self.profession.setCurrentIndex(max(index, 0))
        practitioner.setdefault("profession", self.profession.currentData())
        self.prescriber.load()


# --- patient -----------------------------------------------------------------------------


class PatientPage(StepPage):
    step_id = "patient"
    title = "Patient"

    def build(self) -> None:
        form = QFormLayout()
        self.name = QLineEdit()
        self.dob = QLineEdit()
        self.age = note()
        self.phone = QLineEdit()
        self.email = QLineEdit()
        add_row(form, "Full na&me", self.name)
        self.dob_calendar = add_date_row(form, "&Date of birth", self.dob, "date of birth")
        form.addRow("", self.age)
        add_row(form, "Phone", self.phone)
        add_row(form, "Email", self.email)
        self.body.addLayout(form)
        self.age_check = AgeCheckBox(self)                     # issue 15
        self.body.addWidget(self.age_check)
        self.fields = {"patient.name": self.name, "patient.date_of_birth": self.dob}
        for w, key in ((self.name, "name"), (self.phone, "phone"), (self.email, "email")):
            w.textChanged.connect(lambda text, k=key: self._text(k, text))
        self.dob.textChanged.connect(self._dob)

    def _text(self, key: str, text: str) -> None:
        if self._loading:
            return
        self.section("patient")[key] = text
        self.changed()

    def _dob(self, text: str) -> None:
        if self._loading:
            return
        born = parse_clinic_date(text)
        self.section("patient")["date_of_birth"] = born.isoformat() if born else text
        self._show_age()
        self.changed()

    def _show_age(self) -> None:
        born = parse_clinic_date(self.dob.text())
        on = flow.consultation_date(self.data)
        if not self.dob.text().strip():
            self.age.setText("")
        elif born is None:
            self.age.setText(f"Not a date yet: type it {date_hint()}, or pick it on the "
                             "calendar.")
        elif born > on:
            self.age.setText("This date is in the future.")
        else:
            self.age.setText(f"Age {age_on(born, on)} on {on:%d %B %Y}.")

    def load(self) -> None:
        patient = self.section("patient")
        _set_text(self.name, patient.get("name"))
        _set_text(self.dob, patient.get("date_of_birth"))
        _set_text(self.phone, patient.get("phone"))
        _set_text(self.email, patient.get("email"))
        self._show_age()
        self.age_check.load()


# --- screening ---------------------------------------------------------------------------

#: a key answers the screening question in focus (and the focus moves to the next)
ANSWER_KEYS = {Qt.Key.Key_Y: "yes", Qt.Key.Key_N: "no", Qt.Key.Key_U: "unknown"}


class MedicinesEdit(QPlainTextEdit):
    """The medicines list, free text, offering the catalogue's medicine names
    (generic names and brands, drugs.toml) as the practitioner types a word: the
    rest of the first name that fits appears selected after the cursor (a
    QCompleter finds it). Typing on replaces it; Enter, Right or End takes it;
    Delete or Backspace drops it. No popup window: nothing takes the focus."""

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.completer = QCompleter(names, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setModelSorting(QCompleter.ModelSorting.CaseInsensitivelySortedModel)
        self.completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.offered = ""          # the name offered now ("" when none)

    def word(self) -> str:
        """The word being typed, just before the cursor (or the offered part)."""
        cursor = self.textCursor()
        before = cursor.block().text()[:cursor.selectionStart() - cursor.block().position()]
        match = re.search(r"[^\W\d_][\w-]*$", before)
        return match.group(0) if match else ""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        cursor = self.textCursor()
        if self.offered and cursor.hasSelection():
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Right,
                               Qt.Key.Key_End, Qt.Key.Key_Tab):
                cursor.setPosition(cursor.selectionEnd())   # taken
                self.setTextCursor(cursor)
                self.offered = ""
                if event.key() != Qt.Key.Key_Tab:
                    return
            elif event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                cursor.removeSelectedText()                  # dropped
                self.setTextCursor(cursor)
                self.offered = ""
                return
        self.offered = ""
        super().keyPressEvent(event)
        text = event.text()
        if not text or not (text[-1].isalpha() or text[-1] == "-") or \
                event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                      | Qt.KeyboardModifier.KeypadModifier):
            return
        self.offer()

    def offer(self) -> None:
        """Offer the rest of the first catalogue name the word being typed begins."""
        word = self.word()
        if len(word) < 3:
            return
        self.completer.setCompletionPrefix(word)
        if self.completer.completionCount() == 0:
            return
        name = self.completer.currentCompletion()
        if len(name) <= len(word) or not name.lower().startswith(word.lower()):
            return
        cursor = self.textCursor()
        at = cursor.position()
        cursor.insertText(name[len(word):])
        cursor.setPosition(at, cursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.offered = name


def medicine_names(catalogue: Any) -> list[str]:
    """Every medicine name the catalogue knows, capitalised, once each."""
    names = {n.strip() for d in catalogue.drugs.values() for n in (d.name, *d.names) if n.strip()}
    return sorted({n[:1].upper() + n[1:] for n in names}, key=str.lower)


class ScreeningPage(StepPage):
    step_id = "screening"
    title = "Screening"

    def build(self) -> None:
        self.body.addWidget(note("Ask each question. Choose Unknown when the patient is not "
                                 "sure; it will be flagged for you to follow up. Keys: Y yes, "
                                 "N no, U not known, each then moves on to the next question."))
        self.groups: dict[str, QButtonGroup] = {}
        self.buttons: dict[str, dict[str, QRadioButton]] = {}
        self._question_of: dict[QRadioButton, str] = {}
        questions = sorted(self.catalogue.screening.items(), key=lambda kv: (kv[1].order, kv[0]))
        for qid, question in questions:
            box = QFrame()
            box.setFrameShape(QFrame.Shape.StyledPanel)
            box.setAccessibleName(question.question)
            box.setObjectName(f"question-{qid}")
            column = QVBoxLayout(box)
            asked = note(question.question)
            font = asked.font()
            font.setBold(True)
            asked.setFont(font)
            column.addWidget(asked)
            row = QHBoxLayout()
            group = QButtonGroup(box)
            self.buttons[qid] = {}
            for answer, text in ANSWERS:
                b = radio(text)
                b.setObjectName(f"{qid}-{answer}")
                b.setAccessibleDescription(question.question)
                group.addButton(b)
                row.addWidget(b)
                self.buttons[qid][answer] = b
                b.toggled.connect(lambda on, q=qid, a=answer: self._answer(q, a, on))
                b.installEventFilter(self)
                self._question_of[b] = qid
            row.addStretch(1)
            column.addLayout(row)
            if question.help:
                column.addWidget(note(question.help))
            self.groups[qid] = group
            self.body.addWidget(box)
        form = QFormLayout()
        self.allergies = QLineEdit()
        self.allergies.setPlaceholderText("for example: lidocaine, latex (separate with commas)")
        self.medications = MedicinesEdit(medicine_names(self.catalogue))
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        for w in (self.medications, self.notes):
            w.setMinimumHeight(w.fontMetrics().height() * 3)
        add_row(form, "&Allergies", self.allergies)
        add_row(form, "&Medications", self.medications)
        add_row(form, "Screening notes", self.notes)
        self.body.addLayout(form)
        self.allergies.textChanged.connect(self._allergies)
        self.medications.textChanged.connect(
            lambda: self._text("medications", self.medications.toPlainText()))
        self.notes.textChanged.connect(lambda: self._text("notes", self.notes.toPlainText()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Y, N or U on a question answers it, and the focus moves to the next one."""
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and watched in self._question_of
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
                and event.key() in ANSWER_KEYS):
            self.answer_and_move(self._question_of[watched], ANSWER_KEYS[event.key()])
            return True
        return super().eventFilter(watched, event)

    def answer_and_move(self, qid: str, answer: str) -> None:
        self.buttons[qid][answer].setChecked(True)
        ids = list(self.buttons)
        i = ids.index(qid)
        if i + 1 < len(ids):
            nxt = self.buttons[ids[i + 1]]
            target: QWidget = next((b for b in nxt.values() if b.isChecked()),
                                   next(iter(nxt.values())))
        else:
            target = self.allergies
        target.setFocus(Qt.FocusReason.TabFocusReason)
        self.scroll_area.ensureWidgetVisible(target)

    def show_gaps(self, gaps: list) -> None:
        super().show_gaps(gaps)
        answers = self._answers()
        unanswered = bool(gaps)
        for qid, group in self.groups.items():
            frame = group.parent()
            mark_required(frame, unanswered and qid not in answers)

    def _answers(self) -> dict:
        screening = self.section("screening")
        answers = screening.get("answers")
        if not isinstance(answers, dict):
            answers = screening["answers"] = {}
        return answers

    def _answer(self, question: str, answer: str, on: bool) -> None:
        if self._loading or not on:
            return
        self._answers()[question] = answer
        self.changed()

    def _allergies(self, text: str) -> None:
        if self._loading:
            return
        self.section("screening")["allergies"] = [a.strip() for a in text.split(",")
                                                  if a.strip()]
        self.changed()

    def _text(self, key: str, text: str) -> None:
        if self._loading:
            return
        self.section("screening")[key] = text
        self.changed()

    def load(self) -> None:
        answers = self._answers()
        for qid, group in self.groups.items():
            group.setExclusive(False)
            for answer, b in self.buttons[qid].items():
                b.setChecked(answers.get(qid) == answer)
            group.setExclusive(True)
        screening = self.section("screening")
        allergies = screening.get("allergies") or []
        current = [a.strip() for a in self.allergies.text().split(",") if a.strip()]
        if current != list(allergies):
            self.allergies.setText(", ".join(str(a) for a in allergies))
        _set_text(self.medications, screening.get("medications", ""))
        _set_text(self.notes, screening.get("notes", ""))


# --- indication and areas ----------------------------------------------------------------


class IndicationPage(StepPage):
    step_id = "indication"
    title = "Indication and treatment areas"

    def build(self) -> None:
        form = QFormLayout()
        self.indication = QComboBox()
        self.indication.addItem("Choose an indication", None)
        for key, ind in self.catalogue.indications.items():
            self.indication.addItem(ind.name, key)
        add_row(form, "&Indication", self.indication)
        self.body.addLayout(form)
        self.about = note(rich=True)
        self.body.addWidget(self.about)
        box = QGroupBox("Treatment areas")
        grid = QGridLayout(box)
        self.areas: dict[str, QCheckBox] = {}
        for i, (key, area) in enumerate(self.catalogue.areas.items()):
            cb = checkbox(area.name)
            cb.setObjectName(f"area-{key}")
            cb.toggled.connect(lambda _on, k=key: self._areas())
            grid.addWidget(cb, i // 3, i % 3)
            self.areas[key] = cb
        self.body.addWidget(box)
        self.usual = note()
        self.body.addWidget(self.usual)
        self.fields = {"indication": self.indication, "areas": box}
        self.indication.currentIndexChanged.connect(self._indication)

    def _indication(self, _index: int) -> None:
        self._describe()
        if self._loading:
            return
        new = flow.with_indication(self.data, self.indication.currentData(), self.catalogue)
        for key in ("delivery", "plan"):   # suggested, not chosen: to be seen on their step
            if new.get(key) != self.data.get(key):
                self.state.unconfirmed.add(key)
        self.data.clear()
        self.data.update(new)
        self.changed()

    def _areas(self) -> None:
        if self._loading:
            return
        self.data["areas"] = [k for k, cb in self.areas.items() if cb.isChecked()]
        self.changed()

    def _describe(self) -> None:
        key = self.indication.currentData()
        if key not in self.catalogue.indications:
            self.about.setText("")
            self.usual.setText("")
            return
        ind = self.catalogue.indications[key]
        self.about.setText(
            f"<p>{html.escape(ind.summary.text)}</p>"
            f"<p><b>Strength of evidence: {label('evidence', ind.evidence)}.</b> "
            f"{html.escape(ind.evidence_summary.text)} "
            f"<small>({html.escape(sources_text(ind.evidence_summary.source))})</small></p>"
            f"<p><b>Realistic outcome:</b> {html.escape(ind.expected_outcome.text)}</p>")
        names = [self.catalogue.areas[a].name for a in ind.areas if a in self.catalogue.areas]
        self.usual.setText("Usual areas for this indication: " + ", ".join(names) + ".")

    def load(self) -> None:
        index = self.indication.findData(self.data.get("indication"))
        self.indication.setCurrentIndex(max(index, 0))
        self._describe()
        chosen = set(self.data.get("areas") or [])
        for key, cb in self.areas.items():
            cb.setChecked(key in chosen)


# --- delivery ------------------------------------------------------------------------------


class DeliveryPage(StepPage):
    step_id = "delivery"
    title = "Delivery: technique, device and needle"

    def build(self) -> None:
        self.body.addWidget(note("Defaults come from the indication. A needle is recorded as "
                                 "gauge \u00d7 length; depth depends on length and angle, "
                                 "not on gauge."))
        form = QFormLayout()
        self.technique = QComboBox()
        self.technique.addItem("Choose a technique", None)
        for key, t in self.catalogue.techniques.items():
            self.technique.addItem(t.name, key)
        self.device = QComboBox()
        self.device.addItem("Choose a device", None)
        for key, d in self.catalogue.devices.items():
            self.device.addItem(d.name, key)
        self.gauge = QComboBox()
        self.gauge.addItem("Choose a gauge", None)
        for gauge, needle in sorted(self.catalogue.needles.items()):
            self.gauge.addItem(f"{gauge}G ({number(needle.outer_diameter_mm)} mm outside diameter)",
                               gauge)
        self.length = spin_box(100, 1, " mm", 0.5)
        self.depth_mm = spin_box(100, 1, " mm", 0.5)
        add_row(form, "&Technique", self.technique)
        add_row(form, "De&vice", self.device)
        add_row(form, "Needle &gauge", self.gauge)
        add_row(form, "Needle &length", self.length)
        add_row(form, "Injection d&epth", self.depth_mm)
        self.body.addLayout(form)
        self.fields = {"delivery.technique": self.technique, "delivery.device": self.device,
                       "delivery.needle_gauge": self.gauge,
                       "delivery.needle_length_mm": self.length, "delivery.depth_mm": self.depth_mm}
        self.summary = note(rich=True)
        self.body.addWidget(self.summary)
        self.technique.currentIndexChanged.connect(lambda _i: self._combo("technique",
                                                                          self.technique))
        self.device.currentIndexChanged.connect(lambda _i: self._combo("device", self.device))
        self.gauge.currentIndexChanged.connect(lambda _i: self._combo("needle_gauge", self.gauge))
        self.length.valueChanged.connect(lambda v: self._number("needle_length_mm", v))
        self.depth_mm.valueChanged.connect(lambda v: self._number("depth_mm", v))

    def _combo(self, key: str, combo: QComboBox) -> None:
        self._describe()
        if self._loading:
            return
        value = combo.currentData()
        if value is None:
            self.section("delivery").pop(key, None)
        else:
            self.section("delivery")[key] = value
        self.changed()

    def _number(self, key: str, value: float) -> None:
        self._describe()
        if self._loading:
            return
        if value <= 0:
            self.section("delivery").pop(key, None)
        else:
            self.section("delivery")[key] = round(value, 2)
        self.changed()

    def _describe(self) -> None:
        parts = []
        gauge, length = self.gauge.currentData(), self.length.value()
        if gauge is not None and length > 0:
            parts.append(f"<p><b>Needle:</b> {gauge}G \u00d7 {_mm(length)} mm</p>")
        key = self.technique.currentData()
        if key in self.catalogue.techniques:
            t = self.catalogue.techniques[key]
            parts.append(
                f"<p><b>{html.escape(t.name)}:</b> usual depth {_mm(t.depth_min_mm)}\u2013"
                f"{_mm(t.depth_max_mm)} mm <small>({html.escape(sources_text(t.depth_source))})"
                f"</small>. {html.escape(t.description.text)}</p>")
        if gauge in self.catalogue.needles:
            needle = self.catalogue.needles[gauge]
            lengths = ", ".join(_mm(x) for x in needle.lengths_mm)
            parts.append(f"<p>{gauge}G needles come in {lengths} mm lengths "
                         f"<small>({html.escape(sources_text(needle.source))})</small>.</p>")
        self.summary.setText("".join(parts))

    def load(self) -> None:
        delivery = self.section("delivery")
        for combo, key in ((self.technique, "technique"), (self.device, "device"),
                           (self.gauge, "needle_gauge")):
            combo.setCurrentIndex(max(combo.findData(delivery.get(key)), 0))
        self.length.setValue(_number(delivery.get("needle_length_mm")))
        self.depth_mm.setValue(_number(delivery.get("depth_mm")))
        self._describe()


# --- formulation ---------------------------------------------------------------------------


class ProductRow(QFrame):
    """One product in the plan: lot, expiry, volume and injection count."""

    def __init__(self, page: "FormulationPage", index: int) -> None:
        super().__init__()
        self.page = page
        self.index = index
        self.setFrameShape(QFrame.Shape.StyledPanel)
        entry = page.products()[index]
        product = page.catalogue.products.get(entry.get("id", ""))
        layout = QVBoxLayout(self)
        title = product.name if product else str(entry.get("id"))
        layout.addWidget(heading(title, level=2))
        if product is not None:
            bits = [f"Regulatory status: {product.regulatory.status.replace('-', ' ')}",
                    f"route: {product.route.replace('-', ' ')}"]
            if product.typical_concentration:
                bits.append(f"typical concentration: {product.typical_concentration}")
            if product.typical_volume_ml:
                bits.append(f"typical volume: {number(product.typical_volume_ml)} mL")
            layout.addWidget(note("; ".join(bits) + "."))
        form = QFormLayout()
        self.lot = QLineEdit(str(entry.get("lot", "")))
        self.expiry = QLineEdit(str(entry.get("expiry", "")))
        self.volume = spin_box(1000, 2, " mL", 0.1)
        self.volume.setValue(_number(entry.get("volume_ml")))
        self.injections = QSpinBox()
        self.injections.setRange(0, 100000)
        self.injections.setSpecialValueText("Not recorded")
        self.injections.setValue(int(_number(entry.get("injections"))))
        add_row(form, "Lot", self.lot)
        self.expiry_calendar = add_date_row(form, "Expiry", self.expiry, "expiry date")
        add_row(form, "Volume", self.volume)
        add_row(form, "Injections", self.injections)
        layout.addLayout(form)
        self.remove = button("Remove")
        self.remove.setToolTip(f"Remove {title} from the plan")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove)
        layout.addLayout(row)
        self.lot.textChanged.connect(lambda t: self._set("lot", t))
        self.expiry.textChanged.connect(self._expiry)
        self.volume.valueChanged.connect(
            lambda v: self._set("volume_ml", round(v, 2) if v > 0 else None))
        self.injections.valueChanged.connect(lambda v: self._set("injections", v or None))
        self.remove.clicked.connect(lambda: page.remove_product(self.index))

    def _expiry(self, text: str) -> None:
        date = parse_clinic_date(text)
        self._set("expiry", date.isoformat() if date else text)

    def _set(self, key: str, value: Any) -> None:
        entry = self.page.products()[self.index]
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
        self.page.changed()


class FormulationPage(StepPage):
    step_id = "formulation"
    title = "Formulation"

    def build(self) -> None:
        self.body.addWidget(note("Products suited to the chosen indication are listed first. "
                                 "Record the lot and expiry from the vial."))
        self.rows_box = QVBoxLayout()
        self.body.addLayout(self.rows_box)
        self.rows: list[ProductRow] = []
        self.empty = note("No product chosen yet.")
        self.rows_box.addWidget(self.empty)
        undo_row = QHBoxLayout()
        self.removed_note = note()
        self.undo_remove = button("Undo remove")
        self.undo_remove.setToolTip("Put the removed product back (Ctrl+Z)")
        undo_row.addWidget(self.removed_note, 1)
        undo_row.addWidget(self.undo_remove)
        self.body.addLayout(undo_row)
        self.removed_note.hide()
        self.undo_remove.hide()
        self._removed: tuple[int, dict] | None = None
        add = QHBoxLayout()
        self.product = QComboBox()
        self.add_product = button("&Add product")
        add.addWidget(labelled("Pr&oduct", self.product))
        add.addWidget(self.product, 1)
        add.addWidget(self.add_product)
        self.body.addLayout(add)
        anaesthetic = QHBoxLayout()
        self.anaesthetic = QComboBox()
        for key, p in self.catalogue.products.items():
            if p.role == "anaesthetic":
                self.anaesthetic.addItem(p.name, key)
        self.add_anaesthetic = button("Add anaes&thetic")
        anaesthetic.addWidget(labelled("Anaesthetic", self.anaesthetic))
        anaesthetic.addWidget(self.anaesthetic, 1)
        anaesthetic.addWidget(self.add_anaesthetic)
        self.body.addLayout(anaesthetic)
        # a product chosen by hand, and for which indication (kept while it stays the same)
        self._chosen: tuple[str | None, str] | None = None
        for combo in (self.product, self.anaesthetic):   # long names never widen the page
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(24)
        self.product.activated.connect(self._picked)
        self.product.currentIndexChanged.connect(
            lambda _i: self.add_product.setEnabled(self.product.currentData() is not None))
        self.add_product.clicked.connect(lambda: self._add(self.product.currentData()))
        self.add_anaesthetic.clicked.connect(lambda: self._add(self.anaesthetic.currentData()))
        self.add_anaesthetic.setEnabled(self.anaesthetic.count() > 0)
        self.undo_remove.clicked.connect(self.restore_removed)
        undo = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.activated.connect(self.restore_removed)
        self.fields = {"products": self.product}

    def products(self) -> list[dict]:
        products = self.data.get("products")
        if not isinstance(products, list):
            products = self.data["products"] = []
        return products

    def _picked(self, _index: int) -> None:
        key = self.product.currentData()
        self._chosen = (self.data.get("indication"), key) if key is not None else None

    def _fill_choices(self) -> None:
        """Suited products first. Preselected: the product chosen by hand for this
        indication, else the first suited one, else nothing; a product not suited
        to the indication is only ever a deliberate choice."""
        indication = self.data.get("indication")
        ind = self.catalogue.indications.get(indication or "")
        suited: tuple[str, ...] = ind.products if ind is not None else ()
        actives = [k for k, p in self.catalogue.products.items() if p.role == "active"]
        self.product.blockSignals(True)
        self.product.clear()
        self.product.addItem("Choose a product", None)
        first_suited = -1
        for key in [k for k in suited if k in actives]:
            self.product.addItem(f"{self.catalogue.products[key].name} \u2014 suited", key)
            first_suited = 1
        for key in actives:
            if key not in suited:
                self.product.addItem(self.catalogue.products[key].name, key)
        index = -1
        if self._chosen is not None and self._chosen[0] == indication:
            index = self.product.findData(self._chosen[1])
        if index < 0:
            self._chosen = None
            index = max(first_suited, 0)
        self.product.setCurrentIndex(index)
        self.product.blockSignals(False)
        self.add_product.setEnabled(self.product.currentData() is not None)

    def _add(self, key: str | None) -> None:
        if key is None:
            return
        product = self.catalogue.products[key]
        entry: dict[str, Any] = {"id": key, "lot": ""}
        if product.typical_volume_ml > 0:
            entry["volume_ml"] = product.typical_volume_ml
        self.products().append(entry)
        self._forget_removed()
        self._rebuild()
        self.rows[-1].lot.setFocus()
        self.changed()

    def remove_product(self, index: int) -> None:
        """Take a product out of the plan; Ctrl+Z (or Undo remove) puts it back."""
        entry = self.products().pop(index)
        self._removed = (index, entry)
        product = self.catalogue.products.get(str(entry.get("id", "")))
        name = product.name if product is not None else str(entry.get("id", "a product"))
        self.removed_note.setText(f"Removed {name}. Press Ctrl+Z or Undo remove to put it back.")
        self.removed_note.show()
        self.undo_remove.show()
        self._rebuild()
        self.changed()
        self.focus_first()

    def restore_removed(self) -> bool:
        if self._removed is None:
            return False
        index, entry = self._removed
        products = self.products()
        products.insert(min(index, len(products)), entry)
        self._forget_removed()
        self._rebuild()
        self.changed()
        self.rows[min(index, len(self.rows) - 1)].lot.setFocus()
        return True

    def _forget_removed(self) -> None:
        self._removed = None
        self.removed_note.hide()
        self.undo_remove.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Ctrl+Z in a field with nothing of its own to undo undoes the removal."""
        if (event.type() == QEvent.Type.ShortcutOverride and self._removed is not None
                and isinstance(event, QKeyEvent) and event.matches(QKeySequence.StandardKey.Undo)):
            edit = watched.lineEdit() if isinstance(watched, QAbstractSpinBox) else watched
            if isinstance(edit, QLineEdit) and not edit.isUndoAvailable():
                event.ignore()
                return True       # not the field's: the page's shortcut takes it
        return super().eventFilter(watched, event)

    def focus_first(self) -> None:
        target = self.first_field()
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def field_for(self, path: str) -> QWidget | None:
        match = re.fullmatch(r"products\[(\d+)\]\.(lot|expiry|volume_ml)", path)
        if match:
            i = int(match.group(1))
            if i < len(self.rows):
                return getattr(self.rows[i], {"volume_ml": "volume"}.get(match.group(2),
                                                                         match.group(2)))
            return None
        return super().field_for(path)

    def _rebuild(self) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for i, entry in enumerate(self.products()):
            if isinstance(entry, dict):
                row = ProductRow(self, i)
                for edit in (row.lot, row.expiry, row.volume, row.injections):
                    edit.installEventFilter(self)
                self.rows.append(row)
                self.rows_box.addWidget(row)
                row.show()
        self.empty.setVisible(not self.rows)
        # Tab follows the page from top to bottom (new rows would come last otherwise)
        chain: list[QWidget] = [w for row in self.rows for w in (
            row.lot, row.expiry, row.volume, row.injections, row.remove)]
        chain += [self.undo_remove, self.product, self.add_product, self.anaesthetic,
                  self.add_anaesthetic]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def entered(self) -> None:
        self._fill_choices()

    def load(self) -> None:
        self._fill_choices()
        self._rebuild()


# --- plan ----------------------------------------------------------------------------------


class PlanPage(StepPage):
    step_id = "plan"
    title = "Plan"

    def build(self) -> None:
        form = QFormLayout()
        self.sessions = QSpinBox()
        self.sessions.setRange(0, 100)
        self.sessions.setSpecialValueText("Not set")
        self.interval = spin_box(520, 1, " weeks", 1)
        self.interval.setSpecialValueText("")
        self.interval.setMinimum(-1)
        self.interval.setSpecialValueText("Not set")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setMinimumHeight(self.notes.fontMetrics().height() * 4)
        add_row(form, "&Sessions", self.sessions)
        add_row(form, "Inter&val between sessions", self.interval)
        add_row(form, "Plan notes", self.notes)
        self.body.addLayout(form)
        self.fields = {"plan.sessions": self.sessions, "plan.interval_weeks": self.interval}
        self.schedule = note(rich=True)
        self.body.addWidget(self.schedule)
        self.assessment = AssessmentBox(self, PROFESSIONS)      # issue 15, when needed
        self.body.addWidget(self.assessment)
        self.sessions.valueChanged.connect(lambda v: self._set("sessions", v or None))
        self.interval.valueChanged.connect(
            lambda v: self._set("interval_weeks", round(v, 1) if v >= 0 else None))
        self.notes.textChanged.connect(lambda: self._set("notes", self.notes.toPlainText()))

    def _set(self, key: str, value: Any) -> None:
        if self._loading:
            return
        if value is None:
            self.section("plan").pop(key, None)
        else:
            self.section("plan")[key] = value
        self.changed()

    def entered(self) -> None:
        self.assessment.refresh(self.data, self.catalogue)
        ind = self.catalogue.indications.get(self.data.get("indication") or "")
        if ind is None:
            self.schedule.setText("")
            return
        self.schedule.setText(
            f"<p><b>What studies used for {html.escape(ind.name.lower())}:</b> "
            f"{html.escape(ind.schedule.text)} "
            f"<small>({html.escape(sources_text(ind.schedule.source))})</small></p>"
            f"<p>Typical plan: {ind.typical_sessions} sessions, "
            f"{number(ind.typical_interval_weeks)} weeks apart.</p>")

    def load(self) -> None:
        plan = self.section("plan")
        self.sessions.setValue(int(_number(plan.get("sessions"))))
        interval = plan.get("interval_weeks")
        self.interval.setValue(_number(interval) if interval is not None else -1)
        _set_text(self.notes, plan.get("notes", ""))
        self.assessment.load()
        self.entered()


__all__ = ["ClinicPage", "DeliveryPage", "FormulationPage", "IndicationPage", "PatientPage",
           "PlanPage", "ScreeningPage"]
