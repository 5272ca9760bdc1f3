"""What a patient reads in the pack: the right risks, disclosures, numbers and
type size, key facts on page 1, two copies in one file, for several
real-looking consultations (one build per file)."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from mesodesk.domain import fingerprint, load
from mesodesk.pack import build_pack, pack_copies, read_embedded

DATA = Path(__file__).parent / "data"
FILES = ["jane", "pack_dca_submental", "pack_txa_melasma", "pack_pcdc_abdomen",
         "pack_hair_dutasteride"]


class Pack:
    def __init__(self, name: str, catalogue, consultation=None, *, paper: str = "a4") -> None:
        self.consultation = consultation or load(DATA / f"{name}.json")
        self.pdf = build_pack(self.consultation, catalogue, paper=paper)
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.pages = [p.extract_text() or "" for p in self.reader.pages]
        self.text = "\n".join(self.pages)
        self.flat = flat(self.text)
        self.fingerprint = fingerprint(self.consultation)
        self.copies = pack_copies(self.pdf)

    def text_of(self, pages) -> str:
        return flat("\n".join(self.pages[n - 1] for n in pages))

    @property
    def patient_text(self) -> str:
        """The patient's copy without the references."""
        return self.text_of(p for p in self.copies.patient if p not in self.copies.references)

    @property
    def record_text(self) -> str:
        return self.text_of(p for p in self.copies.clinic if p not in self.copies.references)

    def page_with(self, words: str) -> int:
        hits = [i for i, t in enumerate(self.pages) if words in flat(t)]
        assert hits, f"no page says {words!r}"
        return hits[0]


