"""Loads ``resources/catalogue/*.toml`` into a validated :class:`Catalogue`.

Each file holds one table of the catalogue (``products.toml`` holds the
products keyed by id). The loader checks every entry against the schema in
:mod:`mesodesk.catalogue.model`, then checks that every reference (a source
key, a product id, ...) points at an entry that exists. Any fault raises
:class:`CatalogueError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
import typing
from pathlib import Path
from typing import Any

from mesodesk.catalogue.licence import OTHER
from mesodesk.catalogue.model import ID, Catalogue
from mesodesk.domain.schema import build_value, walk
from mesodesk.resources import resource


class CatalogueError(ValueError):
    """The catalogue is unusable; ``problems`` are "file: key: message" faults."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"catalogue: {problems[0]}{more}")


def default_dir() -> Path:
    return resource("catalogue")


def _file_for(name: str) -> str:
    return "catalogue.toml" if name == "schema_version" else f"{name.replace('_', '-')}.toml"


def load_catalogue(folder: str | Path | None = None) -> Catalogue:
    """Read, validate and cross-check the catalogue in ``folder``."""
    folder = Path(folder) if folder is not None else default_dir()
    hints = typing.get_type_hints(Catalogue)
    problems: list[str] = []
    values: dict[str, Any] = {}
    raw_cache: dict[str, Any] = {}
    for f in dataclasses.fields(Catalogue):
        filename = _file_for(f.name)
        if filename not in raw_cache:
            path = folder / filename
            try:
                with path.open("rb") as fh:
                    raw_cache[filename] = tomllib.load(fh)
            except FileNotFoundError:
                problems.append(f"{filename}: file missing")
                raw_cache[filename] = None
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                problems.append(f"{filename}: not valid TOML ({exc})")
                raw_cache[filename] = None
        data = raw_cache[filename]
        if data is None:
            continue
        if f.name == "schema_version":
            data = data.get("schema_version")
        meta = {"key": ID, **f.metadata}   # entry ids are kebab-case unless declared
        values[f.name], found = build_value(hints[f.name], data, meta)
        problems.extend(f"{filename}: {p}" for p in found)
    if problems:
        raise CatalogueError(problems)
    catalogue = Catalogue(**values)
    problems = check_catalogue(catalogue)
    if problems:
        raise CatalogueError(problems)
    return catalogue


def check_catalogue(catalogue: Catalogue) -> list[str]:
    """Every reference resolves; ranges make sense."""
    problems: list[str] = []
    for f in dataclasses.fields(Catalogue):
        table = getattr(catalogue, f.name)
        if not isinstance(table, typing.Mapping):
            items = [("", table)]
        else:
            items = list(table.items())
        for key, entry in items:
            filename = _file_for(f.name)
            for path, record in walk(entry):
                for rf in dataclasses.fields(record):
                    target = rf.metadata.get("ref")
                    if not target:
                        continue
                    value = getattr(record, rf.name)
                    refs = value if isinstance(value, tuple) else (value,)
                    where = ".".join(str(x) for x in (key, path, rf.name) if x != "")
                    for ref in refs:
                        if ref not in getattr(catalogue, target):
                            problems.append(f"{filename}: {where}: {ref!r} is not in "
                                            f"{_file_for(target)}")
    for key, tech in catalogue.techniques.items():
        if tech.depth_min_mm > tech.depth_max_mm:
            problems.append(f"techniques.toml: {key}: depth_min_mm is above depth_max_mm")
    if OTHER in catalogue.products:
        problems.append(f"products.toml: {OTHER}: this id is reserved for products outside "
                        "the catalogue (recorded by name in a consultation)")
    problems.extend(check_evidence(catalogue))
    return problems


def check_evidence(catalogue: Catalogue) -> list[str]:
    """Risks, frequencies, dose limits, contraindications and regulatory
    statements must cite at least one source that is not ``practice`` (a
    clinic, vendor or blog page shows what is done, not what is true)."""
    kinds = {key: src.kind for key, src in catalogue.sources.items()}
    problems: list[str] = []

    def need(filename: str, where: str, what: str, source: tuple[str, ...]) -> None:
        if source and all(kinds.get(k) == "practice" for k in source):
            problems.append(
                f"{filename}: {where}: a {what} cites only practice sources "
                f"({', '.join(source)}); cite a label, regulator, law, guideline, trial, "
                "review or case report")

    for key, risk in catalogue.risks.items():
        need("risks.toml", f"{key}.patient_text.source", "risk", risk.patient_text.source)
        if risk.frequency != "not-known" and not risk.frequency_source:
            problems.append(f"risks.toml: {key}.frequency_source: missing (a frequency "
                            f"of {risk.frequency!r} needs its source)")
        need("risks.toml", f"{key}.frequency_source", "frequency", risk.frequency_source)
    for key, flag in catalogue.red_flags.items():
        need("red-flags.toml", f"{key}.text.source", "warning sign", flag.text.source)
    for key, product in catalogue.products.items():
        need("products.toml", f"{key}.regulatory.statement.source", "regulatory statement",
             product.regulatory.statement.source)
        for i, st in enumerate(product.contraindications):
            need("products.toml", f"{key}.contraindications[{i}].source", "contraindication",
                 st.source)
        for i, st in enumerate(product.warnings):
            need("products.toml", f"{key}.warnings[{i}].source", "label warning", st.source)
        limits = (product.max_volume_ml_per_session, product.max_injections_per_session,
                  product.volume_per_injection_ml, product.min_interval_weeks,
                  product.max_sessions)
        if any(v is not None for v in limits) and not product.limits_source:
            problems.append(f"products.toml: {key}.limits_source: missing (label limits "
                            "need their source)")
        need("products.toml", f"{key}.limits_source", "dose limit", product.limits_source)
        if (product.max_dose_mg is not None or product.max_dose_mg_per_kg is not None) \
                and not product.dose_source:
            problems.append(f"products.toml: {key}.dose_source: missing (a maximum dose "
                            "needs its source)")
        need("products.toml", f"{key}.dose_source", "dose limit", product.dose_source)
    for key, rule in catalogue.rules.items():
        need("rules.toml", f"{key}.source", "safety rule", rule.source)
    for key, question in catalogue.screening.items():
        for branch in ("on_yes", "on_unknown"):
            for i, effect in enumerate(getattr(question, branch)):
                if effect.severity == "block":
                    need("screening.toml", f"{key}.{branch}[{i}].source", "contraindication",
                         effect.source)
    return problems


@functools.cache
def default_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue()
