"""Loads and validates the clinical catalogue in ``resources/catalogue/``."""

from mesodesk.catalogue.loader import (CatalogueError, check_catalogue, default_catalogue,
                                       load_catalogue)
from mesodesk.catalogue.model import Catalogue
from mesodesk.catalogue.references import check_references, known_rules

__all__ = ["Catalogue", "CatalogueError", "check_catalogue", "check_references",
           "default_catalogue", "known_rules", "load_catalogue"]
