"""One vocabulary: the words for mesodesk's fixed choices, by language, and one
number formatter.

``resources/catalogue/vocabulary.toml`` holds a table per language of labels
for professions, screening answers, severities, photo choices, evidence
levels, risk frequencies and how a finding is resolved. The window, the
command line and the pack all name these things through :func:`label`, so
they agree, and a second language is one more table.

    label("answers", "unknown")          -> "Not known"
    labels("frequencies")["very-rare"]   -> "Very rare"
    number(0.125)                        -> "0.125"
"""

from __future__ import annotations

import functools
import tomllib
import typing
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from mesodesk.catalogue.model import Evidence, Frequency, Severity
from mesodesk.domain.model import Answer, PhotoConsent, Profession
from mesodesk.resources import resource

FILE = "vocabulary.toml"
DEFAULT_LANGUAGE = "en"

# Each kind of label and the keys it must have: taken from the types that
# define the choices, so a new choice without a word is an error at load time.
KINDS: dict[str, tuple[str, ...]] = {
    "professions": typing.get_args(Profession),
    "answers": typing.get_args(Answer),
    "severities": typing.get_args(Severity),
    "photo_choices": typing.get_args(PhotoConsent),
    "evidence": typing.get_args(Evidence),
    "frequencies": typing.get_args(Frequency),
    "resolutions": ("information", "acknowledged", "needs-acknowledgement", "absolute",
                    "overridden", "needs-override"),
}


class VocabularyError(ValueError):
    """vocabulary.toml is unusable; the message names the file and the key."""


Vocabulary = Mapping[str, Mapping[str, Mapping[str, str]]]   # language -> kind -> key -> word


def load_vocabulary(path: str | Path | None = None) -> Vocabulary:
    """Read and check the vocabulary: every kind and key for every language."""
    path = Path(path) if path is not None else resource("catalogue", FILE)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{FILE}: cannot be read ({exc})") from None
    if raw.pop("schema_version", None) != 1:
        raise VocabularyError(f"{FILE}: schema_version: expected 1")
    if DEFAULT_LANGUAGE not in raw:
        raise VocabularyError(f"{FILE}: {DEFAULT_LANGUAGE}: missing")
    out: dict[str, Mapping[str, Mapping[str, str]]] = {}
    for language, kinds in raw.items():
        if not isinstance(kinds, dict):
            raise VocabularyError(f"{FILE}: {language}: not a table")
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise VocabularyError(f"{FILE}: {language}.{sorted(unknown)[0]}: unknown kind")
        tables: dict[str, Mapping[str, str]] = {}
        for kind, keys in KINDS.items():
            table = kinds.get(kind)
            if not isinstance(table, dict):
                raise VocabularyError(f"{FILE}: {language}.{kind}: missing")
            for key in keys:
                word = table.get(key)
                if not isinstance(word, str) or not word.strip():
                    raise VocabularyError(f"{FILE}: {language}.{kind}.{key}: missing")
            extra = set(table) - set(keys)
            if extra:
                raise VocabularyError(f"{FILE}: {language}.{kind}.{sorted(extra)[0]}: "
                                      "not a known choice")
            tables[kind] = MappingProxyType({k: table[k] for k in keys})
        out[language] = MappingProxyType(tables)
    return MappingProxyType(out)


@functools.cache
def default_vocabulary() -> Vocabulary:
    return load_vocabulary()


def labels(kind: str, language: str = DEFAULT_LANGUAGE) -> Mapping[str, str]:
    """Every word of one kind, in the order the choices are offered. A language
    without a table falls back to English."""
    vocabulary = default_vocabulary()
    return vocabulary.get(language, vocabulary[DEFAULT_LANGUAGE])[kind]


def label(kind: str, key: str, language: str = DEFAULT_LANGUAGE) -> str:
    """The word for one choice; an unknown key is shown as it is."""
    return labels(kind, language).get(key, key)


def number(value: float) -> str:
    """A number as a person writes it, the same everywhere: 10, 10.1, 0.25,
    0.125 (at most three decimals, no trailing zeros)."""
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


__all__ = ["KINDS", "VocabularyError", "default_vocabulary", "label", "labels",
           "load_vocabulary", "number"]
