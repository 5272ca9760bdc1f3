"""One consultation session, many faces.

:class:`ConsultationSession` holds the consultation being written and is what
the window, the command line and the tests drive. It knows nothing of Qt:

- :meth:`snapshot` gives the findings and every step's state, computed once
  per change (:mod:`mesodesk.session.snapshot`);
- :meth:`go`, :meth:`next_step`, :meth:`previous_step` move through the steps
  of the table (:mod:`mesodesk.session.steps`);
- :meth:`preview` builds the unsigned pack, :meth:`sign` takes the
  signatures, :meth:`finalise` stores the signed pack with its audit events and
  :meth:`export` writes a print-ready pack.

Methods that touch the store or the disk are plain calls; a face with an event
loop runs them off its GUI thread (``prepare_*`` returns the work to run there,
``apply_*`` takes the result back). The audit trail never gets patient data.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from mesodesk.rules import Finding, unresolved
from mesodesk.session import ceremony, draft
from mesodesk.session.nextsession import NextSession, for_patient, next_session
from mesodesk.session.reconsent import Reconsent
from mesodesk.session.snapshot import Snapshot
from mesodesk.session.steps import DEFAULT_TABLE, FlowState, StepTable

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.domain import Consent, Consultation

log = logging.getLogger(__name__)


class SessionError(ValueError):
    """An operation the consultation is not ready for; the message is one sentence."""


@dataclass(frozen=True)
class Check:
    """The findings of a complete consultation and how each is resolved."""

    findings: list[Finding]
    consent: Consent
    language: str = "en"

    def resolution(self, finding: Finding) -> str:
        """How the consultation resolves this finding, in a few words."""
        from mesodesk.catalogue.vocabulary import label

        if finding.severity == "info":
            key = "information"
        elif finding.severity == "warn":
            key = ("acknowledged" if finding.resolved_by(self.consent)
                   else "needs-acknowledgement")
        elif finding.absolute:
            key = "absolute"
        elif finding.resolved_by(self.consent):
            key = "overridden"
        else:
            key = "needs-override"
        return label("resolutions", key, self.language)

    @property
    def unresolved(self) -> list[Finding]:
        return unresolved(self.findings, self.consent)

    @property
    def stopping(self) -> list[Finding]:
        """Blocks not released: the plan cannot go ahead."""
        return [f for f in self.unresolved if f.severity == "block"]

    @property
    def open_warnings(self) -> list[Finding]:
        return [f for f in self.unresolved if f.severity == "warn"]

    @property
    def blocked(self) -> bool:
        return bool(self.stopping)


@dataclass(frozen=True)
class Finalised:
    """What :meth:`ConsultationSession.finalise` stored."""

    pdf: bytes
    fingerprint: str
    consultation_id: str | None      # None when no records store is in use
    wet_ink: bool
    overrides: tuple[str, ...]       # the rules overridden, each recorded as an audit event


def build_pack(consultation: Consultation, catalogue: Catalogue, paper: str = "a4") -> bytes:
    """The pack's bytes (pure, slow: run it off a GUI thread)."""
    from mesodesk.pack import build_pack as _build

    return _build(consultation, catalogue, paper=paper)


def pack_text(consultation: Consultation, catalogue: Catalogue) -> tuple[str, dict[str, str]]:
    """The clinical text a pack of ``consultation`` gives (its version and its
    statements), kept with the signed record for a later session to compare."""
    from mesodesk.pack.textversion import clinical_text, text_version

    texts = clinical_text(consultation, catalogue)
    return text_version(texts), texts


def compare_text(prepared: NextSession, recorded: tuple[str, Any] | None,
                 catalogue: Catalogue) -> Reconsent | None:
    """The earlier pack's text (``recorded``) against today's for the same plan;
    None when the earlier consultation cannot be read whole."""
    from mesodesk.domain import from_data
    from mesodesk.session.reconsent import compare

    try:
        earlier = from_data(prepared.earlier)
    except Exception:
        return None
    return compare(earlier, recorded, catalogue)


