"""Shared fixtures. Qt runs offscreen; settings and data go to a temporary folder."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_SCALE_FACTOR", "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# CI (and `make test`) replays the same examples every run, so a red build is
# reproducible; run with HYPOTHESIS_PROFILE=explore to search afresh.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DATA = Path(__file__).parent / "data"


def _isolate_home() -> Path:
    """Never touch the user's own settings or records: every path mesodesk uses
    points into one temporary folder for the whole run (set before any test
    imports mesodesk). Tests that need a fresh folder use ``fresh_home``."""
    home = Path(tempfile.mkdtemp(prefix="mesodesk-test-home-"))
    os.environ["MESODESK_DATA_DIR"] = str(home / "data")
    os.environ["MESODESK_CONFIG_DIR"] = str(home / "config")
    os.environ["XDG_CONFIG_HOME"] = str(home / "xdg-config")
    os.environ["XDG_DATA_HOME"] = str(home / "xdg-data")
    os.environ.pop("MESODESK_DATABASE_URL", None)
    return home


TEST_HOME = _isolate_home()


@pytest.fixture
def fresh_home(tmp_path, monkeypatch) -> Path:
    """A new, empty data and config folder for this test alone."""
    monkeypatch.setenv("MESODESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MESODESK_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture(scope="session")
def catalogue():
    from mesodesk.catalogue import default_catalogue

    return default_catalogue()


def load_example(name: str = "jane.json") -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def jane_data() -> dict:
    """The valid example consultation as plain JSON data (a fresh copy each time)."""
    return load_example()


def merge(data: dict, changes: dict) -> dict:
    """Deep-merge ``changes`` into a copy of ``data`` (lists are replaced)."""
    out = copy.deepcopy(data)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture
def make_consultation(jane_data):
    """``make_consultation({"patient": {"date_of_birth": "2010-01-01"}})`` -> Consultation."""
    from mesodesk.domain import from_data

    def make(changes: dict | None = None):
        return from_data(merge(jane_data, changes or {}))

    return make


# -- records databases: every storage test runs on SQLite and on PostgreSQL -----------

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def empty_database(backend: str, folder) -> Iterator[str]:
    """A URL for an empty records database on ``backend`` (PostgreSQL: a throwaway
    schema on the server scripts/with-postgres.sh starts; missing under CI fails)."""
    from mesodesk.storage.testing import (missing_postgres_reason, postgres_test_url,
                                          throwaway_schema)

    if backend == "sqlite":
        yield str(folder / "records.sqlite3")
        return
    base = postgres_test_url()
    if base is None:
        if os.environ.get("CI"):
            pytest.fail(missing_postgres_reason())
        pytest.skip(missing_postgres_reason())
    with throwaway_schema(base) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A URL for an empty records database, on each backend."""
    with empty_database(request.param, tmp_path) as url:
        yield url



@pytest.fixture
def sqlite_store(tmp_path):
    """An open records store in a fresh SQLite file."""
    from mesodesk.storage import open_store

    store = open_store(tmp_path / "records.sqlite3")
    yield store
    store.close()


# -- the window's background work: wait for what a user would wait for ---------------

def open_file_in(qtbot, window, path) -> bool:
    """Open a consultation file in the window and wait until it is on screen
    (True) or refused with a message (False); the file is read off the GUI thread.
    (Only ``qtbot.waitUntil`` is used, so a bare driver outside pytest can call it.)"""
    opened: list[bool] = []
    window.fileOpened.connect(opened.append)
    try:
        window.open_file(str(path))
        qtbot.waitUntil(lambda: bool(opened), timeout=20000)
    finally:
        window.fileOpened.disconnect(opened.append)
    return opened[0]


def save_pack_from(qtbot, window, path) -> bool:
    """Save the signed pack from the Done step and wait until it is written."""
    saved: list[bool] = []
    window.packSaved.connect(saved.append)
    try:
        window.closing.save_pdf(str(path))
        qtbot.waitUntil(lambda: bool(saved), timeout=20000)
    finally:
        window.packSaved.disconnect(saved.append)
    return saved[0]
