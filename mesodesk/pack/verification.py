"""``verify_pack``: is this PDF a pack, and can it be proved unaltered?

The answer does not depend on the program version that made the pack:

- **altered** (exit 1) when the evidence inside the file disagrees with itself:
  the embedded consultation does not match the fingerprint the metadata and
  every page state, a page does not carry it (an added page), the seal is
  broken, or bytes were added after the seal (an incremental update);
- **proved** (exit 0) by the first of: an intact seal over the whole file made
  with a trusted certificate (this installation's, or one given), the exact
  bytes of a signed record in the records database, or a byte-identical
  rebuild by this version from the embedded consultation;
- **cannot prove** (exit 3) otherwise: an unsealed pack from another version
  (or catalogue) with no record here, or a seal by a certificate not known here;
- not a pack (:class:`NotAPack`, exit 2).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from pypdf import PdfReader

from mesodesk.catalogue.model import Catalogue
from mesodesk.domain.codec import ConsultationError, canonical_json, loads
from mesodesk.domain.model import FORMAT, Consultation
from mesodesk.pack.builder import KEYWORD_PREFIX, build_pack, creator
from mesodesk.pack.embed import NotAPack, open_pdf, read_attachment
from mesodesk.pack.flow import PackError
from mesodesk.pack.seal import FIELD_NAME
from mesodesk.pack.styles import PAPERS

log = logging.getLogger(__name__)
# pyHanko logs its diff analysis of a tampered file with tracebacks; the verdict
# here names the problem in one sentence instead.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)

PROVED, ALTERED, UNPROVED = 0, 1, 3

#: (consultation, stated fingerprint) -> [(record id, exact PDF bytes), ...]
RecordLookup = Callable[[Consultation, str], Iterable[tuple[str, bytes]]]


@dataclass(frozen=True)
class VerifyResult:
    """``code``: 0 proved unaltered, 1 altered, 3 cannot prove. ``sentence`` says
    how it was proved or why not; ``problems`` names each sign of alteration."""

    code: int
    fingerprint: str = ""
    pages: int = 0
    problems: tuple[str, ...] = field(default=())
    sentence: str = ""

    @property
    def ok(self) -> bool:
        return self.code == PROVED


@dataclass(frozen=True)
class SealCheck:
    """What the seal shows. ``problem`` is set when the seal shows alteration."""

    present: bool
    intact: bool = False
    trusted: bool = False
    subject: str = ""
    certificate_sha256: str = ""
    problem: str = ""


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


def _canonical_form(data: bytes) -> bool:
    """Whether ``data`` is canonical JSON (sorted keys, no spaces), whatever
    format version it holds: the form every pack embeds."""
    try:
        parsed = json.loads(data)
    except ValueError:
        return False
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8") == data


def check_seal(pdf: bytes, trusted: Sequence[bytes] = ()) -> SealCheck:
    """The seal's state, validated by pyHanko. ``trusted``: DER certificates
    whose seal proves the pack (this installation's, or a clinic's published one)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from asn1crypto import x509 as asn1_x509

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises many kinds on a damaged file
        log.debug("signatures unreadable: %s", exc)
        if FIELD_NAME.encode() in pdf:
            return SealCheck(True, problem="the seal cannot be read: the file was damaged")
        return SealCheck(False)
    if not signatures:
        if FIELD_NAME.encode() in pdf:
            return SealCheck(True, problem="the seal was removed or damaged")
        return SealCheck(False)
    seal = signatures[-1]
    try:
        roots = [asn1_x509.Certificate.load(der) for der in trusted]
        context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                    revocation_mode="soft-fail")
        status = validate_pdf_signature(seal, signer_validation_context=context)
        cert = status.signing_cert
        names = cert.subject.native
        subject = str(names.get("common_name") or cert.subject.human_friendly)
        sha = hashlib.sha256(cert.dump()).hexdigest()
    except Exception as exc:  # a damaged signature container
        log.debug("seal unreadable: %s", exc)
        return SealCheck(True, problem="the seal is damaged and can no longer be checked")
    trusted_here = sha in {hashlib.sha256(der).hexdigest() for der in trusted}
    check = SealCheck(True, status.intact and status.valid, trusted_here, subject, sha)
    if not (status.intact and status.valid):
        return _with(check, "the seal is broken: the bytes it covers were changed after "
                            "sealing")
    if len(signatures) > 1:
        return _with(check, "a second signature was added after the seal")
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return _with(check, "bytes were added after the seal (an incremental update or "
                            "appended data)")
    return check


def _with(check: SealCheck, problem: str) -> SealCheck:
    return SealCheck(check.present, check.intact, check.trusted, check.subject,
                     check.certificate_sha256, problem)


def installation_trust() -> list[bytes]:
    """This installation's own seal certificate (DER), when it has a key."""
    from mesodesk.pack.seal import SealError, installation_key

    try:
        key = installation_key(create=False)
    except SealError as exc:
        log.warning("this installation's seal certificate cannot be read: %s", exc)
        return []
    return [key.certificate_der] if key is not None else []


