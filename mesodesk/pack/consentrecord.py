"""The clinic's record of how consent was obtained (issue 15): how the
patient's age was checked, the prescriber's assessment, when the information
was first given and when consent was signed, any withdrawal, and the version
of the clinical text this pack gave (:mod:`mesodesk.pack.textversion`). The
rows open the record's first table (:func:`mesodesk.pack.parts.record`)."""

from __future__ import annotations

from mesodesk.pack import selection as sel
from mesodesk.pack.textversion import plan_text_version

AGE_CHECK_METHOD = {"passport": "passport", "driving-licence": "driving licence",
                    "national-id": "national identity card", "other-photo-id": "other photo ID",
                    "known-to-clinic": "known to the clinic"}


def consent_rows(ctx) -> list[list[str]]:
    """(label, value) rows: what the record states about consent."""
    from mesodesk.pack.parts import signed_at_text

    c = ctx.consultation
    check = c.patient.age_check
    rows = [["Age check",
             f"{AGE_CHECK_METHOD.get(check.method, check.method).capitalize()}, checked by "
             f"{check.checked_by} on {signed_at_text(check.checked_at)}"
             if check else "Not recorded"]]
    if c.practitioner.independent_prescriber:
        rows.append(["Prescriber", f"{c.practitioner.name} is an independent prescriber"])
    a = c.consent.prescriber_assessment
    if a is not None:
        who = ", ".join(x for x in (a.name, sel.PROFESSION_LABEL.get(a.profession, a.profession),
                                     a.registration) if x)
        rows.append(["Prescriber's assessment",
                     f"{who}; {signed_at_text(a.assessed_at)}; "
                     + ("face to face" if a.in_person else "NOT face to face (remote)")])
    given = c.consent.information_given_at
    rows.append(["Information first given", signed_at_text(given) if given else "Not recorded"])
    sigs = [s for s in c.consent.signatures if s.role == "patient"] or list(c.consent.signatures)
    rows.append(["Consent signed",
                 signed_at_text(min(sigs, key=lambda s: s.signed_at).signed_at) if sigs
                 else "Not signed on screen (to be signed on paper)"])
    w = c.consent.withdrawn
    if w is not None:
        rows.append(["WITHDRAWN", f"{signed_at_text(w.at)}"
                                  + (f". Reason: {w.reason}" if w.reason.strip() else "")])
    rows.append(["Information text version", plan_text_version(c, ctx.catalogue)])
    return rows
