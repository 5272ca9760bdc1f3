"""The closing steps: review every finding, consent choices, the pack shown
to the patient, signatures, and done (save, print, open the folder).

These pages display findings and the pack; the window computes findings
(:mod:`mesodesk.rules`) and builds the pack (:mod:`mesodesk.pack`) off the GUI
thread and hands the results in.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QProgressBar, QRadioButton, QSpinBox,
                               QVBoxLayout, QWidget)

from mesodesk.catalogue.vocabulary import labels, number
from mesodesk.rules import Finding
from mesodesk.session import ceremony
from mesodesk.session.draft import to_consultation
from mesodesk.ui.agreement import AgreementBox, TeachBackBox
from mesodesk.ui.preview import PdfPreview
from mesodesk.ui.signature import SignaturePad
from mesodesk.ui.viewer import CopyChoice
from mesodesk.ui.widgets import (StepPage, add_row, button,
                                 checkbox, finding_html, heading, note, radio, sources_text)

if TYPE_CHECKING:
    from mesodesk.session import Snapshot

log = logging.getLogger(__name__)

PHOTO_CHOICES = tuple(labels("photo_choices").items())   # the one vocabulary


def _esc(value: Any) -> str:
    return html.escape(str(value)) if value not in (None, "") else "\u2014"


# --- review --------------------------------------------------------------------------------


class FindingItem(QFrame):
    """One finding with what resolves it: a tick, a written reason, or nothing."""

    def __init__(self, page: "ReviewPage", finding: Finding) -> None:
        super().__init__()
        self.page = page
        self.finding = finding
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"finding-{finding.rule}")
        layout = QVBoxLayout(self)
        layout.addWidget(note(finding_html(finding), rich=True))
        self.acknowledge: Any = None
        self.reason: QLineEdit | None = None
        consent = page.section("consent")
        if finding.severity == "warn":
            self.acknowledge = checkbox("I have discussed this with the patient (acknowledged)")
            self.acknowledge.setChecked(finding.rule in (consent.get("acknowledged") or []))
            self.acknowledge.toggled.connect(self._acknowledged)
            layout.addWidget(self.acknowledge)
        elif finding.severity == "block" and finding.overridable:
            form = QFormLayout()
            self.reason = QLineEdit()
            self.reason.setPlaceholderText("Why it is right to go ahead, in words")
            existing = next((o.get("reason", "") for o in consent.get("overrides") or []
                             if isinstance(o, dict) and o.get("rule") == finding.rule), "")
            self.reason.setText(existing)
            add_row(form, "Reason for override", self.reason)
            self.reason.textChanged.connect(self._reason)
            layout.addLayout(form)
        elif finding.severity == "block":
            final = note("This block is final: the plan cannot go ahead as it stands. "
                         "Change the plan or do not treat.")
            final.setObjectName("absolute-block")
            layout.addWidget(final)

    def _acknowledged(self, on: bool) -> None:
        consent = self.page.section("consent")
        acknowledged = [r for r in consent.get("acknowledged") or [] if r != self.finding.rule]
        if on:
            acknowledged.append(self.finding.rule)
        consent["acknowledged"] = acknowledged
        self.page.changed()

    def _reason(self, text: str) -> None:
        consent = self.page.section("consent")
        overrides = [o for o in consent.get("overrides") or []
                     if not (isinstance(o, dict) and o.get("rule") == self.finding.rule)]
        if text.strip():
            overrides.append({"rule": self.finding.rule, "reason": text})
        consent["overrides"] = overrides
        self.page.changed()


class ReviewPage(StepPage):
    step_id = "review"
    title = "Review the plan and every finding"

    def build(self) -> None:
        self.summary = note(rich=True)
        self.summary.setObjectName("plan-summary")
        self.body.addWidget(self.summary)
        self.history = note(rich=True)      # who treats, and what the patient reported
        self.history.setObjectName("review-history")
        self.body.addWidget(self.history)
        self.body.addWidget(heading("Findings", level=2))
        self.status = note()
        self.status.setObjectName("review-status")
        self.body.addWidget(self.status)
        self.items_box = QVBoxLayout()
        self.body.addLayout(self.items_box)
        self.items: dict[tuple[str, str, str], FindingItem] = {}
        self.findings_note.hide()

    def show_findings(self, findings: list[Finding]) -> None:
        """All findings, not only this step's; rebuilt only when the set changes,
        so typing a reason never loses focus."""
        keys = [(f.rule, f.severity, f.path) for f in findings]
        if keys != list(self.items):
            for item in self.items.values():
                item.setParent(None)
                item.deleteLater()
            self.items = {}
            for f in findings:
                item = FindingItem(self, f)
                self.items[(f.rule, f.severity, f.path)] = item
                self.items_box.addWidget(item)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.show_findings(snapshot.findings)
        self._status(snapshot.outstanding, snapshot.unfinished_before(self.step_id))
        if not snapshot.findings and not snapshot.error:   # say so, rather than nothing
            unfinished = snapshot.unfinished_before(self.step_id)
            self.status.setText("No findings." + (f" {self.status.text()}" if unfinished
                                                  else " You can go on to consent."))

    def _status(self, open_: list[Finding], unfinished: list[str]) -> None:
        absolute = [f for f in open_ if f.absolute]
        if absolute:
            text = (f"{len(absolute)} finding{'s' if len(absolute) > 1 else ''} cannot be "
                    "overridden. Consent and the pack stay locked.")
        elif unfinished:
            text = ("The plan is not complete yet. Still to do: " + ", ".join(unfinished)
                    + ". Consent opens when every step before it is complete.")
        elif absolute:
            text = (f"{len(absolute)} finding{'s' if len(absolute) > 1 else ''} cannot be "
                    "overridden. Consent and the pack stay locked.")
        elif open_:
            count = (f"{len(open_)} findings still need" if len(open_) > 1
                     else "1 finding still needs")
            text = (f"{count} your attention: tick each warning once discussed, and give a "
                    "written reason for each block you override. Consent stays locked until "
                    "then.")
        else:
            text = "Every finding is resolved. You can go on to consent."
        self.status.setText(text)

    def entered(self) -> None:
        self.summary.setText(plan_summary(self.data, self.catalogue))
        self.history.setText(self._history())

    def _history(self) -> str:
        """The practitioner, and the allergies and medicines the patient reported."""
        from mesodesk.catalogue.vocabulary import label

        practitioner = self.data.get("practitioner") or {}
        screening = self.data.get("screening") or {}
        who = _esc(practitioner.get("name"))
        profession = practitioner.get("profession")
        if profession:
            who += f", {html.escape(label('professions', str(profession)).lower())}"
        if practitioner.get("registration"):
            who += f", {html.escape(str(practitioner['registration']))}"
        allergies = [str(a) for a in screening.get("allergies") or [] if str(a).strip()]
        medicines = str(screening.get("medications") or "").strip()
        rows = [("Practitioner", who),
                ("Allergies", html.escape(", ".join(allergies)) if allergies else "None reported"),
                ("Medicines", html.escape(medicines).replace("\n", "<br/>") if medicines
                 else "None reported")]
        return "<table cellspacing='4'>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>"

    def load(self) -> None:
        self.entered()


def plan_summary(data: dict, catalogue: Any) -> str:
    """The whole plan in a few lines of HTML, using catalogue names."""
    patient = data.get("patient") or {}
    delivery = data.get("delivery") or {}
    plan = data.get("plan") or {}
    ind = catalogue.indications.get(data.get("indication") or "")
    areas = ", ".join(catalogue.areas[a].name for a in data.get("areas") or []
                      if a in catalogue.areas)
    tech = catalogue.techniques.get(delivery.get("technique") or "")
    device = catalogue.devices.get(delivery.get("device") or "")
    products = []
    for p in data.get("products") or []:
        if not isinstance(p, dict):
            continue
        product = catalogue.products.get(p.get("id", ""))
        name = product.name if product else p.get("id", "?")
        products.append(f"{_esc(name)}, lot {_esc(p.get('lot'))}, expiry "
                        f"{_esc(p.get('expiry'))}, {_esc(p.get('volume_ml'))} mL")
    needle = "\u2014"
    if delivery.get("needle_gauge") and delivery.get("needle_length_mm"):
        needle = f"{delivery['needle_gauge']}G \u00d7 {number(delivery['needle_length_mm'])} mm"
    rows = [
        ("Patient", f"{_esc(patient.get('name'))}, born {_esc(patient.get('date_of_birth'))}"),
        ("Indication", _esc(ind.name if ind else None)),
        ("Areas", _esc(areas)),
        ("Technique", _esc(tech.name if tech else None)),
        ("Device", _esc(device.name if device else None)),
        ("Needle", needle),
        ("Depth", f"{_esc(delivery.get('depth_mm'))} mm"),
        ("Products", "<br/>".join(products) or "\u2014"),
        ("Plan", f"{_esc(plan.get('sessions'))} sessions, "
                 f"{_esc(plan.get('interval_weeks'))} weeks apart"),
    ]
    return "<table cellspacing='4'>" + "".join(
        f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>"


# --- consent -------------------------------------------------------------------------------


class ConsentPage(StepPage):
    step_id = "consent"
    title = "Consent choices"
    policy_requested = Signal()   # the clinic's time to reflect, to change
    load_when_shown = True

    def build(self) -> None:
        box = QGroupBox("Photographs")
        box.setAccessibleName("Photographs")
        layout = QVBoxLayout(box)
        self.photo_group = QButtonGroup(box)
        self.photos: dict[str, QRadioButton] = {}
        for key, text in PHOTO_CHOICES:
            b = radio(text)
            b.setObjectName(f"photos-{key}")
            self.photo_group.addButton(b)
            self.photos[key] = b
            layout.addWidget(b)
            b.toggled.connect(lambda on, k=key: self._photos(k, on))
        self.photo_text = note()
        layout.addWidget(self.photo_text)
        self.body.addWidget(box)
        form = QFormLayout()
        self.cooling = QSpinBox()
        self.cooling.setRange(0, 365)
        self.cooling.setSuffix(" days")
        add_row(form, "Coo&ling-off period", self.cooling)
        self.body.addLayout(form)
        cooling = self.catalogue.texts.cooling_off
        self.body.addWidget(note(f"{cooling.text} ({sources_text(cooling.source)})"))
        policy_row = QHBoxLayout()
        self.policy_note = note()
        self.policy_note.setObjectName("reflection-policy")
        self.policy_button = button("Clinic's ti&me to reflect\u2026")
        policy_row.addWidget(self.policy_note, 1)
        policy_row.addWidget(self.policy_button, 0)
        self.body.addLayout(policy_row)
        self.policy_button.clicked.connect(self.policy_requested)
        self.teach_back = TeachBackBox(self)
        self.body.addWidget(self.teach_back)
        self.body.addWidget(note("Next, the patient reads the whole pack on screen. The "
                                 "signature pad opens only after that."))
        self.cooling.valueChanged.connect(self._cooling)

    def _photos(self, key: str, on: bool) -> None:
        if not on:
            return
        statement = self.catalogue.texts.photo_options.get(key)
        self.photo_text.setText(statement.text if statement else "")
        if self._loading:
            return
        self.section("consent")["photos"] = key
        self.changed()

    def _cooling(self, days: int) -> None:
        if not self._loading:
            self.section("consent")["cooling_off_days"] = days
            self.changed()

    def load(self) -> None:
        consent = self.section("consent")
        chosen = consent.get("photos")
        self.photo_group.setExclusive(False)
        for key, b in self.photos.items():
            b.setChecked(key == chosen)
        self.photo_group.setExclusive(True)
        statement = self.catalogue.texts.photo_options.get(chosen or "")
        self.photo_text.setText(statement.text if statement else "")
        days = consent.get("cooling_off_days")
        self.cooling.setValue(int(days) if isinstance(days, int) else 0)
        self._questions()

    def _questions(self) -> None:
        consultation = to_consultation(self.data, self.catalogue)
        self.teach_back.show_questions(ceremony.teach_back_questions(consultation,
                                                                     self.catalogue))

    def entered(self) -> None:
        consent = self.section("consent")
        if "cooling_off_days" not in consent:
            consent["cooling_off_days"] = self.cooling.value()
        self._questions()


# --- the pack, shown to the patient -------------------------------------------------------


class Busy(QWidget):
    """A busy indicator with a line saying what is happening."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(text)
        self.label = QLabel(text)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 1)
        self.hide()


