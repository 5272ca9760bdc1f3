"""A whole consultation driven through ConsultationSession alone: no window, no Qt."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from mesodesk.session import (ConsultationSession, SessionError, Step, StepTable, STEPS,
                              new_data)
from tests.ceremony_support import with_teach_back

TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def answered(jane_data, catalogue) -> dict:
    data = copy.deepcopy(jane_data)
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    return with_teach_back(data, catalogue)


def signatures() -> list[dict]:
    return [{"role": role, "name": name, "image_png_base64": ""}
            for role, name in (("patient", "Jane"), ("practitioner", "Dr Silva"))]


def test_one_rule_evaluation_per_change_however_often_the_faces_ask(answered, catalogue,
                                                                     monkeypatch):
    import mesodesk.session.snapshot as snapshot_module

    calls = []
    real = snapshot_module.evaluate
    monkeypatch.setattr(snapshot_module, "evaluate",
                        lambda c, cat, *a: calls.append(1) or real(c, cat, *a))
    session = ConsultationSession(catalogue, answered)
    for _ in range(3):   # what one refresh of the window asks
        snap = session.snapshot()
        snap.views()
        [snap.can_enter(s) for s in session.table.ids]
        session.can_go_next(), session.previous_step()
    assert len(calls) == 1
    session.data["plan"]["sessions"] = 5      # a page edits the dict in place
    session.snapshot().views()
    assert len(calls) == 2


def test_findings_are_computed_on_a_half_filled_plan_without_invented_parts(catalogue):
    data = new_data(TODAY, {"name": "Riverside"}, {"name": "Dr Silva"})
    data["screening"]["answers"]["pregnant"] = "yes"
    data["patient"] = {"name": "Ana", "date_of_birth": "2012-01-01"}  # 14 years old
    session = ConsultationSession(catalogue, data)
    rules = {f.rule for f in session.snapshot().findings}
    assert {"pregnancy-injectable", "under-18"} <= rules
    # no product, delivery or plan yet: nothing is said about them
    assert not [f for f in session.snapshot().findings
                if f.path.split(".")[0].split("[")[0] in ("products", "delivery", "plan")]


def test_an_expired_product_is_flagged_before_the_rest_of_the_plan_is_written(catalogue):
    data = new_data(TODAY)
    product = next(iter(catalogue.products))
    data["products"] = [{"id": product, "expiry": "2026-01-01", "volume_ml": 1,
                         "lot": "L1"}]
    session = ConsultationSession(catalogue, data)
    assert "product-expired" in {f.rule for f in session.snapshot().findings}


def test_a_consultation_goes_from_draft_to_signed_record_without_a_window(
        answered, catalogue, sqlite_store):
    session = ConsultationSession(catalogue, answered)
    assert session.start_step() == "pack"   # everything before it is complete
    assert not session.can_enter("sign")
    assert session.go("pack")
    fp, pdf = session.preview()
    assert pdf.startswith(b"%PDF-")
    assert not session.can_enter("sign")
    assert session.mark_read(fp) and not session.mark_read(fp)
    assert session.go("sign")
    consultation = session.sign(signatures(), "2026-11-25T10:00:00+00:00",
                                agreed=session.statements_to_agree())
    result = session.finalise(sqlite_store, consultation)
    assert session.state.finished and session.step_id == "done"
    stored = sqlite_store.signed(result.consultation_id)
    assert stored.pdf == result.pdf == session.final_pdf
    kinds = [e.kind for e in sqlite_store.audit_events(result.consultation_id)]
    assert kinds == ["signed"]
    assert not session.can_enter("patient")


def test_overrides_are_stored_with_the_signed_record(answered, catalogue, sqlite_store):
    answered["screening"]["answers"]["pregnant"] = "unknown"
    session = ConsultationSession(catalogue, answered)
    assert not session.can_enter("consent")
    session.data["consent"]["overrides"] = [{"rule": "pregnancy-unconfirmed",
                                             "reason": "negative test today"}]
    session.data["consent"].update(photos="none", cooling_off_days=14)
    assert session.can_enter("pack")
    fp, _pdf = session.preview()
    session.mark_read(fp)
    result = session.finalise(sqlite_store, session.sign(
        signatures(), agreed=session.statements_to_agree()))
    events = sqlite_store.audit_events(result.consultation_id)
    assert [json.loads(e.detail) for e in events if e.kind == "overridden"] == [
        {"rule": "pregnancy-unconfirmed"}]


def test_signing_an_incomplete_consultation_names_the_problem(catalogue):
    session = ConsultationSession.new(catalogue, TODAY)
    with pytest.raises(SessionError, match="clinic.name: missing"):
        session.sign(signatures())
    with pytest.raises(SessionError, match="not complete"):
        session.preview()


def test_export_writes_the_pack_and_the_audit_detail_names_no_patient(answered, catalogue,
                                                                     tmp_path):
    session = ConsultationSession(catalogue, answered)
    out = tmp_path / "pack.pdf"
    pdf = session.export(out)
    assert out.read_bytes() == pdf and pdf.startswith(b"%PDF-")
    name = answered["patient"]["name"]
    assert name.split()[0] in session.suggested_file_name()
    detail = json.dumps(session.export_event(pdf))
    assert name.split()[0] not in detail and "pack.pdf" not in detail


def test_adding_a_step_is_one_entry_in_the_table(answered, catalogue):
    """A trivial step after the plan: it is in the order, Next and Back lead
    through it, and consent waits for it to be complete."""
    photos = Step("photos", "Photographs taken", (),
                  lambda f: "photographed" in (f.data.get("plan") or {}).get("notes", ""))
    ids = [s.id for s in STEPS]
    table = StepTable(STEPS[:ids.index("review")] + (photos,) + STEPS[ids.index("review"):])
    session = ConsultationSession(catalogue, answered, table=table)
    session.go("plan")
    assert session.next_step() == "photos"
    session.go("photos")
    assert session.next_step() == "review" and session.previous_step() == "plan"
    assert not session.can_enter("consent")          # the new step is not complete
    session.data["plan"]["notes"] = "photographed front and sides"
    assert session.can_enter("consent")


def test_which_step_follows_may_depend_on_the_answers(answered, catalogue):
    """``follows`` as a function of what is known: the plan is skipped here
    when the indication's defaults were kept, and Back retraces the path."""
    ids = [s.id for s in STEPS]
    skip = Step("formulation", "Formulation", ("products",), STEPS[ids.index("formulation")].complete,
                follows=lambda f: "review" if f.data.get("skip_plan") else "plan")
    table = StepTable(tuple(skip if s.id == "formulation" else s for s in STEPS))
    session = ConsultationSession(catalogue, answered, table=table)
    session.go("formulation")
    assert session.next_step() == "plan"
    session.data["skip_plan"] = True
    assert session.next_step() == "review"
    session.go("review")
    assert session.previous_step() == "formulation"


def test_a_withdrawal_is_a_new_signed_version_that_says_so(answered, catalogue, sqlite_store):
    from mesodesk.domain import loads

    session = ConsultationSession(catalogue, answered)
    fp, _pdf = session.preview()
    session.mark_read(fp)
    first = session.finalise(sqlite_store, session.sign(
        signatures(), agreed=session.statements_to_agree())).consultation_id
    work = ConsultationSession.prepare_withdrawal(
        sqlite_store, catalogue, first, "Dr Ana Silva", reason="changed her mind",
        at="2026-11-26T09:30:00+00:00")
    second = work()
    withdrawn = loads(sqlite_store.signed(second).canonical_json).consent.withdrawn
    assert withdrawn is not None and withdrawn.reason == "changed her mind"
    assert sqlite_store.signed(second).supersedes == first
    assert loads(sqlite_store.signed(first).canonical_json).consent.withdrawn is None