def flat(text: str) -> str:
    """Text with all runs of white space as one space (line wrapping ignored)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def packs(catalogue) -> dict[str, Pack]:
    return {name: Pack(name, catalogue) for name in FILES}


def risks_section(pack: Pack) -> str:
    text = pack.flat
    start = text.index("Risks of this treatment")
    return text[start:text.index("After your treatment", start)]


DCA_RISKS = ("dca-nerve-injury", "dca-dysphagia", "dca-ulceration", "dca-swelling")


def test_deoxycholic_acid_pack_names_marginal_mandibular_nerve_injury(packs, catalogue):
    dca = packs["pack_dca_submental"]
    risks = risks_section(dca)
    for key in DCA_RISKS:
        assert flat(catalogue.risks[key].name) in risks, key
    assert re.search(r"injury to the marginal mandibular nerve", risks, re.I)


def test_hyaluronic_acid_pack_has_no_deoxycholic_acid_risks(packs, catalogue):
    jane = packs["jane"]
    assert "hyaluronic acid" in jane.flat.lower()
    risks = risks_section(jane)
    for key in DCA_RISKS + ("scalp-hair-loss", "dutasteride-pain", "txa-burning"):
        assert flat(catalogue.risks[key].name) not in risks, key
    assert "marginal mandibular" not in jane.flat.lower()
    assert "Kybella" not in risks


def test_off_label_use_is_disclosed_in_plain_words(packs):
    txa = packs["pack_txa_melasma"].flat
    assert "Tranexamic acid" in txa
    assert re.search(r"Please note: Tranexamic acid[^.]* is used off-label in your treatment",
                     txa)
    assert "I understand that Tranexamic acid" in txa  # a consent statement to initial


def test_licensed_medicine_used_for_its_licence_is_not_called_off_label(packs):
    dca = packs["pack_dca_submental"].flat
    assert "licensed medicine, used within its licence" in dca
    assert "used off-label in your treatment" not in dca


def test_unlicensed_product_is_disclosed(packs):
    pcdc = packs["pack_pcdc_abdomen"].flat
    assert re.search(r"Please note: Phosphatidylcholine[^.]* not licensed for this use", pcdc)
    assert "unlicensed: no licence covers this use" in pcdc


def test_both_hair_loss_products_and_their_status_are_listed(packs):
    hair = packs["pack_hair_dutasteride"]
    assert re.search(r"Please note: Dutasteride.{0,80} is used off-label in your treatment",
                     hair.flat)
    record_text = hair.record_text
    for lot in ("DUT0426", "LID1125", "2027-06-30", "2028-01-31", "0.5 mL"):
        assert lot in record_text


def test_needle_is_written_as_gauge_times_length_never_larger_or_smaller(packs):
    for pack in packs.values():
        d = pack.consultation.delivery
        length = f"{d.needle_length_mm:g}"
        assert f"{d.needle_gauge}G × {length} mm" in pack.flat
        assert not re.search(r"(larger|smaller|bigger) gauge", pack.flat, re.I)


def test_emergency_phone_is_on_the_aftercare_card_page_and_card_is_one_page(packs):
    for pack in packs.values():
        card = pack.page_with("Aftercare card Keep this card.")
        patient_pages = [p for p in pack.copies.patient if p not in pack.copies.references]
        assert card + 1 == patient_pages[-1], "the card is the last page of the patient's copy"
        assert "Clinic's record" in flat(pack.pages[card + 1]), "and on its own page"
        phone = pack.consultation.clinic.emergency_phone
        assert phone and phone in flat(pack.pages[card])
        assert "Get help at once" in flat(pack.pages[card])


def test_every_page_states_page_x_of_y_and_the_fingerprint(packs):
    for pack in packs.values():
        total = len(pack.pages)
        for number, page in enumerate(pack.pages, start=1):
            assert f"Page {number} of {total}" in page
            assert pack.fingerprint in "".join(page.split())


def test_metadata_names_clinic_patient_and_fingerprint(packs):
    pack = packs["pack_dca_submental"]
    meta = pack.reader.metadata
    assert meta["/Author"] == "Riverside Aesthetics"
    assert "Ελένη Παπαδοπούλου" in meta["/Title"]
    assert pack.fingerprint in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:20261125")


def test_embedded_consultation_is_the_canonical_json(packs):
    from mesodesk.domain import canonical_json

    for pack in packs.values():
        assert read_embedded(pack.pdf) == canonical_json(pack.consultation)


def test_references_list_every_cited_source(packs, catalogue):
    pack = packs["pack_dca_submental"]
    outside = pack.patient_text + " " + pack.record_text
    cited = {int(n) for group in re.findall(r"\[([\d, ]+)\]", outside)
             for n in group.split(",")}
    assert cited and max(cited) >= 10
    refs = pack.text_of(pack.copies.references)
    assert refs.startswith("References") and pack.copies.references[-1] == len(pack.pages)
    listed = [int(n) for n in re.findall(r"(?:^|\s)(\d+)\.\s\S", refs)]
    for n in sorted(cited):
        assert n in listed, f"reference {n} is cited but not listed"
    assert cited == set(range(1, max(cited) + 1)), "numbered in order of first citation"
    assert max(cited) + 1 not in listed, "no source is listed that is never cited"
    assert "Kybella" in refs or "KYBELLA" in refs
    record = pack.record_text
    assert re.search(r"bruising in 72% of treated patients in the trials\)\. A written reason "
                     r"is needed to go ahead\. \[\d+(, \d+)*\]", record)


def test_greek_and_cyrillic_names_print_as_typed(packs):
    assert "Ελένη Παπαδοπούλου" in packs["pack_dca_submental"].flat
    assert "Анна Иванова" in packs["pack_txa_melasma"].flat
    assert "Tomás Ó Briain" in packs["pack_hair_dutasteride"].flat


def test_unresolved_findings_mark_the_pack_as_a_draft(packs, catalogue):
    """build_pack (used for the on-screen preview) still builds, but says so plainly."""
    c = packs["pack_txa_melasma"].consultation
    draft = build_pack(c.replace(consent=c.consent.__class__(
        photos="none", acknowledged=("age-check-missing",))), catalogue)
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(draft)).pages))
    assert "DRAFT, NOT FOR TREATMENT: 1 safety check is not resolved. Do not sign." in text
    assert "NOT RESOLVED: this pack must not be used for treatment." in text
    for pack in packs.values():
        assert "DRAFT" not in pack.flat


def test_override_reason_and_acknowledgement_are_recorded(packs):
    dca = packs["pack_dca_submental"].flat
    assert "Overridden by the practitioner. Reason: Stable INR-free DOAC" in dca
    assert "Acknowledged by the practitioner" in dca


def test_screening_answers_and_cooling_off_are_printed(packs):
    dca = packs["pack_dca_submental"].flat
    record = packs["pack_dca_submental"].record_text
    assert re.search(r"Yes Do you take a blood thinner \(anticoagulant\)", record)
    assert re.search(r"No \(\d+\): pregnant · breastfeeding", record), "the no answers, compactly"
    assert "Cooling-off time agreed: 14 days: no treatment before 9 December 2026" in dca


def _text_sizes(page) -> set[tuple[float, str]]:
    sizes: set[tuple[float, str]] = set()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.add((round(size * tm[3] * cm[3], 2), text.strip()[:40]))

    page.extract_text(visitor_text=visit)
    return sizes


def test_patient_text_is_at_least_12_point(packs):
    """Everything except the running header and footer is 12 pt or larger,
    including the whole aftercare card (it is never shrunk to fit)."""
    pack = packs["pack_dca_submental"]
    running = ("Fingerprint", "Page ", "Patient's copy", "Clinic's record",
               "Ελένη Παπαδοπούλου, born")
    card = pack.page_with("Aftercare card Keep this card.")
    for number in (0, 1, pack.page_with("Consent form Patient"), card,
                   pack.copies.clinic[0] - 1):
        small = [(size, text) for size, text in _text_sizes(pack.reader.pages[number])
                 if size < 12 and not text.startswith(running)]
        assert not small, f"page {number + 1}: {small[:3]}"
    for name, other in packs.items():  # no aftercare card is shrunk to fit its page
        running = ("Fingerprint", "Page ", "Patient's copy",
                   other.consultation.patient.name + ", born")
        card = other.page_with("Aftercare card Keep this card.")
        small = [(size, text) for size, text in _text_sizes(other.reader.pages[card])
                 if size < 12 and not text.startswith(running)]
        assert not small, f"{name}: {small[:3]}"


def test_styles_keep_body_text_at_12_point_or_more():
    from mesodesk.pack.styles import MIN_BODY_PT, REFERENCE_PT, stylesheet

    sheet = stylesheet()
    assert MIN_BODY_PT >= 12 and REFERENCE_PT >= 10
    for name in sheet.byName:
        style = sheet[name]
        assert style.fontSize >= (REFERENCE_PT if name == "Reference" else 12), name
        assert style.fontName.startswith("DejaVuSans"), name


def test_fonts_are_embedded_dejavu_only(packs):
    pdf = packs["pack_dca_submental"].pdf
    assert b"/FontFile2" in pdf
    assert b"Helvetica" not in pdf
    assert b"DejaVuSans-Bold" in pdf and b"DejaVuSans-Oblique" in pdf


def test_signature_png_is_drawn_as_an_image(packs):
    signed = packs["pack_hair_dutasteride"]
    page = signed.page_with("on screen, 25 November 2026 at 14:03 UTC")
    images = signed.reader.pages[page].images
    assert len(images) >= 1
    assert "Tomás Ó Briain" in flat(signed.pages[page])
    unsigned = packs["pack_dca_submental"]
    assert all(not p.images for p in unsigned.reader.pages)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_key_facts_fit_on_the_first_page(catalogue, paper):
    c = load(DATA / "pack_hair_dutasteride.json")
    pdf = build_pack(c, catalogue, paper=paper)
    reader = PdfReader(io.BytesIO(pdf))
    first, second = (flat(reader.pages[i].extract_text()) for i in (0, 1))
    assert first.startswith("Riverside Aesthetics") and "Key facts about your treatment" in first
    assert "Whom to call" in first and "+44 1225 000000" in first
    assert "More about your treatment" not in first and "More about your treatment" in second


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("plan", sorted(p.stem for p in DATA.glob("*.json")))
def test_every_plans_key_facts_end_on_page_one(catalogue, plan, paper):
    """The whole key-facts table, down to the 999 line, is on page 1 (A4 and
    Letter, 17.6 mm shorter), and page 2 starts with the information, not the
    table's last row."""
    pdf = build_pack(load(DATA / f"{plan}.json"), catalogue, paper=paper, sealed=False)
    reader = PdfReader(io.BytesIO(pdf))
    first, second = (flat(reader.pages[i].extract_text()) for i in (0, 1))
    assert "Call 999 at once" in first
    assert second.startswith("More about your treatment"), second[:80]


