"""The sections of the pack, one function each, returning flowables.

The file holds two copies. The patient's copy: key facts (page 1), more about
the treatment, the consent form and the aftercare card. The clinic's record:
the treatment record with the screening answers and the safety findings (rule
ids and override reasons appear only here). The references close the file and
serve both copies.

Every sentence of clinical content comes from the catalogue (with its
sources); the words here only label and arrange it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (CondPageBreak, Flowable, KeepInFrame, KeepTogether, PageBreak,
                                Table)

from mesodesk.catalogue.model import Catalogue, Indication, Product, Risk
from mesodesk.catalogue.vocabulary import labels
from mesodesk.domain.model import Consultation, ProductUse, Signature
from mesodesk.pack import chart, selection as sel
from mesodesk.pack.document import Section, SectionStart
from mesodesk.pack.flow import (BidiParagraph, Box, Citations, Line, bullet, gap, labelled, para,
                                png_image, table, table_style)
from mesodesk.pack.styles import ALERT, SHADE, Geometry, stylesheet
from mesodesk.pack.text import markup
from mesodesk.rules import statements as stmt
from mesodesk.rules.finding import Finding
from mesodesk.rules.teachback import Question, questions

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ANSWER = labels("answers")   # the one vocabulary (catalogue/vocabulary.toml)
SEVERITY = {"block": "Block", "warn": "Warning", "info": "Information"}
ROLE_TITLE = {"patient": "Patient", "practitioner": "Practitioner",
              "witness": "Witness or interpreter"}

PATIENT_COPY = "Patient's copy"
CLINIC_COPY = "Clinic's record"
SECTIONS = (
    Section("key-facts", "Key facts", PATIENT_COPY),
    Section("information", "More about your treatment", PATIENT_COPY),
    Section("consent", "Consent form", PATIENT_COPY),
    Section("aftercare", "Aftercare card", PATIENT_COPY),
    Section("record", "Treatment record", CLINIC_COPY),
    Section("references", "References", ""),
)
SECTION = {s.key: s for s in SECTIONS}
# The risk groups, each risk in exactly one: by how often it happens.
RISK_GROUPS = (("Common side effects", ("very-common", "common")),
               ("Less common and rare risks", ("uncommon", "rare", "very-rare")),
               ("Risks where nobody knows how often they happen", ("not-known",)))
SERIOUS = ' <font color="#9c1c1c">(serious)</font>'
OTHER = "other"  # the product id of a product outside the catalogue
WRITTEN_BY_PRACTITIONER = ("This product is not in the catalogue this pack is made from. The "
                           "information about it below was written by your practitioner, not "
                           "taken from the checked catalogue. Its licence has not been checked.")


def heading(text: str, style: str = "Heading", room_mm: float = 30) -> list[Flowable]:
    """A heading that never sits alone at the foot of a page."""
    return [CondPageBreak(room_mm * mm), para(text, style)]


def section_start(key: str, title: str = "", style: str = "Part") -> list[Flowable]:
    """The start of a section: its outline mark and its title."""
    out: list[Flowable] = [SectionStart(SECTION[key])]
    if title:
        out.append(para(title, style))
    return out


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


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def short_frequency(risk: Risk) -> str:
    """The frequency without its qualifiers: "about 9 in 10 people (87 in 100; ...)"
    -> "about 9 in 10 people", for the key facts."""
    return re.split(r"\s*[(;]", risk.frequency_text, maxsplit=1)[0].strip() or risk.frequency_text


@dataclass
class PackContext:
    """Everything a section needs, worked out once."""

    consultation: Consultation
    catalogue: Catalogue
    fingerprint: str
    findings: list[Finding]
    geometry: Geometry
    citations: Citations = field(init=False)
    # what the key facts moved to "More about your treatment" to fit on page 1
    moved: frozenset[str] = field(init=False, default=frozenset())

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
        """Each chosen catalogue product with the regulatory status of this use."""
        out = []
        for use in self.consultation.products:
            if use.id != OTHER:
                product = self.catalogue.products[use.id]
                out.append((product, sel.use_status(product, self.consultation.indication)))
        return out

    @property
    def others(self) -> list[ProductUse]:
        """Products outside the catalogue: named, their risks written by the practitioner."""
        return [use for use in self.consultation.products if use.id == OTHER]

    @property
    def product_names(self) -> str:
        return sel.join_names([p.name for p, _ in self.products]
                              + [use.name for use in self.others])

    @property
    def area_names(self) -> str:
        return sel.join_names(self.catalogue.areas[a].name for a in self.consultation.areas)

    @cached_property
    def unresolved(self) -> list[Finding]:
        return [f for f in self.findings if not f.resolved_by(self.consultation.consent)]

    @cached_property
    def risks(self) -> list[Risk]:
        return [r for _, r in sel.risks(self.consultation, self.catalogue)]

    @cached_property
    def teach_back(self) -> list[Question]:
        return questions(self.consultation, self.catalogue)

    @property
    def plan_text(self) -> str:
        p = self.consultation.plan
        if p.sessions <= 1:
            return "1 session"
        weeks = sel.number(p.interval_weeks)
        total = sel.number(p.interval_weeks * (p.sessions - 1))
        return (f"{plural(p.sessions, 'session')}, about {weeks} week"
                f"{'s' if p.interval_weeks != 1 else ''} apart (about {total} weeks from "
                f"first to last)")

    @property
    def practitioner_line(self) -> str:
        c = self.consultation
        return ", ".join(x for x in (c.practitioner.name,
                                     sel.PROFESSION_LABEL[c.practitioner.profession],
                                     c.practitioner.registration) if x)


def _contacts(ctx: PackContext, style: str) -> list[Flowable]:
    clinic = ctx.consultation.clinic
    out = []
    if clinic.phone:
        out.append(labelled(f"{clinic.name}, telephone", clinic.phone, style))
    if clinic.emergency_phone:
        out.append(labelled("Urgent help from the clinic", clinic.emergency_phone,
                            "Emergency"))
    return out


def _risk_line(risk: Risk) -> str:
    return f"{risk.name}: {short_frequency(risk)}."


# ------------------------------------------------------------ Key facts (page 1)

# How the key facts are made to fit on page 1, tried in order until they do:
# first the layout (each fact's label run in at the start of its text, so the
# text has the whole width), then, one at a time, the longer descriptions move
# to "More about your treatment" (page 2 onwards), each leaving a pointer.
# Risks, alternatives, time to think and whom to call never move.
KEY_FACTS_STEPS: tuple[tuple[bool, frozenset[str]], ...] = (
    (False, frozenset()),
    (True, frozenset()),
    (True, frozenset({"summary"})),
    (True, frozenset({"summary", "outcome"})),
    (True, frozenset({"summary", "outcome", "products"})),
)
MORE_OVERLEAF = "More about this from page 2, under “{}”."


def key_facts(ctx: PackContext) -> list[Flowable]:
    """Page 1: the first of :data:`KEY_FACTS_STEPS` whose key facts fit on one
    page of this paper. What a later step moves is noted in ``ctx.moved``, and
    :func:`information` prints it."""
    height, width = ctx.geometry.frame_height, ctx.width
    for step, (run_in, moved) in enumerate(KEY_FACTS_STEPS, start=1):
        saved = ctx.citations.save()
        out = _key_facts(ctx, run_in, moved)
        if step == len(KEY_FACTS_STEPS) or _height(out, width, height) <= height - SLACK:
            break  # the last step is kept even if it does not fit
        ctx.citations.restore(saved)  # a trial must not number sources
    ctx.moved = moved
    return out


SLACK = 4.0  # points of the frame a measured page 1 leaves free, to be certain


def _height(flowables: list[Flowable], width: float, height: float) -> float:
    """The height these flowables take stacked in one frame of this size."""
    total = 0.0
    for f in flowables:
        _, h = f.wrap(width, height)
        if total:
            total += f.getSpaceBefore()  # a frame adds it below anything but its top
        total += h + f.getSpaceAfter()
    return total


def _key_facts(ctx: PackContext, run_in: bool, moved: frozenset[str]) -> list[Flowable]:
    c, texts, cite, w = ctx.consultation, ctx.catalogue.texts, ctx.citations, ctx.width
    ind = ctx.indication
    out: list[Flowable] = section_start("key-facts")
    out.append(para(c.clinic.name, "Clinic"))
    contact = [x for x in (c.clinic.address, f"Telephone {c.clinic.phone}" if c.clinic.phone
                           else "") if x]
    if contact:
        out.append(para(" · ".join(contact), "BodyTight"))
    out.append(para("Key facts about your treatment", "Title"))
    out.append(para(f"For {c.patient.name}, born {long_date(c.patient.date_of_birth)}. "
                    f"Talked through with {c.practitioner.name} on {long_date(c.date)}. "
                    f"The pages after this one tell you more."))
    if not c.language.startswith("en"):
        out.append(para(f"This pack is in English (the language recorded for you is "
                        f"'{c.language}'). Ask the clinic for an interpreter if you need one.",
                        "Alert"))
    if ctx.unresolved:
        out.append(para(f"DRAFT, NOT FOR TREATMENT: {len(ctx.unresolved)} safety "
                        f"check{'s are' if len(ctx.unresolved) > 1 else ' is'} not resolved. "
                        "Do not sign.", "Alert"))

    common = [r for r in ctx.risks if r.frequency in ("very-common", "common")
              and r.seriousness != "serious"]
    serious = [r for r in ctx.risks if r.seriousness == "serious"]
    serious_known = " ".join(_risk_line(r) for r in serious if r.frequency != "not-known")
    unknown = [r.name for r in serious if r.frequency == "not-known"]
    if unknown:
        serious_known += (" " if serious_known else "") + (
            "Nobody knows how often these happen: " + "; ".join(unknown) + ".")
    if ctx.others:
        serious_known += (" " if serious_known else "") + (
            f"For {sel.join_names(u.name for u in ctx.others)}, read the risks your "
            "practitioner wrote (under “The products”).")

    label = ""  # the current row's label, run in at the start of its first paragraph

    def lead() -> str:
        nonlocal label
        text, label = label, ""
        return f"<b>{markup(text)}:</b> " if text else ""

    def fact(text: str, style: str = "KeyCell") -> Flowable:
        return para(text, style, prefix=lead())

    def statement(st, style: str = "KeyCell") -> Flowable:
        return cite.statement(st, style, prefix=lead())

    def labelled_fact(name: str, text: str, style: str = "KeyCell") -> Flowable:
        first = lead()  # after a run-in label, "Whom to call: Clinic, 0123", not two colons
        return para(text, style, prefix=f"{first}{markup(name)}, " if first
                    else f"<b>{markup(name)}:</b> ")

    def row(name: str, build) -> list:
        nonlocal label
        label = name if run_in else ""
        value = build()
        return [para(name, "KeyLabel"), value] if not run_in else [value]

    days = c.consent.cooling_off_days
    n_products = len(c.products)
    if "products" in moved:
        products = (f"{plural(n_products, 'product')}, each named and described under "
                    "“The products” from page 2.")
    else:
        products = f"Product{'s' if n_products > 1 else ''}: {ctx.product_names}."

    def what_it_is() -> list[Flowable]:
        items = [fact(f"{ind.name}. Area{'s' if len(c.areas) > 1 else ''}: "
                      f"{ctx.area_names}. {products}")]
        if "summary" in moved:
            items.append(para(MORE_OVERLEAF.format("How it is done"), "KeyCell"))
        else:
            items.append(cite.statement(ind.summary, "KeyCell"))
        return items

    def what_it_may_do() -> list[Flowable]:
        proof = sel.EVIDENCE_LABEL[ind.evidence]
        first = (fact(MORE_OVERLEAF.format("What it may do for you")) if "outcome" in moved
                 else statement(ind.expected_outcome))
        return [first, labelled("How strong the proof is", proof, "KeyCell")]

    def alternatives() -> list[Flowable]:
        items = [cite.bullet(a, style="KeyBullet") for a in ind.alternatives]
        if run_in:
            items.insert(0, para(f"{label}:", "KeyCellBold"))
        return items

    def think() -> list[Flowable]:
        items = [statement(texts.cooling_off)]
        if days:
            items.append(para(f"Your cooling-off time is {plural(days, 'day')}: no treatment "
                              f"before {long_date(c.date + dt.timedelta(days=days))}.",
                              "KeyCellBold"))
        return items

    def phones() -> list[Flowable]:
        items = []
        if c.clinic.phone:
            items.append(labelled_fact(c.clinic.name, c.clinic.phone))
        if c.clinic.emergency_phone:
            items.append(labelled_fact("Urgent help from the clinic", c.clinic.emergency_phone,
                                       "KeyCellBold"))
        items.append(statement(texts.emergency))
        return items

    rows = [
        row("What it is", what_it_is),
        row("What it may do", what_it_may_do),
        row("Common side effects", lambda: [fact(" ".join(_risk_line(r) for r in common)
                                                 if common else "None known to be common.")]),
        row("Serious risks", lambda: [fact(serious_known or "None listed for this plan.")]),
        row("Other choices", alternatives),
        row("Sessions", lambda: [fact(ctx.plan_text + ".")]),
        row("Time to think", think),
        row("Whom to call", phones),
    ]
    widths = [w] if run_in else [0.22 * w, 0.78 * w]
    out.append(table(rows, widths, shade_first_column=not run_in, compact=True))
    return out


# ------------------------------------------------- More about your treatment

def information(ctx: PackContext) -> list[Flowable]:
    c, cat, cite = ctx.consultation, ctx.catalogue, ctx.citations
    texts, ind = cat.texts, ctx.indication
    out: list[Flowable] = [PageBreak(), *section_start("information",
                                                         "More about your treatment")]
    out.append(para("Numbers in square brackets point to the list of sources at the end of "
                    "this pack."))

    out += heading("What mesotherapy is")
    out += [cite.statement(s) for s in texts.what_is_mesotherapy]
    out.append(cite.statement(texts.evidence_overall))

    out += heading("How it is done")
    if "summary" in ctx.moved:  # page 1 had no room for it
        out.append(cite.statement(ind.summary))
    tech = cat.techniques[c.delivery.technique]
    device = cat.devices[c.delivery.device]
    out.append(labelled("Method", f"{tech.name}, using a {device.name.lower()}"))
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
    for use in ctx.others:
        out.append(KeepTogether([
            para(use.name, "Label"),
            para(WRITTEN_BY_PRACTITIONER, "Alert"),
            labelled("Risks, as written by your practitioner",
                     use.risk_text.strip() or "none written"),
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
    if "outcome" in ctx.moved:  # page 1 had no room for it
        out.append(cite.statement(ind.expected_outcome))
    out.append(cite.statement(ind.evidence_summary))
    out += [cite.bullet(b) for b in ind.benefits]
    out.append(cite.statement(texts.results_vary))
    out.append(cite.statement(ind.schedule))
    if c.plan.notes.strip():
        out.append(labelled("Notes from your practitioner", c.plan.notes))

    out += heading("If you choose no treatment")
    out.append(cite.statement(texts.no_treatment))

    out += _risks(ctx)

    before = sel.care(c, cat, "before")
    if before:
        out += heading("Before your treatment")
        for _, item in before:
            prefix = "<i>Practice advice:</i> " if item.basis == "practice-advice" else ""
            out.append(cite.bullet(item.text, prefix=prefix))

    out += heading("After your treatment")
    out.append(para("Your aftercare card, the last page of your copy, tells you how to care "
                    "for your skin, what to watch for and whom to call. Keep it with you. "
                    "“Practice advice” is what clinics usually advise; it has not been tested "
                    "in studies."))
    out.append(cite.statement(texts.seek_help))
    return out


def _risks(ctx: PackContext) -> list[Flowable]:
    """Each risk once, in one of three groups by how often it happens, with one
    statement of how often."""
    cite = ctx.citations
    out: list[Flowable] = heading("Risks of this treatment", room_mm=60)
    out.append(para("These are the risks of the products, method and areas in your plan. "
                    "Each is listed once, with how many people it happens to, such as "
                    "“about 1 in 10”. “Not known” means no study has counted it."))
    for title, frequencies in RISK_GROUPS:
        risks = [r for r in ctx.risks if r.frequency in frequencies]
        if not risks:
            continue
        out += heading(title, "Subheading", 30)
        for risk in risks:
            cite.texts.append(risk.name)
            how_often = f"{risk.frequency_text[:1].upper()}{risk.frequency_text[1:]}."
            out += [  # the name keeps with its text (RiskName: keepWithNext); the text may split
                para(risk.name, "RiskName",
                     suffix=SERIOUS if risk.seriousness == "serious" else ""),
                # how often, then what it is, in one paragraph: one frequency, said first
                cite.statement(risk.patient_text, "RiskText",
                               prefix=f"<i>How often:</i> {markup(how_often.replace('..', '.'))} "),
                cite.statement(risk.what_to_do, "RiskText", prefix="<i>What to do:</i> "),
            ]
    return out


def glossary(ctx: PackContext, used_text: str) -> list[Flowable]:
    """A short box explaining the medical words the patient's copy uses."""
    words = used_text.lower()
    terms = [t for t in ctx.catalogue.texts.glossary
             if any(re.search(rf"\b{re.escape(x.lower())}\b", words)
                    for x in (t.term, *t.also))]
    if not terms:
        return []
    entries: list[Flowable] = []
    for t in terms:
        ctx.citations.texts.append(t.meaning.text)
        entries.append(para(t.meaning.text, "Glossary", prefix=f"<b>{markup(t.term)}:</b> ",
                            suffix=ctx.citations.mark(t.meaning.source)))
    # two columns, the first as long as the second or one entry longer, read down
    # then across; each entry whole (a box of short entries need not fill a row)
    inner = ctx.width / 2 - 12
    heights = [e.wrap(inner, 1000)[1] for e in entries]
    split = next((i for i in range(len(entries) + 1)
                  if sum(heights[:i]) >= sum(heights[i:])), len(entries))
    box = Table([[para("Words explained", "Subheading"), ""],
                 [entries[:split], entries[split:]]],
                colWidths=[ctx.width / 2] * 2, hAlign="LEFT")
    box.setStyle(table_style(("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#1f4e79")),
                             ("SPAN", (0, 0), (1, 0)),
                             ("VALIGN", (0, 0), (-1, -1), "TOP"),
                             ("LEFTPADDING", (0, 0), (-1, -1), 6),
                             ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 6)))
    return [KeepTogether([gap(3), box])]  # whole, on the next page if it does not fit


