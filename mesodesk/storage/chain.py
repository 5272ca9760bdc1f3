"""The audit trail's hash chain, as pure functions (no database here).

Each event stores ``prev_hash`` (the previous event's hash, or 64 zeros for the
first) and ``hash`` = SHA-256 over the canonical JSON of
``{seq, time, kind, practitioner, consultation_id, detail, prev_hash}`` with
sorted keys, no whitespace and UTF-8. ``detail`` is hashed as the exact stored
text, so changing one byte of any field, or removing, inserting or reordering
an event, breaks the chain at that event.

A chain alone cannot notice events cut from its end, so :func:`verify_trail`
also holds the signed consultations against their 'signed' events (fingerprint
and PDF SHA-256), in both directions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mesodesk.storage.records import AuditEvent, ChainReport

GENESIS = "0" * 64


def canonical_detail(detail: dict[str, Any] | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False, default=str)


def event_hash(seq: int, time: str, kind: str, practitioner: str,
               consultation_id: str | None, detail: str, prev_hash: str) -> str:
    payload = json.dumps(
        {"seq": seq, "time": time, "kind": kind, "practitioner": practitioner,
         "consultation_id": consultation_id, "detail": detail, "prev_hash": prev_hash},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def verify_chain(events: Iterable[AuditEvent]) -> ChainReport:
    """Check events in ``seq`` order; report the first broken link."""
    expected_seq, prev, count = 1, GENESIS, 0
    for ev in events:
        if ev.seq != expected_seq:
            if ev.seq > expected_seq:
                missing = (f"event {expected_seq} is missing" if ev.seq == expected_seq + 1
                           else f"events {expected_seq} to {ev.seq - 1} are missing")
                return ChainReport(count, expected_seq, f"{missing} (deleted?)")
            return ChainReport(count, ev.seq, f"out of order after event {expected_seq - 1}")
        if ev.prev_hash != prev:
            return ChainReport(count, ev.seq,
                               "does not follow the previous event (prev_hash differs)")
        recomputed = event_hash(ev.seq, ev.time, ev.kind, ev.practitioner, ev.consultation_id,
                                ev.detail, ev.prev_hash)
        if recomputed != ev.hash:
            return ChainReport(count, ev.seq, "was altered after it was written (hash differs)")
        prev, expected_seq, count = ev.hash, expected_seq + 1, count + 1
    return ChainReport(count)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class _SignedEvent:
    seq: int
    fingerprint: str
    pdf_sha256: str


def _signed_event(ev: AuditEvent) -> _SignedEvent:
    try:
        detail = json.loads(ev.detail)
    except ValueError:
        detail = {}
    if not isinstance(detail, dict):
        detail = {}
    return _SignedEvent(ev.seq, str(detail.get("fingerprint", "")),
                        str(detail.get("pdf_sha256", "")))


def verify_trail(events: Iterable[AuditEvent],
                 signed: Iterable[tuple[str, str, bytes, bytes]]) -> ChainReport:
    """The chain, then the signed consultations against it. ``signed`` yields
    (id, fingerprint, canonical JSON, PDF) for every signed row. Each must have
    its 'signed' event with that fingerprint (this catches events cut from the
    end, which a hash chain alone cannot notice); its canonical JSON must still
    hash to the fingerprint and its PDF to the event's ``pdf_sha256``; and every
    'signed' event must still have its row."""
    certified: dict[str, _SignedEvent] = {}
    last = 0

    def watch(items: Iterable[AuditEvent]) -> Iterable[AuditEvent]:
        nonlocal last
        for ev in items:
            last = ev.seq
            if ev.kind == "signed" and ev.consultation_id:
                certified[ev.consultation_id] = _signed_event(ev)
            yield ev

    report = verify_chain(watch(events))
    if not report.ok:
        return report
    n = report.events
    present: set[str] = set()
    for consultation_id, fingerprint, canonical, pdf in signed:
        present.add(consultation_id)
        ev = certified.get(consultation_id)
        if ev is None or ev.fingerprint != fingerprint:
            return ChainReport(n, last + 1,
                               f"missing: consultation {consultation_id} is signed but the "
                               "trail has no matching 'signed' event (events removed from "
                               "the end, or a row written around mesodesk?)")
        if sha256_hex(bytes(canonical)) != fingerprint:
            return ChainReport(n, ev.seq, f"the signed consultation {consultation_id} no "
                                          "longer matches its fingerprint (it was altered)")
        if ev.pdf_sha256 and sha256_hex(bytes(pdf)) != ev.pdf_sha256:
            return ChainReport(n, ev.seq, f"the signed PDF of consultation {consultation_id} "
                                          "was altered")
    for consultation_id, ev in sorted(certified.items(), key=lambda item: item[1].seq):
        if consultation_id not in present:
            return ChainReport(n, ev.seq, f"consultation {consultation_id} was signed but is "
                                          "no longer in the records (deleted?)")
    return report
