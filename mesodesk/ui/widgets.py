"""Small building blocks shared by the step pages.

Every input gets an accessible name equal to its visible label (the label's
text without the mnemonic ampersand or a trailing colon); every button's
accessible name is its text. Layouts only, no fixed pixel sizes, so the pages
read at 200 % scaling and in light or dark palettes.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Iterable, Sequence

from PySide6 import QtCore
from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (QAbstractButton, QCheckBox, QDoubleSpinBox, QFormLayout, QFrame,
                               QLabel, QPushButton, QRadioButton, QScrollArea, QScrollBar,
                               QSizePolicy, QVBoxLayout, QWidget)

from mesodesk.ui.basics import button, heading, icon, icon_path, plain  # noqa: F401  (re-exported)
from mesodesk.ui.style import readable_indicators

if TYPE_CHECKING:  # the window imports this module before the catalogue is needed
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLineEdit

    from mesodesk.catalogue.model import Catalogue
    from mesodesk.rules import Finding
    from mesodesk.session import FlowState, Snapshot
    from mesodesk.session.required import Gap

PAGE_CLASSES: dict[str, type["StepPage"]] = {}   # step id -> its page, filled as pages are defined


def page_class(step_id: str) -> type["StepPage"]:
    """The page that shows the step ``step_id`` (a page declares its ``step_id``)."""
    import mesodesk.ui.ceremony  # noqa: F401  (the pages register themselves)
    import mesodesk.ui.mapstep  # noqa: F401
    import mesodesk.ui.pages  # noqa: F401

    try:
        return PAGE_CLASSES[step_id]
    except KeyError:
        raise LookupError(f"no page shows the step {step_id!r}") from None


def severity_word(severity: str) -> str:
    """"Block", "Warning", "Note": the one vocabulary (loaded when first needed)."""
    from mesodesk.catalogue.vocabulary import label

    return label("severities", severity)
def mark_html(severity: str, size: int = 16) -> str:
    """The severity's icon inline in rich text."""
    return (f'<img src="{html.escape(icon_path(severity))}" width="{size}" height="{size}" '
            f'style="vertical-align: middle"/>')


def spin_box(maximum: float, decimals: int, suffix: str, step: float,
             special: str = "Not set", parent: QWidget | None = None) -> QDoubleSpinBox:
    """A number field from 0 to ``maximum``; at 0 it shows ``special`` (the value
    is not set) unless that is empty. Typing updates the value at once."""
    spin = QDoubleSpinBox(parent)
    spin.setRange(0, maximum)
    spin.setDecimals(decimals)
    spin.setSingleStep(step)
    spin.setSuffix(suffix)
    spin.setSpecialValueText(special)
    spin.setKeyboardTracking(True)
    return spin


def checkbox(text: str, parent: QWidget | None = None) -> QCheckBox:
    b = QCheckBox(text, parent)
    readable_indicators(b)
    b.setAccessibleName(plain(text))
    return b


def radio(text: str, parent: QWidget | None = None) -> QRadioButton:
    b = QRadioButton(text, parent)
    readable_indicators(b)
    b.setAccessibleName(plain(text))
    return b


def name_button(b: QAbstractButton) -> QAbstractButton:
    b.setAccessibleName(plain(b.text()))
    return b


def add_row(form: QFormLayout, text: str, field: QWidget) -> QLabel:
    """A labelled row: the label is the field's buddy (mnemonic) and its name."""
    label = QLabel(text)
    label.setBuddy(field)
    field.setAccessibleName(plain(text))
    form.addRow(label, field)
    return label


