"""Re-consent at a later session of a signed plan, when the information changed.

Each signed pack records the version of the clinical text it gave the patient
(:mod:`mesodesk.pack.textversion`: a hash of every statement printed for the
plan); the records keep that text beside the signed consultation. Starting the
next session compares it with what the catalogue says for the same plan now:

- **unchanged**: the earlier consent is referenced; the information was given
  at the earlier session, so ``consent.information_given_at`` carries over
  (the clinic's reflection period is not started again);
- **changed** (or the earlier text is not on record): the practitioner sees
  what changed, the patient is given the new information now and consents
  again (the reflection period starts anew).

No Qt, no store: the faces read the earlier record and hand it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from mesodesk.catalogue.model import Catalogue
    from mesodesk.domain import Consultation
    from mesodesk.pack.textversion import TextChange


@dataclass(frozen=True)
class Reconsent:
    """What the comparison found."""

    required: bool
    earlier_version: str                  # "" when the earlier record kept no text
    current_version: str
    changes: tuple[TextChange, ...] = field(default=())
    earlier_information_given_at: str = ""

    @property
    def on_record(self) -> bool:
        return bool(self.earlier_version)

    def summary(self, limit: int = 4) -> str:
        """One short paragraph for the practitioner."""
        if not self.required:
            return ("The information for this plan has not changed since the earlier "
                    f"consent (text version {self.current_version}): that consent is "
                    "referenced and the information counts as given then.")
        if not self.on_record:
            return ("The earlier record does not keep the information text it gave, so "
                    "it cannot be shown unchanged: the patient reads the pack and "
                    "consents again.")
        n = len(self.changes)
        lines = [f"The information for this plan changed since the earlier consent "
                 f"({n} change{'s' if n != 1 else ''}): the patient reads the new pack and "
                 "consents again."]
        lines += [c.describe() for c in self.changes[:limit]]
        if n > limit:
            lines.append(f"\u2026 and {n - limit} more.")
        return "\n".join(lines)

    def event(self, earlier_id: str | None) -> dict[str, Any]:
        """The audit detail of the signing that follows (no patient data)."""
        return {"follows": earlier_id or "",
                "earlier_consent": "renewed" if self.required else "referenced",
                "text_version": self.current_version,
                "earlier_text_version": self.earlier_version}


def compare(earlier: Consultation, recorded: tuple[str, Mapping[str, str]] | None,
            catalogue: Catalogue) -> Reconsent:
    """Compare the text the earlier pack gave (``recorded``: its version and
    texts, or None when the record kept none) with the catalogue's text for the
    same plan now."""
    from mesodesk.pack.textversion import clinical_text, text_changes, text_version

    now = clinical_text(earlier, catalogue)
    current = text_version(now)
    signed = sorted(s.signed_at for s in earlier.consent.signatures if s.signed_at)
    # the information was given by the time the patient signed, at the latest
    given = earlier.consent.information_given_at or (signed[0] if signed else "")
    if recorded is None:
        return Reconsent(True, "", current, (), given)
    version, texts = recorded
    if version == current:
        return Reconsent(False, version, current, (), given)
    changes = tuple(text_changes(dict(texts), now))
    return Reconsent(True, version, current, changes, given)


def apply(data: dict, result: Reconsent) -> None:
    """Put the comparison into the next session's partial consultation: an
    unchanged text carries the earlier time the information was given."""
    consent = data.setdefault("consent", {})
    if not result.required and result.earlier_information_given_at:
        consent["information_given_at"] = result.earlier_information_given_at
    else:
        consent.pop("information_given_at", None)
