"""Records: patients, crash-proof drafts, immutable signed consultations and a
hash-chained audit trail, on SQLite (default) or PostgreSQL. No Qt here.

``from mesodesk.storage import open_store, Store, StoreError`` does not load
SQLAlchemy; the first ``open_store()`` call does.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from mesodesk.storage.records import (EVENT_KINDS, AuditEvent, ChainReport, ConsultationSummary,
                                      Draft, DraftSummary, PatientDetail, PatientSummary,
                                      RecallEntry, SignedConsultation, StoreError, VersionStatus)

if TYPE_CHECKING:
    from mesodesk.storage.store import Store


def open_store(url: str | os.PathLike[str] | None = None, *, upgrade: bool = True) -> "Store":
    """See :func:`mesodesk.storage.store.open_store`."""
    from mesodesk.storage.store import open_store as _open

    return _open(url, upgrade=upgrade)


def __getattr__(name: str) -> Any:
    if name == "Store":
        from mesodesk.storage.store import Store

        return Store
    raise AttributeError(name)


__all__ = ["EVENT_KINDS", "AuditEvent", "ChainReport", "ConsultationSummary", "Draft",
           "DraftSummary", "PatientDetail", "PatientSummary", "RecallEntry", "SignedConsultation",
           "Store", "StoreError", "VersionStatus", "open_store"]
