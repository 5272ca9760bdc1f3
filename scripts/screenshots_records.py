"""Save PNGs of the records view and of a next session's screening, with made-up data.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_records.py OUTDIR [--scale 2] [--dark]

Runs the real window offscreen in a throwaway data and settings folder with a
records file holding a patient with a signed consultation, a withdrawn one and
a draft, and a second patient who received the same lot; grabs the start
screen's records (a patient selected, a lot recalled), then starts the next
session of the signed plan and grabs its screening step (banner, earlier
answers to confirm).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.screenshots import EXAMPLE, prepare, styled_application, wait_until  # noqa: E402

SIZE = (1100, 900)


def main(argv: list[str] | None = None) -> int:
    args, out, home = prepare(argparse.ArgumentParser(description="Save PNGs of the records view."),
                              argv)

    from PySide6.QtCore import Qt

    from mesodesk.catalogue import default_catalogue
    from mesodesk.domain import from_data
    from mesodesk.session import ConsultationSession
    from mesodesk.storage import open_store
    from mesodesk.ui.window import MainWindow

    app = styled_application(args.dark)
    catalogue = default_catalogue()
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["format"] = "mesodesk-consultation/2"
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["consent"]["information_given_at"] = "2026-11-18T10:00:00+00:00"

    store = open_store()
    first = from_data(data)
    session = ConsultationSession.from_consultation(catalogue, first)
    signed = session.finalise(store, first).consultation_id
    patient_id = store.signed(signed).patient_id
    withdrawn_data = json.loads(json.dumps(data))
    withdrawn_data["date"] = "2026-10-01"
    withdrawn_data["consent"]["information_given_at"] = "2026-09-20T10:00:00+00:00"
    w = from_data(withdrawn_data)
    older = ConsultationSession.from_consultation(catalogue, w)
    older.patient_id = patient_id
    older_id = older.finalise(store, w).consultation_id
    ConsultationSession.prepare_withdrawal(store, catalogue, older_id, "Dr Ana Silva",
                                           reason="moving abroad",
                                           at="2026-11-20T11:00:00+00:00")()
    draft = json.loads(json.dumps(data))
    draft["date"] = "2026-11-30"
    store.save_draft(None, draft, "formulation", "Dr Ana Silva", patient_id=patient_id)
    tom = json.loads(json.dumps(data))
    tom["patient"] = {"name": "Tom Hardy", "date_of_birth": "1979-01-02"}
    t = from_data(tom)
    ConsultationSession.from_consultation(catalogue, t).finalise(store, t)
    store.close()

    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    wait_until(app, lambda: window.records_view is not None)
    view = window.records_view
    suffix = "-dark" if args.dark else ""
    suffix += f"-{args.scale}x" if args.scale != "1" else ""

    done: list[bool] = []
    view.searchFinished.connect(lambda: done.append(True))
    view.search.setText("jane")
    view.run_search()
    wait_until(app, lambda: done and view.history.rowCount() >= 3)
    recalled: list[bool] = []
    view.recallFinished.connect(lambda: recalled.append(True))
    view.lot.setText(data["products"][0]["lot"])
    view.run_recall()
    wait_until(app, lambda: bool(recalled))
    view.history.selectRow(view.history.rowCount() - 1)
    app.processEvents()
    window.grab().save(str(out / f"records{suffix}.png"))

    view.history.selectRow(next(r for r in range(view.history.rowCount())
                                if view.history.item(r, 1).text() == "Signed"
                                and not view.history.item(r, 4).text()))
    view.next_button.click()
    wait_until(app, lambda: window.session is not None and window.session.follows is not None
               and window.step_id == "screening")
    for _ in range(3):   # the first answers confirmed, the rest still to do
        window.records.prior_panel.confirm(str(
            window.records.prior_panel.list.item(0).data(Qt.ItemDataRole.UserRole)))
    app.processEvents()
    window.grab().save(str(out / f"next-session{suffix}.png"))
    window.close()
    print(f"screenshots: wrote records{suffix}.png and next-session{suffix}.png in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
