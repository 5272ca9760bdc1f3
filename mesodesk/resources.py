"""Where the shipped resources (catalogue, fonts, icons) live.

In a checkout they are ``resources/`` beside the package; in an installed
wheel they are the package data ``mesodesk._resources``.
"""

from __future__ import annotations

import functools
from pathlib import Path


@functools.cache
def resources_dir() -> Path:
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if (checkout / "catalogue").is_dir():
        return checkout
    from importlib.resources import files

    return Path(str(files("mesodesk._resources")))


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
