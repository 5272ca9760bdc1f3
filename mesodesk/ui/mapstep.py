"""The injection map step: where each product went, how much and how deep.

The practitioner picks a product entry (a product and its lot) and a chart,
then clicks the chart to add a point, drags a point to move it, presses
Delete to remove it and Ctrl+Z to undo. A table lists the same points, so
everything also works from the keyboard: "Add point" places one in the
chosen area (at the first free spot, the label's spacing apart), each cell
is edited in place, Delete removes the selected rows.

Points are written into ``products[].points`` of the session's partial dict,
like every other page writes its part, so the rules on points
(:mod:`mesodesk.rules.points`) and the pack see them. Every change goes
through one :class:`QUndoStack`; the table and the chart are redrawn from the
dict after each change. Dragging moves the dot only; the dict changes once,
when the button is released, so dragging stays at display rate.
"""

from __future__ import annotations

import html
import math
from typing import Any, Iterator

from PySide6 import QtCore
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (QAction, QBrush, QColor, QKeySequence, QPainter, QPainterPath, QPen,
                           QPolygonF, QUndoCommand, QUndoStack)
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem,
                               QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem,
                               QGraphicsView, QHBoxLayout, QHeaderView, QSplitter,
                               QStyledItemDelegate, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from mesodesk.catalogue.charts import VIEWS, Chart, ChartError, charts_dir, load_chart
from mesodesk.catalogue.vocabulary import number
from mesodesk.domain import FORMAT, FORMATS
from mesodesk.ui.widgets import StepPage, add_row, button, checkbox, labelled, note, spin_box

# One colour per product entry (Okabe and Ito's colour-blind-safe set).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
COLUMNS = ("No.", "Area", "Across (%)", "Down (%)", "Volume (mL)", "Depth (mm)", "Chart",
           "Product")
ACROSS, DOWN, VOLUME, DEPTH = 2, 3, 4, 5
EDITABLE = (ACROSS, DOWN, VOLUME, DEPTH)
PAPER = QColor("#ffffff")
ONE_CM = 1.0     # the spacing guide for keyboard placement when the label gives none


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _chart(view: str) -> Chart | None:
    try:
        return load_chart(view)
    except ChartError:
        return None


class PointItem(QGraphicsEllipseItem):
    """A numbered dot on the chart, the same size on screen at any zoom."""

    def __init__(self, key: tuple[int, int], number_: int, colour: QColor, radius: float,
                 bounds: QRectF, ring: QGraphicsEllipseItem | None) -> None:
        super().__init__(-radius, -radius, 2 * radius, 2 * radius)
        self.key = key            # (product entry index, point index)
        self.bounds = bounds
        self.ring = ring          # the spacing guide around it, moved with it
        self.setBrush(QBrush(colour))
        self.outside = False      # off the plan's areas: a red rim
        self.crowded = False      # closer to another than the label's spacing: an amber rim
        self.setPen(self._pen())
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setZValue(10)
        label = QGraphicsSimpleTextItem(str(number_), self)
        label.setBrush(QBrush(QColor("#111111")))
        label.setPos(radius * 0.9, -radius * 2.4)
        label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.label = label
        self.number = number_
        self.point: dict = {}     # the point it shows (the dict itself, kept alive)

    def _pen(self) -> QPen:
        if self.isSelected():
            return QPen(QColor("#111111"), 2.5)
        if self.outside:
            return QPen(QColor("#C62828"), 2.5)
        if self.crowded:
            return QPen(QColor("#E65100"), 2.5)
        return QPen(QColor("#ffffff"), 1.5)

    def mark_outside(self, outside: bool) -> None:
        if outside != self.outside:
            self.outside = outside
            self.setPen(self._pen())

    def mark_crowded(self, crowded: bool) -> None:
        if crowded != self.crowded:
            self.crowded = crowded
            self.setPen(self._pen())

    def renumber(self, number_: int) -> None:
        if number_ != self.number:
            self.number = number_
            self.label.setText(str(number_))

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
            b = self.bounds
            return QPointF(min(max(value.x(), b.left()), b.right()),
                           min(max(value.y(), b.top()), b.bottom()))
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.ring:
            self.ring.setPos(self.pos())
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.setPen(self._pen())
        return super().itemChange(change, value)


