"""Layer boundaries: the core imports no Qt and no reportlab."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    """import-linter checks the layers and forbidden imports declared in pyproject.toml."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test extra"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["mesodesk.domain", "mesodesk.catalogue", "mesodesk.rules",
                                    "mesodesk.session", "mesodesk.commands.check"])
def test_core_modules_load_without_qt_or_reportlab(module):
    code = (f"import sys, json, {module}\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'reportlab', 'sqlalchemy'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == []


def test_the_window_process_loads_no_database_or_pdf_library():
    """Every module of the window imports without SQLAlchemy, reportlab, pypdf or
    pyHanko: the records and the packs live in helper processes, so the
    window stays small and opening the records view does not stall on a
    half-second import."""
    code = ("import importlib, json, pkgutil, sys, mesodesk.ui\n"
            "for m in pkgutil.iter_modules(mesodesk.ui.__path__):\n"
            "    importlib.import_module('mesodesk.ui.' + m.name)\n"
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'reportlab', 'pypdf', 'pyhanko', 'psycopg2')})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}).stdout
    assert json.loads(out) == []
