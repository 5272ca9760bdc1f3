"""Colour contrast as WCAG 2 measures it, for the window's greyed text and the
style's indicator edges (light and dark palettes alike)."""

from __future__ import annotations

from PySide6.QtGui import QColor

MIN_CONTRAST = 4.5    # WCAG 2 AA for text (1.4.3)
MIN_EDGE_CONTRAST = 3.0   # WCAG 2.1 AA for a control's boundary (1.4.11, non-text contrast)


def luminance(colour: QColor) -> float:
    """Relative luminance (WCAG 2)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF())
            + 0.0722 * channel(colour.blueF()))


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def mix(base: QColor, text: QColor, t: float) -> QColor:
    """The colour ``t`` of the way from ``base`` (0) to ``text`` (1)."""
    return QColor.fromRgbF(base.redF() + (text.redF() - base.redF()) * t,
                           base.greenF() + (text.greenF() - base.greenF()) * t,
                           base.blueF() + (text.blueF() - base.blueF()) * t)


def readable_grey(text: QColor, base: QColor, ratio: float = MIN_CONTRAST + 0.1) -> QColor:
    """The colour between ``base`` and ``text`` closest to ``base`` (so it still
    looks greyed) whose contrast with ``base`` is at least ``ratio``."""
    best = QColor(text)
    for step in range(100, -1, -1):
        mixed = mix(base, text, step / 100)
        if contrast(mixed, base) < ratio:
            break
        best = mixed
    return best
