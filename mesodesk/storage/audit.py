"""The audit repository: an append-only, hash-chained trail of what was done.

The trail records acts (signed, printed, exported...), who did them and about
which consultation, by id. It holds **no patient data**: an event's detail may
not carry a field that describes a patient (name, date of birth, phone, email,
address, a file name or path, which is usually named after the patient), nor
any text containing the name of the patient of the consultation it is about.
:func:`check_detail` refuses such a detail with a sentence, before anything is
written. Who the patient was is found through the consultation id, in the
records, where access and retention are governed as patient records.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from mesodesk.storage.chain import GENESIS, canonical_detail, event_hash, verify_trail
from mesodesk.storage.clock import format_time
from mesodesk.storage.records import EVENT_KINDS, AuditEvent, ChainReport, StoreError
from mesodesk.storage.schema import audit_events, clean, consultations, patients
from mesodesk.storage.search import search_key

# Keys (compared case-insensitively, "-" and " " read as "_") that describe a
# patient, or a file named after one.
PATIENT_FIELDS = frozenset({
    "patient", "patient_name", "name", "full_name", "first_name", "last_name", "surname",
    "given_name", "family_name", "date_of_birth", "dob", "birth_date", "birthdate", "born",
    "age", "phone", "telephone", "mobile", "email", "e_mail", "address", "postcode",
    "zip", "nhs_number", "file", "filename", "file_name", "path", "filepath", "file_path",
    "basename",
})


def _key(name: object) -> str:
    text = unicodedata.normalize("NFKC", str(name)).casefold().strip()
    return text.replace("-", "_").replace(" ", "_")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def check_detail(detail: dict[str, Any] | None, patient_names: Iterable[str] = ()) -> None:
    """Refuse a detail that carries patient data (see the module's docstring)."""
    if not detail:
        return

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if _key(k) in PATIENT_FIELDS:
                    raise StoreError(f"an audit event cannot carry {str(k)!r}: the audit "
                                     "trail holds no patient data")
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(detail)
    names = {key for key in (search_key(clean(n)) for n in patient_names) if key}
    if not names:
        return
    for text in _strings(detail):
        padded = f" {search_key(clean(text))} "
        if any(f" {name} " in padded for name in names):
            raise StoreError("an audit event cannot carry the patient's name: the audit "
                             "trail holds no patient data")


class AuditRepository:
    """The audit trail in one write transaction (``conn``); SQLite and PostgreSQL
    writers are serialised by the store, so the last hash cannot change under us."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def append(self, kind: str, practitioner: str, consultation_id: str | None,
               detail: dict[str, Any] | None, now: dt.datetime) -> None:
        if kind not in EVENT_KINDS:
            raise StoreError(f"unknown audit event {kind!r} "
                             f"(expected one of: {', '.join(EVENT_KINDS)})")
        if detail is not None and not isinstance(detail, dict):
            raise StoreError("an audit event's detail must be a JSON object")
        consultation_id = None if consultation_id is None else clean(consultation_id)
        check_detail(detail, self._patient_names(consultation_id))
        last = self.conn.execute(_LAST).first()
        seq, prev = (int(last.seq) + 1, last.hash) if last else (1, GENESIS)
        practitioner = clean(practitioner)
        time, detail_text = format_time(now), canonical_detail(detail)
        digest = event_hash(seq, time, kind, practitioner, consultation_id, detail_text, prev)
        self.conn.execute(insert(audit_events), {
            "seq": seq, "time": time, "kind": kind, "practitioner": practitioner,
            "consultation_id": consultation_id, "detail": detail_text, "prev_hash": prev,
            "hash": digest})

    def _patient_names(self, consultation_id: str | None) -> list[str]:
        """The names of the patient of ``consultation_id``: as in the consultation and
        as in the patient's record."""
        if consultation_id is None:
            return []
        row = self.conn.execute(_NAMES, {"cid": consultation_id}).first()
        return [] if row is None else [n for n in row if n]

    def events(self, consultation_id: str | None = None) -> list[AuditEvent]:
        stmt = select(audit_events).order_by(audit_events.c.seq)
        if consultation_id is not None:
            stmt = stmt.where(audit_events.c.consultation_id == consultation_id)
        return [_event(r) for r in self.conn.execute(stmt)]

    def verify(self) -> ChainReport:
        """The chain, and every signed consultation against its 'signed' event."""
        events = self.conn.execute(select(audit_events).order_by(audit_events.c.seq)).all()
        signed = self.conn.execution_options(stream_results=True, yield_per=50).execute(
            select(consultations.c.id, consultations.c.fingerprint,
                   consultations.c.canonical_json, consultations.c.pdf)
            .where(consultations.c.state == "signed")
            .order_by(consultations.c.signed_at, consultations.c.id))
        return verify_trail((_event(r) for r in events), (tuple(r) for r in signed))


# Built once: every event runs these.
_LAST = select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()) \
    .limit(1)
_NAMES = (select(consultations.c.patient_name, patients.c.name)
          .select_from(consultations.outerjoin(patients,
                                               patients.c.id == consultations.c.patient_id))
          .where(consultations.c.id == bindparam("cid")))


def _event(r: Any) -> AuditEvent:
    return AuditEvent(int(r.seq), r.time, r.kind, r.practitioner, r.consultation_id, r.detail,
                      r.prev_hash, r.hash)
