"""Loading a consultation for a command: any fault is one sentence and exit 2."""

from __future__ import annotations

import sys
from typing import Any

from mesodesk.catalogue import CatalogueError, check_references, default_catalogue
from mesodesk.catalogue.model import Catalogue
from mesodesk.domain import Consultation, ConsultationError, load
from mesodesk.domain.codec import to_data
from mesodesk.domain.schema import Problem, join


class InvalidInput(Exception):
    """Raised with the one sentence to print; the command exits 2."""


def _unencodable(value: Any, path: str = "") -> str | None:
    """The JSON path of the first text that cannot be written as UTF-8 (a lone
    surrogate such as ``"\\ud800"``, which JSON escapes allow), or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(document)"
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)  # type: ignore[assignment]
    else:
        return None
    for key, item in items:
        found = _unencodable(key, join(path, "(key)")) if isinstance(key, str) else None
        found = found or _unencodable(item, join(path, key))
        if found:
            return found
    return None


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
    bad = _unencodable(to_data(consultation))
    if bad is not None:
        problem = Problem(bad, "contains an invalid character (an unpaired surrogate escape)")
        raise InvalidInput(ConsultationError([problem], path).sentence())
    problems = check_references(consultation, catalogue)
    if problems:
        raise InvalidInput(ConsultationError(problems, path).sentence())
    return consultation, catalogue


def fail(message: str, code: int = 2) -> int:
    print(f"mesodesk: {message}", file=sys.stderr)
    return code
