"""Versioned schema migrations: ordered steps, a ``schema_version`` table, each
step in its own transaction, so a newer mesodesk opens an older database and
upgrades it in place (and an older mesodesk refuses a newer database).

A step is frozen once released: it says exactly what the schema looked like
then. To change the schema, append a step; never edit an old one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from mesodesk.storage.clock import now_text
from mesodesk.storage.records import StoreError
from mesodesk.storage.search import lot_key, search_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection, str], None]   # (connection, dialect name)


def _run(conn: Connection, script: str) -> None:
    pyformat = conn.dialect.paramstyle in ("pyformat", "format")   # psycopg2: % is special
    for statement in script.split("\n;\n"):
        if statement.strip():
            conn.exec_driver_sql(statement.replace("%", "%%") if pyformat else statement)


# -- version 1: patients, consultations (draft -> signed, immutable), audit trail ----------

_V1_TABLES = """
CREATE TABLE patients (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    date_of_birth TEXT,
    phone         TEXT NOT NULL DEFAULT '',
    email         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
)
;
CREATE TABLE consultations (
    id                TEXT PRIMARY KEY,
    patient_id        TEXT REFERENCES patients(id),
    state             TEXT NOT NULL CHECK (state IN ('draft', 'signed')),
    step              TEXT NOT NULL DEFAULT '',
    patient_name      TEXT NOT NULL DEFAULT '',
    patient_dob       TEXT,
    consultation_date TEXT,
    data              TEXT,
    canonical_json    {blob},
    pdf               {blob},
    fingerprint       TEXT,
    practitioner      TEXT NOT NULL DEFAULT '',
    supersedes        TEXT REFERENCES consultations(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    signed_at         TEXT,
    CHECK (state = 'draft' OR (canonical_json IS NOT NULL AND pdf IS NOT NULL
           AND fingerprint IS NOT NULL AND patient_id IS NOT NULL AND signed_at IS NOT NULL))
)
;
CREATE INDEX consultations_patient ON consultations (patient_id)
;
CREATE INDEX consultations_state_updated ON consultations (state, updated_at)
;
CREATE TABLE audit_events (
    seq             {bigint} PRIMARY KEY,
    time            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    practitioner    TEXT NOT NULL,
    consultation_id TEXT,
    detail          TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL UNIQUE
)
;
CREATE INDEX audit_events_consultation ON audit_events (consultation_id)
"""

_V1_SQLITE_TRIGGERS = """
CREATE TRIGGER consultations_signed_no_update BEFORE UPDATE ON consultations
WHEN OLD.state = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed consultation cannot be changed'); END
;
CREATE TRIGGER consultations_signed_no_delete BEFORE DELETE ON consultations
WHEN OLD.state = 'signed'
BEGIN SELECT RAISE(ABORT, 'a signed consultation cannot be deleted'); END
;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
"""

_V1_POSTGRES_TRIGGERS = """
CREATE FUNCTION mesodesk_signed_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'signed' THEN
        RAISE EXCEPTION 'a signed consultation cannot be %',
            CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$
;
CREATE FUNCTION mesodesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END
$$
;
CREATE TRIGGER consultations_signed_is_final BEFORE UPDATE OR DELETE ON consultations
FOR EACH ROW EXECUTE FUNCTION mesodesk_signed_is_final()
;
CREATE TRIGGER consultations_no_truncate BEFORE TRUNCATE ON consultations
FOR EACH STATEMENT EXECUTE FUNCTION mesodesk_append_only()
;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION mesodesk_append_only()
;
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION mesodesk_append_only()
"""


def _v1(conn: Connection, dialect: str) -> None:
    pg = dialect == "postgresql"
    _run(conn, _V1_TABLES.format(blob="BYTEA" if pg else "BLOB",
                                 bigint="BIGINT" if pg else "INTEGER"))
    _run(conn, _V1_POSTGRES_TRIGGERS if pg else _V1_SQLITE_TRIGGERS)


# -- version 2: accent- and case-insensitive patient search --------------------------------

def _v2(conn: Connection, dialect: str) -> None:
    _run(conn, """
ALTER TABLE patients ADD COLUMN search_key TEXT NOT NULL DEFAULT ''
;
ALTER TABLE consultations ADD COLUMN patient_key TEXT NOT NULL DEFAULT ''
""")
    rows = conn.execute(text("SELECT id, name FROM patients")).all()
    if rows:
        conn.execute(text("UPDATE patients SET search_key = :key WHERE id = :id"),
                     [{"id": r.id, "key": search_key(r.name)} for r in rows])
    # Signed rows are final (the trigger refuses even us); drafts get their key.
    drafts = conn.execute(text(
        "SELECT id, patient_name FROM consultations WHERE state = 'draft'")).all()
    if drafts:
        conn.execute(text("UPDATE consultations SET patient_key = :key WHERE id = :id"),
                     [{"id": r.id, "key": search_key(r.patient_name)} for r in drafts])
    _run(conn, """
CREATE INDEX patients_search_key ON patients (search_key)
;
CREATE INDEX patients_date_of_birth ON patients (date_of_birth)
;
CREATE INDEX consultations_patient_key ON consultations (patient_key, patient_dob)
""")


# -- version 3: index versions by predecessor; on PostgreSQL, a trigram index for search ----

def _v3(conn: Connection, dialect: str) -> None:
    """Finding a consultation's successor uses an index. On PostgreSQL, a pg_trgm GIN index lets ``search_key LIKE '%word%'`` avoid
    a full scan. The extension may be unavailable or forbidden to this user on a
    clinic's server: then search still works, by scanning (tens of ms per 100k)."""
    conn.exec_driver_sql("CREATE INDEX consultations_supersedes ON consultations (supersedes)")
    if dialect != "postgresql":
        return
    find = text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                "WHERE extname = 'pg_trgm'")
    savepoint = conn.begin_nested()
    try:
        schema = conn.execute(find).scalar()
        if schema is None:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema = conn.execute(find).scalar()
        conn.exec_driver_sql(f"CREATE INDEX patients_search_key_trgm ON patients "
                             f"USING gin (search_key {schema}.gin_trgm_ops)")
    except Exception as exc:     # noqa: BLE001 - optional speed-up; report and go on
        savepoint.rollback()
        log.warning("patient search will scan: no pg_trgm index (%s)",
                    str(getattr(exc, "orig", exc)).strip().splitlines()[0])
    else:
        savepoint.commit()


