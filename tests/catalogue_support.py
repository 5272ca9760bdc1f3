"""What the catalogue tests share: a writable copy of the shipped catalogue and
one way to edit a file in it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mesodesk.catalogue.loader import default_dir


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A writable copy of the shipped catalogue."""
    target = tmp_path / "catalogue"
    shutil.copytree(default_dir(), target)
    return target


def edit(folder: Path, filename: str, old: str, new: str) -> None:
    """Replace the first ``old`` in ``filename`` with ``new`` (the test fails
    when ``old`` is gone, so the edit cannot silently do nothing)."""
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test fixture out of date: {old!r} not in {filename}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
