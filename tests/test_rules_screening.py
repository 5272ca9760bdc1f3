"""The second-wave screening questions: each answer yes / no / unknown (and
never asked) on the plan it concerns, and no effect on plans it does not."""

from __future__ import annotations

import pytest

from mesodesk.domain import from_data
from mesodesk.rules import evaluate
from tests.rules_support import (DCA_CHIN, DUTASTERIDE_SCALP, LIDOCAINE_FACE, PCDC_ABDOMEN,
                                 TXA_FACE, answers, consultation_data, product, run)

CELLULITE_THIGHS = {"indication": "cellulite", "areas": ["thighs"],
                    "products": [product("vitamin-amino-acid-complex")],
                    "plan": {"sessions": 1, "rationale": "Informed choice"}}
NECK = {"areas": ["face", "neck"]}
FACE_ONLY = {"areas": ["face"]}
TOXIN_FACE = {"products": [product("botulinum-toxin-microdroplet")]}
KYBELLA_CHIN = {**DCA_CHIN, "products": [product("deoxycholic-acid-imported", volume_ml=4.0,
                                                 injections=20)]}
AQUALYX_ABDOMEN = {**PCDC_ABDOMEN, "products": [product("deoxycholate-device")]}
FACE_ONLY = {"areas": ["face"]}

# question, plan, yes -> {rule: (severity, overridable)}, unknown -> {...}
CASES = [
    ("blood_clot_history", TXA_FACE,
     {"clot-history-tranexamic-acid": ("block", True)}, {"clot-history-unknown": ("warn", True)}),
    ("thrombophilia", TXA_FACE,
     {"thrombophilia-tranexamic-acid": ("block", True)}, {"thrombophilia-unknown": ("warn", True)}),
    ("seizure_history", TXA_FACE,
     {"seizures-tranexamic-acid": ("block", True)}, {"seizure-history-unknown": ("warn", True)}),
    ("seizure_history", LIDOCAINE_FACE, {"seizures-lidocaine": ("warn", True)}, {}),
    ("combined_hormonal_contraception", TXA_FACE,
     {"hormonal-contraception-tranexamic-acid": ("warn", True)},
     {"hormonal-contraception-unknown": ("warn", True)}),
    ("pregnancy_possible_within_6_months", DUTASTERIDE_SCALP,
     {"pregnancy-possible-dutasteride": ("block", False)},
     {"pregnancy-possible-dutasteride-unconfirmed": ("block", True)}),
    ("oral_finasteride_or_dutasteride", DUTASTERIDE_SCALP,
     {"oral-5ari-dutasteride": ("warn", True)}, {"oral-5ari-unknown": ("warn", True)}),
    ("bmi_30_or_more", DCA_CHIN,
     {"bmi-30-deoxycholic-acid": ("block", True)}, {"bmi-unknown": ("warn", True)}),
    ("body_image_concern", DCA_CHIN,
     {"body-image-concern": ("warn", True), "body-dysmorphic-deoxycholic-acid": ("block", True)},
     {"body-image-concern-unknown": ("warn", True)}),
    ("ulceration_after_fat_injection", DCA_CHIN,
     {"ulceration-history-deoxycholic-acid": ("block", False)},
     {"ulceration-history-unknown": ("warn", True)}),
    ("ulceration_after_fat_injection", PCDC_ABDOMEN,
     {"ulceration-history-deoxycholate": ("block", True)},
     {"ulceration-history-unknown": ("warn", True)}),
    ("previous_injectable_reaction", {},
     {"previous-injectable-reaction": ("warn", True)},
     {"previous-injectable-reaction-unknown": ("warn", True)}),
    ("permanent_filler_in_area", {},
     {"permanent-filler-in-area": ("warn", True)},
     {"permanent-filler-in-area-unknown": ("warn", True)}),
    ("thyroid_or_neck_swelling", NECK,
     {"thyroid-or-neck-swelling": ("warn", True)},
     {"thyroid-or-neck-swelling-unknown": ("warn", True)}),
    ("thyroid_or_neck_swelling", DCA_CHIN,
     {"thyroid-or-neck-swelling": ("warn", True)},
     {"thyroid-or-neck-swelling-unknown": ("warn", True)}),
    ("abdominal_hernia_or_scars", PCDC_ABDOMEN,
     {"hernia-or-scars-abdomen": ("warn", True)}, {"hernia-or-scars-unknown": ("warn", True)}),
    ("neuromuscular_disease", TOXIN_FACE,
     {"neuromuscular-disease-botulinum-toxin": ("block", True)},
     {"neuromuscular-disease-unknown": ("warn", True)}),
    ("bmi_30_or_more", KYBELLA_CHIN,
     {"bmi-30-deoxycholic-acid": ("block", True)}, {"bmi-unknown": ("warn", True)}),
    ("ulceration_after_fat_injection", AQUALYX_ABDOMEN,
     {"ulceration-history-deoxycholate": ("block", True)},
     {"ulceration-history-unknown": ("warn", True)}),
    ("seizure_history", {"products": [product("lidocaine-adrenaline")]},
     {"seizures-lidocaine": ("warn", True)}, {}),
    ("leg_circulation_problem", CELLULITE_THIGHS,
     {"leg-circulation": ("warn", True)}, {"leg-circulation-unknown": ("warn", True)}),
]


