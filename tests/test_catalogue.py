"""The shipped clinical catalogue: it loads, it is complete, every patient-facing
statement is sourced, and it makes no claim the evidence does not support.

Also checks that the loader rejects a broken catalogue with an error naming
the file and the key, using a copy of the real catalogue in a temporary folder.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from mesodesk.catalogue import CatalogueError, load_catalogue
from tests.catalogue_support import edit, folder  # noqa: F401  (folder is a fixture)
from mesodesk.catalogue.model import AppliesTo, Catalogue, Statement

MIN_IDS = {
    "indications": {"skin-rejuvenation", "cellulite", "localized-fat", "submental-fat",
                    "hair-loss", "musculoskeletal-pain", "melasma"},
    "areas": {"face", "neck", "decollete", "scalp", "submental", "abdomen", "flanks",
              "thighs", "buttocks", "upper-arms", "back", "knee", "shoulder"},
    "techniques": {"nappage", "papule", "point-by-point", "linear-retrograde",
                   "microneedling", "epidermal", "subcutaneous"},
    "devices": {"syringe", "mesotherapy-gun", "vibrating-pen", "microneedling-device"},
    "products": {"deoxycholic-acid", "hyaluronic-acid-non-crosslinked", "polynucleotides",
                 "vitamin-amino-acid-complex", "tranexamic-acid",
                 "phosphatidylcholine-deoxycholate", "dutasteride", "minoxidil", "lidocaine"},
    "ingredients": {"lidocaine", "deoxycholic-acid", "phosphatidylcholine", "hyaluronic-acid",
                    "polynucleotides", "tranexamic-acid", "dutasteride", "minoxidil",
                    "vitamins", "amino-acids"},
}


# --- helpers --------------------------------------------------------------------------

def statements(value: Any, path: str = "") -> Iterator[tuple[str, Statement]]:
    """Every Statement inside ``value``, with a readable path."""
    if isinstance(value, Statement):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from statements(getattr(value, f.name), f"{path}.{f.name}".lstrip("."))
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from statements(v, f"{path}[{i}]")
    elif hasattr(value, "items"):
        for k, v in value.items():
            yield from statements(v, f"{path}.{k}".lstrip("."))


def strings(value: Any) -> Iterator[str]:
    """Every text value anywhere inside ``value`` (patient- and practitioner-facing)."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from strings(v)
    elif hasattr(value, "items"):
        for v in value.values():
            yield from strings(v)


def applies(rule: AppliesTo, catalogue: Catalogue, *, products: set[str], technique: str,
            device: str, indication: str, areas: set[str]) -> bool:
    return rule.matches(products=products, technique=technique, device=device,
                        indication=indication, areas=areas,
                        facial=any(catalogue.areas[a].facial for a in areas))


def plan_items(catalogue: Catalogue, table: str, **plan: Any) -> set[str]:
    return {key for key, item in getattr(catalogue, table).items()
            if applies(item.applies_to, catalogue, **plan)}


HA_FACE = dict(products={"hyaluronic-acid-non-crosslinked"}, technique="nappage",
               device="syringe", indication="skin-rejuvenation", areas={"face", "neck"})
DCA_CHIN = dict(products={"deoxycholic-acid"}, technique="subcutaneous", device="syringe",
                indication="submental-fat", areas={"submental"})




def problems_of(folder: Path) -> str:
    with pytest.raises(CatalogueError) as info:
        load_catalogue(folder)
    return "\n".join(info.value.problems)


# --- the shipped catalogue ------------------------------------------------------------

def test_shipped_catalogue_has_every_minimum_id(catalogue: Catalogue) -> None:
    assert catalogue.schema_version == 1
    for table, ids in MIN_IDS.items():
        missing = ids - set(getattr(catalogue, table))
        assert not missing, f"{table} lacks {sorted(missing)}"
    assert {f"R{i}" for i in range(1, 102)} <= set(catalogue.sources)


