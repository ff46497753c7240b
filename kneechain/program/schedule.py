"""The week: day types (daily routine, strength day, before a workout, on a run), which weekday
gets which, and the re-test schedule. Pure functions of the prescriptions and the rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import CATEGORY_ORDER
from kneechain.program.models import DayType, PlanDay, Prescription, RetestItem
from kneechain.program.prescribe import order_key
from kneechain.program.rules import WEEKDAYS, ProgramRules, Weekday
from kneechain.program.select import FindingLike


def order_text(prescriptions: Sequence[Prescription], rules: ProgramRules) -> str:
    """The kinds of work in a session, in session order: 'Release first, then stretch.',
    'Release.' -- the heading says only what the session holds."""
    present = [c for c in CATEGORY_ORDER if any(p.category == c for p in prescriptions)]
    words = [rules.text.category_words[c] for c in present]
    if not words:
        return ""
    first = words[0][:1].upper() + words[0][1:]
    if len(words) == 1:
        return rules.text.order_one.format(first=first)
    return rules.text.order_many.format(first=first, rest=", then ".join(words[1:]))


def day_description(
    day_type_id: str, prescriptions: Sequence[Prescription], rules: ProgramRules
) -> str:
    """A day type's description with its `{order}` filled from the exercises it holds."""
    template = rules.day_type(day_type_id).description
    return template.replace("{order}", order_text(prescriptions, rules)).strip()


def day_types(prescriptions: Sequence[Prescription], rules: ProgramRules) -> list[DayType]:
    """Every day type that has at least one exercise, its exercises in session order."""
    out: list[DayType] = []
    for rule in rules.day_types:
        items = sorted(
            (p for p in prescriptions if p.dosage.frequency.per in rule.frequencies), key=order_key
        )
        if not items:
            continue
        out.append(
            DayType(
                id=rule.id,
                name=rule.name,
                description=day_description(rule.id, items, rules),
                exercise_ids=[p.exercise_id for p in items],
                minutes=round(sum(p.minutes for p in items), 1),
                in_calendar=rule.calendar,
            )
        )
    if any(d.id == "strength" for d in out) and not _has_weekly(prescriptions):
        out = [d for d in out if d.id != "strength"]
    return out


def _has_weekly(prescriptions: Sequence[Prescription]) -> bool:
    return any(p.dosage.frequency.per == "week" for p in prescriptions)


def strength_sessions(prescriptions: Sequence[Prescription]) -> int:
    """Strength sessions a week: the most any weekly dose asks for (upper end of its range)."""
    weekly = [
        p.dosage.frequency.times.upper for p in prescriptions if p.dosage.frequency.per == "week"
    ]
    return int(max(weekly)) if weekly else 0


def week_plan(prescriptions: Sequence[Prescription], rules: ProgramRules) -> list[PlanDay]:
    """Day type for each weekday: strength days as the doses ask, the daily routine on the rest."""
    has_daily = any(p.dosage.frequency.per == "day" for p in prescriptions)
    count = strength_sessions(prescriptions)
    options = rules.week.strength_days
    strength: set[Weekday] = set()
    if count:
        strength = set(options[min(count, max(options))])
    plan = []
    for day in WEEKDAYS:
        if day in strength:
            plan.append(PlanDay(weekday=day, day_type="strength"))
        else:
            plan.append(PlanDay(weekday=day, day_type="daily" if has_daily else None))
    return plan


def retest_weeks(every: int, weeks: int) -> list[int]:
    """Program weeks (1-based) at whose start a test is repeated: after every `every` weeks of
    exercise, and always once more right after the last week (week `weeks` + 1)."""
    marks = [k * every + 1 for k in range(1, weeks // every + 1)]
    if not marks or marks[-1] != weeks + 1:
        marks.append(weeks + 1)
    return marks


def week_start(start: date, week: int) -> date:
    """The first day of a program week (week 1 starts on the start date)."""
    return start + timedelta(weeks=week - 1)


def _every_text(every: int) -> str:
    return "week" if every == 1 else f"{every} weeks"


def retests(
    findings: Sequence[FindingLike],
    kb: KnowledgeBase,
    rules: ProgramRules,
    weeks: int,
    start: date,
) -> list[RetestItem]:
    """The tests that detect the case's findings, with their repeat interval from the rules."""
    follows: dict[str, set[str]] = {}
    for f in findings:
        for test_id in kb.findings[f.id].detected_by:
            follows.setdefault(test_id, set()).add(f.id)
    items = []
    for test_id in sorted(follows, key=lambda t: (rules.retest.every_weeks[t], t)):
        every = rules.retest.every_weeks[test_id]
        marks = retest_weeks(every, weeks)
        items.append(
            RetestItem(
                test_id=test_id,
                name=kb.tests[test_id].name,
                after_weeks=every,
                weeks=marks,
                dates=[week_start(start, w) for w in marks],
                findings=sorted(follows[test_id]),
                text=rules.retest.text.format(every=_every_text(every)),
            )
        )
    return items