# an example of each indication to make heavy (the first one on file, else jane.json)
HEAVY_BASE = {"submental-fat": "pack_dca_map", "localized-fat": "pack_pcdc_abdomen",
              "hair-loss": "pack_hair_dutasteride", "melasma": "pack_txa_melasma"}


def heavy_plan(catalogue, indication: str):
    """An example edited to the most the catalogue allows for one indication:
    every area and every product it lists for it, a local anaesthetic, a
    product outside the catalogue, and a patient whose language is not
    English (one more line on page 1)."""
    import json

    from mesodesk.domain import from_data

    data = json.loads((DATA / f"{HEAVY_BASE.get(indication, 'jane')}.json").read_text("utf-8"))
    ind = catalogue.indications[indication]
    template = {k: v for k, v in data["products"][0].items() if k in ("lot", "expiry",
                                                                          "volume_ml")}
    ids = list(ind.products) + [p for p in ("lidocaine",) if p not in ind.products]
    data.update(format="mesodesk-consultation/2", indication=indication, areas=list(ind.areas),
                language="pl", products=[dict(template, id=p) for p in ids] + [dict(
                    template, id="other", name="Example serum X",
                    risk_text="Redness and swelling for a day or two.")])
    return from_data(data)


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("indication", ["skin-rejuvenation", "cellulite", "localized-fat",
                                        "submental-fat", "hair-loss", "musculoskeletal-pain",
                                        "melasma"])
