"""One decision on licence status: the safety rules (treatment record) and the
patient's pack never disagree about a product (issue 10, item 2)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from mesodesk.catalogue import licence
from mesodesk.catalogue.licence import STATUS_SHORT, STATUS_WORDS, use_status
from mesodesk.pack import build_pack
from mesodesk.pack import selection as sel
from mesodesk.rules import evaluate


def flat(text: str) -> str:
    return " ".join(text.split())


def consultation(make_consultation, catalogue, product_id: str, indication: str):
    ind = catalogue.indications[indication]
    return make_consultation({
        "screening": {"answers": {q: "no" for q in catalogue.screening}},
        "indication": indication, "areas": [ind.areas[0]],
        "products": [{"id": product_id, "lot": "L1", "expiry": "2027-06-30", "volume_ml": 1.0}],
    })


def rules_status(findings) -> str | None:
    """What the treatment record says about the product's licence."""
    ids = {f.rule for f in findings}
    if "unlicensed-product" in ids:
        return "unlicensed"
    if "off-label" in ids:
        return "off-label"
    return None          # within a licence, or a device: no finding


def agrees(rule: str | None, pack: str) -> bool:
    if rule is None:
        return pack in ("licensed", "device")
    return pack == rule


def test_rules_and_pack_agree_for_every_product_and_indication(make_consultation, catalogue):
    checked = 0
    for pid, product in catalogue.products.items():
        for indication in catalogue.indications:
            c = consultation(make_consultation, catalogue, pid, indication)
            findings = evaluate(c, catalogue)
            pack_status = sel.use_status(product, indication)
            assert agrees(rules_status(findings), pack_status), (pid, indication, pack_status)
            words = sel.status_text(product, indication)
            assert words == licence.status_words(product, indication)
            assert words == STATUS_WORDS[pack_status] or (
                pack_status == "licensed" and product.role == "anaesthetic"
                and words == licence.ANAESTHETIC_WORDS)
            for f in findings:
                # a licensed medicine is never described as licensed for nothing
                assert "not licensed for any indication" not in f.message, (pid, f.message)
            checked += 1
    assert checked >= len(catalogue.products) * 7


@pytest.mark.parametrize("pid, indication, expected", [
    ("deoxycholic-acid", "submental-fat", "licensed"),
    ("deoxycholic-acid", "localized-fat", "off-label"),
    ("deoxycholic-acid-imported", "submental-fat", "unlicensed"),
    ("tranexamic-acid", "melasma", "off-label"),
    ("phosphatidylcholine-deoxycholate", "localized-fat", "unlicensed"),
    ("hyaluronic-acid-non-crosslinked", "skin-rejuvenation", "device"),
    ("lidocaine", "musculoskeletal-pain", "licensed"),
    ("botulinum-toxin-microdroplet", "skin-rejuvenation", "off-label"),
    ("glutathione", "melasma", "unlicensed"),
])
def test_printed_pack_and_treatment_record_say_the_same(make_consultation, catalogue, pid,
                                                        indication, expected):
    c = consultation(make_consultation, catalogue, pid, indication)
    findings = evaluate(c, catalogue)
    assert agrees(rules_status(findings), expected)
    text = flat("\n".join(p.extract_text() or ""
                          for p in PdfReader(io.BytesIO(build_pack(c, catalogue))).pages))
    words = licence.status_words(catalogue.products[pid], indication)
    assert f"Status for this use: {words}" in text
    assert STATUS_SHORT[expected] in text
    for other, other_words in STATUS_WORDS.items():
        if other != expected:
            assert other_words not in text, (pid, other)
    if expected == "off-label":
        off = next(f for f in findings if f.rule == "off-label")
        assert licence.licence_text(catalogue.products[pid], catalogue.indications) in off.message


def test_a_product_outside_the_catalogue_is_not_called_licensed():
    assert use_status(None, "melasma") == "unknown"
    assert "not checked" in STATUS_SHORT["unknown"]
