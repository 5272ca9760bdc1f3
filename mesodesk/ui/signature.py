"""The signature pad: strokes recorded as vector points with pressure.

A stroke is a list of ``[x, y, pressure]`` points in pad pixels. A pen or
tablet gives real pressure (``QTabletEvent``); a mouse or finger counts as 1.0.
The strokes are kept in the consultation as evidence of the act, and a PNG at
print resolution (white background, so it prints the same on any PDF viewer)
goes into the pack.
"""

from __future__ import annotations

import base64
import logging
from typing import Sequence

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPaintEvent,
                           QPen, QTabletEvent)
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)

Point = tuple[float, float, float]
Stroke = list[Point]

# A signature box on paper is about 80 mm x 25 mm; at 300 dpi that is 945 x 295.
PRINT_SIZE = QSize(945, 295)
_INK = QColor(20, 30, 80)


def _width(pressure: float, scale: float) -> float:
    return max(0.6, (0.9 + 2.2 * max(0.0, min(pressure, 1.0))) * scale)


def paint_strokes(painter: QPainter, strokes: Sequence[Sequence[Sequence[float]]],
                  scale: float = 1.0, colour: QColor = _INK) -> None:
    """Smooth strokes: quadratic curves through the midpoints of the samples,
    each segment as wide as its pressure."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for stroke in strokes:
        if not stroke:
            continue
        pts = [QPointF(p[0] * scale, p[1] * scale) for p in stroke]
        pressures = [p[2] if len(p) > 2 else 1.0 for p in stroke]
        if len(pts) == 1:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            r = _width(pressures[0], scale) / 2
            painter.drawEllipse(pts[0], r, r)
            continue
        painter.setBrush(Qt.BrushStyle.NoBrush)
        start = pts[0]
        for i in range(1, len(pts)):
            end = (pts[i] + pts[i + 1]) / 2 if i + 1 < len(pts) else pts[i]
            path = QPainterPath(start)
            path.quadTo(pts[i], end)
            painter.setPen(QPen(colour, _width(pressures[i], scale), Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            painter.drawPath(path)
            start = end


def bounds(strokes: Sequence[Sequence[Sequence[float]]]) -> QRectF:
    xs = [p[0] for s in strokes for p in s]
    ys = [p[1] for s in strokes for p in s]
    if not xs:
        return QRectF()
    return QRectF(min(xs), min(ys), max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0))


def render_png(strokes: Sequence[Sequence[Sequence[float]]], size: QSize = PRINT_SIZE) -> bytes:
    """The strokes fitted (with a margin, aspect kept) into a white PNG of ``size``."""
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    box = bounds(strokes)
    if not box.isEmpty():
        margin = 0.08
        usable_w, usable_h = size.width() * (1 - 2 * margin), size.height() * (1 - 2 * margin)
        scale = min(usable_w / box.width(), usable_h / box.height())
        scale = min(scale, 6.0)
        painter = QPainter(image)
        dx = (size.width() - box.width() * scale) / 2 - box.left() * scale
        dy = (size.height() - box.height() * scale) / 2 - box.top() * scale
        painter.translate(dx, dy)
        paint_strokes(painter, strokes, scale)
        painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stub wants bytes; only str works
    buffer.close()
    return bytes(data.data())


class SignaturePad(QWidget):
    """Sign here: draw with a pen, a finger or the mouse; Clear and Undo."""

    changed = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(label)
        self.setAccessibleDescription("Signature pad: draw the signature with a pen or the mouse")
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self._tablet_active = False

    # --- data ---------------------------------------------------------------------------
    def strokes(self) -> list[list[list[float]]]:
        return [[[round(x, 1), round(y, 1), round(p, 3)] for x, y, p in s]
                for s in self._strokes]

    def set_strokes(self, strokes: Sequence[Sequence[Sequence[float]]]) -> None:
        self._strokes = [[(float(p[0]), float(p[1]), float(p[2]) if len(p) > 2 else 1.0)
                          for p in s] for s in strokes if s]
        self._current = None
        self.update()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not self._strokes

    def clear(self) -> None:
        self.set_strokes([])

    def undo(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self.update()
            self.changed.emit()

    def png(self, size: QSize = PRINT_SIZE) -> bytes:
        return render_png(self._strokes, size)

    def png_base64(self, size: QSize = PRINT_SIZE) -> str:
        return base64.b64encode(self.png(size)).decode("ascii")

    # --- input --------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        h = self.fontMetrics().height()
        return QSize(h * 30, h * 8)

    def minimumSizeHint(self) -> QSize:
        h = self.fontMetrics().height()
        return QSize(h * 16, h * 5)

    def _begin(self, pos: QPointF, pressure: float) -> None:
        self._current = [(pos.x(), pos.y(), pressure)]
        self._strokes.append(self._current)
        self.update()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        last = self._current[-1]
        if abs(last[0] - pos.x()) < 0.5 and abs(last[1] - pos.y()) < 0.5:
            return
        self._current.append((pos.x(), pos.y(), pressure))
        self.update()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.changed.emit()

    def tabletEvent(self, event: QTabletEvent) -> None:
        pressure = float(event.pressure())
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._tablet_active = True
            self._begin(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletMove and self._tablet_active:
            self._extend(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletRelease:
            self._tablet_active = False
            self._end()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._tablet_active:
            self._begin(event.position(), 1.0)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._tablet_active:
            self._extend(event.position(), 1.0)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._tablet_active:
            self._extend(event.position(), 1.0)
            self._end()

    # --- drawing ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), QColor("white"))
        frame = palette.color(palette.ColorRole.Highlight if self.hasFocus()
                              else palette.ColorRole.Mid)
        painter.setPen(QPen(frame, 2 if self.hasFocus() else 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        baseline = self.height() * 0.75
        painter.setPen(QPen(QColor(170, 170, 170), 1, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(12, baseline), QPointF(self.width() - 12, baseline))
        if not self._strokes:
            painter.setPen(QColor(120, 120, 120))
            painter.drawText(self.rect().adjusted(12, 0, 0, 0),
                             int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                             "Sign here")
        paint_strokes(painter, self._strokes)
        painter.end()
