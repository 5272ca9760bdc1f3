"""The signing repository: signed consultations (final once written), a
patient's history of versions, and recall by lot.

Signing stores the exact PDF, the fingerprint and the canonical JSON, links the
consultation to its patient (by id: see :mod:`mesodesk.storage.patients`), and
writes one row per product line into ``lots`` (trimmed, case-folded key,
indexed), all in the transaction that appends the 'signed' audit event.

Recall lists the *current* version of each signed consultation that used a lot:
when a signed consultation was changed, its new version (signed again) is the
record of what was done, so a lot corrected in a new version is recalled by
the new version only.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, bindparam, exists, func, insert, select, update

from mesodesk.domain import Consultation, canonical_json
from mesodesk.storage.chain import sha256_hex
from mesodesk.storage.patients import PatientRepository
from mesodesk.storage.records import (ConsultationSummary, RecallEntry, SignedConsultation,
                                      StoreError, VersionStatus)
from mesodesk.storage.schema import (clean, clinical_texts, consultation_texts, consultations,
                                     lots, new_id, patients)
from mesodesk.storage.search import lot_key, search_key


class SigningRepository:
    """Signed consultations in one transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def sign(self, draft_id: str | None, consultation: Consultation, pdf: bytes,
             fingerprint: str, practitioner: str, patient_id: str | None,
             now: dt.datetime, text: tuple[str, Any] | None = None
             ) -> tuple[str, dict[str, Any], list[str]]:
        """Store the signed consultation; returns (its id, the 'signed' event's detail,
        the patient details that changed)."""
        c = consultations.c
        consultation_id = draft_id or new_id()
        supersedes, existing = None, None
        if draft_id is not None:
            existing = self.conn.execute(select(c.state, c.supersedes, c.patient_id)
                                         .where(c.id == draft_id)).first()
            if existing is not None and existing.state == "signed":
                raise StoreError("this consultation is already signed; "
                                 "start a new version to change it")
            if existing is not None:
                supersedes = existing.supersedes
                patient_id = patient_id or existing.patient_id
        patient = consultation.patient
        people = PatientRepository(self.conn)
        if patient_id is not None:
            if not people.exists(patient_id):
                raise StoreError(f"there is no patient {patient_id}")
        else:
            patient_id = people.create(patient.name, patient.date_of_birth, patient.phone,
                                       patient.email, now, practitioner=practitioner)
        patient_name = clean(patient.name).strip()
        values = {"patient_id": patient_id, "state": "signed", "step": "",
                  "patient_name": patient_name, "patient_key": search_key(patient_name),
                  "patient_dob": patient.date_of_birth, "consultation_date": consultation.date,
                  "data": None, "canonical_json": canonical_json(consultation),
                  "pdf": bytes(pdf), "fingerprint": fingerprint,
                  "practitioner": clean(practitioner), "updated_at": now, "signed_at": now}
        if existing is not None:
            self.conn.execute(update(consultations)
                              .where(c.id == draft_id, c.state == "draft").values(**values))
        else:
            self.conn.execute(insert(consultations).values(id=consultation_id, created_at=now,
                                                           **values))
        # after the row exists: the details' history names the consultation they came with
        changed = people.for_consultation(patient_id, patient.name, patient.date_of_birth,
                                          patient.phone, patient.email, now, practitioner,
                                          consultation_id)
        rows = [{"consultation_id": consultation_id, "position": i, "product_id": p.id,
                 "lot": clean(p.lot).strip(), "lot_key": lot_key(p.lot),
                 "patient_id": patient_id, "consultation_date": consultation.date,
                 "signed_at": now, "practitioner": clean(practitioner)}
                for i, p in enumerate(consultation.products) if lot_key(p.lot)]
        if rows:
            self.conn.execute(insert(lots), rows)
        if text is not None:
            self._keep_text(consultation_id, *text)
        detail: dict[str, Any] = {"fingerprint": fingerprint, "pdf_sha256": sha256_hex(bytes(pdf))}
        if supersedes:
            detail["supersedes"] = supersedes
        return consultation_id, detail, changed

    def _keep_text(self, consultation_id: str, version: str, texts: Any) -> None:
        """Keep the clinical text the pack gave (once per version)."""
        if not isinstance(version, str) or not version or not isinstance(texts, dict):
            raise StoreError("the clinical text of a pack must be a version and its texts")
        known = self.conn.execute(select(clinical_texts.c.version)
                                  .where(clinical_texts.c.version == version)).first()
        if known is None:
            body = json.dumps({clean(k): clean(v) for k, v in texts.items()},
                              ensure_ascii=False, sort_keys=True)
            self.conn.execute(insert(clinical_texts).values(version=version, texts=body))
        self.conn.execute(insert(consultation_texts).values(consultation_id=consultation_id,
                                                            version=version))

    def clinical_text(self, consultation_id: str) -> tuple[str, dict[str, str]] | None:
        """The version and texts the signed pack gave, or None when the record
        kept none (signed before records version 6)."""
        row = self.conn.execute(
            select(clinical_texts.c.version, clinical_texts.c.texts)
            .select_from(consultation_texts.join(
                clinical_texts, clinical_texts.c.version == consultation_texts.c.version))
            .where(consultation_texts.c.consultation_id == consultation_id)).first()
        if row is None:
            return None
        return row.version, json.loads(row.texts)

    def signed(self, consultation_id: str) -> SignedConsultation:
        c = consultations.c
        row = self.conn.execute(
            select(c.patient_id, c.canonical_json, c.pdf, c.fingerprint, c.practitioner,
                   c.signed_at, c.supersedes)
            .where(c.id == consultation_id, c.state == "signed")).first()
        if row is None:
            raise StoreError(f"there is no signed consultation {consultation_id}")
        return SignedConsultation(consultation_id, row.patient_id, bytes(row.canonical_json),
                                  bytes(row.pdf), row.fingerprint, row.practitioner,
                                  row.signed_at, row.supersedes)

    def status(self, consultation_id: str) -> VersionStatus:
        """The signed consultation's place among its versions: the newer version
        replacing it, the newest one, and whether consent was withdrawn in it or
        in a later version."""
        c = consultations.c
        seen: list[str] = []
        current, withdrawn_at, withdrawn_in = consultation_id, None, None
        first_newer: str | None = None
        while current not in seen:
            row = self.conn.execute(select(c.canonical_json, _SUPERSEDED_BY)
                                    .where(c.id == current, c.state == "signed")).first()
            if row is None:
                if not seen:
                    raise StoreError(f"there is no signed consultation {consultation_id}")
                break
            seen.append(current)
            if withdrawn_at is None:
                withdrawn_at = _withdrawn_at(row.canonical_json)
                withdrawn_in = current if withdrawn_at is not None else None
            if len(seen) == 1:
                first_newer = row.superseded_by
            if row.superseded_by is None:
                break
            current = row.superseded_by
        return VersionStatus(consultation_id, first_newer, current, withdrawn_at, withdrawn_in)

    def history(self, patient_id: str) -> list[ConsultationSummary]:
        """The patient's signed versions and the drafts started for them, newest first."""
        PatientRepository(self.conn).get(patient_id)
        c = consultations.c
        rows = self.conn.execute(
            select(c.id, c.state, c.consultation_date, c.updated_at, c.step, c.fingerprint,
                   c.supersedes, _SUPERSEDED_BY, c.data, c.canonical_json)
            .where(c.patient_id == patient_id)
            .order_by(c.updated_at.desc(), c.id)).all()
        return [ConsultationSummary(r.id, r.state, r.consultation_date, r.updated_at, r.step,
                                    r.fingerprint or "", r.supersedes, r.superseded_by,
                                    **_outline(r.canonical_json if r.state == "signed"
                                               else r.data))
                for r in rows]

    def recall(self, lot: str) -> list[RecallEntry]:
        """Every current signed consultation in which ``lot`` was used (matched
        trimmed and case-insensitively), oldest consultation first."""
        key = lot_key(lot)
        if not key:
            raise StoreError("give a lot number to recall")
        rows = self.conn.execute(_RECALL, {"key": key}).all()
        return [RecallEntry(r.lot, r.product_id, r.id, r.consultation_date, r.signed_at,
                            r.practitioner, r.patient_id, r.name, r.date_of_birth, r.phone,
                            r.email) for r in rows]