def verify_pack(pdf: bytes, catalogue: Catalogue, *, trusted: Sequence[bytes] | None = None,
                records: RecordLookup | None = None) -> VerifyResult:
    """Whether ``pdf`` is proved unaltered (see the module's description).
    ``trusted``: DER certificates whose seal proves a pack; None means this
    installation's own. ``records``: finds signed records' exact bytes.
    Raises NotAPack when it is not a PDF or carries no consultation."""
    if trusted is None:
        trusted = installation_trust()
    try:
        reader = open_pdf(pdf)
    except NotAPack:
        if pdf.lstrip()[:5] == b"%PDF-" and FIELD_NAME.encode() in pdf:
            return VerifyResult(ALTERED, problems=(
                "it was damaged: the sealed pack no longer reads as a PDF",))
        raise
    data = read_attachment(reader)
    if data is None:
        raise NotAPack("not a mesodesk pack: it carries no embedded consultation")
    pages = len(reader.pages)
    stated = _stated_fingerprint(reader)
    fp = hashlib.sha256(data).hexdigest()
    problems: list[str] = []
    consultation: Consultation | None = None
    try:
        consultation = loads(data)
    except ConsultationError as exc:
        problems.append(f"the embedded consultation was altered and no longer reads "
                        f"({exc.sentence()})")
    else:
        current = _format_of(data) == FORMAT
        if not _canonical_form(data) or (current and canonical_json(consultation) != data):
            problems.append("the embedded consultation data was altered (it is no longer in "
                            "the exact form the pack was made from)")
    if stated is None:
        problems.append("the fingerprint in the PDF metadata is missing")
    elif stated != fp:
        problems.append("the embedded consultation data does not match the fingerprint "
                        "stated in the PDF metadata")
    texts = _page_texts(reader)
    unstamped = [str(i) for i, t in enumerate(texts, 1) if fp not in "".join(t.split())]
    if unstamped and stated == fp:
        problems.append(f"page{'s' if len(unstamped) > 1 else ''} {', '.join(unstamped)} "
                        f"do{'' if len(unstamped) > 1 else 'es'} not state the embedded "
                        "data's fingerprint (a page was added or changed)")
    elif unstamped:
        problems.append("the fingerprint stated on the pages does not match the embedded "
                        "consultation data")
    seal = check_seal(pdf, trusted)
    if seal.problem:
        problems.append(seal.problem)
    paper = _paper(reader)
    if paper is None:
        problems.append("the page size is neither A4 nor US Letter")

    if problems:
        if seal.problem and consultation is not None and paper is not None \
                and len(problems) == 1:
            problems.extend(_rebuild_differences(reader, consultation, catalogue, paper))
        return VerifyResult(ALTERED, fp, pages, tuple(problems))
    assert consultation is not None and paper is not None

    if seal.present and seal.trusted:
        return VerifyResult(PROVED, fp, pages, (), (
            f"its seal is intact over the whole file, made with the trusted certificate "
            f"of {seal.subject} (SHA-256 {seal.certificate_sha256[:16]}…)"))
    if records is not None:
        for record_id, stored in records(consultation, fp):
            if stored == pdf:
                return VerifyResult(PROVED, fp, pages, (), (
                    f"it is exactly the signed record {record_id} in the records database"))
    fresh: bytes | None = None
    if not seal.present and _format_of(data) == FORMAT:
        try:
            fresh = build_pack(consultation, catalogue, paper=paper, sealed=False)
        except PackError as exc:
            log.debug("rebuild failed: %s", exc)
        if fresh == pdf:
            return VerifyResult(PROVED, fp, pages, (), (
                "this version rebuilds it byte for byte from the consultation it embeds"))
    if seal.present:
        return VerifyResult(UNPROVED, fp, pages, (), (
            f"its seal is intact, but made with a certificate this installation does not "
            f"trust ({seal.subject}, SHA-256 {seal.certificate_sha256}); give that clinic's "
            "published certificate with --cert to prove it"))
    made_by = str((reader.metadata or {}).get("/Creator", "") or "")
    if fresh is not None and made_by == creator(catalogue):
        return VerifyResult(ALTERED, fp, pages, tuple(_explain(reader, open_pdf(fresh))))
    return VerifyResult(UNPROVED, fp, pages, (), (
        f"it carries no seal, this version ('{creator(catalogue)}') does not rebuild it "
        f"byte for byte (it was made by '{made_by or 'an unknown program'}' from a "
        f"{_format_of(data) or 'consultation'} file), and no signed record here holds "
        "these bytes"))


def _format_of(data: bytes) -> str:
    try:
        value = json.loads(data).get("format")
    except (ValueError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def _rebuild_differences(reader: PdfReader, consultation: Consultation,
                         catalogue: Catalogue, paper: str) -> list[str]:
    """What a broken seal's pack changed, when this version can rebuild it."""
    made_by = str((reader.metadata or {}).get("/Creator", "") or "")
    if made_by != creator(catalogue):
        return []
    try:
        fresh = build_pack(consultation, catalogue, paper=paper, sealed=False)
    except PackError:
        return []
    return [p for p in _explain(reader, open_pdf(fresh)) if "bytes differ" not in p]


def _explain(reader: PdfReader, fresh: PdfReader) -> list[str]:
    """Why the file differs from the rebuild, when the embedded data is intact."""
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
