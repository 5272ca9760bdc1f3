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

class _Indexes:
    """The name indexes of one catalogue, built on first use."""

    def __init__(self, catalogue: Catalogue):
        drugs = [(key, name) for key, drug in catalogue.drugs.items()
                 for name in (drug.name, *drug.names)]
        classes = [(key, term) for key, cls in catalogue.drug_classes.items()
                   for term in cls.terms]
        ingredients = [(key, term) for key, ingredient in catalogue.ingredients.items()
                       for term in (key, ingredient.name, *ingredient.synonyms)]
        # longest name first, so a mention reports the fullest name it matched
        self.drugs = lexicon.Index(sorted(drugs, key=lambda kv: -len(kv[1])))
        self.classes = lexicon.Index(sorted(classes, key=lambda kv: -len(kv[1])))
        self.ingredients = lexicon.Index(ingredients, fuzzy=False)


_INDEXES: dict[int, tuple[Catalogue, _Indexes]] = {}


def _indexes(catalogue: Catalogue) -> _Indexes:
    cached = _INDEXES.get(id(catalogue))
    if cached is None or cached[0] is not catalogue:
        if len(_INDEXES) > 8:      # tests build many catalogues; keep a few
            _INDEXES.clear()
        cached = (catalogue, _Indexes(catalogue))
        _INDEXES[id(catalogue)] = cached
    return cached[1]


def prepare(catalogue: Catalogue) -> None:
    """Build this catalogue's name indexes now (they are otherwise built by the
    first evaluation that reads a medicines list: about 12 ms)."""
    _indexes(catalogue)


def drugs_named(text: str, catalogue: Catalogue) -> list[lexicon.Mention]:
    """The medicines ``text`` names (each once), in the catalogue's order."""
    found = {m.key: m for m in _indexes(catalogue).drugs.find(text)}
    return [found[key] for key in catalogue.drugs if key in found]


def classes_named(text: str, catalogue: Catalogue) -> list[lexicon.Mention]:
    """The classes ``text`` names by a class term ("blood thinners", "NSAIDs")."""
    found = {m.key: m for m in _indexes(catalogue).classes.find(text)}
    return [found[key] for key in catalogue.drug_classes if key in found]


def drugs_in_product(ingredients: tuple[str, ...], catalogue: Catalogue) -> list[str]:
    """Medicines (drug ids) that a product with these ingredients holds."""
    held = set(ingredients)
    return [key for key, drug in catalogue.drugs.items() if held.intersection(drug.ingredients)]


# --- the medicines list ------------------------------------------------------------


def _yes_effects(ctx: Context, question_id: str) -> list:
    """The effects a "yes" to this question would have on this plan."""
    question = ctx.catalogue.screening.get(question_id)
    return [] if question is None else [e for e in question.on_yes if applies(e, ctx)]


def medicines_list(ctx: Context) -> Iterator[Hit]:
    """A medicine named in the list whose screening answer is not "yes" (a
    block when a "yes" would block this plan, so it cannot merely be
    acknowledged); and a class's own warning (antidepressants that add to
    bleeding)."""
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
                effects = _yes_effects(ctx, question_id)
                if not effects:
                    continue
                seen.add((name, question_id))
                blocks = [e.rule for e in effects if e.severity == "block"]
                yield Hit("medicines-list-disagrees-blocking" if blocks
                          else "medicines-list-disagrees", MEDICINES_LIST,
                          {"medicine": name, "drug_class": cls.name,
                           "question": cat.screening[question_id].question,
                           "answer": answer, "blocks": ", ".join(blocks)})
            if cls.medicines_rule and (name, cls.medicines_rule) not in seen:
                seen.add((name, cls.medicines_rule))
                yield Hit(cls.medicines_rule, MEDICINES_LIST,
                          {"medicine": name, "drug_class": cls.name})


# --- allergy to a class member -------------------------------------------------------


def ingredients_named(name: str, catalogue: Catalogue) -> set[str]:
    """Catalogue ingredients that a product outside the catalogue holds, read
    from its name: medicines by any name (a slip allowed), and ingredient names
    and synonyms as written."""
    found: set[str] = set()
    for mention in drugs_named(name, catalogue):
        found.update(catalogue.drugs[mention.key].ingredients)
    found.update(m.key for m in _indexes(catalogue).ingredients.find(name))
    return found


def _targets(ctx: Context) -> Iterator[tuple[str, object, tuple[str, ...], object]]:
    """(product id, display name, ingredients, catalogue product or None) for
    each distinct chosen product, those outside the catalogue included."""
    for chosen in ctx.distinct:
        yield chosen.use.id, chosen.product.name, chosen.product.ingredients, chosen.product
    for use in ctx.consultation.products:
        if use.id == "other" and use.name.strip():
            yield "other", use.name.strip(), tuple(sorted(ingredients_named(use.name, ctx.catalogue))), None


def _direct(entry: str, pid: str, name: str, ingredients: tuple[str, ...], product,
            cat: Catalogue) -> str | None:
    """What the entry names in the product itself, exactly as written."""
    if product is not None:
        return allergy.match(entry, pid, product, cat)
    text, own = lexicon.normalise(entry), lexicon.normalise(name)
    if lexicon.contains(text, own, fuzzy=False) or (
            len(text) >= 3 and lexicon.contains(own, text, fuzzy=False)):
        return name
    for mention in _indexes(cat).ingredients.find(entry):
        if mention.key in ingredients:
            return cat.ingredients[mention.key].name
    return None


def cross_reactive_allergy(ctx: Context) -> Iterator[Hit]:
    """An allergy entry naming a medicine (by any name or brand in
    ``drugs.toml``, a slip allowed) or a whole class meets a chosen product:
    the product's own medicine gives ``allergy-ingredient``; another member of
    a class with an ``allergy_rule`` (an NSAID, an amide local anaesthetic)
    gives that rule. Products outside the catalogue are read from their names.
    Entries that ``allergy.match`` already finds in a catalogue product are
    left to the ingredient rule."""
    cat = ctx.catalogue
    targets = list(_targets(ctx))
    for i, entry in enumerate(ctx.consultation.screening.allergies):
        if not entry.strip():
            continue
        drugs = [m.key for m in drugs_named(entry, cat)]
        classes = [m for m in classes_named(entry, cat) if cat.drug_classes[m.key].allergy_rule]
        path = f"screening.allergies[{i}]"
        for pid, name, ingredients, product in targets:
            direct = _direct(entry, pid, name, ingredients, product, cat)
            if direct is not None:
                if product is None:   # the catalogue rule does not see these products
                    yield Hit("allergy-ingredient", path,
                              {"allergy": entry.strip(), "ingredient": direct, "product": name})
                continue
            held = drugs_in_product(ingredients, cat)
            own = [d for d in drugs if d in held]
            if own:
                yield Hit("allergy-ingredient", path,
                          {"allergy": entry.strip(), "ingredient": cat.drugs[own[0]].name,
                           "product": name})
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
                           "medicine": cat.drugs[members[0]].name, "product": name})
