"""Shared fixtures. Qt runs offscreen; settings and data go to a temporary folder."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_SCALE_FACTOR", "1")

import pytest  # noqa: E402

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the user's own settings or records."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("MESODESK_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("MESODESK_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    yield home


@pytest.fixture(scope="session")
def catalogue():
    from mesodesk.catalogue import default_catalogue

    return default_catalogue()


@pytest.fixture
def jane_data() -> dict:
    """The valid example consultation as plain JSON data (a fresh copy each time)."""
    return json.loads((DATA / "jane.json").read_text(encoding="utf-8"))


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
