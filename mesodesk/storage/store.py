"""The records store: patients, drafts, signed consultations and the audit trail,
on SQLite (the default, one file in the data folder) or PostgreSQL (a clinic
server), through SQLAlchemy Core. Every public method is one transaction and
turns database faults into a StoreError with one plain sentence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, column, create_engine, event, table, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from mesodesk.domain import Consultation, canonical_json, fingerprint as fingerprint_of
from mesodesk.storage import migrations
from mesodesk.storage.chain import (GENESIS, canonical_detail, event_hash, sha256_hex,
                                    verify_trail)
from mesodesk.storage.clock import now_text, parse_time
from mesodesk.storage.records import (EVENT_KINDS, AuditEvent, ChainReport, ConsultationSummary,
                                      Draft, DraftSummary, PatientSummary, SignedConsultation,
                                      StoreError)
from mesodesk.storage.search import like_pattern, parse_query, search_key

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

DB_FILENAME = "mesodesk.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000


# -- where the records live --------------------------------------------------------------

def data_dir() -> Path:
    """``MESODESK_DATA_DIR`` if set, else the platform's user data folder."""
    env = os.environ.get("MESODESK_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("mesodesk", appauthor=False))


def default_url() -> str:
    """``MESODESK_DATABASE_URL`` if set, else the SQLite file in the data folder."""
    return os.environ.get("MESODESK_DATABASE_URL") or str(data_dir() / DB_FILENAME)


def to_url(url_or_path: str | os.PathLike[str]) -> URL:
    """A database URL; a plain file path means a SQLite file."""
    value = os.fspath(url_or_path)
    if "://" not in value:
        return URL.create("sqlite+pysqlite", database=str(Path(value).expanduser()))
    try:
        url = make_url(value)
    except ArgumentError:
        raise StoreError(f"{value!r} is not a database URL or file path") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise StoreError("an in-memory database would lose every record; give a file")
        return url.set(drivername="sqlite+pysqlite")
    if url.get_backend_name() in ("postgresql", "postgres"):
        if url.get_backend_name() == "postgres":          # the libpq spelling
            url = url.set(drivername="postgresql")
        return url if "+" in url.drivername else url.set(drivername="postgresql+psycopg2")
    raise StoreError(f"unsupported database {url.get_backend_name()!r}: "
                     "use a SQLite file or a postgresql:// URL")


def describe(url: URL) -> str:
    """Where the records are, for messages: the file, or the URL without password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database before SQLite touches it."""
    try:
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a records database")
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except PermissionError:
        raise StoreError(f"{path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise StoreError(f"{path} cannot be read ({exc.strerror})") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a mesodesk records database (not SQLite, or damaged); "
                         "it was left untouched")


def _precheck_sqlite(path: Path) -> int:
    """Read an existing file without writing to it: refuse anything that is not a
    mesodesk database this version can open, before WAL mode or a migration
    touches it. Returns its records version (0 when new or empty)."""
    import sqlite3

    if not path.exists() or path.stat().st_size == 0:
        return 0
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be opened ({exc})") from None
    try:
        tables = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_version" not in tables:
            raise StoreError(f"{path} holds other tables but no mesodesk records "
                             "(no schema_version table); it was left untouched")
        version = 0
        if tables:
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if version > migrations.LATEST:
                raise StoreError(f"{path} was written by a newer mesodesk (records version "
                                 f"{version}; this mesodesk reads up to {migrations.LATEST}); "
                                 "update mesodesk")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is damaged or not a mesodesk records database ({exc}); "
                         "it was left untouched") from None
    finally:
        conn.close()
    return int(version)


