"""Work on signed records that the faces run off their GUI thread: a FHIR
Bundle of a signed record, recall by lot. Each function takes a store (any
object with the :class:`~mesodesk.storage.Store` methods, e.g. the window's
helper-process store) and values only; no Qt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue


@dataclass(frozen=True)
class FhirExport:
    resources: int
    consent_status: str          # "active", or "inactive" once consent was withdrawn
    pdf_sha256: str              # the pack the Bundle describes (for the audit trail)


def export_fhir(store: Any, catalogue: Catalogue, consultation_id: str,
                path: str | os.PathLike[str]) -> FhirExport:
    """Write the FHIR R4 Bundle of a signed record (its stored pack attached by
    size and hash) to ``path``, atomically. A record whose consent was withdrawn
    in a later version is exported as that version (status ``inactive``): a
    Bundle never shows withdrawn consent as active."""
    import hashlib

    from mesodesk.domain import loads
    from mesodesk.fhir.bundle import write_bundle

    status = store.status(consultation_id)
    which = status.withdrawn_in if status.withdrawn else consultation_id
    signed = store.signed(which)
    consultation = loads(signed.canonical_json)
    bundle = write_bundle(path, consultation, catalogue, pack=signed.pdf)
    consent = next(e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Consent")
    return FhirExport(len(bundle["entry"]), str(consent.get("status", "")),
                      hashlib.sha256(signed.pdf).hexdigest())


def recall(store: Any, lot: str) -> list[Any]:
    """Every patient and current signed consultation that received ``lot``;
    an empty or blank lot finds nothing (no error)."""
    if not lot.strip():
        return []
    return list(store.recall(lot))
