"""Work on signed records without Qt: the FHIR Bundle of a signed record, and
recall by lot as the records view asks for it."""

from __future__ import annotations

import json

from mesodesk.domain import fingerprint
from mesodesk.session import ConsultationSession
from mesodesk.session.records import export_fhir, recall

PDF = b"%PDF-1.7\n%%EOF\n"


def signed_on_screen(make_consultation):
    return make_consultation({"format": "mesodesk-consultation/2", "consent": {"signatures": [
        {"role": "patient", "name": "Jane O'Hara", "signed_at": "2026-11-25T10:00:00+00:00"},
        {"role": "practitioner", "name": "Dr Ana Silva",
         "signed_at": "2026-11-25T10:01:00+00:00"}]}})


def test_the_bundle_of_a_signed_record_shows_active_consent(catalogue, make_consultation,
                                                             sqlite_store, tmp_path):
    c = signed_on_screen(make_consultation)
    cid = sqlite_store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")
    result = export_fhir(sqlite_store, catalogue, cid, tmp_path / "b.json")
    bundle = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert result.consent_status == "active" and result.resources == len(bundle["entry"])


def test_a_withdrawn_record_is_never_exported_with_active_consent(catalogue, make_consultation,
                                                                  sqlite_store, tmp_path):
    c = signed_on_screen(make_consultation)
    cid = sqlite_store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")
    ConsultationSession.prepare_withdrawal(sqlite_store, catalogue, cid, "Dr Ana Silva",
                                           at="2026-11-26T09:30:00+00:00",
                                           build=lambda consultation, paper: PDF)()
    result = export_fhir(sqlite_store, catalogue, cid, tmp_path / "b.json")   # the earlier one
    assert result.consent_status == "inactive"
    text = (tmp_path / "b.json").read_text(encoding="utf-8")
    assert "2026-11-26T09:30:00" in text


def test_recall_of_a_blank_lot_finds_nothing_without_an_error(sqlite_store, make_consultation):
    c = make_consultation()
    sqlite_store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")
    assert recall(sqlite_store, "   ") == []
    assert [e.patient_name for e in recall(sqlite_store, c.products[0].lot.lower())] == [
        "Jane O'Hara"]