def test_deoxycholic_acid_carries_its_label_limits(catalogue: Catalogue) -> None:
    dca = catalogue.products["deoxycholic-acid"]
    assert (dca.max_volume_ml_per_session, dca.max_injections_per_session,
            dca.volume_per_injection_ml, dca.min_interval_weeks, dca.max_sessions) == (
        10.0, 50, 0.2, 4.0, 6)
    assert set(dca.limits_source) == {"R17", "R104"}  # US label and UK SmPC
    assert dca.route == "subcutaneous"
    assert dca.regulatory.status == "licensed"
    assert dca.regulatory.licensed_for == ("submental-fat",)
    # no other product claims label limits that no source gives
    for key, product in catalogue.products.items():
        if key != "deoxycholic-acid":
            assert product.max_volume_ml_per_session is None, key
            assert product.max_injections_per_session is None, key
            assert product.max_sessions is None, key


def test_regulatory_status_is_stated_honestly(catalogue: Catalogue) -> None:
    p = catalogue.products
    assert p["lidocaine"].role == "anaesthetic"
    assert p["lidocaine"].regulatory.status == "licensed"
    assert "prescription-only" in p["lidocaine"].regulatory.statement.text
    assert p["phosphatidylcholine-deoxycholate"].regulatory.status == "unlicensed"
    pcdc = p["phosphatidylcholine-deoxycholate"].regulatory.statement.text
    assert "not approved" in pcdc and "France" in pcdc and "Brazil" in pcdc
    for key in ("tranexamic-acid", "dutasteride", "minoxidil"):
        assert p[key].regulatory.status == "off-label", key
        assert "off-label" in p[key].regulatory.statement.text.lower(), key
    # every active product suits at least one indication, unless nothing licenses
    # it and no evidence supports any use (glutathione), and the lists agree both ways
    for key, product in p.items():
        if product.role == "active" and product.regulatory.status != "unlicensed":
            assert product.suitable_for, key
        for ind in product.suitable_for:
            assert key in catalogue.indications[ind].products, (key, ind)
    for ind_key, ind in catalogue.indications.items():
        for prod in ind.products:
            assert p[prod].role == "anaesthetic" or ind_key in p[prod].suitable_for


def test_polynucleotides_and_lidocaine_are_found_by_allergy_words(catalogue: Catalogue) -> None:
    ing = catalogue.ingredients
    assert {"lignocaine", "xylocaine"} <= set(ing["lidocaine"].synonyms)
    assert {"fish", "salmon"} <= set(ing["polynucleotides"].synonyms)
    for entry in ing.values():
        assert all(s == s.lower() for s in entry.synonyms)


def test_evidence_levels_follow_the_brief(catalogue: Catalogue) -> None:
    levels = {k: v.evidence for k, v in catalogue.indications.items()}
    assert levels["submental-fat"] == "good"
    assert levels["cellulite"] == "none"
    assert levels["localized-fat"] == "none"
    assert levels["musculoskeletal-pain"] == "limited-to-moderate"
    assert levels["melasma"] == "limited-to-moderate"
    assert levels["skin-rejuvenation"] == "limited"
    assert levels["hair-loss"] == "limited"
    # an indication without good evidence promises no benefit it cannot show
    assert catalogue.indications["cellulite"].benefits == ()
    assert catalogue.indications["localized-fat"].benefits == ()


def test_indication_defaults_are_consistent(catalogue: Catalogue) -> None:
    for key, ind in catalogue.indications.items():
        tech = catalogue.techniques[ind.default_technique]
        assert tech.depth_min_mm <= ind.default_depth_mm <= tech.depth_max_mm, key
        needle = catalogue.needles[ind.default_needle_gauge]
        assert ind.default_needle_length_mm in needle.lengths_mm, key
        assert ind.default_depth_mm <= ind.default_needle_length_mm, key
        assert set(ind.areas) <= set(catalogue.areas), key
        alternatives = " ".join(a.text.lower() for a in ind.alternatives)
        assert "no treatment" in alternatives, key
    dca = catalogue.products["deoxycholic-acid"]
    chin = catalogue.indications["submental-fat"]
    assert chin.typical_sessions <= dca.max_sessions
    assert chin.typical_interval_weeks >= dca.min_interval_weeks
    assert catalogue.indications["submental-fat"].default_technique == "subcutaneous"


def test_standard_treatments_are_offered_as_alternatives(catalogue: Catalogue) -> None:
    def alt(key: str) -> str:
        return " ".join(a.text.lower() for a in catalogue.indications[key].alternatives)

    assert "minoxidil" in alt("hair-loss") and "finasteride" in alt("hair-loss")
    assert "hydroquinone" in alt("melasma") and "sun" in alt("melasma")
    assert "physiotherapy" in alt("musculoskeletal-pain")
    assert "liposuction" in alt("localized-fat")