def labelled(text: str, field: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(field)
    field.setAccessibleName(plain(text))
    return label


def clinic_date_format() -> str:
    """The clinic's own short date format (the system locale's), with a 4-digit year."""
    from PySide6.QtCore import QLocale

    locale = QLocale.system()
    if locale.language() == QLocale.Language.C:   # no locale set: the UK's day/month/year
        return "dd/MM/yyyy"
    fmt = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return fmt if "yyyy" in fmt else fmt.replace("yy", "yyyy")


def parse_clinic_date(text: str) -> "dt.date | None":
    """A date as the clinic writes it: ISO (YYYY-MM-DD), the locale's short format
    (4-digit year), or DD/MM/YYYY; None if it is not a real date."""
    from PySide6.QtCore import QDate, QLocale

    from mesodesk.session.draft import parse_date

    text = text.strip()
    if len(text) == 10 and text[4:5] == "-":
        return parse_date(text)
    locale = QLocale.system()
    for fmt in (clinic_date_format(), locale.dateFormat(QLocale.FormatType.LongFormat)):
        date = QDate.fromString(text, fmt)
        if date.isValid() and date.year() >= 1000:
            return date.toPython()
    return parse_date(text)


def date_hint() -> str:
    example = dt.date(1986, 3, 14)
    from PySide6.QtCore import QDate, QLocale

    local = QLocale.system().toString(QDate(example), clinic_date_format())
    return f"for example {local} or {example.isoformat()}"


def with_calendar(edit: "QLineEdit", title: str) -> QWidget:
    """The date field with a Calendar button beside it (Alt+Down in the field opens
    it too): the date picked is written into the field in the clinic's format."""
    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QCalendarWidget, QHBoxLayout

    row = QWidget()
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    line.addWidget(edit, 1)
    pick = button("Calendar\u2026")
    pick.setToolTip(f"Pick the {title} on a calendar (Alt+Down in the field)")
    pick.setFocusPolicy(QtCore.Qt.FocusPolicy.ClickFocus)   # Tab goes field to field;
    #                                                        Alt+Down opens it from the keys
    line.addWidget(pick)

    def open_calendar() -> None:
        calendar = QCalendarWidget(row)
        calendar.setWindowFlags(QtCore.Qt.WindowType.Popup)
        calendar.setAccessibleName(f"Pick the {title}")
        chosen = parse_clinic_date(edit.text())
        if chosen is not None:
            calendar.setSelectedDate(QDate(chosen))
        calendar.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)

        def picked(date: QDate) -> None:
            edit.setText(date.toString(clinic_date_format()))
            calendar.close()
            edit.setFocus()

        calendar.activated.connect(picked)
        calendar.clicked.connect(picked)
        calendar.move(edit.mapToGlobal(edit.rect().bottomLeft()))
        calendar.show()
        calendar.setFocus()
        row.setProperty("calendar", calendar)   # tests reach the open calendar here

    pick.clicked.connect(open_calendar)
    edit.setPlaceholderText(date_hint())
    edit.addAction(_calendar_shortcut(edit, open_calendar))
    row.picker = pick  # type: ignore[attr-defined]
    return row


def add_date_row(form: QFormLayout, text: str, edit: "QLineEdit", title: str) -> QPushButton:
    """A labelled date row: the field (the label's buddy) with its Calendar button."""
    label = QLabel(text)
    label.setBuddy(edit)
    edit.setAccessibleName(plain(text))
    row = with_calendar(edit, title)
    form.addRow(label, row)
    return row.picker  # type: ignore[attr-defined, no-any-return]


def _calendar_shortcut(edit: QWidget, slot) -> "QAction":
    from PySide6.QtGui import QAction, QKeySequence

    action = QAction(edit)
    action.setShortcut(QKeySequence("Alt+Down"))
    action.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetShortcut)
    action.triggered.connect(lambda _c=False: slot())
    return action


def note(text: str = "", rich: bool = False) -> QLabel:
    label = QLabel()
    label.setTextFormat(QtCore.Qt.TextFormat.RichText if rich else QtCore.Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop)
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    policy.setHeightForWidth(True)
    label.setSizePolicy(policy)
    return label


def sources_text(keys: Sequence[str]) -> str:
    if not keys:
        return ""
    return "Source: " + ", ".join(keys)


def finding_html(f: Finding) -> str:
    word = severity_word(f.severity)
    extra = ""
    if f.severity == "block":
        extra = " Can be overridden with a written reason." if f.overridable else \
            " Cannot be overridden."
    return (f"<b>{mark_html(f.severity)} {word}:</b> {html.escape(f.message)}"
            f"<br/><small>{html.escape(sources_text(f.source))}.{extra}</small>")