# ------------------------------------------------------------- Consent form

def consent(ctx: PackContext) -> list[Flowable]:
    c, texts, w = ctx.consultation, ctx.catalogue.texts, ctx.width
    # a new page unless most of one is left (the end of the information is short)
    out: list[Flowable] = [CondPageBreak(150 * mm), gap(4),
                           *section_start("consent", "Consent form")]
    days = c.consent.cooling_off_days
    if days:
        earliest = c.date + dt.timedelta(days=days)
        agreed = f"{plural(days, 'day')}: no treatment before {long_date(earliest)}"
    else:
        agreed = "none"
    out.append(table([["Patient", f"{c.patient.name}, born {long_date(c.patient.date_of_birth)}"],
                      ["Treatment", f"{ctx.indication.name}: {ctx.area_names}"],
                      ["Practitioner", c.practitioner.name],
                      ["Time to think", f"Cooling-off time agreed: {agreed}"]],
                     [0.25 * w, 0.75 * w], shade_first_column=True, compact=True))
    out.append(gap(3))
    out += _teach_back(ctx)  # understanding is checked before anything is initialled
    out.append(gap(3))
    # Agreed on screen (signed on screen, each statement ticked): the boxes are
    # ticked; a pack for wet ink keeps them empty, for the patient's initials.
    on_screen = bool(c.consent.signatures) and bool(c.consent.agreed)
    if on_screen:
        out.append(para("A tick in a box shows that you agreed to it on screen before "
                        "you signed."))
    else:
        out.append(para("Please write your initials in each box to show that you agree."))
    statements = stmt.consent_statements(c, ctx.catalogue, ctx.findings)
    rows = [[para(s, "Cell"), Box(7 * mm, ticked=on_screen and stmt.agreed(c, s))]
            for s in statements]
    out.append(_box_table(rows, w, box_side="right"))

    rows = [[Box(ticked=key == c.consent.photos), para(st.text, "Cell")]
            for key, st in texts.photo_options.items()]
    photo_agreed = on_screen and stmt.agreed(c, stmt.photo_statement(c, ctx.catalogue))
    label = ("You agreed to this choice on screen:" if photo_agreed
             else "Your initials for this choice:")
    initials = Table([[para(label, "Label"), Box(ticked=photo_agreed)]],
                     colWidths=[0.5 * w, 12 * mm], hAlign="LEFT")
    initials.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "MIDDLE")))
    out.append(KeepTogether([
        para("Photos", "Heading"),
        para("The box ticked shows the choice you made." if photo_agreed
             else "The box ticked shows the choice you made. Initial it."),
        _box_table(rows, w, box_side="left"), gap(2), initials,
    ]))

    signatures: list[Flowable] = [para("Signatures", "Heading")]
    defaults = {"patient": c.patient.name, "practitioner": c.practitioner.name, "witness": ""}
    names = [defaults["patient"], defaults["practitioner"],
             *(sig.name for sig in c.consent.signatures)]
    # three side by side; full width, one under another, when a name is too long for that
    across = all(len(n) <= 60 for n in names)
    width = w / 3 - 3 * mm if across else w
    blocks: list[list[Flowable]] = []
    for role in ("patient", "practitioner", "witness"):
        title = ROLE_TITLE[role]
        signed = [(i, s) for i, s in enumerate(c.consent.signatures) if s.role == role]
        if signed:
            blocks += [_signed_block(title, sig, i, width) for i, sig in signed]
        else:
            blocks.append(_wet_ink_block(title, defaults[role], width))
    if not across:
        out += signatures + [f for block in blocks for f in block]
        return out
    for n in range(0, len(blocks), 3):
        group = blocks[n:n + 3]
        row = Table([group + [[]] * (3 - len(group))], colWidths=[w / 3] * 3, hAlign="LEFT")
        row.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                 ("RIGHTPADDING", (0, 0), (-1, -1), 0)))
        signatures.append(row)
    out.append(KeepTogether(signatures))
    return out


