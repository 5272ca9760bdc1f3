"""``mesodesk audit verify [--database URL]``: check the audit trail's hash chain
of the records the window uses (its settings included), or of ``--database``.

Exit 0 when intact, 1 when broken (naming the first broken event), 2 when the
records cannot be read.
"""

from __future__ import annotations

import argparse

from mesodesk.commands.common import DATABASE_HELP, fail


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="check that no audit event was altered or removed",
                            description="Check that no audit event was altered or removed.")
    verify.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def run(args: argparse.Namespace) -> int:
    from mesodesk.storage import StoreError, open_store
    from mesodesk.storage.location import database_url

    try:
        store = open_store(database_url(args.database), upgrade=False)
    except StoreError as exc:
        return fail(str(exc))
    try:
        report = store.verify_audit()
    except StoreError as exc:
        return fail(str(exc))
    finally:
        store.close()
    if report.ok:
        print(f"OK: {report.sentence()}.")
        return 0
    print(f"BROKEN: the audit trail was altered: {report.sentence()}")
    return 1
