"""Medicines read from free text: cross-reactive allergies (NSAIDs and
ketoprofen, amide local anaesthetics and lidocaine) and the medicines list
against the screening answers, with brands, misspellings and case."""

from __future__ import annotations

import pytest

from mesodesk.rules import lexicon
from mesodesk.rules.checks import CODED_RULES
from tests.rules_support import (DUTASTERIDE_SCALP, KETOPROFEN_BACK, LIDOCAINE_FACE,
                                 TXA_FACE, answers, only, product, rules, run)

# --- the matcher ----------------------------------------------------------------------


@pytest.mark.parametrize("text, term, found", [
    ("Xarelto 20mg OD", "xarelto", True),
    ("sertaline 50mg", "sertraline", True),          # one letter missing
    ("ibuprofin prn", "ibuprofen", True),            # one letter wrong
    ("clopidogerl", "clopidogrel", True),            # two letters swapped
    ("Lignocane", "lignocaine", True),
    ("co-codamol", "co codamol", True),              # hyphen is a space
    ("asthma inhaler", "aspirin", False),
    ("caine", "lidocaine", False),                    # part of a word is not a word
    ("20mg", "2mg", False),                           # numbers are never stretched
    ("Imran", "imuran", False),                       # a short word is not stretched
    ("warfarin", "warfarin", True),
    ("", "warfarin", False),
])
def test_names_are_matched_as_whole_words_with_a_small_slip(text, term, found):
    assert lexicon.contains(lexicon.normalise(text), lexicon.normalise(term)) is found


# --- allergy: amide local anaesthetics and lidocaine --------------------------------------


@pytest.mark.parametrize("allergy, named", [
    ("bupivacaine", "bupivacaine"),
    ("Articaine - swelling at the dentist 2015", "articaine"),
    ("MEPIVACAINE", "mepivacaine"),
    ("prilocaine", "prilocaine"),
    ("ropivacaine", "ropivacaine"),
    ("Marcaine", "bupivacaine"),          # brands
    ("Septanest", "articaine"),
    ("Citanest", "prilocaine"),
    ("Naropin", "ropivacaine"),
    ("Scandonest", "mepivacaine"),
    ("bupivicaine", "bupivacaine"),       # misspelt
    ("articain", "articaine"),
])
def test_allergy_to_another_amide_anaesthetic_blocks_lidocaine(catalogue, allergy, named):
    findings = run(catalogue, LIDOCAINE_FACE,
                   {"screening": {"allergies": ["penicillin", allergy]}})
    f = only(findings, "allergy-cross-reactive-amide")
    assert f.severity == "block" and f.overridable         # a negative allergy test can release it
    assert f.path == "screening.allergies[1]"
    assert allergy in f.message and named in f.message and "lidocaine" in f.message
    assert "allergy-ingredient" not in rules(findings)
    assert {"R106"} <= set(f.source)


@pytest.mark.parametrize("allergy", ["lidocaine", "Xylocaine", "lignocane", "LIDOCAIN",
                                     "local anaesthetic"])
def test_allergy_to_lidocaine_itself_blocks_absolutely(catalogue, allergy):
    findings = run(catalogue, LIDOCAINE_FACE, {"screening": {"allergies": [allergy]}})
    f = only(findings, "allergy-ingredient")
    assert f.absolute and allergy in f.message
    assert "allergy-cross-reactive-amide" not in rules(findings)


@pytest.mark.parametrize("allergy", ["penicillin", "benzocaine", "cocaine", "caine",
                                     "ibuprofen", "latex", "no known drug allergies"])
def test_other_allergies_do_not_block_lidocaine(catalogue, allergy):
    findings = run(catalogue, LIDOCAINE_FACE, {"screening": {"allergies": [allergy]}})
    assert not {"allergy-cross-reactive-amide", "allergy-ingredient"} & rules(findings)


def test_an_amide_allergy_does_not_matter_without_an_amide_product(catalogue):
    assert run(catalogue, {"screening": {"allergies": ["articaine"]}}) == []


# --- allergy: NSAIDs and aspirin with ketoprofen ---------------------------------------------


@pytest.mark.parametrize("allergy, named", [
    ("aspirin - wheeze", "aspirin"),
    ("Aspirin (urticaria)", "aspirin"),
    ("ibuprofen", "ibuprofen"),
    ("Nurofen: asthma attack", "ibuprofen"),
    ("naproxen", "naproxen"),
    ("Voltarol", "diclofenac"),
    ("diclofenac", "diclofenac"),
    ("celecoxib", "celecoxib"),
    ("mefenamic acid", "mefenamic acid"),
    ("ibuprofin", "ibuprofen"),
    ("Brufen", "ibuprofen"),
    ("acetylsalicylic acid", "aspirin"),
])
def test_allergy_to_aspirin_or_any_nsaid_blocks_ketoprofen_absolutely(catalogue, allergy, named):
    findings = run(catalogue, KETOPROFEN_BACK, {"screening": {"allergies": [allergy]}})
    f = only(findings, "allergy-cross-reactive-nsaid")
    assert f.absolute and f.path == "screening.allergies[0]"
    assert allergy in f.message and named in f.message and "ketoprofen" in f.message
    assert "R110" in f.source