class ConsultationSession:
    """The consultation being written, the step on screen, and what it takes to
    get from there to a signed record."""

    def __init__(self, catalogue: Catalogue, data: draft.Data, *,
                 table: StepTable = DEFAULT_TABLE, consultation_id: str | None = None,
                 draft_id: str | None = None, policy: dict[str, float] | None = None) -> None:
        self.catalogue = catalogue
        self.table = table
        #: the clinic's policy values the rules read ("rule.param" -> value), e.g.
        #: its minimum time to reflect; the faces set it from their settings
        self.policy: dict[str, float] = dict(policy or {})
        data, self.dropped = draft.normalise(data)
        self.state = FlowState(data, consultation_id=consultation_id)
        self.draft_id = draft_id
        self.step_id = table.ids[0]
        self._snapshot: Snapshot | None = None
        self._snapshot_key: tuple | None = None
        self.evaluations = 0           # snapshots computed (one rule evaluation each)
        self._packs: dict[str, bytes] = {}
        self.final_pdf = b""
        self.patient_id: str | None = None   # the registered patient it is for, when known
        #: screening answers of an earlier session, each to be confirmed (or answered
        #: anew) before the screening counts: question id -> the earlier answer
        self.prior_answers: dict[str, str] = {}
        self.follows: NextSession | None = None   # the signed session this one follows
        self.reconsent: Reconsent | None = None   # its clinical text compared with today's
        self.notice = ""                          # what the face shows above the steps

    # --- making one ---------------------------------------------------------------------

    @classmethod
    def new(cls, catalogue: Catalogue, today: dt.date, clinic: dict | None = None,
            practitioner: dict | None = None, **kwargs: Any) -> "ConsultationSession":
        return cls(catalogue, draft.new_data(today, clinic, practitioner), **kwargs)

    @classmethod
    def from_file(cls, path: str | os.PathLike, catalogue: Catalogue,
                  **kwargs: Any) -> "ConsultationSession":
        """A session on a consultation file; ConsultationError names the problem."""
        from mesodesk.catalogue import check_references
        from mesodesk.domain import ConsultationError, load

        consultation = load(path)
        problems = check_references(consultation, catalogue)
        if problems:
            raise ConsultationError(problems, str(path))
        return cls.from_consultation(catalogue, consultation, **kwargs)

    @classmethod
    def from_consultation(cls, catalogue: Catalogue, consultation: Consultation,
                          **kwargs: Any) -> "ConsultationSession":
        """A session on a complete consultation (a file, a signed record)."""
        from mesodesk.domain import to_data

        return cls(catalogue, to_data(consultation), **kwargs)

    @classmethod
    def next_session(cls, catalogue: Catalogue, earlier: Any, today: dt.date,
                     clinic: dict | None = None, practitioner: dict | None = None, *,
                     earlier_id: str | None = None, patient_id: str | None = None,
                     recorded_text: tuple[str, Any] | None = None,
                     **kwargs: Any) -> "ConsultationSession":
        """The next session of a signed plan (``earlier``: its canonical JSON):
        see :mod:`mesodesk.session.nextsession`. ``recorded_text`` is the clinical
        text the earlier pack gave (``store.clinical_text``; None when not on
        record): compared with today's, it decides re-consent
        (:mod:`mesodesk.session.reconsent`)."""
        prepared = next_session(earlier, today, clinic, practitioner, earlier_id=earlier_id,
                                patient_id=patient_id)
        session = cls(catalogue, prepared.data, **kwargs)
        session.adopt(prepared, compare_text(prepared, recorded_text, catalogue))
        return session

    @classmethod
    def for_patient(cls, catalogue: Catalogue, patient: Any, today: dt.date,
                    clinic: dict | None = None, practitioner: dict | None = None,
                    **kwargs: Any) -> "ConsultationSession":
        """A new consultation for a registered patient, their details prefilled."""
        session = cls(catalogue, for_patient(patient, today, clinic, practitioner), **kwargs)
        session.patient_id = getattr(patient, "id", None)
        return session

    def adopt(self, prepared: NextSession, reconsent: Reconsent | None = None) -> None:
        """Take what a later session carries besides its data: the patient, the
        earlier screening answers to confirm, the session it follows and (when
        compared) whether the patient consents again."""
        from mesodesk.session import reconsent as _reconsent

        self.follows = prepared
        self.reconsent = reconsent
        if reconsent is not None:
            _reconsent.apply(self.data, reconsent)
        self.patient_id = prepared.patient_id
        known = self.catalogue.screening
        self.prior_answers = {q: a for q, a in sorted(
            prepared.prior_answers.items(),
            key=lambda qa: (known[qa[0]].order if qa[0] in known else 1 << 30, qa[0]))}
        self.settle_answers()

    # --- confirming an earlier session's screening --------------------------------------

    def confirm_answer(self, question: str) -> bool:
        """The patient says this answer has not changed: it becomes this session's
        answer. False if there was no earlier answer waiting for it."""
        answer = self.prior_answers.pop(question, None)
        if answer is None:
            return False
        screening = self.data.setdefault("screening", {})
        answers = screening.get("answers")
        if not isinstance(answers, dict):
            answers = screening["answers"] = {}
        answers[question] = answer
        return True

    def settle_answers(self) -> list[str]:
        """Drop the earlier answers of questions answered anew in this session (the
        answer given now stands); returns the questions still to confirm."""
        answers = (self.data.get("screening") or {}).get("answers") or {}
        for question in [q for q in self.prior_answers if q in answers]:
            del self.prior_answers[question]
        return list(self.prior_answers)

    # --- what is known ------------------------------------------------------------------

    @property
    def data(self) -> draft.Data:
        return self.state.data

    def _key(self) -> tuple:
        s = self.state
        return (json.dumps(s.data, sort_keys=True, default=str), s.pack_viewed, s.wet_ink,
                s.finished, tuple(sorted(s.unconfirmed)), json.dumps(self.policy, sort_keys=True))

    def snapshot(self) -> Snapshot:
        """Findings and step states for the consultation as it is now, computed
        once per change (the faces may ask as often as they like)."""
        key = self._key()
        if self._snapshot is None or key != self._snapshot_key:
            self._snapshot = Snapshot(self.state, self.catalogue, self.table, self.policy)
            self._snapshot_key = key
            self.evaluations += 1
        return self._snapshot

    def practitioner_name(self) -> str:
        return str((self.data.get("practitioner") or {}).get("name", ""))

    def consultation(self) -> Consultation | None:
        return self.snapshot().consultation

    def problems(self) -> list[Any]:
        return draft.build_consultation(self.data, self.catalogue)[1]

    def check(self) -> Check:
        """Every finding of the complete consultation (``mesodesk check``)."""
        consultation = self.consultation()
        if consultation is None:
            problems = self.problems()
            raise SessionError(f"The consultation is not complete: "
                               f"{problems[0] if problems else 'incomplete'}")
        return Check(self.snapshot().all_findings, consultation.consent, consultation.language)

    # --- moving through the steps -------------------------------------------------------

    def can_enter(self, step_id: str) -> bool:
        return self.snapshot().can_enter(step_id)

    def go(self, step_id: str, force: bool = False) -> bool:
        if step_id not in self.table:
            return False
        if not force and not self.can_enter(step_id):
            return False
        self.step_id = step_id
        # what the indication suggested for this step is now on screen: it counts
        self.state.unconfirmed.difference_update(self.table.step(step_id).sections)
        return True

    def next_step(self) -> str | None:
        return self.snapshot().next_step(self.step_id)

    def previous_step(self) -> str | None:
        return self.snapshot().previous_step(self.step_id)

    def can_go_next(self) -> bool:
        nxt = self.next_step()
        return (nxt is not None and not self.table.step(nxt).by_button
                and self.can_enter(nxt))

    def start_step(self, requested: str | None = None) -> str:
        """Where to open: the requested step if it may be entered, else the first
        incomplete one, else the review."""
        snap = self.snapshot()
        if requested in self.table and snap.can_enter(requested):  # type: ignore[arg-type]
            return requested  # type: ignore[return-value]
        target = snap.first_incomplete()
        return target if snap.can_enter(target) else self.table.fallback

    # --- the pack the patient reads ---------------------------------------------------------

    def preview_target(self) -> tuple[Consultation, str] | None:
        """The unsigned consultation the patient is shown, and its fingerprint."""
        from mesodesk.domain import fingerprint

        consultation = draft.to_consultation(draft.unsigned(self.data), self.catalogue)
        if consultation is None:
            return None
        return consultation, fingerprint(consultation)

    def cached_pack(self, fp: str) -> bytes | None:
        return self._packs.get(fp)

    def keep_pack(self, fp: str, pdf: bytes) -> None:
        """Keep the last pack built (one only: a pack is a megabyte or so)."""
        self._packs = {fp: pdf}

    def forget_packs(self) -> None:
        self._packs.clear()

    def preview(self, paper: str = "a4") -> tuple[str, bytes]:
        """The unsigned pack (fingerprint, bytes); SessionError if not complete."""
        target = self.preview_target()
        if target is None:
            raise SessionError("the consultation is not complete.")
        consultation, fp = target
        pdf = self.cached_pack(fp) or build_pack(consultation, self.catalogue, paper)
        self.keep_pack(fp, pdf)
        return fp, pdf

    def mark_read(self, fp: str) -> bool:
        """The patient has seen every page of the pack ``fp``; True if this is new
        (the face records a 'viewed' audit event)."""
        if not fp or self.state.pack_viewed == fp:
            return False
        self.state.pack_viewed = fp
        return True

    # --- signing and storing ----------------------------------------------------------------

    def sign(self, signatures: list[dict], signed_at: str | None = None,
             agreed: list[str] | None = None, acknowledge: Sequence[str] = ()
             ) -> Consultation:
        """Put the signatures (and, if given, the statements the patient agreed
        to on screen) in the consultation; the signed consultation, or
        SessionError naming what stops it: an incomplete consultation, a
        statement or the photo choice not agreed to, or a finding that signing
        at this time raises (:meth:`signing_findings`: the clinic's minimum time
        to reflect blocks; a warning needs to be in ``acknowledge``)."""
        if signed_at is None:
            signed_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        consent = self.data.setdefault("consent", {})
        before = copy.deepcopy(consent)
        already = {(f.rule, f.path) for f in self.snapshot().unresolved}
        if agreed is not None:
            consent["agreed"] = list(agreed)
        consent["signatures"] = [dict(s, signed_at=s.get("signed_at", signed_at))
                                 for s in signatures]
        if acknowledge:
            consent["acknowledged"] = list(dict.fromkeys(
                [*(consent.get("acknowledged") or []), *acknowledge]))

        def refuse(message: str) -> SessionError:
            consent.clear()
            consent.update(before, signatures=[])   # nothing half-signed
            return SessionError(message)

        consultation, problems = draft.build_consultation(self.data, self.catalogue)
        if consultation is None:
            raise refuse(f"The consultation cannot be signed: "
                         f"{problems[0] if problems else 'it is not complete'}")
        # signed on screen: every statement ticked (no signature: initialled on paper)
        missing = (ceremony.not_agreed(self.data, consultation, self.catalogue)
                   if signatures else [])
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise refuse("The consultation cannot be signed: the patient has not agreed to "
                         f"\"{missing[0]}\"{more}.")
        stopping = [f for f in self.snapshot().unresolved   # the rules again, at this time
                    if (f.rule, f.path) not in already]
        if stopping:
            raise refuse(f"The consultation cannot be signed now: {stopping[0].message}")
        return consultation

    def signing_findings(self, signatures: list[dict], signed_at: str) -> list[Finding]:
        """The findings that giving these signatures at ``signed_at`` would
        raise (the rules judge the time to reflect by the signing time): a
        block stops signing; a warning is acknowledged by signing knowingly."""
        already = {(f.rule, f.path) for f in self.snapshot().unresolved}
        data = copy.deepcopy(self.data)
        data.setdefault("consent", {})["signatures"] = [
            dict(s, signed_at=s.get("signed_at", signed_at)) for s in signatures]
        state = FlowState(data, pack_viewed=self.state.pack_viewed)
        return [f for f in Snapshot(state, self.catalogue, self.table, self.policy).unresolved
                if (f.rule, f.path) not in already]

    def statements_to_agree(self, signed_at: str | None = None) -> list[str]:
        """The consent statements, then the photo choice, to agree to on screen
        when signing at ``signed_at`` (by default now)."""
        if signed_at is None:
            signed_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        return ceremony.to_agree_when_signed(self.data, self.catalogue, signed_at)

    def teach_back_questions(self) -> list[Any]:
        """The teach-back questions for this plan (empty until it is complete)."""
        return ceremony.teach_back_questions(self.consultation(), self.catalogue)

    def for_wet_ink(self) -> Consultation | None:
        """The unsigned consultation to print for signing in ink (the printed
        pages count as read)."""
        target = self.preview_target()
        if target is None:
            return None
        consultation, fp = target
        self.state.pack_viewed = fp
        consent = self.data.setdefault("consent", {})
        consent["signatures"] = []
        consent.pop("agreed", None)   # the patient initials the printed boxes
        return consultation

    def prepare_finalise(self, store: Any, consultation: Consultation, pdf: bytes = b"", *,
                         wet_ink: bool = False, paper: str = "a4",
                         practitioner: str | None = None,
                         draft_id: Callable[[], str | None] | None = None,
                         build: Callable[[Consultation, str], bytes] | None = None
                         ) -> Callable[[], Finalised]:
        """The work of storing the signed pack, to run on any thread: it builds
        the pack (unless given), stores the signed record and records an audit
        event per override, all in one transaction. It gets values only, never the session's state
        (``draft_id``, if given, is asked when the work runs: the draft's last
        save may still be on its way; ``build(consultation, paper)`` builds the pack,
        by default in this process)."""
        from mesodesk.domain import fingerprint

        catalogue, known_draft, patient_id = self.catalogue, self.draft_id, self.patient_id
        who = self.practitioner_name() if practitioner is None else practitioner
        fp = fingerprint(consultation)
        overrides = tuple(o.rule for o in consultation.consent.overrides)
        events: list[tuple[str, dict]] = [("overridden", {"rule": rule}) for rule in overrides]
        if self.follows is not None and self.reconsent is not None:
            events.append(("continued", self.reconsent.event(self.follows.earlier_id)))

        def work() -> Finalised:
            out = pdf or (build(consultation, paper) if build is not None
                          else build_pack(consultation, catalogue, paper))
            cid = None
            if store is not None:
                # the signed record and its override events in one transaction
                extra = {} if patient_id is None else {"patient_id": patient_id}
                cid = store.sign(draft_id() if draft_id is not None else known_draft,
                                 consultation, out, fp, who, **extra, events=events,
                                 text=pack_text(consultation, catalogue))
            return Finalised(out, fp, cid, wet_ink, overrides)

        return work

    def apply_finalise(self, result: Finalised) -> None:
        """Take the stored result back: the consultation is finished."""
        self.final_pdf = result.pdf
        self.state.finished = True
        self.state.wet_ink = result.wet_ink
        self.state.consultation_id = result.consultation_id
        self.draft_id = None
        self.step_id = self.table.ids[-1]

    def finalise(self, store: Any, consultation: Consultation, pdf: bytes = b"", *,
                 wet_ink: bool = False, paper: str = "a4") -> Finalised:
        """Store the signed pack now, on this thread (the command line, tests)."""
        result = self.prepare_finalise(store, consultation, pdf, wet_ink=wet_ink,
                                       paper=paper)()
        self.apply_finalise(result)
        return result

    # --- exporting --------------------------------------------------------------------------

    def suggested_file_name(self) -> str:
        """A file name for the saved pack (it names the patient: shown to the
        practitioner, never written to the audit trail)."""
        name = str((self.data.get("patient") or {}).get("name", "patient"))
        safe = "".join(ch if ch.isalnum() else "-" for ch in name).strip("-") or "patient"
        return f"mesodesk-{safe}-{self.data.get('date', '')}.pdf"

    @staticmethod
    def write_pdf(path: str | os.PathLike, pdf: bytes) -> None:
        """Write a pack atomically; OSError if the disk says no."""
        from mesodesk.domain.files import atomic_write

        atomic_write(Path(path), pdf)

    @staticmethod
    def export_event(pdf: bytes) -> dict[str, Any]:
        """The audit detail of an export: what was written, never where or for whom."""
        import hashlib

        return {"pdf_sha256": hashlib.sha256(pdf).hexdigest()}

    def export(self, path: str | os.PathLike, paper: str = "a4") -> bytes:
        """Build the pack for this complete consultation, every finding resolved,
        and write it to ``path``: print-ready, signatures as they are. Raises
        SessionError (the check says why) or OSError."""
        withdrawn = getattr(self.consultation(), "consent", None)
        if withdrawn is not None and withdrawn.withdrawn is not None:
            raise SessionError(f"Consent to this consultation was withdrawn "
                               f"({withdrawn.withdrawn.at}): its pack cannot be issued as "
                               "current.")
        if self.check().unresolved:
            raise SessionError("The consultation has unresolved safety findings.")
        consultation = self.consultation()
        assert consultation is not None
        pdf = build_pack(consultation, self.catalogue, paper)
        self.write_pdf(path, pdf)
        return pdf

    # --- withdrawal -------------------------------------------------------------------------

    @staticmethod
    def prepare_withdrawal(store: Any, catalogue: Catalogue, consultation_id: str,
                           practitioner: str, reason: str = "", at: str | None = None,
                           build: Callable[[Consultation, str], bytes] | None = None,
                           paper: str = "a4") -> Callable[[], str]:
        """The work of recording that the patient withdrew consent, to run on any
        thread: a new signed version of the consultation with ``consent.withdrawn``
        (when, and the reason if given), its own pack, superseding the signed one,
        and a 'withdrawn' audit event naming it. Returns the new version's id; the
        signed record itself never changes. SessionError when consent was already
        withdrawn or a newer version exists (withdraw that one).

        A withdrawn consultation's pack is not issued as current: its findings
        hold the absolute 'consultation-withdrawn' block, so :meth:`export` (and
        ``mesodesk export``) refuse it; the records' :meth:`Store.status` says
        so for every earlier version."""
        from mesodesk.domain import fingerprint, loads, to_data

        when = at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()

        def work() -> str:
            status = getattr(store, "status", None)
            if status is not None:
                where = status(consultation_id)
                if where.withdrawn:
                    raise SessionError(f"Consent to this consultation was already withdrawn "
                                       f"({where.withdrawn_at}).")
                if not where.is_current:
                    raise SessionError("A newer version of this consultation exists: "
                                       "withdraw consent on that one.")
            signed = store.signed(consultation_id)
            data = to_data(loads(signed.canonical_json))
            data.setdefault("consent", {})["withdrawn"] = {"at": when, "reason": reason}
            consultation = draft.to_consultation(data, catalogue)
            if consultation is None:
                raise SessionError("The withdrawal cannot be recorded: "
                                   f"{draft.build_consultation(data, catalogue)[1][0]}")
            pdf = (build(consultation, paper) if build is not None
                   else build_pack(consultation, catalogue, paper))
            version = store.new_version(consultation_id, practitioner)
            # the reason stays in the record: the audit trail holds no patient's words
            return store.sign(version, consultation, pdf, fingerprint(consultation),
                              practitioner, events=[("withdrawn", {"supersedes": consultation_id})],
                              text=pack_text(consultation, catalogue))

        return work

