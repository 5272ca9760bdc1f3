"""The consultation window, driven through its real widgets (offscreen, no sleeps)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from tests.ceremony_support import agree_all, answer_teach_back, confirm_signing, with_teach_back
from tests.conftest import merge, open_file_in
from tests.window_support import records_open, shown_window

pytestmark = pytest.mark.usefixtures("fresh_home")

BUILD_TIMEOUT = 20000  # ms; a pack builds in about a second


@pytest.fixture
def window(qtbot):
    yield from shown_window(qtbot, ready=records_open)   # active: shortcuts need it


def all_no(catalogue) -> dict:
    return {q: "no" for q in catalogue.screening}


def write_case(tmp_path: Path, data: dict, name: str = "case.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def alt(qtbot, window, key, step: str) -> None:
    """A mnemonic (Alt+letter) on Next or Back. It needs the window active and the
    button enabled, so wait for both first; the button answers with an animated
    click, so then wait until the step's page is the one on screen."""
    button = {Qt.Key.Key_N: window.next, Qt.Key.Key_B: window.back}[key]
    qtbot.waitUntil(window.isActiveWindow, timeout=BUILD_TIMEOUT)
    qtbot.waitUntil(button.isEnabled, timeout=BUILD_TIMEOUT)
    qtbot.keyClick(window.focusWidget() or window, key, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.page_stack.currentWidget() is window.pages[step],
                    timeout=BUILD_TIMEOUT)
    assert window.step_id == step


def read_pack(qtbot, pack) -> None:
    """Wait for the pack, then scroll to its last page as the patient would."""
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    bar = pack.preview.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert not pack.sign.isEnabled()
    bar.setValue(bar.maximum())
    qtbot.waitUntil(pack.sign.isEnabled)


