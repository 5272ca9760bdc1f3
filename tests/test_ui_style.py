"""Radio buttons and check boxes keep an edge that can be seen (WCAG 2.1 non-text
contrast, 3:1) in a light and a dark palette, under Fusion, the usual style on
Linux (whose own edge is ~1.2:1 on a dark palette)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton

from mesodesk.ui.colours import contrast
from mesodesk.ui.style import ReadableIndicators, readable_style

LIGHT = {"Window": "#efefef", "Base": "#ffffff", "Text": "#000000", "WindowText": "#000000"}
DARK = {"Window": "#2b2b2e", "Base": "#1f1f22", "Text": "#e8e8e8", "WindowText": "#e8e8e8"}


def palette(colours: dict[str, str]) -> QPalette:
    p = QPalette()
    for role, colour in colours.items():
        p.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    return p


def edge_contrast(qtbot, kind, style, colours) -> float:
    """The strongest contrast, against the window colour, of any pixel of an
    unticked indicator (its fill is the base colour: only the edge can stand out)."""
    box = kind("Answer")
    qtbot.addWidget(box)
    box.setStyle(style)
    box.setPalette(palette(colours))
    box.resize(box.sizeHint())
    image = box.grab().toImage()
    option = QStyleOptionButton()
    option.initFrom(box)
    element = (QStyle.SubElement.SE_RadioButtonIndicator if kind is QRadioButton
               else QStyle.SubElement.SE_CheckBoxIndicator)
    rect = style.subElementRect(element, option, box)
    window = QColor(colours["Window"])
    ratio = image.devicePixelRatio()
    return max(contrast(image.pixelColor(int(x * ratio), int(y * ratio)), window)
               for x in range(rect.left(), rect.right() + 1)
               for y in range(rect.top(), rect.bottom() + 1))


@pytest.mark.parametrize("kind", [QRadioButton, QCheckBox])
@pytest.mark.parametrize("colours", [LIGHT, DARK], ids=["light", "dark"])
def test_an_unticked_indicator_has_a_visible_edge(qtbot, kind, colours):
    readable = ReadableIndicators("fusion")
    assert edge_contrast(qtbot, kind, readable, colours) >= 3.0


def test_fusion_alone_falls_short_on_a_dark_palette(qtbot):
    """Why the proxy exists: without it the dark radio button has no edge to see."""
    from PySide6.QtWidgets import QStyleFactory

    assert edge_contrast(qtbot, QRadioButton, QStyleFactory.create("fusion"), DARK) < 2.0


def test_only_fusion_is_wrapped():
    from PySide6.QtWidgets import QStyleFactory

    assert isinstance(readable_style(QStyleFactory.create("fusion")), ReadableIndicators)
    assert readable_style(QStyleFactory.create("windows")) is None
    assert readable_style(ReadableIndicators("fusion")) is None   # not wrapped twice


def test_the_pages_radio_buttons_and_check_boxes_get_the_readable_edge(qtbot):
    """Every page's radio buttons and check boxes come from widgets.radio and
    widgets.checkbox, which set the proxy when the application's style is Fusion."""
    from PySide6.QtWidgets import QApplication

    from mesodesk.ui.widgets import checkbox, radio

    boxes = [radio("Yes"), checkbox("I agree")]
    for box in boxes:
        qtbot.addWidget(box)
    fusion = QApplication.style().name().lower() == "fusion"
    assert all(isinstance(b.style(), ReadableIndicators) == fusion for b in boxes)
    if fusion:
        assert edge_contrast(qtbot, QRadioButton, boxes[0].style(), DARK) >= 3.0
