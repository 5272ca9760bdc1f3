"""Medicines the patient takes or is allergic to, read from free text.

``drugs.toml`` lists medicines by generic name with their other names and
brands; ``drug-classes.toml`` says what each class means for the rules: the
screening answer a member contradicts when the medicines list names it while
that answer is not "yes" (``question``), a warning of the class's own
(``medicines_rule``), and the block raised when an allergy to one member
meets a product holding another (``allergy_rule``). All names are data; the
code only matches them (:mod:`mesodesk.rules.lexicon`).
"""

from __future__ import annotations

from typing import Iterator

from mesodesk.catalogue.model import Catalogue
from mesodesk.rules import allergy, lexicon
from mesodesk.rules.context import Context, Hit
from mesodesk.rules.screening import applies

MEDICINES_LIST = "screening.medications"

_NAMES: dict[int, tuple[object, list[tuple[str, str]], list[tuple[str, str]]]] = {}


def _names(catalogue: Catalogue) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(drug id, name) and (class id, term) pairs, longest name first, built once
    per catalogue."""
    cached = _NAMES.get(id(catalogue))
    if cached is not None and cached[0] is catalogue:
        return cached[1], cached[2]
    drugs = [(key, name) for key, drug in catalogue.drugs.items()
             for name in (drug.name, *drug.names)]
    classes = [(key, term) for key, cls in catalogue.drug_classes.items() for term in cls.terms]
    drugs.sort(key=lambda kv: -len(kv[1]))
    classes.sort(key=lambda kv: -len(kv[1]))
    _NAMES[id(catalogue)] = (catalogue, drugs, classes)
    return drugs, classes


def drugs_named(text: str, catalogue: Catalogue) -> list[lexicon.Mention]:
    """The medicines ``text`` names (each once), in the catalogue's order."""
    drugs, _ = _names(catalogue)
    found = {m.key: m for m in lexicon.find(text, drugs)}
    return [found[key] for key in catalogue.drugs if key in found]


def classes_named(text: str, catalogue: Catalogue) -> list[lexicon.Mention]:
    """The classes ``text`` names by a class term ("blood thinners", "NSAIDs")."""
    _, classes = _names(catalogue)
    found = {m.key: m for m in lexicon.find(text, classes)}
    return [found[key] for key in catalogue.drug_classes if key in found]


def drugs_in_product(ingredients: tuple[str, ...], catalogue: Catalogue) -> list[str]:
    """Medicines (drug ids) that a product with these ingredients holds."""
    held = set(ingredients)
    return [key for key, drug in catalogue.drugs.items() if held.intersection(drug.ingredients)]


# --- the medicines list ------------------------------------------------------------


def _question_matters(ctx: Context, question_id: str) -> bool:
    """A "yes" to this question would change something for this plan."""
    question = ctx.catalogue.screening.get(question_id)
    return question is not None and any(applies(e, ctx) for e in question.on_yes)


def medicines_list(ctx: Context) -> Iterator[Hit]:
    """A medicine named in the list whose screening answer is not "yes"; and a
    class's own warning (antidepressants that add to bleeding)."""
    text = ctx.consultation.screening.medications
    if not text.strip():
        return
    cat = ctx.catalogue
    named: list[tuple[str, tuple[str, ...]]] = []    # (what was named, its classes)
    for mention in drugs_named(text, cat):
        drug = cat.drugs[mention.key]
        named.append((drug.name, drug.classes))
    for mention in classes_named(text, cat):
        named.append((mention.term, (mention.key,)))
    seen: set[tuple[str, str]] = set()
    for name, classes in named:
        for class_id in classes:
            cls = cat.drug_classes.get(class_id)
            if cls is None:
                continue
            for question_id in cls.question:
                answer = ctx.consultation.screening.answer(question_id)
                if answer == "yes" or (name, question_id) in seen:
                    continue
                if not _question_matters(ctx, question_id):
                    continue
                seen.add((name, question_id))
                yield Hit("medicines-list-disagrees", MEDICINES_LIST,
                          {"medicine": name, "drug_class": cls.name,
                           "question": cat.screening[question_id].question,
                           "answer": answer})
            if cls.medicines_rule and (name, cls.medicines_rule) not in seen:
                seen.add((name, cls.medicines_rule))
                yield Hit(cls.medicines_rule, MEDICINES_LIST,
                          {"medicine": name, "drug_class": cls.name})


# --- allergy to a class member -------------------------------------------------------


def cross_reactive_allergy(ctx: Context) -> Iterator[Hit]:
    """An allergy entry naming a medicine (by any name or brand in
    ``drugs.toml``, a slip allowed) or a whole class meets a chosen product:
    the product's own medicine gives ``allergy-ingredient``; another member of
    a class with an ``allergy_rule`` (an NSAID, an amide local anaesthetic)
    gives that rule. Entries that ``allergy.match`` already finds are left to
    the ingredient rule."""
    cat = ctx.catalogue
    for i, entry in enumerate(ctx.consultation.screening.allergies):
        drugs = [m.key for m in drugs_named(entry, cat)]
        classes = [m for m in classes_named(entry, cat) if cat.drug_classes[m.key].allergy_rule]
        if not drugs and not classes:
            continue
        path = f"screening.allergies[{i}]"
        for chosen in ctx.distinct:
            product = chosen.product
            if allergy.match(entry, chosen.use.id, product, cat) is not None:
                continue
            held = drugs_in_product(product.ingredients, cat)
            own = [d for d in drugs if d in held]
            if own:
                yield Hit("allergy-ingredient", path,
                          {"allergy": entry.strip(), "ingredient": cat.drugs[own[0]].name,
                           "product": product.name})
                continue
            named = [(c, cat.drugs[d].name) for d in drugs for c in cat.drugs[d].classes]
            named += [(m.key, m.term) for m in classes]
            reported: set[str] = set()
            for class_id, what in named:
                cls = cat.drug_classes.get(class_id)
                if cls is None or not cls.allergy_rule or cls.allergy_rule in reported:
                    continue
                members = [d for d in held if class_id in cat.drugs[d].classes]
                if not members:
                    continue
                reported.add(cls.allergy_rule)
                yield Hit(cls.allergy_rule, path,
                          {"allergy": entry.strip(), "named": what, "drug_class": cls.name,
                           "medicine": cat.drugs[members[0]].name, "product": product.name})
