"""The version of the clinical text a pack gives a patient (re-consent).

A pack prints catalogue statements chosen for one plan: the general texts,
the indication, technique, device, the products, the plan's risks, care
items and red flags (:mod:`mesodesk.pack.selection` chooses them). Their text,
keyed by where each comes from, is :func:`clinical_text`; its hash is
:func:`text_version`, which the pack records in the clinic's record. A later
session of the same plan compares the two with :func:`text_changes`: when the
catalogue's wording changed the patient re-consents; otherwise the earlier
consent stands. No reportlab here: the session and the window use it too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Iterator, Literal, Mapping

from mesodesk.catalogue.model import Catalogue, Statement
from mesodesk.domain.model import Consultation
from mesodesk.pack import selection as sel

PREFIX = "ct1:"
# plain text fields printed beside the statements
PRINTED_FIELDS = frozenset({"name", "frequency_text"})


def _texts(obj: object, key: str) -> Iterator[tuple[str, str]]:
    """(key, text) for every statement (and printed name) inside ``obj``."""
    if isinstance(obj, Statement):
        yield key, obj.text
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, str):
                if f.name in PRINTED_FIELDS:
                    yield f"{key}.{f.name}", value
            else:
                yield from _texts(value, f"{key}.{f.name}")
    elif isinstance(obj, Mapping):
        for k in sorted(obj):
            yield from _texts(obj[k], f"{key}.{k}")
    elif isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            yield from _texts(item, f"{key}[{i}]")


def clinical_text(consultation: Consultation, catalogue: Catalogue) -> dict[str, str]:
    """Every catalogue text the pack prints for this plan, keyed by its origin
    (``risk.bruising.patient_text``). Ids the catalogue lacks are skipped."""
    c = consultation
    parts: list[tuple[str, object]] = [("texts", catalogue.texts)]
    if c.indication in catalogue.indications:
        parts.append((f"indication.{c.indication}", catalogue.indications[c.indication]))
    if c.delivery.technique in catalogue.techniques:
        parts.append((f"technique.{c.delivery.technique}",
                      catalogue.techniques[c.delivery.technique]))
    if c.delivery.device in catalogue.devices:
        parts.append((f"device.{c.delivery.device}", catalogue.devices[c.delivery.device]))
    for pid in dict.fromkeys(p.id for p in c.products):
        if pid in catalogue.products:
            parts.append((f"product.{pid}", catalogue.products[pid]))
    for table, chosen in (("risk", sel.risks(c, catalogue)),
                          ("care", sel.care(c, catalogue, "before") + sel.care(c, catalogue, "after")),
                          ("red-flag", sel.red_flags(c, catalogue))):
        for key, item in chosen:
            parts.append((f"{table}.{key}", item))
    out: dict[str, str] = {}
    for key, obj in parts:
        out.update(_texts(obj, key))
    return out


def text_version(texts: Mapping[str, str]) -> str:
    """A short, stable version of ``texts`` ("ct1:" and 16 hex digits of SHA-256)."""
    canonical = json.dumps(sorted(texts.items()), ensure_ascii=False, separators=(",", ":"))
    return PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def plan_text_version(consultation: Consultation, catalogue: Catalogue) -> str:
    return text_version(clinical_text(consultation, catalogue))


@dataclass(frozen=True)
class TextChange:
    key: str
    kind: Literal["added", "removed", "changed"]
    before: str
    after: str

    def describe(self) -> str:
        """One line for the practitioner: what changed, where."""
        where = self.key.replace(".", " › ")
        if self.kind == "added":
            return f"New: {where}: {self.after}"
        if self.kind == "removed":
            return f"No longer given: {where}: {self.before}"
        return f"Changed: {where}: now \"{self.after}\" (was \"{self.before}\")"


def text_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[TextChange]:
    """What changed between two :func:`clinical_text` results, by key."""
    out = []
    for key in sorted(set(before) | set(after)):
        if key not in before:
            out.append(TextChange(key, "added", "", after[key]))
        elif key not in after:
            out.append(TextChange(key, "removed", before[key], ""))
        elif before[key] != after[key]:
            out.append(TextChange(key, "changed", before[key], after[key]))
    return out


def needs_reconsent(recorded_version: str, consultation: Consultation,
                    catalogue: Catalogue) -> bool:
    """Whether the text this plan would print now differs from the version a
    signed pack recorded (an empty record counts as different)."""
    return recorded_version != plan_text_version(consultation, catalogue)
