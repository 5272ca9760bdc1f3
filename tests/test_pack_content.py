"""What a patient reads in the pack: the right risks, disclosures, numbers and
type size, for several real-looking consultations (one build per file)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from mesodesk.domain import fingerprint, load
from mesodesk.pack import build_pack, read_embedded

DATA = Path(__file__).parent / "data"
FILES = ["jane", "pack_dca_submental", "pack_txa_melasma", "pack_pcdc_abdomen",
         "pack_hair_dutasteride"]


class Pack:
    def __init__(self, name: str, catalogue) -> None:
        self.consultation = load(DATA / f"{name}.json")
        self.pdf = build_pack(self.consultation, catalogue)
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.pages = [p.extract_text() or "" for p in self.reader.pages]
        self.text = "\n".join(self.pages)
        self.flat = flat(self.text)
        self.fingerprint = fingerprint(self.consultation)

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
    return text[text.index("Risks of this treatment"):text.index("Before your treatment")]


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
    record = hair.pages[hair.page_with("Part 4. Treatment record"):]
    record_text = flat("\n".join(record))
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
        card = pack.page_with("Part 5. Aftercare card")
        assert card == len(pack.pages) - 1, "the card is the last page, on its own"
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
    start = pack.text.index("References")
    end = pack.text.index("Part 3. Consent form")
    outside = flat(pack.text[:start] + pack.text[end:])  # part 2 and the record's findings
    cited = {int(n) for group in re.findall(r"\[([\d, ]+)\]", outside)
             for n in group.split(",")}
    assert cited and max(cited) >= 10
    refs = flat(pack.text[start:end])
    listed = [int(n) for n in re.findall(r"(?:^|\s)(\d+)\.\s\s?\S", refs)]
    for n in sorted(cited):
        assert n in listed, f"reference {n} is cited but not listed"
    assert cited == set(range(1, max(cited) + 1)), "numbered in order of first citation"
    assert max(cited) + 1 not in listed, "no source is listed that is never cited"
    assert "Kybella" in refs or "KYBELLA" in refs
    record = flat(pack.text[pack.text.index("Part 4. Treatment record"):])
    assert re.search(r"bruising in 72% of treated patients in the trials\)\. A written reason "
                     r"is needed to go ahead\. \[\d+(, \d+)*\]", record)


def test_greek_and_cyrillic_names_print_as_typed(packs):
    assert "Ελένη Παπαδοπούλου" in packs["pack_dca_submental"].flat
    assert "Анна Иванова" in packs["pack_txa_melasma"].flat
    assert "Tomás Ó Briain" in packs["pack_hair_dutasteride"].flat


def test_unresolved_findings_mark_the_pack_as_a_draft(packs, catalogue):
    """build_pack (used for the on-screen preview) still builds, but says so plainly."""
    c = packs["pack_txa_melasma"].consultation
    draft = build_pack(c.replace(consent=c.consent.__class__(photos="none")), catalogue)
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(draft)).pages))
    assert "DRAFT, NOT FOR TREATMENT: 1 safety finding is not resolved" in text
    assert "NOT RESOLVED: this pack must not be used for treatment." in text
    for pack in packs.values():
        assert "DRAFT" not in pack.flat


def test_override_reason_and_acknowledgement_are_recorded(packs):
    dca = packs["pack_dca_submental"].flat
    assert "Overridden by the practitioner. Reason: Stable INR-free DOAC" in dca
    assert "Acknowledged by the practitioner" in dca


def test_screening_answers_and_cooling_off_are_printed(packs):
    dca = packs["pack_dca_submental"].flat
    assert re.search(r"blood thinner \(anticoagulant\).*? Yes", dca)
    assert "14 days: treatment no earlier than 9 December 2026" in dca


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
    running = ("Fingerprint", "Page ", "Riverside Aesthetics", "Ελένη Παπαδοπούλου, born")
    for number in (0, 1, pack.page_with("Part 3. Consent form"), len(pack.pages) - 1):
        small = [(size, text) for size, text in _text_sizes(pack.reader.pages[number])
                 if size < 12 and not text.startswith(running)]
        assert not small, f"page {number + 1}: {small[:3]}"
    for name, other in packs.items():  # no aftercare card is shrunk to fit its page
        running = ("Fingerprint", "Page ", "Riverside Aesthetics",
                   other.consultation.patient.name + ", born")
        small = [(size, text) for size, text in _text_sizes(other.reader.pages[-1])
                 if size < 12 and not text.startswith(running)]
        assert not small, f"{name}: {small[:3]}"


def test_styles_keep_body_text_at_12_point_or_more():
    from mesodesk.pack.styles import MIN_BODY_PT, stylesheet

    sheet = stylesheet()
    assert MIN_BODY_PT >= 12
    for name in sheet.byName:
        style = sheet[name]
        assert style.fontSize >= 12, name
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
def test_summary_fits_on_the_first_page(catalogue, paper):
    c = load(DATA / "pack_hair_dutasteride.json")
    pdf = build_pack(c, catalogue, paper=paper)
    reader = PdfReader(io.BytesIO(pdf))
    first, second = (flat(reader.pages[i].extract_text()) for i in (0, 1))
    assert "checks that the pack is unaltered" in first
    assert "Part 2" not in first and "Part 2. Information for you" in second


def test_contents_give_the_page_each_part_starts_on(packs):
    for pack in packs.values():
        layout = pack.reader.pages[0].extract_text(extraction_mode="layout")
        listed = {int(m[1]): int(m[2]) for m in
                  re.finditer(r"^\s*([1-5])\s+\S.*?\s(\d+)\s*$", layout, re.M)}
        actual = {n: pack.page_with(f"Part {n}. ") + 1 for n in range(2, 6)}
        actual[1] = 1
        assert listed == actual


def test_a_non_english_patient_is_told_the_pack_is_in_english(make_consultation, catalogue):
    pdf = build_pack(make_consultation({"language": "pl"}), catalogue)
    first = flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "This pack is in English (the language recorded for you is 'pl')" in first
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "en"


def test_a_licensed_anaesthetic_is_not_claimed_to_be_within_licence(packs):
    """Lidocaine is licensed, but the catalogue lists no licensed indication for
    this use, so the pack says "licensed medicine" and no more."""
    hair = packs["pack_hair_dutasteride"].flat
    lidocaine = hair[hair.index("Lidocaine (local anaesthetic)", hair.index("The products")):]
    assert lidocaine.split("Status for this use: ")[1].startswith("licensed medicine ")
    assert "used within its licence" not in hair
