"""The five parts of the pack, one function each, returning flowables.

Every sentence of clinical content comes from the catalogue (with its
sources); the words here only label and arrange it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (CondPageBreak, Flowable, KeepInFrame, KeepTogether, PageBreak,
                                Paragraph,
                                Table)

from mesodesk.catalogue.model import Catalogue, Indication, Product
from mesodesk.domain.model import Consultation, Signature
from mesodesk.pack import chart, selection as sel
from mesodesk.pack.document import PageOf, PartHeading
from mesodesk.pack.flow import (BidiParagraph, Box, Citations, Line, bullet, gap, labelled, para, png_image,
                                table, table_style)
from mesodesk.pack.styles import ALERT, Geometry, stylesheet
from mesodesk.pack.text import markup
from mesodesk.rules.finding import Finding

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ANSWER = {"yes": "Yes", "no": "No", "unknown": "Not known"}
SEVERITY = {"block": "Block", "warn": "Warning", "info": "Information"}
ROLE_TITLE = {"patient": "Patient", "practitioner": "Practitioner",
              "witness": "Witness or interpreter"}
PART_TITLES = ("Summary", "Information for you", "Consent form", "Treatment record",
               "Aftercare card")


def heading(text: str, style: str = "Heading", room_mm: float = 30) -> list[Flowable]:
    """A heading that never sits alone at the foot of a page."""
    return [CondPageBreak(room_mm * mm), para(text, style)]


def long_date(day: dt.date) -> str:
    """"25 November 2026", the same whatever the machine's locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def signed_at_text(value: str) -> str:
    """An ISO-8601 time as "25 November 2026 at 14:03" (keeping the offset if given)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    text = f"{long_date(moment.date())} at {moment:%H:%M}"
    if moment.utcoffset() is not None:
        offset = moment.strftime("%z")
        text += " UTC" if offset == "+0000" else f" (UTC{offset[:3]}:{offset[3:]})"
    return text


@dataclass
class PackContext:
    """Everything a part needs, worked out once."""

    consultation: Consultation
    catalogue: Catalogue
    fingerprint: str
    findings: list[Finding]
    geometry: Geometry
    citations: Citations = field(init=False)

    def __post_init__(self) -> None:
        self.citations = Citations(self.catalogue)

    @property
    def width(self) -> float:
        return self.geometry.frame_width

    @property
    def indication(self) -> Indication:
        return self.catalogue.indications[self.consultation.indication]

    @cached_property
    def products(self) -> list[tuple[Product, str]]:
        """Each chosen product with the regulatory status of this use."""
        out = []
        for use in self.consultation.products:
            product = self.catalogue.products[use.id]
            out.append((product, sel.use_status(product, self.consultation.indication)))
        return out

    @property
    def area_names(self) -> str:
        return sel.join_names(self.catalogue.areas[a].name for a in self.consultation.areas)

    @cached_property
    def unresolved(self) -> list[Finding]:
        return [f for f in self.findings if not f.resolved_by(self.consultation.consent)]

    def heading(self, number: int) -> Paragraph:
        return PartHeading(markup(f"Part {number}. {PART_TITLES[number - 1]}"),
                           stylesheet()["Part"], number)


# ---------------------------------------------------------------- 1 Summary

def summary(ctx: PackContext) -> list[Flowable]:
    c = ctx.consultation
    out: list[Flowable] = [para(c.clinic.name, "Clinic")]
    contact = [x for x in (c.clinic.address, f"Telephone {c.clinic.phone}" if c.clinic.phone
                           else "") if x]
    if contact:
        out.append(para(" · ".join(contact), "Note"))
    out.append(para("Mesotherapy: information and consent", "Title"))
    if not c.language.startswith("en"):
        out.append(para(f"This pack is in English (the language recorded for you is "
                        f"'{c.language}'). Ask the clinic for an interpreter if you need one.",
                        "Alert"))
    if ctx.unresolved:
        out.append(para(f"DRAFT, NOT FOR TREATMENT: {len(ctx.unresolved)} safety "
                        f"finding{'s are' if len(ctx.unresolved) > 1 else ' is'} not resolved "
                        "(see part 4).", "Alert"))
    practitioner = ", ".join(x for x in (c.practitioner.name,
                                         sel.PROFESSION_LABEL[c.practitioner.profession],
                                         c.practitioner.registration) if x)
    rows = [
        ["Patient", c.patient.name],
        ["Date of birth", f"{long_date(c.patient.date_of_birth)} (age {c.patient_age})"],
        ["Consultation date", long_date(c.date)],
        ["Practitioner", practitioner],
        ["Treatment", f"{ctx.indication.name}: {ctx.area_names}"],
        ["Products", sel.join_names(p.name for p, _ in ctx.products)],
    ]
    out += [table(rows, [0.3 * ctx.width, 0.7 * ctx.width], shade_first_column=True), gap(6)]
    out += heading("What is in this pack")
    contents = [
        ["1", "Summary", "This page."],
        ["2", "Information for you", "The treatment, what it may and may not do, its risks, "
                                     "other options, when to get help."],
        ["3", "Consent form", "Statements to initial, photographs, signatures."],
        ["4", "Treatment record", "Health questions, safety checks, products, needle, plan."],
        ["5", "Aftercare card", "To take home, with the numbers to call."],
    ]
    rows = [[*row, PageOf(int(row[0]))] for row in contents]
    rows[0][-1] = para("1", "Cell")
    out.append(table([["Part", "Title", "What it holds", "Page"], *rows],
                     [0.09 * ctx.width, 0.26 * ctx.width, 0.55 * ctx.width, 0.1 * ctx.width],
                     header=True))
    out += heading("How to use this pack")
    days = c.consent.cooling_off_days
    steps = [
        "Read part 2 before you decide. Ask about anything that is unclear.",
        "You do not have to decide today." + (
            f" Your cooling-off period is {days} day{'s' if days != 1 else ''}." if days else ""),
        "Sign the consent form (part 3) only when you understand and agree.",
        "Keep the aftercare card (part 5).",
    ]
    out += [bullet(s) for s in steps]
    out.append(para(f"Fingerprint (SHA-256 of the consultation record this file embeds, "
                    f"also at the foot of every page): {ctx.fingerprint}. 'mesodesk verify' "
                    f"checks that the pack is unaltered.", "Note"))
    return out


# ---------------------------------------------------- 2 Patient information

def information(ctx: PackContext) -> list[Flowable]:
    c, cat, cite = ctx.consultation, ctx.catalogue, ctx.citations
    texts, ind = cat.texts, ctx.indication
    out: list[Flowable] = [PageBreak(), ctx.heading(2)]
    out.append(para(f"Please read this before you decide. It is written for you, "
                    f"{c.patient.name}, about the treatment discussed on {long_date(c.date)} "
                    f"with {c.practitioner.name}. Numbers in square brackets point to the "
                    f"sources listed at the end of this part."))

    out += heading("What mesotherapy is")
    out += [cite.statement(s) for s in texts.what_is_mesotherapy]
    out.append(cite.statement(texts.evidence_overall))

    out += heading("Your planned treatment")
    tech = cat.techniques[c.delivery.technique]
    device = cat.devices[c.delivery.device]
    out.append(labelled("What it is for", ind.name))
    out.append(cite.statement(ind.summary))
    out.append(labelled("Where", ctx.area_names))
    out.append(labelled("How", f"{tech.name}, using a {device.name.lower()}"))
    out.append(cite.statement(tech.description))
    out.append(cite.statement(device.description))
    out.append(labelled("Needle", f"{sel.needle_text(c.delivery.needle_gauge, c.delivery.needle_length_mm)}"
                                  f", to a depth of about {sel.number(c.delivery.depth_mm)} mm"))
    out += heading("The products", "Subheading", 50)
    for product, status in ctx.products:
        out.append(KeepTogether([
            para(product.name, "Label"),
            cite.statement(product.description),
            labelled("Status for this use", sel.status_text(product, c.indication)),
            cite.statement(product.regulatory.statement),
        ]))
    off_label = [p.name for p, s in ctx.products if s == "off-label"]
    unlicensed = [p.name for p, s in ctx.products if s == "unlicensed"]
    if off_label:
        out.append(para(f"Please note: {sel.join_names(off_label)} "
                        f"{'is' if len(off_label) == 1 else 'are'} used off-label in your "
                        "treatment.", "Alert"))
        out.append(cite.statement(texts.off_label_explained))
    if unlicensed:
        out.append(para(f"Please note: {sel.join_names(unlicensed)} "
                        f"{'is' if len(unlicensed) == 1 else 'are'} not licensed for this "
                        "use.", "Alert"))
        out.append(cite.statement(texts.unlicensed_explained))

    out += heading("What it may do for you")
    out.append(labelled("Strength of evidence", sel.EVIDENCE_LABEL[ind.evidence]))
    out.append(cite.statement(ind.evidence_summary))
    out.append(cite.statement(ind.expected_outcome))
    out += [cite.bullet(b) for b in ind.benefits]
    out.append(cite.statement(texts.results_vary))

    out += heading("How many sessions")
    sessions, weeks = c.plan.sessions, c.plan.interval_weeks
    plan = f"Your plan: {sessions} session{'s' if sessions != 1 else ''}"
    if sessions > 1:
        plan += f", about {sel.number(weeks)} week{'s' if weeks != 1 else ''} apart"
    out.append(para(plan + "."))
    if c.plan.notes.strip():
        out.append(labelled("Notes from your practitioner", c.plan.notes))
    out.append(cite.statement(ind.schedule))

    out += heading("Other options")
    out += [cite.bullet(a) for a in ind.alternatives]
    out.append(cite.bullet(texts.no_treatment))

    out += _risks(ctx)

    for when, title in (("before", "Before your treatment"), ("after", "After your treatment")):
        items = sel.care(c, cat, when)
        if items:
            out += heading(title)
            for _, item in items:
                prefix = "<i>Practice advice:</i> " if item.basis == "practice-advice" else ""
                out.append(cite.bullet(item.text, prefix=prefix))
        if when == "after":
            out.append(para("Advice marked “practice advice” is what clinics usually "
                            "recommend; it has not been tested in studies.", "Note"))

    out += heading("When to get help")
    out.append(cite.statement(texts.seek_help))
    for _, flag in sel.red_flags(c, cat):
        prefix = "<b>Emergency:</b> " if flag.urgency == "emergency" else "<b>Urgent:</b> "
        out.append(cite.bullet(flag.text, prefix=prefix))
    out.append(cite.statement(texts.emergency))
    out += _contacts(ctx, "Body")
    return out


def _risks(ctx: PackContext) -> list[Flowable]:
    c, cite = ctx.consultation, ctx.citations
    out: list[Flowable] = [para("Risks of this treatment", "Heading")]
    out.append(para("These are the risks of the products, technique, device and areas in "
                    "your plan. “How often” is the number of people affected, where it is "
                    "known."))
    chosen = sel.risks(c, ctx.catalogue)
    groups = (("Common risks", [r for _, r in chosen if r.frequency in sel.COMMON]),
              ("Less common and rare risks", [r for _, r in chosen
                                              if r.frequency not in sel.COMMON]))
    w = ctx.width
    for title, risks in groups:
        if not risks:
            continue
        rows: list[list] = [["Risk", "How often", "What to do"]]
        for risk in risks:
            name = para(risk.name, "CellBold",
                        suffix=' <font color="#9c1c1c">(serious)</font>'
                        if risk.seriousness == "serious" else "")
            rows.append([
                [name, cite.statement(risk.patient_text, "Cell")],
                [para(risk.frequency_text, "Cell"),
                 para(sel.FREQUENCY_LABEL[risk.frequency], "Note")],
                cite.statement(risk.what_to_do, "Cell"),
            ])
        out += heading(title, "Subheading", 45)
        out.append(table(rows, [0.42 * w, 0.24 * w, 0.34 * w], header=True))
    return out


def _contacts(ctx: PackContext, style: str) -> list[Flowable]:
    clinic = ctx.consultation.clinic
    out = []
    if clinic.phone:
        out.append(labelled(f"{clinic.name}, telephone", clinic.phone, style))
    if clinic.emergency_phone:
        out.append(labelled("Urgent help from the clinic", clinic.emergency_phone,
                            "Emergency"))
    return out


def references(ctx: PackContext) -> list[Flowable]:
    """The sources cited so far, numbered as in the text (built last)."""
    out: list[Flowable] = [para("References", "Heading")]
    for number, key in enumerate(ctx.citations.order, start=1):
        src = ctx.catalogue.sources[key]
        parts = [src.authors, f"({src.year})" if src.year else "", src.title.rstrip(".") + ".",
                 src.publisher + "." if src.publisher else ""]
        where = f"doi:{src.doi}" if src.doi else (src.url or (f"PMID {src.pmid}" if src.pmid
                                                              else ""))
        text = " ".join(p for p in parts if p)
        if where:
            text += " " + where
        if src.note:
            text += f" ({src.note})"
        out.append(BidiParagraph(f"{number}.&nbsp;&nbsp;{markup(text)}",
                                 stylesheet()["Reference"]))
    return out


# ------------------------------------------------------------- 3 Consent

def consent(ctx: PackContext) -> list[Flowable]:
    c, texts, w = ctx.consultation, ctx.catalogue.texts, ctx.width
    out: list[Flowable] = [PageBreak(), ctx.heading(3)]
    out.append(table([["Patient", f"{c.patient.name}, born {long_date(c.patient.date_of_birth)}"],
                      ["Treatment", f"{ctx.indication.name}: {ctx.area_names}"],
                      ["Practitioner", c.practitioner.name]],
                     [0.25 * w, 0.75 * w], shade_first_column=True))
    out.append(gap(3))
    out.append(para("Please write your initials in each box to show that you agree."))
    statements = [s.text for s in texts.consent_statements]
    for product, status in ctx.products:
        if status in ("off-label", "unlicensed"):
            statements.append(f"I understand that {product.name} is "
                              f"{sel.STATUS_LABEL[status]} in my treatment.")
    if any(f.severity in ("warn", "block") for f in ctx.findings):
        statements.append("My practitioner has discussed with me the cautions listed in "
                          "part 4 (treatment record).")
    rows = [[para(s, "Cell"), Box()] for s in statements]
    out.append(_box_table(rows, w, box_side="right"))

    rows = [[Box(ticked=key == c.consent.photos), para(st.text, "Cell")]
            for key, st in texts.photo_options.items()]
    initials = Table([[para("Your initials for this choice:", "Label"), Box()]],
                     colWidths=[0.5 * w, 12 * mm], hAlign="LEFT")
    initials.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    out.append(KeepTogether([
        para("Photographs", "Heading"),
        para("The box ticked shows the choice you made. Initial it."),
        _box_table(rows, w, box_side="left"), gap(2), initials,
    ]))

    out += heading("Time to think")
    out.append(para(texts.cooling_off.text))
    days = c.consent.cooling_off_days
    if days:
        earliest = c.date + dt.timedelta(days=days)
        out.append(labelled("Cooling-off period agreed",
                            f"{days} day{'s' if days != 1 else ''}: treatment no earlier than "
                            f"{long_date(earliest)}"))
    else:
        out.append(labelled("Cooling-off period agreed", "none"))

    out += heading("Signatures", room_mm=80)
    by_role: dict[str, list[Signature]] = {}
    for s in c.consent.signatures:
        by_role.setdefault(s.role, []).append(s)
    defaults = {"patient": c.patient.name, "practitioner": c.practitioner.name, "witness": ""}
    for index, role in enumerate(("patient", "practitioner", "witness")):
        title = ROLE_TITLE[role] + (" (only if one was present)" if role == "witness" else "")
        signed = [(i, s) for i, s in enumerate(c.consent.signatures) if s.role == role]
        if signed:
            for i, sig in signed:
                out.append(KeepTogether(_signed_block(ctx, title, sig, i)))
        else:
            out.append(KeepTogether(_wet_ink_block(ctx, title, defaults[role])))
    return out


def _box_table(rows: list[list], width: float, box_side: str) -> Table:
    box_col = 16 * mm
    widths = [width - box_col, box_col] if box_side == "right" else [box_col, width - box_col]
    t = Table(rows, colWidths=widths, hAlign="LEFT", splitInRow=1)
    t.setStyle(table_style(*[
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (-1 if box_side == "right" else 0, 0),
         (-1 if box_side == "right" else 0, -1), "CENTER"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c8c8")),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    return t


def _wet_ink_block(ctx: PackContext, title: str, name: str) -> list[Flowable]:
    w = ctx.width
    rows = [[para("Name", "Cell"), para(name, "Cell") if name else Line(0.6 * w, 9 * mm)],
            [para("Signature", "Cell"), Line(0.6 * w, 14 * mm)],
            [para("Date and time", "Cell"), Line(0.6 * w, 9 * mm)]]
    return [para(title, "Subheading"), _signature_table(rows, w)]


def _signed_block(ctx: PackContext, title: str, sig: Signature, index: int) -> list[Flowable]:
    w = ctx.width
    where = f"consent.signatures[{index}].image_png_base64"
    mark: Flowable
    if sig.image_png_base64:
        mark = png_image(sig.image_png_base64, where, 0.6 * w, 28 * mm)
    else:
        mark = para("(no image recorded)", "Note")
    rows = [[para("Name", "Cell"), para(sig.name, "Cell")],
            [para("Signature", "Cell"), mark],
            [para("Signed", "Cell"), para(f"on screen, {signed_at_text(sig.signed_at)}",
                                          "Cell")]]
    return [para(title, "Subheading"), _signature_table(rows, w)]


def _signature_table(rows: list[list], width: float) -> Table:
    t = Table(rows, colWidths=[0.28 * width, 0.72 * width], hAlign="LEFT", splitInRow=1)
    t.setStyle(table_style(*[
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("BOX", (0, 0), (-1, -1), 0.6, "#8c8c8c"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return t


# ------------------------------------------------------ 4 Treatment record

def record(ctx: PackContext) -> list[Flowable]:
    c, cat, w = ctx.consultation, ctx.catalogue, ctx.width
    out: list[Flowable] = [PageBreak(), ctx.heading(4)]
    out.append(para("What was checked and planned at your consultation. The clinic keeps "
                    "the same record."))

    out += heading("Health questions")
    questions = sorted(cat.screening.items(), key=lambda kv: (kv[1].order, kv[0]))
    rows: list[list] = [["Question", "Answer"]]
    for key, q in questions:
        rows.append([q.question, ANSWER[c.screening.answer(key)]])
    out.append(table(rows, [0.8 * w, 0.2 * w], header=True))
    out.append(gap(2))
    allergies = ", ".join(c.screening.allergies) or "None recorded"
    out.append(labelled("Allergies", allergies))
    out.append(labelled("Medicines", c.screening.medications or "None recorded"))
    if c.screening.notes.strip():
        out.append(labelled("Notes", c.screening.notes))

    out += heading("Safety checks")
    if not ctx.findings:
        out.append(para("The safety rules found nothing that needs attention."))
    else:
        rows = [["Finding", "Kind", "How it was resolved"]]
        consent_ = c.consent
        for f in ctx.findings:
            kind = SEVERITY[f.severity] + (" (absolute)" if f.absolute else "")
            if f.severity == "info":
                how = "For information."
            elif not f.resolved_by(consent_):
                how = "NOT RESOLVED: this pack must not be used for treatment."
            elif f.severity == "warn":
                how = "Acknowledged by the practitioner."
            else:
                override = consent_.override_for(f.rule)
                how = f"Overridden by the practitioner. Reason: {override.reason if override else ''}"
            rows.append([[para(f.rule, "CellBold"),
                          para(f.message, "Cell", suffix=ctx.citations.mark(f.source))],
                         kind, how])
        out.append(table(rows, [0.5 * w, 0.17 * w, 0.33 * w], header=True))

    tech = cat.techniques[c.delivery.technique]
    needle = cat.needles.get(c.delivery.needle_gauge)
    needle_line = sel.needle_text(c.delivery.needle_gauge, c.delivery.needle_length_mm)
    if needle is not None:
        needle_line += f" (outer diameter {sel.number(needle.outer_diameter_mm)} mm)"
    rows = [
        ["Indication", ctx.indication.name],
        ["Areas", ctx.area_names],
        ["Technique", f"{tech.name} (usual depth {sel.number(tech.depth_min_mm)}–"
                      f"{sel.number(tech.depth_max_mm)} mm)"],
        ["Device", cat.devices[c.delivery.device].name],
        ["Needle", needle_line],
        ["Depth", f"{sel.number(c.delivery.depth_mm)} mm"],
    ]
    out.append(KeepTogether([para("Treatment", "Heading"),
                             table(rows, [0.28 * w, 0.72 * w], shade_first_column=True)]))

    out += heading("Products", room_mm=45)
    rows = [["Product", "Status", "Lot", "Expiry", "Volume"]]
    for (product, status), use in zip(ctx.products, c.products):
        volume = f"{sel.number(use.volume_ml)} mL"
        if use.injections:
            volume += f", {use.injections} injections"
        rows.append([product.name, status.replace("-", " "), use.lot or "not recorded",
                     use.expiry.isoformat(), volume])
    out.append(table(rows, [0.3 * w, 0.16 * w, 0.16 * w, 0.18 * w, 0.2 * w], header=True))
    notes = [(p.name, p.practitioner_note) for p, _ in ctx.products if p.practitioner_note]
    if notes:
        out.append(para("Notes for the practitioner", "Subheading"))
        out += [labelled(name, note) for name, note in notes]

    out += chart.record_map(ctx)  # the injection map, when the products have points
    out += heading("Plan")
    sessions, weeks = c.plan.sessions, c.plan.interval_weeks
    out.append(labelled("Sessions", f"{sessions}, about {sel.number(weeks)} week"
                                    f"{'s' if weeks != 1 else ''} apart"
                        if sessions > 1 else "1"))
    if c.plan.notes.strip():
        out.append(labelled("Notes", c.plan.notes))
    practitioner = ", ".join(x for x in (c.practitioner.name,
                                         sel.PROFESSION_LABEL[c.practitioner.profession],
                                         c.practitioner.registration) if x)
    out.append(labelled("Practitioner", practitioner))
    return out


# -------------------------------------------------------- 5 Aftercare card

def aftercare(ctx: PackContext) -> list[Flowable]:
    """One page to take home. Compact spacing keeps it to one page at 12 pt; if a
    catalogue ever holds more than fits, the card is scaled down rather than split."""
    c, cat, w = ctx.consultation, ctx.catalogue, ctx.width
    card: list[Flowable] = [ctx.heading(5)]
    card.append(para(f"Keep this card. {c.patient.name}, treated on {long_date(c.date)} by "
                     f"{c.practitioner.name} at {c.clinic.name}. Treatment: "
                     f"{ctx.indication.name}; area: {ctx.area_names}."))
    call = [para("Who to call", "Subheading")]
    call += _contacts(ctx, "Body") or [para("Call the clinic that treated you.")]
    call.append(para(cat.texts.emergency.text, "BodyTight"))
    box = Table([[call]], colWidths=[w], hAlign="LEFT", splitInRow=1)
    box.setStyle(table_style(*[("BOX", (0, 0), (-1, -1), 2, ALERT),
                             ("LEFTPADDING", (0, 0), (-1, -1), 8),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    card.append(box)
    flags = sel.red_flags(c, cat)
    if flags:
        card.append(para("Get help at once if you notice", "CardHeading"))
        for _, flag in flags:
            prefix = "<b>Emergency:</b> " if flag.urgency == "emergency" else ""
            card.append(bullet(flag.text.text, prefix=prefix, style="CardBullet"))
    after = sel.care(c, cat, "after")
    if after:
        card.append(para("Looking after the treated skin", "CardHeading"))
        for _, item in after:
            prefix = "<i>Practice advice:</i> " if item.basis == "practice-advice" else ""
            card.append(bullet(item.text.text, prefix=prefix, style="CardBullet"))
    card = chart.with_card_map(ctx, card)  # where the injections went, if there is room
    return [PageBreak(), KeepInFrame(w, ctx.geometry.frame_height, card, mode="shrink",
                                     name="aftercare-card")]
