"""The generic screening rule: each answer's effects from ``screening.toml``.

A question answered "yes" applies its ``on_yes`` effects, "unknown" (or not
answered at all) its ``on_unknown`` effects, "no" nothing. An effect naming
``products`` applies only when one of them is chosen; ``areas`` only when one
of those body areas is treated (the neck for thyroid questions, the abdomen
for hernias); ``facial`` only when a facial area is treated; ``scalp`` only
when the scalp is. Each question decides in ``screening.toml`` what an
unanswered ("unknown") question does.
"""

from __future__ import annotations

from typing import Iterator

from mesodesk.catalogue.model import Effect
from mesodesk.rules.context import Context
from mesodesk.rules.finding import Finding


def applies(effect: Effect, ctx: Context) -> bool:
    if effect.products and not ctx.product_ids.intersection(effect.products):
        return False
    if effect.areas and not set(ctx.consultation.areas).intersection(effect.areas):
        return False
    if effect.facial and not ctx.facial:
        return False
    if effect.scalp and not ctx.scalp:
        return False
    return True


def screening_findings(ctx: Context) -> Iterator[Finding]:
    questions = sorted(ctx.catalogue.screening.items(), key=lambda kv: (kv[1].order, kv[0]))
    for question_id, question in questions:
        answer = ctx.consultation.screening.answer(question_id)
        effects = {"yes": question.on_yes, "unknown": question.on_unknown}.get(answer, ())
        for effect in effects:
            if applies(effect, ctx):
                yield Finding(rule=effect.rule, severity=effect.severity,
                              message=effect.message, source=tuple(effect.source),
                              overridable=effect.overridable,
                              path=f"screening.answers.{question_id}")
