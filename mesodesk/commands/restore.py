"""``mesodesk restore BACKUP [--database URL]``: replace the records with a backup.

The backup must open, pass SQLite's integrity check and have an intact audit
trail; only then is the database replaced (atomically). The previous file is
kept beside it as ``<name>.before-restore``. The seal key saved beside the
backup (``BACKUP.seal.pem``) is put back when this installation has none.
Close mesodesk first.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mesodesk.commands.common import fail, sqlite_records


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("backup", metavar="BACKUP", help="a file written by 'mesodesk backup'")
    parser.add_argument("--database", metavar="URL",
                        help="the SQLite file to replace (default: MESODESK_DATABASE_URL, else "
                             "the records database chosen in the window's settings, else the "
                             "records in the data folder)")


def run(args: argparse.Namespace) -> int:
    from mesodesk.storage import StoreError, open_store

    target = sqlite_records(args.database, "the records are on a PostgreSQL server; restore "
                                           "a pg_dump backup with pg_restore")
    if isinstance(target, str):
        return fail(target)
    from mesodesk.pack.seal import key_path
    from mesodesk.storage.backup import key_copy_path, restore, restore_key

    try:
        info, kept = restore(Path(args.backup), target)
        with open_store(target) as store:          # upgrades an older backup
            store.record_event("restored", "", None, {"events_in_backup": info.events})
        key = restore_key(Path(args.backup), key_path())
    except StoreError as exc:
        return fail(str(exc))
    print(f"Restored {info.sentence()} from {args.backup}.")
    if kept is not None:
        print(f"The previous records are kept in {kept}.")
    if key == "restored":
        print(f"The seal key is restored from {key_copy_path(Path(args.backup))}.")
    elif key == "kept":
        print(f"This installation's own seal key is kept; the backup's is in "
              f"{key_copy_path(Path(args.backup))}.")
    return 0
