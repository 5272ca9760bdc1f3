"""Issue 10: sources that can carry a claim, UK regulatory status, product
risks and red flags, new products, and plain words.

Broken catalogues are copies of the shipped one in a temporary folder with a
single edit, so each refusal is caused by that edit alone."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import textstat

from mesodesk.catalogue import CatalogueError, load_catalogue
from tests.catalogue_support import edit, folder  # noqa: F401  (folder is a fixture)
from mesodesk.catalogue.model import Catalogue, Statement

KINDS = {"label", "regulator", "law", "guideline", "trial", "review", "case-report", "practice"}
NEW_PRODUCTS = ("platelet-rich-plasma", "botulinum-toxin-microdroplet", "glutathione",
                "hyaluronic-acid-hybrid")
PRESCRIPTION_ONLY = ("deoxycholic-acid", "deoxycholic-acid-imported", "lidocaine",
                     "lidocaine-adrenaline", "dutasteride", "tranexamic-acid", "ketoprofen",
                     "methylprednisolone", "botulinum-toxin-microdroplet")
NOT_PRESCRIPTION_ONLY = ("lidocaine-cream", "hyaluronic-acid-non-crosslinked",
                         "hyaluronic-acid-hybrid", "platelet-rich-plasma", "polynucleotides")




def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(folder)
    return info.value.problems


def plan(catalogue: Catalogue, table: str, *, products, areas, indication="skin-rejuvenation",
         technique="nappage", device="syringe") -> set[str]:
    facial = any(catalogue.areas[a].facial for a in areas)
    return {key for key, item in getattr(catalogue, table).items()
            if item.applies_to.matches(products=set(products), technique=technique,
                                       device=device, indication=indication,
                                       areas=set(areas), facial=facial)}


# --- 1. sources: kinds, links, practice never carries a claim ------------------------

def test_every_source_has_a_kind_and_a_findable_record(catalogue):
    for key, src in catalogue.sources.items():
        assert src.kind in KINDS, key
        assert src.url or src.doi or src.pmid, key
    assert catalogue.sources["R17"].kind == "label"
    assert "206333" in catalogue.sources["R17"].url + catalogue.sources["R17"].title
    assert catalogue.sources["R104"].kind == "label" and "12165" in catalogue.sources["R104"].url
    assert catalogue.sources["R114"].doi == "10.15585/mmwr.mm7316a3"


@pytest.mark.parametrize("filename, old, new, expected", [
    # a risk
    ("risks.toml",
     '"Polynucleotides are made from salmon DNA. People allergic to fish may react to them.", '
     'source = ["R50"]',
     '"Polynucleotides are made from salmon DNA. People allergic to fish may react to them.", '
     'source = ["R64", "R66"]',
     "risks.toml: polynucleotide-fish-allergy.patient_text.source: a risk cites only "
     "practice sources (R64, R66)"),
    # a frequency
    ("risks.toml", 'frequency_source = ["R29"]', 'frequency_source = ["R84"]',
     "risks.toml: dutasteride-pain.frequency_source: a frequency cites only practice "
     "sources (R84)"),
    # a dose limit
    ("products.toml", 'dose_source = ["R106"]', 'dose_source = ["R39"]',
     "products.toml: lidocaine.dose_source: a dose limit cites only practice sources (R39)"),
    # a contraindication from a label
    ("products.toml",
     '(SmPC 4.3).", source = ["R113"] }', '(SmPC 4.3).", source = ["R97"] }',
     "products.toml: tranexamic-acid.contraindications[0].source: a contraindication cites "
     "only practice sources (R97)"),
    # a regulatory statement
    ("products.toml", 'source = ["R117"] }\n\n[hyaluronic-acid-hybrid]',
     'source = ["R24"] }\n\n[hyaluronic-acid-hybrid]',
     "products.toml: glutathione.regulatory.statement.source: a regulatory statement cites "
     "only practice sources (R24)"),
    # a safety rule in rules.toml
    ("rules.toml", 'source = ["R121", "R75"]', 'source = ["R75"]',
     "rules.toml: off-label.source: a safety rule cites only practice sources (R75)"),
    # a contraindication in screening.toml (a block)
    ("screening.toml", 'source = ["R104", "R105", "R64", "R66"]', 'source = ["R64", "R66"]',
     "screening.toml: pregnant.on_yes[0].source: a contraindication cites only practice "
     "sources (R64, R66)"),
])
def test_loader_refuses_a_claim_that_cites_only_practice(folder, filename, old, new, expected):
    edit(folder, filename, old, new)
    problems = problems_of(folder)
    assert any(p.startswith(expected) for p in problems), problems


def test_loader_refuses_a_frequency_without_its_source(folder):
    edit(folder, "risks.toml", 'frequency_source = ["R37"]\n', "")
    assert "risks.toml: txa-burning.frequency_source: missing (a frequency of 'very-common' " \
           "needs its source)" in problems_of(folder)


def test_practice_sources_may_still_support_practice_advice(catalogue):
    """A clinic page alone is fine for "clinics usually advise" care."""
    care = catalogue.care["after-makeup"]
    assert care.basis == "practice-advice"
    assert all(catalogue.sources[k].kind == "practice" for k in care.text.source)


def test_other_is_a_reserved_product_id(folder):
    text = (folder / "products.toml").read_text(encoding="utf-8")
    block = text[text.index("[glutathione]"):text.index("[hyaluronic-acid-hybrid]")]
    (folder / "products.toml").write_text(
        text + "\n" + block.replace("[glutathione", "[other"), encoding="utf-8")
    assert any(p.startswith("products.toml: other: this id is reserved")
               for p in problems_of(folder))


# --- the misattributions of clinical brief section 11 ----------------------------------

def cited_by(catalogue, key: str) -> list[str]:
    out = []

    def walk(value, path):
        if isinstance(value, Statement) and key in value.source:
            out.append(path)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                sub = getattr(value, f.name)
                if f.name == "source" and isinstance(sub, tuple) and key in sub:
                    out.append(path)
                walk(sub, f"{path}.{f.name}")
        elif isinstance(value, tuple):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif hasattr(value, "items"):
            for k, v in value.items():
                walk(v, f"{path}.{k}")

    for f in dataclasses.fields(catalogue):
        if f.name != "sources":
            walk(getattr(catalogue, f.name), f.name)
    return out


def test_misattributions_are_mended(catalogue):
    # R31 injected a vitamin mix, not minoxidil
    assert not [p for p in cited_by(catalogue, "R31") if "minoxidil" in p]
    hair = catalogue.indications["hair-loss"].evidence_summary.text.lower()
    assert "minoxidil injections worked" not in hair
    assert "injections worked about as well" not in \
        catalogue.products["minoxidil"].regulatory.statement.text
    # R56: procedures were correct; contamination at the factory
    single_use = catalogue.care["before-single-use"].text
    assert "shared multi-dose vials" not in single_use.text and "factory" in single_use.text
    # R88 is a case report, not the duty to disclose off-label use
    assert "R88" not in catalogue.rules["off-label"].source
    # R51 (polynucleotide trial) no longer backs HA fillers; R27 no longer backs face schedules
    assert not [p for p in cited_by(catalogue, "R51") if "alternatives" in p]
    assert "R27" not in catalogue.indications["skin-rejuvenation"].schedule.source
    # R63 (a supplier blog) backs no patient statement and no block (sun, pregnancy)
    assert [p for p in cited_by(catalogue, "R63") if not p.startswith("screening")] == []
    for question in catalogue.screening.values():
        for effect in question.on_yes + question.on_unknown:
            assert not (effect.severity == "block" and "R63" in effect.source), effect.rule
    # R5/R6 do not back "the dermis"
    assert "R5" not in catalogue.texts.what_is_mesotherapy[0].source
    # bruising: the only controlled figures, with their source, in one band
    bruising = catalogue.risks["bruising"]
    assert bruising.frequency == "very-common" and bruising.frequency_source == ("R17",)
    assert "72 in 100" in bruising.frequency_text and "70 in 100" in bruising.frequency_text
    assert "not known" not in bruising.frequency_text


# --- 2. regulatory status true in the UK -------------------------------------------------

def test_belkyra_is_the_uk_licensed_deoxycholic_acid_with_its_smpc_warnings(catalogue):
    dca = catalogue.products["deoxycholic-acid"]
    assert "Belkyra" in dca.name and dca.prescription_only
    assert dca.regulatory.status == "licensed" and dca.regulatory.licensed_for == ("submental-fat",)
    assert "psychological" in dca.regulatory.licence
    warnings = " ".join(w.text for w in dca.warnings)
    assert "BMI 30" in warnings and "body dysmorphic disorder" in warnings
    assert re.search(r"never re-treat.*ulceration or necrosis", warnings, re.I)
    assert all("R104" in w.source for w in dca.warnings[:3])
    imported = catalogue.products["deoxycholic-acid-imported"]
    assert imported.regulatory.status == "unlicensed" and "Kybella" in imported.name


def test_aqualyx_is_not_called_pc_dc(catalogue):
    pcdc = catalogue.products["phosphatidylcholine-deoxycholate"]
    assert "aqualyx" not in (pcdc.name + pcdc.description.text).lower()
    aqualyx = catalogue.products["deoxycholate-device"]
    assert "Aqualyx" in aqualyx.name and "phosphatidylcholine" not in aqualyx.ingredients
    assert aqualyx.regulatory.status == "device"


def test_no_injectable_is_called_a_cosmetic(catalogue):
    for key, product in catalogue.products.items():
        if not product.injectable:
            continue
        assert product.regulatory.status != "cosmetic-device", key
        said = f"{product.regulatory.statement.text} {product.regulatory.licence}".lower()
        assert not re.search(r"\bcosmetic (product|device)\b|\bis a cosmetic\b", said), key


def test_prescription_only_is_stated_by_form(catalogue):
    p = catalogue.products
    for key in PRESCRIPTION_ONLY:
        assert p[key].prescription_only, key
    for key in NOT_PRESCRIPTION_ONLY:
        assert not p[key].prescription_only, key
    # the same molecule differs by form: injection POM, cream not
    assert p["lidocaine"].form != p["lidocaine-cream"].form
    assert "prescription" in p["lidocaine"].regulatory.statement.text
    assert "without a prescription" in p["lidocaine-cream"].regulatory.statement.text


def test_lidocaine_carries_its_smpc_dose_data(catalogue):
    plain, adrenaline = catalogue.products["lidocaine"], catalogue.products["lidocaine-adrenaline"]
    assert plain.strengths_mg_ml == (10.0, 20.0) == adrenaline.strengths_mg_ml
    assert (plain.max_dose_mg, plain.max_dose_mg_per_kg) == (200.0, 4.5)
    assert (adrenaline.max_dose_mg, adrenaline.max_dose_mg_per_kg) == (500.0, None)
    assert plain.dose_source == ("R106",) and adrenaline.dose_source == ("R107",)
    amides = " ".join(c.text for c in plain.contraindications).lower()
    for name in ("bupivacaine", "articaine", "mepivacaine", "prilocaine", "ropivacaine"):
        assert name in amides


# --- 3 and 5. product-specific risks and the new products ----------------------------------

def evidence(catalogue, source) -> bool:
    return any(catalogue.sources[k].kind != "practice" for k in source)


@pytest.mark.parametrize("product, areas, indication, must", [
    ("dutasteride", ["scalp"], "hair-loss", {"dutasteride-pregnancy", "dutasteride-blood-psa"}),
    ("methylprednisolone", ["back"], "musculoskeletal-pain",
     {"steroid-skin-thinning", "steroid-blood-sugar"}),
    ("ketoprofen", ["back"], "musculoskeletal-pain", {"nsaid-reactions"}),
    ("phosphatidylcholine-deoxycholate", ["abdomen"], "localized-fat",
     {"fat-injection-ulceration", "fat-injection-long-swelling"}),
    ("deoxycholate-device", ["abdomen"], "localized-fat",
     {"fat-injection-ulceration", "fat-injection-long-swelling"}),
    ("deoxycholic-acid", ["submental"], "submental-fat", {"dca-ulceration", "dca-swelling"}),
    ("hyaluronic-acid-non-crosslinked", ["face"], "skin-rejuvenation", {"ha-blocked-vessel"}),
    ("hyaluronic-acid-hybrid", ["face"], "skin-rejuvenation", {"ha-blocked-vessel"}),
    ("lidocaine", ["back"], "musculoskeletal-pain", {"lidocaine-toxicity"}),
    ("platelet-rich-plasma", ["face"], "skin-rejuvenation", {"prp-shared-equipment"}),
    ("botulinum-toxin-microdroplet", ["face"], "skin-rejuvenation", {"toxin-spread"}),
    ("glutathione", ["face"], "skin-rejuvenation", {"glutathione-harms"}),
])
def test_product_specific_risks_are_sourced_and_reach_the_plan(catalogue, product, areas,
                                                                 indication, must):
    risks = plan(catalogue, "risks", products=[product], areas=areas, indication=indication)
    assert must <= risks
    for key in must:
        assert evidence(catalogue, catalogue.risks[key].patient_text.source), key


def test_ha_near_the_face_sends_to_999_but_not_on_the_body(catalogue):
    face = plan(catalogue, "red_flags", products=["hyaluronic-acid-non-crosslinked"],
                areas=["face"])
    assert "blocked-vessel-face" in face
    flag = catalogue.red_flags["blocked-vessel-face"]
    assert flag.urgency == "emergency" and "999" in flag.text.text
    for word in ("white", "pain", "sight"):
        assert word in flag.text.text
    body = plan(catalogue, "red_flags", products=["hyaluronic-acid-non-crosslinked"],
                areas=["thighs"], indication="cellulite")
    assert "blocked-vessel-face" not in body


@pytest.mark.parametrize("key", NEW_PRODUCTS)
def test_each_new_product_loads_with_status_and_sourced_risks(catalogue, key):
    product = catalogue.products[key]
    assert product.regulatory.status in ("licensed", "off-label", "device", "unlicensed")
    assert isinstance(product.prescription_only, bool) and product.form
    assert evidence(catalogue, product.regulatory.statement.source)
    own = [k for k, r in catalogue.risks.items() if key in r.applies_to.products]
    assert own, f"{key} has no risk of its own"
    for risk in own:
        assert evidence(catalogue, catalogue.risks[risk].patient_text.source), risk
    for ind in product.suitable_for:
        assert key in catalogue.indications[ind].products


def test_new_products_say_what_the_regulators_say(catalogue):
    p = catalogue.products
    prp = p["platelet-rich-plasma"]
    assert "R114" in prp.regulatory.statement.source and "sealed" in prp.regulatory.statement.text
    assert "MMWR 2024;73:372-376" in prp.practitioner_note
    toxin = p["botulinum-toxin-microdroplet"]
    assert toxin.regulatory.status == "off-label" and toxin.prescription_only
    assert "myasthenia gravis" in " ".join(c.text for c in toxin.contraindications)
    assert p["glutathione"].regulatory.status == "unlicensed"
    assert p["hyaluronic-acid-hybrid"].regulatory.status == "device"


# --- 6. plain words ---------------------------------------------------------------------------

def patient_statements(catalogue):
    for table in ("products", "risks", "red_flags", "care"):
        for key, entry in getattr(catalogue, table).items():
            for f in dataclasses.fields(entry):
                value = getattr(entry, f.name)
                if isinstance(value, Statement):
                    yield f"{table}.{key}.{f.name}", value.text
            if table == "products":
                yield f"products.{key}.regulatory.statement", entry.regulatory.statement.text
    yield "indications.hair-loss.evidence_summary", \
        catalogue.indications["hair-loss"].evidence_summary.text


def test_patient_statements_read_at_grade_7_or_below(catalogue):
    texts = list(patient_statements(catalogue))
    assert len(texts) > 140
    hard = [(round(textstat.flesch_kincaid_grade(t), 1), path) for path, t in texts
            if textstat.flesch_kincaid_grade(t) > 7]
    assert not hard, hard


def test_the_grade_test_can_fail():
    legal = ("Hypersensitivity to deoxycholic acid or any excipient constitutes a "
             "contraindication necessitating alternative therapeutic consideration.")
    assert textstat.flesch_kincaid_grade(legal) > 7
