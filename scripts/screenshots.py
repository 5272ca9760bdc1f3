"""Save a PNG of the start screen and of every consultation step, with realistic data.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py OUTDIR [--scale 2] [--dark]

Runs the real window offscreen in a throwaway data and settings folder, walks a
consultation for a made-up patient from the start screen to Done (the pack is
really built, shown and signed), and grabs the window at each step.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EXAMPLE = ROOT / "tests" / "data" / "jane.json"
SIZE = (1100, 750)


def wait_until(app, condition, timeout: float = 30.0) -> None:
    from PySide6.QtCore import QEventLoop

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("screenshots: timed out waiting for the window")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def has_text(widget) -> bool:
    """Whether the widget shows dark pixels (QPdfView draws its pages on a
    render thread, so a page can be on screen before its text is)."""
    image = widget.grab().toImage()
    w, h = image.width(), image.height()
    dark = sum(1 for x in range(0, w, 4) for y in range(0, h, 4)
               if image.pixelColor(x, y).lightness() < 100)
    return dark > 20


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2e", QPalette.ColorRole.WindowText: "#e8e8e8",
        QPalette.ColorRole.Base: "#1f1f22", QPalette.ColorRole.AlternateBase: "#2f2f33",
        QPalette.ColorRole.Text: "#e8e8e8", QPalette.ColorRole.Button: "#3a3a3e",
        QPalette.ColorRole.ButtonText: "#e8e8e8", QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#3a3a3e",
        QPalette.ColorRole.ToolTipText: "#e8e8e8", QPalette.ColorRole.Mid: "#555559",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#808080"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#808080"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor("#808080"))
    return p


def zigzag(width: float, height: float, amplitude: float) -> list[list[list[float]]]:
    import math

    stroke = [[width * (0.1 + 0.8 * i / 60), height * (0.55 + amplitude *
               math.sin(i / 3.0) * (1 - i / 90)), 0.4 + 0.6 * abs(math.sin(i / 7))]
              for i in range(61)]
    bar = [[width * 0.25, height * 0.2, 0.8], [width * 0.28, height * 0.8, 1.0]]
    return [stroke, bar]


def prepare(parser: argparse.ArgumentParser,
            argv: list[str] | None) -> tuple[argparse.Namespace, Path, Path]:
    """What every screenshot script starts with: OUTDIR, --scale and --dark
    parsed, OUTDIR made, and the window pointed at a throwaway data and
    settings folder (offscreen unless a display is asked for)."""
    parser.add_argument("outdir")
    parser.add_argument("--scale", default="1", help="QT_SCALE_FACTOR, e.g. 2 for 200 %%")
    parser.add_argument("--dark", action="store_true", help="use a dark palette")
    args = parser.parse_args(argv)
    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="mesodesk-screenshots-"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["QT_SCALE_FACTOR"] = args.scale
    os.environ["MESODESK_CONFIG_DIR"] = str(home / "config")
    os.environ["MESODESK_DATA_DIR"] = str(home / "data")
    os.environ.pop("MESODESK_DATABASE_URL", None)
    return args, out, home


def styled_application(dark: bool):
    """The window's QApplication, with the dark palette when asked."""
    from mesodesk.ui.app import application

    app = application([])
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    return app


