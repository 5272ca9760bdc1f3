"""Where the records are: one answer for the window and the command line.

:func:`database_url` resolves the records database the way the window always
has, without Qt, so ``mesodesk audit verify`` (and backup, restore, recall)
checks the clinic's database, the one the window writes to:

1. an explicit ``--database`` (commands only);
2. ``MESODESK_DATABASE_URL``;
3. the window's setting ``records/database_url`` (Settings > Records database),
   read from the file QSettings keeps it in (see :func:`settings_files`);
4. ``mesodesk.sqlite3`` in the data folder (``MESODESK_DATABASE_URL`` unset,
   no setting).

The settings file is read here, not written: the window owns it
(``mesodesk/ui/settings.py``). QSettings keeps it in
``$MESODESK_CONFIG_DIR/mesodesk.ini`` when that is set; otherwise, on Linux and
other XDG systems, in ``$XDG_CONFIG_HOME/mesodesk/mesodesk.conf`` (default
``~/.config``) with QSettings' fall-backs: ``$XDG_CONFIG_HOME/mesodesk.conf``,
then ``mesodesk/mesodesk.conf`` and ``mesodesk.conf`` in each of
``$XDG_CONFIG_DIRS`` (default ``/etc/xdg``), where a clinic can set the
database for every user. On Windows and macOS QSettings keeps native settings
in the registry and in CFPreferences, which this module does not read: there
the command line honours ``MESODESK_DATABASE_URL`` and ``--database`` only.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

log = logging.getLogger(__name__)

DB_FILENAME = "mesodesk.sqlite3"
SETTING_GROUP, SETTING_KEY = "records", "database_url"


def data_dir() -> Path:
    """``MESODESK_DATA_DIR`` if set, else the platform's user data folder."""
    env = os.environ.get("MESODESK_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("mesodesk", appauthor=False))


def local_url() -> str:
    """The SQLite records file in the data folder."""
    return str(data_dir() / DB_FILENAME)


def settings_files() -> list[Path]:
    """The files the window's QSettings reads, first match wins (they need not exist)."""
    folder = os.environ.get("MESODESK_CONFIG_DIR")
    if folder:
        return [Path(folder) / "mesodesk.ini"]
    if sys.platform in ("win32", "darwin"):
        return []
    home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    system = [d for d in (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":") if d]
    return ([Path(home) / "mesodesk" / "mesodesk.conf", Path(home) / "mesodesk.conf"]
            + [Path(d) / "mesodesk" / "mesodesk.conf" for d in system]
            + [Path(d) / "mesodesk.conf" for d in system])


def configured_url() -> str | None:
    """The window's ``records/database_url`` setting, trimmed; None when no settings
    file has it. An empty value counts as set (to the default), as in the window."""
    for path in settings_files():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("the settings file %s cannot be read (%s); ignored", path,
                        exc.strerror or exc)
            continue
        value = ini_value(text, SETTING_GROUP, SETTING_KEY)
        if value is not None:
            return value.strip()
    return None


def database_url(explicit: str | os.PathLike[str] | None = None) -> str:
    """The records database to use: ``explicit``, else ``MESODESK_DATABASE_URL``,
    else the window's setting, else the SQLite file in the data folder."""
    if explicit is not None and os.fspath(explicit) != "":
        return os.fspath(explicit)
    return (os.environ.get("MESODESK_DATABASE_URL") or configured_url() or local_url())


def default_url() -> str:
    """:func:`database_url` with nothing explicit."""
    return database_url()


# -- reading a QSettings INI file ------------------------------------------------------

_SECTION = re.compile(r"^\s*\[(.*)\]\s*$")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
            '"': '"', "'": "'", "\\": "\\", "?": "?"}


def _unpercent(key: str) -> str:
    """Section and key names: QSettings writes unusual characters as %XX or %UXXXX."""
    def one(m: re.Match[str]) -> str:
        return chr(int(m.group(1) or m.group(2), 16))

    return re.sub(r"%U([0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})", one, key)


def _logical_lines(text: str) -> list[str]:
    """Lines, with a backslash at the end of a line continuing it."""
    out: list[str] = []
    pending = ""
    for line in re.split(r"\r\n|\r|\n", text):     # not str.splitlines(): U+0085 is text
        if line.endswith("\\") and not line.endswith("\\\\"):
            pending += line[:-1]
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return out


def unescape_value(raw: str) -> str:
    """A value as QSettings writes it in an INI file: optionally "quoted", with C
    escapes (``\\"``, ``\\\\``, ``\\n``, ``\\xHHHH``...), a leading ``@`` doubled, and
    commas outside quotes separating a list (returned joined by ", ")."""
    raw = raw.strip(" \t")
    items: list[str] = []
    current: list[str] = []
    quoted = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "\\" and i + 1 < n:
            i += 1
            esc = raw[i]
            if esc in _ESCAPES:
                current.append(_ESCAPES[esc])
            elif esc in "xX":
                m = re.match(r"[0-9A-Fa-f]{1,4}", raw[i + 1:])
                if m:
                    current.append(chr(int(m.group(0), 16)))
                    i += len(m.group(0))
            elif esc in "01234567":
                m = re.match(r"[0-7]{1,3}", raw[i:])
                assert m is not None
                current.append(chr(int(m.group(0), 8)))
                i += len(m.group(0)) - 1
            else:
                current.append(esc)
        elif ch == "," and not quoted:
            items.append("".join(current).strip())
            current = []
            while i + 1 < n and raw[i + 1] in " \t":
                i += 1
        else:
            current.append(ch)
        i += 1
    items.append("".join(current))
    value = ", ".join(items)
    if value.startswith("@@"):
        value = value[1:]
    elif value.startswith("@String(") and value.endswith(")"):   # text with a NUL in it
        value = value[len("@String("):-1]
    elif value.startswith("@"):
        return ""                         # @ByteArray(...), @Variant(...): not a text setting
    return value


def ini_value(text: str, group: str, key: str) -> str | None:
    """``group/key`` from a QSettings INI file's text, or None when absent. The last
    occurrence wins; ``[General]`` keys may also spell the group as ``group\\key``."""
    section = "General"
    found: str | None = None
    for line in _logical_lines(text.lstrip("\ufeff")):
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        m = _SECTION.match(line)
        if m:
            section = _unpercent(m.group(1).strip())
            continue
        name, sep, raw = line.partition("=")
        if not sep:
            continue
        name = _unpercent(name.strip()).replace("\\", "/")
        full = name if section in ("General", "") else f"{section}/{name}"
        if full == f"{group}/{key}":
            found = unescape_value(raw)
    return found
