"""The two copies in one pack file, read back from its outline.

A pack holds the patient's copy (key facts, more about the treatment, the
consent form, the aftercare card) and the clinic's record (the treatment
record), then the references that serve both. The builder writes one outline
entry per section, grouped by copy; :func:`pack_copies` reads them back, so a
window or printer can print either copy from any pack file, sealed or not.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader

PATIENT = "Patient's copy"
CLINIC = "Clinic's record"
REFERENCES = "References"


@dataclass(frozen=True)
class PackCopies:
    """Page numbers (1-based, in print order) of each copy."""

    patient: tuple[int, ...]     # key facts to aftercare card, then the references
    clinic: tuple[int, ...]      # treatment record, then the references
    references: tuple[int, ...]
    total: int


def pack_copies(pdf: bytes) -> PackCopies:
    """The pages of each copy in ``pdf``; ValueError if it has no copy outline
    (not a pack made by this version)."""
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    starts: list[tuple[int, str]] = []  # (0-based first page, copy or "References")
    copy = ""
    for entry in reader.outline:
        if isinstance(entry, list):
            continue  # the sections under a copy: the copy entry already gave its start
        title = str(entry.title)
        page = reader.get_destination_page_number(entry)
        if title in (PATIENT, CLINIC, REFERENCES):
            copy = title
            starts.append((page, copy))
    if {c for _, c in starts} != {PATIENT, CLINIC, REFERENCES}:
        raise ValueError("this PDF has no outline of a patient's copy and a clinic's record")
    starts.sort()
    pages: dict[str, list[int]] = {PATIENT: [], CLINIC: [], REFERENCES: []}
    for i, (first, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else total
        pages[name].extend(range(first + 1, end + 1))
    refs = tuple(pages[REFERENCES])
    return PackCopies(tuple(pages[PATIENT]) + refs, tuple(pages[CLINIC]) + refs, refs, total)