class PackPage(StepPage):
    step_id = "pack"
    title = "The pack, for the patient to read"
    fills_height = True
    sign_requested = Signal()
    print_requested = Signal()
    retry_requested = Signal()
    read = Signal()          # the patient has had every page on screen

    def build(self) -> None:
        self.body.addWidget(note("Give the screen to the patient. Signing on screen opens "
                                 "once they have scrolled to the last page. You can also "
                                 "print the pack for a wet-ink signature."))
        self.busy = Busy("Preparing the pack\u2026")
        self.body.addWidget(self.busy)
        self.error = note()
        self.error.setObjectName("pack-error")
        self.error.hide()
        self.body.addWidget(self.error)
        self.retry = button("&Try again")
        self.retry.hide()
        self.body.addWidget(self.retry)
        self.preview = PdfPreview()
        self.preview.setMinimumHeight(self.fontMetrics().height() * 24)
        self.body.addWidget(self.preview, 1)
        row = QHBoxLayout()
        self.sign = button("&Sign on screen")
        self.print_button = button("&Print for wet-ink signature")
        self.copy = CopyChoice()
        row.addWidget(self.copy)
        row.addStretch(1)
        row.addWidget(self.print_button)
        row.addWidget(self.sign)
        self.body.addLayout(row)
        self.sign.setEnabled(False)
        self.print_button.setEnabled(False)
        self.sign.clicked.connect(self.sign_requested)
        self.print_button.clicked.connect(self.print_requested)
        self.retry.clicked.connect(self.retry_requested)
        self.preview.reached_end.connect(self._read)

    def _read(self) -> None:
        self.sign.setEnabled(True)
        self.sign.setToolTip("")
        self.read.emit()

    def building(self) -> None:
        self.busy.show()
        self.error.hide()
        self.retry.hide()
        self.sign.setEnabled(False)
        self.print_button.setEnabled(False)

    def built(self, pdf: bytes, already_read: bool = False) -> None:
        """Show the pack; signing opens when the last page has been on screen
        (at once if the patient already read this very pack)."""
        self.busy.hide()
        if pdf != self.preview.pdf:
            self.preview.show_pdf(pdf)
        self.print_button.setEnabled(True)
        if already_read or self.preview.read_to_end:
            self.sign.setEnabled(True)
        else:
            self.sign.setEnabled(False)
            self.sign.setToolTip("Opens once the patient has scrolled to the last page")
        self.preview.view.setFocus()

    def failed(self, message: str) -> None:
        self.busy.hide()
        self.preview.clear()
        self.sign.setEnabled(False)
        self.print_button.setEnabled(False)
        self.error.setText(f"The pack could not be built: {message}")
        self.error.show()
        self.retry.show()


