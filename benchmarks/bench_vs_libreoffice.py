"""mesodesk's pack against what clinics do today: a Word document turned into a
PDF by LibreOffice (goal: mesodesk at least 20x faster).

    .venv/bin/python benchmarks/bench_vs_libreoffice.py [CONSULTATION.json] [--runs 3]

The same text: the pack is built once and its text read back page by page; a
.docx with that text (one paragraph per line, a page break between pages,
DejaVu Sans 12 pt) is written with the standard library only (zipfile and
minimal WordprocessingML), and ``soffice --headless --convert-to pdf`` turns it
into a PDF:

* cold: a fresh LibreOffice profile (``-env:UserInstallation=file:///tmp/...``),
  as on the first conversion after installing or for a new user;
* warm: the same profile again (a new soffice process each time, files cached).

mesodesk is timed two ways: ``build_pack`` inside a running process (what the
window does; median of ``--runs``) and ``python -m mesodesk export`` as a fresh
process, which counts interpreter start-up and imports like soffice's start-up.
Figures and ratios only; nothing is asserted. Without LibreOffice the script says
how to install it and exits.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from _common import DATA, ROOT, median

GOAL = 20.0
DEFAULT = DATA / "pack_dca_submental.json"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RUN_PROPS = ('<w:rPr><w:rFonts w:ascii="DejaVu Sans" w:hAnsi="DejaVu Sans" w:cs="DejaVu Sans"/>'
             '<w:sz w:val="24"/></w:rPr>')


def xml_text(text: str) -> str:
    """Text for a w:t element: escaped, characters XML cannot carry dropped."""
    allowed = "".join(ch for ch in text if ch in "\t\n\r" or (0x20 <= ord(ch) < 0xD800)
                      or 0xE000 <= ord(ch) <= 0xFFFD or ord(ch) > 0xFFFF)
    return escape(allowed)


def docx(pages: list[str]) -> bytes:
    """A minimal .docx: one paragraph per line of text, a page break between pages."""
    body = []
    for number, page in enumerate(pages):
        lines = [line for line in page.splitlines() if line.strip()] or [""]
        for i, line in enumerate(lines):
            brk = '<w:r><w:br w:type="page"/></w:r>' if number and i == 0 else ""
            body.append(f'<w:p>{brk}<w:r>{RUN_PROPS}<w:t xml:space="preserve">'
                        f"{xml_text(line)}</w:t></w:r></w:p>")
    section = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
               '<w:pgMar w:top="1134" w:right="1021" w:bottom="1134" w:left="1021" '
               'w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>')
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{W}"><w:body>{"".join(body)}{section}</w:body>'
                f"</w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", document)
    return buffer.getvalue()


def soffice() -> str | None:
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    return None


def convert(binary: str, profile: Path, source: Path, outdir: Path) -> float:
    """Seconds for one ``soffice --headless --convert-to pdf``; raises on failure."""
    start = time.perf_counter()
    result = subprocess.run(
        [binary, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(outdir), str(source)],
        capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    pdf = outdir / (source.stem + ".pdf")
    if result.returncode != 0 or not pdf.exists():
        raise SystemExit(f"LibreOffice failed ({result.returncode}): "
                         f"{result.stderr.strip() or result.stdout.strip()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("consultation", nargs="?", default=str(DEFAULT))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    binary = soffice()
    if binary is None:
        print("LibreOffice is not installed; skipped. Install it with:\n"
              "  sudo apt-get install libreoffice-writer-nogui")
        return 0

    from pypdf import PdfReader

    from mesodesk.catalogue import default_catalogue
    from mesodesk.domain import load
    from mesodesk.pack import build_pack

    catalogue = default_catalogue()
    consultation = load(args.consultation)
    pdf = build_pack(consultation, catalogue)          # warm-up: imports, fonts
    pages = [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages]
    in_process = []
    for _ in range(args.runs):
        start = time.perf_counter()
        build_pack(consultation, catalogue)
        in_process.append(time.perf_counter() - start)

    with tempfile.TemporaryDirectory(prefix="mesodesk-bench-lo-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "MESODESK_DATA_DIR": str(folder / "data"),
               "MESODESK_CONFIG_DIR": str(folder / "config")}
        cli = []
        for i in range(args.runs):
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "mesodesk", "export",
                                   args.consultation, "-o", str(folder / f"cli{i}.pdf")],
                                  env=env, capture_output=True, text=True, timeout=300)
            cli.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"mesodesk export failed: {done.stderr.strip()}")

        source = folder / "pack.docx"
        source.write_bytes(docx(pages))
        out = folder / "out"
        out.mkdir()
        profile = folder / "lo-profile"
        cold = convert(binary, profile, source, out)      # creates the profile
        warm = [convert(binary, profile, source, out) for _ in range(args.runs)]
        lo_pages = len(PdfReader(out / "pack.pdf").pages)
        version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                 timeout=120).stdout.strip()

    build_s, cli_s, warm_s = median(in_process), median(cli), median(warm)
    chars = sum(len(p) for p in pages)
    print(f"consultation                 {Path(args.consultation).name}: {len(pages)} pages, "
          f"{chars} characters of text, {os.cpu_count()} CPUs")
    print(f"mesodesk build_pack          median {build_s * 1000:8.0f} ms (in a running "
          f"process, {args.runs} runs)")
    print(f"mesodesk export (new process) median {cli_s * 1000:8.0f} ms")
    print(f"LibreOffice .docx -> PDF     cold {cold * 1000:8.0f} ms (fresh profile), warm "
          f"median {warm_s * 1000:8.0f} ms; {lo_pages} pages")
    print(f"  ({version})")
    print("ratios (LibreOffice time / mesodesk time; goal >= 20x):")
    for label, lo in (("warm", warm_s), ("cold", cold)):
        for name, ours in (("build_pack", build_s), ("export process", cli_s)):
            ratio = lo / ours
            verdict = "meets" if ratio >= GOAL else "below"
            print(f"  LibreOffice {label:4} vs mesodesk {name:15} {ratio:6.1f}x  [{verdict}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