def from_question(findings, question):
    return {f.rule: (f.severity, f.overridable) for f in findings
            if f.path == f"screening.answers.{question}"}


@pytest.mark.parametrize("question, plan, yes, unknown", CASES)
def test_each_new_answer_yes_no_unknown(catalogue, question, plan, yes, unknown):
    assert from_question(run(catalogue, plan, answers(**{question: "yes"})), question) == yes
    assert from_question(run(catalogue, plan, answers(**{question: "no"})), question) == {}
    assert from_question(run(catalogue, plan, answers(**{question: "unknown"})),
                         question) == unknown


@pytest.mark.parametrize("question, plan, yes, unknown", CASES)
def test_a_question_never_asked_counts_as_unknown(catalogue, question, plan, yes, unknown):
    data = consultation_data(catalogue, plan)
    del data["screening"]["answers"][question]
    findings = evaluate(from_data(data), catalogue)
    assert from_question(findings, question) == unknown


@pytest.mark.parametrize("question, plan", [
    ("blood_clot_history", LIDOCAINE_FACE), ("thrombophilia", {}),
    ("combined_hormonal_contraception", DUTASTERIDE_SCALP),
    ("pregnancy_possible_within_6_months", TXA_FACE),
    ("oral_finasteride_or_dutasteride", {}),
    ("bmi_30_or_more", PCDC_ABDOMEN), ("ulceration_after_fat_injection", {}),
    ("thyroid_or_neck_swelling", FACE_ONLY), ("thyroid_or_neck_swelling", PCDC_ABDOMEN),
    ("abdominal_hernia_or_scars", NECK), ("abdominal_hernia_or_scars", CELLULITE_THIGHS),
    ("leg_circulation_problem", PCDC_ABDOMEN), ("leg_circulation_problem", NECK),
])
def test_product_and_area_questions_leave_other_plans_alone(catalogue, question, plan):
    for answer in ("yes", "unknown"):
        found = from_question(run(catalogue, plan, answers(**{question: answer})), question)
        assert found == {}, (question, answer, found)


def test_body_area_effects_follow_the_chosen_areas(catalogue):
    """Effects aimed at body areas (neck: thyroid; abdomen: hernia; legs:
    circulation) apply when any chosen area is one of them."""
    thyroid = answers(thyroid_or_neck_swelling="yes")
    assert from_question(run(catalogue, {"areas": ["face"]}, thyroid),
                         "thyroid_or_neck_swelling") == {}
    assert from_question(run(catalogue, {"areas": ["face", "neck"]}, thyroid),
                         "thyroid_or_neck_swelling") == {"thyroid-or-neck-swelling": ("warn", True)}


@pytest.mark.parametrize("question, words", [
    ("blood_clot_history", ["thrombosis", "strong medical indication"]),
    ("seizure_history", ["convulsions", "contraindication"]),
    ("combined_hormonal_contraception", ["blood clot"]),
    ("pregnancy_possible_within_6_months", ["male foetus", "6 months"]),
    ("bmi_30_or_more", ["BMI 30"]),
    ("ulceration_after_fat_injection", ["never"]),
])
def test_label_findings_name_the_label_reason(catalogue, question, words):
    plan = {"blood_clot_history": TXA_FACE, "seizure_history": TXA_FACE,
            "combined_hormonal_contraception": TXA_FACE,
            "pregnancy_possible_within_6_months": DUTASTERIDE_SCALP}.get(question, DCA_CHIN)
    findings = [f for f in run(catalogue, plan, answers(**{question: "yes"}))
                if f.path == f"screening.answers.{question}"]
    assert findings
    for word in words:
        assert any(word in f.message for f in findings), (question, word)