# -- version 4: the start screen lists the most recently seen patients -------------------

def _v4(conn: Connection, dialect: str) -> None:
    conn.exec_driver_sql("CREATE INDEX patients_updated ON patients (updated_at)")


# -- version 5: recall by lot; every value of a patient's details kept -------------------

_V5_TABLES = """
CREATE TABLE lots (
    consultation_id   TEXT NOT NULL REFERENCES consultations(id),
    position          INTEGER NOT NULL,
    product_id        TEXT NOT NULL,
    lot               TEXT NOT NULL,
    lot_key           TEXT NOT NULL,
    patient_id        TEXT NOT NULL REFERENCES patients(id),
    consultation_date TEXT,
    signed_at         TEXT NOT NULL,
    practitioner      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (consultation_id, position)
)
;
CREATE INDEX lots_lot_key ON lots (lot_key)
;
CREATE TABLE patient_details (
    id              TEXT PRIMARY KEY,
    patient_id      TEXT NOT NULL REFERENCES patients(id),
    field           TEXT NOT NULL CHECK (field IN ('name', 'phone', 'email')),
    value           TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    consultation_id TEXT REFERENCES consultations(id),
    practitioner    TEXT NOT NULL DEFAULT ''
)
;
CREATE INDEX patient_details_patient ON patient_details (patient_id, recorded_at)
"""