def main(argv: list[str] | None = None) -> int:
    args, out, home = prepare(argparse.ArgumentParser(description="Save a PNG of every step."),
                              argv)

    from mesodesk.catalogue import default_catalogue
    from mesodesk.storage import open_store
    from mesodesk.ui.window import MainWindow

    app = styled_application(args.dark)
    catalogue = default_catalogue()
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["screening"]["answers"]["anticoagulants"] = "yes"
    data["screening"]["medications"] = "Apixaban 5 mg twice a day; levothyroxine 50 mcg"
    data["products"][0]["injections"] = 60
    data["format"] = "mesodesk-consultation/2"
    data["patient"]["age_check"] = {"method": "passport", "checked_by": "Dr Ana Silva",
                                    "checked_at": data["date"] + "T09:55:00+00:00"}
    data["plan"]["notes"] = "Review at the second session; photographs before each session."

    # an unfinished consultation from earlier, so the start screen offers to resume it
    store = open_store()
    earlier = copy.deepcopy(data)
    earlier["patient"] = {"name": "Marta Nowak", "date_of_birth": "1979-07-02"}
    store.save_draft(None, earlier, "screening", "Dr Ana Silva")
    store.close()

    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    wait_until(app, lambda: window.store is not None and window.start.resume_buttons)
    suffix = "-dark" if args.dark else ""
    suffix += f"-{args.scale}x" if args.scale != "1" else ""
    shots: list[Path] = []

    def shot(name: str) -> None:
        app.processEvents()
        path = out / f"{len(shots):02d}-{name}{suffix}.png"
        window.grab().save(str(path))
        shots.append(path)

    shot("start")
    path = home / "consultation.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    opened: list[bool] = []
    window.fileOpened.connect(opened.append)
    window.open_file(str(path))     # read off the GUI thread
    wait_until(app, lambda: bool(opened), timeout=60)
    if not opened[0]:
        raise SystemExit("the example consultation did not open")
    for step in ("clinic", "patient", "screening", "indication", "delivery", "formulation",
                 "plan"):
        window.go(step)
        shot(step)
    window.go("review")
    shot("review")
    for item in window.pages["review"].items.values():
        if item.acknowledge is not None:
            item.acknowledge.setChecked(True)
    window.refresh()
    consent = window.pages["consent"]
    window.go("consent")
    consent.photos["record-only"].setChecked(True)
    consent.cooling.setValue(7)
    rows = consent.teach_back.rows    # teach-back: one point talked through again
    for i, row in enumerate(rows):
        row.buttons["again" if i == 1 else "explained"].setChecked(True)
    window.refresh()
    consent.scroll_area.ensureWidgetVisible(consent.teach_back)
    shot("consent")
    window.go("pack")
    pack = window.pages["pack"]
    wait_until(app, pack.print_button.isEnabled, timeout=60)
    wait_until(app, lambda: has_text(pack.preview.view.viewport()), timeout=30)  # rendered
    shot("pack")
    bar = pack.preview.view.verticalScrollBar()
    wait_until(app, lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum())  # the patient scrolls to the last page
    wait_until(app, pack.sign.isEnabled)
    window.go("sign")
    sign = window.pages["sign"]
    for box in sign.agreement.boxes[:-2]:   # the patient ticks the statements...
        box.setChecked(True)
    shot("sign")
    for box in sign.agreement.boxes:
        box.setChecked(True)
    for box, amplitude in ((sign.patient, 0.25), (sign.practitioner, 0.15)):
        box.pad.set_strokes(zigzag(box.pad.width(), box.pad.height(), amplitude))
    sign.scroll_area.ensureWidgetVisible(sign.practitioner)
    shot("sign-signed")
    sign.finish.click()                     # in the navigation bar; asks to confirm
    wait_until(app, lambda: window.closing.confirmation is not None
               and window.closing.confirmation.isVisible())
    confirmation = window.closing.confirmation
    app.processEvents()
    confirmation.grab().save(str(out / f"{len(shots):02d}-sign-confirm{suffix}.png"))
    shots.append(out / f"{len(shots):02d}-sign-confirm{suffix}.png")
    confirmation.accept_button.click()
    wait_until(app, lambda: window.step_id == "done", timeout=60)
    saved: list[bool] = []
    window.packSaved.connect(saved.append)
    window.closing.save_pdf(str(home / "pack.pdf"))     # written off the GUI thread
    wait_until(app, lambda: bool(saved), timeout=60)
    shot("done")
    viewer = window.closing.show_signed(window.store.signed(window.state.consultation_id))
    viewer.resize(SIZE[0] * 3 // 4, SIZE[1])
    wait_until(app, lambda: has_text(viewer.preview.view.viewport()), timeout=30)
    app.processEvents()
    viewer.grab().save(str(out / f"{len(shots):02d}-viewer{suffix}.png"))
    shots.append(out / f"{len(shots):02d}-viewer{suffix}.png")
    window.autosaver.close()
    window.close()
    for p in shots:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
