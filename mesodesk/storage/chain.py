"""The audit trail's hash chain, as pure functions (no database here).

Each event stores ``prev_hash`` (the previous event's hash, or 64 zeros for the
first) and ``hash`` = SHA-256 over the canonical JSON of
``{seq, time, kind, practitioner, consultation_id, detail, prev_hash}`` with
sorted keys, no whitespace and UTF-8. ``detail`` is hashed as the exact stored
text, so changing one byte of any field, or removing, inserting or reordering
an event, breaks the chain at that event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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


def verify_trail(events: Iterable[AuditEvent],
                 signed: Iterable[tuple[str, str]]) -> ChainReport:
    """The chain, and then that every signed consultation (id, fingerprint) has
    its 'signed' event with that fingerprint. The second check catches events
    cut from the end of the trail, which a hash chain alone cannot notice."""
    seen: dict[str, set[str]] = {}
    last = 0

    def watch(items: Iterable[AuditEvent]) -> Iterable[AuditEvent]:
        nonlocal last
        for ev in items:
            last = ev.seq
            if ev.kind == "signed" and ev.consultation_id:
                try:
                    fp = json.loads(ev.detail).get("fingerprint", "")
                except (ValueError, AttributeError):
                    fp = ""
                seen.setdefault(ev.consultation_id, set()).add(str(fp))
            yield ev

    report = verify_chain(watch(events))
    if not report.ok:
        return report
    for consultation_id, fingerprint in signed:
        if fingerprint not in seen.get(consultation_id, set()):
            return ChainReport(report.events, last + 1,
                               f"missing: consultation {consultation_id} is signed but the "
                               "trail has no matching 'signed' event (events removed from "
                               "the end, or a row written around mesodesk?)")
    return report
