"""Issue 15 in the pack and its text version: the clinic's record states the
age check, the prescriber's assessment, both consent times and the version of
the clinical text; that version changes exactly when the printed catalogue
text for the plan changes, and the comparison says what changed."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from mesodesk.catalogue.model import Statement
from mesodesk.domain import from_data
from mesodesk.pack import build_pack
from mesodesk.pack.selection import risks
from mesodesk.pack.textversion import (clinical_text, needs_reconsent, plan_text_version,
                                       text_changes)
from tests.conftest import load_example
from tests.consent_support import AGE_CHECK, ASSESSMENT, NURSE


def consultation(**consent):
    data = load_example()
    data["format"] = "mesodesk-consultation/2"
    data["practitioner"] = NURSE
    data["patient"]["age_check"] = {**AGE_CHECK, "method": "driving-licence",
                                    "checked_at": "2026-11-18T09:55:00+00:00"}
    data["consent"].update({"acknowledged": [],
                            "information_given_at": "2026-11-18T10:00:00+00:00",
                            "prescriber_assessment": ASSESSMENT, **consent})
    return from_data(data)


def flat_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())


@pytest.fixture(scope="module")
def record_text(catalogue) -> str:
    c = consultation(signatures=[{"role": "patient", "name": "Jane O'Hara",
                                  "signed_at": "2026-11-25T10:30:00+00:00"}])
    return flat_text(build_pack(c, catalogue, sealed=False))


def test_the_record_states_the_age_check(record_text):
    assert "Age check Driving licence, checked by Dr Ana Silva on 18 November 2026 at 09:55" \
        in record_text


def test_the_record_states_the_prescribers_assessment(record_text):
    assert ("Prescriber's assessment Dr Ana Silva, Doctor, GMC 7654321; 20 November 2026 at "
            "15:00 UTC; face to face") in record_text


def test_the_record_states_both_times(record_text):
    assert "Information first given 18 November 2026 at 10:00 UTC" in record_text
    assert "Consent signed 25 November 2026 at 10:30 UTC" in record_text


def test_the_record_states_the_text_version(record_text, catalogue):
    version = plan_text_version(consultation(), catalogue)
    assert version.startswith("ct1:") and version in record_text.replace(" ", "")


def test_an_unrecorded_age_check_and_withdrawal_show_in_the_record(catalogue):
    c = consultation(withdrawn={"at": "2026-11-26T10:00:00+00:00", "reason": "moving away"})
    c = c.replace(patient=dataclasses.replace(c.patient, age_check=None))
    text = flat_text(build_pack(c, catalogue, sealed=False))
    assert "Age check Not recorded" in text
    assert "WITHDRAWN 26 November 2026 at 10:00 UTC. Reason: moving away" in text


# --- the text version -----------------------------------------------------------------


def _with_risk_text(catalogue, key: str, text: str):
    riskset = dict(catalogue.risks)
    r = riskset[key]
    riskset[key] = dataclasses.replace(r, patient_text=Statement(text=text,
                                                                 source=r.patient_text.source))
    return dataclasses.replace(catalogue, risks=riskset)


def test_the_version_changes_when_a_printed_statement_changes(catalogue):
    c = consultation()
    key, risk = risks(c, catalogue)[0]
    changed = _with_risk_text(catalogue, key, risk.patient_text.text + " New sentence.")
    assert plan_text_version(c, changed) != plan_text_version(c, catalogue)
    assert needs_reconsent(plan_text_version(c, catalogue), c, changed)
    assert not needs_reconsent(plan_text_version(c, catalogue), c, catalogue)
    (change,) = text_changes(clinical_text(c, catalogue), clinical_text(c, changed))
    assert change.kind == "changed" and change.key == f"risk.{key}.patient_text"
    assert "New sentence." in change.describe()


def test_the_version_ignores_text_this_plan_does_not_print(catalogue):
    c = consultation()
    printed = {k for k, _ in risks(c, catalogue)}
    other = next(k for k in catalogue.risks if k not in printed)
    changed = _with_risk_text(catalogue, other, "Completely different words.")
    assert plan_text_version(c, changed) == plan_text_version(c, catalogue)


def test_a_different_plan_prints_different_text_and_the_changes_say_so(catalogue):
    c = consultation()
    before = clinical_text(c, catalogue)
    polynucleotides = c.replace(products=(dataclasses.replace(c.products[0],
                                                              id="polynucleotides"),
                                          *c.products[1:]))
    after = clinical_text(polynucleotides, catalogue)
    kinds = {ch.kind for ch in text_changes(before, after)}
    assert {"added", "removed"} <= kinds
    assert any(ch.key.startswith("product.polynucleotides.") and ch.kind == "added"
               for ch in text_changes(before, after))
    assert text_changes(before, before) == []


# --- agreement on screen (issue 13 item 4) ----------------------------------------------


def _consent_boxes(c, catalogue):
    """The consent form's boxes as drawn: (statement boxes, photo initials box)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Table

    from mesodesk.pack import parts
    from mesodesk.pack.builder import geometry
    from mesodesk.pack.flow import Box
    from mesodesk.rules import evaluate

    ctx = parts.PackContext(c, catalogue, "f" * 64, evaluate(c, catalogue), geometry("a4"))
    boxes: list = []

    def walk(item):
        if isinstance(item, Box):
            boxes.append(item)
        elif isinstance(item, Table):
            for row in item._cellvalues:
                for cell in row:
                    for x in cell if isinstance(cell, (list, tuple)) else [cell]:
                        walk(x)
        elif hasattr(item, "_content"):
            for x in item._content:
                walk(x)

    for flowable in parts.consent(ctx):
        walk(flowable)
    boxes = boxes[[b.size for b in boxes].index(7 * mm):]   # after the teach-back table
    return boxes


