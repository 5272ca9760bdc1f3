"""Helpers shared by the rules tests: a consultation built from Jane's example
with every screening question answered "no", and small finders."""

from __future__ import annotations

from mesodesk.domain import from_data
from mesodesk.domain.model import FORMAT
from mesodesk.rules import evaluate
from tests.conftest import load_example, merge


def consultation_data(catalogue, *changes: dict) -> dict:
    data = load_example()
    data["format"] = FORMAT            # the newest format: weight, strength, rationale
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["screening"]["medications"] = ""
    # a /2 consultation whose age was checked (the consent rules want a record)
    data["format"] = "mesodesk-consultation/2"
    data["consent"]["acknowledged"] = []
    data["patient"]["age_check"] = {"method": "passport", "checked_by": "Dr Ana Silva",
                                    "checked_at": "2026-11-25T09:55:00+00:00"}
    for change in changes:
        data = merge(data, change)
    return data


def run(catalogue, *changes: dict):
    """Findings for Jane's consultation, every answer "no", ``changes`` merged in."""
    return evaluate(from_data(consultation_data(catalogue, *changes)), catalogue)


def product(pid: str, **extra) -> dict:
    return {"id": pid, "lot": "L1", "expiry": "2027-06-30", "volume_ml": 1.0, **extra}


def rules(findings) -> set[str]:
    return {f.rule for f in findings}


def only(findings, rule: str):
    found = [f for f in findings if f.rule == rule]
    assert len(found) == 1, f"expected one {rule!r} finding, got {found}"
    return found[0]


def answers(**given: str) -> dict:
    return {"screening": {"answers": given}}


# Plans by the products they use (areas and delivery that suit each).
LIDOCAINE_FACE = {"products": [product("hyaluronic-acid-non-crosslinked"), product("lidocaine")]}
KETOPROFEN_BACK = {"indication": "musculoskeletal-pain", "areas": ["lower-back"],
                   "products": [product("ketoprofen")]}
TXA_FACE = {"indication": "melasma", "areas": ["face"],
            "products": [product("tranexamic-acid")]}
DUTASTERIDE_SCALP = {"indication": "hair-loss", "areas": ["scalp"],
                     "delivery": {"technique": "nappage", "depth_mm": 1.0},
                     "products": [product("dutasteride")]}
DCA_CHIN = {"indication": "submental-fat", "areas": ["submental"],
            "delivery": {"technique": "subcutaneous", "device": "syringe", "needle_gauge": 30,
                         "needle_length_mm": 13, "depth_mm": 6.0},
            "products": [product("deoxycholic-acid", volume_ml=4.0, injections=20)],
            "plan": {"sessions": 2, "interval_weeks": 4}}
PCDC_ABDOMEN = {"indication": "localized-fat", "areas": ["abdomen"],
                "delivery": {"technique": "subcutaneous", "device": "syringe",
                             "needle_gauge": 30, "needle_length_mm": 13, "depth_mm": 6.0},
                "products": [product("phosphatidylcholine-deoxycholate")],
                "plan": {"sessions": 1, "interval_weeks": 4}}
