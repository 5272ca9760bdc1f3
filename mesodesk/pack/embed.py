"""The consultation JSON embedded in the pack as ``consultation.json``.

reportlab has no API for embedded files, so the file is added afterwards with
pypdf; cloning keeps the reportlab output (and its invariant /ID) intact, so
the result is still byte-identical run to run.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError, PyPdfError

log = logging.getLogger(__name__)

ATTACHMENT = "consultation.json"


class NotAPack(ValueError):
    """The file is not a readable mesodesk pack (one sentence)."""


def attach(pdf: bytes, data: bytes) -> bytes:
    """``pdf`` with ``data`` embedded as :data:`ATTACHMENT`."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_attachment(ATTACHMENT, data)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_pdf(pdf: bytes) -> PdfReader:
    """A reader for ``pdf``; NotAPack when it is not a readable PDF."""
    if not pdf.lstrip(b"\x00\t\n\f\r ")[:5] == b"%PDF-":
        raise NotAPack("not a PDF file")
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        _ = len(reader.pages)
        return reader
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError) as exc:
        log.debug("unreadable PDF: %s", exc)
        raise NotAPack("a damaged PDF that cannot be read") from None


def read_attachment(reader: PdfReader) -> bytes | None:
    try:
        found = reader.attachments.get(ATTACHMENT)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError) as exc:
        log.debug("unreadable attachments: %s", exc)
        return None
    if not found:
        return None
    return bytes(found[0])


def read_embedded(pdf: bytes) -> bytes | None:
    """The embedded consultation JSON, or None when ``pdf`` carries none
    (or is not a readable PDF at all)."""
    try:
        return read_attachment(open_pdf(pdf))
    except NotAPack:
        return None
