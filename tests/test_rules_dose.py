"""The local anaesthetic's dose: total mg = volume x strength over every entry
that holds it, against the label's maximum (200 mg plain, 500 mg with
adrenaline), the mg/kg limit when the weight is recorded, and the questions
it asks when the strength or the weight is missing."""

from __future__ import annotations

import pytest

from tests.rules_support import only, product, rules, run

HA = product("hyaluronic-acid-non-crosslinked")
DOSE_RULES = {"anaesthetic-max-dose", "anaesthetic-max-dose-per-kg", "anaesthetic-weight-needed",
              "anaesthetic-strength-unknown", "anaesthetic-strength-unusual"}


def needs(*ids):
    """Skip until the catalogue holds these products (added with the issue 10 content)."""
    from mesodesk.catalogue import default_catalogue

    missing = [i for i in ids if i not in default_catalogue().products]
    return pytest.mark.skipif(bool(missing), reason=f"catalogue has no {missing} yet")


def lido(volume, strength=None, pid="lidocaine", **extra):
    use = product(pid, volume_ml=volume, **extra)
    if strength is not None:
        use["concentration_mg_ml"] = strength
    return use


def plan(*uses, weight=None):
    change = {"products": [HA, *uses]}
    if weight is not None:
        change["patient"] = {"weight_kg": weight}
    return change


def dose_findings(catalogue, change):
    return [f for f in run(catalogue, change) if f.rule in DOSE_RULES]


def test_the_label_limits_are_catalogue_data(catalogue):
    plain = catalogue.products["lidocaine"]
    assert (plain.max_dose_mg, plain.max_dose_mg_per_kg) == (200.0, 4.5)
    assert set(plain.strengths_mg_ml) == {10.0, 20.0}      # 1% = 10 mg/mL, 2% = 20 mg/mL
    assert plain.dose_source


@needs("lidocaine-adrenaline")
def test_the_adrenaline_form_has_its_own_limit(catalogue):
    adrenaline = catalogue.products["lidocaine-adrenaline"]
    assert adrenaline.max_dose_mg == 500.0 and adrenaline.dose_source


@pytest.mark.parametrize("volume, strength, blocked", [
    (19.9, 10, False),    # 199 mg of 1%
    (20.0, 10, False),    # 200 mg: the maximum itself is allowed
    (20.1, 10, True),     # 201 mg
    (9.95, 20, False),    # 199 mg of 2%
    (10.0, 20, False),
    (10.05, 20, True),
])
def test_plain_lidocaine_199_200_201_mg(catalogue, volume, strength, blocked):
    findings = dose_findings(catalogue, plan(lido(volume, strength), weight=70))
    if blocked:
        f = only(findings, "anaesthetic-max-dose")
        assert f.absolute and f.path == "products[1].volume_ml"
        assert "201 mg" in f.message and "200 mg" in f.message
        assert f"{volume:g} mL at {strength} mg/mL" in f.message
        assert set(catalogue.products["lidocaine"].dose_source) <= set(f.source)
    else:
        assert findings == []


@needs("lidocaine-adrenaline")
@pytest.mark.parametrize("volume, blocked", [(49.9, False), (50.0, False), (50.1, True)])
def test_lidocaine_with_adrenaline_499_500_501_mg(catalogue, volume, blocked):
    findings = dose_findings(catalogue, plan(lido(volume, 10, pid="lidocaine-adrenaline")))
    assert ("anaesthetic-max-dose" in rules(findings)) is blocked
    if blocked:
        assert "500 mg" in only(findings, "anaesthetic-max-dose").message


@pytest.mark.parametrize("weight, volume, expected", [
    (40, 17.9, set()),                               # 179 mg; 4.5 mg/kg x 40 kg = 180 mg
    (40, 18.0, set()),
    (40, 18.1, {"anaesthetic-max-dose-per-kg"}),     # 181 mg
    (60, 20.0, set()),                               # 270 mg by weight: 200 mg binds
    (60, 20.1, {"anaesthetic-max-dose"}),
    (30, 14.0, {"anaesthetic-max-dose-per-kg"}),     # 140 mg > 135 mg
])
def test_the_mg_per_kg_limit_applies_when_the_weight_is_recorded(catalogue, weight, volume,
                                                                 expected):
    findings = dose_findings(catalogue, plan(lido(volume, 10), weight=weight))
    assert rules(findings) == expected
    if expected == {"anaesthetic-max-dose-per-kg"}:
        f = findings[0]
        assert f.absolute and f"{weight} kg" in f.message and "4.5 mg/kg" in f.message