def tick(qtbot, box) -> None:
    """Click a check box or radio button on its indicator (its label may be shorter
    than the stretched widget, so the centre can miss it)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(box.height() // 2,
                                                                box.height() // 2))


def draw(qtbot, pad, points: list[tuple[int, int]]) -> None:
    qtbot.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[0]))
    for p in points[1:]:
        qtbot.mouseMove(pad, QPoint(*p))
    qtbot.mouseRelease(pad, Qt.MouseButton.LeftButton, pos=QPoint(*points[-1]))


def sign_pad(qtbot, pad, wiggle: float = 0.3) -> None:
    """Two strokes: a zigzag (its amplitude makes each signer's differ) and a bar."""
    w, h = pad.width(), pad.height()
    draw(qtbot, pad, [(int(w * x / 20), int(h * (0.5 + wiggle * ((-1) ** x) / 2)))
                      for x in range(2, 18)])
    draw(qtbot, pad, [(int(w * 0.3), int(h * 0.2)), (int(w * 0.35), int(h * 0.8))])


def test_a_whole_consultation_by_keyboard_and_mouse_to_a_signed_saved_pdf(
        qtbot, window, catalogue, tmp_path, monkeypatch):
    from pypdf import PdfReader

    qtbot.mouseClick(window.start.new, Qt.MouseButton.LeftButton)
    assert window.step_id == "clinic"
    clinic = window.pages["clinic"]
    qtbot.keyClicks(clinic.clinic_name, "Riverside Aesthetics")
    qtbot.keyClicks(clinic.emergency, "+44 7700 900000")
    qtbot.keyClicks(clinic.practitioner, "Dr Ana Silva")
    qtbot.keyClicks(clinic.registration, "GMC 7654321")  # her authority to prescribe
    alt(qtbot, window, Qt.Key.Key_N, "patient")  # &Next

    patient = window.pages["patient"]
    qtbot.keyClicks(patient.name, "Zoe Kowalczyk")
    patient.dob.setFocus()
    qtbot.keyClicks(patient.dob, "14/03/1986")
    assert patient.age.text().startswith("Age ")
    qtbot.keyClick(patient.dob, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is patient.phone  # tab order follows the form
    qtbot.keyClicks(patient.phone, "+44 7700 900123")
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)

    screening = window.pages["screening"]
    assert window.step_id == "screening"
    for qid, buttons in screening.buttons.items():
        tick(qtbot, buttons["no"])
    qtbot.keyClicks(screening.medications, "Levothyroxine 50 mcg")
    alt(qtbot, window, Qt.Key.Key_N, "indication")

    indication = window.pages["indication"]
    assert window.step_id == "indication"
    indication.indication.setFocus()
    qtbot.keyClick(indication.indication, Qt.Key.Key_Down)  # the first indication
    assert indication.indication.currentData() == "skin-rejuvenation"
    tick(qtbot, indication.areas["face"])
    alt(qtbot, window, Qt.Key.Key_N, "delivery")

    delivery = window.pages["delivery"]
    assert window.step_id == "delivery"
    default = catalogue.indications["skin-rejuvenation"]
    assert delivery.technique.currentData() == default.default_technique  # filled in
    assert delivery.gauge.currentData() == default.default_needle_gauge
    alt(qtbot, window, Qt.Key.Key_N, "formulation")

    formulation = window.pages["formulation"]
    assert window.step_id == "formulation"
    # the first product suited to the indication is preselected: no key needed
    assert formulation.product.currentText().endswith("\u2014 suited")
    assert formulation.product.currentData() == \
        catalogue.indications["skin-rejuvenation"].products[0]
    qtbot.mouseClick(formulation.add_product, Qt.MouseButton.LeftButton)
    row = formulation.rows[0]
    assert QApplication.focusWidget() is row.lot
    qtbot.keyClicks(row.lot, "HA24A17")
    qtbot.keyClicks(row.expiry, "2031-05-31")
    alt(qtbot, window, Qt.Key.Key_N, "map")  # the injection map is optional
    alt(qtbot, window, Qt.Key.Key_N, "plan")
    alt(qtbot, window, Qt.Key.Key_B, "map")  # &Back
    alt(qtbot, window, Qt.Key.Key_N, "plan")
    alt(qtbot, window, Qt.Key.Key_N, "review")
    window.refresh()
    review = window.pages["review"]
    for item in review.items.values():  # acknowledge whatever warnings remain
        if item.acknowledge is not None:
            tick(qtbot, item.acknowledge)
    window.refresh()
    assert window.next.isEnabled(), (review.status.text(), flow_problems(window))
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)

    consent = window.pages["consent"]
    assert window.step_id == "consent"
    tick(qtbot, consent.photos["record-only"])
    consent.cooling.setFocus()
    consent.cooling.selectAll()
    qtbot.keyClicks(consent.cooling, "7")
    window.refresh()
    assert not window.next.isEnabled()   # teach-back not yet recorded
    answer_teach_back(qtbot, window)
    window.refresh()
    qtbot.mouseClick(window.next, Qt.MouseButton.LeftButton)

    pack = window.pages["pack"]
    assert window.step_id == "pack"
    assert not pack.sign.isEnabled()  # not before the patient has the pack on screen
    read_pack(qtbot, pack)
    assert pack.preview.document.pageCount() >= 4
    qtbot.mouseClick(pack.sign, Qt.MouseButton.LeftButton)

    sign = window.pages["sign"]
    assert window.step_id == "sign"
    assert sign.patient.name.text() == "Zoe Kowalczyk"
    assert not sign.finish.isEnabled()
    sign_pad(qtbot, sign.patient.pad)
    assert not sign.finish.isEnabled()  # the practitioner has not signed
    sign_pad(qtbot, sign.practitioner.pad, wiggle=0.6)
    assert len(sign.patient.pad.strokes()) == 2
    assert all(p[2] == 1.0 for s in sign.patient.pad.strokes() for p in s)  # mouse pressure
    assert not sign.finish.isEnabled()  # no statement ticked yet
    agree_all(qtbot, window)
    confirm_signing(qtbot, window)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)

    out = tmp_path / "signed-pack.pdf"
    monkeypatch.setattr(window, "choose_save_path", lambda *a: str(out))
    with qtbot.waitSignal(window.packSaved, timeout=BUILD_TIMEOUT):
        qtbot.mouseClick(window.pages["done"].save, Qt.MouseButton.LeftButton)
    assert out.read_bytes() == window.final_pdf

    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Kowalczyk" in text
    assert "Riverside Aesthetics" in text
    assert "HA24A17" in text
    # the two signatures drawn above are images in the PDF, at print resolution
    images = [img for page in reader.pages for img in page.images]
    sizes = {(img.image.width, img.image.height) for img in images}
    from mesodesk.ui.signature import PRINT_SIZE

    assert (PRINT_SIZE.width(), PRINT_SIZE.height()) in sizes
    assert len([i for i in images if (i.image.width, i.image.height) ==
                (PRINT_SIZE.width(), PRINT_SIZE.height())]) >= 2

    # the strokes are kept in the consultation, and the signed pack is in the records
    signatures = window.state.data["consent"]["signatures"]
    assert {s["role"] for s in signatures} == {"patient", "practitioner"}
    assert signatures[0]["strokes"] and base64.b64decode(signatures[0]["image_png_base64"])
    window.work.wait_serial()   # the audit events are written after the file
    stored = window.store.signed(window.state.consultation_id)
    assert stored.pdf == window.final_pdf
    assert window.store.drafts() == []  # the draft became the signed consultation
    kinds = [e.kind for e in window.store.audit_events(window.state.consultation_id)]
    assert {"signed", "exported", "viewed"} <= set(kinds)  # all about this consultation


