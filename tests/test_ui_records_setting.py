"""The clinic database can be chosen in the settings; the environment wins."""

from __future__ import annotations

from mesodesk.ui.settings import Settings
from mesodesk.ui.window import open_default_store


def test_database_url_setting_chooses_the_records_file(fresh_home, monkeypatch):
    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    chosen = fresh_home / "clinic.sqlite3"
    Settings().database_url = f"  {chosen}  "
    store = open_default_store()
    try:
        assert store.path == chosen
    finally:
        store.close()


def test_environment_overrides_the_setting(fresh_home, monkeypatch):
    Settings().database_url = str(fresh_home / "from-settings.sqlite3")
    monkeypatch.setenv("MESODESK_DATABASE_URL", str(fresh_home / "from-env.sqlite3"))
    store = open_default_store()
    try:
        assert store.path == fresh_home / "from-env.sqlite3"
    finally:
        store.close()
