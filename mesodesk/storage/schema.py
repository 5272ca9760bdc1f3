"""The records tables as typed SQLAlchemy ``Table`` definitions, for queries.

The tables are *created* by the frozen steps in :mod:`mesodesk.storage.migrations`
(each says exactly what the schema looked like when it was released); these
definitions describe the schema at :data:`migrations.LATEST` so that every query
is a Core expression with typed columns instead of an SQL string. A test holds
them against the database the migrations build, column by column.

Dates and times are stored as text (ISO 8601; times in UTC with microseconds, so
text order is time order); the column types below turn them into
``datetime.date`` and aware ``datetime.datetime`` values both ways.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (BigInteger, Column, ForeignKey, Integer, LargeBinary, MetaData, Table,
                        Text)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from mesodesk.storage.clock import format_time, parse_time


class IsoDate(TypeDecorator[dt.date]):
    """A calendar date stored as ``YYYY-MM-DD`` text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValueError(f"not a date: {value!r}")
        return value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return None


class Timestamp(TypeDecorator[dt.datetime]):
    """A moment stored as UTC text with microseconds (``2026-11-30T21:45:00.000000Z``)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"not an aware date and time: {value!r}")
        return format_time(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        return None if value is None else parse_time(str(value))


metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_at", Text, nullable=False),
)

patients = Table(
    "patients", metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("date_of_birth", IsoDate),
    Column("phone", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("search_key", Text, nullable=False),
)

consultations = Table(
    "consultations", metadata,
    Column("id", Text, primary_key=True),
    Column("patient_id", Text, ForeignKey("patients.id")),
    Column("state", Text, nullable=False),             # 'draft' or 'signed'
    Column("step", Text, nullable=False),
    Column("patient_name", Text, nullable=False),
    Column("patient_dob", IsoDate),
    Column("consultation_date", IsoDate),
    Column("data", Text),                               # a draft's JSON
    Column("canonical_json", LargeBinary),              # a signed consultation, exactly
    Column("pdf", LargeBinary),
    Column("fingerprint", Text),
    Column("practitioner", Text, nullable=False),
    Column("supersedes", Text, ForeignKey("consultations.id")),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Column("signed_at", Timestamp),
    Column("patient_key", Text, nullable=False),
)

audit_events = Table(
    "audit_events", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=False),
    Column("time", Text, nullable=False),               # hashed as this exact text
    Column("kind", Text, nullable=False),
    Column("practitioner", Text, nullable=False),
    Column("consultation_id", Text),
    Column("detail", Text, nullable=False),
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False, unique=True),
)

# Every value a patient's name, phone and email have had: the current one is
# also in ``patients``; a change adds a row and never overwrites one (version 5).
patient_details = Table(
    "patient_details", metadata,
    Column("id", Text, primary_key=True),
    Column("patient_id", Text, ForeignKey("patients.id"), nullable=False),
    Column("field", Text, nullable=False),              # 'name', 'phone' or 'email'
    Column("value", Text, nullable=False),
    Column("recorded_at", Timestamp, nullable=False),
    Column("consultation_id", Text),                    # the signed consultation it came with
    Column("practitioner", Text, nullable=False),
)

# One row per product line of a signed consultation, for recall by lot (version 5).
lots = Table(
    "lots", metadata,
    Column("consultation_id", Text, ForeignKey("consultations.id"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("product_id", Text, nullable=False),
    Column("lot", Text, nullable=False),                # as written
    Column("lot_key", Text, nullable=False),            # trimmed, case folded: what is matched
    # copied from the consultation, so a recall never reads a row that holds a PDF
    Column("patient_id", Text, ForeignKey("patients.id"), nullable=False),
    Column("consultation_date", IsoDate),
    Column("signed_at", Timestamp, nullable=False),
    Column("practitioner", Text, nullable=False),
)


# The clinical text a signed pack gave, by version (version 6): shared by every
# consultation that printed the same text, so it is stored once.
clinical_texts = Table(
    "clinical_texts", metadata,
    Column("version", Text, primary_key=True),
    Column("texts", Text, nullable=False),              # JSON object: origin -> text
)

consultation_texts = Table(
    "consultation_texts", metadata,
    Column("consultation_id", Text, ForeignKey("consultations.id"), primary_key=True),
    Column("version", Text, ForeignKey("clinical_texts.version"), nullable=False),
)


def clean(value: object) -> str:
    """Text as a TEXT column takes it on every backend (PostgreSQL refuses NUL)."""
    return str(value or "").replace("\x00", "")


def new_id() -> str:
    import uuid

    return uuid.uuid4().hex
