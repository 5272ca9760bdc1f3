"""Typed records built from plain JSON/TOML data, with every error named by path.

The dataclass definitions *are* the schema: field types (str, int, float, bool,
date, Literal, tuple[X, ...], dict[str, X], Optional[X], nested dataclasses)
and field metadata (``min``, ``max``, ``nonempty``, ``pattern``, ``key``) say
what a document may contain. :func:`build` turns a parsed document into frozen
records or raises :class:`SchemaError` listing *every* problem with its path
(``products[0].expiry: not a date``). :func:`unbuild` is the inverse, so a
document survives load -> save unchanged.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime as dt
import math
import re
import types
import typing
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, at a JSON path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SchemaError(ValueError):
    """A document does not fit its schema; ``problems`` lists every fault."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def field(*, default: Any = dataclasses.MISSING, default_factory: Any = dataclasses.MISSING,
          **meta: Any) -> Any:
    """A dataclass field with schema metadata (min, max, positive, nonempty,
    pattern, max_length, key, items, omit_default)."""
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or a default_factory for mutable defaults")
    return dataclasses.field(default=default, default_factory=default_factory, metadata=meta)


def join(path: str, key: str | int) -> str:
    """``products[0].expiry``; a key that would not print on one line (a line
    break, an escape sequence) is shown quoted and escaped: ``practitioner['x\\ny']``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not key.isprintable() or not key:
        return f"{path}[{key!r}]"
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _visible(text: str) -> bool:
    """Whether text has a character that prints: control, format (zero-width),
    separator and unassigned characters alone print as nothing."""
    return any(not unicodedata.category(ch).startswith(("C", "Z")) for ch in text)


def _show(number: int | float) -> str:
    """A number for a message; integers beyond the float range stay readable."""
    if isinstance(number, int) and abs(number) > 10**15:
        return f"a {len(str(abs(number)))}-digit number"
    return f"{number:g}"


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = hints
    return hints


class _Builder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def value(self, tp: Any, data: Any, path: str, meta: dict[str, Any]) -> Any:
        origin = get_origin(tp)
        if origin is Union or origin is types.UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            if data is None:
                if type(None) in get_args(tp):
                    return None
                self.fail(path, "must not be null")
                return None
            return self.value(args[0], data, path, meta)
        if origin is Literal:
            choices = get_args(tp)
            if not isinstance(data, str) or data not in choices:
                self.fail(path, "must be one of " + ", ".join(repr(c) for c in choices)
                          + f", not {data!r}" if isinstance(data, str)
                          else "must be one of " + ", ".join(repr(c) for c in choices))
                return None
            return data
        if origin is tuple:
            (item_tp, _ellipsis) = get_args(tp)
            if not isinstance(data, (list, tuple)):
                self.fail(path, f"must be a list, not {_describe(data)}")
                return ()
            if meta.get("nonempty") and not data:
                self.fail(path, "must not be empty")
            item_meta = meta.get("items", {})
            return tuple(self.value(item_tp, item, join(path, i), item_meta)
                         for i, item in enumerate(data))
        if origin is dict or origin is collections.abc.Mapping:
            (key_tp, val_tp) = get_args(tp)
            if not isinstance(data, dict):
                self.fail(path, f"must be an object, not {_describe(data)}")
                return {}
            out = {}
            key_pattern = meta.get("key")
            for k, v in data.items():
                if key_tp is int:
                    try:
                        kk: Any = int(k)
                    except (TypeError, ValueError):
                        self.fail(join(path, str(k)), "key must be a whole number")
                        continue
                else:
                    kk = k
                    if key_pattern and not re.fullmatch(key_pattern, str(k)):
                        self.fail(join(path, str(k)), "is not a valid key")
                out[kk] = self.value(val_tp, v, join(path, str(k)), meta.get("items", {}))
            return types.MappingProxyType(out)
        if dataclasses.is_dataclass(tp):
            return self.record(tp, data, path)
        if tp is bool:
            if not isinstance(data, bool):
                self.fail(path, f"must be true or false, not {_describe(data)}")
                return False
            return data
        if tp is int:
            if isinstance(data, bool) or not isinstance(data, int):
                if isinstance(data, float) and data.is_integer() and math.isfinite(data):
                    data = int(data)
                else:
                    self.fail(path, f"must be a whole number, not {_describe(data)}")
                    return 0
            return self.bounded(data, path, meta)
        if tp is float:
            if isinstance(data, bool) or not isinstance(data, (int, float)):
                self.fail(path, f"must be a number, not {_describe(data)}")
                return 0.0
            if isinstance(data, int) and abs(data) > 2**53:
                self.fail(path, "is too large")
                return 0.0
            if not math.isfinite(data):
                self.fail(path, "must be a finite number")
                return 0.0
            return self.bounded(float(data), path, meta)
        if tp is str:
            if not isinstance(data, str):
                self.fail(path, f"must be text, not {_describe(data)}")
                return ""
            if meta.get("nonempty") and not _visible(data):
                self.fail(path, "must not be empty (it has no visible character)"
                          if data.strip() else "must not be empty")
            pattern = meta.get("pattern")
            if pattern and data and not re.fullmatch(pattern, data):
                self.fail(path, meta.get("pattern_message", "is not in the expected form"))
            max_len = meta.get("max_length")
            if max_len is not None and len(data) > max_len:
                self.fail(path, f"is longer than {max_len} characters")
            return data
        if tp is dt.date:
            if not isinstance(data, str) and isinstance(data, dt.date) and not isinstance(data, dt.datetime):
                return data  # TOML gives real dates
            if not isinstance(data, str) or not _DATE_RE.match(data):
                self.fail(path, "not a date (expected YYYY-MM-DD)")
                return dt.date.min
            try:
                return dt.date.fromisoformat(data)
            except ValueError:
                self.fail(path, f"not a real date ({data})")
                return dt.date.min
        raise TypeError(f"schema cannot describe {tp!r}")

    def bounded(self, number: Any, path: str, meta: dict[str, Any]) -> Any:
        lo, hi = meta.get("min"), meta.get("max")
        if meta.get("positive") and number <= 0:
            self.fail(path, f"must be more than 0, not {_show(number)}")
        if lo is not None and number < lo:
            self.fail(path, f"must be at least {lo:g}, not {_show(number)}")
        if hi is not None and number > hi:
            self.fail(path, f"must be at most {hi:g}, not {_show(number)}")
        return number

    def record(self, cls: type[T], data: Any, path: str) -> T:
        if not isinstance(data, dict):
            self.fail(path, f"must be an object, not {_describe(data)}")
            return None  # type: ignore[return-value]
        hints = _hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
        for key in data:
            if key not in fields:
                self.fail(join(path, str(key)), "unknown key")
        kwargs: dict[str, Any] = {}
        problems_before = len(self.problems)
        for name, f in fields.items():
            if name in data:
                kwargs[name] = self.value(hints[name], data[name], join(path, name), dict(f.metadata))
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.fail(join(path, name), "missing")
                kwargs[name] = None
        if len(self.problems) > problems_before:
            return None  # type: ignore[return-value]  # a part is wrong: no record
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:  # __post_init__ checks
            self.fail(path, str(exc))
            return None  # type: ignore[return-value]


def build_value(tp: Any, data: Any, meta: dict[str, Any] | None = None) -> tuple[Any, list[Problem]]:
    """Build data of any schema type (``Mapping[str, Product]``, ...) with field
    metadata ``meta``; returns the value and every problem instead of raising."""
    builder = _Builder()
    value = builder.value(tp, data, "", meta or {})
    return value, builder.problems


def build(cls: type[T], data: Any, path: str = "") -> T:
    """Build a ``cls`` record from parsed data or raise SchemaError with every problem."""
    builder = _Builder()
    result = builder.record(cls, data, path)
    if builder.problems:
        raise SchemaError(builder.problems)
    return result


def unbuild(value: Any) -> Any:
    """The plain JSON data of a record; fields left at their default are omitted
    when their metadata says ``omit_default=True``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.metadata.get("omit_default") and v == f.default:
                continue
            out[f.name] = unbuild(v)
        return out
    if isinstance(value, (tuple, list)):
        return [unbuild(v) for v in value]
    if isinstance(value, (dict, types.MappingProxyType)):
        return {str(k): unbuild(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def walk(value: Any, path: str = ""):
    """Yield (path, record) for every dataclass record inside ``value``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield path, value
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name), join(path, f.name))
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from walk(v, join(path, i))
    elif isinstance(value, (dict, types.MappingProxyType)):
        for k, v in value.items():
            yield from walk(v, join(path, str(k)))
