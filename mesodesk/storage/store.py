"""The records store: patients, drafts, signed consultations and the audit trail,
on SQLite (the default, one file in the data folder) or PostgreSQL (a clinic
server), through SQLAlchemy Core. Every public method is one transaction and
turns database faults into a StoreError with one plain sentence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from mesodesk.domain import Consultation, fingerprint as fingerprint_of
from mesodesk.storage import migrations
from mesodesk.storage.audit import AuditRepository
from mesodesk.storage.clock import now
from mesodesk.storage.drafts import DraftRepository
from mesodesk.storage.location import data_dir, default_url
from mesodesk.storage.patients import PatientRepository
from mesodesk.storage.records import (AuditEvent, ChainReport, ConsultationSummary, Draft,
                                      DraftSummary, PatientDetail, PatientSummary, RecallEntry,
                                      SignedConsultation, StoreError, VersionStatus)
from mesodesk.storage.signing import SigningRepository

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

DB_FILENAME = "mesodesk.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000


# -- where the records live --------------------------------------------------------------

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


class Store:
    """The records, behind one facade over four repositories (patients, drafts,
    signing, audit). Each public method is one transaction; thread-safe: each
    call takes its own pooled connection."""

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
                   practitioner: str = "", *, patient_id: str | None = None) -> str:
        """Insert or update an unfinished consultation; returns its id. ``patient_id``
        says which registered patient it is for (kept when later saves omit it)."""
        with self._tx(write=True) as conn:
            if patient_id is not None and not PatientRepository(conn).exists(patient_id):
                raise StoreError(f"there is no patient {patient_id}")
            draft, created = DraftRepository(conn).save(draft_id, data, step, practitioner,
                                                        now(), patient_id)
            if created:
                AuditRepository(conn).append("created", practitioner, draft, {}, now())
            return draft

    @_guard
    def drafts(self) -> list[DraftSummary]:
        """Unfinished drafts, newest first."""
        with self._tx() as conn:
            return DraftRepository(conn).list()

    @_guard
    def load_draft(self, draft_id: str) -> Draft:
        with self._tx() as conn:
            return DraftRepository(conn).load(draft_id)

    @_guard
    def discard_draft(self, draft_id: str, practitioner: str = "") -> None:
        with self._tx(write=True) as conn:
            if DraftRepository(conn).discard(draft_id):
                AuditRepository(conn).append("discarded", practitioner, draft_id, {}, now())

    @_guard
    def new_version(self, consultation_id: str, practitioner: str = "") -> str:
        """A draft copied from a signed consultation, naming it as its predecessor and
        for the same patient. Its signatures are cleared: a new version is signed again."""
        with self._tx(write=True) as conn:
            new_id = DraftRepository(conn).new_version(consultation_id, practitioner, now())
            AuditRepository(conn).append("created", practitioner, new_id,
                                         {"supersedes": consultation_id}, now())
            return new_id

    # -- signing ---------------------------------------------------------------------

    @_guard
    def sign(self, draft_id: str | None, consultation: Consultation, pdf: bytes,
             fingerprint: str, practitioner: str, *, patient_id: str | None = None,
             events: Sequence[tuple[str, dict[str, Any] | None]] = (),
             text: tuple[str, dict[str, str]] | None = None) -> str:
        """Store the signed consultation for good: the exact PDF bytes, the
        fingerprint, the canonical JSON and its lots. Returns the consultation id
        (the draft's id when there was one).

        The patient is ``patient_id``, else the one the draft was started for, else a
        newly registered patient (never one matched by name). Changed contact details
        are kept as new values (see :mod:`mesodesk.storage.patients`). One transaction
        appends the 'signed' event, a 'details-changed' event when details changed,
        then ``events`` (kind, detail) about this consultation (e.g. 'overridden'):
        all of it is stored, or none. ``text`` is the clinical text the pack gave
        (its version and statements, :mod:`mesodesk.pack.textversion`), kept for a
        later session to compare (:meth:`clinical_text`)."""
        if not isinstance(consultation, Consultation):
            raise StoreError("only a complete, valid consultation can be signed")
        if not isinstance(pdf, (bytes, bytearray)) or not bytes(pdf).startswith(b"%PDF-"):
            raise StoreError("the signed pack is not a PDF")
        if fingerprint != fingerprint_of(consultation):
            raise StoreError("the fingerprint does not match the consultation; "
                             "rebuild the pack before signing")
        with self._tx(write=True) as conn:
            moment = now()
            cid, detail, changed = SigningRepository(conn).sign(
                draft_id, consultation, pdf, fingerprint, practitioner, patient_id, moment,
                text)
            audit = AuditRepository(conn)
            audit.append("signed", practitioner, cid, detail, moment)
            if changed:
                audit.append("details-changed", practitioner, cid, {"fields": changed}, moment)
            for kind, extra in events:
                audit.append(kind, practitioner, cid, extra, moment)
        log.info("consultation signed (fingerprint %s)", fingerprint[:12])
        return cid

    @_guard
    def signed(self, consultation_id: str) -> SignedConsultation:
        with self._tx() as conn:
            return SigningRepository(conn).signed(consultation_id)

    @_guard
    def clinical_text(self, consultation_id: str) -> tuple[str, dict[str, str]] | None:
        """The clinical text (version, statements) the signed pack gave; None when
        the record kept none."""
        with self._tx() as conn:
            return SigningRepository(conn).clinical_text(consultation_id)

    @_guard
    def status(self, consultation_id: str) -> VersionStatus:
        """Whether a signed consultation is the current version, and whether its
        consent was withdrawn (in it or a later version): a withdrawn
        consultation's pack is never issued as current."""
        with self._tx() as conn:
            return SigningRepository(conn).status(consultation_id)

    @_guard
    def recall(self, lot: str) -> list[RecallEntry]:
        """Every patient and current signed consultation that received ``lot``
        (trimmed, case-insensitive), oldest first; uses the lots index."""
        with self._tx() as conn:
            return SigningRepository(conn).recall(lot)

    # -- patients and their history --------------------------------------------------

    @_guard
    def add_patient(self, name: str, date_of_birth: dt.date, phone: str = "",
                    email: str = "", practitioner: str = "") -> str:
        """Register a new patient; returns their id. Never merges with a patient of
        the same name and date of birth (see :meth:`same_details`)."""
        if not name.strip():
            raise StoreError("a patient needs a name")
        with self._tx(write=True) as conn:
            return PatientRepository(conn).create(name, date_of_birth, phone, email, now(),
                                                  practitioner=practitioner)

    @_guard
    def update_patient(self, patient_id: str, *, name: str | None = None,
                       phone: str | None = None, email: str | None = None,
                       practitioner: str = "") -> list[str]:
        """Change a patient's name, phone or email explicitly (None: unchanged; "":
        cleared). The previous values are kept (:meth:`patient_details`) and a
        'details-changed' event names the fields. Returns the fields changed."""
        with self._tx(write=True) as conn:
            changed = PatientRepository(conn).update(patient_id, now(), name=name, phone=phone,
                                                     email=email, practitioner=practitioner)
            if changed:
                AuditRepository(conn).append("details-changed", practitioner, None,
                                             {"patient_id": patient_id, "fields": changed},
                                             now())
            return changed

    @_guard
    def patient_details(self, patient_id: str) -> list[PatientDetail]:
        """Every value the patient's name, phone and email have had, oldest first."""
        with self._tx() as conn:
            return PatientRepository(conn).details(patient_id)

    @_guard
    def same_details(self, name: str, date_of_birth: dt.date) -> list[PatientSummary]:
        """Registered patients with this name and date of birth: the ones a face
        should offer before registering someone new."""
        with self._tx() as conn:
            return PatientRepository(conn).same_details(name, date_of_birth)

    @_guard
    def import_patients(self, patients: Iterable[tuple[str, dt.date | None, str, str]],
                        batch: int = 5000) -> int:
        """Bulk-add patients given as (name, date of birth, phone, email), e.g. from a
        clinic's previous system, in one transaction; returns how many were added.
        Does not merge with existing patients."""
        with self._tx(write=True) as conn:
            return PatientRepository(conn).import_many(patients, now(), batch)

    @_guard
    def search_patients(self, query: str, limit: int = 50) -> list[PatientSummary]:
        """Patients whose name contains every typed word (case, accents and
        apostrophes ignored), or born on the typed date or in the typed year."""
        with self._tx() as conn:
            return PatientRepository(conn).search(query, limit, fence=not self.is_sqlite)

    @_guard
    def recent_patients(self, limit: int = 20) -> list[PatientSummary]:
        """The patients seen most recently (last saved or signed), newest first."""
        with self._tx() as conn:
            return PatientRepository(conn).recent(limit)

    @_guard
    def patient(self, patient_id: str) -> PatientSummary:
        with self._tx() as conn:
            return PatientRepository(conn).get(patient_id)

    @_guard
    def consultations_for(self, patient_id: str) -> list[ConsultationSummary]:
        """The patient's signed versions and the drafts started for them, newest first."""
        with self._tx() as conn:
            return SigningRepository(conn).history(patient_id)

    # -- audit trail -----------------------------------------------------------------

    @_guard
    def record_event(self, kind: str, practitioner: str, consultation_id: str | None = None,
                     detail: dict[str, Any] | None = None) -> None:
        """Append one event to the audit trail. A detail carrying patient data (a
        name, contact, date of birth, file name...) is refused: see
        :mod:`mesodesk.storage.audit`."""
        with self._tx(write=True) as conn:
            AuditRepository(conn).append(kind, practitioner, consultation_id, detail, now())

    @_guard
    def audit_events(self, consultation_id: str | None = None) -> list[AuditEvent]:
        with self._tx() as conn:
            return AuditRepository(conn).events(consultation_id)

    @_guard
    def verify_audit(self) -> ChainReport:
        """Check the whole chain; names the first broken link."""
        with self._tx() as conn:
            return AuditRepository(conn).verify()


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
