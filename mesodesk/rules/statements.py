"""The consent statements a patient agrees to for one plan, and whether a
consultation records agreement to each.

The consent form prints them to initial (on paper) or shows each ticked when
the patient agreed on screen (``consent.agreed``, format /2: the statements'
own words, so the record says what was agreed even if the catalogue changes
later). The window asks for them from the same function, so the two never
differ. A pure function of the consultation, the catalogue and its findings.
"""

from __future__ import annotations

from typing import Iterable

from mesodesk.catalogue import licence
from mesodesk.catalogue.model import Catalogue
from mesodesk.domain.model import Consultation
from mesodesk.rules.finding import Finding

OTHER = "other"  # the product id of a product outside the catalogue


def normal(text: str) -> str:
    """A statement compared by its words, whatever the spacing."""
    return " ".join(text.split())


def consent_statements(consultation: Consultation, catalogue: Catalogue,
                       findings: Iterable[Finding]) -> list[str]:
    """Every statement of the consent form for this plan, in print order."""
    c = consultation
    statements = [s.text for s in catalogue.texts.consent_statements]
    for use in c.products:
        product = catalogue.products.get(use.id) if use.id != OTHER else None
        if product is None:
            continue
        status = licence.use_status(product, c.indication)
        if status in ("off-label", "unlicensed"):
            statements.append(f"I understand that {product.name} is "
                              f"{licence.STATUS_WORDS[status]} in my treatment.")
    for use in c.products:
        if use.id == OTHER:
            statements.append(f"I understand that the information about {use.name} was "
                              "written by my practitioner, not taken from the catalogue.")
    if any(f.severity in ("warn", "block") for f in findings):
        statements.append("My practitioner has talked me through the cautions that apply "
                          "to me.")
    return statements


def photo_statement(consultation: Consultation, catalogue: Catalogue) -> str:
    """The words of the photo choice made (agreed like a statement)."""
    option = catalogue.texts.photo_options.get(consultation.consent.photos)
    return option.text if option is not None else ""


def to_agree(consultation: Consultation, catalogue: Catalogue,
             findings: Iterable[Finding]) -> list[str]:
    """What the patient agrees to on screen: each statement, then the photo choice."""
    out = consent_statements(consultation, catalogue, findings)
    photo = photo_statement(consultation, catalogue)
    return out + ([photo] if photo else [])


def agreed(consultation: Consultation, statement: str) -> bool:
    return normal(statement) in {normal(s) for s in consultation.consent.agreed}


def not_agreed(consultation: Consultation, catalogue: Catalogue,
               findings: Iterable[Finding]) -> list[str]:
    """The statements (and photo choice) the consultation records no agreement to."""
    have = {normal(s) for s in consultation.consent.agreed}
    return [s for s in to_agree(consultation, catalogue, findings) if normal(s) not in have]
