"""Loading a consultation for a command: any fault is one sentence and exit 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mesodesk.catalogue import CatalogueError, check_references, default_catalogue
from mesodesk.catalogue.model import Catalogue
from mesodesk.domain import Consultation, ConsultationError, load

if TYPE_CHECKING:
    from mesodesk.rules import Finding
    from mesodesk.session import Check, ConsultationSession


class InvalidInput(Exception):
    """Raised with the one sentence to print; the command exits 2."""


def load_checked(path: str) -> tuple[Consultation, Catalogue]:
    """The consultation at ``path`` with every catalogue id resolved."""
    try:
        catalogue = default_catalogue()
    except CatalogueError as exc:
        raise InvalidInput(str(exc)) from None
    if "\x00" in str(path):
        raise InvalidInput(f"{str(path)!r}: not a valid file name (it contains a null byte)")
    try:
        consultation = load(path)
    except ConsultationError as exc:
        raise InvalidInput(exc.sentence()) from None
    problems = check_references(consultation, catalogue)
    if problems:
        raise InvalidInput(ConsultationError(problems, path).sentence())
    return consultation, catalogue


SEVERITY_CODES = {"block": "BLOCK", "warn": "WARN", "info": "INFO"}   # one column, any language


def finding_line(finding: Finding, check: Check) -> str:
    """One finding as the command line prints it: code, rule, how it stands
    (the vocabulary's wording, as in the window and the pack), where."""
    return (f"{SEVERITY_CODES[finding.severity]:5} {finding.rule} ({check.resolution(finding)}) "
            f"at {finding.path or 'plan'}")


def checked_for_output(file: str, output: str, what: str) -> tuple[ConsultationSession, Path] | int:
    """The common start of ``export`` and ``fhir``: the consultation loaded and
    checked, the output path refused when it cannot be written, and nothing
    written while a safety finding is unresolved (each is listed). Returns the
    session and the output path, or the exit code to end with."""
    from mesodesk.session import ConsultationSession

    try:
        consultation, catalogue = load_checked(file)
    except InvalidInput as exc:
        return fail(str(exc))
    target = Path(output)
    problem = output_problem(target, Path(file), what)
    if problem:
        return fail(problem)
    session = ConsultationSession.from_consultation(catalogue, consultation)
    check = session.check()
    open_findings = check.unresolved
    if open_findings:
        print(f"mesodesk: not exported: {len(open_findings)} safety finding"
              f"{'s are' if len(open_findings) > 1 else ' is'} unresolved "
              "('mesodesk check' says how each is resolved):", file=sys.stderr)
        for f in open_findings:
            print(f"  {finding_line(f, check)}: {f.message}", file=sys.stderr)
        return 1
    return session, target


DATABASE_HELP = ("a database URL or SQLite file (default: MESODESK_DATABASE_URL, else the "
                 "records database chosen in the window's settings, else the records in the "
                 "data folder)")


def output_problem(output: Path, source: Path, what: str) -> str | None:
    """Why ``output`` cannot take the ``what`` built from ``source``, in one
    sentence, or None."""
    if output.is_dir():
        return f"{output}: is a folder; give a file name for the {what}"
    if str(output.parent) and not output.parent.is_dir():
        return f"{output}: the folder {output.parent} does not exist"
    if output.exists() and output.resolve() == source.resolve():
        return f"{output}: is the consultation file itself; choose another name for the {what}"
    return None


def fail(message: str, code: int = 2) -> int:
    print(f"mesodesk: {message}", file=sys.stderr)
    return code


def sqlite_records(database: str | None, on_postgres: str) -> Path | str:
    """The SQLite records file a command works on (``--database`` or the default),
    or the one sentence to print when there is none (PostgreSQL, a bad URL)."""
    from mesodesk.storage import StoreError
    from mesodesk.storage.location import database_url
    from mesodesk.storage.store import describe, to_url

    try:
        url = to_url(database_url(database))
    except StoreError as exc:
        return str(exc)
    if url.get_backend_name() != "sqlite":
        return on_postgres.replace("{url}", describe(url))
    return Path(str(url.database))
