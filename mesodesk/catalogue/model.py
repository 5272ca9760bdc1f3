"""The clinical catalogue as typed records: these classes are its schema.

Each TOML file in ``resources/catalogue/`` holds one table of entries keyed by
kebab-case id (``[product.deoxycholic-acid]``). Everything a patient reads is
a :class:`Statement`, which must name at least one source key from
``sources.toml``; the loader rejects the catalogue otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Literal, Mapping

from mesodesk.domain.schema import field

Evidence = Literal["none", "limited", "limited-to-moderate", "moderate", "good"]
Severity = Literal["block", "warn", "info"]
Frequency = Literal["very-common", "common", "uncommon", "rare", "very-rare", "not-known"]
Seriousness = Literal["expected", "serious"]
# What a product is in the UK: a licensed medicine (``licensed``, or
# ``off-label`` when no licensed use applies to mesotherapy), a medical device
# (or an Annex XVI product without a medical purpose), or a product nobody has
# licensed. Whether *this use* is within a licence is decided in one place,
# :func:`mesodesk.catalogue.licence.use_status`. An injectable is never a
# "cosmetic".
Regulatory = Literal["licensed", "off-label", "device", "unlicensed"]
Basis = Literal["evidence", "label", "guidance", "practice-advice"]
# What a source is. ``practice`` (clinic, vendor, training, news or blog pages,
# tertiary web references) shows what is done, not evidence: a risk, a
# frequency, a dose limit, a contraindication or a regulatory statement must
# cite at least one source of another kind (the loader refuses it otherwise).
SourceKind = Literal["label", "regulator", "law", "guideline", "trial", "review",
                     "case-report", "practice"]
EVIDENCE_KINDS = frozenset({"label", "regulator", "law", "guideline", "trial", "review",
                            "case-report"})

ID = r"[a-z0-9]+(-[a-z0-9]+)*"
frozen = dataclass(frozen=True, kw_only=True)


@frozen
class Statement:
    """A sentence or short paragraph shown to a patient, with its sources."""

    text: str = field(nonempty=True)
    source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class LabelFact:
    """A fact from a label or regulator for the practitioner (a contraindication,
    a warning), with its sources. Not patient text."""

    text: str = field(nonempty=True)
    source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class Source:
    title: str = field(nonempty=True)
    authors: str = ""
    publisher: str = ""  # journal, regulator, issuer or website
    year: int = field(min=1900, max=2100)
    kind: SourceKind = field()
    url: str = ""
    doi: str = ""
    pmid: str = ""
    note: str = ""  # e.g. "clinic website: shows practice, not evidence"


@frozen
class AppliesTo:
    """Which plans an item concerns. Empty lists mean "any"; ``all = true``
    marks an item for every plan. An item applies when every non-empty list
    matches the plan (any chosen product / the technique / the device /
    the indication / any chosen area)."""

    all: bool = False
    products: tuple[str, ...] = field(default=(), ref="products")
    techniques: tuple[str, ...] = field(default=(), ref="techniques")
    devices: tuple[str, ...] = field(default=(), ref="devices")
    indications: tuple[str, ...] = field(default=(), ref="indications")
    areas: tuple[str, ...] = field(default=(), ref="areas")
    facial: bool = False  # only when at least one chosen area is facial
    # never when one of these products is chosen (it has a more specific entry)
    except_products: tuple[str, ...] = field(default=(), ref="products")

    def matches(self, *, products: Collection[str], technique: str, device: str,
                indication: str, areas: Collection[str], facial: bool) -> bool:
        """True when this item concerns a plan with these choices (``facial``:
        at least one chosen area is facial)."""
        if set(products).intersection(self.except_products):
            return False
        if self.all:
            return True
        return ((not self.products or bool(set(products).intersection(self.products)))
                and (not self.techniques or technique in self.techniques)
                and (not self.devices or device in self.devices)
                and (not self.indications or indication in self.indications)
                and (not self.areas or bool(set(areas).intersection(self.areas)))
                and (not self.facial or facial))


@frozen
class Area:
    name: str = field(nonempty=True)
    facial: bool = False
    region: Literal["face", "neck", "scalp", "body", "joint"] = field()


@frozen
class Indication:
    name: str = field(nonempty=True)
    summary: Statement = field()              # what it is, in plain words
    evidence: Evidence = field()
    evidence_summary: Statement = field()     # the strength of evidence, plainly
    expected_outcome: Statement = field()     # realistic result
    benefits: tuple[Statement, ...] = ()      # realistic benefits only
    areas: tuple[str, ...] = field(nonempty=True, ref="areas")
    products: tuple[str, ...] = field(nonempty=True, ref="products")  # suited, best first
    default_technique: str = field(ref="techniques")
    default_device: str = field(ref="devices")
    default_needle_gauge: int = field(min=10, max=40, ref="needles")
    default_needle_length_mm: float = field(positive=True)
    default_depth_mm: float = field(positive=True)
    typical_sessions: int = field(min=1)
    typical_interval_weeks: float = field(min=0)
    schedule: Statement = field()             # what studies used
    alternatives: tuple[Statement, ...] = field(nonempty=True)


@frozen
class Technique:
    name: str = field(nonempty=True)
    description: Statement = field()
    depth_min_mm: float = field(min=0)
    depth_max_mm: float = field(positive=True)
    depth_source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class Device:
    name: str = field(nonempty=True)
    description: Statement = field()


@frozen
class Needle:
    outer_diameter_mm: float = field(positive=True)
    lengths_mm: tuple[float, ...] = field(nonempty=True)
    source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class Ingredient:
    name: str = field(nonempty=True)
    synonyms: tuple[str, ...] = ()   # lower-case words an allergy entry may use
    source: tuple[str, ...] = field(default=(), ref="sources")


@frozen
class ProductRegulatory:
    status: Regulatory = field()
    licensed_for: tuple[str, ...] = field(default=(), ref="indications")  # licence covers
    # what the UK licence covers, for the practitioner ("tablets and injection
    # to reduce bleeding"); printed when this use is off-label
    licence: str = ""
    statement: Statement = field()      # plain words for the patient


@frozen
class Product:
    name: str = field(nonempty=True)
    role: Literal["active", "anaesthetic"] = "active"
    description: Statement = field()
    ingredients: tuple[str, ...] = field(nonempty=True, ref="ingredients")
    regulatory: ProductRegulatory = field()
    suitable_for: tuple[str, ...] = field(default=(), ref="indications")
    route: Literal["intradermal", "subcutaneous", "intradermal-or-subcutaneous", "topical"] = field()
    injectable: bool = True
    form: str = field(nonempty=True)      # "solution for injection", "cream", "kit"
    # UK legal category of this form: a prescription-only medicine (POM) needs a
    # prescriber's face-to-face assessment. Stated for every product.
    prescription_only: bool = field()
    # product-specific label facts for the practitioner (contraindications and
    # warnings from the SmPC or label); each must cite a label, regulator or study
    contraindications: tuple[LabelFact, ...] = ()
    warnings: tuple[LabelFact, ...] = ()
    # dose data the rules read (local anaesthetics): the strengths sold, in mg
    # per mL, and the label's adult maximum per procedure in mg and in mg/kg
    strengths_mg_ml: tuple[float, ...] = field(default=(), items={"positive": True})
    max_dose_mg: float | None = field(default=None, positive=True)
    max_dose_mg_per_kg: float | None = field(default=None, positive=True)
    dose_source: tuple[str, ...] = field(default=(), ref="sources")
    typical_concentration: str = ""
    typical_volume_ml: float = field(min=0)
    max_volume_ml_per_session: float | None = field(default=None, positive=True)
    max_injections_per_session: int | None = field(default=None, min=1)
    volume_per_injection_ml: float | None = field(default=None, positive=True)
    min_spacing_cm: float | None = field(default=None, positive=True)  # between injection points
    min_interval_weeks: float | None = field(default=None, min=0)
    max_sessions: int | None = field(default=None, min=1)
    limits_source: tuple[str, ...] = field(default=(), ref="sources")
    practitioner_note: str = ""


@frozen
class Effect:
    """What one screening answer means for the plan."""

    rule: str = field(pattern=ID)            # finding id, e.g. "pregnancy-injectable"
    severity: Severity = field()
    overridable: bool = True
    products: tuple[str, ...] = field(default=(), ref="products")  # only with these products
    areas: tuple[str, ...] = field(default=(), ref="areas")  # only when one of these is treated
    facial: bool = False                     # only when a facial area is chosen
    scalp: bool = False                      # only when the scalp is treated
    message: str = field(nonempty=True)      # practitioner-facing, specific risk
    source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class ScreeningQuestion:
    question: str = field(nonempty=True)     # as asked of the patient
    help: str = ""
    order: int = 0
    on_yes: tuple[Effect, ...] = field(nonempty=True)
    on_unknown: tuple[Effect, ...] = field(nonempty=True)


@frozen
class Risk:
    name: str = field(nonempty=True)
    patient_text: Statement = field()
    frequency: Frequency = field()
    frequency_text: str = field(nonempty=True)  # "about 7 in 10", "not known"
    # where the frequency comes from; required unless frequency is "not-known"
    frequency_source: tuple[str, ...] = field(default=(), ref="sources")
    seriousness: Seriousness = field()
    what_to_do: Statement = field()
    applies_to: AppliesTo = field()
    order: int = 0


@frozen
class CareItem:
    when: Literal["before", "after"] = field()
    text: Statement = field()
    basis: Basis = field()
    applies_to: AppliesTo = field()
    order: int = 0


@frozen
class RedFlag:
    text: Statement = field()
    urgency: Literal["emergency", "urgent"] = field()
    applies_to: AppliesTo = field()
    order: int = 0


@frozen
class RuleSpec:
    """Severity, wording and source of a safety rule computed in code
    (``mesodesk/rules``). ``message`` may use ``{placeholders}`` the rule fills."""

    severity: Severity = field()
    overridable: bool = True
    message: str = field(nonempty=True)
    source: tuple[str, ...] = field(nonempty=True, ref="sources")
    params: Mapping[str, float] = field(default_factory=dict)


@frozen
class DrugClass:
    """A group of medicines the rules know (``drug-classes.toml``): what a
    medicines list or an allergy entry naming one of them means."""

    name: str = field(nonempty=True)          # "anticoagulant", as printed in a finding
    # words that name the whole class in free text ("blood thinner", "nsaids")
    terms: tuple[str, ...] = ()
    # screening answer that should be "yes" when the medicines list names a member
    question: tuple[str, ...] = field(default=(), ref="screening")
    # coded rule (rules.toml) raised whenever the medicines list names a member
    medicines_rule: str = field(default="", pattern=ID)
    # coded rule raised when an allergy to one member meets a product holding another
    allergy_rule: str = field(default="", pattern=ID)
    source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class GlossaryTerm:
    """A medical word the pack cannot avoid, explained in plain words. It is
    printed when the patient's copy uses ``term`` or one of ``also``."""

    term: str = field(nonempty=True)
    also: tuple[str, ...] = ()
    meaning: Statement = field()


