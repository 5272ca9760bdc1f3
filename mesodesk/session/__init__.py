"""One consultation session, many faces: the Qt-free core the window, the
command line and the tests drive (see :mod:`mesodesk.session.consultation`).

Between the faces (``ui/``, ``cli``/``commands/``) and the layers that do the
work (``pack/``, ``storage/``); imports no Qt.

The names below load their module on first use (PEP 562), so importing one
submodule (the window's ``session.remote`` at start-up) does not load the
rules and the catalogue before the window is on screen.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mesodesk.session.consultation import (Check, ConsultationSession, Finalised,
                                               SessionError, build_pack)
    from mesodesk.session.draft import (build_consultation, consultation_date,
                                        indication_defaults, new_data, normalise, parse_date,
                                        partial_consultation, to_consultation, unsigned,
                                        unsigned_fingerprint, with_indication)
    from mesodesk.session.snapshot import Snapshot, StepView
    from mesodesk.session.steps import DEFAULT_TABLE, STEPS, Facts, FlowState, Step, StepTable

_WHERE = {
    "consultation": ("Check", "ConsultationSession", "Finalised", "SessionError", "build_pack"),
    "draft": ("build_consultation", "consultation_date", "indication_defaults", "new_data",
              "normalise", "parse_date", "partial_consultation", "to_consultation", "unsigned",
              "unsigned_fingerprint", "with_indication"),
    "snapshot": ("Snapshot", "StepView"),
    "steps": ("DEFAULT_TABLE", "STEPS", "Facts", "FlowState", "Step", "StepTable"),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'mesodesk.session' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"mesodesk.session.{module}"), name)
    globals()[name] = value          # the next use is an ordinary attribute
    return value