def test_a_pregnant_patient_cannot_reach_export_with_deoxycholic_acid(
        qtbot, window, catalogue, jane_data, tmp_path):
    data = merge(jane_data, {
        "screening": {"answers": dict(all_no(catalogue), pregnant="yes")},
        "indication": "submental-fat", "areas": ["submental"],
        "delivery": {"technique": "point-by-point", "device": "syringe", "needle_gauge": 30,
                     "needle_length_mm": 13, "depth_mm": 6},
        "products": [{"id": "deoxycholic-acid", "lot": "K1", "expiry": "2031-01-31",
                      "volume_ml": 2}],
        "consent": {"overrides": [{"rule": "pregnancy-injectable", "reason": "insists"}]},
    })
    assert open_file_in(qtbot, window, write_case(tmp_path, data))
    assert window.step_id == "review"
    review = window.pages["review"]
    item = next(i for (rule, _s, _p), i in review.items.items()
                if rule == "pregnancy-injectable")
    assert item.reason is None and item.acknowledge is None  # nothing to tick or write
    assert item.findChild(type(review.status), "absolute-block") is not None
    assert "cannot be overridden" in review.status.text()
    assert not window.next.isEnabled()
    for step in ("consent", "pack", "sign", "done"):
        assert not window.go(step)
        assert window.step_id == "review"
        row = window.step_list.item(list(window.pages).index(step))
        assert not row.flags() & Qt.ItemFlag.ItemIsEnabled
    from mesodesk.ui.findings import SEVERITY_ROLE
    from mesodesk.ui.window import STATUS_ROLE

    assert window.step_list.item(2).data(STATUS_ROLE) == "block"  # screening carries the block
    assert not window.step_list.item(2).icon().isNull()            # drawn, not U+26D4
    panel = window.findings_panel.list
    blocks = [panel.item(i) for i in range(panel.count())
              if panel.item(i).data(SEVERITY_ROLE) == "block"]
    assert any("pregnan" in b.text().lower() and b.text().startswith("Block") for b in blocks)
    assert all(not b.icon().isNull() and "\u26d4" not in b.text() for b in blocks)


def test_an_anticoagulant_warning_must_be_acknowledged_before_export(
        qtbot, window, catalogue, jane_data, tmp_path):
    data = merge(jane_data, {"screening": {
        "answers": dict(all_no(catalogue), anticoagulants="yes")}})
    assert open_file_in(qtbot, window, write_case(tmp_path, data))
    assert window.step_id == "review"
    review = window.pages["review"]
    item = next(i for (rule, _s, _p), i in review.items.items()
                if rule == "anticoagulant-bruising")
    assert not window.next.isEnabled()
    assert not window.go("consent")
    tick(qtbot, item.acknowledge)
    qtbot.waitUntil(lambda: window.next.isEnabled())
    assert "anticoagulant-bruising" in window.state.data["consent"]["acknowledged"]
    tick(qtbot, item.acknowledge)  # untick: locked again
    qtbot.waitUntil(lambda: not window.next.isEnabled())