# --- signatures ----------------------------------------------------------------------------


class SignerBox(QGroupBox):
    """A signer's name, a pad, and Clear / Undo."""

    def __init__(self, role: str, title: str, name_editable: bool) -> None:
        super().__init__(title)
        self.role = role
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setReadOnly(not name_editable)
        add_row(form, "Name" if name_editable else "Signed by", self.name)
        layout.addLayout(form)
        self.pad = SignaturePad(title)
        self.pad.setObjectName(f"pad-{role}")
        layout.addWidget(self.pad, 1)
        row = QHBoxLayout()
        self.undo = button("Undo stroke")
        self.clear = button("Clear")
        row.addStretch(1)
        row.addWidget(self.undo)
        row.addWidget(self.clear)
        layout.addLayout(row)
        self.undo.clicked.connect(self.pad.undo)
        self.clear.clicked.connect(self.pad.clear)

    def signed(self) -> bool:
        return not self.pad.is_empty() and bool(self.name.text().strip())


class SignPage(StepPage):
    step_id = "sign"
    title = "Signatures"
    finish_requested = Signal()
    load_when_shown = True

    def build(self) -> None:
        self.body.addWidget(note("The patient ticks each statement, then signs; then the "
                                 "practitioner signs. A witness or interpreter signs only if "
                                 "one was present. Sign and finish is in the bar below."))
        self.agreement = AgreementBox(self, self._update)
        self.body.addWidget(self.agreement)
        self.patient = SignerBox("patient", "Patient signature", name_editable=False)
        self.practitioner = SignerBox("practitioner", "Practitioner signature",
                                      name_editable=False)
        self.witness = SignerBox("witness", "Witness or interpreter signature (optional)",
                                 name_editable=True)
        for box in (self.patient, self.practitioner, self.witness):
            self.body.addWidget(box)
            box.pad.changed.connect(self._update)
        self.witness.name.textChanged.connect(lambda _t: self._update())
        self.busy = Busy("Building and storing the signed pack\u2026")
        self.body.addWidget(self.busy)
        self.error = note()
        self.error.hide()
        self.body.addWidget(self.error)
        # in the window's navigation bar (never below the fold): see Closing.dock_finish
        self.finish = button("Sign and fi&nish")
        self.finish.setEnabled(False)
        self.finish.hide()
        self.finish.clicked.connect(self.finish_requested)

    def load(self) -> None:
        self.patient.name.setText(str((self.data.get("patient") or {}).get("name", "")))
        self.practitioner.name.setText(
            str((self.data.get("practitioner") or {}).get("name", "")))
        self._statements()
        self._update()

    def _statements(self) -> None:
        consultation = to_consultation(self.data, self.catalogue)
        photo = ""
        if consultation is not None:
            from mesodesk.rules.statements import photo_statement

            photo = photo_statement(consultation, self.catalogue)
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        self.agreement.show_statements(   # as the signed pack will print them
            ceremony.to_agree_when_signed(self.data, self.catalogue, now), photo)

    def entered(self) -> None:
        self.load()

    def signed(self) -> bool:
        witness_started = (not self.witness.pad.is_empty()
                           or bool(self.witness.name.text().strip()))
        return (self.patient.signed() and self.practitioner.signed()
                and (not witness_started or self.witness.signed()))

    def ready(self) -> bool:
        return (self.signed() and bool(self.agreement.boxes)
                and not self.agreement.missing())

    def _update(self) -> None:
        self.finish.setEnabled(self.ready() and not self.busy.isVisible())
        hint = []
        left = self.agreement.missing()
        if left:
            hint.append(f"{left} statement{'s' if left > 1 else ''} not ticked")
        if self.patient.pad.is_empty():
            hint.append("the patient has not signed")
        if self.practitioner.pad.is_empty():
            hint.append("the practitioner has not signed")
        if not self.witness.pad.is_empty() and not self.witness.name.text().strip():
            hint.append("the witness needs a name")
        self.finish.setToolTip("; ".join(hint).capitalize() if hint else "")

    def signatures(self, signed_at: str) -> list[dict[str, Any]]:
        out = []
        for box in (self.patient, self.practitioner, self.witness):
            if box.signed():
                out.append({"role": box.role, "name": box.name.text().strip(),
                            "signed_at": signed_at, "image_png_base64": box.pad.png_base64(),
                            "strokes": box.pad.strokes()})
        return out

    def working(self, on: bool, error: str = "") -> None:
        self.busy.setVisible(on)
        self.error.setVisible(bool(error))
        self.error.setText(error)
        self._update()


