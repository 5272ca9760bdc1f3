"""Radio buttons and check boxes whose edge can be seen, in light and dark palettes.

Qt's Fusion style (the usual one on Linux) draws an indicator's edge in the
window colour made 40 % darker. On a dark palette that is almost the colour of
the indicator's own fill, so an unticked box or an unchosen answer has no
visible edge (WCAG 2.1 asks 3:1 for a control's boundary, 1.4.11); on a light
palette it is about 2:1. This proxy draws Fusion's indicator, then an edge in a
colour between the text and the base colour with at least 3:1 against both the
base and the window colour. Other styles (Windows, macOS) are left as they are.

It is set on each radio button and check box (``widgets.radio``, ``widgets.checkbox``
call :func:`readable_indicators`), not on the application: a style written in
Python is called for every primitive the window draws, and importing
``QStyle`` before the first paint builds its enums (start-up time).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOption, QWidget

from mesodesk.ui.colours import MIN_EDGE_CONTRAST, contrast, mix

_RADIO = QStyle.PrimitiveElement.PE_IndicatorRadioButton
_CHECK = QStyle.PrimitiveElement.PE_IndicatorCheckBox


_EDGES: dict[tuple[int, int, int], QColor] = {}   # (base, window, text) -> edge colour


def edge_colour(palette: QPalette) -> QColor:
    """The colour nearest the base colour, on the way to the text colour, whose
    contrast with both the base (inside the indicator) and the window (around
    it) is at least 3:1; the text colour itself if none nearer is. Worked out
    once per palette: the screening page paints some fifty indicators."""
    group = QPalette.ColorGroup.Active
    base = palette.color(group, QPalette.ColorRole.Base)
    window = palette.color(group, QPalette.ColorRole.Window)
    text = palette.color(group, QPalette.ColorRole.Text)
    key = (base.rgba(), window.rgba(), text.rgba())
    if key not in _EDGES:
        _EDGES[key] = _edge_between(base, window, text)
    return _EDGES[key]


def _edge_between(base: QColor, window: QColor, text: QColor) -> QColor:
    target = MIN_EDGE_CONTRAST + 0.3   # a margin for antialiased pixels
    for step in range(101):
        mixed = mix(base, text, step / 100)
        if contrast(mixed, base) >= target and contrast(mixed, window) >= target:
            return mixed
    return QColor(text)


class ReadableIndicators(QProxyStyle):
    """Fusion, with the radio buttons' and check boxes' edges drawn readable."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,  # noqa: N802
                      painter: QPainter, widget: QWidget | None = None) -> None:
        super().drawPrimitive(element, option, painter, widget)
        if element != _RADIO and element != _CHECK:
            return
        palette = option.palette
        colour = edge_colour(palette)
        if not option.state & QStyle.StateFlag.State_Enabled:
            colour = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        painter.save()
        painter.setBrush(QColor(0, 0, 0, 0))
        if element == _RADIO:   # a circle, smoothed
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(colour, 1.2))
            painter.drawEllipse(QRectF(option.rect).adjusted(1.1, 1.1, -1.1, -1.1))
        else:                   # a square on whole pixels, crisp
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(QPen(colour, 1))
            painter.drawRect(QRectF(option.rect).adjusted(1, 1, -2, -2))
        painter.restore()


def readable_style(current: QStyle) -> QStyle | None:
    """The proxy for ``current`` when it is Fusion; None for any other style."""
    if current.name().lower() != "fusion" or isinstance(current, ReadableIndicators):
        return None
    return ReadableIndicators("fusion")


_shared: dict[str, QStyle | None] = {}


def readable_indicators(widget: QWidget) -> None:
    """Give a radio button or check box the readable edge, when the
    application's style is Fusion (one proxy, shared by every indicator)."""
    if "style" not in _shared:
        app_style = QApplication.style()
        _shared["style"] = (readable_style(app_style) if app_style is not None else None)
        if _shared["style"] is not None:
            _shared["style"].setParent(QApplication.instance())   # lives with the application
    style = _shared["style"]
    if style is not None:
        widget.setStyle(style)
