"""Page counts and Flesch reading ease of the pack for every plan in tests/data,
as a Markdown table (docs/pack-readability.md), measured the way the tests
measure them (tests/readability.py): the patient's copy without the references.

    .venv/bin/python scripts/pack_readability.py [--page1 docs/screenshots/pack-page1.png]

"ordinary" is tests/data/jane.json with the age check recorded and nothing to
acknowledge: the ordinary plan of tests/test_pack_content.py. With --page1,
page 1 of jane.json's pack is rendered at 60 dpi (needs pdftoppm, poppler-utils).
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mesodesk.catalogue import default_catalogue  # noqa: E402
from mesodesk.domain import load  # noqa: E402
from mesodesk.domain.model import AgeCheck  # noqa: E402
from mesodesk.pack import build_pack, pack_copies  # noqa: E402
from tests.readability import patient_prose, reading_ease  # noqa: E402

DATA = ROOT / "tests" / "data"


def ordinary():
    c = load(DATA / "jane.json")
    return c.replace(
        patient=dataclasses.replace(c.patient, age_check=AgeCheck(
            method="passport", checked_by="Dr Ana Silva",
            checked_at="2026-11-25T09:55:00+00:00")),
        consent=dataclasses.replace(c.consent, acknowledged=()))


def plans():
    yield "jane.json, ordinary (age checked)", ordinary()
    for path in sorted(DATA.glob("*.json")):
        yield path.name, load(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page1", type=Path, help="write page 1 of jane.json's pack here")
    args = parser.parse_args()
    catalogue = default_catalogue()
    print("| Plan | Pages | Patient's copy | Clinic's record | References | Flesch |")
    print("|---|---:|---:|---:|---:|---:|")
    first = None
    for name, consultation in plans():
        pdf = build_pack(consultation, catalogue, sealed=False)
        if name == "jane.json":
            first = pdf
        cp = pack_copies(pdf)
        patient = [p for p in cp.patient if p not in cp.references]
        clinic = [p for p in cp.clinic if p not in cp.references]
        score = reading_ease(patient_prose(pdf))
        print(f"| {name} | {cp.total} | {len(patient)} | {len(clinic)} | "
              f"{len(cp.references)} | {score:.1f} |")
    if args.page1 and first:
        with tempfile.TemporaryDirectory() as tmp:
            pdf_path = Path(tmp) / "pack.pdf"
            pdf_path.write_bytes(first)
            subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png",
                            "-singlefile", str(pdf_path), str(args.page1.with_suffix(""))],
                           check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
