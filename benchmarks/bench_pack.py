"""How long does a full pack take, against a plain reportlab document?

    .venv/bin/python benchmarks/bench_pack.py [CONSULTATION.json] [--runs 20]

Builds the pack for a representative consultation ``--runs`` times in one
process and prints the median time and page count, then builds a plain
``SimpleDocTemplate`` with the same text (the pack's own extracted text, page
for page, in the same embedded font) the same number of times, and prints the
ratio. Goal: at most 3x. Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate  # noqa: E402

from mesodesk.catalogue import default_catalogue  # noqa: E402
from mesodesk.domain import load  # noqa: E402
from mesodesk.pack import build_pack  # noqa: E402
from mesodesk.pack.fonts import register_fonts  # noqa: E402

DEFAULT = ROOT / "tests" / "data" / "pack_dca_submental.json"


def plain_document(pages: list[str], per: str, size: float) -> bytes:
    """The pack's text, page for page, as plain paragraphs in the same font:
    one paragraph per line of text (``per="line"``, as a simple report would
    be built) or one paragraph per page (``per="page"``, the cheapest layout)."""
    style = ParagraphStyle("plain", fontName=register_fonts(), fontSize=size,
                           leading=size * 1.2)
    story = []
    for text in pages:
        if per == "line":
            story += [Paragraph(escape(line), style) for line in text.splitlines()
                      if line.strip()]
        else:
            story.append(Paragraph(escape(" ".join(text.split())), style))
        story.append(PageBreak())
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, invariant=1, leftMargin=51, rightMargin=51, topMargin=40,
                      bottomMargin=40).build(story[:-1])
    return buffer.getvalue()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def fitting_size(pages: list[str], per: str) -> float:
    """The largest font size at which the plain document has as many pages as the pack."""
    for size in (12, 11, 10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6):
        if page_count(plain_document(pages, per, size)) <= len(pages):
            return size
    return 6


def timed(fns: list, runs: int) -> list[tuple[float, object]]:
    """Median milliseconds and last result of each function, the runs
    interleaved so that both see the same machine load."""
    times: list[list[float]] = [[] for _ in fns]
    results: list[object] = [None] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            results[i] = fn()
            times[i].append((time.perf_counter() - start) * 1000)
    return [(statistics.median(t), r) for t, r in zip(times, results)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("consultation", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    catalogue = default_catalogue()
    consultation = load(args.consultation)
    build_pack(consultation, catalogue)  # warm-up: fonts, imports, caches

    pdf = build_pack(consultation, catalogue)
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]
    chars = sum(len(t) for t in pages)
    line_size, page_size = fitting_size(pages, "line"), fitting_size(pages, "page")
    (pack_ms, pdf), (line_ms, by_line), (page_ms, by_page) = timed(
        [lambda: build_pack(consultation, catalogue),
         lambda: plain_document(pages, "line", line_size),
         lambda: plain_document(pages, "page", page_size)], args.runs)

    print(f"consultation          {Path(args.consultation).name}")
    print(f"pack                  median {pack_ms:7.1f} ms over {args.runs} runs, "
          f"{len(pages)} pages, {len(pdf) // 1024} KB, {chars} characters")
    print(f"plain, per line       median {line_ms:7.1f} ms, {page_count(by_line)} pages "
          f"at {line_size:g} pt -> ratio {pack_ms / line_ms:.2f}x")
    print(f"plain, per page       median {page_ms:7.1f} ms, {page_count(by_page)} pages "
          f"at {page_size:g} pt -> ratio {pack_ms / page_ms:.2f}x")
    print("goal: at most 3x against the plain document")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
