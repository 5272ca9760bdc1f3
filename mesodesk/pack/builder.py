"""``build_pack``: one consultation and the catalogue in, the PDF bytes out."""

from __future__ import annotations

import hashlib
import logging

from mesodesk import __version__
from mesodesk.catalogue.model import Catalogue
from mesodesk.catalogue.references import check_references
from mesodesk.domain.codec import canonical_json, fingerprint
from mesodesk.domain.model import Consultation
from mesodesk.pack import parts
from mesodesk.pack.document import Running, render
from mesodesk.pack.embed import attach
from mesodesk.pack.flow import PackError
from mesodesk.pack.styles import PAPERS, geometry
from mesodesk.pack.text import one_line
from mesodesk.rules import evaluate, sort_findings

log = logging.getLogger(__name__)

KEYWORD_PREFIX = "fingerprint:sha256:"


_DIGESTS: dict[int, tuple[Catalogue, str]] = {}


def catalogue_digest(catalogue: Catalogue) -> str:
    """A short digest of the catalogue's content, stated in the pack's metadata
    so ``verify`` can tell a changed catalogue from an altered pack."""
    cached = _DIGESTS.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1]
    digest = hashlib.sha256(repr(catalogue).encode("utf-8")).hexdigest()[:16]
    if len(_DIGESTS) > 8:
        _DIGESTS.clear()
    _DIGESTS[id(catalogue)] = (catalogue, digest)
    return digest


def creator(catalogue: Catalogue) -> str:
    return f"mesodesk {__version__} (catalogue {catalogue_digest(catalogue)})"


def build_pack(consultation: Consultation, catalogue: Catalogue, *, paper: str = "a4") -> bytes:
    """The complete pack as PDF bytes. Pure: the same consultation, catalogue
    and paper always give the same bytes. Raises PackError (one sentence) when
    the consultation holds something unprintable, such as a damaged signature."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r} (use {' or '.join(PAPERS)})")
    problems = check_references(consultation, catalogue)
    if problems:
        raise PackError(str(problems[0]))
    fp = fingerprint(consultation)
    findings = sort_findings(evaluate(consultation, catalogue))
    ctx = parts.PackContext(consultation, catalogue, fp, findings, geometry(paper))
    flowables = parts.summary(ctx) + parts.information(ctx)
    later = parts.consent(ctx) + parts.record(ctx) + parts.aftercare(ctx)
    flowables += parts.references(ctx) + later  # references close part 2
    c = consultation
    running = Running(clinic=c.clinic.name,
                      patient=f"{c.patient.name}, born {parts.long_date(c.patient.date_of_birth)}",
                      fingerprint=fp)
    pdf = render(
        flowables, ctx.geometry, running, c.date,
        title=one_line(f"Mesotherapy information and consent: {c.patient.name}, "
                       f"{parts.long_date(c.date)}"),
        author=one_line(c.clinic.name),
        subject=one_line(f"{ctx.indication.name}: {ctx.area_names}"),
        keywords=[f"{KEYWORD_PREFIX}{fp}", "mesodesk-consultation/1", "mesotherapy",
                  "consent"],
        creator=creator(catalogue),
        producer=f"mesodesk {__version__}",
        lang="en",  # the catalogue, and so every word printed, is English
    )
    log.debug("built a pack of %d bytes", len(pdf))
    return attach(pdf, canonical_json(consultation))