@frozen
class TeachBack:
    """A teach-back question: the patient explains a point in their own words.
    ``question`` and ``answer`` may use {plan}, {products}, {areas} and
    {clinic_phone}; ``status`` limits it to plans with a product of that
    regulatory status for this use."""

    question: str = field(nonempty=True)
    answer: str = field(nonempty=True)       # what a good answer covers (for the practitioner)
    applies_to: AppliesTo = field()
    status: tuple[Regulatory, ...] = ()
    order: int = 0
    source: tuple[str, ...] = field(nonempty=True, ref="sources")


@frozen
class Drug:
    """A medicine as patients and prescribers write it (``drugs.toml``): the
    generic name, other names and brands, and its classes."""

    name: str = field(nonempty=True)
    names: tuple[str, ...] = ()               # other generic names, brands, old names
    classes: tuple[str, ...] = field(nonempty=True, ref="drug_classes")
    # the catalogue ingredient(s) this medicine is, when a product holds it
    ingredients: tuple[str, ...] = field(default=(), ref="ingredients")


@frozen
class Texts:
    """General patient-facing text for the pack."""

    what_is_mesotherapy: tuple[Statement, ...] = field(nonempty=True)
    evidence_overall: Statement = field()
    no_treatment: Statement = field()
    off_label_explained: Statement = field()
    unlicensed_explained: Statement = field()
    results_vary: Statement = field()
    consent_statements: tuple[Statement, ...] = field(nonempty=True)
    photo_options: Mapping[str, Statement] = field()
    cooling_off: Statement = field()
    seek_help: Statement = field()
    emergency: Statement = field()
    teach_back: Statement = field()
    glossary: tuple[GlossaryTerm, ...] = ()


@frozen
class Catalogue:
    schema_version: int = field(min=1, max=1)
    sources: Mapping[str, Source] = field(key=r"[A-Z][A-Za-z0-9-]*")  # reference ids: R17
    areas: Mapping[str, Area] = field()
    indications: Mapping[str, Indication] = field()
    techniques: Mapping[str, Technique] = field()
    devices: Mapping[str, Device] = field()
    needles: Mapping[int, Needle] = field()
    ingredients: Mapping[str, Ingredient] = field()
    products: Mapping[str, Product] = field()
    # answer ids are snake_case in the consultation file format
    screening: Mapping[str, ScreeningQuestion] = field(key=r"[a-z0-9]+(_[a-z0-9]+)*")
    risks: Mapping[str, Risk] = field()
    care: Mapping[str, CareItem] = field()
    red_flags: Mapping[str, RedFlag] = field()
    rules: Mapping[str, RuleSpec] = field()
    drug_classes: Mapping[str, DrugClass] = field()
    drugs: Mapping[str, Drug] = field()
    texts: Texts = field()
    teachback: Mapping[str, TeachBack] = field()
