"""``mesodesk backup OUT [--database URL] [--force]``: copy the records to a file.

Uses SQLite's online backup API, so it is safe while the window is open. For a
PostgreSQL server, prints how to use pg_dump instead and exits 2. The
installation's seal key (``seal.pem``) is copied beside the backup as
``OUT.seal.pem``, readable by its owner only: ``mesodesk restore`` puts it back.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mesodesk.commands.common import DATABASE_HELP, fail, sqlite_records


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT", help="the backup file to write")
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def run(args: argparse.Namespace) -> int:
    from mesodesk.storage import StoreError

    source = sqlite_records(
        args.database, "the records are on a PostgreSQL server; back it up with pg_dump, e.g. "
        f"pg_dump --format=custom --file={args.out} '{{url}}' (and restore with pg_restore)")
    if isinstance(source, str):
        return fail(source)
    from mesodesk.pack.seal import key_path
    from mesodesk.storage.backup import backup, copy_key, key_copy_path

    key_copy = key_copy_path(Path(args.out))
    if key_path().exists() and key_copy.exists() and not args.force:
        return fail(f"{key_copy} already exists; choose a new name (or --force)")
    try:
        info = backup(source, Path(args.out), overwrite=args.force)
        copied = copy_key(key_path(), Path(args.out), overwrite=True)
    except StoreError as exc:
        return fail(str(exc))
    print(f"Backed up {info.sentence()} to {args.out}.")
    if copied is not None:
        print(f"The seal key is copied to {copied}: keep it as safe as the records "
              "(it seals every pack).")
    return 0
