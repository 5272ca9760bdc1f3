"""What the records view does with a signed consultation besides opening it:
withdraw consent (a new version and an audit event; the signed record is
untouched; the pack is no longer current), export FHIR, recall by lot, and the
settings' export of the seal certificate. Every store call is off the GUI thread."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from mesodesk.domain import canonical_json, fingerprint, loads
from tests.test_ui_threads import GuardedStore
from tests.window_support import records_view_open, shown_window

pytestmark = pytest.mark.usefixtures("fresh_home")

TIMEOUT = 60000  # ms: a pack is built in the helper process; the machine may be loaded


def _blank_pdf() -> bytes:
    """A real one-page PDF (the viewer must be able to show the stored pack)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _blank_pdf()


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def signed(store, make_consultation):
    c = make_consultation({"products": [{"id": "hyaluronic-acid-non-crosslinked",
                                         "lot": "HA24A17", "expiry": "2027-05-31",
                                         "volume_ml": 2.0}]})
    return store.sign(None, c, PDF, fingerprint(c), "Dr Ana Silva")


@pytest.fixture
def guarded(store):
    return GuardedStore(store)   # refuses any call on the GUI thread


@pytest.fixture
def window(qtbot, guarded):
    shown = shown_window(qtbot, lambda: guarded, active=False, ready=records_view_open)
    yield next(shown)
    assert guarded.on_gui_thread == []
    next(shown, None)   # the autosaver closed


def find_jane(qtbot, view, rows: int = 1) -> None:
    view.search.clear()
    with qtbot.waitSignal(view.searchFinished, timeout=TIMEOUT):
        qtbot.keyClicks(view.search, "jane")
    qtbot.waitUntil(lambda: view.history.rowCount() == rows, timeout=TIMEOUT)


def test_withdrawing_consent_makes_a_new_version_and_leaves_the_record_untouched(
        qtbot, window, store, signed):
    before = store.signed(signed)
    view = window.records_view
    find_jane(qtbot, view)
    view.history.selectRow(0)
    assert view.withdraw_button.isEnabled()
    qtbot.mouseClick(view.withdraw_button, Qt.MouseButton.LeftButton)
    dialog = window.records.last_dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.when.dateTime().isValid()              # now, unless changed
    qtbot.keyClicks(dialog.reason, "changed her mind")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.records.withdrawn), timeout=TIMEOUT)

    version = window.records.withdrawn[0]
    recorded = loads(store.signed(version).canonical_json).consent.withdrawn
    assert recorded is not None and recorded.reason == "changed her mind"
    assert store.signed(version).supersedes == signed
    after = store.signed(signed)                          # the signed record, byte for byte
    assert (after.pdf, after.canonical_json, after.fingerprint) == (
        before.pdf, before.canonical_json, before.fingerprint)
    events = store.audit_events(version)
    withdrawn = [e for e in events if e.kind == "withdrawn"]
    assert len(withdrawn) == 1 and json.loads(withdrawn[0].detail) == {"supersedes": signed}
    assert "changed her mind" not in withdrawn[0].detail   # the words stay in the record
    status = store.status(signed)
    assert status.withdrawn and status.withdrawn_in == version and not status.is_current

    # the history says so; a withdrawn consultation cannot continue or be withdrawn again
    find_jane(qtbot, view, rows=2)
    states = [view.history.item(r, 1).text() for r in range(2)]
    assert states == ["Withdrawn", "Signed"]
    for row in (0, 1):
        view.history.selectRow(row)
        assert not view.withdraw_button.isEnabled()
    view.history.selectRow(0)
    assert not view.next_button.isEnabled() and not view.version_button.isEnabled()

    # the earlier pack opens read-only, saying it is not current
    view.history.selectRow(1)
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window._viewer is not None, timeout=TIMEOUT)
    assert "CONSENT WITHDRAWN" in window._viewer.windowTitle()
    assert "not to be issued as current" in window._viewer.windowTitle()
    window._viewer.close()


def test_a_withdrawn_consultation_is_not_exported_as_current(catalogue, make_consultation,
                                                              tmp_path, capsys):
    from mesodesk.cli import main
    from mesodesk.domain import to_data
    from mesodesk.session import ConsultationSession, SessionError

    c = make_consultation({"format": "mesodesk-consultation/2",
                           "consent": {"withdrawn": {"at": "2026-11-26T09:30:00+00:00",
                                                     "reason": ""}}})
    session = ConsultationSession.from_consultation(catalogue, c)
    with pytest.raises(SessionError, match="withdrawn"):
        session.export(tmp_path / "pack.pdf")
    assert not (tmp_path / "pack.pdf").exists()
    path = tmp_path / "withdrawn.json"
    path.write_text(json.dumps(to_data(c)), encoding="utf-8")
    code = main(["export", str(path), "-o", str(tmp_path / "out.pdf")])
    err = capsys.readouterr().err
    assert code == 1 and "consultation-withdrawn" in err and "current" in err
    assert not (tmp_path / "out.pdf").exists()


