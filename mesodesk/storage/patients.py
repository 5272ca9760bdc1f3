"""The patients repository: who a consultation is for.

Decisions (a practitioner relies on them):

- A patient is identified by their id, never by name and date of birth: two
  people may share both, and one person's name may change. A consultation is
  linked to a patient when the face that signs it says which one
  (``patient_id``), or when its draft was started for that patient; otherwise
  signing registers a new patient. :meth:`PatientRepository.same_details` lists
  existing patients with the same name and date of birth, so a face can ask
  "is this the same person?" before signing.
- Contact details are never overwritten silently. ``patients`` holds the
  current name, phone and email; ``patient_details`` holds every value each has
  had, with when it was recorded, by whom and with which signed consultation.
  A consultation that brings a different phone or email (or name) adds a value
  there, makes it current, and the audit trail gets a ``details-changed`` event
  naming the fields (never their values). A blank phone or email in a
  consultation means "not given" and leaves the stored one as it is; clearing
  one is an explicit :meth:`update`.
- A different date of birth is not a detail that changes: signing for a
  patient whose recorded date of birth differs is refused with a sentence
  (the wrong patient was probably chosen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Select, case, insert, select, update

from mesodesk.storage.records import PatientDetail, PatientSummary, StoreError
from mesodesk.storage.schema import clean, new_id, patient_details, patients
from mesodesk.storage.search import like_pattern, parse_query, search_key

DETAIL_FIELDS = ("name", "phone", "email")

_SUMMARY = (patients.c.id, patients.c.name, patients.c.date_of_birth, patients.c.phone,
            patients.c.email)


def _summary(row: Any) -> PatientSummary:
    return PatientSummary(row.id, row.name, row.date_of_birth, row.phone, row.email)


class PatientRepository:
    """Patients in one transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- reading -------------------------------------------------------------------------

    def get(self, patient_id: str) -> PatientSummary:
        row = self.conn.execute(select(*_SUMMARY).where(patients.c.id == patient_id)).first()
        if row is None:
            raise StoreError(f"there is no patient {patient_id}")
        return _summary(row)

    def exists(self, patient_id: str) -> bool:
        return self.conn.execute(
            select(patients.c.id).where(patients.c.id == patient_id)).first() is not None

    def same_details(self, name: str, date_of_birth: dt.date) -> list[PatientSummary]:
        """Patients registered with this name (as searched: case, accents and
        apostrophes ignored) and this date of birth, oldest first."""
        rows = self.conn.execute(
            select(*_SUMMARY)
            .where(patients.c.search_key == search_key(clean(name)),
                   patients.c.date_of_birth == date_of_birth)
            .order_by(patients.c.created_at, patients.c.id)).all()
        return [_summary(r) for r in rows]

    def search(self, query: str, limit: int, fence: bool) -> list[PatientSummary]:
        """Patients whose name contains every typed word, or born on the typed date
        or in the typed year. ``fence`` (PostgreSQL) finds the matches before
        ordering them (see :meth:`_search_statement`)."""
        q = parse_query(query)
        if q.empty:
            return []
        conditions = []
        if q.date_of_birth is not None:
            conditions.append(patients.c.date_of_birth == q.date_of_birth)
        elif q.year is not None:
            conditions.append(patients.c.date_of_birth.between(dt.date(q.year, 1, 1),
                                                               dt.date(q.year, 12, 31)))
        for word in q.words:
            conditions.append(patients.c.search_key.like(like_pattern(word), escape="\\"))
        found = select(*_SUMMARY, patients.c.search_key).where(*conditions)
        rows = self.conn.execute(
            self._search_statement(found, int(limit),
                                   fence and any(len(w) >= 3 for w in q.words))).all()
        return [_summary(r) for r in rows]

    @staticmethod
    def _search_statement(found: Select[Any], limit: int, fence: bool) -> Select[Any]:
        if not fence:
            # walking the search_key index in order stops after `limit` matches
            # (fast when matches are common, as they are for short words)
            return found.order_by(patients.c.search_key, patients.c.date_of_birth,
                                  patients.c.id).limit(limit)
        # OFFSET 0 fences the filter: PostgreSQL finds the matches first (through the
        # trigram index, which needs 3 letters) instead of walking the whole ordered
        # index when matches are rare
        sub = found.offset(0).subquery("found")
        return (select(sub.c.id, sub.c.name, sub.c.date_of_birth, sub.c.phone, sub.c.email)
                .order_by(sub.c.search_key, sub.c.date_of_birth, sub.c.id).limit(limit))

    def recent(self, limit: int) -> list[PatientSummary]:
        rows = self.conn.execute(select(*_SUMMARY)
                                 .order_by(patients.c.updated_at.desc(), patients.c.id)
                                 .limit(int(limit))).all()
        return [_summary(r) for r in rows]

    def details(self, patient_id: str) -> list[PatientDetail]:
        """Every value the patient's name, phone and email have had, oldest first."""
        self.get(patient_id)
        rows = self.conn.execute(
            select(patient_details.c.field, patient_details.c.value,
                   patient_details.c.recorded_at, patient_details.c.consultation_id,
                   patient_details.c.practitioner)
            .where(patient_details.c.patient_id == patient_id)
            .order_by(patient_details.c.recorded_at,
                      case({f: i for i, f in enumerate(DETAIL_FIELDS)},
                           value=patient_details.c.field),
                      patient_details.c.id)).all()
        return [PatientDetail(r.field, r.value, r.recorded_at, r.consultation_id,
                              r.practitioner) for r in rows]

    # -- writing -------------------------------------------------------------------------

    def create(self, name: str, date_of_birth: dt.date | None, phone: str, email: str,
               now: dt.datetime, *, practitioner: str = "",
               consultation_id: str | None = None) -> str:
        name, phone, email = clean(name).strip(), clean(phone).strip(), clean(email).strip()
        if not name:
            raise StoreError("a patient needs a name")
        patient_id = new_id()
        self.conn.execute(insert(patients).values(
            id=patient_id, name=name, search_key=search_key(name), date_of_birth=date_of_birth,
            phone=phone, email=email, created_at=now, updated_at=now))
        given = {"name": name, "phone": phone, "email": email}
        self._record(patient_id, {f: v for f, v in given.items() if v}, now, practitioner,
                     consultation_id)
        return patient_id

    def update(self, patient_id: str, now: dt.datetime, *, name: str | None = None,
               phone: str | None = None, email: str | None = None,
               practitioner: str = "", consultation_id: str | None = None) -> list[str]:
        """Make the given values current, keeping the previous ones in the patient's
        details; None leaves a field as it is, "" clears a phone or email. Returns
        the fields that changed (the patient counts as seen either way)."""
        current = self.get(patient_id)
        given = {"name": name, "phone": phone, "email": email}
        changes: dict[str, str] = {}
        for field, value in given.items():
            if value is None:
                continue
            value = clean(value).strip()
            if field == "name" and not value:
                raise StoreError("a patient needs a name")
            if value != getattr(current, field):
                changes[field] = value
        values: dict[str, Any] = {"updated_at": now, **changes}
        if "name" in changes:
            values["search_key"] = search_key(changes["name"])
        self.conn.execute(update(patients).where(patients.c.id == patient_id).values(**values))
        self._record(patient_id, changes, now, practitioner, consultation_id)
        return [f for f in DETAIL_FIELDS if f in changes]

    def for_consultation(self, patient_id: str, name: str, date_of_birth: dt.date, phone: str,
                         email: str, now: dt.datetime, practitioner: str,
                         consultation_id: str) -> list[str]:
        """Bring a known patient's details up to a signed consultation's: a new
        name, phone or email becomes current (the old ones kept); blanks leave
        the stored values. Returns the fields that changed."""
        current = self.get(patient_id)
        if current.date_of_birth is not None and current.date_of_birth != date_of_birth:
            raise StoreError(
                f"the consultation's date of birth ({date_of_birth.isoformat()}) differs from "
                f"the patient's record ({current.date_of_birth.isoformat()}); choose the right "
                "patient or correct the date of birth")
        if current.date_of_birth is None:       # filling a gap overwrites nothing
            self.conn.execute(update(patients).where(patients.c.id == patient_id)
                              .values(date_of_birth=date_of_birth))
        name = clean(name).strip()
        return self.update(
            patient_id, now,
            # the same name typed differently (case, accents) is not a new name
            name=None if search_key(name) == search_key(current.name) else name,
            phone=clean(phone).strip() or None, email=clean(email).strip() or None,
            practitioner=practitioner, consultation_id=consultation_id)

    def import_many(self, people: Iterable[tuple[str, dt.date | None, str, str]],
                    now: dt.datetime, batch: int) -> int:
        added = 0
        rows: list[dict[str, Any]] = []
        details: list[dict[str, Any]] = []

        def flush() -> None:
            if rows:   # Core inserts: batched into multi-row INSERTs on PostgreSQL
                self.conn.execute(insert(patients), rows)
                self.conn.execute(insert(patient_details), details)
            rows.clear()
            details.clear()

        for name, dob, phone, email in people:
            name = clean(name).strip()
            if not name:
                raise StoreError(f"patient {added + 1} has no name")
            pid = new_id()
            fields = {"name": name, "phone": clean(phone).strip(), "email": clean(email).strip()}
            rows.append({"id": pid, "search_key": search_key(name), "date_of_birth": dob,
                         "created_at": now, "updated_at": now, **fields})
            details.extend({"id": new_id(), "patient_id": pid, "field": f, "value": v,
                            "recorded_at": now, "consultation_id": None, "practitioner": ""}
                           for f, v in fields.items() if v)
            added += 1
            if len(rows) >= batch:
                flush()
        flush()
        return added

    def _record(self, patient_id: str, values: dict[str, str], now: dt.datetime,
                practitioner: str, consultation_id: str | None) -> None:
        if values:
            self.conn.execute(insert(patient_details), [
                {"id": new_id(), "patient_id": patient_id, "field": field, "value": value,
                 "recorded_at": now, "consultation_id": consultation_id,
                 "practitioner": clean(practitioner)}
                for field, value in values.items()])