@pytest.mark.parametrize("allergy", ["NSAIDs - bronchospasm", "anti-inflammatories",
                                     "non-steroidal anti-inflammatory drugs"])
def test_allergy_to_nsaids_as_a_class_blocks_ketoprofen_absolutely(catalogue, allergy):
    findings = run(catalogue, KETOPROFEN_BACK, {"screening": {"allergies": [allergy]}})
    blocks = [f for f in findings if f.rule.startswith("allergy")]
    assert len(blocks) == 1 and blocks[0].absolute and allergy in blocks[0].message


@pytest.mark.parametrize("allergy", ["ketoprofen", "Oruvail"])
def test_allergy_to_ketoprofen_itself_is_the_ingredient_rule(catalogue, allergy):
    findings = run(catalogue, KETOPROFEN_BACK, {"screening": {"allergies": [allergy]}})
    assert only(findings, "allergy-ingredient").absolute
    assert "allergy-cross-reactive-nsaid" not in rules(findings)


@pytest.mark.parametrize("allergy", ["paracetamol", "codeine", "penicillin", "aspartame"])
def test_other_allergies_do_not_block_ketoprofen(catalogue, allergy):
    findings = run(catalogue, KETOPROFEN_BACK, {"screening": {"allergies": [allergy]}})
    assert not {"allergy-cross-reactive-nsaid", "allergy-ingredient"} & rules(findings)


def test_nsaid_allergy_with_lidocaine_only_is_not_blocked(catalogue):
    findings = run(catalogue, LIDOCAINE_FACE, {"screening": {"allergies": ["aspirin"]}})
    assert findings == []


def test_one_entry_with_several_products_blocks_each_that_holds_a_member(catalogue):
    plan = {**KETOPROFEN_BACK, "products": [product("ketoprofen"), product("lidocaine"),
                                            product("methylprednisolone")]}
    findings = run(catalogue, plan, {"screening": {"allergies": ["diclofenac", "Marcaine"]}})
    assert {(f.rule, f.path) for f in findings if f.rule.startswith("allergy")} == {
        ("allergy-cross-reactive-nsaid", "screening.allergies[0]"),
        ("allergy-cross-reactive-amide", "screening.allergies[1]")}


# --- the medicines list -------------------------------------------------------------------

# (medicines list, question it contradicts when answered "no", plan where a
# "yes" to that question matters, the medicine's generic name)
CLASS_CASES = [
    ("Warfarin 3 mg daily", "anticoagulants", {}, "warfarin"),
    ("ELIQUIS 5mg BD", "anticoagulants", {}, "apixaban"),
    ("xarelto", "anticoagulants", {}, "rivaroxaban"),
    ("apixiban", "anticoagulants", {}, "apixaban"),
    ("on blood thinners", "anticoagulants", {}, "blood thinners"),
    ("Clopidogrel 75mg", "antiplatelets_or_nsaids", {}, "clopidogrel"),
    ("Plavix", "antiplatelets_or_nsaids", {}, "clopidogrel"),
    ("aspirin 75mg", "antiplatelets_or_nsaids", {}, "aspirin"),
    ("Ibuprofen when needed", "antiplatelets_or_nsaids", {}, "ibuprofen"),
    ("naproxen", "antiplatelets_or_nsaids", {}, "naproxen"),
    ("Roaccutane (stopped in August)", "isotretinoin_last_6_months", {}, "isotretinoin"),
    ("isotretinoin 20 mg", "isotretinoin_last_6_months", {}, "isotretinoin"),
    ("methotrexate 15 mg weekly", "immunosuppressed", {}, "methotrexate"),
    ("Humira injections", "immunosuppressed", {}, "adalimumab"),
    ("tacrolimus", "immunosuppressed", {}, "tacrolimus"),
    ("prednisolone 5mg", "immunosuppressed", {}, "prednisolone"),
    ("Dexamethasone", "immunosuppressed", {}, "dexamethasone"),
    ("finasteride 1 mg", "oral_finasteride_or_dutasteride", DUTASTERIDE_SCALP, "finasteride"),
    ("Propecia", "oral_finasteride_or_dutasteride", DUTASTERIDE_SCALP, "finasteride"),
    ("Microgynon 30", "combined_hormonal_contraception", TXA_FACE,
     "ethinylestradiol (combined contraceptive)"),
]