class ChartView(QGraphicsView):
    """The chart: a click off every point asks for a new one there; a release
    may end a drag; Delete asks to remove the selected points."""

    clicked = Signal(QPointF)
    released = Signal()
    delete_pressed = Signal()
    nudged = Signal(float, float)     # arrow keys: move the selected points (cm right, down)

    def __init__(self, scene: QGraphicsScene) -> None:
        super().__init__(scene)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setAccessibleName("Injection chart")
        self.setAccessibleDescription("Click to add a point, drag to move it, Delete removes "
                                      "the selected points, the arrow keys move them by 1 mm "
                                      "(with Shift by 1 cm). Ctrl and the mouse wheel, or "
                                      "Ctrl+plus and Ctrl+minus, zoom; Ctrl+0 shows it whole "
                                      "again. The table of points does the same from the "
                                      "keyboard.")
        self.setToolTip("Ctrl+wheel or Ctrl+plus/minus zooms; Ctrl+0 fits the chart again")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(self.fontMetrics().height() * 14, self.fontMetrics().height() * 14)

    def point_at(self, pos: QtCore.QPoint) -> PointItem | None:
        """The dot under ``pos`` (its number label does not count: a click there adds)."""
        item = self.itemAt(pos)
        return item if isinstance(item, PointItem) else None

    def mousePressEvent(self, event: Any) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton and self.point_at(pos) is None:
            where = self.mapToScene(pos)
            if self.sceneRect().contains(where):
                self.setFocus()
                self.clicked.emit(where)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:
        super().mouseReleaseEvent(event)
        self.released.emit()

    def wheelEvent(self, event: Any) -> None:
        """Ctrl and the wheel zoom about the pointer; the wheel alone scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(self.ZOOM_STEP ** steps, event.position().toPoint())
            event.accept()
            return
        super().wheelEvent(event)

    def zoom_by(self, factor: float, at: QtCore.QPoint | None = None) -> None:
        """Zoom in (factor > 1) or out, between the fitted chart and ZOOM_MAX times
        it, keeping the chart's spot under ``at`` (the view's centre if None) there."""
        new = min(max(self.zoom * factor, 1.0), self.ZOOM_MAX)
        if abs(new - self.zoom) < 1e-9:
            return
        if new == 1.0:
            self.zoom = 1.0
            self.fit()
            return
        at = at if at is not None else self.viewport().rect().center()
        spot = self.mapToScene(at)
        self.scale(new / self.zoom, new / self.zoom)
        self.zoom = new
        moved = self.mapFromScene(spot) - at
        for bar, by in ((self.horizontalScrollBar(), moved.x()),
                        (self.verticalScrollBar(), moved.y())):
            bar.setValue(bar.value() + by)

    def keyPressEvent(self, event: Any) -> None:
        control = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        factor = None
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
                control and event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal)):
            factor = self.ZOOM_STEP
        elif event.matches(QKeySequence.StandardKey.ZoomOut) or (
                control and event.key() == Qt.Key.Key_Minus):
            factor = 1 / self.ZOOM_STEP
        elif control and event.key() == Qt.Key.Key_0:
            factor = 1 / self.zoom        # back to the fitted chart
        if factor is not None:
            self.zoom_by(factor)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_pressed.emit()
            event.accept()
            return
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
                  Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if event.key() in arrows and self.scene() is not None and self.scene().selectedItems():
            step = 1.0 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.1
            dx, dy = arrows[Qt.Key(event.key())]
            self.nudged.emit(dx * step, dy * step)
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit()

    focus = QRectF()         # the part of the chart to show (empty: all of it)
    zoom = 1.0               # times the fitted scale: close points can be told apart
    ZOOM_STEP = 1.25
    ZOOM_MAX = 8.0

    def fit(self) -> None:
        """The focus (or the whole chart) fitted to the view, then the zoom kept."""
        rect = self.focus if not self.focus.isEmpty() else self.sceneRect()
        if not rect.isEmpty():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            if self.zoom != 1.0:
                self.scale(self.zoom, self.zoom)


class PointCommand(QUndoCommand):
    """Add (``before`` None), remove (``after`` None) or change one point."""

    def __init__(self, page: "MapPage", text: str, entry: int, index: int,
                 before: dict | None, after: dict | None) -> None:
        super().__init__(text)
        self.page, self.entry, self.index = page, entry, index
        self.before, self.after = before, after

    def redo(self) -> None:
        self.page.apply(self.entry, self.index, self.before, self.after)

    def undo(self) -> None:
        self.page.apply(self.entry, self.index, self.after, self.before)


class VolumeCommand(QUndoCommand):
    """A product entry's recorded volume made equal to its points' total."""

    def __init__(self, page: "MapPage", entry: int, before: Any, after: float) -> None:
        super().__init__("Volume follows the points")
        self.page, self.entry, self.before, self.after = page, entry, before, after

    def redo(self) -> None:
        self.page.set_volume(self.entry, self.after)

    def undo(self) -> None:
        self.page.set_volume(self.entry, self.before)


class CellDelegate(QStyledItemDelegate):
    """Number cells are edited with a spin box; the page records the change."""

    def __init__(self, page: "MapPage") -> None:
        super().__init__(page.table)
        self.page = page

    def createEditor(self, parent: QWidget, option: Any, index: Any) -> QWidget | None:
        column = index.column()
        if column not in EDITABLE:
            return None
        if column in (ACROSS, DOWN):
            spin = spin_box(100, 1, " %", 0.5, special="", parent=parent)
        elif column == VOLUME:
            spin = spin_box(1000, 3, " mL", 0.01, special="", parent=parent)
        else:
            spin = spin_box(100, 1, " mm", 0.5, special="Delivery depth", parent=parent)
        spin.setAccessibleName(COLUMNS[column])
        return spin

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        assert isinstance(editor, QDoubleSpinBox)
        editor.setValue(float(value) if isinstance(value, (int, float)) else 0.0)
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        assert isinstance(editor, QDoubleSpinBox)
        editor.interpretText()
        self.page.edit_cell(index.row(), index.column(), editor.value())


class PointsTable(QTableWidget):
    """The points as rows; Delete removes the selected rows (when not editing)."""

    delete_pressed = Signal()

    def keyPressEvent(self, event: Any) -> None:
        if (event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
                and self.state() != QAbstractItemView.State.EditingState):
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class MapPage(StepPage):
    step_id = "map"
    title = "Injection map"
    fills_height = True
    load_when_shown = True

    def build(self) -> None:
        self.undo_stack = QUndoStack(self)
        self._entries_seen: tuple[int, ...] = ()
        self._view = ""                      # the chart on screen
        self._rows: list[tuple[int, int]] = []   # table row -> (entry, point)
        self._items: dict[tuple[int, int], PointItem] = {}   # the dots on screen by key
        self._dots: dict[int, PointItem] = {}                # ... by id() of their point
        self._crowded: set[str] = set()      # paths of the points the rules find too close
        self._layout: tuple = ()                             # what the chart was drawn for
        self._row_cache: list[tuple] = []                    # the table's rows as shown
        self._row_of: dict[tuple[int, int], int] = {}
        self._areas: dict[tuple[str, float, float], str | None] = {}
        self._row_memo: dict[int, tuple[dict, tuple, tuple]] = {}
        self._volumes: dict[int, float] = {}   # volume per point chosen, per entry (id())
        self._syncing = False
        self._chart_rect = QRectF()
        self._scale = 1.0                    # scene units per chart unit
        self._renderers: dict[str, QSvgRenderer] = {}
        self._findings: list[Any] = []

        self.body.addWidget(note(
            "Optional: where each product went. Click the chart to add a point, drag to move "
            "it (or use the arrow keys), Delete removes it, Ctrl+Z undoes; Ctrl and the wheel "
            "zoom. The table of points does the same from the keyboard."))
        self.product = QComboBox()
        self.chart = QComboBox()
        self.volume = spin_box(1000, 3, " mL", 0.01)
        self.depth = spin_box(100, 1, " mm", 0.5, special="Delivery depth")
        choices = QHBoxLayout()
        left, right_form = QFormLayout(), QFormLayout()
        add_row(left, "Product and l&ot", self.product)
        add_row(left, "C&hart", self.chart)
        add_row(right_form, "&Volume per point", self.volume)
        add_row(right_form, "Dep&th of new points", self.depth)
        choices.addLayout(left, 3)
        choices.addLayout(right_form, 2)
        self.body.addLayout(choices)
        self.defaults_note = note()
        self.body.addWidget(self.defaults_note)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        self.scene = QGraphicsScene(self)
        self.view = ChartView(self.scene)
        chart_side = QWidget()
        chart_column = QVBoxLayout(chart_side)
        chart_column.setContentsMargins(0, 0, 0, 0)
        chart_column.addWidget(self.view, 1)
        toggles = QHBoxLayout()
        chart_column.addLayout(toggles)
        splitter.addWidget(chart_side)
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        self.table = PointsTable(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Injection points")
        self.table.setAccessibleDescription(
            "One row per point. Edit a cell to change the point's position, volume or depth; "
            "Delete removes the selected points.")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.DoubleClicked)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        # columns fitted to their contents when the page is shown, not on every change
        # (ResizeToContents measures every row each time: too slow with many points)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setItemDelegate(CellDelegate(self))
        self.table.setMinimumWidth(self.fontMetrics().height() * 12)
        self.table.setMinimumHeight(self.fontMetrics().height() * 6)
        self.table.verticalHeader().setDefaultSectionSize(int(self.fontMetrics().height() * 1.6))
        side.addWidget(labelled("Injection &points", self.table))
        side.addWidget(self.table, 1)
        place = QHBoxLayout()
        self.area = QComboBox()
        self.area.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.area.setMinimumContentsLength(8)
        place.addWidget(labelled("New point in &area", self.area))
        place.addWidget(self.area, 1)
        side.addLayout(place)
        actions = QHBoxLayout()
        self.add_point = button("A&dd point")
        self.remove_point = button("&Remove point")
        self.undo_button = button("&Undo")
        self.redo_button = button("Redo")
        self.clear_points = button("&Clear all points")
        self.clear_points.setToolTip("Start the map afresh, for example when the last "
                                     "session's points are not kept")
        for b in (self.add_point, self.remove_point, self.undo_button, self.redo_button):
            actions.addWidget(b)
        actions.addStretch(1)
        side.addLayout(actions)
        self.follow = button("Volume fo&llows the points")
        self.follow.setToolTip("Make the product's recorded volume the total of its points")
        self.spacing = checkbox("&Spacing guide")
        self.spacing.setChecked(True)
        self.spacing.setToolTip("A grid and rings the label's minimum spacing apart")
        self.whole = checkbox("&Whole chart")
        self.whole.setToolTip("Off: the chart is zoomed to the plan's areas and the points")
        more = QHBoxLayout()
        more.addWidget(self.follow)
        more.addWidget(self.clear_points)
        more.addStretch(1)
        side.addLayout(more)
        toggles.addWidget(self.spacing)
        toggles.addWidget(self.whole)
        toggles.addStretch(1)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        h = self.fontMetrics().height()
        splitter.setSizes([h * 24, h * 22])
        self.body.addWidget(splitter, 1)
        self.totals = note(rich=True)
        self.totals.setAccessibleName("Running totals")
        self.body.addWidget(self.totals)
        self.status = note()
        self.status.setAccessibleName("Map message")
        self.body.addWidget(self.status)

        undo = QAction("Undo", self)
        undo.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        undo.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo.triggered.connect(self.undo_stack.undo)
        redo = QAction("Redo", self)
        redo.setShortcut(QKeySequence(QKeySequence.StandardKey.Redo))
        redo.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        redo.triggered.connect(self.undo_stack.redo)
        self.addAction(undo)
        self.addAction(redo)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

        self.product.currentIndexChanged.connect(self._product_changed)
        self.chart.currentIndexChanged.connect(self._chart_changed)
        self.volume.valueChanged.connect(self._volume_changed)
        self.view.clicked.connect(self._clicked)
        self.view.released.connect(self._released)
        self.view.delete_pressed.connect(self.remove_selected)
        self.view.nudged.connect(self.nudge)
        self.table.delete_pressed.connect(self.remove_selected)
        self.table.itemSelectionChanged.connect(self._table_selection)
        self.scene.selectionChanged.connect(self._scene_selection)
        self.add_point.clicked.connect(self.add_in_area)
        self.remove_point.clicked.connect(self.remove_selected)
        self.follow.clicked.connect(self.volume_follows_points)
        self.clear_points.clicked.connect(self.clear_all)
        self.spacing.toggled.connect(lambda _on: self._draw())
        self.whole.toggled.connect(lambda _on: self._draw())

    # --- the data ------------------------------------------------------------------------
    def entries(self) -> list[dict]:
        products = self.data.get("products")
        return [p for p in products if isinstance(p, dict)] if isinstance(products, list) else []

    @staticmethod
    def points_of(entry: dict) -> list:
        points = entry.get("points")
        return points if isinstance(points, list) else []

    def point(self, key: tuple[int, int]) -> dict:
        return self.points_of(self.entries()[key[0]])[key[1]]

    def apply(self, entry: int, index: int, old: dict | None, new: dict | None) -> None:
        """Replace ``old`` by ``new`` at ``index`` of an entry's points (None: absent)."""
        target = self.entries()[entry]
        points = target.get("points")
        if not isinstance(points, list):
            points = target["points"] = []
        if old is None and new is not None:
            points.insert(index, dict(new))
            if self.data.get("format") in FORMATS:   # points are new in format /2
                self.data["format"] = FORMAT
        elif new is None:
            del points[index]
        else:
            points[index] = dict(new)
        if not points:
            del target["points"]
        self._after_change()

    def set_volume(self, entry: int, value: Any) -> None:
        target = self.entries()[entry]
        if value is None:
            target.pop("volume_ml", None)
        else:
            target["volume_ml"] = value
        self._after_change()

    def _after_change(self) -> None:
        self._draw()
        self.changed()

    def _product(self, entry: dict) -> Any:
        return self.catalogue.products.get(str(entry.get("id", "")))

    def _entry_name(self, entry: dict) -> str:
        product = self._product(entry)
        name = str(entry.get("name") or "") or (product.name if product else
                                                str(entry.get("id", "a product")))
        lot = str(entry.get("lot", "")).strip()
        return f"{name}, lot {lot}" if lot else f"{name}, lot not recorded"

    def _delivery_depth(self) -> float | None:
        delivery = self.data.get("delivery")
        return _num(delivery.get("depth_mm")) if isinstance(delivery, dict) else None

    def _numbered(self) -> Iterator[tuple[int, tuple[int, int], dict]]:
        """Every point in file order with its number on the map (as the rules number them)."""
        n = 0
        for i, entry in enumerate(self.entries()):
            for j, p in enumerate(self.points_of(entry)):
                n += 1
                yield n, (i, j), p if isinstance(p, dict) else {}

    # --- choices -------------------------------------------------------------------------
    def load(self) -> None:
        entries = self.entries()
        unreadable = [self._entry_name(e) for e in entries
                      if "points" in e and not isinstance(e["points"], list)]
        for e in entries:          # a damaged draft: points that are not a list of points
            if "points" in e and not isinstance(e["points"], list):
                del e["points"]
        self.status.setText("The map of " + ", ".join(unreadable) + " could not be read and "
                            "was left out." if unreadable else "")
        seen = tuple(id(e) for e in entries)
        if seen != self._entries_seen:       # another consultation, or products changed
            self.undo_stack.clear()
            self._entries_seen = seen
            self._view = ""                  # the chart that suits it is chosen afresh
        self._fill_choices()
        self._draw()
        self.table.resizeColumnsToContents()

    def _fill_choices(self) -> None:
        self._syncing = True
        try:
            current = self.product.currentIndex()
            self.product.clear()
            for entry in self.entries():
                self.product.addItem(self._entry_name(entry))
            if self.product.count():
                self.product.setCurrentIndex(min(max(current, 0), self.product.count() - 1))
            planned = set(self.data.get("areas") or [])
            view = self._view
            self.chart.clear()
            fit = {v: suitability(c, planned) for v in VIEWS if (c := _chart(v)) is not None}
            # best first; near-ties (within 1 %) keep the order of VIEWS (front before sides)
            suited = sorted((v for v in fit if fit[v] > 0), key=lambda v: -round(fit[v], 2))
            for v in suited + [v for v in VIEWS if v not in suited]:
                c = _chart(v)
                if c is None:
                    continue
                self.chart.addItem(c.title + (" \u2014 suited" if v in suited else ""), v)
            if not view:
                entry = self._current_entry()
                mapped = [p.get("view") for p in self.points_of(entry or {})
                          if isinstance(p, dict)]
                view = next((v for v in mapped if v in VIEWS), suited[0] if suited else VIEWS[0])
            self.chart.setCurrentIndex(max(self.chart.findData(view), 0))
            self._view = str(self.chart.currentData() or "")
        finally:
            self._syncing = False
        self._fill_areas()
        self._show_defaults()

    def _current_entry(self) -> dict | None:
        entries = self.entries()
        i = self.product.currentIndex()
        return entries[i] if 0 <= i < len(entries) else None

    def _fill_areas(self) -> None:
        chart = _chart(self._view)
        self.area.clear()
        if chart is None:
            return
        planned = list(self.data.get("areas") or [])
        ordered = [a for a in planned if a in chart.areas] + \
                  [a for a in chart.areas if a not in planned]
        for a in ordered:
            name = self.catalogue.areas[a].name if a in self.catalogue.areas else a
            self.area.addItem(name + ("" if a in planned else " (not in the plan)"), a)

    def _show_defaults(self) -> None:
        """Volume and depth for new points: the one chosen here, else the last one used
        for this entry, else the label's volume per injection, else the recorded volume
        over the recorded injections; the delivery depth."""
        entry = self._current_entry()
        self._syncing = True
        try:
            volume = 0.0
            if entry is not None:
                product = self._product(entry)
                last = [_num(p.get("volume_ml")) for p in self.points_of(entry)
                        if isinstance(p, dict)]
                last = [v for v in last if v]
                if id(entry) in self._volumes:
                    volume = self._volumes[id(entry)]
                elif last:
                    volume = last[-1] or 0.0
                elif product is not None and product.volume_per_injection_ml:
                    volume = product.volume_per_injection_ml
                elif (share := self._recorded_share(entry)) is not None:
                    volume = share
            self.volume.setValue(volume)
            self.depth.setValue(self._delivery_depth() or 0.0)
        finally:
            self._syncing = False
        parts = []
        product = self._product(entry) if entry is not None else None
        if product is not None and product.volume_per_injection_ml:
            parts.append(f"The label gives {number(product.volume_per_injection_ml)} mL per "
                         "injection.")
        elif entry is not None and (share := self._recorded_share(entry)) is not None:
            parts.append(f"{number(share)} mL per point: the volume recorded for the product "
                         "over its injections.")
        if product is not None and product.min_spacing_cm:
            parts.append(f"Injections at least {number(product.min_spacing_cm)} cm apart: the "
                         "grid and the rings on the chart show that spacing.")
        depth = self._delivery_depth()
        if depth:
            parts.append(f"Delivery depth {number(depth)} mm unless a point says otherwise.")
        self.defaults_note.setText(" ".join(parts))
        self.follow.setEnabled(bool(entry is not None and self.points_of(entry)))

    @staticmethod
    def _recorded_share(entry: dict) -> float | None:
        """The entry's recorded volume over its recorded injection count, if both are."""
        volume, injections = _num(entry.get("volume_ml")), _num(entry.get("injections"))
        if volume and injections and injections >= 1:
            share = round(volume / injections, 3)
            return share if share > 0 else None
        return None

    def _product_changed(self, _index: int) -> None:
        if self._syncing:
            return
        self._show_defaults()
        self._draw()

    def _chart_changed(self, _index: int) -> None:
        if self._syncing:
            return
        self._view = str(self.chart.currentData() or "")
        self._fill_areas()
        self._draw()

    def _volume_changed(self, value: float) -> None:
        entry = self._current_entry()
        if not self._syncing and entry is not None:
            self._volumes[id(entry)] = value

    # --- drawing -------------------------------------------------------------------------
    def _renderer(self, view: str) -> QSvgRenderer | None:
        if view not in self._renderers:
            path = charts_dir() / f"{view}.svg"
            renderer = QSvgRenderer(str(path))
            if not renderer.isValid():
                return None
            self._renderers[view] = renderer
        return self._renderers[view]

    def _draw(self) -> None:
        """The chart on screen with its points, the table and the totals, from the dict.

        Only what changed is redrawn: the chart's drawing when the chart, the
        product or a guide changes; a point's dot when its point changes; the
        table rows between the unchanged ones (so a change stays quick with
        hundreds of points)."""
        self._syncing = True
        try:
            self._draw_chart()
            self._fill_table()
        finally:
            self._syncing = False
        self._show_totals()
        entry = self._current_entry()
        self.follow.setEnabled(bool(entry is not None and self.points_of(entry)))
        self.remove_point.setEnabled(bool(self._rows))
        self.clear_points.setEnabled(bool(self._rows))

    def _guide_cell(self, chart: Chart) -> float:
        """The label's spacing in scene units when the guide is on, else 0."""
        entry = self._current_entry()
        product = self._product(entry) if entry is not None else None
        spacing = product.min_spacing_cm if product is not None else None
        if not spacing or not self.spacing.isChecked():
            return 0.0
        return spacing / chart.cm_per_unit * self._scale

    def _draw_chart(self) -> None:
        chart = _chart(self._view)
        renderer = self._renderer(self._view) if chart is not None else None
        planned = tuple(sorted(a for a in self.data.get("areas") or [] if isinstance(a, str)))
        layout = (self._view, self.product.currentIndex(), self.spacing.isChecked(),
                  self.whole.isChecked(), planned, renderer is not None)
        if layout != self._layout:
            self._layout = layout
            self._items, self._dots = {}, {}
            self.scene.clear()
            if chart is None or renderer is None:
                self.scene.setSceneRect(QRectF())
                return
            self._draw_background(chart, renderer, set(planned))
            self._sync_points(chart)
            self.view.focus = (QRectF() if self.whole.isChecked()
                               else self._focus(chart, set(planned)))
            self.view.zoom = 1.0   # another chart or focus: shown fitted
            self.view.fit()
        elif chart is not None and renderer is not None:
            self._sync_points(chart)

    def _draw_background(self, chart: Chart, renderer: QSvgRenderer, planned: set[str]) -> None:
        svg = QGraphicsSvgItem()
        svg.setSharedRenderer(renderer)
        svg.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        rect = svg.boundingRect()
        paper = QGraphicsRectItem(rect)
        paper.setBrush(QBrush(PAPER))
        paper.setPen(QPen(Qt.PenStyle.NoPen))
        self.scene.addItem(paper)
        self._scale = rect.width() / chart.width
        self._chart_rect = rect
        shade = QColor(self.palette().highlight().color())
        shade.setAlpha(45)
        path = QPainterPath()
        for region in chart.regions:
            if region.area in planned:
                path.addPolygon(QPolygonF([QPointF(x * self._scale, y * self._scale)
                                           for x, y in region.points]))
                path.closeSubpath()
        if not path.isEmpty():
            shaded = QGraphicsPathItem(path)
            shaded.setBrush(QBrush(shade))
            shaded.setPen(QPen(Qt.PenStyle.NoPen))
            self.scene.addItem(shaded)
        self.scene.addItem(svg)
        self.scene.setSceneRect(rect)
        cell = self._guide_cell(chart)
        if cell > 0:
            grid = QPainterPath()
            x = rect.left()
            while x <= rect.right():
                grid.moveTo(x, rect.top())
                grid.lineTo(x, rect.bottom())
                x += cell
            y = rect.top()
            while y <= rect.bottom():
                grid.moveTo(rect.left(), y)
                grid.lineTo(rect.right(), y)
                y += cell
            lines = QGraphicsPathItem(grid)
            lines.setPen(QPen(QColor(0, 114, 178, 60), 0))
            lines.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.scene.addItem(lines)

    def _sync_points(self, chart: Chart) -> None:
        """One dot per point on this chart: a point left as it was keeps its dot
        (renumbered if need be); a new or changed one gets a new dot."""
        rect = self._chart_rect
        cell = self._guide_cell(chart)
        radius = self.fontMetrics().height() * 0.32
        current = self.product.currentIndex()
        planned = set(self.data.get("areas") or [])
        old, dots, items = self._dots, {}, {}
        for n, key, p in self._numbered():
            if p.get("view") != self._view:
                continue
            x, y = _num(p.get("x")), _num(p.get("y"))
            if x is None or y is None:
                continue
            item = old.pop(id(p), None)
            if item is not None and item.point is p and item.key[0] == key[0]:
                item.key = key
                item.renumber(n)
            else:
                if item is not None:
                    self._remove_dot(item)
                ring = None
                colour = QColor(COLOURS[key[0] % len(COLOURS)])
                if cell > 0 and key[0] == current:
                    ring = QGraphicsEllipseItem(-cell, -cell, 2 * cell, 2 * cell)
                    ring.setPen(QPen(colour, 0, Qt.PenStyle.DashLine))
                    ring.setZValue(5)
                    self.scene.addItem(ring)
                item = PointItem(key, n, colour, radius, rect, ring)
                item.point = p
                area = self._area_of(self._view, x, y)
                item.mark_outside(area is None or area not in planned)
                if key[0] != current:
                    item.setOpacity(0.55)
                self.scene.addItem(item)
                item.setPos(rect.left() + x * rect.width(), rect.top() + y * rect.height())
            dots[id(p)] = item
            items[key] = item
        for item in old.values():
            self._remove_dot(item)
        self._dots, self._items = dots, items
        self._show_crowded()

    def _show_crowded(self) -> None:
        """An amber rim on each point the rules find closer to another than the
        label's spacing (the finding names them by number; the chart shows them)."""
        for (entry, index), item in self._items.items():
            item.mark_crowded(f"products[{entry}].points[{index}]" in self._crowded)

    def _remove_dot(self, item: PointItem) -> None:
        if item.ring is not None:
            self.scene.removeItem(item.ring)
        self.scene.removeItem(item)

    def _focus(self, chart: Chart, planned: set[str]) -> QRectF:
        """The plan's areas and the points on this chart, with a margin: what the view
        zooms to (at least a third of the chart each way; all of it when nothing is planned)."""
        rect = self._chart_rect
        box = QRectF()
        for region in chart.regions:
            if region.area in planned:
                x0, y0, x1, y1 = (v * self._scale for v in region.box)
                box = box.united(QRectF(x0, y0, x1 - x0, y1 - y0))
        for item in self._items.values():
            box = box.united(QRectF(item.pos().x() - 1, item.pos().y() - 1, 2, 2))
        if box.isEmpty():
            return QRectF()
        width = max(box.width() * 1.5, rect.width() / 3)
        height = max(box.height() * 1.5, rect.height() / 3)
        centre = box.center()
        return QRectF(centre.x() - width / 2, centre.y() - height / 2,
                      width, height).intersected(rect)

    def _row(self, key: tuple[int, int], p: dict, context: tuple) -> tuple:
        """A table row's cells after the number: (text, value) each, and the colour
        (remembered for a point that has not changed in the same ``context``)."""
        memo = self._row_memo.get(id(p))
        if memo is not None and memo[0] is p and memo[1] == context:
            return memo[2]
        row = self._make_row(key, p)
        self._row_memo[id(p)] = (p, context, row)
        return row

    def _area_of(self, view: str, x: float, y: float) -> str | None:
        """The catalogue area under a point (remembered: the table asks often)."""
        spot = (view, x, y)
        if spot not in self._areas:
            chart = _chart(view)
            if len(self._areas) > 5000:
                self._areas.clear()
            self._areas[spot] = chart.area_at(x, y) if chart is not None else None
        return self._areas[spot]

    def _make_row(self, key: tuple[int, int], p: dict) -> tuple:
        entry = self.entries()[key[0]]
        view = str(p.get("view", ""))
        chart = _chart(view)
        x, y = _num(p.get("x")), _num(p.get("y"))
        area = self._area_of(view, x, y) if x is not None and y is not None else None
        area_name = (self.catalogue.areas[area].name if area in self.catalogue.areas
                     else area) if area else "off the marked areas"
        if chart is not None and area not in set(self.data.get("areas") or []):
            area_name += " (not in the plan)"
        own_depth = _num(p.get("depth_mm"))
        depth = self._delivery_depth()
        volume = _num(p.get("volume_ml"))
        return (
            (area_name, None),
            (number(round(x * 100, 1)) if x is not None else "?",
             x * 100 if x is not None else None),
            (number(round(y * 100, 1)) if y is not None else "?",
             y * 100 if y is not None else None),
            (number(volume) if volume else "?", volume),
            (number(own_depth) if own_depth is not None else
             (f"{number(depth)} (delivery)" if depth else "delivery depth"), own_depth),
            (chart.title if chart is not None else (view or "?"), None),
            (self._entry_name(entry), None),
            key[0] % len(COLOURS),
        )

    def _fill_table(self) -> None:
        """The rows between the unchanged first and last ones are replaced; the
        numbers after them follow."""
        numbered = list(self._numbered())
        if len(self._row_memo) > 4 * len(numbered) + 100:
            self._row_memo.clear()
        depth, planned = self._delivery_depth(), tuple(self.data.get("areas") or [])
        contexts = [(self._entry_name(e), depth, i % len(COLOURS), planned)
                    for i, e in enumerate(self.entries())]
        rows = [self._row(key, p, contexts[key[0]]) for _n, key, p in numbered]
        old = self._row_cache
        same = 0
        while same < min(len(old), len(rows)) and old[same] == rows[same]:
            same += 1
        tail = 0
        while (tail < min(len(old), len(rows)) - same
               and old[len(old) - 1 - tail] == rows[len(rows) - 1 - tail]):
            tail += 1
        for _ in range(len(old) - tail - same):
            self.table.removeRow(same)
        for r in range(same, len(rows) - tail):
            self.table.insertRow(r)
            self._set_row(r, rows[r])
        if rows and (not old or (len(rows) <= 60 and len(rows) - tail > same)):
            self.table.resizeColumnsToContents()     # cheap while the table is short
        self._row_cache = rows
        self._rows = [key for _n, key, _p in numbered]
        self._row_of = {key: r for r, key in enumerate(self._rows)}
        for r, (n, _key, _p) in enumerate(numbered[same:], start=same):
            item = self.table.item(r, 0)
            if item.text() != str(n):
                item.setText(str(n))
                item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{COLUMNS[0]}: {n}")

    def _set_row(self, r: int, row: tuple) -> None:
        cells = ((str(r + 1), None),) + row[:-1]
        for c, (text, value) in enumerate(cells):
            item = QTableWidgetItem(text)
            flags = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
            if c in EDITABLE:
                flags |= Qt.ItemFlag.ItemIsEditable
            item.setFlags(flags)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{COLUMNS[c]}: {text}")
            if c == 0:
                item.setData(Qt.ItemDataRole.DecorationRole, QColor(COLOURS[row[-1]]))
            self.table.setItem(r, c, item)

    def _show_totals(self) -> None:
        lines = []
        for i, entry in enumerate(self.entries()):
            points = [p for p in self.points_of(entry) if isinstance(p, dict)]
            total = math.fsum(_num(p.get("volume_ml")) or 0.0 for p in points)
            recorded = _num(entry.get("volume_ml"))
            swatch = f"<span style='color:{COLOURS[i % len(COLOURS)]}'>\u25cf</span>"
            words = "point" if len(points) == 1 else "points"
            line = (f"{swatch} {html.escape(self._entry_name(entry))}: {len(points)} {words}, "
                    f"{number(round(total, 3))} mL")
            if recorded is not None:
                same = abs(total - recorded) <= 0.005
                line += (f" of {number(recorded)} mL recorded" if same or not points else
                         f" <b>(recorded volume {number(recorded)} mL)</b>")
            lines.append(line)
        text = "<br/>".join(lines) if lines else "No product chosen yet: add one at Formulation."
        self.totals.setText(text)

    # --- adding, moving, removing --------------------------------------------------------
    def _new_point(self, x: float, y: float) -> dict | None:
        """A point at (x, y) with the chosen volume and depth, or None (and why)."""
        entry = self._current_entry()
        if entry is None:
            self.status.setText("Choose a product at Formulation before placing points.")
            return None
        volume = round(self.volume.value(), 3)
        if volume <= 0:
            self.status.setText("Set the volume per point first.")
            self.volume.setFocus()
            return None
        point: dict[str, Any] = {"view": self._view, "x": round(min(max(x, 0.0), 1.0), 4),
                                 "y": round(min(max(y, 0.0), 1.0), 4), "volume_ml": volume}
        depth = round(self.depth.value(), 1)
        if depth > 0 and depth != self._delivery_depth():
            point["depth_mm"] = depth
        self.status.setText("")
        return point

    def add_at(self, x: float, y: float) -> bool:
        """Add a point of the chosen product at (x, y), 0..1 of the chart on screen."""
        point = self._new_point(x, y)
        if point is None:
            return False
        entry = self.product.currentIndex()
        index = len(self.points_of(self.entries()[entry]))
        self.undo_stack.push(PointCommand(self, "Add point", entry, index, None, point))
        self.select([(entry, index)])
        return True

    def _clicked(self, where: QPointF) -> None:
        rect = self._chart_rect
        if rect.isEmpty():
            return
        self.add_at((where.x() - rect.left()) / rect.width(),
                    (where.y() - rect.top()) / rect.height())

    def add_in_area(self) -> None:
        """Add a point in the chosen area, at the free spot nearest its middle."""
        chart = _chart(self._view)
        area = self.area.currentData()
        entry = self._current_entry()
        if chart is None or area is None or entry is None:
            self.status.setText("Choose a product at Formulation before placing points."
                                if entry is None else "This chart has no areas.")
            return
        product = self._product(entry)
        spacing = (product.min_spacing_cm if product is not None and product.min_spacing_cm
                   else ONE_CM)
        taken = [(_num(p.get("x")), _num(p.get("y"))) for p in self.points_of(entry)
                 if isinstance(p, dict) and p.get("view") == self._view]
        spot = free_spot(chart, area, spacing,
                         [(x, y) for x, y in taken if x is not None and y is not None])
        if spot is None:
            self.status.setText("That area has no room left on this chart.")
            return
        if self.add_at(*spot):       # ready to type the new point's position
            self.table.selectionModel().setCurrentIndex(
                self.table.model().index(self.table.currentRow(), ACROSS),
                QItemSelectionModel.SelectionFlag.NoUpdate)
            self.table.setFocus()

    def _released(self) -> None:
        """A drag ended: the moved points are written, as one undoable change."""
        rect = self._chart_rect
        moves = []
        for item in self.scene.selectedItems():   # only selected dots can be dragged
            if not isinstance(item, PointItem) or self._items.get(item.key) is not item:
                continue
            key = item.key
            p = self.point(key)
            x = round((item.pos().x() - rect.left()) / rect.width(), 4)
            y = round((item.pos().y() - rect.top()) / rect.height(), 4)
            if abs(x - (_num(p.get("x")) or 0)) > 1e-4 or abs(y - (_num(p.get("y")) or 0)) > 1e-4:
                moves.append((key, dict(p), {**p, "x": x, "y": y}))
        if not moves:
            return
        selected = [key for key, item in self._items.items() if item.isSelected()]
        self.undo_stack.beginMacro("Move point" if len(moves) == 1 else "Move points")
        for key, before, after in moves:
            self.undo_stack.push(PointCommand(self, "Move point", key[0], key[1], before, after))
        self.undo_stack.endMacro()
        self.select(selected)

    def nudge(self, right_cm: float, down_cm: float) -> None:
        """Move the selected points on the chart by a distance (the arrow keys)."""
        chart = _chart(self._view)
        keys = [key for key, item in self._items.items() if item.isSelected()]
        if chart is None or not keys:
            return
        dx = right_cm / (chart.width * chart.cm_per_unit)
        dy = down_cm / (chart.height * chart.cm_per_unit)
        moves = []
        for key in keys:
            p = self.point(key)
            x = round(min(max((_num(p.get("x")) or 0) + dx, 0.0), 1.0), 4)
            y = round(min(max((_num(p.get("y")) or 0) + dy, 0.0), 1.0), 4)
            if (x, y) != (p.get("x"), p.get("y")):
                moves.append((key, dict(p), {**p, "x": x, "y": y}))
        if not moves:
            return
        self.undo_stack.beginMacro("Move point" if len(moves) == 1 else "Move points")
        for key, before, after in moves:
            self.undo_stack.push(PointCommand(self, "Move point", key[0], key[1], before, after))
        self.undo_stack.endMacro()
        self.select(keys)

    def selected_keys(self) -> list[tuple[int, int]]:
        """The points selected (the table's rows; a selection on the chart is copied there)."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self._rows[r] for r in rows if r < len(self._rows)]

    def remove_selected(self) -> None:
        keys = sorted(self.selected_keys(), reverse=True)
        if not keys:
            self.status.setText("Select a point to remove first.")
            return
        first_row = min(self._row_of[k] for k in keys if k in self._row_of)
        self.undo_stack.beginMacro("Remove point" if len(keys) == 1 else "Remove points")
        for entry, index in keys:
            self.undo_stack.push(PointCommand(self, "Remove point", entry, index,
                                              dict(self.point((entry, index))), None))
        self.undo_stack.endMacro()
        if self._rows:
            self.select([self._rows[min(first_row, len(self._rows) - 1)]])
        elif not self.view.hasFocus():
            self.table.setFocus()     # Remove is off now: keep the focus on the page

    def clear_all(self) -> None:
        """Every point taken off the map (a carried map not kept), as one undoable change."""
        keys = sorted(self._rows, reverse=True)
        if not keys:
            return
        self.undo_stack.beginMacro("Clear the map")
        for entry, index in keys:
            self.undo_stack.push(PointCommand(self, "Remove point", entry, index,
                                              dict(self.point((entry, index))), None))
        self.undo_stack.endMacro()
        self.status.setText(f"{len(keys)} point{'s' if len(keys) != 1 else ''} cleared; "
                            "Ctrl+Z brings them back.")
        self.table.setFocus()         # the button is off now: keep the focus on the page

    def edit_cell(self, row: int, column: int, value: float) -> None:
        """A number typed into the table: position in %, volume, depth (0: the delivery's)."""
        if not 0 <= row < len(self._rows):
            return
        key = self._rows[row]
        before = self.point(key)
        after = dict(before)
        if column == ACROSS:
            after["x"] = round(value / 100, 4)
        elif column == DOWN:
            after["y"] = round(value / 100, 4)
        elif column == VOLUME:
            if value <= 0:
                self.status.setText("A point's volume must be more than 0 mL.")
                self._draw()
                return
            after["volume_ml"] = round(value, 3)
        elif column == DEPTH:
            if value <= 0:
                after.pop("depth_mm", None)
            else:
                after["depth_mm"] = round(value, 1)
        if after == before:
            return
        self.status.setText("")
        self.undo_stack.push(PointCommand(self, f"Change {COLUMNS[column].lower()}", key[0],
                                          key[1], dict(before), after))
        self.select([key])

    def volume_follows_points(self) -> None:
        """The chosen entry's recorded volume becomes its points' total."""
        entry = self._current_entry()
        if entry is None or not self.points_of(entry):
            return
        total = round(math.fsum(_num(p.get("volume_ml")) or 0.0
                                for p in self.points_of(entry) if isinstance(p, dict)), 3)
        if total <= 0 or _num(entry.get("volume_ml")) == total:
            return
        self.undo_stack.push(VolumeCommand(self, self.product.currentIndex(),
                                           entry.get("volume_ml"), total))

    # --- selection kept in step between the chart and the table --------------------------
    def _select_rows(self, rows: list[int], current: int | None = None) -> None:
        """Select these table rows, and nothing else, in one go."""
        model, chooser = self.table.model(), self.table.selectionModel()
        selection = QItemSelection()
        for r in rows:
            selection.select(model.index(r, 0), model.index(r, 0))
        flags = QItemSelectionModel.SelectionFlag
        if current is not None:
            chooser.setCurrentIndex(model.index(current, max(self.table.currentColumn(), 0)),
                                    flags.NoUpdate)
        chooser.select(selection, flags.ClearAndSelect | flags.Rows)

    def select(self, keys: list[tuple[int, int]]) -> None:
        """Select these points on the chart and in the table."""
        self._syncing = True
        try:
            self.scene.clearSelection()
            for key in keys:
                if key in self._items:
                    self._items[key].setSelected(True)
            rows = [self._row_of[k] for k in keys if k in self._row_of]
            self._select_rows(rows, rows[-1] if rows else None)
        finally:
            self._syncing = False

    def _table_selection(self) -> None:
        if self._syncing:
            return
        keys = self.selected_keys()
        views = {self.point(k).get("view") for k in keys}
        if len(views) == 1 and (view := views.pop()) != self._view and view in VIEWS:
            self._syncing = True
            try:
                self.chart.setCurrentIndex(max(self.chart.findData(view), 0))
                self._view = view
                self._fill_areas()
                self._draw_chart()
            finally:
                self._syncing = False
        self._syncing = True
        try:
            self.scene.clearSelection()
            for key in keys:
                if key in self._items:
                    self._items[key].setSelected(True)
        finally:
            self._syncing = False

    def _scene_selection(self) -> None:
        if self._syncing:
            return
        keys = [key for key, item in self._items.items() if item.isSelected()]
        self._syncing = True
        try:
            self._select_rows([self._row_of[k] for k in keys if k in self._row_of])
        finally:
            self._syncing = False

    # --- findings ------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Any) -> None:
        """The map's findings: those about points, and the points' total against the
        recorded volume (which the formulation step also shows)."""
        mine = [f for f in snapshot.findings
                if snapshot.table.step_for_path(f.path) == self.step_id
                or f.rule == "points-volume-mismatch"]
        self._findings = mine
        self._crowded = {path for f in mine if f.rule == "points-too-close"
                         for path in (f.paths or (f.path,))}
        self._show_crowded()
        self.show_findings(mine)
        self.show_gaps(snapshot.gaps_for(self.step_id))

    def findings_text(self) -> str:
        return self.findings_note.text()


def suitability(chart: Chart, planned: set[str]) -> float:
    """How much of the chart's marked areas the plan's areas take (0..1): the chart
    that shows them best comes first (the scalp chart for the scalp, the front of
    the face for the face)."""
    def size(points: tuple[tuple[float, float], ...]) -> float:
        return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2)
                       in zip(points, points[1:] + points[:1]))) / 2

    total = sum(size(r.points) for r in chart.regions)
    mine = sum(size(r.points) for r in chart.regions if r.area in planned)
    return mine / total if total > 0 else 0.0


