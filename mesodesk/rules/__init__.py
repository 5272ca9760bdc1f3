"""Safety rules: pure functions ``(Consultation, Catalogue) -> list[Finding]``.

``evaluate`` runs them all (see :mod:`mesodesk.rules.engine`): the screening
answers' effects from ``screening.toml`` and the coded rules in
:mod:`mesodesk.rules.checks`, worded from ``rules.toml``.
"""

from mesodesk.rules.engine import evaluate
from mesodesk.rules.finding import Finding, blocking, sort_findings, unresolved
from mesodesk.rules.medicines import prepare
from mesodesk.rules.missing import Missing, PartMissing

__all__ = ["Finding", "Missing", "PartMissing", "blocking", "evaluate", "prepare",
           "sort_findings", "unresolved"]