def test_needles_are_gauge_by_length(catalogue: Catalogue) -> None:
    diam = {g: n.outer_diameter_mm for g, n in catalogue.needles.items()}
    assert diam[27] == pytest.approx(0.41) and diam[30] == pytest.approx(0.31)
    assert diam[32] == pytest.approx(0.24)
    # a higher gauge number is a thinner needle
    gauges = sorted(diam)
    assert [diam[g] for g in gauges] == sorted(diam.values(), reverse=True)
    for gauge in (27, 30, 32):
        assert {4.0, 13.0} <= set(catalogue.needles[gauge].lengths_mm)


# --- sources ----------------------------------------------------------------------------

def test_every_statement_names_sources_that_exist(catalogue: Catalogue) -> None:
    count = 0
    for table in dataclasses.fields(catalogue):
        for path, st in statements(getattr(catalogue, table.name), table.name):
            count += 1
            assert st.text.strip(), path
            assert st.source, f"{path}: statement without a source"
            unknown = set(st.source) - set(catalogue.sources)
            assert not unknown, f"{path}: unknown sources {sorted(unknown)}"
    assert count > 150  # the walk really visited the catalogue


def test_clinic_pages_are_marked_as_practice_not_evidence(catalogue: Catalogue) -> None:
    for key, src in catalogue.sources.items():
        if src.kind == "practice":
            assert "practice" in src.note.lower(), key
        assert src.url or src.doi or src.pmid, f"{key}: no way to find it"
    for key in ("R64", "R66", "R67", "R68", "R84", "R95", "R98"):
        assert catalogue.sources[key].kind == "practice", key


def test_efficacy_claims_never_rest_on_clinic_pages_alone(catalogue: Catalogue) -> None:
    """Clinic pages show practice, not evidence: what a treatment does must cite
    at least one source that is not a clinic page."""
    practice = {k for k, s in catalogue.sources.items() if s.kind == "practice"}
    for key, ind in catalogue.indications.items():
        for st in (ind.evidence_summary, ind.expected_outcome, *ind.benefits):
            assert set(st.source) - practice, f"{key}: {st.text}"
    for key, product in catalogue.products.items():
        assert set(product.regulatory.statement.source) - practice, key


def test_statement_without_source_is_rejected(folder: Path) -> None:
    edit(folder, "risks.toml",
         'what_to_do = { text = "Bruises fade by themselves. Do not stop a prescribed blood '
         'thinner to avoid bruising.", source = ["R18", "R66"] }',
         'what_to_do = { text = "Bruises fade by themselves." }')
    problems = problems_of(folder)
    assert "risks.toml: bruising.what_to_do.source: missing" in problems


def test_empty_source_list_is_rejected(folder: Path) -> None:
    edit(folder, "texts.toml", 'no_treatment = { text = "You do not have to have any treatment.',
         'no_treatment = { source = [], text = "You do not have to have any treatment.')
    edit(folder, "texts.toml", 'carries no medical risk.", source = ["R75", "R69"] }',
         'carries no medical risk." }')
    assert "texts.toml: no_treatment.source: must not be empty" in problems_of(folder)


def test_dangling_source_key_is_rejected(folder: Path) -> None:
    edit(folder, "red-flags.toml", 'source = ["R18"] }\napplies_to = { products = '
         '["deoxycholic-acid", "deoxycholic-acid-imported"] }\n\n[uneven-smile]',
         'source = ["R999"] }\napplies_to = { products = ["deoxycholic-acid"] }\n\n'
         '[uneven-smile]')
    problems = problems_of(folder)
    assert "red-flags.toml: swallowing.text.source: 'R999' is not in sources.toml" in problems


def test_dangling_product_id_is_rejected(folder: Path) -> None:
    edit(folder, "indications.toml", 'products = ["tranexamic-acid"]',
         'products = ["tranexamic-acid", "snake-oil"]')
    problems = problems_of(folder)
    assert "indications.toml: melasma.products: 'snake-oil' is not in products.toml" in problems


