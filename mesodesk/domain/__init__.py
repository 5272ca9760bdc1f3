"""Plain typed data: the consultation and its file format. Imports nothing else
from mesodesk, and nothing from Qt or reportlab."""

from mesodesk.domain.codec import (ConsultationError, canonical_json, dumps, fingerprint, load,
                                   loads, save, to_data, from_data, upgrade)
from mesodesk.domain.model import (FORMAT, FORMATS, AgeCheck, Clinic, Consent, Consultation,
                                   Delivery, InjectionPoint, Override, Patient, Plan,
                                   Practitioner, PrescriberAssessment, ProductUse, Screening,
                                   Signature, TeachBack, Withdrawal, age_on)
from mesodesk.domain.schema import Problem, SchemaError

__all__ = [
    "FORMAT", "FORMATS", "AgeCheck", "Clinic", "Consent", "Consultation", "ConsultationError",
    "Delivery", "InjectionPoint", "Override", "Patient", "Plan", "Practitioner",
    "PrescriberAssessment", "Problem", "ProductUse", "SchemaError", "Screening", "Signature",
    "TeachBack", "Withdrawal", "age_on", "canonical_json", "dumps", "fingerprint", "from_data",
    "load", "loads", "save", "to_data", "upgrade",
]