def test_a_heavy_plans_key_facts_end_on_page_one_and_lose_nothing(catalogue, indication,
                                                                   paper):
    """Every area and product an indication allows: the key facts still end on
    page 1 at 12 pt or more, with every serious and common risk, the other
    choices, time to think and the phones; what page 1 had no room for (the
    treatment's summary, what it may do, the product names) is in the
    information that follows, not gone."""
    c = heavy_plan(catalogue, indication)
    assert set(c.areas) == set(catalogue.indications[indication].areas)
    pack = Pack(indication, catalogue, c, paper=paper)
    first, second = flat(pack.pages[0]), flat(pack.pages[1])
    assert "Call 999 at once" in first
    assert second.startswith("More about your treatment"), second[:80]
    small = [(size, text) for size, text in _text_sizes(pack.reader.pages[0])
             if size < 12 and not text.startswith(("Fingerprint", "Page "))]
    assert not small, small[:3]
    assert "This pack is in English" in first
    ind = catalogue.indications[indication]
    for _, risk in sel_risks(c, catalogue):
        if risk.seriousness == "serious":
            assert flat(risk.name) in first, risk.name
        elif risk.frequency in ("very-common", "common"):
            assert f"{flat(risk.name)}: {flat(short_frequency(risk))}." in first, risk.name
    for alternative in ind.alternatives:
        assert flat(alternative.text) in first, alternative.text
    assert "You do not have to decide today." in first
    assert c.clinic.phone in first and c.clinic.emergency_phone in first
    if "Whom to call:" in first:  # labels run in: one label, then the clinic and its number
        assert f"Whom to call: {c.clinic.name}, {c.clinic.phone}" in first
    assert "For Example serum X, read the risks your practitioner wrote" in first
    patient = pack.patient_text
    for statement in (ind.summary, ind.expected_outcome):
        assert flat(statement.text) in patient, statement.text
    info = patient.index("More about your treatment")
    products = patient[patient.index("The products", info):
                       patient.index("What it may do for you", info)]
    for use in c.products:
        name = catalogue.products[use.id].name if use.id != "other" else use.name
        assert flat(name) in products, name
    seen: list[int] = []  # sources numbered in the order the pack first cites them
    for group in re.findall(r"\[([\d, ]+)\]", patient + " " + pack.record_text):
        seen += [n for n in map(int, group.split(",")) if n not in seen]
    assert seen == list(range(1, len(seen) + 1))


