"""One snapshot per change: the findings and every step's state, computed once.

The rules run once on the consultation as far as it is written
(:func:`~mesodesk.session.draft.partial_consultation`); every step's
completeness, status and whether it may be entered are derived from that
one evaluation and the step table, and cached for the snapshot's life.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from mesodesk.rules import Finding, evaluate, sort_findings, unresolved
from mesodesk.session import required
from mesodesk.session.draft import (consent_of, partial_consultation, to_consultation,
                                    unsigned)
from mesodesk.session.steps import FlowState, StepTable

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.domain import Consultation

log = logging.getLogger(__name__)

Status = Literal["todo", "done", "warn", "block"]


@dataclass(frozen=True)
class StepView:
    """What the step list shows for one step."""

    id: str
    title: str
    status: Status
    reachable: bool
    findings: int = 0


class Snapshot:
    """What is known about the consultation at one moment (see :class:`Facts`)."""

    def __init__(self, state: FlowState, catalogue: Catalogue, table: StepTable,
                 policy: dict[str, float] | None = None) -> None:
        self.state = state
        self.catalogue = catalogue
        self.table = table
        self.error = ""
        try:
            everything = sort_findings(evaluate(partial_consultation(self.data), catalogue,
                                                policy or None))   # the clinic's settings
        except Exception as exc:  # never a traceback in a face
            log.exception("findings could not be computed")
            everything = []
            self.error = f"Findings could not be computed: {exc}"
        answers = (self.data.get("screening") or {}).get("answers") or {}
        prefix = "screening.answers."

        def unasked(path: str) -> bool:  # "unknown" because not asked yet: the step says so
            return path.startswith(prefix) and path[len(prefix):] not in answers

        consent = consent_of(self.data)
        #: every finding, including those about questions not asked yet
        self.all_findings: list[Finding] = everything
        #: the findings shown: blocks first, none about a question not asked yet
        self.findings: list[Finding] = [f for f in everything if not unasked(f.path)]
        #: shown findings still open (not acknowledged, not overridden)
        self.outstanding: list[Finding] = unresolved(self.findings, consent)
        #: every finding still open: the review is complete without any
        self.unresolved: list[Finding] = unresolved(everything, consent)
        self._complete: dict[str, bool] = {}
        self._gaps: dict[str, list[required.Gap]] = {}

    @property
    def data(self) -> dict:
        return self.state.data

    @functools.cached_property
    def consultation(self) -> Consultation | None:
        """The whole consultation, when it is complete and every id is known."""
        return to_consultation(self.data, self.catalogue)

    @functools.cached_property
    def unsigned_fingerprint(self) -> str | None:
        from mesodesk.domain import fingerprint

        if self.consultation is None:
            return None
        plain = to_consultation(unsigned(self.data), self.catalogue)
        return fingerprint(plain) if plain is not None else None

    # --- steps --------------------------------------------------------------------------

    def complete(self, step_id: str) -> bool:
        if step_id not in self._complete:
            self._complete[step_id] = bool(self.table.step(step_id).complete(self))
        return self._complete[step_id]

    def gaps_for(self, step_id: str) -> list[required.Gap]:
        """The required fields of this step still to fill in (empty: none)."""
        if step_id not in self._gaps:
            self._gaps[step_id] = required.gaps(self.table.step(step_id).sections, self.data,
                                                self.catalogue, self.state.unconfirmed)
        return self._gaps[step_id]

    def gaps_up_to(self, step_id: str) -> list[tuple[str, required.Gap]]:
        """(step id, gap) for this step and every step before it: what was left
        behind or is still open here (the steps ahead are simply not done yet)."""
        steps = self.table.before(step_id) + (self.table.step(step_id),)
        return [(s.id, g) for s in steps for g in self.gaps_for(s.id)]

    def findings_for(self, step_id: str) -> list[Finding]:
        return [f for f in self.findings if self.table.step_for_path(f.path) == step_id]

    def status(self, step_id: str) -> Status:
        if step_id == self.table.fallback:   # the review shows every finding
            open_ = self.outstanding
        else:
            open_ = [f for f in self.outstanding
                     if self.table.step_for_path(f.path) == step_id]
        if any(f.severity == "block" for f in open_):
            return "block"
        if any(f.severity == "warn" for f in open_):
            return "warn"
        return "done" if self.complete(step_id) else "todo"

    def can_enter(self, step_id: str) -> bool:
        """Data steps are open in any order; a gated step needs every step
        before it complete; a finished consultation stays on its last step."""
        if self.state.finished:
            return step_id == self.table.ids[-1]
        if not self.table.step(step_id).gated:
            return True
        return all(self.complete(s.id) for s in self.table.before(step_id))

    def unfinished_before(self, step_id: str) -> list[str]:
        """Titles of the steps before ``step_id`` that are not complete."""
        return [s.title for s in self.table.before(step_id) if not self.complete(s.id)]

    def views(self) -> list[StepView]:
        out = []
        for s in self.table:
            count = sum(1 for f in self.findings_for(s.id) if f.severity != "info")
            out.append(StepView(s.id, s.title, self.status(s.id), self.can_enter(s.id), count))
        return out

    def first_incomplete(self) -> str:
        for s in self.table:
            if not self.complete(s.id):
                return s.id
        return self.table.ids[-1]

    def next_step(self, step_id: str) -> str | None:
        return self.table.next_step(step_id, self)

    def previous_step(self, step_id: str) -> str | None:
        return self.table.previous_step(step_id, self)
