"""FHIR R4 export: the Bundle validates with a maintained FHIR model library
(fhir.resources, its R4B models: R4B changed none of the resources used here),
every reference inside it resolves, and it says what the consultation says."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from mesodesk.catalogue import default_catalogue
from mesodesk.cli import main
from mesodesk.domain import from_data, load
from mesodesk.fhir.bundle import (QUESTIONNAIRE_URL, build_bundle, dumps, questionnaire_version,
                                  references)

fhir_bundle = pytest.importorskip("fhir.resources.R4B.bundle")

DATA = Path(__file__).parent / "data"
EXAMPLES = sorted(DATA.glob("*.json"))
SIGNED = DATA / "pack_hair_dutasteride.json"   # has on-screen signatures

# Required bindings fhir.resources does not check (it checks structure, types,
# cardinality and primitive formats): the codes FHIR R4 allows for each status.
R4_CODES = {
    ("Bundle", "type"): {"document", "message", "transaction", "transaction-response", "batch",
                         "batch-response", "history", "searchset", "collection"},
    ("Consent", "status"): {"draft", "proposed", "active", "rejected", "inactive",
                            "entered-in-error"},
    ("Procedure", "status"): {"preparation", "in-progress", "not-done", "on-hold", "stopped",
                              "completed", "entered-in-error", "unknown"},
    ("MedicationAdministration", "status"): {"in-progress", "not-done", "on-hold", "completed",
                                             "entered-in-error", "stopped", "unknown"},
    ("QuestionnaireResponse", "status"): {"in-progress", "completed", "amended",
                                          "entered-in-error", "stopped"},
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("DocumentReference", "status"): {"current", "superseded", "entered-in-error"},
    ("DocumentReference", "docStatus"): {"preliminary", "final", "amended",
                                         "entered-in-error"},
    ("Observation", "status"): {"registered", "preliminary", "final", "amended", "corrected",
                                "cancelled", "entered-in-error", "unknown"},
}


@pytest.fixture(scope="module")
def catalogue():
    return default_catalogue()


def data_of(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def signed_data() -> dict[str, Any]:
    return data_of(SIGNED)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def one(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(bundle, kind)
    assert len(found) == 1, f"{len(found)} {kind} resources"
    return found[0]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def resolve(bundle: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    return by_url(bundle)[reference["reference"]]


def empty_elements(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        found = [path] if not value else []
        for k, v in value.items():
            found += empty_elements(v, f"{path}.{k}")
        return found
    if isinstance(value, list):
        found = [path] if not value else []
        for i, v in enumerate(value):
            found += empty_elements(v, f"{path}[{i}]")
        return found
    return [path] if value in ("", None) else []


def check_bundle(bundle: dict[str, Any]) -> None:
    """Everything a FHIR R4 validator would say about this Bundle, as far as
    the library and the checks here go."""
    fhir_bundle.Bundle.model_validate(bundle)     # structure, types, cardinality, formats
    assert not empty_elements(bundle), "FHIR forbids empty elements"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for e in bundle["entry"]:
        r = e["resource"]
        assert e["fullUrl"] == f"urn:uuid:{r['id']}"
        for ref in references(r):
            assert ref in urls, f"{r['resourceType']} refers to {ref}, not in the Bundle"
    for (kind, element), allowed in R4_CODES.items():
        items = [bundle] if kind == "Bundle" else resources(bundle, kind)
        for r in items:
            if element in r:
                assert r[element] in allowed, f"{kind}.{element} = {r[element]!r}"
    for consent in resources(bundle, "Consent"):      # invariants ppc-1 and ppc-5
        assert "policy" in consent or "policyRule" in consent
        assert "patient" in consent


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_gives_a_valid_bundle_whose_references_all_resolve(path, catalogue):
    bundle = build_bundle(load(path), catalogue)
    check_bundle(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "Practitioner", "Organization", "Consent", "QuestionnaireResponse",
            "Procedure", "Medication", "MedicationAdministration"} <= kinds


def test_the_library_rejects_what_is_not_fhir_r4(catalogue):
    """The validation in these tests can fail: an element R4 does not have, a
    missing required element and an impossible date are each refused."""
    from pydantic import ValidationError

    bundle = build_bundle(load(DATA / "jane.json"), catalogue)
    consent = one(bundle, "Consent")
    for change in (lambda c: c.update(decision="permit"),     # an R5 element
                   lambda c: c.pop("scope"),
                   lambda c: c.update(dateTime="2026-11-25T10:00:00")):   # a time needs a zone
        broken = json.loads(json.dumps(bundle))
        change(one(broken, "Consent"))
        with pytest.raises(ValidationError):
            fhir_bundle.Bundle.model_validate(broken)
    assert consent["status"] == "proposed"


def test_people_and_places(catalogue):
    c = load(DATA / "jane.json")
    bundle = build_bundle(c, catalogue)
    patient = one(bundle, "Patient")
    assert patient["name"] == [{"text": c.patient.name}]
    assert patient["birthDate"] == c.patient.date_of_birth.isoformat()
    assert {t["value"] for t in patient["telecom"]} == {c.patient.phone, c.patient.email}
    practitioner = resources(bundle, "Practitioner")[0]
    assert practitioner["name"] == [{"text": c.practitioner.name}]
    assert practitioner["identifier"][0]["value"] == c.practitioner.registration
    clinic = one(bundle, "Organization")
    assert clinic["name"] == c.clinic.name
    assert c.clinic.emergency_phone in json.dumps(clinic)


def test_consent_of_a_signed_consultation(catalogue):
    c = load(SIGNED)
    bundle = build_bundle(c, catalogue)
    consent = one(bundle, "Consent")
    assert consent["status"] == "active"
    assert consent["scope"]["coding"][0]["code"] == "treatment"
    assert consent["category"][0]["coding"][0] == {"system": "http://loinc.org",
                                                   "code": "59284-0",
                                                   "display": "Patient Consent"}
    assert resolve(bundle, consent["patient"])["resourceType"] == "Patient"
    assert resolve(bundle, consent["performer"][0])["resourceType"] == "Patient"
    assert resolve(bundle, consent["organization"][0])["name"] == c.clinic.name
    latest = max(s.signed_at for s in c.consent.signatures)
    assert consent["dateTime"] == latest.replace("Z", "+00:00")
    pack = resolve(bundle, consent["sourceReference"])
    assert pack["resourceType"] == "DocumentReference"
    assert pack["masterIdentifier"]["value"] in json.dumps(consent)  # the pack's fingerprint
    assert pack["content"][0]["attachment"]["contentType"] == "application/pdf"
    provision = consent["provision"]
    assert provision["type"] == "permit"
    codes = {cd["code"] for cc in provision["code"] for cd in cc["coding"]}
    assert {c.indication, c.delivery.technique, *c.areas, *(u.id for u in c.products)} <= codes
    assert provision["period"]["start"] == c.date.isoformat()
    assert resolve(bundle, provision["data"][0]["reference"])["resourceType"] == "Procedure"
    assert resolve(bundle, provision["actor"][0]["reference"])["name"][0]["text"] == \
        c.practitioner.name
    photos = provision["provision"][0]
    assert photos["code"][0]["coding"][0]["code"] == c.consent.photos
    assert photos["type"] == ("deny" if c.consent.photos == "none" else "permit")


def test_plan_period_runs_to_the_last_planned_session(catalogue):
    data = data_of(DATA / "jane.json")
    data["plan"].update(sessions=3, interval_weeks=4)
    consent = one(build_bundle(from_data(data), catalogue), "Consent")
    assert consent["provision"]["period"] == {"start": "2026-11-25", "end": "2027-01-20"}


def test_signatures_become_a_provenance_with_their_images(catalogue):
    c = load(SIGNED)
    bundle = build_bundle(c, catalogue)
    provenance = one(bundle, "Provenance")
    assert resolve(bundle, provenance["target"][0]) is one(bundle, "Consent")
    assert len(provenance["signature"]) == len(c.consent.signatures)
    for given, sig in zip(c.consent.signatures, provenance["signature"]):
        assert sig["data"] == given.image_png_base64
        assert resolve(bundle, sig["who"])["resourceType"] == given.role.capitalize()


def test_unsigned_consent_is_proposed_and_has_no_provenance(catalogue):
    data = signed_data()
    data["consent"]["signatures"] = []
    bundle = build_bundle(from_data(data), catalogue)
    check_bundle(bundle)
    assert one(bundle, "Consent")["status"] == "proposed"
    assert one(bundle, "Procedure")["status"] == "preparation"
    assert one(bundle, "DocumentReference")["docStatus"] == "preliminary"
    assert not resources(bundle, "Provenance")


def test_a_signature_time_without_a_time_zone_keeps_its_date_only(catalogue):
    data = signed_data()
    for s in data["consent"]["signatures"]:
        s["signed_at"] = "2026-11-25T14:03:00"
    bundle = build_bundle(from_data(data), catalogue)
    check_bundle(bundle)
    assert one(bundle, "Consent")["dateTime"] == "2026-11-25"
    assert not resources(bundle, "Provenance")   # an instant needs its time zone


def test_every_screening_answer_is_in_the_questionnaire_response(catalogue):
    data = data_of(DATA / "jane.json")
    answers = data["screening"]["answers"]
    answers["diabetes"] = "unknown"
    answers["keloid_tendency"] = "yes"
    data["screening"]["allergies"] = ["lidocaine", "sticking plaster"]
    data["screening"]["notes"] = "Prefers morning sessions"
    c = from_data(data)
    bundle = build_bundle(c, catalogue)
    check_bundle(bundle)
    response = one(bundle, "QuestionnaireResponse")
    items = {i["linkId"]: i for i in response["item"]}
    codes = {"yes": "Y", "no": "N", "unknown": "ASKU"}
    for key, answer in answers.items():
        coding = items[key]["answer"][0]["valueCoding"]
        assert coding["system"] == "http://terminology.hl7.org/CodeSystem/v2-0532"
        assert coding["code"] == codes[answer], key
        assert items[key]["text"] == catalogue.screening[key].question
    allergies = items["allergies"]["answer"]
    assert allergies[0]["valueCoding"]["code"] == "lidocaine"
    assert allergies[1] == {"valueString": "sticking plaster"}
    assert items["medications"]["answer"] == [{"valueString": "Levothyroxine 50 mcg"}]
    assert items["notes"]["answer"] == [{"valueString": "Prefers morning sessions"}]
    assert resolve(bundle, response["subject"])["resourceType"] == "Patient"


def test_questionnaire_is_named_by_canonical_url_and_catalogue_version(catalogue):
    bundle = build_bundle(load(DATA / "jane.json"), catalogue)
    response = one(bundle, "QuestionnaireResponse")
    questionnaire = one(bundle, "Questionnaire")
    version = questionnaire_version(catalogue)
    assert response["questionnaire"] == f"{QUESTIONNAIRE_URL}|{version}"
    assert (questionnaire["url"], questionnaire["version"]) == (QUESTIONNAIRE_URL, version)
    links = {i["linkId"] for i in questionnaire["item"]}
    assert {i["linkId"] for i in response["item"]} <= links
    assert set(catalogue.screening) <= links
    # the version follows the questions: a reworded question is a new version
    first = next(iter(catalogue.screening))
    question = catalogue.screening[first]
    reworded = dataclasses.replace(catalogue, screening={
        **catalogue.screening, first: dataclasses.replace(question, question="Reworded?")})
    assert questionnaire_version(reworded) != version
    assert questionnaire_version(dataclasses.replace(catalogue)) == version


def test_procedure_lists_products_with_lots_and_volumes(catalogue):
    c = load(SIGNED)
    bundle = build_bundle(c, catalogue)
    procedure = one(bundle, "Procedure")
    assert procedure["status"] == "completed"
    assert procedure["performedDateTime"] == c.date.isoformat()
    used = [resolve(bundle, r) for r in procedure["usedReference"]]
    assert [m["batch"]["lotNumber"] for m in used] == [u.lot for u in c.products]
    assert [m["batch"]["expirationDate"] for m in used] == [u.expiry.isoformat()
                                                            for u in c.products]
    assert [m["code"]["coding"][0]["code"] for m in used] == [u.id for u in c.products]
    given = resources(bundle, "MedicationAdministration")
    assert len(given) == len(c.products)
    for use, admin in zip(c.products, given):
        assert resolve(bundle, admin["partOf"][0]) is procedure
        medication = resolve(bundle, admin["medicationReference"])
        assert medication["batch"]["lotNumber"] == use.lot
        assert admin["dosage"]["dose"] == {"value": use.volume_ml, "unit": "mL",
                                           "system": "http://unitsofmeasure.org", "code": "mL"}
    assert {b["coding"][0]["code"] for b in procedure["bodySite"]} == set(c.areas)
    assert procedure["reasonCode"][0]["coding"][0]["code"] == c.indication


def test_overrides_and_acknowledgements_are_noted_on_the_procedure(catalogue):
    data = data_of(DATA / "jane.json")
    data["consent"]["overrides"] = [{"rule": "some-rule", "reason": "discussed at length"}]
    data["consent"]["acknowledged"] = ["anticoagulant-bruising"]
    notes = [n["text"] for n in one(build_bundle(from_data(data), catalogue),
                                    "Procedure")["note"]]
    assert any("some-rule" in n and "discussed at length" in n for n in notes)
    assert any("anticoagulant-bruising" in n for n in notes)


def test_the_bundle_is_deterministic_and_its_ids_follow_the_fingerprint(catalogue):
    c = load(SIGNED)
    first, second = dumps(build_bundle(c, catalogue)), dumps(build_bundle(load(SIGNED), catalogue))
    assert first == second
    other = c.replace(plan=dataclasses.replace(c.plan, notes="one more line"))
    ids = {e["fullUrl"] for e in build_bundle(c, catalogue)["entry"]}
    other_ids = {e["fullUrl"] for e in build_bundle(other, catalogue)["entry"]}
    assert not ids & other_ids


def test_a_given_pack_is_described_by_its_size_and_hash(catalogue):
    import base64
    import hashlib

    pdf = b"%PDF-1.7 not really a pack"
    bundle = build_bundle(load(SIGNED), catalogue, pack=pdf)
    check_bundle(bundle)
    attachment = one(bundle, "DocumentReference")["content"][0]["attachment"]
    assert attachment["size"] == len(pdf)
    assert base64.b64decode(attachment["hash"]) == hashlib.sha1(pdf).digest()


# -- the command ---------------------------------------------------------------------

def test_command_writes_a_valid_bundle(tmp_path, capsys):
    out = tmp_path / "bundle.json"
    assert main(["fhir", str(SIGNED), "-o", str(out)]) == 0
    assert "Consent active" in capsys.readouterr().out
    bundle = json.loads(out.read_text(encoding="utf-8"))
    check_bundle(bundle)
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json"], "no temporary file left"


def test_command_refuses_unresolved_findings_and_writes_nothing(tmp_path, capsys):
    data = data_of(DATA / "pack_txa_melasma.json")
    data["consent"]["acknowledged"] = []
    src = tmp_path / "c.json"
    src.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "bundle.json"
    assert main(["fhir", str(src), "-o", str(out)]) == 1
    assert "unresolved" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("case", ["missing input", "bad input", "no folder", "same file"])
def test_command_bad_input_is_one_sentence_and_exit_2(case, tmp_path, capsys):
    src, out = SIGNED, tmp_path / "bundle.json"
    if case == "missing input":
        src = tmp_path / "nothing.json"
    elif case == "bad input":
        src = tmp_path / "bad.json"
        src.write_text("{", encoding="utf-8")
    elif case == "no folder":
        out = tmp_path / "no" / "bundle.json"
    else:
        src = tmp_path / "c.json"
        src.write_text(SIGNED.read_text(encoding="utf-8"), encoding="utf-8")
        out = src
    assert main(["fhir", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mesodesk: ") and err.count("\n") == 1
    assert "Traceback" not in err


# -- format /2 -----------------------------------------------------------------------

V2 = DATA / "formats" / "v2.json"


def extension(resource: dict[str, Any], name: str) -> list[dict[str, Any]]:
    from mesodesk.fhir.bundle import extension_url

    return [e for e in resource.get("extension", []) if e["url"] == extension_url(name)]


def parts(ext: dict[str, Any]) -> dict[str, Any]:
    return {p["url"]: next(v for k, v in p.items() if k.startswith("value"))
            for p in ext["extension"]}


def test_format_2_facts_are_in_the_bundle(catalogue):
    c = load(V2)
    bundle = build_bundle(c, catalogue)
    check_bundle(bundle)
    consent = one(bundle, "Consent")
    # withdrawn: inactive, the permission ends when it was withdrawn, and why
    assert consent["status"] == "inactive"
    assert consent["provision"]["period"]["end"] == "2026-11-26T09:00:00+00:00"
    assert parts(extension(consent, "withdrawn")[0]) == {
        "at": "2026-11-26T09:00:00+00:00", "reason": "Changed her mind."}
    assert parts(extension(consent, "age-check")[0]) == {
        "method": "passport", "checkedBy": "Dr Ana Silva",
        "checkedAt": "2026-11-25T09:55:00+00:00"}
    [given] = extension(consent, "information-given-at")
    assert given["valueDateTime"] == "2026-11-18T10:00:00+00:00"
    assessment = parts(extension(consent, "prescriber-assessment")[0])
    assert assessment["inPerson"] is True
    assert assessment["assessedAt"] == "2026-11-18T15:00:00+00:00"
    prescriber = resolve(bundle, assessment["prescriber"])
    assert prescriber["resourceType"] == "Practitioner"
    assert prescriber["name"] == [{"text": "Nurse Beth Jones"}]
    assert prescriber["identifier"][0]["value"] == "NMC 12A3456E"
    [teach_back] = extension(consent, "teach-back")
    assert parts(teach_back)["understood"] is True
    # the treating practitioner is an independent prescriber
    practitioner = resolve(bundle, consent["provision"]["actor"][0]["reference"])
    assert "independent-prescriber" in json.dumps(practitioner["qualification"])
    # weight as a vital sign
    weight = one(bundle, "Observation")
    assert weight["valueQuantity"]["value"] == 68.0 and weight["valueQuantity"]["code"] == "kg"
    assert weight["code"]["coding"][0]["code"] == "29463-7"
    # products: strength, a product outside the catalogue by its name, injection points
    medications = resources(bundle, "Medication")
    strength = medications[0]["ingredient"][0]["strength"]
    assert strength["numerator"]["value"] == 10.0 and strength["denominator"]["code"] == "mL"
    assert medications[1]["code"] == {"text": "Example serum X"}
    assert medications[1]["batch"]["lotNumber"] == "EX123"
    first = resources(bundle, "MedicationAdministration")[0]
    points = [parts(p) for p in extension(first, "injection-point")]
    assert [(p["view"], p["x"], p["y"]) for p in points] == [("face-front", 0.42, 0.61),
                                                            ("face-left", 0.3, 0.5)]
    assert "depth" in points[0] and "depth" not in points[1]
    notes = " ".join(n["text"] for n in one(bundle, "Procedure")["note"])
    assert "patient chose to proceed" in notes


def test_a_withdrawal_without_a_reason_leaves_no_empty_extension(catalogue):
    data = json.loads(V2.read_text(encoding="utf-8"))
    data["consent"]["withdrawn"] = {"at": "2026-11-26T09:00:00+00:00"}
    bundle = build_bundle(from_data(data), catalogue)
    check_bundle(bundle)
    assert parts(extension(one(bundle, "Consent"), "withdrawn")[0]) == {
        "at": "2026-11-26T09:00:00+00:00"}


def test_a_format_1_file_exports_as_it_did(catalogue):
    bundle = build_bundle(load(DATA / "formats" / "v1.json"), catalogue)
    check_bundle(bundle)
    consent = one(bundle, "Consent")
    assert not extension(consent, "withdrawn") and not extension(consent, "age-check")
    assert not resources(bundle, "Observation")