def _copy_before_upgrade(path: Path, version: int) -> Path:
    """Keep a copy of an older database before upgrading it (SQLite online
    backup: consistent, WAL included), so an upgrade can always be undone."""
    import sqlite3

    copy = path.with_name(f"{path.name}.before-upgrade-v{version}")
    if copy.exists():
        return copy
    part = copy.with_name(copy.name + ".part")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(part)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
        os.replace(part, copy)
    except (OSError, sqlite3.Error) as exc:
        part.unlink(missing_ok=True)
        raise StoreError(f"cannot keep a copy of {path} before upgrading it ({exc}); "
                         "it was left untouched") from None
    log.info("kept a copy of the records (version %d) before upgrading", version)
    return copy


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and an empty database file (0600) if absent; make an
    existing file readable by its owner only; copy an older database aside before
    it is upgraded."""
    check_sqlite_file(path)
    version = _precheck_sqlite(path)
    if 0 < version < migrations.LATEST:
        _copy_before_upgrade(path, version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        else:
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot create the records database {path} ({exc.strerror})") from None


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None      # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            log.warning("the records database is not in WAL mode (%s)", mode)
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock at BEGIN, so read-then-write steps (the
        # audit chain's last hash) cannot interleave between processes.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("mesodesk_write") else "BEGIN")

    return engine


def _sentence(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return first


def _guard(method: Callable[P, R]) -> Callable[P, R]:
    """Database faults become one-sentence StoreErrors."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except StoreError:
            raise
        except DBAPIError as exc:
            self = args[0]
            where = getattr(self, "where", "the records database")
            log.debug("database error in %s: %s", method.__name__, type(exc.orig).__name__)
            raise StoreError(f"the records database {where} refused the operation: "
                             f"{_sentence(exc)}") from None
        except SQLAlchemyError as exc:
            log.debug("database error in %s: %s", method.__name__, type(exc).__name__)
            raise StoreError(f"records database error: {_sentence(exc)}") from None
        except ValueError as exc:      # e.g. the driver refusing a value, unreadable JSON
            log.debug("value error in %s", method.__name__)
            raise StoreError(f"the records database refused a value: {_sentence(exc)}") from None

    return wrapper


_PATIENTS = table("patients", *(column(name) for name in (
    "id", "name", "search_key", "date_of_birth", "phone", "email", "created_at", "updated_at")))


def _clean(value: object) -> str:
    """Text as a TEXT column takes it on every backend (PostgreSQL refuses NUL)."""
    return str(value or "").replace("\x00", "")


def _new_id() -> str:
    return uuid.uuid4().hex


def _patient_fields(data: Any) -> tuple[str, str | None, str | None]:
    """(name, date of birth, consultation date) read leniently from a partial draft."""
    name, dob, date = "", None, None
    if isinstance(data, dict):
        patient = data.get("patient")
        if isinstance(patient, dict):
            if isinstance(patient.get("name"), str):
                name = _clean(patient["name"]).strip()
            dob = _iso_date(patient.get("date_of_birth"))
        date = _iso_date(data.get("date"))
    return name, dob, date


