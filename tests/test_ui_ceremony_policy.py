"""The clinic's minimum time to reflect (issue 15, two-stage consent) in the
window: a setting by kind of treatment, remembered, given to the session's
rules; signing before it is over is blocked with the setting and allowed
without. Offscreen, qtbot waits only."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from PySide6.QtCore import Qt

from mesodesk.session import ConsultationSession, SessionError
from mesodesk.ui.settings import Settings
from tests.ceremony_support import agree_all, confirm_signing, with_teach_back
from tests.test_ui_ceremony import at_signatures
from tests.test_ui_window import BUILD_TIMEOUT, window  # noqa: F401

pytestmark = pytest.mark.usefixtures("fresh_home")
RULE = "reflection-period-too-short"


def test_the_setting_is_remembered_as_the_rules_read_it(fresh_home):
    settings = Settings()
    assert settings.reflection_hours == {} and settings.rule_settings() == {}
    settings.reflection_hours = {"prescription_only": 24, "injectable": 2.5, "bogus": 9}
    settings.reflection_override = False
    settings.sync()
    again = Settings()                                    # read back from the file
    assert again.reflection_hours == {"prescription_only": 24.0, "injectable": 2.5}
    assert again.rule_settings() == {f"{RULE}.prescription_only_hours": 24.0,
                                     f"{RULE}.injectable_hours": 2.5,
                                     f"{RULE}.allow_override": 0.0}


# --- the session, without a window -------------------------------------------------------


def ready_to_sign(jane_data, catalogue, given: dt.datetime, **kwargs) -> ConsultationSession:
    """Jane's plan, the information given at ``given``, the pack read, every
    statement agreed; dated so that the end of its day is well after ``given``."""
    data = copy.deepcopy(jane_data)
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["date"] = (given + dt.timedelta(days=1)).date().isoformat()
    data["patient"]["age_check"] = {"method": "passport", "checked_by": "Dr Ana Silva",
                                    "checked_at": given.isoformat()}
    with_teach_back(data, catalogue)
    data["consent"]["information_given_at"] = given.isoformat()
    session = ConsultationSession(catalogue, data, **kwargs)
    fp, _pdf = session.preview()
    session.mark_read(fp)
    return session


def signatures() -> list[dict]:
    return [{"role": role, "name": name, "image_png_base64": ""}
            for role, name in (("patient", "Jane O'Hara"), ("practitioner", "Dr Ana Silva"))]


def test_signing_before_the_clinics_minimum_is_blocked_and_allowed_without_it(
        jane_data, catalogue):
    given = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=30)
    now = (given + dt.timedelta(minutes=30)).isoformat()
    policy = {f"{RULE}.injectable_hours": 2.0}
    strict = ready_to_sign(jane_data, catalogue, given, policy=policy)
    assert strict.snapshot().complete("pack")            # nothing stops it before signing
    with pytest.raises(SessionError, match="at least 2 hours to reflect"):
        strict.sign(signatures(), now, agreed=strict.statements_to_agree())
    assert strict.data["consent"]["signatures"] == []
    later = (given + dt.timedelta(hours=2, minutes=1)).isoformat()
    assert strict.sign(signatures(), later, agreed=strict.statements_to_agree())
    relaxed = ready_to_sign(jane_data, catalogue, given)  # the catalogue's default: none
    assert relaxed.sign(signatures(), now, agreed=relaxed.statements_to_agree())


# --- the window ----------------------------------------------------------------------------


def set_policy(qtbot, window, injectable: float, allow: bool = True):  # noqa: F811
    assert window.go("consent") or window.step_id in ("sign", "pack")
    page = window.pages["consent"]
    qtbot.mouseClick(page.policy_button, Qt.MouseButton.LeftButton)
    dialog = window.closing.policy_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.hours["injectable"].accessibleName() == "Injected products"
    dialog.hours["injectable"].setValue(injectable)
    dialog.allow.setChecked(allow)
    qtbot.keyClick(dialog.hours["injectable"], Qt.Key.Key_Return)   # OK
    qtbot.waitUntil(lambda: not dialog.isVisible())
    return page


def test_the_consent_step_sets_the_clinics_time_to_reflect(qtbot, window, tmp_path,  # noqa: F811
                                                         jane_data, catalogue):
    from tests.test_ui_ceremony import open_case

    open_case(qtbot, window, tmp_path, jane_data, catalogue)
    page = set_policy(qtbot, window, 2)
    assert Settings().reflection_hours["injectable"] == 2.0
    assert window.session.policy[f"{RULE}.injectable_hours"] == 2.0
    assert "injected products: 2 hours" in page.policy_note.text()
    assert page.policy_button.accessibleName() == "Clinic's time to reflect\u2026"


def test_signing_in_the_window_waits_for_the_clinics_time_to_reflect(
        qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)   # the pack shown just now
    agree_all(qtbot, window)
    window.closing.edit_reflection()
    dialog = window.closing.policy_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.hours["injectable"].setValue(2)
    dialog.allow.setChecked(False)                       # no written reason releases it
    dialog.accept()
    finish = window.pages["sign"].finish
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)   # said at once, nothing to confirm
    qtbot.waitUntil(lambda: window.last_alert is not None and window.last_alert.isVisible())
    assert "cannot be signed now" in window.last_alert.text()
    assert "at least 2 hours to reflect" in window.last_alert.text()
    assert window.closing.confirmation is None
    assert "at least 2 hours" in window.pages["sign"].error.text()
    assert window.step_id == "sign" and not window.state.finished
    assert window.state.data["consent"]["signatures"] == []
    window.last_alert.close()
    window.closing.edit_reflection()                     # the clinic sets no minimum
    dialog = window.closing.policy_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.hours["injectable"].setValue(0)
    dialog.accept()
    confirm_signing(qtbot, window)
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    assert window.state.finished


def test_a_warning_only_signing_now_raises_is_acknowledged_by_signing_knowingly(
        jane_data, catalogue):
    from tests.consent_support import with_prescription_only

    product = jane_data["products"][0]["id"]
    pom = with_prescription_only(catalogue, product)     # a prescriber's own plan
    given = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=30)
    session = ready_to_sign(jane_data, pom, given)
    now = (given + dt.timedelta(minutes=30)).isoformat()
    [warning] = session.signing_findings(signatures(), now)
    assert warning.rule == "same-day-prescription-only" and warning.severity == "warn"
    agreed = session.statements_to_agree(now)
    caution = "My practitioner has talked me through the cautions that apply to me."
    assert caution in agreed                             # the signed pack will print it
    with pytest.raises(SessionError, match="same day"):
        session.sign(signatures(), now, agreed=agreed)
    assert "same-day-prescription-only" not in session.data["consent"]["acknowledged"]
    signed = session.sign(signatures(), now, agreed=agreed, acknowledge=[warning.rule])
    assert "same-day-prescription-only" in signed.consent.acknowledged


def test_signing_early_where_the_clinic_allows_it_needs_a_written_reason_kept_in_the_record(
        qtbot, window, tmp_path, jane_data, catalogue):  # noqa: F811
    """A block that only signing now raises (the clinic's time to reflect, not
    yet over) is released by a written reason when the clinic allows it: asked
    before the confirmation, recorded as the override, printed in the record."""
    from pypdf import PdfReader
    import io

    at_signatures(qtbot, window, tmp_path, jane_data, catalogue)   # the pack shown just now
    agree_all(qtbot, window)
    window.closing.edit_reflection()
    dialog = window.closing.policy_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.hours["injectable"].setValue(2)
    dialog.allow.setChecked(True)
    dialog.accept()
    finish = window.pages["sign"].finish
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.closing.override_question is not None
                    and window.closing.override_question.isVisible())
    question = window.closing.override_question
    assert "at least 2 hours to reflect" in question.labelText()
    question.reject()                                    # not now: nothing is signed
    qtbot.waitUntil(lambda: window.closing.override_question is None)
    assert window.closing.confirmation is None and not window.state.finished
    assert window.state.data["consent"]["signatures"] == []

    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.closing.override_question is not None
                    and window.closing.override_question.isVisible())
    question = window.closing.override_question
    question.setTextValue("Travelling abroad tomorrow; read the pack at home last week")
    question.accept()
    qtbot.waitUntil(lambda: window.closing.confirmation is not None
                    and window.closing.confirmation.isVisible())
    assert "overrides, with your written reason" in window.closing.confirmation.text()
    window.closing.confirmation.accept_button.click()
    qtbot.waitUntil(lambda: window.step_id == "done", timeout=BUILD_TIMEOUT)
    assert {"rule": RULE, "reason": "Travelling abroad tomorrow; read the pack at home last "
            "week"} in window.state.data["consent"]["overrides"]
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(window.final_pdf)).pages)
    assert RULE in text and "Travelling abroad tomorrow" in text
