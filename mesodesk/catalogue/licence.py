"""Licensed, off-label, device or unlicensed: decided here, once.

The safety rules (the ``off-label`` and ``unlicensed-product`` findings) and
the pack (Part 2's "Status for this use", the consent line, the treatment
record) all call :func:`use_status`, so the record and the patient's
information can never disagree about a product.
"""

from __future__ import annotations

from typing import Literal, Mapping

from mesodesk.catalogue.model import Indication, Product

UseStatus = Literal["licensed", "off-label", "device", "unlicensed", "unknown"]

# The id a consultation uses for a product the catalogue does not hold; its
# ``name`` (and the practitioner's risk text) come from the consultation.
OTHER = "other"

# How each status reads in the pack (Part 2, the consent line and the record).
STATUS_WORDS: dict[UseStatus, str] = {
    "licensed": "licensed medicine, used within its licence",
    "off-label": "licensed medicine, used off-label (outside its licence)",
    "device": "medical device, not a licensed medicine",
    "unlicensed": "unlicensed: no licence covers this use",
    "unknown": "not in the catalogue: its licence status has not been checked",
}
# Short form for the treatment record's table.
STATUS_SHORT: dict[UseStatus, str] = {
    "licensed": "licensed",
    "off-label": "off-label",
    "device": "device",
    "unlicensed": "unlicensed",
    "unknown": "not checked",
}


def use_status(product: Product | None, indication: str) -> UseStatus:
    """The status of *this use* of ``product`` for ``indication``.

    - a product outside the catalogue (``None``: id ``other``) is ``unknown``;
    - a product nobody has licensed is ``unlicensed``; a device is ``device``;
    - a licensed local anaesthetic used to numb the skin is within its licence;
    - a licensed medicine is within its licence only for the indications its
      catalogue entry lists in ``licensed_for``; any other use is off-label;
    - a medicine whose entry says ``off-label`` has no licensed use here.
    """
    if product is None:
        return "unknown"
    reg = product.regulatory
    if reg.status in ("unlicensed", "device", "off-label"):
        return reg.status
    if product.role == "anaesthetic":
        return "licensed"
    return "licensed" if indication in reg.licensed_for else "off-label"


# A licensed local anaesthetic numbs the skin; whether mixing it into another
# product stays within its licence is not claimed either way.
ANAESTHETIC_WORDS = "licensed medicine (a local anaesthetic, used to numb the skin)"


def status_words(product: Product | None, indication: str) -> str:
    """This use's status in plain words, as the pack prints it."""
    status = use_status(product, indication)
    if status == "licensed" and product is not None and product.role == "anaesthetic":
        return ANAESTHETIC_WORDS
    return STATUS_WORDS[status]


def licence_text(product: Product, indications: Mapping[str, Indication]) -> str:
    """What the product's UK licence covers, for the practitioner's finding."""
    reg = product.regulatory
    if reg.licensed_for:
        return "licensed only for " + ", ".join(
            indications[i].name if i in indications else i for i in reg.licensed_for)
    return reg.licence or "no UK licence for this use"
