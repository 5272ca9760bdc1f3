"""Finding medicine names in what a practitioner typed.

A medicines list ("Xarelto 20mg od, sertaline 50") or an allergy entry
("NSAIDs - wheeze") is matched against names the catalogue holds
(``drugs.toml``, ``drug-classes.toml``, ``ingredients.toml``). Text is
compared as whole words after :func:`normalise` (case, accents, punctuation,
hyphens), so "Co-codamol" and "co codamol" are the same and "caine" is not
"lidocaine". A word also matches a name it misses by
one letter when both have six letters or more (two for names of nine letters
or more), provided the first letter agrees: "sertaline", "ibuprofin", "warfarine" and "Lignocane" are found,
"aspirin" is not found in "asthma". Words holding a digit ("20mg") are never
stretched that way.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Iterator

_NON_WORD = re.compile(r"[^\w]+")
# shortest word stretched by one edit, and by two
FUZZY_MIN = 6
FUZZY2_MIN = 9


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation and hyphens turned to single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded.replace("_", " ")).strip()


def _allowed_edits(term: str) -> int:
    if len(term) >= FUZZY2_MIN:
        return 2
    if len(term) >= FUZZY_MIN:
        return 1
    return 0


def within(a: str, b: str, limit: int) -> bool:
    """Whether the Damerau-Levenshtein distance (adjacent swaps count as one
    edit) of ``a`` and ``b`` is at most ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    if limit == 0:
        return False
    if len(set(a) ^ set(b)) > 2 * limit:    # each edit changes at most two letters
        return False
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (previous2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2]
                    and a[i - 2] == b[j - 1]):
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[len(b)] <= limit


def _close(words: str, term: str) -> bool:
    if words == term:
        return True
    edits = _allowed_edits(term)
    if not edits or len(words) < FUZZY_MIN or words[0] != term[0]:
        return False
    if any(ch.isdigit() for ch in words):
        return False
    return within(words, term, edits)


def _spans(words: list[str], term: str, fuzzy: bool) -> Iterator[tuple[int, int]]:
    """(start, end) word spans of ``words`` that hold ``term``."""
    size = len(term.split())
    for start in range(len(words) - size + 1):
        window = " ".join(words[start:start + size])
        if window == term or (fuzzy and _close(window, term)):
            yield start, start + size


def contains(text: str, term: str, fuzzy: bool = True) -> bool:
    """Whether normalised ``text`` holds normalised ``term`` as whole words,
    allowing a small misspelling unless ``fuzzy`` is false."""
    if not term or not text:
        return False
    if f" {term} " in f" {text} ":
        return True
    return fuzzy and any(True for _ in _spans(text.split(), term, True))


@dataclass(frozen=True)
class Mention:
    """A name found in the text: which entry it names, and the name itself."""

    key: str      # the catalogue id of the medicine or class
    term: str     # the normalised name that matched


class Index:
    """Names to look for, normalised and bucketed once, so a text is searched in
    one pass per name length rather than one pass per name. Results are kept for
    the last few hundred texts: the window evaluates on every edit and the
    medicines list rarely changes between two edits."""

    CACHE_SIZE = 512

    def __init__(self, names: Iterable[tuple[str, str]], fuzzy: bool = True):
        self.fuzzy = fuzzy
        self._exact: dict[int, dict[str, list[tuple[int, str]]]] = {}
        self._close: dict[tuple[int, str], list[tuple[int, str, str, int]]] = {}
        for order, (key, name) in enumerate(names):
            term = normalise(name)
            if not term:
                continue
            size = len(term.split())
            self._exact.setdefault(size, {}).setdefault(term, []).append((order, key))
            edits = _allowed_edits(term)
            if fuzzy and edits:
                self._close.setdefault((size, term[0]), []).append((order, key, term, edits))
        self._cache: dict[str, tuple[Mention, ...]] = {}

    def find(self, text: str) -> tuple[Mention, ...]:
        """Each key whose name ``text`` holds, once (by its earliest-listed name
        that matched). A slip-spelled match is not allowed on words another
        name matches exactly ("prednisolone" is not also "prednisone")."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        words = normalise(text).split()
        found: dict[str, tuple[int, str]] = {}
        exact: set[int] = set()
        for size, table in self._exact.items():
            for start in range(len(words) - size + 1):
                window = " ".join(words[start:start + size])
                hits = table.get(window)
                if not hits:
                    continue
                exact.update(range(start, start + size))
                for order, key in hits:
                    if key not in found or order < found[key][0]:
                        found[key] = (order, window)
        if self.fuzzy:
            for (size, first), terms in self._close.items():
                for start in range(len(words) - size + 1):
                    if words[start][0] != first or exact.intersection(range(start, start + size)):
                        continue
                    window = " ".join(words[start:start + size])
                    if len(window) < FUZZY_MIN or any(ch.isdigit() for ch in window):
                        continue
                    for order, key, term, edits in terms:
                        if key in found and found[key][0] <= order:
                            continue
                        if within(window, term, edits):
                            found[key] = (order, term)
        result = tuple(Mention(key, term) for key, (_, term) in
                       sorted(found.items(), key=lambda kv: kv[1][0]))
        if len(self._cache) >= self.CACHE_SIZE:
            self._cache.clear()
        self._cache[text] = result
        return result


def find(text: str, names: Iterable[tuple[str, str]]) -> Iterator[Mention]:
    """Each ``(key, name)`` whose name ``text`` holds, at most once per key."""
    yield from Index(names).find(text)
