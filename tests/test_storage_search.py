"""How a typed search matches names: the normalised key and the query parser."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesodesk.storage.search import parse_query, search_key


@pytest.mark.parametrize(("name", "key"), [
    ("Zoë Ängström", "zoe angstrom"),
    ("Jane O'Hara", "jane ohara"),
    ("JANE O’HARA", "jane ohara"),
    ("Ann Smith-Jones", "ann smith jones"),
    ("  José   GARCÍA ", "jose garcia"),
    ("Straße", "strasse"),
    ("Nguyễn Văn A", "nguyen van a"),
    ("Łukasz", "łukasz"),          # a letter of its own in Polish, not an accent: kept
    ("ﬁona", "fiona"),             # compatibility ligature
])
def test_search_key(name, key):
    assert search_key(name) == key


@pytest.mark.parametrize(("text", "expected"), [
    ("1986-03-14", {"date_of_birth": dt.date(1986, 3, 14)}),
    ("14/03/1986", {"date_of_birth": dt.date(1986, 3, 14)}),
    ("14.3.1986", {"date_of_birth": dt.date(1986, 3, 14)}),
    (" 1986 ", {"year": 1986}),
    ("31/02/1986", {"words": ("31", "02", "1986")}),       # not a date: matches nobody
    ("O'Hara jane", {"words": ("ohara", "jane")}),
    ("", {}),
])
def test_parse_query(text, expected):
    q = parse_query(text)
    assert {k: v for k, v in vars(q).items() if v} == expected


names = st.text(st.characters(codec="utf-8", categories=("L", "M", "Zs", "Pd", "Po")),
                min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(names)
def test_the_key_ignores_form_case_and_is_stable(name):
    key = search_key(name)
    assert search_key(key) == key
    assert search_key(name.casefold()) == key
    assert search_key(unicodedata.normalize("NFD", name)) == \
        search_key(unicodedata.normalize("NFC", name))


@settings(max_examples=200, deadline=None)
@given(names, st.data())
def test_any_typed_part_of_a_word_of_the_name_is_found(name, data):
    key = search_key(name)
    words = key.split()
    if not words:
        return
    word = data.draw(st.sampled_from(words))
    start = data.draw(st.integers(0, len(word) - 1))
    end = data.draw(st.integers(start + 1, len(word)))
    typed = word[start:end]
    q = parse_query(typed)
    if q.words:
        assert all(w in key for w in q.words)


def test_recent_patients_are_newest_first_and_limited(tmp_path):
    from mesodesk.storage import open_store

    store = open_store(tmp_path / "recent.sqlite3")
    try:
        for i in range(5):
            store.add_patient(f"Patient {i}", dt.date(1980, 1, 1 + i))
        names = [p.name for p in store.recent_patients(limit=3)]
        assert names == ["Patient 4", "Patient 3", "Patient 2"]
    finally:
        store.close()
