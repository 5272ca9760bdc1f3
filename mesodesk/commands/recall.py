"""``mesodesk recall LOT [--json] [--database URL]``: every patient, date and
consultation that received a lot, for a manufacturer's or the MHRA's recall.

The lot is matched trimmed and case-insensitively against the lots of the
current version of every signed consultation (an index makes this fast over
hundreds of thousands of records). Exit 0 when some were found, 1 when none,
2 when the records cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys

from mesodesk.commands.common import DATABASE_HELP, fail

EXIT_FOUND, EXIT_NONE = 0, 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("lot", metavar="LOT", help="the lot (batch) number, as on the product")
    parser.add_argument("--json", action="store_true",
                        help="print the consultations as JSON (one object with a list)")
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)


def run(args: argparse.Namespace) -> int:
    from mesodesk.storage import StoreError, open_store
    from mesodesk.storage.location import database_url

    if not args.lot.strip():
        return fail("give a lot number to recall (it is empty)")
    try:
        store = open_store(database_url(args.database), upgrade=False)
    except StoreError as exc:
        return fail(str(exc))
    try:
        found = store.recall(args.lot)
    except StoreError as exc:
        return fail(str(exc))
    finally:
        store.close()
    if args.json:
        json.dump({"lot": args.lot.strip(), "count": len(found),
                   "consultations": [entry.to_json() for entry in found]},
                  sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_FOUND if found else EXIT_NONE
    if not found:
        print(f"No signed consultation used lot {args.lot.strip()}.")
        return EXIT_NONE
    patients = len({entry.patient_id for entry in found})
    print(f"Lot {args.lot.strip()}: {len(found)} consultation{'s' if len(found) != 1 else ''}, "
          f"{patients} patient{'s' if patients != 1 else ''}.")
    for e in found:
        born = e.date_of_birth.isoformat() if e.date_of_birth else "date of birth not recorded"
        contact = ", ".join(x for x in (e.phone, e.email) if x) or "no contact recorded"
        print(f"{e.date.isoformat() if e.date else '(no date)'}  {e.patient_name} "
              f"(born {born}; {contact})  {e.product_id} lot {e.lot}  "
              f"consultation {e.consultation_id}  by {e.practitioner or 'unknown'}")
    return EXIT_FOUND
