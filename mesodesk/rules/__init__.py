"""Safety rules: pure functions ``(Consultation, Catalogue) -> list[Finding]``."""

from mesodesk.rules.finding import Finding, blocking, sort_findings, unresolved

__all__ = ["Finding", "blocking", "evaluate", "sort_findings", "unresolved"]


def evaluate(consultation, catalogue):  # replaced by mesodesk.rules.engine
    from mesodesk.rules.engine import evaluate as _evaluate

    return _evaluate(consultation, catalogue)
