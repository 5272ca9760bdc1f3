"""Matching a recorded allergy against the ingredients of a product.

Allergy entries are catalogue ingredient ids or free text ("Lignocaine",
"fish - hives 2019"). An entry matches a product when, ignoring case and
punctuation, it contains as whole words the product's id or name, or the
id, name or a synonym of any of its ingredients. Synonyms are catalogue data
(``ingredients.toml``), so "lignocaine" finds lidocaine only because the
catalogue says so. Medicines named with a slip ("lignocane") or by another
member of their class (an NSAID, an amide local anaesthetic) are matched
through ``drugs.toml`` by :func:`mesodesk.rules.medicines.cross_reactive_allergy`.
"""

from __future__ import annotations

from mesodesk.catalogue.model import Catalogue, Product
from mesodesk.rules.lexicon import contains, normalise

__all__ = ["match", "normalise"]


def match(entry: str, product_id: str, product: Product, catalogue: Catalogue) -> str | None:
    """The name of what ``entry`` matched in the product (an ingredient's name,
    or the product's own name), or None when it matches nothing."""
    text = normalise(entry)
    if not text:
        return None
    for ingredient_id in product.ingredients:
        ingredient = catalogue.ingredients.get(ingredient_id)
        terms = [ingredient_id]
        if ingredient is not None:
            terms += [ingredient.name, *ingredient.synonyms]
        if any(_contains(text, normalise(t)) for t in terms):
            return ingredient.name if ingredient is not None else ingredient_id
    if _contains(text, normalise(product_id)) or _contains(text, normalise(product.name)):
        return product.name
    return None


def _contains(entry: str, term: str) -> bool:
    return contains(entry, term, fuzzy=False)