def test_findings_update_live_and_a_click_jumps_to_their_step(
        qtbot, window, catalogue, jane_data, tmp_path):
    data = merge(jane_data, {"screening": {"answers": all_no(catalogue)},
                             "format": "mesodesk-consultation/2",  # age checked (issue 15)
                             "patient": {"age_check": {"method": "passport", "checked_by": "A",
                                                       "checked_at": "2026-11-25T09:00:00"}}})
    assert open_file_in(qtbot, window, write_case(tmp_path, data))
    window.go("screening")
    panel = window.findings_panel.list
    from mesodesk.ui.findings import SEVERITY_ROLE

    assert not [panel.item(i).text() for i in range(panel.count())
                if panel.item(i).data(SEVERITY_ROLE) == "warn"]
    screening = window.pages["screening"]
    tick(qtbot, screening.buttons["anticoagulants"]["yes"])
    qtbot.waitUntil(lambda: panel.count() > 0 and any(
        "nticoagulant" in panel.item(i).text() for i in range(panel.count())))
    assert "nticoagulant" in screening.findings_note.text()  # inline on the step too
    window.go("plan")
    row = next(i for i in range(panel.count()) if "nticoagulant" in panel.item(i).text())
    finding = window.findings_panel.findings[row]
    tip = panel.item(row).toolTip()  # the full citation of each source
    assert all(catalogue.sources[k].title in tip for k in finding.source)
    rect = panel.visualItemRect(panel.item(row))
    qtbot.mouseClick(panel.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.step_id == "screening"


def test_an_invalid_file_gives_a_one_line_message_not_a_traceback(qtbot, window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "mesodesk-consultation/1", "date": "2026-02-30"}')
    assert not open_file_in(qtbot, window, str(bad))
    message = window.last_alert.text()
    assert "bad.json" in message and "\n" not in message
    assert "Traceback" not in message
    assert window.stack.currentWidget() is window.start
    assert not open_file_in(qtbot, window, str(tmp_path / "missing.json"))
    assert "no such file" in window.last_alert.text()


def test_ctrl_s_saves_the_draft_and_the_start_screen_offers_to_resume_it(
        qtbot, window, catalogue):
    from mesodesk.ui.window import MainWindow

    qtbot.mouseClick(window.start.new, Qt.MouseButton.LeftButton)
    clinic = window.pages["clinic"]
    qtbot.keyClicks(clinic.clinic_name, "Riverside")
    qtbot.keyClicks(clinic.practitioner, "Dr Silva")
    window.go("patient")
    patient = window.pages["patient"]
    qtbot.keyClicks(patient.name, "Jane O'Hara")
    window.go("indication")
    with qtbot.waitSignal(window.autosaver.saved, timeout=BUILD_TIMEOUT):
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_S,
                       Qt.KeyboardModifier.ControlModifier)
    drafts = window.store.drafts()
    assert [d.patient_name for d in drafts] == ["Jane O'Hara"]
    assert drafts[0].step == "indication"
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: bool(again.start.resume_buttons), timeout=BUILD_TIMEOUT)
    buttons = again.start.resume_buttons
    assert [b.text() for b in buttons] == ["Resume draft for Jane O'Hara"]
    with qtbot.waitSignal(again.draftOpened, timeout=BUILD_TIMEOUT):
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert again.step_id == "indication"
    assert again.pages["patient"].name.text() == "Jane O'Hara"
    # the clinic was remembered in the settings for the next consultation
    assert again.settings.clinic["name"] == "Riverside"
    again.autosaver.close()
    again.close()