def _teach_back_outcomes(ctx: PackContext) -> dict[str, tuple[bool, str]]:
    """Recorded outcomes by question text (consent.teach_back, format /2)."""
    recorded = getattr(ctx.consultation.consent, "teach_back", ()) or ()
    return {" ".join(r.question.split()): (bool(r.understood), r.note or "") for r in recorded}


def _outcome_text(understood: bool, note: str) -> str:
    text = "Explained back" if understood else "Not clear at first: talked through again"
    return text + (f". {note}" if note else "")


def _teach_back(ctx: PackContext) -> list[Flowable]:
    """The teach-back questions and, when recorded, whether each was explained back."""
    asked = ctx.teach_back
    if not asked:
        return []
    w = ctx.width
    outcomes = _teach_back_outcomes(ctx)
    head = [para("Checking we explained it well", "Heading"),
            ctx.citations.statement(ctx.catalogue.texts.teach_back)]
    rows: list[list] = [["Question", "Outcome"]]
    for q in asked:
        got = outcomes.get(" ".join(q.question.split()))
        rows.append([q.question, Box(6 * mm) if got is None else _outcome_text(*got)])
    if all(outcomes.get(" ".join(q.question.split())) is None for q in asked):
        rows[0][1] = "Explained back"
        t = table(rows, [0.75 * w, 0.25 * w], header=True)
    else:
        t = table(rows, [0.62 * w, 0.38 * w], header=True)
    t.splitInRow = 0  # a question is never cut across two pages
    return [*head, t]


