"""One consultation session, many faces: the Qt-free core the window, the
command line and the tests drive (see :mod:`mesodesk.session.consultation`).

Between the faces (``ui/``, ``cli``/``commands/``) and the layers that do the
work (``pack/``, ``storage/``); imports no Qt.
"""

from mesodesk.session.consultation import (Check, ConsultationSession, Finalised, SessionError,
                                           build_pack)
from mesodesk.session.draft import (build_consultation, consultation_date, indication_defaults,
                                    new_data, normalise, parse_date, partial_consultation,
                                    to_consultation, unsigned, unsigned_fingerprint,
                                    with_indication)
from mesodesk.session.snapshot import Snapshot, StepView
from mesodesk.session.steps import DEFAULT_TABLE, STEPS, Facts, FlowState, Step, StepTable

__all__ = ["Check", "ConsultationSession", "DEFAULT_TABLE", "Facts", "Finalised", "FlowState", "STEPS",
           "SessionError", "Snapshot", "Step", "StepTable", "StepView", "build_consultation",
           "build_pack", "consultation_date", "indication_defaults", "new_data", "normalise",
           "parse_date", "partial_consultation", "to_consultation", "unsigned",
           "unsigned_fingerprint", "with_indication"]
