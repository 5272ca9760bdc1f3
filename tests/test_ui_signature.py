"""The signature pad: vector strokes with pressure, undo and clear, and a PNG
at print resolution for the pack."""

from __future__ import annotations

import base64

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from mesodesk.ui.signature import PRINT_SIZE, SignaturePad, render_png


@pytest.fixture
def pad(qtbot):
    p = SignaturePad("Patient signature")
    p.resize(400, 150)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    return p


def mouse_stroke(qtbot, pad, points):
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for x, y in points[1:]:
        qtbot.mouseMove(pad, QPoint(x, y))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def ink(png: bytes) -> int:
    """How many pixels are not white."""
    image = QImage.fromData(png, "PNG")
    white = 0xFFFFFFFF
    return sum(1 for y in range(0, image.height(), 3) for x in range(0, image.width(), 3)
               if image.pixel(x, y) != white)


def test_mouse_strokes_are_kept_as_points_with_full_pressure(qtbot, pad):
    with qtbot.waitSignal(pad.changed):
        mouse_stroke(qtbot, pad, [(20, 40), (60, 80), (100, 50), (140, 90)])
    strokes = pad.strokes()
    assert len(strokes) == 1
    assert [p[:2] for p in strokes[0]] == [[20, 40], [60, 80], [100, 50], [140, 90]]
    assert {p[2] for p in strokes[0]} == {1.0}


def test_pen_pressure_is_recorded_from_tablet_events(qtbot, pad):
    pen = QPointingDevice("test pen", 1, QInputDevice.DeviceType.Stylus,
                          QPointingDevice.PointerType.Pen,
                          QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
                          1, 3)

    def send(kind, x, y, pressure, buttons):
        QApplication.sendEvent(pad, QTabletEvent(
            kind, pen, QPointF(x, y), QPointF(x, y), pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
            Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons))

    send(QEvent.Type.TabletPress, 10, 10, 0.2, Qt.MouseButton.LeftButton)
    send(QEvent.Type.TabletMove, 50, 40, 0.6, Qt.MouseButton.LeftButton)
    send(QEvent.Type.TabletMove, 90, 60, 0.9, Qt.MouseButton.LeftButton)
    send(QEvent.Type.TabletRelease, 90, 60, 0.0, Qt.MouseButton.NoButton)
    assert pad.strokes() == [[[10, 10, 0.2], [50, 40, 0.6], [90, 60, 0.9]]]


def test_undo_removes_the_last_stroke_and_clear_removes_all(qtbot, pad):
    mouse_stroke(qtbot, pad, [(20, 40), (60, 80)])
    mouse_stroke(qtbot, pad, [(100, 40), (140, 80)])
    pad.undo()
    assert [s[0][:2] for s in pad.strokes()] == [[20, 40]]
    pad.clear()
    assert pad.is_empty() and pad.strokes() == []
    pad.undo()  # nothing to undo is not an error
    assert pad.is_empty()


def test_the_png_is_at_print_resolution_and_shows_the_ink(qtbot, pad):
    assert ink(pad.png()) == 0  # empty pad, white image
    mouse_stroke(qtbot, pad, [(20, 40), (60, 80), (100, 50), (140, 90), (180, 40)])
    png = base64.b64decode(pad.png_base64())
    image = QImage.fromData(png, "PNG")
    assert (image.width(), image.height()) == (PRINT_SIZE.width(), PRINT_SIZE.height())
    assert ink(png) > 200
    # the pixels of the corner stay white: the signature is fitted with a margin
    assert image.pixel(2, 2) == 0xFFFFFFFF


def test_pressure_changes_the_line_width():
    light = [[[10, 50, 0.1], [200, 50, 0.1]]]
    heavy = [[[10, 50, 1.0], [200, 50, 1.0]]]
    # fitted to the same box, so the only difference is the pressure
    assert ink(render_png(heavy)) > ink(render_png(light))


def test_strokes_fit_the_consultation_format(qtbot, pad):
    from mesodesk.domain.model import Signature
    from mesodesk.domain.schema import build

    mouse_stroke(qtbot, pad, [(20, 40), (60, 80), (100, 50)])
    signature = build(Signature, {"role": "patient", "name": "Jane", "signed_at":
                                  "2026-11-25T10:00:00+00:00",
                                  "image_png_base64": pad.png_base64(),
                                  "strokes": pad.strokes()})
    assert signature.strokes[0][1] == (60.0, 80.0, 1.0)
