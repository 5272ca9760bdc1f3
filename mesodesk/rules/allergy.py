"""Matching a recorded allergy against the ingredients of a product.

Allergy entries are catalogue ingredient ids or free text ("Lignocaine",
"fish - hives 2019"). An entry matches a product when, ignoring case and
punctuation, it contains as whole words the product's id or name, or the
id, name or a synonym of any of its ingredients. Synonyms are catalogue data
(``ingredients.toml``), so "lignocaine" finds lidocaine only because the
catalogue says so.
"""

from __future__ import annotations

import re
import unicodedata

from mesodesk.catalogue.model import Catalogue, Product

_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation and hyphens turned to single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded.replace("_", " ")).strip()


def _contains(entry: str, term: str) -> bool:
    return bool(term) and f" {term} " in f" {entry} "


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
