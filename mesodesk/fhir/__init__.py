"""FHIR R4 export: a consultation as a Bundle of plain JSON data (no FHIR
library at run time; the tests validate the output with one)."""

from mesodesk.fhir.bundle import CANONICAL_BASE, FHIR_VERSION, build_bundle, questionnaire_version

__all__ = ["CANONICAL_BASE", "FHIR_VERSION", "build_bundle", "questionnaire_version"]
