"""Turn a chosen exercise into a prescription: dose in plain words, cautions, reasons, variants."""

from __future__ import annotations

from collections.abc import Mapping

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import CATEGORY_ORDER, Exercise
from kneechain.knowledge.render import dosage_text
from kneechain.program.models import Prescription, Reason, Side, Variant
from kneechain.program.rules import ProgramRules
from kneechain.program.select import Choice, FindingLike, minutes
from kneechain.program.timing import extra_seconds, extra_unit


def order_key(p: Prescription) -> tuple[int, int, float, str]:
    """Session order: release, stretch, strengthen, retrain; larger muscle groups first."""
    return (CATEGORY_ORDER.index(p.category), -p.muscle_group_size, -p.score, p.exercise_id)


def emphasis(choice: Choice, findings: Mapping[str, FindingLike]) -> tuple[Side | None, str | None]:
    """The side that gets extra work: the one side named by the one-sided findings it addresses.

    None when the exercise is done on both legs at once, when no finding is one-sided, or when
    one-sided findings point at different sides.
    """
    if not choice.exercise.dosage.per_side:
        return None, None
    sided = sorted(
        (f for f in (findings[i] for i in choice.findings) if f.side in ("left", "right")),
        key=lambda f: f.id,
    )
    sides = {f.side for f in sided}
    if len(sides) != 1:
        return None, None
    return sided[0].side, sided[0].id  # type: ignore[return-value]


def _emphasis_text(ex: Exercise, side: str, finding_name: str, rules: ProgramRules) -> str:
    extra = rules.one_sided.extra[extra_unit(ex.dosage)]
    name = finding_name[:1].lower() + finding_name[1:]
    return rules.one_sided.text.format(side=side, extra=extra, finding=name)


def reason(f: FindingLike, kb: KnowledgeBase) -> Reason:
    finding = kb.findings[f.id]
    mechanism = kb.mechanisms[finding.mechanism_ids[0]]
    return Reason(
        finding_id=f.id,
        finding_name=finding.name,
        side=f.side,  # type: ignore[arg-type]
        severity=f.severity,  # type: ignore[arg-type]
        confidence=f.confidence,
        mechanism_ids=list(finding.mechanism_ids),
        chain=list(mechanism.chain),
        why=mechanism.summary,
    )


def _variant(ex_id: str | None, text: str, kb: KnowledgeBase) -> Variant | None:
    if ex_id is None:
        return None
    other = kb.exercises[ex_id]
    return Variant(
        exercise_id=other.id,
        name=other.name,
        dosage_text=dosage_text(other.dosage),
        when=text.format(name=other.name[:1].lower() + other.name[1:]),
    )


def variants(ex: Exercise, kb: KnowledgeBase, rules: ProgramRules) -> tuple[Variant | None, ...]:
    """(regression, progression) with the rule for switching, worded from the rules."""
    a = rules.adapt
    down = a.regression_text.replace("{pain}", f"{a.regress_when.pain_at_least:g}")
    up = a.progression_text.replace("{sessions}", str(a.progress_when.sessions_in_a_row)).replace(
        "{max_pain}", f"{a.progress_when.pain_at_most:g}"
    )
    return _variant(ex.regression, down, kb), _variant(ex.progression, up, kb)


def prescription(
    ex: Exercise,
    reasons: list[Reason],
    kb: KnowledgeBase,
    rules: ProgramRules,
    *,
    score: float,
    emphasis_side: Side | None = None,
    emphasis_text: str | None = None,
    extra_minutes: float = 0.0,
) -> Prescription:
    """One exercise as handed over, for the given reasons; the dose is the knowledge base's."""
    regression, progression = variants(ex, kb, rules)
    return Prescription(
        exercise_id=ex.id,
        name=ex.name,
        category=ex.category,
        muscle_group_size=ex.muscle_group_size,
        steps=list(ex.steps),
        equipment=list(ex.equipment),
        dosage=ex.dosage,
        dosage_text=dosage_text(ex.dosage),
        per_side=ex.dosage.per_side,
        emphasis_side=emphasis_side,
        emphasis_text=emphasis_text,
        minutes=round(minutes(ex, rules) + extra_minutes, 1),
        cautions=list(ex.cautions),
        reasons=reasons,
        regression=regression,
        progression=progression,
        score=round(score, 6),
    )


def prescribe(
    choice: Choice, findings: Mapping[str, FindingLike], kb: KnowledgeBase, rules: ProgramRules
) -> Prescription:
    """The prescription for one chosen exercise; the dose is the knowledge base's, unchanged."""
    ex = choice.exercise
    side, finding_id = emphasis(choice, findings)
    text = None
    extra = 0.0
    if side is not None and finding_id is not None:
        text = _emphasis_text(ex, side, kb.findings[finding_id].name, rules)
        extra = extra_seconds(ex.dosage, rules.timing) / 60
    return prescription(
        ex,
        [reason(findings[f], kb) for f in choice.findings],
        kb,
        rules,
        score=choice.score,
        emphasis_side=side,
        emphasis_text=text,
        extra_minutes=extra,
    )
