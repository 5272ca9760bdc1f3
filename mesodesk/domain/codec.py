"""Reading and writing consultation files.

The program writes ``mesodesk-consultation/2`` and reads every earlier format:
a small reader per older version (:data:`UPGRADES`) checks the document holds
only what its own format allowed and upgrades it in memory, one version at a
time, to the current one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mesodesk.domain.files import atomic_write
from mesodesk.domain.model import FORMAT, FORMAT_1, FORMATS, Consultation
from mesodesk.domain.schema import Problem, SchemaError, build, join, unbuild

MAX_FILE_BYTES = 50 * 1024 * 1024


class ConsultationError(ValueError):
    """A consultation file cannot be used; ``problems`` names each fault by path."""

    def __init__(self, problems: list[Problem], source: str = ""):
        self.problems = problems
        self.source = source
        super().__init__(self.sentence())

    def sentence(self) -> str:
        """One plain sentence naming the first problem (and how many more)."""
        first = str(self.problems[0]) if self.problems else "invalid consultation"
        more = len(self.problems) - 1
        source = self.source if self.source.isprintable() else repr(self.source)
        text = f"{source}: {first}" if source else first
        if more:
            text += f" (and {more} more problem{'s' if more > 1 else ''})"
        return text


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a consultation file")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice")
        out[key] = value
    return out


def parse_json(text: str | bytes) -> Any:
    """Strict JSON: no NaN/Infinity, no duplicate keys. Raises ConsultationError."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConsultationError([Problem("", f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise ConsultationError(
            [Problem("", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ConsultationError([Problem("", f"not valid JSON: {exc}")]) from None
    try:  # "\ud800" escapes parse, but no UTF-8 file or PDF can carry them
        bad = _unencodable(data)
    except RecursionError:
        raise ConsultationError([Problem("", "not valid JSON: nested too deeply")]) from None
    if bad is not None:
        raise ConsultationError(
            [Problem(bad, "contains an invalid character (an unpaired surrogate escape)")])
    return data


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




# Keys ``/2`` added, by where they sit; a ``/1`` document holding one is refused
# (it was not written by a ``/1`` program), so each format stays what it was.
_NEW_IN_2: dict[str, tuple[str, ...]] = {
    "patient": ("weight_kg", "age_check"),
    "practitioner": ("independent_prescriber",),
    "products[]": ("name", "risk_text", "concentration_mg_ml", "points"),
    "plan": ("rationale",),
    "consent": ("information_given_at", "agreed", "teach_back", "prescriber_assessment", "withdrawn"),
}


def _read_1(data: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """``/1`` -> ``/2``: the same document, every new key "not recorded"."""
    problems: list[Problem] = []
    for where, keys in _NEW_IN_2.items():
        if where.endswith("[]"):
            items = data.get(where[:-2])
            holders = ([(join(where[:-2], i), v) for i, v in enumerate(items)]
                       if isinstance(items, list) else [])
        else:
            holders = [(where, data.get(where))]
        for path, holder in holders:
            if isinstance(holder, dict):
                problems += [Problem(join(path, key), f"unknown key in {FORMAT_1} "
                                     "(it was added in mesodesk-consultation/2)")
                             for key in keys if key in holder]
    return {**data, "format": "mesodesk-consultation/2"}, problems


#: format -> its reader, which returns the document in the next format.
UPGRADES = {FORMAT_1: _read_1}


def upgrade(data: Any) -> Any:
    """``data`` in the current format (a new dict; ``data`` is not changed).
    Raises ConsultationError for a format this program does not know, or a
    document holding keys its own format did not have."""
    if not isinstance(data, dict) or "format" not in data:
        return data  # the schema names what is missing
    found = data["format"]
    if found not in FORMATS:
        known = ", ".join(repr(f) for f in FORMATS)
        newer = isinstance(found, str) and found.startswith("mesodesk-consultation/")
        raise ConsultationError([Problem("format", (
            f"expected one of {known}, not {found!r}"
            + (" (made by a newer mesodesk?)" if newer else "")))])
    while data["format"] in UPGRADES:
        data, problems = UPGRADES[data["format"]](data)
        if problems:
            raise ConsultationError(problems)
    return data


def from_data(data: Any) -> Consultation:
    """Build a Consultation from parsed JSON data in any known format (upgraded
    in memory to the current one), or raise ConsultationError."""
    data = upgrade(data)
    try:
        return build(Consultation, data)
    except SchemaError as exc:
        raise ConsultationError(exc.problems) from None


def loads(text: str | bytes) -> Consultation:
    return from_data(parse_json(text))


def load(path: str | Path) -> Consultation:
    """Read a consultation file; any fault becomes a ConsultationError naming the file."""
    path = Path(path)
    try:
        if path.is_dir():
            raise ConsultationError([Problem("", "is a folder, not a consultation file")],
                                    str(path))
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConsultationError([Problem("", "no such file")], str(path)) from None
    except OSError as exc:
        raise ConsultationError([Problem("", f"cannot be read ({exc.strerror})")],
                                str(path)) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConsultationError([Problem("", "is larger than 50 MB")], str(path))
    try:
        return loads(raw)
    except ConsultationError as exc:
        raise ConsultationError(exc.problems, str(path)) from None


def to_data(consultation: Consultation) -> dict[str, Any]:
    return unbuild(consultation)


def dumps(consultation: Consultation) -> str:
    """The file form: indented, UTF-8, keys in the design's order."""
    return json.dumps(to_data(consultation), indent=2, ensure_ascii=False) + "\n"


def canonical_json(consultation: Consultation) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes the fingerprint is taken of."""
    return json.dumps(to_data(consultation), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def fingerprint(consultation: Consultation) -> str:
    """SHA-256 (hex) of the canonical JSON."""
    return hashlib.sha256(canonical_json(consultation)).hexdigest()


def save(consultation: Consultation, path: str | Path) -> None:
    """Write the file atomically: a crash leaves the old file or the new one."""
    atomic_write(Path(path), dumps(consultation).encode("utf-8"))
