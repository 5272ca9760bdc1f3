"""Rules about the plan as a whole: indications with no evidence, and
products the catalogue does not hold.

An indication whose evidence level is "none" (cellulite, body fat with
unlicensed products) always gives a warning to acknowledge; while
``plan.rationale`` is blank it is also a block that only writing the
rationale releases; and a plan of more sessions than ``max_sessions``
(rules.toml; one, then review) is warned about. The default plan for such an
indication is one session (``typical_sessions`` in indications.toml).

A product recorded with id ``other`` is outside every rule that reads the
catalogue (ingredients, licence, limits): it needs its name and a
practitioner-written risk text before a pack can be made, and a warning to
acknowledge that says so.
"""

from __future__ import annotations

from typing import Iterator

from mesodesk.rules.context import Context, Hit, number

OTHER = "other"  # the product id of a product outside the catalogue


def no_evidence(ctx: Context) -> Iterator[Hit]:
    indication = ctx.indication
    if indication is None or indication.evidence != "none":
        return
    plan = ctx.consultation.plan
    values = {"indication": indication.name}
    yield Hit("no-evidence-indication", "indication", values)
    if not plan.rationale.strip():
        yield Hit("no-evidence-rationale-missing", "plan.rationale", values)
    most = ctx.param("no-evidence-sessions", "max_sessions", 1)
    if plan.sessions > most:
        yield Hit("no-evidence-sessions", "plan.sessions",
                  {**values, "sessions": plan.sessions, "max": number(most)})


def other_products(ctx: Context) -> Iterator[Hit]:
    for i, use in enumerate(ctx.consultation.products):
        if use.id != OTHER:
            continue
        name = use.name.strip()
        missing = [what for what, text in (("its name", name), ("its risks", use.risk_text))
                   if not text.strip()]
        shown = name or "A product not in the catalogue"
        if missing:
            path = f"products[{i}].name" if not name else f"products[{i}].risk_text"
            yield Hit("other-product-undescribed", path,
                      {"product": shown, "missing": " and ".join(missing)})
        yield Hit("other-product", f"products[{i}].id", {"product": shown})
