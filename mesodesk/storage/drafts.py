"""The drafts repository: unfinished consultations, saved as they are typed
(any JSON object, however partial), and new versions of signed ones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from mesodesk.storage.records import Draft, DraftSummary, StoreError
from mesodesk.storage.schema import clean, consultations, new_id
from mesodesk.storage.search import search_key


def _iso_date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def patient_fields(data: Any) -> tuple[str, dt.date | None, dt.date | None]:
    """(name, date of birth, consultation date) read leniently from a partial draft."""
    name, dob, date = "", None, None
    if isinstance(data, dict):
        patient = data.get("patient")
        if isinstance(patient, dict):
            if isinstance(patient.get("name"), str):
                name = clean(patient["name"]).strip()
            dob = _iso_date(patient.get("date_of_birth"))
        date = _iso_date(data.get("date"))
    return name, dob, date


def _listed(data: dict[str, Any], step: str, practitioner: str) -> dict[str, Any]:
    """The columns a draft is listed and found by."""
    name, dob, date = patient_fields(data)
    return {"step": clean(step), "patient_name": name, "patient_key": search_key(name),
            "patient_dob": dob, "consultation_date": date, "practitioner": clean(practitioner)}


class DraftRepository:
    """Drafts in one transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def state(self, consultation_id: str) -> Any:
        """(state, supersedes, patient_id) of a consultation, or None."""
        return self.conn.execute(_STATE, {"cid": consultation_id}).first()

    def save(self, draft_id: str | None, data: dict[str, Any], step: str, practitioner: str,
             now: dt.datetime, patient_id: str | None) -> tuple[str, bool]:
        """Insert or update; returns (id, whether it was created)."""
        if not isinstance(data, dict):
            raise StoreError("a draft must be a JSON object")
        try:
            data_text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"the draft cannot be saved as JSON ({exc})") from None
        values = {**_listed(data, step, practitioner), "data": data_text, "updated_at": now}
        if patient_id is not None:
            values["patient_id"] = patient_id
        if draft_id is not None:
            row = self.state(draft_id)
            if row is not None and row.state == "signed":
                raise StoreError("this consultation is signed and cannot be changed; "
                                 "start a new version")
            if row is not None:
                statement = _UPDATE if patient_id is None else _UPDATE_WITH_PATIENT
                self.conn.execute(statement, {"draft_id": draft_id, **values})
                return draft_id, False
        new = draft_id or new_id()
        self.conn.execute(insert(consultations).values(id=new, state="draft", created_at=now,
                                                       **values))
        return new, True

    def list(self) -> list[DraftSummary]:
        c = consultations.c
        rows = self.conn.execute(
            select(c.id, c.patient_name, c.updated_at, c.step, c.supersedes, c.patient_id)
            .where(c.state == "draft").order_by(c.updated_at.desc(), c.id)).all()
        return [DraftSummary(r.id, r.patient_name, r.updated_at, r.step, r.supersedes,
                             r.patient_id) for r in rows]

    def load(self, draft_id: str) -> Draft:
        c = consultations.c
        row = self.conn.execute(
            select(c.state, c.data, c.step, c.updated_at, c.supersedes, c.patient_id)
            .where(c.id == draft_id)).first()
        if row is None:
            raise StoreError(f"there is no draft {draft_id}")
        if row.state != "draft":
            raise StoreError(f"consultation {draft_id} is signed, not a draft")
        return Draft(draft_id, json.loads(row.data or "{}"), row.step, row.updated_at,
                     row.supersedes, row.patient_id)

    def discard(self, draft_id: str) -> bool:
        result = self.conn.execute(delete(consultations).where(
            consultations.c.id == draft_id, consultations.c.state == "draft"))
        return bool(result.rowcount)

    def new_version(self, consultation_id: str, practitioner: str, now: dt.datetime) -> str:
        """A draft copied from a signed consultation, naming it as its predecessor and
        linked to the same patient; its signatures are cleared."""
        c = consultations.c
        row = self.conn.execute(select(c.state, c.canonical_json, c.patient_id)
                                .where(c.id == consultation_id)).first()
        if row is None or row.state != "signed":
            raise StoreError(f"there is no signed consultation {consultation_id}")
        data = json.loads(bytes(row.canonical_json).decode("utf-8"))
        consent = data.get("consent")
        if isinstance(consent, dict):
            consent["signatures"] = []
        new = new_id()
        self.conn.execute(insert(consultations).values(
            id=new, patient_id=row.patient_id, state="draft", **_listed(data, "", practitioner),
            data=json.dumps(data, ensure_ascii=False), supersedes=consultation_id,
            created_at=now, updated_at=now))
        return new


# Built once: the draft is saved every few seconds while it is typed.
_STATE = (select(consultations.c.state, consultations.c.supersedes, consultations.c.patient_id)
          .where(consultations.c.id == bindparam("cid")))
_SAVED = ("step", "patient_name", "patient_key", "patient_dob", "consultation_date",
          "practitioner", "data", "updated_at")
_UPDATE = (update(consultations)
           .where(consultations.c.id == bindparam("draft_id"), consultations.c.state == "draft")
           .values({name: bindparam(name, type_=consultations.c[name].type) for name in _SAVED}))
_UPDATE_WITH_PATIENT = _UPDATE.values(patient_id=bindparam("patient_id"))