def test_typing_can_be_undone_and_the_undo_is_what_is_kept(qtbot, window):
    qtbot.mouseClick(window.start.new, Qt.MouseButton.LeftButton)
    window.go("patient")
    name = window.pages["patient"].name
    qtbot.keyClicks(name, "Jane")
    assert window.state.data["patient"]["name"] == "Jane"
    qtbot.keyClick(name, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert name.text() == ""
    assert window.state.data["patient"]["name"] == ""
    window.go("screening")
    medications = window.pages["screening"].medications
    qtbot.keyClicks(medications, "Warfarin")
    qtbot.keyClick(medications, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.state.data["screening"]["medications"] == medications.toPlainText()


def test_window_size_and_position_are_remembered(qtbot, window):
    from mesodesk.ui.window import MainWindow

    window.resize(700, window.height())
    window.move(40, 30)
    qtbot.waitUntil(lambda: window.width() == 700)
    size, pos = window.size(), window.pos()
    window.close()
    again = MainWindow(store_factory=None)
    qtbot.addWidget(again)
    assert again.size() == size
    # the offscreen platform adds a small window frame when placing it
    assert abs(again.pos().x() - pos.x()) <= 4 and abs(again.pos().y() - pos.y()) <= 4


def test_paper_size_comes_from_the_settings(qtbot, window):
    window.paper_actions["letter"].trigger()
    assert window.settings.paper == "letter"
    from mesodesk.ui.settings import Settings

    assert Settings().paper == "letter"


def flow_problems(window) -> list[str]:
    return [str(p) for p in window.session.problems()]


def printer_to(path: Path):
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


def ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path) -> None:
    data = merge(jane_data, {"screening": {"answers": all_no(catalogue)}})
    with_teach_back(data, catalogue)
    assert open_file_in(qtbot, window, write_case(tmp_path, data))
    assert window.go("consent") and window.go("pack")


def test_printing_for_wet_ink_prints_every_page_and_stores_the_unsigned_pack(
        qtbot, window, catalogue, jane_data, tmp_path, monkeypatch):
    from pypdf import PdfReader

    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    printed = tmp_path / "printed.pdf"
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(printed))
    qtbot.mouseClick(pack.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    assert window.state.wet_ink and window.state.data["consent"]["signatures"] == []
    pages = len(PdfReader(io.BytesIO(window.final_pdf)).pages)
    assert len(PdfReader(str(printed)).pages) == pages
    assert window.store.signed(window.state.consultation_id).pdf == window.final_pdf
    assert "printed" in [e.kind for e in window.store.audit_events()]
    assert "ready to print for a wet-ink signature" in window.pages["done"].message.text()


def test_a_cancelled_print_dialog_changes_nothing(qtbot, window, catalogue, jane_data,
                                                  tmp_path, monkeypatch):
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    monkeypatch.setattr(window, "choose_printer", lambda: None)
    qtbot.mouseClick(pack.print_button, Qt.MouseButton.LeftButton)
    assert window.step_id == "pack" and not window.state.finished


class InProcessPacks:
    """The window's pack builder, in this process, so a test can watch or break
    mesodesk.pack.build_pack (the window's own builds run in a helper process)."""

    def __init__(self, catalogue) -> None:
        self.catalogue = catalogue

    def build(self, consultation, paper="a4"):
        import mesodesk.pack

        return mesodesk.pack.build_pack(consultation, self.catalogue, paper=paper)

    def close(self) -> None:
        pass


def test_the_pack_on_screen_is_built_off_the_gui_thread(qtbot, window, catalogue, jane_data,
                                                      tmp_path, monkeypatch):
    import threading

    import mesodesk.pack

    threads = []
    real = mesodesk.pack.build_pack

    def spy(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(mesodesk.pack, "build_pack", spy)
    monkeypatch.setattr(window, "packs", InProcessPacks(catalogue))
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    assert pack.busy.isVisible()  # the busy indicator shows while it builds
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    assert threads == [False]
    assert not pack.busy.isVisible()


def test_a_pack_that_fails_to_build_says_why_in_one_line(qtbot, window, catalogue, jane_data,
                                                        tmp_path, monkeypatch):
    import mesodesk.pack

    def broken(*_a, **_k):
        raise ValueError("the font file is missing")

    monkeypatch.setattr(mesodesk.pack, "build_pack", broken)
    monkeypatch.setattr(window, "packs", InProcessPacks(catalogue))
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.error.isVisible, timeout=BUILD_TIMEOUT)
    assert pack.error.text() == "The pack could not be built: the font file is missing"
    assert not pack.sign.isEnabled() and pack.retry.isVisible()
    assert not window.state.pack_viewed  # the patient has not seen a pack


def test_changing_the_plan_after_the_patient_read_the_pack_needs_a_new_reading(
        qtbot, window, catalogue, jane_data, tmp_path):
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    read_pack(qtbot, window.pages["pack"])
    assert window.go("sign")
    window.go("plan")
    plan = window.pages["plan"]
    plan.sessions.setFocus()
    plan.sessions.selectAll()
    qtbot.keyClicks(plan.sessions, "5")
    assert window.state.data["plan"]["sessions"] == 5
    assert not window.go("sign")  # the pack the patient read is not this plan any more


def test_a_signed_consultation_opens_read_only_and_a_new_version_resumes_as_a_draft(
        qtbot, window, catalogue, jane_data, tmp_path, monkeypatch):
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(tmp_path / "p.pdf"))
    qtbot.mouseClick(pack.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    cid = window.state.consultation_id
    window.show_start()
    window.records_view.openSigned.emit(cid)
    qtbot.waitUntil(lambda: window._viewer is not None, timeout=BUILD_TIMEOUT)
    window.work.wait_serial()   # the 'viewed' event is written off the GUI thread
    assert window._viewer.pdf == window.store.signed(cid).pdf
    assert window._viewer.document.pageCount() > 3
    assert [e.kind for e in window.store.audit_events(cid)].count("viewed") == 1
    window._viewer.close()
    with qtbot.waitSignal(window.draftOpened, timeout=BUILD_TIMEOUT):
        window.records_view.newVersion.emit(cid)
    assert window.stack.currentWidget() is window.consultation
    assert window.autosaver.draft_id not in (None, cid)
    assert window.state.data["patient"]["name"] == "Jane O'Hara"
    assert window.state.data["consent"]["signatures"] == []


def test_signing_opens_only_once_the_patient_has_scrolled_to_the_last_page(
        qtbot, window, catalogue, jane_data, tmp_path):
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    assert not pack.sign.isEnabled() and not window.go("sign")
    window.work.wait_serial()
    assert "viewed" not in [e.kind for e in window.store.audit_events()]
    read_pack(qtbot, pack)
    assert "Every page has been on screen" in pack.preview.pages.text()
    window.work.wait_serial()   # the 'viewed' event is written off the GUI thread
    assert "viewed" in [e.kind for e in window.store.audit_events()]
    assert window.go("sign")
    window.go("pack")  # coming back to the same pack: no need to read it again
    assert pack.sign.isEnabled()


def dca_case(jane_data, catalogue, volume: float) -> dict:
    return merge(jane_data, {
        "screening": {"answers": all_no(catalogue)},
        "indication": "submental-fat", "areas": ["submental"],
        "delivery": {"technique": "point-by-point", "device": "syringe", "needle_gauge": 30,
                     "needle_length_mm": 13, "depth_mm": 6},
        "products": [{"id": "deoxycholic-acid", "lot": "K1", "expiry": "2031-01-31",
                      "volume_ml": volume}],
    })


def test_an_overridable_block_needs_a_written_reason(qtbot, window, catalogue, jane_data,
                                                     tmp_path):
    assert open_file_in(qtbot, window, write_case(tmp_path, dca_case(jane_data, catalogue, 12)))
    review = window.pages["review"]
    blocks = [i for i in review.items.values() if i.finding.severity == "block"]
    assert "label-max-volume" in {i.finding.rule for i in blocks}
    assert all(i.reason is not None and i.acknowledge is None for i in blocks)
    assert not window.next.isEnabled()
    first = blocks[0]
    qtbot.keyClicks(first.reason, "   ")  # blanks are not a reason
    window.refresh()
    assert not window.next.isEnabled()
    first.reason.clear()
    reason = "Second session of a planned pair; prescriber agreed"
    for item in blocks:
        qtbot.keyClicks(item.reason, reason)
        window.refresh()
        assert review.items[(item.finding.rule, "block", item.finding.path)] is item  # kept
    assert window.next.isEnabled()
    overrides = window.state.data["consent"]["overrides"]
    assert {o["rule"] for o in overrides} == {i.finding.rule for i in blocks}
    assert {o["reason"] for o in overrides} == {reason}
    # the finding is marked resolved, not hidden
    panel = window.findings_panel.list
    assert any("(resolved)" in panel.item(i).text() for i in range(panel.count()))


def test_screening_can_be_answered_with_the_keyboard_alone(qtbot, window, catalogue):
    qtbot.mouseClick(window.start.new, Qt.MouseButton.LeftButton)
    window.go("screening")
    screening = window.pages["screening"]
    first, second = list(screening.buttons)[:2]
    screening.buttons[first]["yes"].setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # Yes
    assert window.state.data["screening"]["answers"][first] == "yes"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Right)  # Yes -> No
    assert window.state.data["screening"]["answers"][first] == "no"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # on to the next question
    focused = QApplication.focusWidget()
    assert focused in screening.buttons[second].values()
    qtbot.keyClick(focused, Qt.Key.Key_Space)
    assert window.state.data["screening"]["answers"][second] in ("yes", "no", "unknown")


