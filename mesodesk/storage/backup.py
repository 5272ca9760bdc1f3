"""Backing up and restoring the SQLite records file.

A backup is taken with SQLite's online backup API (consistent even while the
window is saving), checked, and written atomically. A restore first proves the
backup is sound (it opens, ``PRAGMA integrity_check`` says ok, it is a mesodesk
database this version can read, its audit chain is intact); only then does it
replace the database in one rename, keeping the old file beside it as
``<name>.before-restore``. Close mesodesk before restoring.

The installation's seal key (``seal.pem`` in the data folder: the key that
seals every pack, and its certificate) goes with the records: :func:`copy_key`
writes it beside the backup as ``<backup>.seal.pem`` (readable by its owner
only), and :func:`restore_key` puts it back where an installation has none, so
a restored installation keeps sealing with the same key and certificate.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mesodesk.domain.files import fsync_dir
from mesodesk.storage import migrations
from mesodesk.storage.chain import verify_trail
from mesodesk.storage.records import AuditEvent, StoreError
from mesodesk.storage.store import check_sqlite_file

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupInfo:
    version: int
    patients: int
    signed: int
    drafts: int
    events: int

    def sentence(self) -> str:
        return (f"{self.patients} patient{'s' if self.patients != 1 else ''}, "
                f"{self.signed} signed consultation{'s' if self.signed != 1 else ''}, "
                f"{self.drafts} draft{'s' if self.drafts != 1 else ''}, "
                f"{self.events} audit event{'s' if self.events != 1 else ''}")


@contextlib.contextmanager
def _connect(path: Path, readonly: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if readonly else 'rw'}"
    conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def inspect_file(path: Path) -> BackupInfo:
    """Prove that ``path`` is a sound mesodesk database; raise StoreError naming
    the first problem otherwise."""
    if not path.exists():
        raise StoreError(f"{path}: no such file")
    check_sqlite_file(path)
    try:
        with _connect(path, readonly=True) as conn:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
            if problems != ["ok"]:
                raise StoreError(f"{path} is damaged (integrity check: {problems[0]})")
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "schema_version" not in tables:
                raise StoreError(f"{path} is not a mesodesk records database")
            version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
            if version > migrations.LATEST:
                raise StoreError(f"{path} was written by a newer mesodesk "
                                 f"(records version {version})")
            rows = conn.execute(
                "SELECT seq, time, kind, practitioner, consultation_id, detail, prev_hash, "
                "hash FROM audit_events ORDER BY seq").fetchall()
            signed = conn.execute("SELECT id, fingerprint, canonical_json, pdf FROM "
                                  "consultations WHERE state = 'signed' ORDER BY signed_at, id")
            report = verify_trail((AuditEvent(*row) for row in rows), signed)
            if not report.ok:
                raise StoreError(f"{path}: the audit trail is broken at {report.sentence()}")
            counts = dict(conn.execute(
                "SELECT state, COUNT(*) FROM consultations GROUP BY state").fetchall())
            patients = conn.execute("SELECT COUNT(*) FROM patients").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is damaged or not a mesodesk records database ({exc})") from None
    return BackupInfo(version, patients, counts.get("signed", 0), counts.get("draft", 0),
                      report.events)


def _copy_database(source: Path, target_folder: Path, prefix: str) -> Path:
    """A consistent copy of ``source`` in a new temporary file (journal mode DELETE,
    owner-only), checked with integrity_check."""
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=target_folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        os.chmod(tmp, 0o600)
        with _connect(source, readonly=True) as src, _connect(tmp) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise StoreError("the copy failed its integrity check")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def backup(database: Path, out: Path, overwrite: bool = False) -> BackupInfo:
    """Copy the records database to ``out`` (atomically, readable by the owner only)."""
    out = Path(out)
    info = inspect_file(database)
    if out.exists():
        if out.resolve() == database.resolve():
            raise StoreError(f"{out} is the records database itself; choose another file")
        if not overwrite:
            raise StoreError(f"{out} already exists; choose a new name (or --force)")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise StoreError(f"{folder} is not a folder")
    try:
        tmp = _copy_database(database, folder, f".{out.name}.")
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise StoreError(f"the backup failed: {exc}") from None
    except OSError as exc:
        raise StoreError(f"cannot write {out} ({exc.strerror})") from None
    fsync_dir(folder)
    log.info("backup written")
    return info


def _before_restore_name(target: Path) -> Path:
    first = target.with_name(target.name + ".before-restore")
    if not first.exists():
        return first
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return target.with_name(f"{target.name}.before-restore-{stamp}")


def restore(backup_file: Path, target: Path) -> tuple[BackupInfo, Path | None]:
    """Replace ``target`` with a checked copy of ``backup_file``; returns what was
    restored and where the previous database was kept (None if there was none)."""
    backup_file, target = Path(backup_file), Path(target)
    info = inspect_file(backup_file)
    if target.exists() and backup_file.resolve() == target.resolve():
        raise StoreError(f"{backup_file} is the records database itself")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        tmp = _copy_database(backup_file, target.parent, f".{target.name}.restore.")
    except sqlite3.Error as exc:
        raise StoreError(f"the backup could not be copied: {exc}") from None
    kept: Path | None = None
    try:
        if target.exists():
            # Fold the old database's WAL into it when it can be read, so the
            # kept copy is complete in one file.
            with contextlib.suppress(sqlite3.Error, StoreError):
                check_sqlite_file(target)
                with _connect(target) as old:
                    old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            kept = _before_restore_name(target)
            try:
                os.link(target, kept)
            except OSError:
                import shutil

                shutil.copy2(target, kept)
            for suffix in ("-wal", "-journal"):
                side = target.with_name(target.name + suffix)
                if side.exists():     # must not be replayed into the restored file
                    os.replace(side, kept.with_name(kept.name + suffix))
            target.with_name(target.name + "-shm").unlink(missing_ok=True)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"cannot replace {target} ({exc.strerror})") from None
    fsync_dir(target.parent)
    log.info("records database restored from a backup")
    return info, kept


def key_copy_path(backup_file: Path) -> Path:
    """Where the seal key of ``backup_file`` is kept: ``<backup>.seal.pem``."""
    backup_file = Path(backup_file)
    return backup_file.with_name(backup_file.name + ".seal.pem")


def copy_key(key: Path, backup_file: Path, overwrite: bool = False) -> Path | None:
    """Copy the seal key file ``key`` beside ``backup_file`` (atomically, owner
    only); None when the installation has no key yet."""
    from mesodesk.domain.files import atomic_write

    key, out = Path(key), key_copy_path(backup_file)
    try:
        data = key.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"the seal key {key} cannot be read ({exc.strerror})") from None
    if out.exists() and not overwrite:
        raise StoreError(f"{out} already exists; choose a new name (or --force)")
    try:
        atomic_write(out, data, mode=0o600)
    except OSError as exc:
        raise StoreError(f"cannot write {out} ({exc.strerror})") from None
    return out


def restore_key(backup_file: Path, key: Path) -> str:
    """Put the backup's seal key in place when this installation has none; returns
    what happened: "restored", "same" (already this key), "kept" (this
    installation has another key: it is kept, the backup's stays beside the
    backup) or "none" (the backup has no key)."""
    from mesodesk.domain.files import atomic_write

    saved, key = key_copy_path(backup_file), Path(key)
    if not saved.exists():
        return "none"
    try:
        data = saved.read_bytes()
        if key.exists():
            return "same" if key.read_bytes() == data else "kept"
        key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(key, data, mode=0o600)
    except OSError as exc:
        raise StoreError(f"the seal key could not be restored ({exc.strerror})") from None
    return "restored"
