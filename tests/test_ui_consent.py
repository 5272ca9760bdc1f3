"""Issue 15 in the window: the age check on the patient step, the independent
prescriber box on the clinic step, the prescriber's assessment on the plan
step when a prescription-only medicine needs it, and the time the pack is
first shown recorded as the information time. Keyboard only where it matters."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from tests.consent_support import POM, with_prescription_only
from tests.conftest import merge, open_file_in
from tests.test_ui_window import all_no, tick, window, write_case  # noqa: F401 (fixture)


def open_case(qtbot, window, tmp_path, jane_data, catalogue, **changes):  # noqa: F811
    data = merge(jane_data, {"screening": {"answers": all_no(catalogue)}, **changes})
    data["consent"]["acknowledged"] = []
    assert open_file_in(qtbot, window, write_case(tmp_path, data))


def rules_shown(window) -> set[str]:
    return {f.rule for f in window.findings_panel.findings}


def test_the_age_check_is_recorded_with_the_keyboard(qtbot, window, tmp_path, jane_data,  # noqa: F811
                                                     catalogue):
    open_case(qtbot, window, tmp_path, jane_data, catalogue)
    qtbot.waitUntil(lambda: "age-check-missing" in rules_shown(window))
    window.go("patient")
    box = window.pages["patient"].age_check
    for field, name in ((box.method, "Age checked with"), (box.checked_by, "Checked by"),
                        (box.checked_at, "Checked at")):
        assert field.accessibleName() == name                 # the visible label, no '&'
    box.method.setFocus()
    qtbot.waitUntil(box.method.hasFocus)
    qtbot.keyClick(box.method, Qt.Key.Key_Down)                # "Passport"
    check = window.state.data["patient"]["age_check"]
    assert check["method"] == "passport"
    assert check["checked_by"] == "Dr Ana Silva"               # the practitioner, by default
    assert dt.datetime.fromisoformat(check["checked_at"]).tzinfo is not None
    qtbot.waitUntil(lambda: "age-check-missing" not in rules_shown(window))
    qtbot.keyClick(box.method, Qt.Key.Key_Home)                # "Not checked yet": removed
    assert "age_check" not in window.state.data["patient"]
    qtbot.waitUntil(lambda: "age-check-missing" in rules_shown(window))


def test_an_age_check_in_a_file_is_shown(qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    check = {"method": "driving-licence", "checked_by": "Sam Reed",
             "checked_at": "2026-11-25T09:55:00+00:00"}
    open_case(qtbot, window, tmp_path, jane_data, catalogue, format="mesodesk-consultation/2",
              patient={"age_check": check})
    window.go("patient")
    box = window.pages["patient"].age_check
    assert box.method.currentData() == "driving-licence"
    assert box.checked_by.text() == "Sam Reed" and box.checked_at.text() == check["checked_at"]
    assert "age-check-missing" not in rules_shown(window)


def test_the_independent_prescriber_box(qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    open_case(qtbot, window, tmp_path, jane_data, catalogue)
    window.go("clinic")
    box = window.pages["clinic"].prescriber.box
    assert box.accessibleName() == box.text().replace("&", "")
    tick(qtbot, box)
    assert window.state.data["practitioner"]["independent_prescriber"] is True
    tick(qtbot, box)
    assert "independent_prescriber" not in window.state.data["practitioner"]


def test_the_assessment_section_appears_only_when_needed(qtbot, window, tmp_path,  # noqa: F811
                                                         jane_data, catalogue):
    nurse = {"name": "Sam Reed", "profession": "nurse", "registration": "NMC 12A3456E"}
    open_case(qtbot, window, tmp_path, jane_data, catalogue, practitioner=nurse)
    page = window.pages["plan"]
    page.catalogue = with_prescription_only(catalogue, *catalogue.products, flag=False)
    window.go("plan")
    page.entered()
    assert page.assessment.isHidden()                          # nothing prescription-only
    page.catalogue = with_prescription_only(catalogue, POM)
    page.entered()
    assert not page.assessment.isHidden()
    a = page.assessment
    assert a.registration.accessibleName() == "Prescriber's registration number"
    a.name.setText("Dr Ana Silva")
    a.registration.setText("GMC 7654321")
    a.assessed_at.setText("2026-11-20T15:00:00+00:00")
    tick(qtbot, a.in_person)
    recorded = window.state.data["consent"]["prescriber_assessment"]
    assert recorded == {"name": "Dr Ana Silva", "profession": "doctor",
                        "registration": "GMC 7654321",
                        "assessed_at": "2026-11-20T15:00:00+00:00", "in_person": True}
    tick(qtbot, a.in_person)
    assert window.state.data["consent"]["prescriber_assessment"]["in_person"] is False


def test_showing_the_pack_records_when_the_information_was_first_given(
        qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    open_case(qtbot, window, tmp_path, jane_data, catalogue,
              consent={"acknowledged": ["age-check-missing"]})
    data = window.state.data
    assert not data["consent"].get("information_given_at")
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    window.closing.build_preview()
    given = data["consent"]["information_given_at"]
    assert dt.datetime.fromisoformat(given) >= before
    qtbot.waitUntil(window.pages["pack"].print_button.isEnabled, timeout=120_000)   # built
    window.closing.build_preview()                                    # shown again: not moved
    assert data["consent"]["information_given_at"] == given
