"""``mesodesk verify PACK.pdf``: can the pack be proved unaltered?

Exit 0 proved (an intact seal over the whole file by a trusted certificate,
the exact bytes of a signed record in the records database, or a byte-identical
rebuild by this version), 1 altered, 2 not a pack, 3 cannot prove either way.
Each answer is one sentence.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from mesodesk.catalogue import CatalogueError, default_catalogue
from mesodesk.commands.common import fail

MAX_PACK_BYTES = 200 * 1024 * 1024
MAX_CERT_BYTES = 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pack", metavar="PACK.pdf", help="a pack made by mesodesk")
    parser.add_argument("--cert", metavar="CERT.pem", action="append", default=[],
                        help="also trust seals made with this certificate (a clinic's "
                             "published seal certificate); may be given more than once")
    parser.add_argument("--database", metavar="URL",
                        help="the records database to look the pack up in (default: "
                             "MESODESK_DATABASE_URL, else the records in the data folder)")


def _certificates(paths: list[str]) -> list[bytes] | str:
    """DER certificates from PEM or DER files, or the one sentence naming a bad one."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    out = []
    for name in paths:
        path = Path(name)
        try:
            raw = path.read_bytes()[:MAX_CERT_BYTES]
        except OSError as exc:
            return f"{path}: cannot be read ({exc.strerror or exc})"
        try:
            certs = (x509.load_pem_x509_certificates(raw) if b"-----BEGIN" in raw
                     else [x509.load_der_x509_certificate(raw)])
        except ValueError:
            return f"{path}: not a certificate (expected PEM or DER)"
        out += [c.public_bytes(Encoding.DER) for c in certs]
    return out


def _record_lookup(database: str | None):
    """A lookup of signed records' exact bytes, or None when there are no records
    here (no database yet, or it cannot be opened: then records prove nothing)."""
    from mesodesk.storage import StoreError, open_store

    try:
        store = open_store(database, upgrade=False)
    except StoreError:
        return None, None

    def lookup(consultation, fingerprint: str) -> Iterator[tuple[str, bytes]]:
        # Every signed record of this patient: a record signed by an earlier
        # version may state its fingerprint in that version's format.
        patient = consultation.patient
        try:
            for person in store.search_patients(patient.name, limit=50):
                if person.date_of_birth not in (None, patient.date_of_birth):
                    continue
                for row in store.consultations_for(person.id):
                    if row.state == "signed":
                        yield row.id, store.signed(row.id).pdf
        except StoreError:
            return

    return lookup, store


def run(args: argparse.Namespace) -> int:
    path = Path(args.pack)
    try:
        if path.is_dir():
            return fail(f"{path}: is a folder, not a pack")
        with path.open("rb") as fh:
            data = fh.read(MAX_PACK_BYTES + 1)
    except FileNotFoundError:
        return fail(f"{path}: no such file")
    except OSError as exc:
        return fail(f"{path}: cannot be read ({exc.strerror or exc})")
    if len(data) > MAX_PACK_BYTES:
        return fail(f"{path}: is larger than 200 MB, not a pack")
    try:
        catalogue = default_catalogue()
    except CatalogueError as exc:
        return fail(str(exc))
    extra = _certificates(args.cert)
    if isinstance(extra, str):
        return fail(extra)
    from mesodesk.pack import NotAPack, verify_pack
    from mesodesk.pack.verification import ALTERED, PROVED, installation_trust

    lookup, store = _record_lookup(args.database)
    try:
        result = verify_pack(data, catalogue, trusted=installation_trust() + extra,
                             records=lookup)
    except NotAPack as exc:
        return fail(f"{path}: {exc}")
    finally:
        if store is not None:
            store.close()
    if result.code == PROVED:
        print(f"{path}: unaltered, proved: {result.sentence} "
              f"({result.pages} pages, fingerprint {result.fingerprint}).")
        return 0
    if result.code == ALTERED:
        return fail(f"{path}: altered: " + "; ".join(result.problems) + ".", 1)
    return fail(f"{path}: cannot prove it unaltered: {result.sentence}.", 3)