def free_spot(chart: Chart, area: str, spacing_cm: float,
              taken: list[tuple[float, float]]) -> tuple[float, float] | None:
    """A 0..1 position in ``area`` on ``chart`` at least ``spacing_cm`` from every
    position in ``taken``: the grid spot nearest the middle of the area's
    largest region; None when there is no room."""
    regions = [r for r in chart.regions if r.area == area]
    if not regions:
        return None
    spacing_cm += 0.01                              # so rounding to 4 places keeps the gap
    step = spacing_cm / chart.cm_per_unit          # chart units
    units = [chart.to_units(x, y) for x, y in taken]
    candidates: list[tuple[float, float, float]] = []
    for region in sorted(regions, key=lambda r: -(r.box[2] - r.box[0]) * (r.box[3] - r.box[1])):
        x0, y0, x1, y1 = region.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        nx, ny = int((x1 - x0) / (2 * step)) + 1, int((y1 - y0) / (2 * step)) + 1
        for i in range(-nx, nx + 1):
            for j in range(-ny, ny + 1):
                x, y = cx + i * step, cy + j * step
                if region.contains(x, y) and chart.area_at(x / chart.width,
                                                           y / chart.height) == area:
                    candidates.append((math.hypot(x - cx, y - cy), x, y))
        if candidates:
            break
    for _d, x, y in sorted(candidates):
        if all(math.hypot(x - ux, y - uy) * chart.cm_per_unit >= spacing_cm - 1e-6
               for ux, uy in units):
            return round(x / chart.width, 4), round(y / chart.height, 4)
    return None


__all__ = ["MapPage", "free_spot", "suitability"]
