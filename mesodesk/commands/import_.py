"""``mesodesk import FILE... [--database URL] [--paper a4|letter]``: store signed
consultation files as signed records.

Each file goes through the same path as the window's "Sign and store": its
pack is built and sealed with this installation's key, the signed record is
stored with the pack's exact bytes, and the audit trail records the signing
(and each override). A file is refused, with
one sentence naming it and why, when it cannot be read, carries no signature,
has an unresolved safety finding, or is already stored. Files are independent:
one refused file does not stop the others.

Exit 0 when every file was stored; 1 when any was refused; 2 when any could
not be read (or the records cannot be opened).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

from mesodesk.commands.common import DATABASE_HELP, InvalidInput, fail, load_checked

EXIT_OK, EXIT_REFUSED, EXIT_INVALID = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="signed consultation files (mesodesk-consultation JSON)")
    parser.add_argument("--database", metavar="URL", help=DATABASE_HELP)
    parser.add_argument("--paper", choices=("a4", "letter"), default="a4",
                        help="page size of the stored packs (default: a4)")


@dataclass(frozen=True)
class Outcome:
    code: int          # EXIT_OK, EXIT_REFUSED or EXIT_INVALID
    sentence: str


def refusal(consultation, catalogue) -> str | None:
    """Why a readable consultation cannot be stored as a signed record, or None."""
    from mesodesk.rules import evaluate, unresolved

    if not consultation.consent.signatures:
        return ("not signed: it has no signature (consent.signatures is empty); "
                "a pack printed for ink is stored from the window")
    open_findings = unresolved(evaluate(consultation, catalogue), consultation.consent)
    if open_findings:
        n = len(open_findings)
        return (f"blocked: {n} safety finding{'s are' if n > 1 else ' is'} unresolved ("
                + ", ".join(f.rule for f in open_findings) + ")")
    return None


def already_stored(store, consultation, fp: str) -> str | None:
    """The id of a signed record with this fingerprint for this patient, if any."""
    born = consultation.patient.date_of_birth.isoformat()
    for patient in store.search_patients(born, limit=1000):
        for summary in store.consultations_for(patient.id):
            if summary.state == "signed" and summary.fingerprint == fp:
                return summary.id
    return None


def store_signed(store, consultation, catalogue, paper: str) -> str:
    """The window's path, through the same ConsultationSession: the pack built
    (and sealed), the signed record stored with its 'signed' event and one
    'overridden' event per override, in one transaction. Returns the
    consultation id."""
    from mesodesk.session import ConsultationSession

    session = ConsultationSession.from_consultation(catalogue, consultation)
    return session.finalise(store, consultation, paper=paper).consultation_id


def import_file(store, path: str, paper: str) -> Outcome:
    from mesodesk.domain import fingerprint
    from mesodesk.pack import PackError
    from mesodesk.storage import StoreError

    try:
        consultation, catalogue = load_checked(path)
    except InvalidInput as exc:
        return Outcome(EXIT_INVALID, f"{exc}; not imported")
    why = refusal(consultation, catalogue)
    if why:
        return Outcome(EXIT_REFUSED, f"{path}: {why}; not imported")
    fp = fingerprint(consultation)
    try:
        existing = already_stored(store, consultation, fp)
        if existing:
            return Outcome(EXIT_REFUSED, f"{path}: already stored as signed consultation "
                                         f"{existing}; not imported again")
        consultation_id = store_signed(store, consultation, catalogue, paper)
    except PackError as exc:
        return Outcome(EXIT_INVALID, f"{path}: the pack cannot be built ({exc}); not imported")
    except StoreError as exc:
        return Outcome(EXIT_INVALID, f"{path}: {exc}; not imported")
    return Outcome(EXIT_OK, f"{path}: stored as signed consultation {consultation_id} "
                            f"(fingerprint {fp[:12]}).")


def run(args: argparse.Namespace) -> int:
    from mesodesk.storage import StoreError, open_store
    from mesodesk.storage.location import database_url

    try:
        store = open_store(database_url(args.database))
    except StoreError as exc:
        return fail(str(exc))
    worst = EXIT_OK
    stored = 0
    try:
        for path in args.files:
            outcome = import_file(store, path, args.paper)
            if outcome.code == EXIT_OK:
                stored += 1
                print(outcome.sentence)
            else:
                print(f"mesodesk: {outcome.sentence}", file=sys.stderr)
            worst = max(worst, outcome.code)
    finally:
        store.close()
    refused = len(args.files) - stored
    if len(args.files) > 1:
        print(f"Imported {stored} of {len(args.files)} file(s)"
              + (f"; {refused} refused." if refused else "."))
    return worst
