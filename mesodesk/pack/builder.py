"""``build_pack``: one consultation and the catalogue in, the PDF bytes out."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from typing import Any, Iterator

from mesodesk import __version__
from mesodesk.catalogue.model import Catalogue
from mesodesk.catalogue.references import check_references
from mesodesk.domain.codec import canonical_json, fingerprint
from mesodesk.domain.schema import Problem
from mesodesk.domain.model import Consultation
from mesodesk.pack import parts
from mesodesk.pack.document import Running, render
from mesodesk.pack.embed import attach
from mesodesk.pack.flow import PackError
from mesodesk.pack.fonts import missing_glyphs
from mesodesk.pack.seal import seal_pack
from mesodesk.pack.styles import PAPERS, geometry
from mesodesk.pack.text import clean, one_line
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


# Consultation fields that hold ids, codes or data rather than text to print.
_NOT_PRINTED_AS_TYPED = {"format", "language", "indication", "technique", "device", "id",
                         "rule", "acknowledged", "areas", "answers", "signed_at",
                         "image_png_base64", "strokes", "view"}


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every free-text string in a consultation record, with its JSON path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from _texts(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if f.name not in _NOT_PRINTED_AS_TYPED:
                yield from _texts(getattr(value, f.name), f"{path}.{f.name}" if path else f.name)


def check_printable(consultation: Consultation) -> None:
    """PackError naming the first field with characters the embedded font has
    no glyph for (Chinese, Japanese, some symbols): a signed document must not
    show empty boxes where the patient's words were."""
    for path, text in _texts(consultation, ""):
        missing = missing_glyphs(clean(text))
        if missing:
            shown = "".join(missing[:8]) + ("…" if len(missing) > 8 else "")
            raise PackError(f"{path}: has characters the pack's font cannot print ({shown}); "
                            "please retype it without them, e.g. in Latin letters")


def creator(catalogue: Catalogue) -> str:
    return f"mesodesk {__version__} (catalogue {catalogue_digest(catalogue)})"


def build_pack(consultation: Consultation, catalogue: Catalogue, *, paper: str = "a4",
               sealed: bool = True) -> bytes:
    """The complete pack as PDF bytes, sealed with this installation's key
    (:mod:`mesodesk.pack.seal`) unless ``sealed`` is false. Pure: the same
    consultation, catalogue, paper and key always give the same bytes. Raises
    PackError (one sentence) when the consultation holds something unprintable,
    such as a damaged signature, or the seal key cannot be used."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r} (use {' or '.join(PAPERS)})")
    others = {f"products[{i}].id" for i, use in enumerate(consultation.products)
              if use.id == parts.OTHER}
    problems = [p for p in check_references(consultation, catalogue) if p.path not in others]
    for i, use in enumerate(consultation.products):
        if use.id == parts.OTHER and not use.name.strip():
            problems.append(Problem(f"products[{i}].name",
                                    "a product outside the catalogue needs its name"))
    if problems:
        raise PackError(str(problems[0]))
    check_printable(consultation)
    fp = fingerprint(consultation)
    findings = sort_findings(evaluate(consultation, catalogue))
    ctx = parts.PackContext(consultation, catalogue, fp, findings, geometry(paper))
    # built in reading order, so sources are numbered in the order first cited
    flowables = parts.key_facts(ctx) + parts.information(ctx)
    flowables += parts.glossary(ctx, "\n".join(ctx.citations.texts))
    flowables += parts.consent(ctx) + parts.aftercare(ctx) + parts.record(ctx)
    flowables += parts.references(ctx)
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
        keywords=[f"{KEYWORD_PREFIX}{fp}", c.format, "mesotherapy",
                  "consent"],
        creator=creator(catalogue),
        producer=f"mesodesk {__version__}",
        lang="en",  # the catalogue, and so every word printed, is English
        sections=parts.SECTIONS,
    )
    log.debug("built a pack of %d bytes", len(pdf))
    pdf = attach(pdf, canonical_json(consultation))
    return seal_pack(pdf, consultation) if sealed else pdf
