"""A consultation as a FHIR R4 (4.0.1) ``collection`` Bundle, built as plain JSON data.

Pure and deterministic: every id comes from the consultation's fingerprint and
the resource's role, nothing reads the clock, and the same consultation (and
catalogue, and pack) gives the same Bundle, byte for byte (:func:`dumps`).

What goes where:

- ``Patient``, ``Practitioner`` (and the prescriber who assessed the patient,
  when recorded), ``Organization`` (the clinic).
- ``Consent``: status (``active`` once signed, ``proposed`` while it awaits a
  signature, ``inactive`` once withdrawn), scope *treatment*, category *Patient
  consent* (LOINC 59284-0), the patient, when it was signed, who agreed, the
  clinic, ``sourceReference`` to the ``DocumentReference`` that describes the
  pack (identified by its fingerprint), and a ``provision`` that permits the
  plan: the indication, products, technique and areas as codes, the period
  from the first to the last planned session, the treating practitioner, the
  ``Procedure`` as its data, and a nested provision for photographs.
- ``Questionnaire`` (the catalogue's screening questions, canonical URL and a
  version derived from their content) and ``QuestionnaireResponse`` (every
  screening answer, allergies, medicines and notes).
- ``Procedure`` with a ``Medication`` per product (lot and expiry as its batch)
  and a ``MedicationAdministration`` per product (the volume in mL, UCUM).
- ``Provenance`` for the signatures given on screen (who, when, the image).
- ``Observation`` of body weight when recorded.

Facts FHIR R4 has no element for (the age check, the cooling-off period, when
the information was given, the prescriber's assessment, the withdrawal) are
extensions under :data:`CANONICAL_BASE`. Catalogue ids are codes in code
systems under the same base, with the catalogue's names as display.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterable

from mesodesk.catalogue.model import Catalogue
from mesodesk.domain.codec import fingerprint as fingerprint_of
from mesodesk.domain.files import atomic_write
from mesodesk.domain.model import Consultation
from mesodesk.domain.schema import unbuild

FHIR_VERSION = "4.0.1"
CANONICAL_BASE = "https://mesodesk.invalid/fhir"  # no server: a stable namespace only
QUESTIONNAIRE_URL = f"{CANONICAL_BASE}/Questionnaire/screening"
FINGERPRINT_SYSTEM = f"{CANONICAL_BASE}/NamingSystem/consultation-fingerprint"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
YES_NO = "http://terminology.hl7.org/CodeSystem/v2-0532"
YES_NO_VALUESET = "http://terminology.hl7.org/ValueSet/v2-0532"
_ANSWERS = {"yes": ("Y", "Yes"), "no": ("N", "No"), "unknown": ("ASKU", "Asked but unknown")}
# ASTM E1762 signature types (FHIR R4 value set signature-type)
_SIGNATURE_TYPES = {"patient": ("1.2.840.10065.1.12.1.7", "Consent Signature"),
                    "practitioner": ("1.2.840.10065.1.12.1.5", "Verification Signature"),
                    "witness": ("1.2.840.10065.1.12.1.11", "Consent Witness Signature")}
# free-text screening items: (linkId, item type, label)
_FREE_ITEMS = (("allergies", "open-choice", "Allergies"),
               ("medications", "text", "Medicines taken"),
               ("notes", "text", "Screening notes"))


def code_system(kind: str) -> str:
    """The code system of one kind of catalogue id (``indication``, ``product``...)."""
    return f"{CANONICAL_BASE}/CodeSystem/{kind}"


def extension_url(name: str) -> str:
    return f"{CANONICAL_BASE}/StructureDefinition/{name}"


def questionnaire_version(catalogue: Catalogue) -> str:
    """The screening questionnaire's version: the catalogue schema version and
    a digest of the questions, so it changes exactly when the questions do."""
    data = json.dumps(unbuild(catalogue.screening), sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]
    return f"{catalogue.schema_version}.{digest}"


# -- values -------------------------------------------------------------------------

def _moment(text: str) -> dt.datetime | dt.date | None:
    """An ISO-8601 text as an aware datetime, or its date when it names no
    time zone (FHIR requires one with a time), or None if unreadable."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            return dt.date.fromisoformat(text.strip()[:10])
        except ValueError:
            return None
    return value if value.tzinfo is not None else value.date()