_V5_SQLITE_TRIGGERS = """
CREATE TRIGGER lots_no_update BEFORE UPDATE ON lots
BEGIN SELECT RAISE(ABORT, 'the lots of a signed consultation cannot be changed'); END
;
CREATE TRIGGER lots_no_delete BEFORE DELETE ON lots
BEGIN SELECT RAISE(ABORT, 'the lots of a signed consultation cannot be changed'); END
;
CREATE TRIGGER patient_details_no_update BEFORE UPDATE ON patient_details
BEGIN SELECT RAISE(ABORT, 'the patient_details table is append-only'); END
;
CREATE TRIGGER patient_details_no_delete BEFORE DELETE ON patient_details
BEGIN SELECT RAISE(ABORT, 'the patient_details table is append-only'); END
"""

_V5_POSTGRES_TRIGGERS = """
CREATE TRIGGER lots_append_only BEFORE UPDATE OR DELETE ON lots
FOR EACH ROW EXECUTE FUNCTION mesodesk_append_only()
;
CREATE TRIGGER patient_details_append_only BEFORE UPDATE OR DELETE ON patient_details
FOR EACH ROW EXECUTE FUNCTION mesodesk_append_only()
"""

_V5_BATCH = 1000


def _lots_of(canonical: bytes) -> list[tuple[int, str, str]]:
    """(position, product id, lot) for each product line of a signed consultation's
    canonical JSON; read leniently (any format version)."""
    import json

    try:
        data = json.loads(bytes(canonical).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return []
    products = data.get("products") if isinstance(data, dict) else None
    out = []
    for position, product in enumerate(products if isinstance(products, list) else []):
        if isinstance(product, dict) and isinstance(product.get("lot"), str) \
                and product["lot"].strip():
            out.append((position, str(product.get("id", "")), product["lot"]))
    return out


def _v5(conn: Connection, dialect: str) -> None:
    pg = dialect == "postgresql"
    _run(conn, _V5_TABLES)
    # Recall must find consultations signed before this version: read every signed
    # row's products, a page at a time (signed rows are never changed).
    last = ""
    # A recall reads only this table and the patient: a consultation's own row
    # holds its PDF before these columns, which SQLite would walk through.
    insert = text("INSERT INTO lots (consultation_id, position, product_id, lot, lot_key, "
                  "patient_id, consultation_date, signed_at, practitioner) "
                  "VALUES (:cid, :pos, :product, :lot, :key, :pid, :date, :signed, :who)")
    while True:
        # paged along the primary key (a filter on state would let the planner pick
        # the state index and sort every signed row again for each page)
        page = conn.execute(text(
            "SELECT id, state, canonical_json, patient_id, consultation_date, signed_at, "
            "practitioner FROM consultations WHERE id > :last "
            "ORDER BY id LIMIT :n"), {"last": last, "n": _V5_BATCH}).all()
        if not page:
            break
        rows = [{"cid": r.id, "pos": pos, "product": product,
                 "lot": lot.replace("\x00", "").strip(), "key": lot_key(lot),
                 "pid": r.patient_id, "date": r.consultation_date, "signed": r.signed_at,
                 "who": r.practitioner}
                for r in page if r.state == "signed"
                for pos, product, lot in _lots_of(r.canonical_json)]
        if rows:
            conn.execute(insert, rows)
        last = page[-1].id
    # The details each patient has now are their first recorded values.
    for field in ("name", "phone", "email"):
        conn.exec_driver_sql(
            f"INSERT INTO patient_details (id, patient_id, field, value, recorded_at, "
            f"practitioner) SELECT id || ':{field}', id, '{field}', {field}, updated_at, '' "
            f"FROM patients WHERE {field} <> ''")
    _run(conn, _V5_POSTGRES_TRIGGERS if pg else _V5_SQLITE_TRIGGERS)


# -- version 6: the clinical text each signed pack gave (re-consent at a later session) ------

_V6_TABLES = """
CREATE TABLE clinical_texts (
    version TEXT PRIMARY KEY,
    texts   TEXT NOT NULL
)
;
CREATE TABLE consultation_texts (
    consultation_id TEXT PRIMARY KEY REFERENCES consultations(id),
    version         TEXT NOT NULL REFERENCES clinical_texts(version)
)
"""

_V6_SQLITE_TRIGGERS = """
CREATE TRIGGER clinical_texts_no_update BEFORE UPDATE ON clinical_texts
BEGIN SELECT RAISE(ABORT, 'the clinical_texts table is append-only'); END
;
CREATE TRIGGER clinical_texts_no_delete BEFORE DELETE ON clinical_texts
BEGIN SELECT RAISE(ABORT, 'the clinical_texts table is append-only'); END
;
CREATE TRIGGER consultation_texts_no_update BEFORE UPDATE ON consultation_texts
BEGIN SELECT RAISE(ABORT, 'the consultation_texts table is append-only'); END
;
CREATE TRIGGER consultation_texts_no_delete BEFORE DELETE ON consultation_texts
BEGIN SELECT RAISE(ABORT, 'the consultation_texts table is append-only'); END
"""

_V6_POSTGRES_TRIGGERS = """
CREATE TRIGGER clinical_texts_append_only BEFORE UPDATE OR DELETE ON clinical_texts
FOR EACH ROW EXECUTE FUNCTION mesodesk_append_only()
;
CREATE TRIGGER consultation_texts_append_only BEFORE UPDATE OR DELETE ON consultation_texts
FOR EACH ROW EXECUTE FUNCTION mesodesk_append_only()
"""


def _v6(conn: Connection, dialect: str) -> None:
    # Consultations signed before this version have no text on record: a later
    # session of theirs asks for consent again (it cannot show the text unchanged).
    _run(conn, _V6_TABLES)
    _run(conn, _V6_POSTGRES_TRIGGERS if dialect == "postgresql" else _V6_SQLITE_TRIGGERS)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "patients, consultations (draft and signed), append-only audit trail", _v1),
    Migration(2, "accent- and case-insensitive patient search key", _v2),
    Migration(3, "index of versions by predecessor; trigram index for patient search on "
                 "PostgreSQL (when pg_trgm is available)", _v3),
    Migration(4, "index of patients by last change, for the recent-patients list", _v4),
    Migration(5, "lots of signed consultations for recall (backfilled); every value of a "
                 "patient's name, phone and email kept", _v5),
    Migration(6, "the clinical text (version and statements) each signed pack gave, for "
                 "re-consent when it changes", _v6),
)
LATEST = MIGRATIONS[-1].version

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    applied_at  TEXT NOT NULL
)"""


def _lock(conn: Connection, dialect: str) -> None:
    """Serialise writers: SQLite transactions here begin IMMEDIATE already."""
    if dialect == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727165)")


def current_version(conn: Connection) -> int:
    """0 for an empty database; raises StoreError for a database that is not ours."""
    from sqlalchemy import inspect

    tables = set(inspect(conn).get_table_names())
    if "schema_version" not in tables:
        if tables:
            raise StoreError("it holds other tables but no mesodesk records "
                             "(no schema_version table)")
        return 0
    return int(conn.execute(text("SELECT COALESCE(MAX(version), 0) FROM schema_version"))
               .scalar_one())


def upgrade(engine: Engine, target: int | None = None, begin: Callable | None = None) -> int:
    """Apply every step above the database's version, up to ``target``, each in
    its own transaction; returns the version reached. ``begin`` opens a write
    transaction (the store's, so SQLite takes the write lock first)."""
    begin = begin or engine.begin
    target = LATEST if target is None else target
    dialect = engine.dialect.name
    with engine.connect() as conn:
        version = current_version(conn)
        conn.rollback()
    if version > LATEST:
        raise StoreError(f"it was written by a newer mesodesk (records version {version}; "
                         f"this mesodesk reads up to {LATEST}); update mesodesk")
    for step in MIGRATIONS:
        if step.version <= version or step.version > target:
            continue
        with begin() as conn:
            _lock(conn, dialect)
            conn.exec_driver_sql(_VERSION_TABLE)
            now_version = current_version(conn)   # another process may have done it
            if now_version >= step.version:
                version = now_version
                continue
            log.info("upgrading the records database to version %d: %s",
                     step.version, step.description)
            step.apply(conn, dialect)
            conn.execute(text("INSERT INTO schema_version (version, description, applied_at) "
                              "VALUES (:v, :d, :t)"),
                         {"v": step.version, "d": step.description, "t": now_text()})
            version = step.version
    return version