def _iso_date(value: Any) -> str | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class Store:
    """Patients, drafts, signed consultations and the audit trail. Thread-safe:
    each call takes its own pooled connection."""

    def __init__(self, engine: Engine, url: URL):
        self._engine = engine
        self.url = url
        self.where = describe(url)
        self.dialect = engine.dialect.name

    # -- plumbing --------------------------------------------------------------------

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None on PostgreSQL."""
        return Path(str(self.url.database)) if self.is_sqlite else None

    @contextlib.contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            conn.info["mesodesk_write"] = write
            with conn.begin():
                if write and not self.is_sqlite:
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727165)")
                yield conn

    def _begin_write(self) -> contextlib.AbstractContextManager[Connection]:
        return self._tx(write=True)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @_guard
    def schema_version(self) -> int:
        with self._tx() as conn:
            return migrations.current_version(conn)

    # -- drafts ----------------------------------------------------------------------

    @_guard
    def save_draft(self, draft_id: str | None, data: dict[str, Any], step: str,
                   practitioner: str = "") -> str:
        """Insert or update an unfinished consultation; returns its id."""
        if not isinstance(data, dict):
            raise StoreError("a draft must be a JSON object")
        try:
            data_text = json.dumps(data, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StoreError(f"the draft cannot be saved as JSON ({exc})") from None
        name, dob, date = _patient_fields(data)
        now = now_text()
        values = {"data": data_text, "step": _clean(step), "name": name,
                  "key": search_key(name), "dob": dob, "date": date, "now": now,
                  "practitioner": _clean(practitioner)}
        with self._tx(write=True) as conn:
            if draft_id is not None:
                row = conn.execute(text("SELECT state FROM consultations WHERE id = :id"),
                                   {"id": draft_id}).first()
                if row is not None and row.state == "signed":
                    raise StoreError("this consultation is signed and cannot be changed; "
                                     "start a new version")
                if row is not None:
                    conn.execute(text(
                        "UPDATE consultations SET data = :data, step = :step, "
                        "patient_name = :name, patient_key = :key, patient_dob = :dob, "
                        "consultation_date = :date, updated_at = :now, "
                        "practitioner = :practitioner WHERE id = :id AND state = 'draft'"),
                        {**values, "id": draft_id})
                    return draft_id
            new_id = draft_id or _new_id()
            conn.execute(text(
                "INSERT INTO consultations (id, state, step, patient_name, patient_key, "
                "patient_dob, consultation_date, data, practitioner, created_at, updated_at) "
                "VALUES (:id, 'draft', :step, :name, :key, :dob, :date, :data, :practitioner, "
                ":now, :now)"), {**values, "id": new_id})
            self._append(conn, "created", practitioner, new_id, {})
            return new_id

    @_guard
    def drafts(self) -> list[DraftSummary]:
        """Unfinished drafts, newest first."""
        with self._tx() as conn:
            rows = conn.execute(text(
                "SELECT id, patient_name, updated_at, step, supersedes FROM consultations "
                "WHERE state = 'draft' ORDER BY updated_at DESC, id")).all()
        return [DraftSummary(r.id, r.patient_name, parse_time(r.updated_at), r.step,
                             r.supersedes) for r in rows]

    @_guard
    def load_draft(self, draft_id: str) -> Draft:
        with self._tx() as conn:
            row = conn.execute(text(
                "SELECT state, data, step, updated_at, supersedes FROM consultations "
                "WHERE id = :id"), {"id": draft_id}).first()
        if row is None:
            raise StoreError(f"there is no draft {draft_id}")
        if row.state != "draft":
            raise StoreError(f"consultation {draft_id} is signed, not a draft")
        return Draft(draft_id, json.loads(row.data or "{}"), row.step,
                     parse_time(row.updated_at), row.supersedes)

    @_guard
    def discard_draft(self, draft_id: str, practitioner: str = "") -> None:
        with self._tx(write=True) as conn:
            result = conn.execute(text(
                "DELETE FROM consultations WHERE id = :id AND state = 'draft'"), {"id": draft_id})
            if result.rowcount:
                self._append(conn, "discarded", practitioner, draft_id, {})

    @_guard
    def new_version(self, consultation_id: str, practitioner: str = "") -> str:
        """A draft copied from a signed consultation, naming it as its predecessor.
        Its signatures are cleared: a new version is signed again."""
        with self._tx(write=True) as conn:
            row = conn.execute(text(
                "SELECT state, canonical_json, patient_id FROM consultations WHERE id = :id"),
                {"id": consultation_id}).first()
            if row is None or row.state != "signed":
                raise StoreError(f"there is no signed consultation {consultation_id}")
            data = json.loads(bytes(row.canonical_json).decode("utf-8"))
            consent = data.get("consent")
            if isinstance(consent, dict):
                consent["signatures"] = []
            name, dob, date = _patient_fields(data)
            new_id, now = _new_id(), now_text()
            conn.execute(text(
                "INSERT INTO consultations (id, patient_id, state, step, patient_name, "
                "patient_key, patient_dob, consultation_date, data, practitioner, supersedes, "
                "created_at, updated_at) VALUES (:id, :pid, 'draft', '', :name, :key, :dob, "
                ":date, :data, :practitioner, :supersedes, :now, :now)"),
                {"id": new_id, "pid": row.patient_id, "name": name, "key": search_key(name),
                 "dob": dob, "date": date, "data": json.dumps(data, ensure_ascii=False),
                 "practitioner": _clean(practitioner), "supersedes": consultation_id,
                 "now": now})
            self._append(conn, "created", practitioner, new_id, {"supersedes": consultation_id})
            return new_id

    # -- signing ---------------------------------------------------------------------

    @_guard
    def sign(self, draft_id: str | None, consultation: Consultation, pdf: bytes,
             fingerprint: str, practitioner: str) -> str:
        """Store the signed consultation for good: the exact PDF bytes, the
        fingerprint and the canonical JSON. Returns the consultation id (the
        draft's id when there was one). Records the 'signed' audit event."""
        if not isinstance(consultation, Consultation):
            raise StoreError("only a complete, valid consultation can be signed")
        if not isinstance(pdf, (bytes, bytearray)) or not bytes(pdf).startswith(b"%PDF-"):
            raise StoreError("the signed pack is not a PDF")
        canonical = canonical_json(consultation)
        if fingerprint != fingerprint_of(consultation):
            raise StoreError("the fingerprint does not match the consultation; "
                             "rebuild the pack before signing")
        patient = consultation.patient
        practitioner = _clean(practitioner)
        patient_name = _clean(patient.name).strip()
        now = now_text()
        with self._tx(write=True) as conn:
            supersedes = None
            consultation_id = draft_id or _new_id()
            existing = None
            if draft_id is not None:
                existing = conn.execute(text(
                    "SELECT state, supersedes FROM consultations WHERE id = :id"),
                    {"id": draft_id}).first()
                if existing is not None and existing.state == "signed":
                    raise StoreError("this consultation is already signed; "
                                     "start a new version to change it")
                if existing is not None:
                    supersedes = existing.supersedes
            patient_id = self._upsert_patient(conn, patient_name, patient.date_of_birth,
                                              patient.phone, patient.email, now)
            values = {"id": consultation_id, "pid": patient_id, "name": patient_name,
                      "key": search_key(patient_name), "dob": patient.date_of_birth.isoformat(),
                      "date": consultation.date.isoformat(), "canonical": canonical,
                      "pdf": bytes(pdf), "fp": fingerprint, "practitioner": practitioner,
                      "now": now}
            if existing is not None:
                conn.execute(text(
                    "UPDATE consultations SET state = 'signed', patient_id = :pid, step = '', "
                    "patient_name = :name, patient_key = :key, patient_dob = :dob, "
                    "consultation_date = :date, data = NULL, canonical_json = :canonical, "
                    "pdf = :pdf, fingerprint = :fp, practitioner = :practitioner, "
                    "updated_at = :now, signed_at = :now WHERE id = :id AND state = 'draft'"),
                    values)
            else:
                conn.execute(text(
                    "INSERT INTO consultations (id, patient_id, state, patient_name, patient_key, "
                    "patient_dob, consultation_date, canonical_json, pdf, fingerprint, "
                    "practitioner, created_at, updated_at, signed_at) VALUES (:id, :pid, "
                    "'signed', :name, :key, :dob, :date, :canonical, :pdf, :fp, :practitioner, "
                    ":now, :now, :now)"), values)
            detail: dict[str, Any] = {"fingerprint": fingerprint,
                                      "pdf_sha256": sha256_hex(bytes(pdf))}
            if supersedes:
                detail["supersedes"] = supersedes
            self._append(conn, "signed", practitioner, consultation_id, detail)
        log.info("consultation signed (fingerprint %s)", fingerprint[:12])
        return consultation_id

    def _upsert_patient(self, conn: Connection, name: str, dob: dt.date, phone: str,
                        email: str, now: str) -> str:
        name, phone, email = _clean(name).strip(), _clean(phone), _clean(email)
        key = search_key(name)
        row = conn.execute(text(
            "SELECT id FROM patients WHERE search_key = :key AND date_of_birth = :dob "
            "ORDER BY created_at LIMIT 1"), {"key": key, "dob": dob.isoformat()}).first()
        if row is not None:
            conn.execute(text(
                "UPDATE patients SET name = :name, phone = :phone, email = :email, "
                "updated_at = :now WHERE id = :id"),
                {"id": row.id, "name": name, "phone": phone, "email": email, "now": now})
            return str(row.id)
        patient_id = _new_id()
        conn.execute(text(
            "INSERT INTO patients (id, name, search_key, date_of_birth, phone, email, "
            "created_at, updated_at) VALUES (:id, :name, :key, :dob, :phone, :email, :now, :now)"),
            {"id": patient_id, "name": name, "key": key, "dob": dob.isoformat(),
             "phone": phone, "email": email, "now": now})
        return patient_id

    @_guard
    def add_patient(self, name: str, date_of_birth: dt.date, phone: str = "",
                    email: str = "") -> str:
        """Register a patient (or update the one with this name and date of birth)."""
        if not name.strip():
            raise StoreError("a patient needs a name")
        with self._tx(write=True) as conn:
            return self._upsert_patient(conn, name.strip(), date_of_birth, phone, email,
                                        now_text())

    @_guard
    def import_patients(self, patients: Iterable[tuple[str, dt.date | None, str, str]],
                        batch: int = 5000) -> int:
        """Bulk-add patients given as (name, date of birth, phone, email), e.g. from a
        clinic's previous system, in one transaction; returns how many were added.
        Does not merge with existing patients."""
        now, added = now_text(), 0
        with self._tx(write=True) as conn:
            rows: list[dict[str, Any]] = []
            for name, dob, phone, email in patients:
                if not name.strip():
                    raise StoreError(f"patient {added + len(rows) + 1} has no name")
                rows.append({"id": _new_id(), "name": _clean(name).strip(),
                             "search_key": search_key(name),
                             "date_of_birth": dob.isoformat() if dob else None,
                             "phone": _clean(phone), "email": _clean(email), "created_at": now, "updated_at": now})
                if len(rows) >= batch:
                    added += self._insert_patients(conn, rows)
                    rows = []
            added += self._insert_patients(conn, rows)
        return added

    @staticmethod
    def _insert_patients(conn: Connection, rows: list[dict[str, Any]]) -> int:
        if rows:   # a Core insert: batched into multi-row INSERTs on PostgreSQL
            conn.execute(_PATIENTS.insert(), rows)
        return len(rows)

    @_guard
    def signed(self, consultation_id: str) -> SignedConsultation:
        with self._tx() as conn:
            row = conn.execute(text(
                "SELECT patient_id, canonical_json, pdf, fingerprint, practitioner, signed_at, "
                "supersedes FROM consultations WHERE id = :id AND state = 'signed'"),
                {"id": consultation_id}).first()
        if row is None:
            raise StoreError(f"there is no signed consultation {consultation_id}")
        return SignedConsultation(consultation_id, row.patient_id, bytes(row.canonical_json),
                                  bytes(row.pdf), row.fingerprint, row.practitioner,
                                  parse_time(row.signed_at), row.supersedes)

    # -- patients and their history --------------------------------------------------

    @_guard
    def search_patients(self, query: str, limit: int = 50) -> list[PatientSummary]:
        """Patients whose name contains every typed word (case, accents and
        apostrophes ignored), or born on the typed date or in the typed year."""
        q = parse_query(query)
        if q.empty:
            return []
        clauses, params = [], {"limit": int(limit)}
        if q.date_of_birth is not None:
            clauses.append("date_of_birth = :dob")
            params["dob"] = q.date_of_birth.isoformat()
        elif q.year is not None:
            clauses.append("date_of_birth >= :lo AND date_of_birth <= :hi")
            params["lo"], params["hi"] = f"{q.year:04d}-01-01", f"{q.year:04d}-12-31"
        for i, word in enumerate(q.words):
            clauses.append(f"search_key LIKE :w{i} ESCAPE '\\'")
            params[f"w{i}"] = like_pattern(word)
        where = " AND ".join(clauses)
        columns = "id, name, date_of_birth, phone, email, search_key"
        order = "ORDER BY search_key, date_of_birth, id LIMIT :limit"
        if self.is_sqlite or not any(len(w) >= 3 for w in q.words):
            # walking the search_key index in order stops after `limit` matches
            # (fast when matches are common, as they are for short words)
            sql = f"SELECT {columns} FROM patients WHERE {where} {order}"
        else:
            # OFFSET 0 fences the filter: PostgreSQL finds the matches first (through
            # the trigram index, which needs 3 letters) instead of walking the whole
            # ordered index when matches are rare
            sql = (f"SELECT {columns} FROM (SELECT {columns} FROM patients WHERE {where} "
                   f"OFFSET 0) AS found {order}")
        with self._tx() as conn:
            rows = conn.execute(text(sql), params).all()
        return [PatientSummary(r.id, r.name, _date(r.date_of_birth), r.phone, r.email)
                for r in rows]

    @_guard
    def recent_patients(self, limit: int = 20) -> list[PatientSummary]:
        """The patients seen most recently (last saved or signed), newest first."""
        with self._tx() as conn:
            rows = conn.execute(text(
                "SELECT id, name, date_of_birth, phone, email FROM patients "
                "ORDER BY updated_at DESC, id LIMIT :limit"), {"limit": int(limit)}).all()
        return [PatientSummary(r.id, r.name, _date(r.date_of_birth), r.phone, r.email)
                for r in rows]

    @_guard
    def patient(self, patient_id: str) -> PatientSummary:
        with self._tx() as conn:
            r = conn.execute(text("SELECT id, name, date_of_birth, phone, email FROM patients "
                                  "WHERE id = :id"), {"id": patient_id}).first()
        if r is None:
            raise StoreError(f"there is no patient {patient_id}")
        return PatientSummary(r.id, r.name, _date(r.date_of_birth), r.phone, r.email)

    @_guard
    def consultations_for(self, patient_id: str) -> list[ConsultationSummary]:
        """The patient's signed versions and open drafts, newest first."""
        with self._tx() as conn:
            p = conn.execute(text("SELECT search_key, date_of_birth FROM patients "
                                  "WHERE id = :id"), {"id": patient_id}).first()
            if p is None:
                raise StoreError(f"there is no patient {patient_id}")
            rows = conn.execute(text(
                "SELECT c.id, c.state, c.consultation_date, c.updated_at, c.step, "
                "c.fingerprint, c.supersedes, "
                "(SELECT MIN(n.id) FROM consultations n WHERE n.supersedes = c.id "
                " AND n.state = 'signed') AS superseded_by "
                "FROM consultations c WHERE c.patient_id = :id OR (c.state = 'draft' "
                "AND c.patient_id IS NULL AND c.patient_key = :key AND c.patient_dob = :dob) "
                "ORDER BY c.updated_at DESC, c.id"),
                {"id": patient_id, "key": p.search_key, "dob": p.date_of_birth}).all()
        return [ConsultationSummary(r.id, r.state, _date(r.consultation_date),
                                    parse_time(r.updated_at), r.step, r.fingerprint or "",
                                    r.supersedes, r.superseded_by) for r in rows]

    # -- audit trail -----------------------------------------------------------------

    @_guard
    def record_event(self, kind: str, practitioner: str, consultation_id: str | None = None,
                     detail: dict[str, Any] | None = None) -> None:
        """Append one event to the audit trail. Put no patient data in ``detail``."""
        if kind not in EVENT_KINDS:
            raise StoreError(f"unknown audit event {kind!r} "
                             f"(expected one of: {', '.join(EVENT_KINDS)})")
        if detail is not None and not isinstance(detail, dict):
            raise StoreError("an audit event's detail must be a JSON object")
        with self._tx(write=True) as conn:
            self._append(conn, kind, practitioner, consultation_id, detail)

    def _append(self, conn: Connection, kind: str, practitioner: str,
                consultation_id: str | None, detail: dict[str, Any] | None) -> None:
        last = conn.execute(text(
            "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")).first()
        seq, prev = (int(last.seq) + 1, last.hash) if last else (1, GENESIS)
        practitioner = _clean(practitioner)
        consultation_id = None if consultation_id is None else _clean(consultation_id)
        time, detail_text = now_text(), canonical_detail(detail)
        digest = event_hash(seq, time, kind, practitioner or "", consultation_id, detail_text,
                            prev)
        conn.execute(text(
            "INSERT INTO audit_events (seq, time, kind, practitioner, consultation_id, detail, "
            "prev_hash, hash) VALUES (:seq, :time, :kind, :practitioner, :cid, :detail, :prev, "
            ":hash)"),
            {"seq": seq, "time": time, "kind": kind, "practitioner": practitioner or "",
             "cid": consultation_id, "detail": detail_text, "prev": prev, "hash": digest})

    @_guard
    def audit_events(self, consultation_id: str | None = None) -> list[AuditEvent]:
        sql = ("SELECT seq, time, kind, practitioner, consultation_id, detail, prev_hash, hash "
               "FROM audit_events")
        params: dict[str, Any] = {}
        if consultation_id is not None:
            sql += " WHERE consultation_id = :cid"
            params["cid"] = consultation_id
        with self._tx() as conn:
            rows = conn.execute(text(sql + " ORDER BY seq"), params).all()
        return [AuditEvent(int(r.seq), r.time, r.kind, r.practitioner, r.consultation_id,
                           r.detail, r.prev_hash, r.hash) for r in rows]

    @_guard
    def verify_audit(self) -> ChainReport:
        """Check the whole chain; names the first broken link."""
        with self._tx() as conn:
            events = conn.execute(text(
                "SELECT seq, time, kind, practitioner, consultation_id, detail, prev_hash, hash "
                "FROM audit_events ORDER BY seq")).all()
            signed = conn.execution_options(stream_results=True, yield_per=50).execute(text(
                "SELECT id, fingerprint, canonical_json, pdf FROM consultations "
                "WHERE state = 'signed' ORDER BY signed_at, id"))
            return verify_trail(
                (AuditEvent(int(r.seq), r.time, r.kind, r.practitioner, r.consultation_id,
                            r.detail, r.prev_hash, r.hash) for r in events),
                (tuple(r) for r in signed))


def open_store(url: str | os.PathLike[str] | None = None, *, upgrade: bool = True) -> Store:
    """Open (creating or upgrading as needed) the records database.

    ``url``: a SQLAlchemy URL (``postgresql+psycopg2://...``), a SQLite file path,
    or None for ``MESODESK_DATABASE_URL`` or else ``mesodesk.sqlite3`` in the data
    folder. A file that is not a healthy mesodesk database is never overwritten:
    the call raises StoreError with one sentence instead.
    """
    parsed = to_url(url if url is not None else default_url())
    where = describe(parsed)
    if parsed.get_backend_name() == "sqlite":
        path = Path(str(parsed.database))
        if upgrade:
            _prepare_sqlite_file(path)
        else:
            check_sqlite_file(path)
            if not path.exists():
                raise StoreError(f"there is no records database at {path}")
            _precheck_sqlite(path)
        engine = _sqlite_engine(parsed)
    else:
        try:
            # an unreachable server fails in seconds instead of hanging the window
            connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
        except (NoSuchModuleError, ImportError):
            raise StoreError("PostgreSQL needs the psycopg2 driver: "
                             "pip install 'mesodesk[postgres]'") from None
    store = Store(engine, parsed)
    try:
        if upgrade:
            migrations.upgrade(engine, begin=store._begin_write)
        else:
            with engine.connect() as conn:
                version = migrations.current_version(conn)
            if version > migrations.LATEST:
                raise StoreError(f"it was written by a newer mesodesk (records version "
                                 f"{version})")
    except StoreError as exc:
        engine.dispose()
        raise StoreError(f"{where}: {exc}") from None
    except DBAPIError as exc:
        engine.dispose()
        log.debug("cannot open the records database: %s", type(exc.orig).__name__)
        message = _sentence(exc)
        if "not a database" in message or "malformed" in message:
            raise StoreError(f"{where} is damaged or not a mesodesk records database "
                             f"({message}); it was left untouched") from None
        raise StoreError(f"cannot open the records database {where}: {message}") from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the records database {where}: {_sentence(exc)}") from None
    log.debug("records database open (%s)", parsed.get_backend_name())
    return store
