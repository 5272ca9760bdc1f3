"""What a safety rule reports, and whether the consultation has resolved it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

from mesodesk.domain.model import Consent

Severity = Literal["block", "warn", "info"]
_ORDER = {"block": 0, "warn": 1, "info": 2}


@dataclass(frozen=True, kw_only=True)
class Finding:
    rule: str                    # id, e.g. "under-18"; what consent.acknowledged/overrides name
    severity: Severity
    message: str                 # one or two sentences for the practitioner
    source: tuple[str, ...]      # keys into the catalogue's sources table
    overridable: bool
    path: str = ""               # JSON path in the consultation that caused it
    #: every path it is about when there are several (each point too close to
    #: another), so a face can mark them all; not part of its JSON
    paths: tuple[str, ...] = ()

    @property
    def absolute(self) -> bool:
        return self.severity == "block" and not self.overridable

    def resolved_by(self, consent: Consent) -> bool:
        """A warning is resolved by acknowledgement, an overridable block by an
        override with a written reason; an absolute block never is."""
        if self.severity == "info":
            return True
        if self.severity == "warn":
            return self.rule in consent.acknowledged
        if not self.overridable:
            return False
        override = consent.override_for(self.rule)
        return override is not None and bool(override.reason.strip())

    def to_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "source": list(self.source), "overridable": self.overridable, "path": self.path}


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Blocks first (absolute before overridable), then warnings, then info."""
    return sorted(findings, key=lambda f: (_ORDER[f.severity], f.overridable, f.rule, f.path))


def blocking(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "block"]


def unresolved(findings: Iterable[Finding], consent: Consent) -> list[Finding]:
    """Findings that still stop export of the pack."""
    return [f for f in findings if not f.resolved_by(consent)]