@pytest.mark.parametrize("volume, asked", [(14.9, False), (15.0, True), (20.0, True)])
def test_near_the_limit_without_a_weight_the_weight_is_asked_for(catalogue, volume, asked):
    findings = dose_findings(catalogue, plan(lido(volume, 10)))
    assert ("anaesthetic-weight-needed" in rules(findings)) is asked
    if asked:
        f = only(findings, "anaesthetic-weight-needed")
        assert f.severity == "warn" and f.path == "patient.weight_kg"
        assert "4.5 mg/kg" in f.message and "44 kg" in f.message
    assert not dose_findings(catalogue, plan(lido(volume, 10), weight=70))


def test_every_entry_that_holds_lidocaine_adds_to_one_total(catalogue):
    two_lots = plan(lido(10.0, 10, lot="A"), lido(10.1, 10, lot="B"))
    f = only(dose_findings(catalogue, two_lots), "anaesthetic-max-dose")
    assert "201 mg" in f.message and "10 mL at 10 mg/mL + 10.1 mL at 10 mg/mL" in f.message


@needs("lidocaine-adrenaline")
def test_plain_and_adrenaline_forms_each_keep_their_limit_and_share_the_total(catalogue):
    ok = plan(lido(15, 10), lido(30, 10, pid="lidocaine-adrenaline"))             # 150 + 300
    assert dose_findings(catalogue, {**ok, "patient": {"weight_kg": 70}}) == []
    too_much_plain = plan(lido(25, 10), lido(10, 10, pid="lidocaine-adrenaline"))  # 250 plain
    f = only(dose_findings(catalogue, too_much_plain), "anaesthetic-max-dose")
    assert "250 mg" in f.message and "200 mg" in f.message
    too_much_total = plan(lido(15, 10), lido(40, 10, pid="lidocaine-adrenaline"))  # 550
    f = only(dose_findings(catalogue, too_much_total), "anaesthetic-max-dose")
    assert "550 mg" in f.message and "500 mg" in f.message


def test_a_strength_not_recorded_counts_as_the_strongest_sold(catalogue):
    assert dose_findings(catalogue, plan(lido(5))) == []            # at most 100 mg
    findings = dose_findings(catalogue, plan(lido(8)))              # up to 160 mg
    assert rules(findings) == {"anaesthetic-strength-unknown", "anaesthetic-weight-needed"}
    f = only(findings, "anaesthetic-strength-unknown")
    assert f.path == "products[1].concentration_mg_ml" and "20 mg/mL" in f.message
    assert "anaesthetic-max-dose" in rules(dose_findings(catalogue, plan(lido(10.1))))


@pytest.mark.parametrize("strength, warned", [(10, False), (20, False), (1, True), (2, True),
                                              (5, True)])
def test_a_strength_the_product_is_not_sold_in_is_questioned(catalogue, strength, warned):
    findings = dose_findings(catalogue, plan(lido(1, strength)))
    assert ("anaesthetic-strength-unusual" in rules(findings)) is warned
    if strength == 1:
        assert "10 mg/mL" in only(findings, "anaesthetic-strength-unusual").message


@pytest.mark.parametrize("name", ["Lidocaine 2% ampoule", "xylocaine 2%", "Lignocaine HCl",
                                  "lidocane 2 percent"])
def test_lidocaine_recorded_outside_the_catalogue_counts(catalogue, name):
    other = {**product("other", volume_ml=11), "name": name, "risk_text": "as leaflet",
             "concentration_mg_ml": 20}
    f = only(dose_findings(catalogue, plan(other)), "anaesthetic-max-dose")
    assert "220 mg" in f.message and "200 mg" in f.message          # the strictest label
    del other["concentration_mg_ml"]
    f = only(dose_findings(catalogue, plan(other)), "anaesthetic-strength-unknown")
    assert "not counted" in f.message and name in f.message


def test_lidocaine_mixed_with_another_product_still_counts(catalogue):
    cocktail = {"indication": "musculoskeletal-pain", "areas": ["lower-back"],
                "products": [product("ketoprofen", volume_ml=2.0),
                             product("methylprednisolone", volume_ml=1.0),
                             lido(10.5, 20)]}
    f = only(dose_findings(catalogue, cocktail), "anaesthetic-max-dose")
    assert f.path == "products[2].volume_ml" and "210 mg" in f.message


def test_plans_without_injected_lidocaine_are_not_counted(catalogue):
    assert dose_findings(catalogue, {"products": [HA]}) == []
    assert dose_findings(catalogue, {"products": [HA, product("polynucleotides", volume_ml=30)]}) == []


@needs("lidocaine-cream")
def test_numbing_cream_is_not_counted(catalogue):
    cream = product("lidocaine-cream", volume_ml=30.0)
    assert dose_findings(catalogue, plan(cream)) == []
