"""Plain typed data: the consultation and its file format. Imports nothing else
from mesodesk, and nothing from Qt or reportlab."""

from mesodesk.domain.codec import (ConsultationError, canonical_json, dumps, fingerprint, load,
                                   loads, save, to_data, from_data)
from mesodesk.domain.model import (FORMAT, Clinic, Consent, Consultation, Delivery, Override,
                                   Patient, Plan, Practitioner, ProductUse, Screening, Signature,
                                   age_on)
from mesodesk.domain.schema import Problem, SchemaError

__all__ = [
    "FORMAT", "Clinic", "Consent", "Consultation", "ConsultationError", "Delivery", "Override",
    "Patient", "Plan", "Practitioner", "Problem", "ProductUse", "SchemaError", "Screening",
    "Signature", "age_on", "canonical_json", "dumps", "fingerprint", "from_data", "load", "loads",
    "save", "to_data",
]
