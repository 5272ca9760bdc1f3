"""``verify_pack``: is this PDF exactly the pack its embedded consultation makes?

The embedded consultation is read back, its fingerprint recomputed and
compared with the fingerprint the pack states (metadata and every page), and
the pack is rebuilt and compared byte for byte. Any difference is named.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from pypdf import PdfReader

from mesodesk.catalogue.model import Catalogue
from mesodesk.domain.codec import ConsultationError, canonical_json, fingerprint, loads
from mesodesk.pack.builder import KEYWORD_PREFIX, build_pack, creator
from mesodesk.pack.embed import NotAPack, open_pdf, read_attachment
from mesodesk.pack.flow import PackError
from mesodesk.pack.styles import PAPERS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VerifyResult:
    """``ok`` when the file is byte-identical to a fresh build; otherwise
    ``problems`` names each difference in one sentence."""

    ok: bool
    fingerprint: str = ""
    pages: int = 0
    problems: tuple[str, ...] = field(default=())


def _stated_fingerprint(reader: PdfReader) -> str | None:
    meta = reader.metadata or {}
    keywords = str(meta.get("/Keywords", "") or "")
    for word in keywords.replace(",", " ").split():
        if word.startswith(KEYWORD_PREFIX):
            return word[len(KEYWORD_PREFIX):]
    return None


def _paper(reader: PdfReader) -> str | None:
    """A4 or Letter from the first page's size; None when damaged or neither."""
    try:
        box = reader.pages[0].mediabox
        size = (round(float(box.width)), round(float(box.height)))
    except Exception as exc:  # pypdf raises many kinds on a damaged page tree or box
        log.debug("page size unreadable: %s", exc)
        return None
    for name, (w, h) in PAPERS.items():
        if size == (round(w), round(h)):
            return name
    return None


def _page_texts(reader: PdfReader) -> list[str]:
    out = []
    for page in reader.pages:
        try:
            out.append(page.extract_text() or "")
        except Exception as exc:  # pypdf raises many kinds on damaged streams
            log.debug("page text unreadable: %s", exc)
            out.append("\0unreadable")
    return out


def _page_streams(reader: PdfReader) -> list[bytes]:
    out = []
    for page in reader.pages:
        try:
            contents = page.get_contents()
            out.append(contents.get_data() if contents is not None else b"")
        except Exception as exc:
            log.debug("page stream unreadable: %s", exc)
            out.append(b"\0unreadable")
    return out


def verify_pack(pdf: bytes, catalogue: Catalogue) -> VerifyResult:
    """Check ``pdf`` against a rebuild from its own embedded consultation.
    Raises NotAPack when it is not a PDF or carries no consultation."""
    reader = open_pdf(pdf)
    data = read_attachment(reader)
    if data is None:
        raise NotAPack("not a mesodesk pack: it carries no embedded consultation")
    pages = len(reader.pages)
    stated = _stated_fingerprint(reader)
    try:
        consultation = loads(data)
    except ConsultationError as exc:
        return VerifyResult(False, "", pages, (
            f"the embedded consultation was altered and no longer reads ({exc.sentence()})",))
    fp = fingerprint(consultation)
    problems: list[str] = []
    if canonical_json(consultation) != data:
        problems.append("the embedded consultation data was altered (it is no longer in the "
                        "exact form the pack was made from)")
    if stated is None:
        problems.append("the fingerprint in the PDF metadata is missing")
    elif stated != fp:
        problems.append("the embedded consultation data does not match the fingerprint "
                        "stated in the PDF metadata")
    texts = _page_texts(reader)
    unstamped = [str(i) for i, t in enumerate(texts, 1) if fp not in "".join(t.split())]
    if unstamped and stated == fp:
        problems.append(f"page{'s' if len(unstamped) > 1 else ''} {', '.join(unstamped)} "
                        "do not state the embedded data's fingerprint")
    elif unstamped:
        problems.append("the fingerprint stated on the pages does not match the embedded "
                        "consultation data")
    paper = _paper(reader)
    if paper is None:
        problems.append("the page size is neither A4 nor US Letter")
        return VerifyResult(False, fp, pages, tuple(problems))
    try:
        fresh = build_pack(consultation, catalogue, paper=paper)
    except PackError as exc:
        problems.append(f"the embedded consultation cannot be rebuilt ({exc})")
        return VerifyResult(False, fp, pages, tuple(problems))
    if fresh == pdf:
        return VerifyResult(True, fp, pages, ())
    if not problems:
        problems.extend(_explain(reader, open_pdf(fresh), catalogue))
    return VerifyResult(False, fp, pages, tuple(problems))


def _explain(reader: PdfReader, fresh: PdfReader, catalogue: Catalogue) -> list[str]:
    """Why the file differs from the rebuild, when the embedded data is intact."""
    made_by = str((reader.metadata or {}).get("/Creator", "") or "")
    now = creator(catalogue)
    if made_by != now:
        return [f"the pages differ from a rebuild; the pack says it was made by '{made_by}', "
                f"this is '{now}', so the catalogue or program changed since"]
    if len(reader.pages) != len(fresh.pages):
        return [f"the pack has {len(reader.pages)} pages; the consultation it embeds makes "
                f"{len(fresh.pages)}"]
    changed = [str(i) for i, (a, b) in enumerate(zip(_page_streams(reader),
                                                     _page_streams(fresh)), 1) if a != b]
    if changed:
        return [f"the content of page{'s' if len(changed) > 1 else ''} {', '.join(changed)} "
                "differs from the pack the embedded consultation makes"]
    return ["the file's bytes differ from the pack the embedded consultation makes "
            "(metadata, fonts or structure were changed)"]