def test_a_non_english_patient_is_told_the_pack_is_in_english(make_consultation, catalogue):
    pdf = build_pack(make_consultation({"language": "pl"}), catalogue)
    first = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "This pack is in English (the language recorded for you is 'pl')" in first
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "en"


def test_a_licensed_anaesthetic_is_not_claimed_to_be_within_licence(packs):
    """Lidocaine is licensed, but the catalogue lists no licensed indication for
    this use, so the pack says "licensed medicine" and no more."""
    hair = packs["pack_hair_dutasteride"].flat
    lidocaine = hair[hair.index("Lidocaine (local anaesthetic)",
                                hair.index("More about your treatment")):]
    assert lidocaine.split("Status for this use: ")[1].startswith("licensed medicine ")
    assert "used within its licence" not in hair


# ------------------------------------------------------- issue 11: key facts, length, copies

@pytest.mark.parametrize(("paper", "most"), [("a4", 11), ("letter", 12)])
def test_an_ordinary_plan_fits_in_eleven_pages(catalogue, paper, most):
    """One indication, one product, the age checked, no findings: at most 11
    pages, both copies (issue 11 asked for 12 or fewer, aiming at 10); Letter,
    17.6 mm shorter a page, within issue 11's 12."""
    from mesodesk.domain.model import AgeCheck

    c = load(DATA / "jane.json")
    c = c.replace(patient=dataclasses.replace(c.patient, age_check=AgeCheck(
                      method="passport", checked_by="Dr Ana Silva",
                      checked_at="2026-11-25T09:55:00+00:00")),
                  consent=dataclasses.replace(c.consent, acknowledged=()))
    jane = Pack("jane", catalogue, c, paper=paper)
    assert len(c.products) == 1 and not jane.record_text.count("Overridden")
    assert "The safety rules found nothing that needs attention." in jane.record_text
    assert len(jane.pages) <= most


def test_page_one_holds_the_key_facts(packs, catalogue):
    """Common risks with a frequency, the alternatives, time to think, and the
    clinic's phone numbers, before any detail; no contents table."""
    for name, pack in packs.items():
        first = flat(pack.pages[0])
        assert "What is in this pack" not in first
        c = pack.consultation
        common = [r for _, r in sel_risks(c, catalogue) if r.frequency in ("very-common", "common")]
        assert common, name
        for _, risk in sel_risks(c, catalogue):  # every serious risk is named on page 1
            assert risk.seriousness != "serious" or flat(risk.name) in first, (name, risk.name)
        for risk in common:
            frequency = short_frequency(risk)
            assert re.search(r"\b(about|most|common|almost|\d+ in \d+)", frequency), frequency
            assert f"{flat(risk.name)}: {flat(frequency)}." in first, (name, risk.name)
        for alternative in catalogue.indications[c.indication].alternatives:
            assert flat(alternative.text) in first, (name, alternative.text)
        assert "You do not have to decide today." in first
        days = c.consent.cooling_off_days
        if days:
            assert f"Your cooling-off time is {days} days" in first, name
        assert c.clinic.phone in first and c.clinic.emergency_phone in first
        assert "Call 999" in first


def short_frequency(risk):
    from mesodesk.pack.parts import short_frequency

    return short_frequency(risk)


def sel_risks(c, catalogue):
    from mesodesk.pack.selection import risks

    return risks(c, catalogue)


def test_each_risk_is_listed_once_with_one_frequency(packs, catalogue):
    for name, pack in packs.items():
        section = risks_section(pack)
        for _, risk in sel_risks(pack.consultation, catalogue):
            listed = re.findall(re.escape(flat(risk.name)) + r"(?: \(serious\))? How often:",
                                section)
            assert len(listed) == 1, (name, risk.name)
        assert section.count("How often:") == len(sel_risks(pack.consultation, catalogue))
    dca = risks_section(packs["pack_dca_submental"])
    groups = ["Common side effects", "Risks where nobody knows how often they happen"]
    assert all(g in dca for g in groups)
    assert dca.index("Difficulty swallowing") < dca.index(groups[1]) < dca.index("Hair loss")