# --- done ----------------------------------------------------------------------------------


class DonePage(StepPage):
    step_id = "done"
    title = "Done"
    save_requested = Signal()
    print_requested = Signal()
    folder_requested = Signal()
    new_requested = Signal()

    def build(self) -> None:
        self.message = note(rich=True)
        self.message.setObjectName("done-message")
        self.body.addWidget(self.message)
        row = QHBoxLayout()
        self.save = button("&Save PDF\u2026")
        self.print_button = button("&Print\u2026")
        self.folder = button("&Open folder")
        self.new = button("New &consultation")
        self.copy = CopyChoice()
        for b in (self.save, self.copy, self.print_button, self.folder, self.new):
            row.addWidget(b)
        row.addStretch(1)
        self.body.addLayout(row)
        self.saved_to = note()
        self.body.addWidget(self.saved_to)
        self.folder.setEnabled(False)
        self.save.clicked.connect(self.save_requested)
        self.print_button.clicked.connect(self.print_requested)
        self.folder.clicked.connect(self.folder_requested)
        self.new.clicked.connect(self.new_requested)

    def finished(self, signed: bool, fingerprint: str, stored: bool) -> None:
        what = ("The pack is signed" if signed
                else "The pack is ready to print for a wet-ink signature")
        where = (" and stored in the records." if stored
                 else ". It was not stored in the records (records are unavailable).")
        self.message.setText(f"<p><b>{what}{where}</b></p>"
                             f"<p>Fingerprint: <tt>{fingerprint}</tt></p>"
                             "<p>Save a copy, print it for the patient, or start the next "
                             "consultation.</p>")

    def saved(self, path: str) -> None:
        self.saved_to.setText(f"Saved to {path}")
        self.folder.setEnabled(True)


__all__ = ["ConsentPage", "DonePage", "PackPage", "ReviewPage", "SignPage", "plan_summary"]
