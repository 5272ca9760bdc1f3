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


def chunks(lines: list[str], count: int) -> list[str]:
    """``lines`` joined into ``count`` paragraphs of about equal length."""
    count = max(1, min(count, len(lines)))
    size = -(-len(lines) // count)
    return [" ".join(lines[i:i + size]) for i in range(0, len(lines), size)]


def plain_document(pages: list[str], per: int, size: float) -> bytes:
    """The pack's text, page for page, in the same font, as ``per`` plain
    paragraphs per page (no tables, boxes or images)."""
    style = ParagraphStyle("plain", fontName=register_fonts(), fontSize=size,
                           leading=size * 1.2)
    story = []
    for text in pages:
        lines = [line for line in text.splitlines() if line.strip()]
        story += [Paragraph(escape(chunk), style) for chunk in chunks(lines, per)]
        story.append(PageBreak())
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, invariant=1, leftMargin=51, rightMargin=51, topMargin=40,
                      bottomMargin=40).build(story[:-1])
    return buffer.getvalue()


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def fitting_size(pages: list[str], per: int) -> float:
    """The largest font size at which the plain document has as many pages as the pack."""
    for size in (12, 11, 10, 9.5, 9, 8.5, 8, 7.5, 7, 6.5, 6):
        if page_count(plain_document(pages, per, size)) <= len(pages):
            return size
    return 6


def count_paragraphs(build) -> int:
    """How many Paragraphs one build creates (table cells included)."""
    count = 0
    original = Paragraph.__init__

    def counting(self, *args, **kwargs):
        nonlocal count
        count += 1
        original(self, *args, **kwargs)

    Paragraph.__init__ = counting
    try:
        build()
    finally:
        Paragraph.__init__ = original
    return count


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

    paragraphs = count_paragraphs(lambda: build_pack(consultation, catalogue))
    pdf = build_pack(consultation, catalogue)
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]
    chars = sum(len(t) for t in pages)
    per_page = max(1, round(paragraphs / len(pages)))
    same_size, one_size = fitting_size(pages, per_page), fitting_size(pages, 1)
    (pack_ms, pdf), (same_ms, same), (one_ms, one) = timed(
        [lambda: build_pack(consultation, catalogue),
         lambda: plain_document(pages, per_page, same_size),
         lambda: plain_document(pages, 1, one_size)], args.runs)

    print(f"consultation             {Path(args.consultation).name}")
    print(f"pack                     median {pack_ms:7.1f} ms over {args.runs} runs, "
          f"{len(pages)} pages, {paragraphs} paragraphs, {chars} characters, "
          f"{len(pdf) // 1024} KB")
    print(f"plain, same paragraphs   median {same_ms:7.1f} ms, {page_count(same)} pages, "
          f"{per_page} paragraphs a page at {same_size:g} pt -> ratio {pack_ms / same_ms:.2f}x")
    print(f"plain, one per page      median {one_ms:7.1f} ms, {page_count(one)} pages "
          f"at {one_size:g} pt -> ratio {pack_ms / one_ms:.2f}x")
    print("goal: at most 3x against the plain document with the same text, pages and "
          "paragraphs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