def _withdrawn_at(raw: Any) -> str | None:
    try:
        data = json.loads(bytes(raw).decode("utf-8"))
    except (ValueError, TypeError):
        return None
    consent = data.get("consent") if isinstance(data, dict) else None
    withdrawn = consent.get("withdrawn") if isinstance(consent, dict) else None
    return str(withdrawn.get("at") or "") or None if isinstance(withdrawn, dict) else None


def _outline(raw: Any) -> dict[str, Any]:
    """What a history row shows of a consultation's JSON (read leniently: a
    draft may hold anything)."""
    try:
        data = json.loads(bytes(raw).decode("utf-8") if isinstance(raw, (bytes, bytearray,
                                                                        memoryview))
                          else raw or "{}")
    except (ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    products = data.get("products") if isinstance(data.get("products"), list) else []
    delivery = data.get("delivery") if isinstance(data.get("delivery"), dict) else {}
    consent = data.get("consent") if isinstance(data.get("consent"), dict) else {}
    return {"indication": str(data.get("indication") or ""),
            "products": tuple(str(p["id"]) for p in products
                              if isinstance(p, dict) and isinstance(p.get("id"), str)),
            "technique": str(delivery.get("technique") or ""),
            "withdrawn": bool(consent.get("withdrawn"))}


# Built once: building a statement with an alias costs milliseconds per call.
_NEWER = consultations.alias("newer")
_C = consultations.c

_SUPERSEDED_BY = (select(func.min(_NEWER.c.id))
                  .where(_NEWER.c.supersedes == _C.id, _NEWER.c.state == "signed")
                  .scalar_subquery().label("superseded_by"))

# Reads the lots index, the lots rows and the patients only: a consultation's row
# holds its PDF before the columns a recall shows, and SQLite would walk through
# it for each; so the lots row carries what is shown.
_RECALL = (
    select(lots.c.lot, lots.c.product_id, lots.c.consultation_id.label("id"),
           lots.c.consultation_date, lots.c.signed_at, lots.c.practitioner,
           lots.c.patient_id, patients.c.name, patients.c.date_of_birth, patients.c.phone,
           patients.c.email)
    .select_from(lots.join(patients, patients.c.id == lots.c.patient_id))
    .where(lots.c.lot_key == bindparam("key"),
           ~exists().where(_NEWER.c.supersedes == lots.c.consultation_id,
                           _NEWER.c.state == "signed"))
    .order_by(lots.c.consultation_date, lots.c.signed_at, lots.c.consultation_id,
              lots.c.position))