@pytest.mark.parametrize("text, question, plan, name", CLASS_CASES)
def test_a_medicine_named_while_its_answer_is_no_gives_a_finding_naming_both(
        catalogue, text, question, plan, name):
    findings = run(catalogue, plan, {"screening": {"medications": text}})
    f = only(findings, "medicines-list-disagrees")
    assert f.severity == "warn" and f.path == "screening.medications"
    assert name in f.message
    assert catalogue.screening[question].question in f.message and '"no"' in f.message


@pytest.mark.parametrize("text, question, plan, name", CLASS_CASES)
def test_the_same_medicine_with_the_answer_yes_gives_no_disagreement(
        catalogue, text, question, plan, name):
    findings = run(catalogue, plan, {"screening": {"medications": text}}, answers(**{question: "yes"}))
    assert "medicines-list-disagrees" not in rules(findings)


@pytest.mark.parametrize("text, question", [("warfarin", "anticoagulants"),
                                            ("isotretinoin", "isotretinoin_last_6_months")])
def test_an_unanswered_question_with_a_named_medicine_says_so(catalogue, text, question):
    findings = run(catalogue, {"screening": {"medications": text}},
                   answers(**{question: "unknown"}))
    f = only(findings, "medicines-list-disagrees")
    assert '"unknown"' in f.message and text in f.message


@pytest.mark.parametrize("text, name", [
    ("sertraline 50mg", "sertraline"), ("Prozac", "fluoxetine"), ("citalopram", "citalopram"),
    ("escitalopram 10 mg", "escitalopram"), ("paroxetine", "paroxetine"),
    ("Venlafaxine XL 75", "venlafaxine"), ("duloxetine", "duloxetine"),
    ("Cymbalta", "duloxetine"), ("sertaline", "sertraline"),
])
def test_an_ssri_or_snri_gives_its_own_bleeding_warning(catalogue, text, name):
    f = only(run(catalogue, {"screening": {"medications": text}}), "ssri-snri-bleeding")
    assert f.severity == "warn" and name in f.message and "bleeding" in f.message
    assert {"R140", "R141"} <= set(f.source)


def test_several_medicines_give_one_finding_each(catalogue):
    findings = run(catalogue, {"screening": {
        "medications": "Apixaban 5mg bd; Clopidogrel 75 mg; sertraline 100mg; Humira"}})
    disagree = [f for f in findings if f.rule == "medicines-list-disagrees"]
    assert len(disagree) == 3
    assert rules(findings) == {"medicines-list-disagrees", "ssri-snri-bleeding"}


def test_a_class_question_that_cannot_change_the_plan_is_not_raised(catalogue):
    """Finasteride matters only for a dutasteride plan; the pill only for tranexamic acid."""
    assert run(catalogue, {"screening": {"medications": "finasteride 1mg, Microgynon"}}) == []


@pytest.mark.parametrize("text", ["Levothyroxine 50 mcg", "", "none", "vitamin D",
                                  "salbutamol inhaler for asthma", "metformin 500mg",
                                  "paracetamol", "no regular medicines"])
def test_other_medicines_give_nothing(catalogue, text):
    assert run(catalogue, {"screening": {"medications": text}}) == []


# --- the table -----------------------------------------------------------------------------


def test_class_rules_named_in_the_data_are_coded_and_worded(catalogue):
    coded = {i for c in CODED_RULES for i in c.ids}
    for key, cls in catalogue.drug_classes.items():
        for rule in filter(None, (cls.medicines_rule, cls.allergy_rule)):
            assert rule in coded and rule in catalogue.rules, (key, rule)
        assert cls.question or cls.medicines_rule or cls.allergy_rule, key


def test_every_class_has_members_and_names_are_not_shared_across_unrelated_medicines(catalogue):
    from mesodesk.rules.lexicon import normalise

    used = {c for d in catalogue.drugs.values() for c in d.classes}
    assert used == set(catalogue.drug_classes)
    owner: dict[str, str] = {}
    for key, drug in catalogue.drugs.items():
        for name in (drug.name, *drug.names):
            n = normalise(name)
            if n in owner and owner[n] != key:
                # a combination brand may sit under each of its medicines (EMLA)
                assert n == "emla", (n, owner[n], key)
            owner[n] = key


@pytest.mark.parametrize("text, question", [("Xarelto 20 mg", "anticoagulants"),
                                            ("clopidogrel", "antiplatelets_or_nsaids")])
def test_a_disagreement_that_hides_a_block_is_itself_a_block(catalogue, text, question):
    from tests.rules_support import DCA_CHIN

    findings = run(catalogue, DCA_CHIN, {"screening": {"medications": text}})
    f = only(findings, "medicines-list-disagrees-blocking")
    assert f.severity == "block" and f.overridable and "deoxycholic-acid" in f.message
    assert "medicines-list-disagrees" not in rules(findings)
    answered = run(catalogue, DCA_CHIN, {"screening": {"medications": text}},
                   answers(**{question: "yes"}))
    assert not {"medicines-list-disagrees", "medicines-list-disagrees-blocking"} & rules(answered)