def test_consent_cannot_be_withdrawn_twice_or_on_a_replaced_version(catalogue, store, signed,
                                                                     make_consultation):
    from mesodesk.session import ConsultationSession, SessionError

    def withdraw(cid):
        return ConsultationSession.prepare_withdrawal(
            store, catalogue, cid, "Dr Ana Silva", at="2026-11-26T09:30:00+00:00",
            build=lambda consultation, paper: PDF)()

    changed = make_consultation({"plan": {"sessions": 5}})
    newer = store.sign(store.new_version(signed), changed, PDF, fingerprint(changed),
                       "Dr Ana Silva")
    with pytest.raises(SessionError, match="newer version"):
        withdraw(signed)
    version = withdraw(newer)
    assert store.signed(version).supersedes == newer
    for cid in (version, newer, signed):
        with pytest.raises(SessionError, match="already withdrawn"):
            withdraw(cid)


def test_export_fhir_writes_the_signed_records_bundle(qtbot, window, store, signed, tmp_path,
                                                      monkeypatch):
    out = tmp_path / "jane-fhir.json"
    monkeypatch.setattr(window, "choose_save_path", lambda *a: str(out))
    view = window.records_view
    find_jane(qtbot, view)
    view.history.selectRow(0)
    qtbot.mouseClick(view.fhir_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.records.exported), timeout=TIMEOUT)
    bundle = json.loads(out.read_text(encoding="utf-8"))
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Consent", "Procedure", "QuestionnaireResponse"} <= kinds
    assert "HA24A17" in json.dumps(bundle)                  # the lot, for a recall
    consent = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Consent")
    assert consent["status"] == "proposed"     # printed for ink: no on-screen signature
    exported = [e for e in store.audit_events(signed) if e.kind == "exported"]
    assert len(exported) == 1 and "fhir" in exported[0].detail
    assert str(out) not in exported[0].detail and "jane" not in exported[0].detail.lower()


def test_recall_by_lot_lists_the_patients_who_received_it(qtbot, window, store, signed,
                                                          make_consultation):
    other = make_consultation({"patient": {"name": "Tom Hardy", "date_of_birth": "1979-01-02"},
                               "products": [{"id": "hyaluronic-acid-non-crosslinked",
                                             "lot": "ha24a17 ", "expiry": "2027-05-31",
                                             "volume_ml": 1.0}]})
    store.sign(None, other, PDF, fingerprint(other), "Dr Ana Silva")
    view = window.records_view
    with qtbot.waitSignal(view.recallFinished, timeout=TIMEOUT):
        qtbot.keyClicks(view.lot, "HA24A17")
        qtbot.keyClick(view.lot, Qt.Key.Key_Return)
    names = sorted(view.recalled.item(r, 3).text() for r in range(view.recalled.rowCount()))
    assert names == ["Jane O'Hara", "Tom Hardy"]
    assert view.recalled.isVisible() and "2 patients" in view.status.text()
    with qtbot.waitSignal(view.recallFinished, timeout=TIMEOUT):
        view.lot.setText("NOPE1")
        view.run_recall()
    assert view.recalled.rowCount() == 0 and "not used" in view.status.text()
    # activating a row opens that signed pack
    with qtbot.waitSignal(view.recallFinished, timeout=TIMEOUT):
        view.lot.setText("HA24A17")
        view.run_recall()
    row = next(r for r in range(view.recalled.rowCount())
               if view.recalled.item(r, 3).text() == "Jane O'Hara")
    with qtbot.waitSignal(view.openSigned, timeout=TIMEOUT) as opened:
        view.recalled.itemActivated.emit(view.recalled.item(row, 0))
    assert opened.args == [signed]


def test_the_settings_export_the_seal_certificate(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "clinic-seal.pem"
    monkeypatch.setattr(window, "choose_save_path", lambda *a: str(out))
    action = next(a for a in window.menuBar().actions()[0].menu().actions()
                  if a.text().replace("&", "").startswith("Export the seal certificate"))
    action.trigger()
    qtbot.waitUntil(lambda: bool(window.records.exported), timeout=TIMEOUT)
    from mesodesk.pack.seal import certificate_pem

    text = out.read_text(encoding="ascii")
    assert text.startswith("-----BEGIN CERTIFICATE-----")
    assert out.read_bytes() == certificate_pem()          # this installation's own