def fhir_datetime(text: str) -> str | None:
    """A FHIR dateTime for an ISO-8601 text (the date alone when no time zone is given)."""
    value = _moment(text)
    return None if value is None else value.isoformat()


def fhir_instant(text: str) -> str | None:
    """A FHIR instant (time zone required), or None when the text has none."""
    value = _moment(text)
    return value.isoformat() if isinstance(value, dt.datetime) else None


def _coding(kind: str, code: str, display: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": code_system(kind), "code": code}
    if display:
        out["display"] = display
    return out


def _concept(kind: str, code: str, display: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [_coding(kind, code, display)]}
    if display:
        out["text"] = display
    return out


def _name(table: Any, key: str) -> str | None:
    entry = table.get(key) if table is not None else None
    return getattr(entry, "name", None)


def _compact(value: Any) -> Any:
    """Drop empty strings, lists and objects (FHIR forbids empty elements)."""
    if isinstance(value, dict):
        out = {k: _compact(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ("", None, [], {})}
    if isinstance(value, list):
        out_list = [_compact(v) for v in value]
        return [v for v in out_list if v not in ("", None, [], {})]
    return value


def _complex(name: str, parts: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """A complex extension: sub-extensions ``(url, value[x] key, value)``, each
    left out when its value is empty (an extension must carry a value)."""
    return {"url": extension_url(name),
            "extension": [{"url": url, key: value} for url, key, value in parts
                          if value not in ("", None)]}


class _Ids:
    """Deterministic ids: a UUID per (fingerprint, role)."""

    def __init__(self, fingerprint: str):
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{CANONICAL_BASE}/consultation/{fingerprint}")

    def id(self, role: str) -> str:
        return str(uuid.uuid5(self.namespace, role))

    def url(self, role: str) -> str:
        return f"urn:uuid:{self.id(role)}"

    def ref(self, role: str, display: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"reference": self.url(role)}
        if display:
            out["display"] = display
        return out


# -- the bundle ---------------------------------------------------------------------

def build_bundle(consultation: Consultation, catalogue: Catalogue, *,
                 pack: bytes | None = None) -> dict[str, Any]:
    """The FHIR R4 Bundle (JSON data) for one consultation. ``pack``, when given,
    is the PDF pack: its size and SHA-1 go into the pack's attachment."""
    return _Builder(consultation, catalogue, pack).bundle()


def dumps(bundle: dict[str, Any]) -> bytes:
    """The file form: indented UTF-8 JSON ending in a line break."""
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_bundle(path: str | os.PathLike[str], consultation: Consultation, catalogue: Catalogue,
                 *, pack: bytes | None = None) -> dict[str, Any]:
    """Build the Bundle and write it to ``path`` atomically (OSError if the disk
    says no); returns the Bundle. Slow enough to keep off a GUI thread."""
    bundle = build_bundle(consultation, catalogue, pack=pack)
    atomic_write(Path(path), dumps(bundle))
    return bundle


class _Builder:
    def __init__(self, consultation: Consultation, catalogue: Catalogue, pack: bytes | None):
        self.c = consultation
        self.cat = catalogue
        self.pack = pack
        self.fp = fingerprint_of(consultation)
        self.ids = _Ids(self.fp)
        consent = consultation.consent
        self.withdrawn = getattr(consent, "withdrawn", None)
        self.signed = bool(consent.signatures)
        times = [t for t in (fhir_instant(s.signed_at) for s in consent.signatures) if t]
        self.signed_at = max(times, key=lambda t: dt.datetime.fromisoformat(t)) if times else None
        self.signed_date = max((fhir_datetime(s.signed_at) or "" for s in consent.signatures),
                               default="")
        self.prescriber = getattr(consent, "prescriber_assessment", None)

    # entries in a fixed order; each is (role, resource)
    def bundle(self) -> dict[str, Any]:
        entries: list[tuple[str, dict[str, Any]]] = [
            ("patient", self.patient()),
            ("practitioner", self.practitioner()),
            ("organization", self.organization()),
        ]
        if self.prescriber is not None:
            entries.append(("prescriber", self.prescriber_resource()))
        entries += [
            ("pack", self.document()),
            ("consent", self.consent()),
            ("questionnaire", self.questionnaire()),
            ("questionnaire-response", self.questionnaire_response()),
            ("procedure", self.procedure()),
        ]
        for i, _use in enumerate(self.c.products):
            entries.append((f"medication-{i}", self.medication(i)))
            entries.append((f"administration-{i}", self.administration(i)))
        weight = getattr(self.c.patient, "weight_kg", None)
        if weight is not None:
            entries.append(("weight", self.weight(weight)))
        if self.signed_at is not None:
            entries.append(("provenance", self.provenance()))
        return {
            "resourceType": "Bundle",
            "id": self.ids.id("bundle"),
            "identifier": {"system": FINGERPRINT_SYSTEM, "value": self.fp},
            "type": "collection",
            "entry": [{"fullUrl": self.ids.url(role), "resource": _compact({"id": self.ids.id(role),
                                                                            **resource})}
                      for role, resource in entries],
        }

    # -- people and places

    def patient(self) -> dict[str, Any]:
        p = self.c.patient
        telecom = []
        if p.phone:
            telecom.append({"system": "phone", "value": p.phone})
        if p.email:
            telecom.append({"system": "email", "value": p.email})
        resource: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": p.name}],
                                    "telecom": telecom, "birthDate": p.date_of_birth.isoformat()}
        return resource

    def practitioner(self) -> dict[str, Any]:
        pr = self.c.practitioner
        qualifications = [{"code": _concept("profession", pr.profession, pr.profession)}]
        if getattr(pr, "independent_prescriber", False):
            qualifications.append({"code": _concept("qualification", "independent-prescriber",
                                                    "Independent prescriber")})
        return {"resourceType": "Practitioner", "name": [{"text": pr.name}],
                "identifier": [{"type": {"text": "Professional registration"},
                                "value": pr.registration}] if pr.registration else [],
                "qualification": qualifications}

    def prescriber_resource(self) -> dict[str, Any]:
        a = self.prescriber
        return {"resourceType": "Practitioner", "name": [{"text": a.name}],
                "identifier": [{"type": {"text": "Professional registration"},
                                "value": a.registration}] if a.registration else [],
                "qualification": [
                    {"code": _concept("profession", a.profession, a.profession)},
                    {"code": _concept("qualification", "independent-prescriber",
                                      "Independent prescriber")}]}

    def organization(self) -> dict[str, Any]:
        cl = self.c.clinic
        return {"resourceType": "Organization", "active": True, "name": cl.name,
                "telecom": [{"system": "phone", "value": cl.phone, "use": "work"}]
                if cl.phone else [],
                "address": [{"text": cl.address}] if cl.address else [],
                "contact": [{"purpose": {"text": "Emergency"},
                             "telecom": [{"system": "phone", "value": cl.emergency_phone}]}]
                if cl.emergency_phone else []}

    # -- the consent and its pack

    def document(self) -> dict[str, Any]:
        attachment: dict[str, Any] = {
            "contentType": "application/pdf", "language": self.c.language,
            "title": f"Consent and information pack {self.fp[:12]}",
            "creation": self.c.date.isoformat()}
        if self.pack is not None:
            attachment["size"] = len(self.pack)
            attachment["hash"] = _b64(hashlib.sha1(self.pack).digest())
        return {"resourceType": "DocumentReference",
                "masterIdentifier": {"system": FINGERPRINT_SYSTEM, "value": self.fp},
                "status": "current",
                "docStatus": "final" if self.signed else "preliminary",
                "type": {"coding": [{"system": LOINC, "code": "59284-0",
                                     "display": "Patient Consent"}]},
                "subject": self.ids.ref("patient"),
                "author": [self.ids.ref("practitioner"), self.ids.ref("organization")],
                "custodian": self.ids.ref("organization"),
                "content": [{"attachment": attachment}]}

    def consent_status(self) -> str:
        if self.withdrawn is not None:
            return "inactive"
        return "active" if self.signed else "proposed"

    def consent(self) -> dict[str, Any]:
        c, consent = self.c, self.c.consent
        extensions: list[dict[str, Any]] = []
        if consent.cooling_off_days:
            extensions.append({"url": extension_url("cooling-off-days"),
                               "valueInteger": consent.cooling_off_days})
        given = getattr(consent, "information_given_at", None)
        if given:
            extensions.append({"url": extension_url("information-given-at"),
                               "valueDateTime": fhir_datetime(given)})
        age_check = getattr(c.patient, "age_check", None)
        if age_check is not None:
            extensions.append(_complex("age-check", [
                ("method", "valueCode", age_check.method),
                ("checkedBy", "valueString", age_check.checked_by),
                ("checkedAt", "valueDateTime", fhir_datetime(age_check.checked_at))]))
        if self.prescriber is not None:
            a = self.prescriber
            extensions.append(_complex("prescriber-assessment", [
                ("prescriber", "valueReference", self.ids.ref("prescriber", a.name)),
                ("assessedAt", "valueDateTime", fhir_datetime(a.assessed_at)),
                ("inPerson", "valueBoolean", bool(a.in_person))]))
        for check in getattr(consent, "teach_back", ()):
            extensions.append(_complex("teach-back", [
                ("question", "valueString", check.question),
                ("understood", "valueBoolean", bool(check.understood)),
                ("note", "valueString", check.note)]))
        if self.withdrawn is not None:
            extensions.append(_complex("withdrawn", [
                ("at", "valueDateTime", fhir_datetime(self.withdrawn.at)),
                ("reason", "valueString", self.withdrawn.reason)]))
        return {
            "resourceType": "Consent",
            "extension": extensions,
            "identifier": [{"system": FINGERPRINT_SYSTEM, "value": self.fp}],
            "status": self.consent_status(),
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                  "code": "treatment", "display": "Treatment"}]},
            "category": [{"coding": [{"system": LOINC, "code": "59284-0",
                                      "display": "Patient Consent"}]}],
            "patient": self.ids.ref("patient", c.patient.name),
            "dateTime": self.signed_at or self.signed_date or c.date.isoformat(),
            "performer": [self.ids.ref("patient", c.patient.name)],
            "organization": [self.ids.ref("organization", c.clinic.name)],
            "sourceReference": self.ids.ref("pack"),
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                       "code": "OPTIN", "display": "opt-in"}]},
            "provision": self.provision(),
        }

    def plan_codes(self) -> list[dict[str, Any]]:
        c, cat = self.c, self.cat
        codes = [_concept("indication", c.indication, _name(cat.indications, c.indication))]
        codes += [self.product_concept(i) for i in range(len(c.products))]
        codes.append(_concept("technique", c.delivery.technique,
                              _name(cat.techniques, c.delivery.technique)))
        codes.append(_concept("device", c.delivery.device, _name(cat.devices, c.delivery.device)))
        codes += [_concept("area", a, _name(cat.areas, a)) for a in c.areas]
        return codes

    def provision(self) -> dict[str, Any]:
        c = self.c
        last = c.date + dt.timedelta(weeks=c.plan.interval_weeks * (c.plan.sessions - 1))
        period: dict[str, Any] = {"start": c.date.isoformat(), "end": last.isoformat()}
        if self.withdrawn is not None:
            period["end"] = fhir_datetime(self.withdrawn.at)
        photos = c.consent.photos
        return {
            "type": "permit",
            "period": period,
            "actor": [{"role": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                "code": "PRF", "display": "performer"}]},
                "reference": self.ids.ref("practitioner", c.practitioner.name)}],
            "code": self.plan_codes(),
            "data": [{"meaning": "related", "reference": self.ids.ref("procedure")}],
            "provision": [{
                "type": "deny" if photos == "none" else "permit",
                "code": [_concept("photo-consent", photos, photos)],
            }],
        }

    # -- screening

    def _questions(self) -> list[tuple[str, str]]:
        """(answer id, question) for every catalogue question and every answer."""
        screening = self.cat.screening
        ordered = sorted(screening.items(), key=lambda kv: (kv[1].order, kv[0]))
        out = [(key, q.question) for key, q in ordered]
        known = {key for key, _ in out}
        out += [(key, key) for key in self.c.screening.answers if key not in known]
        return out

    def questionnaire(self) -> dict[str, Any]:
        items = [{"linkId": key, "text": text, "type": "choice", "required": False,
                  "answerValueSet": YES_NO_VALUESET} for key, text in self._questions()]
        for link, kind, label in _FREE_ITEMS:
            item: dict[str, Any] = {"linkId": link, "text": label, "type": kind}
            if link == "allergies":
                item["repeats"] = True
            items.append(item)
        return {"resourceType": "Questionnaire", "url": QUESTIONNAIRE_URL,
                "version": questionnaire_version(self.cat), "name": "MesodeskScreening",
                "title": "Screening before mesotherapy", "status": "active",
                "subjectType": ["Patient"], "item": items}

    def questionnaire_response(self) -> dict[str, Any]:
        s = self.c.screening
        items: list[dict[str, Any]] = []
        for key, text in self._questions():
            if key not in s.answers:
                continue
            code, display = _ANSWERS[s.answers[key]]
            items.append({"linkId": key, "text": text, "answer": [
                {"valueCoding": {"system": YES_NO, "code": code, "display": display}}]})
        if s.allergies:
            answers = []
            for allergy in s.allergies:
                name = _name(self.cat.ingredients, allergy)
                answers.append({"valueCoding": _coding("ingredient", allergy, name)} if name
                               else {"valueString": allergy})
            items.append({"linkId": "allergies", "text": "Allergies", "answer": answers})
        for link, value in (("medications", s.medications), ("notes", s.notes)):
            if value.strip():
                label = next(lbl for lk, _k, lbl in _FREE_ITEMS if lk == link)
                items.append({"linkId": link, "text": label, "answer": [{"valueString": value}]})
        return {"resourceType": "QuestionnaireResponse",
                "questionnaire": f"{QUESTIONNAIRE_URL}|{questionnaire_version(self.cat)}",
                "status": "completed",
                "subject": self.ids.ref("patient", self.c.patient.name),
                "authored": self.c.date.isoformat(),
                "author": self.ids.ref("practitioner", self.c.practitioner.name),
                "source": self.ids.ref("patient", self.c.patient.name),
                "item": items}

    # -- the treatment

    def product_name(self, i: int) -> str:
        """The catalogue's name of a product, or the name written for one outside it."""
        use = self.c.products[i]
        return _name(self.cat.products, use.id) or getattr(use, "name", "") or use.id

    def product_concept(self, i: int) -> dict[str, Any]:
        """A catalogue product as a code; one outside the catalogue by its name alone."""
        use = self.c.products[i]
        if use.id in self.cat.products:
            return _concept("product", use.id, self.product_name(i))
        return {"text": self.product_name(i)}

    def procedure_status(self) -> str:
        return "completed" if self.signed else "preparation"

    def procedure(self) -> dict[str, Any]:
        c, cat = self.c, self.cat
        d = c.delivery
        notes = [
            f"Delivery: {_name(cat.techniques, d.technique) or d.technique} with "
            f"{_name(cat.devices, d.device) or d.device}; needle {d.needle_gauge}G, "
            f"{d.needle_length_mm:g} mm; depth {d.depth_mm:g} mm.",
            f"Plan: {c.plan.sessions} session(s), every {c.plan.interval_weeks:g} week(s)."
            + (f" {c.plan.notes}" if c.plan.notes.strip() else ""),
        ]
        rationale = getattr(c.plan, "rationale", "")
        if rationale.strip():
            notes.append(f"Rationale: {rationale}")
        for o in c.consent.overrides:
            notes.append(f"Safety finding {o.rule} overridden: {o.reason}")
        if c.consent.acknowledged:
            notes.append("Warnings acknowledged: " + ", ".join(c.consent.acknowledged) + ".")
        return {
            "resourceType": "Procedure",
            "identifier": [{"system": FINGERPRINT_SYSTEM, "value": self.fp}],
            "status": self.procedure_status(),
            "code": {"text": "Mesotherapy"},
            "subject": self.ids.ref("patient", c.patient.name),
            "performedDateTime": c.date.isoformat(),
            "recorder": self.ids.ref("practitioner", c.practitioner.name),
            "performer": [{"actor": self.ids.ref("practitioner", c.practitioner.name),
                           "onBehalfOf": self.ids.ref("organization", c.clinic.name)}],
            "reasonCode": [_concept("indication", c.indication,
                                    _name(cat.indications, c.indication))],
            "bodySite": [_concept("area", a, _name(cat.areas, a)) for a in c.areas],
            "note": [{"text": n} for n in notes],
            "usedReference": [self.ids.ref(f"medication-{i}", self.product_name(i))
                              for i in range(len(c.products))],
            "usedCode": [_concept("device", d.device, _name(cat.devices, d.device))],
        }

    def medication(self, i: int) -> dict[str, Any]:
        use = self.c.products[i]
        batch: dict[str, Any] = {"expirationDate": use.expiry.isoformat()}
        if use.lot:
            batch["lotNumber"] = use.lot
        code = self.product_concept(i)
        resource: dict[str, Any] = {"resourceType": "Medication", "code": code, "batch": batch}
        strength = getattr(use, "concentration_mg_ml", None)
        if strength is not None:   # the strength used, mg per mL
            resource["ingredient"] = [{"itemCodeableConcept": code, "strength": {
                "numerator": {"value": strength, "unit": "mg", "system": UCUM, "code": "mg"},
                "denominator": {"value": 1, "unit": "mL", "system": UCUM, "code": "mL"}}}]
        return resource

    def administration(self, i: int) -> dict[str, Any]:
        c, use = self.c, self.c.products[i]
        product = self.cat.products.get(use.id)
        dosage: dict[str, Any] = {
            "method": _concept("technique", c.delivery.technique,
                               _name(self.cat.techniques, c.delivery.technique)),
            "dose": {"value": use.volume_ml, "unit": "mL", "system": UCUM, "code": "mL"},
        }
        if product is not None:
            dosage["route"] = _concept("route", product.route, product.route)
        if use.injections is not None:
            dosage["text"] = f"{use.volume_ml:g} mL in {use.injections} injection(s)"
        points = [_complex("injection-point", [
            ("view", "valueCode", p.view), ("x", "valueDecimal", p.x), ("y", "valueDecimal", p.y),
            ("volume", "valueQuantity", {"value": p.volume_ml, "unit": "mL", "system": UCUM,
                                         "code": "mL"}),
            ("depth", "valueQuantity", None if p.depth_mm is None else
             {"value": p.depth_mm, "unit": "mm", "system": UCUM, "code": "mm"})])
            for p in getattr(use, "points", ())]
        return {"resourceType": "MedicationAdministration",
                "extension": points,
                "status": "completed" if self.signed else "unknown",
                "medicationReference": self.ids.ref(f"medication-{i}", self.product_name(i)),
                "subject": self.ids.ref("patient", c.patient.name),
                "effectiveDateTime": c.date.isoformat(),
                "performer": [{"actor": self.ids.ref("practitioner", c.practitioner.name)}],
                "partOf": [self.ids.ref("procedure")],
                "dosage": dosage}

    def weight(self, kg: float) -> dict[str, Any]:
        return {"resourceType": "Observation", "status": "final",
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "vital-signs", "display": "Vital Signs"}]}],
                "code": {"coding": [{"system": LOINC, "code": "29463-7",
                                     "display": "Body weight"}], "text": "Body weight"},
                "subject": self.ids.ref("patient", self.c.patient.name),
                "effectiveDateTime": self.c.date.isoformat(),
                "valueQuantity": {"value": kg, "unit": "kg", "system": UCUM, "code": "kg"}}

    # -- signatures

    def provenance(self) -> dict[str, Any]:
        c = self.c
        agents: list[dict[str, Any]] = []
        signatures: list[dict[str, Any]] = []
        for s in c.consent.signatures:
            when = fhir_instant(s.signed_at)
            who = self._signer(s.role, s.name)
            if who not in [a["who"] for a in agents]:
                agents.append({"who": who})
            if when is None:
                continue
            code, display = _SIGNATURE_TYPES[s.role]
            sig: dict[str, Any] = {"type": [{"system": "urn:iso-astm:E1762-95:2013",
                                             "code": code, "display": display}],
                                   "when": when, "who": who}
            if s.image_png_base64:
                sig["sigFormat"] = "image/png"
                sig["data"] = s.image_png_base64
            signatures.append(sig)
        return {"resourceType": "Provenance",
                "target": [self.ids.ref("consent")],
                "recorded": self.signed_at,
                "agent": agents,
                "signature": signatures}

    def _signer(self, role: str, name: str) -> dict[str, Any]:
        if role == "patient":
            return self.ids.ref("patient", name)
        if role == "practitioner":
            return self.ids.ref("practitioner", name)
        return {"display": f"{name} (witness)"}


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def references(value: Any) -> Iterable[str]:
    """Every ``reference`` string inside a resource (for checks and tests)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "reference" and isinstance(v, str):
                yield v
            else:
                yield from references(v)
    elif isinstance(value, list):
        for v in value:
            yield from references(v)