def test_dangling_ingredient_and_area_are_rejected(folder: Path) -> None:
    edit(folder, "products.toml", 'ingredients = ["minoxidil"]',
         'ingredients = ["minoxidil", "unicorn-dust"]')
    edit(folder, "risks.toml", 'applies_to = { areas = ["scalp"] }',
         'applies_to = { areas = ["elbow"] }')
    problems = problems_of(folder)
    assert "products.toml: minoxidil.ingredients: 'unicorn-dust' is not in ingredients.toml" \
        in problems
    assert "risks.toml: scalp-hair-loss.applies_to.areas: 'elbow' is not in areas.toml" in problems


# --- malformed files --------------------------------------------------------------------

def test_malformed_toml_names_the_file(folder: Path) -> None:
    (folder / "devices.toml").write_text('[syringe\nname = "x"\n', encoding="utf-8")
    problems = problems_of(folder)
    assert problems.startswith("devices.toml: not valid TOML")


def test_unknown_key_names_file_and_key(folder: Path) -> None:
    edit(folder, "areas.toml", '[knee]\nname = "Knee"\n', '[knee]\nname = "Knee"\ncolour = "red"\n')
    assert "areas.toml: knee.colour: unknown key" in problems_of(folder)


def test_wrong_type_names_file_and_key(folder: Path) -> None:
    edit(folder, "needles.toml", "outer_diameter_mm = 0.31", 'outer_diameter_mm = "thin"')
    edit(folder, "risks.toml", 'frequency = "rare"\nfrequency_text = "rare: 15 cases',
         'frequency = "sometimes"\nfrequency_text = "rare: 15 cases')
    problems = problems_of(folder)
    assert "needles.toml: 30.outer_diameter_mm: must be a number, not text" in problems
    assert "risks.toml: microneedling-granulomas.frequency: must be one of" in problems


def test_missing_file_is_named(folder: Path) -> None:
    (folder / "care.toml").unlink()
    assert "care.toml: file missing" in problems_of(folder)


def test_untouched_copy_loads(folder: Path) -> None:
    """The copies above fail only because of the edit each test makes."""
    assert set(load_catalogue(folder).products) >= MIN_IDS["products"]


# --- what the patient reads -------------------------------------------------------------

UNSUPPORTED = re.compile(r"depress|immun|energy|energis|circulation|blood flow|detox|toxin",
                         re.IGNORECASE)


def test_no_unsupported_benefit_claims(catalogue: Catalogue) -> None:
    for key, ind in catalogue.indications.items():
        for st in (ind.summary, ind.expected_outcome, *ind.benefits):
            assert not UNSUPPORTED.search(st.text), f"{key}: {st.text}"
    for key, product in catalogue.products.items():
        assert not UNSUPPORTED.search(product.description.text), key


def test_wording_the_brief_forbids_never_appears(catalogue: Catalogue) -> None:
    for text in strings(catalogue):
        low = text.lower()
        assert "middle layer" not in low, text
        assert "larger gauge" not in low and "smaller gauge" not in low, text
        assert "[unsourced]" not in low, text
        assert "no downtime" not in low and "painless" not in low, text


def test_patient_text_is_plain(catalogue: Catalogue) -> None:
    """Reading age about 12: short sentences, no statement a wall of text."""
    for table in dataclasses.fields(catalogue):
        for path, st in statements(getattr(catalogue, table.name), table.name):
            sentences = [s for s in re.split(r"(?<=[.!?:;])\s+", st.text) if s.strip()]
            words = [len(s.split()) for s in sentences]
            assert max(words) <= 25, f"{path}: a sentence of {max(words)} words"
            assert sum(words) / len(words) <= 20, f"{path}: sentences average too long"


def test_mesotherapy_is_described_accurately(catalogue: Catalogue) -> None:
    what = " ".join(s.text for s in catalogue.texts.what_is_mesotherapy).lower()
    assert "dermis" in what and "just under" in what
    assert "1952" in what or "1958" in what
    assert set(catalogue.texts.photo_options) == {"none", "record-only",
                                                  "anonymised-education", "marketing"}
    consent = " ".join(s.text.lower() for s in catalogue.texts.consent_statements)
    for idea in ("read", "questions", "off-label", "result", "call", "freely", "stop"):
        assert idea in consent, idea
    assert "no fixed" in catalogue.texts.cooling_off.text.lower()


