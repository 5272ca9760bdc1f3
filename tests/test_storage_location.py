"""The window and the command line find the same records database, settings
included, without Qt on the command line's side: ``storage.location`` reads the
file QSettings writes, and reads it as QSettings does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings

from mesodesk.cli import main
from mesodesk.storage import open_store
from mesodesk.storage.location import configured_url, database_url, ini_value, settings_files
from mesodesk.ui.settings import Settings


def test_the_command_line_reads_the_setting_the_window_writes(fresh_home, monkeypatch):
    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    assert database_url() == str(fresh_home / "data" / "mesodesk.sqlite3")
    chosen = fresh_home / "clinic records.sqlite3"
    s = Settings()
    s.database_url = f"  {chosen}  "
    s.sync()
    assert configured_url() == str(chosen)
    assert database_url() == str(chosen)
    assert database_url("other.sqlite3") == "other.sqlite3"        # --database wins
    monkeypatch.setenv("MESODESK_DATABASE_URL", "from-env.sqlite3")
    assert database_url() == "from-env.sqlite3"                     # as in the window
    with open_store() as store:                                    # open_store() agrees
        assert store.path == Path("from-env.sqlite3").resolve() or \
            str(store.path) == "from-env.sqlite3"
    monkeypatch.delenv("MESODESK_DATABASE_URL")
    s.database_url = ""
    s.sync()
    assert database_url() == str(fresh_home / "data" / "mesodesk.sqlite3")


def test_audit_verify_checks_the_database_chosen_in_the_settings(capsys, fresh_home,
                                                                 monkeypatch):
    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    clinic = fresh_home / "clinic.sqlite3"
    with open_store(clinic) as store:
        for page in (1, 2, 3):
            store.record_event("printed", "Dr A", "c1", {"pages": page})
    with open_store() as local:                       # a local database with one event
        local.record_event("viewed", "Dr A", "c2")
    s = Settings()
    s.database_url = str(clinic)
    s.sync()
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "OK: audit trail intact: 3 events."
    assert main(["recall", "X"]) == 1                 # recall reads the same records
    assert main(["backup", str(fresh_home / "b.sqlite3")]) == 0
    assert "3 audit events" in capsys.readouterr().out


def test_a_setting_naming_a_postgres_server_reaches_the_commands(capsys, fresh_home,
                                                                 monkeypatch):
    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    s = Settings()
    s.database_url = "postgresql://clinic:secret@db.example/mesodesk"
    s.sync()
    assert main(["backup", "x.dump"]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "secret" not in err


def test_native_settings_files_follow_qsettings_fall_backs(tmp_path, monkeypatch):
    """Without MESODESK_CONFIG_DIR the window uses QSettings("mesodesk", "mesodesk"):
    the user's file, then the organisation's, then the system's (XDG_CONFIG_DIRS),
    where a clinic can set the database for every user."""
    monkeypatch.delenv("MESODESK_CONFIG_DIR", raising=False)
    monkeypatch.delenv("MESODESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{tmp_path / 'site'}:{tmp_path / 'vendor'}")
    home, site, vendor = (tmp_path / "home", tmp_path / "site", tmp_path / "vendor")
    assert settings_files()[:3] == [home / "mesodesk" / "mesodesk.conf", home / "mesodesk.conf",
                                    site / "mesodesk" / "mesodesk.conf"]

    def qt_value():
        return QSettings("mesodesk", "mesodesk").value("records/database_url")

    (vendor / "mesodesk").mkdir(parents=True)
    (vendor / "mesodesk" / "mesodesk.conf").write_text(
        "[records]\ndatabase_url=postgresql://clinic@db.example/mesodesk\n")
    assert configured_url() == qt_value() == "postgresql://clinic@db.example/mesodesk"
    native = QSettings("mesodesk", "mesodesk")          # the user's own choice wins
    native.setValue("records/database_url", "/srv/mine.sqlite3")
    native.sync()
    assert Path(native.fileName()) == settings_files()[0]
    assert configured_url() == qt_value() == "/srv/mine.sqlite3"


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=texts | texts.map(lambda t: "@" + t) | texts.map(lambda t: f" {t}, ;#\\\"= "))
def test_any_value_reads_back_exactly_as_qsettings_reads_it(tmp_path, value):
    path = tmp_path / "mesodesk.ini"
    path.unlink(missing_ok=True)
    s = QSettings(str(path), QSettings.Format.IniFormat)
    s.setValue("pack/paper", "a4")
    s.setValue("records/database_url", value)
    s.sync()
    del s
    expected = QSettings(str(path), QSettings.Format.IniFormat).value("records/database_url")
    assert ini_value(path.read_text(encoding="utf-8"), "records", "database_url") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("[records]\ndatabase_url=a\n[other]\ndatabase_url=b\n", "a"),
    ("[General]\nrecords\\database_url=c\n", "c"),
    ("; comment\n[records]\ndatabase_url = \"x,y\" \n", "x,y"),
    ("[pack]\npaper=a4\n", None),
])
def test_ini_reading_cases(text, expected):
    assert ini_value(text, "records", "database_url") == expected


def test_an_unreadable_settings_file_is_ignored_with_a_warning(fresh_home, caplog):
    folder = Path(os.environ["MESODESK_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mesodesk.ini").mkdir()                 # a folder where the file should be
    assert configured_url() is None
    assert "cannot be read" in caplog.text
