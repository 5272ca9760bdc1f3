"""Runs every safety rule over a consultation.

``evaluate(consultation, catalogue)`` returns the sorted findings: the
screening answers' effects (``screening.toml``) and the coded rules
(:mod:`mesodesk.rules.checks`) worded from ``rules.toml``. It is pure and
quick, so the window can call it on every edit.
"""

from __future__ import annotations

import logging
import string
from typing import Iterable, Mapping

from mesodesk.catalogue.model import Catalogue
from mesodesk.domain.model import Consultation
from mesodesk.rules.checks import CODED_RULES
from mesodesk.rules.context import Context, Hit
from mesodesk.rules.finding import Finding, sort_findings
from mesodesk.rules.missing import PartMissing
from mesodesk.rules.screening import screening_findings

log = logging.getLogger(__name__)


class _Values(dict):
    """Leaves a placeholder the rule did not fill visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _format(message: str, values: Mapping[str, object]) -> str:
    try:
        return string.Formatter().vformat(message, (), _Values(values))
    except (ValueError, IndexError, AttributeError):  # a malformed template
        log.error("a rules.toml message cannot be formatted; shown unformatted")
        return message


def word(hit: Hit, catalogue: Catalogue) -> Finding:
    """The finding for ``hit``, worded by its ``rules.toml`` entry. A rule
    missing from the catalogue fails safe: an absolute block that says so."""
    spec = catalogue.rules.get(hit.rule)
    if spec is None:
        log.error("rule %s has no entry in rules.toml", hit.rule)
        return Finding(rule=hit.rule, severity="block", overridable=False, path=hit.path,
                       message=f"Safety rule {hit.rule!r} is missing from the catalogue "
                               "(rules.toml); the plan cannot be checked.",
                       source=hit.source)
    values = {k: v for k, v in spec.params.items()}
    values.update(hit.values)
    source = tuple(dict.fromkeys(spec.source + tuple(hit.source)))
    return Finding(rule=hit.rule, severity=spec.severity, overridable=spec.overridable,
                   message=_format(spec.message, values), source=source, path=hit.path,
                   paths=hit.paths)


def coded_findings(ctx: Context) -> Iterable[Finding]:
    for coded in CODED_RULES:
        try:  # a rule that needs a part not written yet is left out (rules.missing)
            hits = list(coded.check(ctx))
        except PartMissing:
            continue
        for hit in hits:
            yield word(hit, ctx.catalogue)


def evaluate(consultation: Consultation, catalogue: Catalogue,
             settings: Mapping[str, float] | None = None) -> list[Finding]:
    """Every finding for this consultation, blocks first (see ``sort_findings``).
    ``settings`` are the clinic's policy values ("rule.param" -> value)."""
    ctx = Context(consultation, catalogue, dict(settings or {}))
    try:
        findings = list(screening_findings(ctx))
    except PartMissing:  # the screening is not written yet
        findings = []
    findings.extend(coded_findings(ctx))
    log.debug("%d findings (%d blocks)", len(findings),
              sum(f.severity == "block" for f in findings))
    return sort_findings(findings)


def coded_rule_ids() -> set[str]:
    """Every id a coded rule may report; each needs an entry in rules.toml."""
    return {rule_id for coded in CODED_RULES for rule_id in coded.ids}