def test_statements_agreed_on_screen_are_ticked_in_the_signed_pack(catalogue):
    from mesodesk.rules.statements import consent_statements, to_agree
    from mesodesk.rules import evaluate

    unsigned = consultation()
    findings = evaluate(unsigned, catalogue)
    every = to_agree(unsigned, catalogue, findings)
    statements = consent_statements(unsigned, catalogue, findings)
    assert len(every) == len(statements) + 1          # and the photo choice
    signature = {"role": "patient", "name": "Jane O'Hara",
                 "signed_at": "2026-11-25T10:30:00+00:00"}
    signed = consultation(signatures=[signature], agreed=every)
    boxes = _consent_boxes(signed, catalogue)
    photo_options = len(catalogue.texts.photo_options)
    # the statement boxes, then the photo options (the choice ticked), then its initials box
    assert len(boxes) == len(statements) + photo_options + 1
    assert all(b.ticked for b in boxes[:len(statements)])
    assert boxes[-1].ticked
    text = flat_text(build_pack(signed, catalogue, sealed=False))
    assert "A tick in a box shows that you agreed to it on screen before you signed." in text
    assert "You agreed to this choice on screen:" in text


def test_a_pack_for_wet_ink_keeps_every_box_empty_to_initial(catalogue):
    from mesodesk.rules import evaluate
    from mesodesk.rules.statements import consent_statements

    c = consultation()
    n = len(consent_statements(c, catalogue, evaluate(c, catalogue)))
    boxes = _consent_boxes(c, catalogue)
    assert not any(b.ticked for b in boxes[:n]) and not boxes[-1].ticked
    text = flat_text(build_pack(c, catalogue, sealed=False))
    assert "Please write your initials in each box to show that you agree." in text
    assert "Your initials for this choice:" in text


def test_only_the_statements_agreed_are_ticked(catalogue):
    from mesodesk.rules import evaluate
    from mesodesk.rules.statements import consent_statements

    c = consultation()
    statements = consent_statements(c, catalogue, evaluate(c, catalogue))
    signature = {"role": "patient", "name": "Jane O'Hara",
                 "signed_at": "2026-11-25T10:30:00+00:00"}
    partly = consultation(signatures=[signature], agreed=statements[:2])
    boxes = _consent_boxes(partly, catalogue)
    assert [b.ticked for b in boxes[:len(statements)]] == \
        [True, True] + [False] * (len(statements) - 2)
    assert not boxes[-1].ticked                          # the photo choice was not agreed