def _box_table(rows: list[list], width: float, box_side: str) -> Table:
    box_col = 16 * mm
    widths = [width - box_col, box_col] if box_side == "right" else [box_col, width - box_col]
    t = Table(rows, colWidths=widths, hAlign="LEFT", splitInRow=1)
    t.setStyle(table_style(*[
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (-1 if box_side == "right" else 0, 0),
         (-1 if box_side == "right" else 0, -1), "CENTER"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8c8c8")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return t


def _wet_ink_block(title: str, name: str, w: float) -> list[Flowable]:
    line = w - 10
    rows = [[para("Name", "Cell"), para(name, "Cell") if name else Line(line, 8 * mm)],
            [para("Signature", "Cell"), Line(line, 14 * mm)],
            [para("Date and time", "Cell"), Line(line, 8 * mm)]]
    return [para(title, "Subheading"), _signature_table(rows, w)]


def _signed_block(title: str, sig: Signature, index: int, w: float) -> list[Flowable]:
    where = f"consent.signatures[{index}].image_png_base64"
    mark: Flowable
    if sig.image_png_base64:
        mark = png_image(sig.image_png_base64, where, w - 10, 28 * mm)
    else:
        mark = para("(no image recorded)", "Note")
    rows = [[para("Name", "Cell"), para(sig.name, "Cell")],
            [para("Signature", "Cell"), mark],
            [para("Signed", "Cell"), para(f"on screen, {signed_at_text(sig.signed_at)}",
                                          "Cell")]]
    return [para(title, "Subheading"), _signature_table(rows, w)]


def _signature_table(rows: list[list], width: float) -> Table:
    """Each label above its line or mark, in a box."""
    rows = [r for label, mark in rows for r in ([label], [mark])]
    t = Table(rows, colWidths=[width], hAlign="LEFT", splitInRow=1)
    t.setStyle(table_style(*[
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("BOX", (0, 0), (-1, -1), 0.6, "#8c8c8c"),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return t



# ----------------------------------------------------------- Aftercare card

def aftercare(ctx: PackContext) -> list[Flowable]:
    """One page to take home, the last page of the patient's copy. Compact
    spacing keeps it to one page at 12 pt; if a catalogue ever holds more than
    fits, the card is scaled down rather than split."""
    c, cat, w = ctx.consultation, ctx.catalogue, ctx.width
    card: list[Flowable] = [para("Aftercare card", "Part")]
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
    return [PageBreak(), *section_start("aftercare"),
            KeepInFrame(w, ctx.geometry.frame_height, card, mode="shrink",
                        name="aftercare-card")]


# --------------------------------------------------------- Clinic's record

def record(ctx: PackContext) -> list[Flowable]:
    c, cat, w = ctx.consultation, ctx.catalogue, ctx.width
    out: list[Flowable] = [PageBreak(), *section_start("record", "Clinic's record")]
    out.append(para("For the clinic's files. The fingerprint at the foot of each page is the "
                    "SHA-256 of the embedded consultation record; 'mesodesk verify' checks "
                    "that the file is unaltered.", "Note"))
    # who, when, what was planned and how consent was obtained: one table
    from mesodesk.pack.consentrecord import consent_rows
    tech = cat.techniques[c.delivery.technique]
    needle = cat.needles.get(c.delivery.needle_gauge)
    needle_line = sel.needle_text(c.delivery.needle_gauge, c.delivery.needle_length_mm)
    if needle is not None:
        needle_line += f" (outer diameter {sel.number(needle.outer_diameter_mm)} mm)"
    rows = [
        ["Patient", f"{c.patient.name}, born {long_date(c.patient.date_of_birth)} "
                    f"(age {c.patient_age})"],
        ["Consultation date", long_date(c.date)],
        ["Practitioner", ctx.practitioner_line],
        ["Indication", ctx.indication.name],
        ["Areas", ctx.area_names],
        ["Technique", f"{tech.name} (usual depth {sel.number(tech.depth_min_mm)}–"
                      f"{sel.number(tech.depth_max_mm)} mm)"],
        ["Device", cat.devices[c.delivery.device].name],
        ["Needle", needle_line],
        ["Depth", f"{sel.number(c.delivery.depth_mm)} mm"],
        ["Plan", ctx.plan_text + (f". {c.plan.notes}" if c.plan.notes.strip() else "")],
        *consent_rows(ctx),  # age check, prescriber, times, the text version
    ]
    out.append(table(rows, [0.32 * w, 0.68 * w], shade_first_column=True, compact=True))

    out += heading("Products", room_mm=45)
    rows = [["Product", "Status", "Lot", "Expiry", "Volume"]]
    for use in c.products:
        volume = f"{sel.number(use.volume_ml)} mL"
        if use.injections:
            volume += f", {use.injections} injections"
        if use.id == OTHER:
            name, status = use.name, "not in catalogue"
        else:
            product = cat.products[use.id]
            name = product.name
            status = sel.STATUS_SHORT[sel.use_status(product, c.indication)]
        rows.append([name, status, use.lot or "not recorded", use.expiry.isoformat(), volume])
    out.append(table(rows, [0.36 * w, 0.155 * w, 0.14 * w, 0.165 * w, 0.18 * w], header=True,
                     compact=True))
    for use in ctx.others:
        out.append(labelled(f"{use.name}: not in the catalogue; risk text written by the "
                            "practitioner", use.risk_text.strip() or "none written"))
    notes = [(p.name, p.practitioner_note) for p, _ in ctx.products if p.practitioner_note]
    if notes:
        out.append(para("Notes for the practitioner", "Subheading"))
        out += [labelled(name, note) for name, note in notes]

    out += heading("Health questions")
    questions_ = sorted(cat.screening.items(), key=lambda kv: (kv[1].order, kv[0]))
    answered: dict[str, list[tuple[str, str]]] = {"yes": [], "unknown": [], "no": []}
    for key, q in questions_:
        answered[c.screening.answer(key)].append((key, q.question))
    for answer in ("yes", "unknown"):  # in full: these are what the practitioner acts on
        if answered[answer]:
            out.append(table([[ANSWER[answer], q] for _, q in answered[answer]],
                             [0.16 * w, 0.84 * w], bold_first_column=True, compact=True))
            out.append(gap(1.5))
    if answered["no"]:  # compactly, by the question's id
        out.append(BidiParagraph(
            f"<b>No</b> ({len(answered['no'])}): "
            + " · ".join(markup(key.replace("_", " ")) for key, _ in answered["no"]),
            stylesheet()["Compact"]))
    out.append(labelled("Allergies", ", ".join(c.screening.allergies) or "None recorded"))
    out.append(labelled("Medicines", c.screening.medications or "None recorded"))
    if c.screening.notes.strip():
        out.append(labelled("Notes", c.screening.notes))

    out += heading("Safety checks")
    consent_ = c.consent
    found = {f.rule for f in ctx.findings}
    # overrides of findings the pack's rules do not raise by themselves: those
    # judged with the clinic's own settings when it was signed (its time to reflect)
    settings_overrides = [o for o in consent_.overrides if o.rule not in found]
    if not ctx.findings and not settings_overrides:
        out.append(para("The safety rules found nothing that needs attention."))
    else:
        rows = [["Finding (rule id, kind and message)", "How it was resolved"]]
        for o in settings_overrides:
            rows.append([para(o.rule, "CellBold", suffix=" · override recorded when signed"),
                         f"Overridden by the practitioner. Reason: {o.reason}"])
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
            rows.append([[para(f.rule, "CellBold", suffix=f" · {markup(kind)}"),
                          para(f.message, "Cell", suffix=ctx.citations.mark(f.source))],
                         how])
        out.append(table(rows, [0.64 * w, 0.36 * w], header=True))

    if ctx.teach_back:
        outcomes = _teach_back_outcomes(ctx)
        rows = [["Teach-back question (a good answer covers)", "Outcome"]]
        for q in ctx.teach_back:
            got = outcomes.get(" ".join(q.question.split()))
            rows.append([para(q.answer, "Cell", prefix=f"<b>{markup(q.question)}</b> "),
                         _outcome_text(*got) if got else "Not recorded in the file"])
        out += heading("Teach-back", room_mm=50)
        out.append(table(rows, [0.76 * w, 0.24 * w], header=True, compact=True))

    out += chart.record_map(ctx)  # the injection map, when the products have points
    return out


# --------------------------------------------------------------- References

def references(ctx: PackContext) -> list[Flowable]:
    """The sources cited in either copy, numbered as in the text (built last):
    one line each, a second for a long title where the last page has room
    (:mod:`mesodesk.pack.referencelist`)."""
    from mesodesk.pack.referencelist import entry, reference_texts

    sheet = stylesheet()
    style, head = sheet["Reference"], sheet["Heading"]
    out: list[Flowable] = [PageBreak(), *section_start("references", "References", "Heading")]
    entries = [entry(number, ctx.catalogue.sources[key])
               for number, key in enumerate(ctx.citations.order, start=1)]
    frame = ctx.geometry.frame_height
    texts = reference_texts(entries, style, ctx.width,
                            frame - head.leading - head.spaceBefore - head.spaceAfter, frame)
    out += [BidiParagraph(markup(text), style) for text in texts]
    return out
