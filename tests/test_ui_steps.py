"""The window derives its step list, pages, Next and Back from the steps table."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mesodesk.session import STEPS, Step, StepTable


def test_a_step_added_to_the_table_gets_its_page_in_the_window(qtbot, monkeypatch):
    """Adding a step is one entry in the table plus its page."""
    from PySide6.QtWidgets import QLabel

    from mesodesk.ui import widgets
    from mesodesk.ui.window import MainWindow

    widgets.page_class("clinic")   # the real pages are registered first
    monkeypatch.setattr(widgets, "PAGE_CLASSES", dict(widgets.PAGE_CLASSES))

    class PhotosPage(widgets.StepPage):   # the page
        step_id = "photos"
        title = "Photographs taken"

        def build(self) -> None:
            self.body.addWidget(QLabel("Take the before photographs now."))

    ids = [s.id for s in STEPS]
    entry = Step("photos", "Photographs taken", (), lambda f: True)  # the entry
    table = StepTable(STEPS[:ids.index("review")] + (entry,) + STEPS[ids.index("review"):])

    window = MainWindow(store_factory=None, steps=table)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.new_consultation()
    titles = [window.step_list.item(i).text() for i in range(window.step_list.count())]
    assert titles[ids.index("review")] == "Photographs taken"
    assert len(titles) == len(STEPS) + 1
    window.go("plan")
    plan = window.pages["plan"]
    plan.sessions.setValue(4)        # the plan's required fields, so Next may go on
    plan.interval.setValue(2)
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "photos")
    assert isinstance(window.page_stack.currentWidget(), PhotosPage)
    assert window.position.text() == f"Step {ids.index('review') + 1} of {len(STEPS) + 1}: " \
                                     "Photographs taken"
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "review")
    qtbot.mouseClick(window.back, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "photos")