# Rule ids that are also ordinary words the patient's copy may use as such.
PLAIN_WORDS = {"off-label"}


def test_the_patients_copy_holds_no_rule_id_or_override_wording(packs, catalogue):
    rule_ids = set(catalogue.rules)
    for q in catalogue.screening.values():
        rule_ids |= {e.rule for e in q.on_yes + q.on_unknown}
    rule_ids -= PLAIN_WORDS
    assert len(rule_ids) > 20
    dca = packs["pack_dca_submental"]
    assert dca.consultation.consent.overrides, "this plan has an overridden finding"
    for name, pack in packs.items():
        patient = pack.patient_text
        record = pack.record_text
        for f in (pack.consultation.consent.overrides):
            assert f.rule in record
        found = [r for r in rule_ids if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", patient)]
        assert not found, (name, found)
        for words in ("Overridden", "Acknowledged by the practitioner", "Reason:"):
            assert words not in patient, (name, words)
    assert "Stable INR-free DOAC" not in dca.patient_text
    assert "Stable INR-free DOAC" in dca.record_text


def test_copies_are_distinct_page_ranges_of_the_one_file(packs):
    for name, pack in packs.items():
        cp = pack.copies
        patient = [p for p in cp.patient if p not in cp.references]
        clinic = [p for p in cp.clinic if p not in cp.references]
        assert patient[0] == 1 and not set(patient) & set(clinic)
        assert sorted(patient + clinic + list(cp.references)) == list(range(1, len(pack.pages) + 1))
        assert all("Patient's copy" in pack.pages[p - 1] for p in patient[1:])
        assert all("Clinic's record" in pack.pages[p - 1] for p in clinic)
        assert "Health questions" in pack.record_text and "Health questions" not in pack.patient_text


def reference_entries(pack: Pack) -> tuple[list[str], set[float]]:
    """The printed reference entries (an entry's second line joined to its
    first) and the type sizes on the reference pages."""
    sizes: set[float] = set()
    entries: list[str] = []
    lines: list[int] = []
    c = pack.consultation
    running = ("Fingerprint", "Page ", "References", c.clinic.name, f"{c.patient.name}, born")
    for number in pack.copies.references:
        page = pack.reader.pages[number - 1]
        page.extract_text(visitor_text=lambda t, cm, tm, f, s: sizes.add(round(s * tm[3] * cm[3], 1))
                          if t.strip() else None)
        for line in pack.pages[number - 1].splitlines():
            line = line.strip()
            if line.startswith(f"{len(entries) + 1}. "):
                entries.append(line)
                lines.append(1)
            elif entries and line and not line.startswith(running):
                entries[-1] += " " + line
                lines[-1] += 1
    assert max(lines) <= 2, "no reference takes more than two lines"
    return entries, sizes


def test_references_are_an_entry_each_at_ten_point(packs):
    from mesodesk.pack.styles import REFERENCE_PT

    for name, pack in packs.items():
        entries, sizes = reference_entries(pack)
        assert min(s for s in sizes if s > 9.6) >= REFERENCE_PT
        assert len(entries) >= 10
        assert any("doi:10." in e for e in entries) and any("PMID " in e for e in entries)
        assert re.match(r"\d+\. Plachouri KM et al\. \(2019\)\. Mesotherapy: safety profile",
                        next(e for e in entries if "Plachouri" in e))
    jane = packs["jane"]
    assert len(jane.copies.references) == 1, "an ordinary plan's list is one page"


def test_no_reference_cuts_a_word_and_titles_stay_readable(packs, catalogue):
    """A shortened title or journal ends on a whole word and "…"; a title keeps
    at least four words (or all it has); the list's second lines go to long titles."""
    two_lines = 0
    for name, pack in packs.items():
        entries, _ = reference_entries(pack)
        cited = [s for s in catalogue.sources.values()]
        for printed in entries:
            after_year = re.search(r"\((\d{4})\)\. ", printed)
            assert after_year, printed
            rest = printed[after_year.end():]
            # the source: same year, and the printed title is the start of its title
            candidates = [s for s in cited if str(s.year) == after_year.group(1)
                          and rest.startswith(flat(s.title).split(" ")[0])]
            title = max((flat(s.title).rstrip(".") for s in candidates),
                        key=lambda t: len(os_commonprefix(t, rest)), default="")
            assert title, printed
            shown = rest if rest.startswith(title) else rest[:rest.index("…")] if "…" in rest else ""
            if not rest.startswith(title):
                assert shown and title.startswith(shown), (name, printed)
                assert title[len(shown)] in " ,;:.-–(", f"{name}: a title cut mid-word: {printed}"
                assert len(shown.split()) >= min(4, len(title.split())), (name, printed)
            for word in re.findall(r"(\S+)…", printed):  # a shortened journal's name too
                whole = {w.strip(",;:.()") for s in candidates
                         for w in (flat(s.title) + " " + flat(s.publisher)).split()}
                assert word.strip(",;:.()") in whole, f"{name}: {word!r} is a cut word: {printed}"
        two_lines += sum(1 for e in entries if len(e) > 110)
    assert two_lines >= 10, "long titles get a second line where there is room"


def os_commonprefix(a: str, b: str) -> str:
    import os

    return os.path.commonprefix([a, b])


def test_teach_back_questions_are_on_the_consent_form_and_in_the_record(packs, catalogue):
    from mesodesk.rules.teachback import questions

    for name, pack in packs.items():
        asked = questions(pack.consultation, catalogue)
        consent = pack.patient_text[pack.patient_text.index("Consent form"):]
        assert "Checking we explained it well" in consent
        for q in asked:
            assert flat(q.question) in consent, (name, q.question)
            assert flat(q.question) in pack.record_text, (name, q.question)
        assert pack.record_text.count("Not recorded in the file") == len(asked)
    jane = packs["jane"].patient_text
    assert "What would you do if the skin turned white or grey, or you had trouble seeing?" in jane


def test_medical_words_are_explained_in_a_glossary(packs):
    jane = packs["jane"].patient_text
    box = jane[jane.index("Words explained"):]
    for term in ("Hyaluronic acid", "Anaphylaxis", "Licensed medicine"):
        assert term in box
    assert "Necrosis" not in box, "only words this copy uses"
    dca = packs["pack_dca_submental"].patient_text
    assert "Necrosis" in dca[dca.index("Words explained"):]


def test_a_product_outside_the_catalogue_prints_the_practitioners_risk_text(
        jane_data, catalogue):
    """Recorded as "other" (format /2): named, its risks as the practitioner wrote them,
    and a plain statement that this information is not from the catalogue."""
    from mesodesk.domain import from_data
    from mesodesk.rules import evaluate

    data = dict(jane_data, format="mesodesk-consultation/2")
    data["products"] = data["products"] + [{
        "id": "other", "name": "Example serum X", "lot": "EX123", "expiry": "2027-01-31",
        "volume_ml": 1.0, "risk_text": "Redness and swelling for a day or two."}]
    c = from_data(data)
    warnings = [f.rule for f in evaluate(c, catalogue) if f.severity == "warn"]
    data["consent"] = dict(data["consent"], acknowledged=warnings)
    pdf = build_pack(from_data(data), catalogue)
    pack_copies_ = pack_copies(pdf)
    pages = [flat(p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    patient = " ".join(pages[n - 1] for n in pack_copies_.patient
                       if n not in pack_copies_.references)
    assert "Example serum X This product is not in the catalogue this pack is made from. " \
           "The information about it below was written by your practitioner, not taken " \
           "from the checked catalogue." in patient
    assert "Risks, as written by your practitioner: Redness and swelling for a day or two." \
        in patient
    assert "For Example serum X, read the risks your practitioner wrote" in pages[0]
    assert "I understand that the information about Example serum X was written by my " \
           "practitioner" in patient
    record = " ".join(pages[n - 1] for n in pack_copies_.clinic)
    assert "Example serum X not in catalogue EX123" in record
