"""Where the shipped resources (catalogue, fonts, icons) live.

In a checkout they are ``resources/`` beside the package; in an installed
wheel they are the package data ``mesodesk._resources``.
"""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def resources_dir() -> Path:
    package = Path(__file__).resolve().parent
    installed = package / "_resources"          # a wheel: package data
    if (installed / "catalogue").is_dir():
        return installed
    return package.parent / "resources"         # a checkout (or an editable install)


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
