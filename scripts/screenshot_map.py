"""Save a PNG of the injection map step, and the pack page that draws the map.

    QT_QPA_PLATFORM=offscreen python scripts/screenshot_map.py OUTDIR [--scale 2] [--dark]
    python scripts/screenshot_map.py OUTDIR --pack      # the pack with the map, as a PDF

Opens tests/data/pack_dca_map.json (deoxycholic acid under the chin, 20
points on the left face chart) in the real window offscreen, in a throwaway
data folder, with one point selected, and grabs the window at the map step
(map.png, map-dark.png, map-2x.png). With --pack it writes the unsealed pack
of the same consultation to OUTDIR/map-pack.pdf (render its pages with
pdftoppm).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

EXAMPLE = ROOT / "tests" / "data" / "pack_dca_map.json"
SIZE = (1100, 750)


def consultation_data() -> dict:
    from mesodesk.catalogue import default_catalogue

    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    answers = data["screening"].setdefault("answers", {})
    for q in default_catalogue().screening:
        answers.setdefault(q, "no")
    return data


def main(argv: list[str] | None = None) -> int:
    from screenshots import prepare, styled_application

    parser = argparse.ArgumentParser(description="Screenshot the injection map step.")
    parser.add_argument("--pack", action="store_true", help="write the pack as a PDF instead")
    parser.add_argument("--zoom", type=int, default=0,
                        help="Ctrl+wheel notches to zoom about the selected point (map-zoomed.png)")
    args, out, _home = prepare(parser, argv)
    data = consultation_data()
    if args.pack:
        from mesodesk.catalogue import default_catalogue
        from mesodesk.domain import from_data
        from mesodesk.pack import build_pack

        pdf = build_pack(from_data(data), default_catalogue(), sealed=False)
        path = out / "map-pack.pdf"
        path.write_bytes(pdf)
        print(path)
        return 0

    from PySide6.QtCore import QEventLoop

    from mesodesk.ui.window import MainWindow

    app = styled_application(args.dark)
    window = MainWindow(store_factory=None)
    window.resize(*SIZE)
    window.show()
    window._begin(data, "map")
    page = window.pages["map"]
    page.select([(0, 6)])          # one point selected: its row and its dot
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:   # let layouts settle and the view fit
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    page.view.fit()
    app.processEvents()
    suffix = ("-dark" if args.dark else "-light") + (f"-{args.scale}x" if args.scale != "1"
                                                     else "")
    if args.zoom:
        dot = page._items.get((0, 6))   # the selected point's dot
        at = page.view.mapFromScene(dot.scenePos()) if dot is not None else None
        page.view.zoom_by(page.view.ZOOM_STEP ** args.zoom, at)
        app.processEvents()
        suffix = "-zoomed" + suffix[len("-light"):] if not args.dark else "-zoomed-dark"
    path = out / f"map{suffix}.png"
    window.grab().save(str(path))
    print(path)
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