def test_a_witness_signs_only_with_a_name(qtbot, window, catalogue, jane_data, tmp_path):
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    read_pack(qtbot, window.pages["pack"])
    assert window.go("sign")
    sign = window.pages["sign"]
    sign_pad(qtbot, sign.patient.pad)
    sign_pad(qtbot, sign.practitioner.pad, wiggle=0.6)
    agree_all(qtbot, window)
    assert sign.finish.isEnabled()
    sign_pad(qtbot, sign.witness.pad, wiggle=0.1)
    assert not sign.finish.isEnabled()  # a witness signature without a name
    qtbot.keyClicks(sign.witness.name, "Tomasz Nowak (interpreter)")
    assert sign.finish.isEnabled()
    qtbot.mouseClick(sign.witness.undo, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(sign.witness.undo, Qt.MouseButton.LeftButton)
    assert sign.witness.pad.is_empty() and not sign.finish.isEnabled()
    sign_pad(qtbot, sign.witness.pad, wiggle=0.1)
    confirm_signing(qtbot, window)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    roles = [s["role"] for s in window.state.data["consent"]["signatures"]]
    assert roles == ["patient", "practitioner", "witness"]


def test_open_folder_shows_where_the_pack_was_saved(qtbot, window, catalogue, jane_data,
                                                    tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    qtbot.waitUntil(window.pages["pack"].print_button.isEnabled, timeout=BUILD_TIMEOUT)
    monkeypatch.setattr(window, "choose_printer", lambda: printer_to(tmp_path / "p.pdf"))
    window.closing.print_for_wet_ink()
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    done = window.pages["done"]
    assert not done.folder.isEnabled()
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(window, "choose_save_path", lambda *a: str(folder / "pack.pdf"))
    with qtbot.waitSignal(window.packSaved, timeout=BUILD_TIMEOUT):
        qtbot.mouseClick(done.save, Qt.MouseButton.LeftButton)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    qtbot.mouseClick(done.folder, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(folder)]


def test_recent_files_are_offered_on_the_start_screen(qtbot, window, catalogue, jane_data,
                                                      tmp_path):
    path = write_case(tmp_path, jane_data, "jane-recent.json")
    assert open_file_in(qtbot, window, path)
    window.show_start()
    buttons = window.start.recent_buttons
    assert [b.text() for b in buttons] == ["Open jane-recent.json"]
    with qtbot.waitSignal(window.fileOpened, timeout=BUILD_TIMEOUT):
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.consultation
    (tmp_path / "jane-recent.json").unlink()
    window.show_start()
    assert window.start.recent_buttons == [] and not window.start.recent_box.isVisible()


def test_review_says_which_steps_are_unfinished(qtbot, window, jane_data, tmp_path):
    del jane_data["screening"]["answers"]["pregnant"]  # a question not asked
    assert open_file_in(qtbot, window, write_case(tmp_path, jane_data))
    status = window.pages["review"].status.text()
    assert "Still to do: Screening." in status
    assert not window.next.isEnabled()


def test_a_depth_outside_the_technique_range_is_flagged_on_the_delivery_step(
        qtbot, window, catalogue, jane_data, tmp_path):
    data = merge(jane_data, {"screening": {"answers": all_no(catalogue)}})
    assert open_file_in(qtbot, window, write_case(tmp_path, data))
    window.go("delivery")
    delivery = window.pages["delivery"]
    assert not delivery.findings_note.isVisible()
    assert "usual depth" in delivery.summary.text()  # the catalogue's range is on screen
    delivery.depth_mm.setFocus()
    delivery.depth_mm.selectAll()
    qtbot.keyClicks(delivery.depth_mm, "9")
    qtbot.waitUntil(delivery.findings_note.isVisible)
    assert "9 mm" in delivery.findings_note.text()
    from mesodesk.ui.window import STATUS_ROLE

    assert window.step_list.item(4).data(STATUS_ROLE) == "warn"  # the step list shows it


def test_the_pack_follows_the_paper_size_setting(qtbot, window, catalogue, jane_data,
                                                 tmp_path):
    window.paper_actions["letter"].trigger()
    ready_to_consent(qtbot, window, catalogue, jane_data, tmp_path)
    pack = window.pages["pack"]
    qtbot.waitUntil(pack.print_button.isEnabled, timeout=BUILD_TIMEOUT)
    size = pack.preview.document.pagePointSize(0)
    assert (round(size.width()), round(size.height())) == (612, 792)  # US Letter


def test_save_as_writes_a_consultation_file_only_when_complete(qtbot, window, catalogue,
                                                               jane_data, tmp_path,
                                                               monkeypatch):
    from mesodesk.domain import load, to_data

    out = tmp_path / "saved.json"
    monkeypatch.setattr(window, "choose_save_path", lambda *a: str(out))
    qtbot.mouseClick(window.start.new, Qt.MouseButton.LeftButton)
    window.save_as_dialog()
    assert not out.exists()
    assert "not complete yet" in window.last_alert.text()
    window.last_alert.accept()  # the message is window-modal: close it before going on
    assert open_file_in(qtbot, window, write_case(tmp_path, jane_data))
    window.activateWindow()     # the shortcut needs the window active again
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.fileSaved, timeout=BUILD_TIMEOUT):
        qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_S,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert to_data(load(out)) == to_data(load(tmp_path / "case.json"))


def test_the_window_works_when_the_records_cannot_be_opened(qtbot):
    from mesodesk.storage import StoreError
    from mesodesk.ui.window import MainWindow

    def broken():
        raise StoreError("the records file is damaged")

    w = MainWindow(store_factory=broken)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: "not available" in w.start.drafts_note.text())
    assert "the records file is damaged" in w.start.drafts_note.text()
    qtbot.mouseClick(w.start.new, Qt.MouseButton.LeftButton)
    assert w.step_id in ("clinic", "patient") and w.autosaver is None