# --- which risks, care and red flags a plan gets ---------------------------------------

def test_hyaluronic_face_plan_gets_general_but_not_deoxycholic_risks(
        catalogue: Catalogue) -> None:
    risks = plan_items(catalogue, "risks", **HA_FACE)
    assert {"injection-reactions", "bruising", "no-result", "mycobacterial-infection",
            "allergic-reaction", "lumps-nodules", "hyperpigmentation"} <= risks
    assert not {r for r in risks if r.startswith(("dca-", "pcdc-"))}
    assert "scalp-hair-loss" not in risks and "microneedling-granulomas" not in risks
    flags = plan_items(catalogue, "red_flags", **HA_FACE)
    assert "swallowing" not in flags and "uneven-smile" not in flags
    assert "breathing-allergy" in flags and "late-lumps" in flags
    care = plan_items(catalogue, "care", **HA_FACE)
    assert "before-blood-thinners" in care and "after-makeup" in care


def test_deoxycholic_plan_gets_its_label_risks_with_figures(catalogue: Catalogue) -> None:
    risks = plan_items(catalogue, "risks", **DCA_CHIN)
    figures = {"dca-swelling": "87", "dca-bruising": "72", "dca-pain": "70",
               "dca-numbness": "66", "dca-nerve-injury": "4 in 100",
               "dca-dysphagia": "2 in 100"}
    for key, figure in figures.items():
        assert key in risks
        assert figure in catalogue.risks[key].frequency_text, key
    assert {"dca-ulceration", "dca-hair-loss", "no-result"} <= risks
    assert "bruising" not in risks  # the specific "bruising under the chin" replaces it
    assert "smile" in catalogue.risks["dca-nerve-injury"].patient_text.text
    flags = plan_items(catalogue, "red_flags", **DCA_CHIN)
    assert {"swallowing", "uneven-smile", "hair-patches-dca"} <= flags
    assert "after-makeup" not in plan_items(catalogue, "care", **DCA_CHIN)  # not facial


def test_scalp_and_device_specific_items(catalogue: Catalogue) -> None:
    scalp = dict(products={"dutasteride"}, technique="nappage", device="syringe",
                 indication="hair-loss", areas={"scalp"})
    risks = plan_items(catalogue, "risks", **scalp)
    assert {"scalp-hair-loss", "dutasteride-pain"} <= risks
    assert "45.5" in catalogue.risks["dutasteride-pain"].frequency_text
    assert "hair-patches-scalp" in plan_items(catalogue, "red_flags", **scalp)
    pen = dict(HA_FACE, technique="microneedling", device="microneedling-device")
    assert "microneedling-granulomas" in plan_items(catalogue, "risks", **pen)
    txa = dict(products={"tranexamic-acid"}, technique="papule", device="syringe",
               indication="melasma", areas={"face"})
    assert "txa-burning" in plan_items(catalogue, "risks", **txa)
    pcdc = dict(products={"phosphatidylcholine-deoxycholate"}, technique="subcutaneous",
                device="syringe", indication="localized-fat", areas={"abdomen"})
    assert {"pcdc-panniculitis", "pcdc-scarring-deformity"} <= plan_items(
        catalogue, "risks", **pcdc)


def test_frequencies_are_in_words(catalogue: Catalogue) -> None:
    for key, risk in catalogue.risks.items():
        if risk.frequency == "not-known":
            assert "not known" in risk.frequency_text, key
        else:
            assert "not known" not in risk.frequency_text, key
    assert catalogue.risks["mycobacterial-infection"].seriousness == "serious"
    assert "months" in catalogue.risks["mycobacterial-infection"].patient_text.text


def test_care_is_labelled_by_its_basis(catalogue: Catalogue) -> None:
    care = catalogue.care
    thinners = care["before-blood-thinners"].text.text.lower()
    assert "do not stop" in thinners and "prescribed" in thinners
    for key in ("after-makeup", "after-exercise-heat", "after-sun", "before-painkillers-alcohol"):
        assert care[key].basis == "practice-advice", key
    # where clinics differ, a range is given rather than one invented number
    for key in ("after-makeup", "after-exercise-heat", "after-sun", "before-painkillers-alcohol"):
        assert re.search(r"\d+ (?:[a-z]+ )?to \d+", care[key].text.text), key
