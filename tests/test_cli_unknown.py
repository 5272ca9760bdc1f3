"""An argument that is neither a command nor an existing file is an error (exit 2,
naming the commands); it never opens the window."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mesodesk.cli import COMMANDS, main


@pytest.fixture
def window_calls(monkeypatch):
    import mesodesk.ui.app as app

    calls = []
    monkeypatch.setattr(app, "run_app", lambda path, qt_args: calls.append(path) or 0)
    return calls


@pytest.mark.parametrize("argv", [["imprt", "a.json"], ["recal", "LOT1"], ["nosuch.json"],
                                  ["verfy"], ["-platform", "offscreen", "typo"]])
def test_an_unknown_command_exits_2_naming_the_commands(argv, window_calls, capsys,
                                                        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "is neither a command nor an existing file" in err
    assert all(name in err for name in COMMANDS) and err.count("\n") == 1
    assert window_calls == []


def test_a_folder_is_not_a_consultation_file(window_calls, capsys, tmp_path):
    assert main([str(tmp_path)]) == 2
    assert window_calls == []


def test_an_existing_file_still_opens_in_the_window(window_calls, tmp_path):
    path = tmp_path / "c.json"
    path.write_text("{}")
    assert main([str(path)]) == 0
    assert window_calls == [str(path)]
    assert main([]) == 0 and window_calls[-1] is None  # no argument: the window


def test_from_a_shell_an_unknown_command_returns_at_once():
    """The real program, as a user runs it: an error, not a window that waits
    (a command from a newer version, run by this one, is such an argument)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "mesodesk", "transmogrify", "missing.json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2
    assert "the commands are: " in done.stderr and "verify" in done.stderr
