"""Typed options stored in QSettings, declared once with their defaults.

When ``MESODESK_CONFIG_DIR`` is set (tests always set it) the settings live in
``mesodesk.ini`` in that folder, so a test never touches the user's own.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

PAPERS = ("a4", "letter")
REFLECTION_KINDS = ("prescription_only", "injectable", "other")   # rules/consent.py KINDS


def qsettings() -> QSettings:
    folder = os.environ.get("MESODESK_CONFIG_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        return QSettings(os.path.join(folder, "mesodesk.ini"), QSettings.Format.IniFormat)
    return QSettings("mesodesk", "mesodesk")


class Settings:
    """The window's remembered choices."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._s = store if store is not None else qsettings()

    def _json(self, key: str) -> dict[str, Any]:
        raw = self._s.value(key, "")
        if not raw:
            return {}
        try:
            value = json.loads(str(raw))
        except ValueError:
            log.warning("setting %s is not valid JSON; ignored", key)
            return {}
        return value if isinstance(value, dict) else {}

    def _set_json(self, key: str, value: dict[str, Any]) -> None:
        self._s.setValue(key, json.dumps(value, ensure_ascii=False, sort_keys=True))

    @property
    def clinic(self) -> dict[str, Any]:
        return self._json("consultation/clinic")

    @clinic.setter
    def clinic(self, value: dict[str, Any]) -> None:
        self._set_json("consultation/clinic", value)

    @property
    def practitioner(self) -> dict[str, Any]:
        return self._json("consultation/practitioner")

    @practitioner.setter
    def practitioner(self, value: dict[str, Any]) -> None:
        self._set_json("consultation/practitioner", value)

    @property
    def database_url(self) -> str:
        """A clinic's records database (e.g. PostgreSQL); empty means the
        environment's MESODESK_DATABASE_URL or the local SQLite file."""
        return str(self._s.value("records/database_url", "") or "")

    @database_url.setter
    def database_url(self, value: str) -> None:
        self._s.setValue("records/database_url", value.strip())

    @property
    def paper(self) -> str:
        value = str(self._s.value("pack/paper", "a4")).lower()
        return value if value in PAPERS else "a4"

    @paper.setter
    def paper(self, value: str) -> None:
        if value not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}")
        self._s.setValue("pack/paper", value)

    @property
    def geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._s.setValue("window/geometry", value)

    @property
    def reflection_hours(self) -> dict[str, float]:
        """The clinic's minimum hours to reflect before signing, by kind of
        treatment (``prescription_only``, ``injectable``, ``other``); a kind left
        out takes the catalogue's default (``rules.toml``)."""
        out: dict[str, float] = {}
        for key, value in self._json("consent/reflection_hours").items():
            if (key in REFLECTION_KINDS and isinstance(value, (int, float))
                    and not isinstance(value, bool) and 0 <= value <= 24 * 366):
                out[key] = float(value)
        return out

    @reflection_hours.setter
    def reflection_hours(self, value: dict[str, float]) -> None:
        self._set_json("consent/reflection_hours",
                       {k: float(v) for k, v in value.items() if k in REFLECTION_KINDS})

    @property
    def reflection_override(self) -> bool | None:
        """Whether signing before the minimum may go ahead with a written reason
        (None: the catalogue's default)."""
        raw = self._s.value("consent/reflection_override", "")
        if raw in ("", None):
            return None
        return str(raw).lower() in ("1", "true")

    @reflection_override.setter
    def reflection_override(self, value: bool) -> None:
        self._s.setValue("consent/reflection_override", "1" if value else "0")

    def rule_settings(self) -> dict[str, float]:
        """The clinic's policy as the rules read it ("rule.param" -> value)."""
        out = {f"reflection-period-too-short.{k}_hours": h
               for k, h in self.reflection_hours.items()}
        if self.reflection_override is not None:
            out["reflection-period-too-short.allow_override"] = float(self.reflection_override)
        return out

    @property
    def recent_files(self) -> list[str]:
        raw = self._s.value("files/recent", "")
        try:
            value = json.loads(str(raw)) if raw else []
        except ValueError:
            return []
        return [str(v) for v in value][:8] if isinstance(value, list) else []

    def add_recent_file(self, path: str) -> None:
        files = [path] + [f for f in self.recent_files if f != path]
        self._s.setValue("files/recent", json.dumps(files[:8]))

    def sync(self) -> None:
        self._s.sync()


def export_seal_certificate(packs: Any, path: str, clinic: str = "") -> str:
    """Settings: write this installation's seal certificate (PEM) to ``path``
    through ``packs`` (the window's pack helper: the seal's libraries stay out of
    the window's process); the key is made now, naming ``clinic``, if there is
    none yet. Returns the path written. Run it off the GUI thread."""
    return str(packs.export_certificate(path, clinic))