def test_closing_while_the_records_open_leaves_nothing_open(qtbot):
    from mesodesk.ui.window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.close()
    qtbot.waitUntil(lambda: not w.work.busy, timeout=BUILD_TIMEOUT)  # the opening finished
    assert w.store is None  # closed by closeEvent, or closed on arrival after it


@pytest.mark.parametrize("junk", ["text", 7, None, [], {"unexpected": True}])
def test_a_damaged_draft_opens_without_a_traceback(qtbot, window, catalogue, jane_data, junk):
    """Drafts are partial by nature and may be damaged; every step still shows."""
    changes = [{key: junk} for key in ("clinic", "practitioner", "patient", "screening",
                                       "areas", "delivery", "products", "plan", "consent",
                                       "indication")]
    changes += [{"patient": {"name": junk, "date_of_birth": junk}},
                {"screening": {"answers": junk, "allergies": junk, "medications": junk}},
                {"delivery": {"technique": junk, "needle_gauge": junk, "depth_mm": junk}},
                {"products": [{"id": junk, "lot": junk, "expiry": junk, "volume_ml": junk}]},
                {"plan": {"sessions": junk, "interval_weeks": junk, "notes": junk}},
                {"consent": {"photos": junk, "acknowledged": junk, "overrides": [junk]}}]
    for change in changes:
        key = next(iter(change))
        window._begin(merge(jane_data, change), "review")
        for step in ("clinic", "patient", "screening", "indication", "delivery",
                     "formulation", "plan", "review"):
            assert window.go(step), (key, step)
        window.refresh()
        assert not window.findings_error, (key, window.findings_error)


def test_the_consultation_view_is_built_while_the_start_screen_waits_and_saves_nothing(
        window, qtbot):
    """The pages are built in idle time after the first paint, so the first
    consultation opens without building them; that build starts no draft and
    leaves the remembered clinic alone; the pages that load slowly load when
    they come on screen."""
    window.settings.clinic = {"name": "Riverside Aesthetics", "phone": "+44 1225 000000"}
    qtbot.waitUntil(lambda: window.consultation is not None, timeout=BUILD_TIMEOUT)
    assert window.stack.currentWidget() is window.start     # still the start screen
    assert not window.consultation_open
    window.work.wait_serial()
    assert window.store.drafts() == []
    assert window.settings.clinic["name"] == "Riverside Aesthetics"
    window.new_consultation()
    assert window.consultation_open
    assert window.pages["clinic"].clinic_name.text() == "Riverside Aesthetics"
    consent = window.pages["consent"]
    assert consent._stale                                   # not on screen: not loaded yet
    window.go("consent", force=True)
    assert not consent._stale