class FindingsNote(QFrame):
    """The findings that concern the step on screen, shown inline under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = note(rich=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self.setVisible(False)

    def show_findings(self, findings: Iterable[Finding]) -> None:
        items = list(findings)
        self.setVisible(bool(items))
        self.label.setText("<br/><br/>".join(finding_html(f) for f in items))

    def text(self) -> str:
        return self.label.text()


def mark_required(widget: QWidget, missing: bool) -> None:
    """Mark a required field left empty: a border in the palette's warning colour
    and a description a screen reader reads out; unmarked once it is filled in."""
    if bool(widget.property("gap")) == missing:
        return
    widget.setProperty("gap", missing)
    widget.setAccessibleDescription("Required: still to fill in" if missing else "")
    widget.setToolTip("Required: still to fill in" if missing else "")
    if missing:
        dark = widget.palette().window().color().lightnessF() < 0.5
        colour = "#ff8a80" if dark else "#b3261e"
        name = widget.metaObject().className()
        widget.setStyleSheet(f"{name}[gap=\"true\"] {{ border: 2px solid {colour}; "
                             "border-radius: 3px; }")
    else:
        widget.setStyleSheet("")


def first_field_in(container: QWidget, within: QWidget) -> QWidget | None:
    """The first control in ``container`` that Tab would stop at (in the focus
    chain's order), visible on ``within``; None if it has none."""
    def stops(w: QWidget) -> bool:
        return (w.isEnabled() and w.isVisibleTo(within)
                and bool(w.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus)
                and not isinstance(w, (QScrollBar, QScrollArea)) and w.focusProxy() is None
                and (not isinstance(w, QRadioButton) or _tab_stop(w)))

    # The container's own children first: a page without a field is answered
    # without walking the whole window's focus chain (hundreds of widgets).
    fields = [w for w in container.findChildren(QWidget) if stops(w)]
    candidates = {id(w) for w in fields}   # ids stay theirs while ``fields`` holds them
    if not candidates:
        return None
    w = container.nextInFocusChain()
    for _ in range(5000):
        if w is container:
            return None
        if id(w) in candidates:
            return w
        w = w.nextInFocusChain()
    return None


def _tab_stop(b: QRadioButton) -> bool:
    """Tab stops at the checked radio button of a group, or its first if none is."""
    group = b.group()
    if group is None or not group.exclusive():
        return True
    checked = group.checkedButton()
    if checked is not None:
        return checked is b
    return group.buttons()[0] is b


class StepPage(QWidget):
    """One step of the consultation. Subclasses build their fields in
    ``build()``, fill them from the shared state in ``load()`` and write the
    user's changes into ``state.data`` before emitting ``edited``."""

    step_id = ""
    title = ""
    fills_height = False   # True: the page's main widget takes the spare height
    edited = Signal()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.step_id:   # the page of the step with this id (see page_class)
            PAGE_CLASSES[cls.step_id] = cls

    def __init__(self, state: FlowState, catalogue: Catalogue,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.catalogue = catalogue
        self._loading = False
        self._stale = False   # set_state(defer=True) waits until the page is shown
        self._gap_marked: dict[int, QWidget] = {}   # fields show_gaps marked, by id
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.addWidget(heading(self.title))
        self.scroll_area.setWidget(body)
        outer.addWidget(self.scroll_area, 1)
        self.gaps_note = note()
        self.gaps_note.setObjectName("gaps-note")
        self.gaps_note.setVisible(False)
        outer.addWidget(self.gaps_note)
        self.findings_note = FindingsNote(self)
        outer.addWidget(self.findings_note)
        #: JSON path of a required field -> the widget that edits it (marked when empty)
        self.fields: dict[str, QWidget] = {}
        self.scroll_area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.build()
        if not self.fills_height:
            self.body.addStretch(1)

    # to be provided by subclasses
    def build(self) -> None:
        raise NotImplementedError

    def load(self) -> None:
        """Show ``self.state.data`` in the fields (never while the user types)."""

    def entered(self) -> None:
        """Called each time the page comes on screen."""

    def show_findings(self, findings: list[Finding]) -> None:
        self.findings_note.show_findings(findings)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show what the session knows now (by default: this step's findings and
        the required fields still empty)."""
        self.show_findings(snapshot.findings_for(self.step_id))
        self.show_gaps(snapshot.gaps_for(self.step_id))

    def field_for(self, path: str) -> QWidget | None:
        """The widget that edits the field at ``path`` (None: not on this page)."""
        return self.fields.get(path)

    def show_gaps(self, gaps: list[Gap]) -> None:
        """Mark each required field still empty, and say which they are."""
        missing = {id(w): w for g in gaps if (w := self.field_for(g.path)) is not None}
        marked = self._gap_marked
        for key, w in list(marked.items()):   # the ones marked last time, not every child
            if key not in missing:
                mark_required(w, False)
                del marked[key]
        for key, w in missing.items():
            mark_required(w, True)
            marked[key] = w
        self.gaps_note.setVisible(bool(gaps))
        self.gaps_note.setText("Still to fill in before Next: "
                               + "; ".join(g.label for g in gaps) + "." if gaps else "")

    def first_field(self) -> QWidget | None:
        """Where the focus goes when the page comes on screen: its first field."""
        return first_field_in(self.scroll_area.widget(), self)

    # helpers
    #: a page whose load() is slow (it works out questions or charts from the
    #: whole plan) may leave it until it comes on screen
    load_when_shown = False

    def set_state(self, state: FlowState, *, defer: bool = False) -> None:
        """Show ``state``; with ``defer``, a page that loads when shown only
        notes it (opening a consultation then loads just the step on screen)."""
        self.state = state
        self._stale = defer and self.load_when_shown
        if self._stale:
            return
        self._loading = True
        try:
            self.load()
        finally:
            self._loading = False

    def load_if_stale(self) -> None:
        if self._stale:
            self.set_state(self.state)

    def showEvent(self, event: QShowEvent) -> None:
        self.load_if_stale()
        super().showEvent(event)

    def changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    @property
    def data(self) -> dict:
        return self.state.data

    def section(self, key: str) -> dict:
        value = self.state.data.get(key)
        if not isinstance(value, dict):
            value = {}
            self.state.data[key] = value
        return value
