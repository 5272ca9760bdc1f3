"""Save PNGs of the screens issue 13's traps changed, with realistic data.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_traps.py OUTDIR [--scale 2] [--dark]

Required fields marked and listed (clinic, formulation with an empty lidocaine
lot), a product removed with undo, screening answered by keys, the review with
the practitioner, allergies and medicines, a block drawn with its icon and the
locked steps greyed, and the pack with the findings panel folded away.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

SIZE = (1100, 750)


def main(argv: list[str] | None = None) -> int:
    from screenshots import EXAMPLE, prepare, styled_application, wait_until

    args, out, home = prepare(argparse.ArgumentParser(description=__doc__.splitlines()[0]), argv)

    from mesodesk.catalogue import default_catalogue
    from mesodesk.ui.window import MainWindow

    app = styled_application(args.dark)
    catalogue = default_catalogue()
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["screening"]["allergies"] = ["latex"]
    data["screening"]["medications"] = "Levothyroxine 50 mcg"
    data["format"] = "mesodesk-consultation/2"                 # age checked (issue 15)
    data["patient"]["age_check"] = {"method": "passport", "checked_by": "Dr Ana Silva",
                                    "checked_at": "2026-11-25T09:55:00+00:00"}

    window = MainWindow(store_factory=None)
    window.resize(*SIZE)
    window.show()
    wait_until(app, lambda: window.isVisible())
    suffix = ("-dark" if args.dark else "") + (f"-{args.scale}x" if args.scale != "1" else "")

    def shot(name: str) -> None:
        from PySide6.QtCore import QEventLoop
        from PySide6.QtTest import QTest

        window.refresh()
        for _ in range(10):               # let the layouts settle before the grab
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            QTest.qWait(20)
        path = out / f"traps-{name}{suffix}.png"
        window.grab().save(str(path))
        print(path)

    window.new_consultation()                       # required fields marked and listed
    shot("clinic-required")

    window._begin(dict(data), "screening")          # answered by keys: Y, N, U
    page = window.pages["screening"]
    ids = list(page.buttons)
    window.state.data["screening"]["answers"] = {}
    page.set_state(window.state)
    for answer in ("yes", "no", "unknown", "no"):
        page.answer_and_move(ids[len(window.state.data["screening"]["answers"])], answer)
    shot("screening-keys")

    window._begin(dict(data), "formulation")        # lidocaine added, lot and expiry empty
    formulation = window.pages["formulation"]
    formulation.add_anaesthetic.click()
    shot("formulation-lot-required")
    formulation.remove_product(1)                   # removed, with undo
    shot("formulation-removed-undo")

    window._begin(dict(data), "review")             # practitioner, allergies, medicines
    shot("review-no-findings")

    blocked = json.loads(json.dumps(data))
    blocked["screening"]["answers"]["pregnant"] = "yes"
    window._begin(blocked, "review")                # a block, drawn with its icon
    shot("review-block-icon")

    from mesodesk.session import ceremony, to_consultation

    explained = dict(data, consent=dict(data.get("consent") or {}))   # teach-back done
    explained["consent"]["teach_back"] = [
        ceremony.outcome_record(q.question, "explained")
        for q in ceremony.teach_back_questions(to_consultation(explained, catalogue), catalogue)]
    window._begin(explained, "consent")
    consent = window.pages["consent"]
    consent.photos["record-only"].setChecked(True)
    window.refresh()
    window.go("pack")                               # the panel folded: the pack takes the width
    pack = window.pages["pack"]
    wait_until(app, pack.print_button.isEnabled, timeout=90)
    wait_until(app, lambda: pack.preview.view.verticalScrollBar().maximum() > 0)
    shot("pack-wide")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
