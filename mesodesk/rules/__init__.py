"""Safety rules: pure functions ``(Consultation, Catalogue) -> list[Finding]``.

``evaluate`` runs them all (see :mod:`mesodesk.rules.engine`): the screening
answers' effects from ``screening.toml`` and the coded rules in
:mod:`mesodesk.rules.checks`, worded from ``rules.toml``.
"""

from mesodesk.rules.engine import evaluate
from mesodesk.rules.finding import Finding, blocking, sort_findings, unresolved

__all__ = ["Finding", "blocking", "evaluate", "sort_findings", "unresolved"]
