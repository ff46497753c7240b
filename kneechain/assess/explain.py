"""The plain-language explanation of a finding: what was measured, the norm, and the chain.

All wording comes from data: each criterion's `phrase` and `norm_text`, the `wording` templates
and each finding's `chain` sentence in rules.yaml; norms come from the knowledge base.
"""

from __future__ import annotations

from kneechain.assess.criteria import Call, Context
from kneechain.assess.result import FindingSide
from kneechain.assess.rules import Criterion, FindingRule
from kneechain.knowledge.models import Reference
from kneechain.knowledge.render import agree, number


def _fmt(value: float) -> str:
    return number(round(value, 1))


def unit_word(unit: str, ctx: Context) -> str:
    return ctx.rules.unit_words.get(unit, unit)


def norm_sentence(c: Criterion, call: Call, ctx: Context) -> str:
    """The norm that fits the person ('the norm is about 29.6 degrees', 'the usual range is
    30-45 degrees'), else the criterion's own norm wording, else the threshold and its label."""
    words = ctx.rules.wording
    unit = unit_word(ctx.measures[c.measure].unit, ctx)
    ref = call.reference
    if call.norm is not None:
        return _norm_text(call.norm, unit, words.norm_value, words.norm_band)
    if c.norm_text:
        return c.norm_text.format(threshold=f"{_fmt(ref.value or 0)} {unit}".rstrip())
    if ref.kind == "asymmetry":
        return words.asymmetry.format(threshold=f"{_fmt(ref.value or 0)} {unit}".rstrip())
    threshold = f"{ref.comparator} {_fmt(ref.value or 0)} {unit}".rstrip()
    return words.threshold.format(label=ref.label, threshold=threshold)


def _norm_text(norm: Reference, unit: str, value_tpl: str, band_tpl: str) -> str:
    if norm.low is not None and norm.high is not None:
        text = f"{_fmt(norm.low)}-{_fmt(norm.high)} {unit}".rstrip()
        return band_tpl.format(norm=text)
    return value_tpl.format(norm=f"{_fmt(norm.value or 0)} {unit}".rstrip())


def measured_phrase(call: Call, ctx: Context) -> str:
    """The criterion's phrase filled with this verdict's values."""
    spec = ctx.measures[call.criterion.measure]
    values = {k: _fmt(v) for k, v in call.reading_values.items()}
    return call.criterion.phrase.format(
        side=call.side or "", unit=unit_word(spec.unit, ctx), **values
    ).replace("  ", " ")


def _phrases(c: Criterion, calls: list[Call], ctx: Context) -> str:
    """One phrase for both sides when the criterion has one, else the side phrases joined."""
    sides = {call.side: call.reading_values["value"] for call in calls}
    if c.phrase_both and set(sides) == {"left", "right"}:
        unit = unit_word(ctx.measures[c.measure].unit, ctx)
        text = c.phrase_both.format(left=_fmt(sides["left"]), right=_fmt(sides["right"]), unit=unit)
        return text.replace("  ", " ")
    return ctx.rules.wording.both_sides_joiner.join(measured_phrase(p, ctx) for p in calls)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def explanation(rule: FindingRule, positives: list[Call], side: FindingSide, ctx: Context) -> str:
    """Measured values against their norms, one sentence per criterion, then the chain."""
    sentences: list[str] = []
    for c in rule.criteria:
        calls = [p for p in positives if p.criterion is c]
        if not calls:
            continue
        calls.sort(key=lambda p: p.side or "")
        phrases = _phrases(c, calls, ctx)
        sentences.append(_sentence(f"{phrases}; {norm_sentence(c, calls[0], ctx)}"))
    side_words = "both" if side == "both" else side
    sentences.append(_sentence(rule.chain.replace("\n", " ").format(side=side_words)))
    return agree(" ".join(sentences))
