"""How patient names are matched: one normalised search key, built the same way
for the stored name and for what the practitioner types.

Decisions (documented because a practitioner relies on them):

- Case and accents do not matter: ``"zoe"`` finds ``"Zoë"`` and ``"ZOË"``
  (Unicode NFKD, combining marks dropped, then ``casefold``; ``ß`` becomes ``ss``).
- Apostrophes are ignored, so ``"ohara"``, ``"o'hara"`` and ``"O’Hara"`` all
  find ``"Jane O'Hara"``. Any other punctuation (hyphen, dot, comma) separates
  words, so ``"smith jones"`` finds ``"Ann Smith-Jones"``.
- Each typed word must occur somewhere in the name, in any order, as any part
  of a word: ``"har jan"`` finds ``"Jane O'Hara"``.
- A date of birth is typed as ``1986-03-14``, ``14/03/1986`` or ``14.03.1986``
  (day first, as in the UK and Europe); a bare year (``1986``) finds everyone
  born that year.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018\u02bc\u0060\u00b4"), None)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_YEAR = re.compile(r"(1[89]|20)\d\d")


def search_key(name: str) -> str:
    """The normalised form of a name: lower case, no accents, no apostrophes,
    words separated by single spaces."""
    text = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    return " ".join(words)


@dataclass(frozen=True)
class PatientQuery:
    """What a search box text means: words of a name, a date of birth, or a year."""

    words: tuple[str, ...] = ()
    date_of_birth: dt.date | None = None
    year: int | None = None

    @property
    def empty(self) -> bool:
        return not self.words and self.date_of_birth is None and self.year is None


def parse_query(text: str) -> PatientQuery:
    text = text.strip()
    try:
        return PatientQuery(date_of_birth=dt.date.fromisoformat(text))
    except ValueError:
        pass
    m = _DMY.fullmatch(text)
    if m:
        day, month, year = (int(g) for g in m.groups())
        try:
            return PatientQuery(date_of_birth=dt.date(year, month, day))
        except ValueError:
            return PatientQuery(words=tuple(search_key(text).split()))
    if _YEAR.fullmatch(text):
        return PatientQuery(year=int(text))
    return PatientQuery(words=tuple(search_key(text).split()))


def like_pattern(word: str) -> str:
    """A LIKE pattern matching ``word`` anywhere (escape character ``\\``)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lot_key(lot: str) -> str:
    """How a lot number is matched: trimmed, compatibility-normalised and case
    folded, so ``" ha24a17 "`` finds ``HA24A17``. Inner characters are kept."""
    return unicodedata.normalize("NFKC", lot.replace("\x00", "")).strip().casefold()
