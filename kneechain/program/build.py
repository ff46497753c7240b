"""Build the program for an assessment result: a referral, nothing to correct, or the full plan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import Field

from kneechain.assess.result import AssessmentResult
from kneechain.base import Frozen
from kneechain.errors import KneechainError
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.program.models import (
    ClinicianNote,
    DayType,
    Education,
    FindingSummary,
    Prescription,
    Program,
    Referral,
    RetestItem,
    RunningAdvice,
    WeekStep,
)
from kneechain.program.prescribe import order_key, prescribe
from kneechain.program.rules import Limit, ProgramRules
from kneechain.program.schedule import day_types, retests, week_plan
from kneechain.program.select import FindingLike, select, weight


class ProgramOptions(Frozen):
    """Choices a person can make about the program's shape (everything else is rules)."""

    start_date: date
    weeks: int | None = Field(default=None, ge=1, le=52, description="default from the rules")
    daily_minutes: tuple[float, float] | None = Field(
        default=None, description="(min, max) minutes of the daily routine; default from rules"
    )
    runner: bool = Field(default=False, description="the person runs: add the running advice")


def first_monday(on_or_after: date) -> date:
    """The Monday on or after a date, so the program's weeks line up with calendar weeks."""
    return on_or_after + timedelta(days=(7 - on_or_after.weekday()) % 7)


def _limits(rules: ProgramRules, options: ProgramOptions) -> dict[str, Limit]:
    limits = {"daily": rules.limits.daily, "strength": rules.limits.strength}
    if options.daily_minutes is not None:
        low, high = options.daily_minutes
        longest = rules.limits.longest_daily_minutes
        if not 0 < low <= high <= longest:
            raise KneechainError(
                "program.minutes",
                f"A daily routine of {low:g} to {high:g} minutes cannot be planned.",
                hint=f"Give a shortest time above 0, not above the longest, and at most "
                f"{longest:g} minutes.",
                field="daily_minutes",
            )
        limits["daily"] = Limit(min_minutes=low, target_minutes=(low + high) / 2, max_minutes=high)
    return limits


def education(
    findings: Sequence[FindingLike], kb: KnowledgeBase, rules: ProgramRules
) -> list[Education]:
    """Each mechanism behind the findings once, heaviest finding first."""
    seen: list[str] = []
    for f in sorted(findings, key=lambda f: (-weight(f, rules), f.id)):
        seen += [m for m in kb.findings[f.id].mechanism_ids if m not in seen]
    return [
        Education(
            mechanism_id=m,
            name=kb.mechanisms[m].name,
            chain=list(kb.mechanisms[m].chain),
            explanation=kb.mechanisms[m].explanation,
        )
        for m in seen
    ]


def finding_summaries(
    findings: Sequence[FindingLike],
    prescriptions: Sequence[Prescription],
    kb: KnowledgeBase,
    rules: ProgramRules,
) -> list[FindingSummary]:
    """The findings, heaviest first, each with the exercises that address it (session order)."""
    return [
        FindingSummary(
            finding_id=f.id,
            name=kb.findings[f.id].name,
            side=f.side,  # type: ignore[arg-type]
            severity=f.severity,  # type: ignore[arg-type]
            confidence=f.confidence,
            exercise_ids=[
                p.exercise_id for p in prescriptions if f.id in {r.finding_id for r in p.reasons}
            ],
        )
        for f in sorted(findings, key=lambda f: (-weight(f, rules), f.id))
    ]


def _budget_notes(types: list[DayType], limits: dict[str, Limit], rules: ProgramRules) -> list[str]:
    notes = []
    for d in types:
        limit = limits.get(d.id)
        if d.id == "strength":
            daily = next((t.minutes for t in types if t.id == "daily"), 0.0)
            limit = Limit(
                min_minutes=rules.limits.strength.min_minutes,
                target_minutes=rules.limits.strength.target_minutes + daily,
                max_minutes=rules.limits.strength.max_minutes + limits["daily"].max_minutes,
            )
        if limit is not None and d.minutes > limit.max_minutes:
            notes.append(
                rules.text.over_budget.format(
                    minutes=f"{d.minutes:g}", day=d.name.lower(), limit=f"{limit.max_minutes:g}"
                )
            )
    return notes


def stop_rule(rules: ProgramRules) -> str:
    """When to stop the exercises and see a clinician, for every plan."""
    return " ".join(
        rules.text.stop_rule.format(pain=f"{rules.adapt.regress_when.pain_at_least:g}").split()
    )


def running_advice(rules: ProgramRules) -> RunningAdvice:
    """What the sources support for a person who runs, and what none says."""
    r = rules.running
    return RunningAdvice(
        advice=[" ".join(a.split()) for a in r.advice],
        unsupported=" ".join(r.unsupported.split()),
        source_ids=list(r.source_ids),
    )


def week_by_week(
    weeks: int,
    prescriptions: Sequence[Prescription],
    retest_items: Sequence[RetestItem],
    rules: ProgramRules,
) -> list[WeekStep]:
    """What changes each week: the start, building up within the doses, the step-rate change
    built up over its first weeks (when the program has it), re-tests in their weeks, the end."""
    g = rules.progression
    max_pain = f"{rules.adapt.progress_when.pain_at_most:g}"
    cadence = any(p.dosage.frequency.per == "run" for p in prescriptions)
    plan = []
    for week in range(1, weeks + 1):
        items: list[str] = []
        tests = [t.name for t in retest_items if week in t.weeks]
        if tests and week > 1:
            items.append(g.retest_week.format(tests=", ".join(tests)))
        if week == 1:
            items.append(g.first_week)
        elif week == weeks:
            items.append(g.last_week)
        else:
            items.append(g.middle_weeks.format(max_pain=max_pain))
        if cadence and week <= len(rules.running.cadence_weeks):
            items.append(rules.running.cadence_weeks[week - 1])
        plan.append(WeekStep(week=week, items=[" ".join(i.split()) for i in items]))
    return plan


def build_program(
    result: AssessmentResult,
    options: ProgramOptions,
    rules: ProgramRules,
    kb: KnowledgeBase,
) -> Program:
    """The program for one assessment, from the rules and knowledge base given (the domain in
    use). Same result and options, same program."""
    weeks = options.weeks or rules.week.weeks
    base = {
        "knowledge_version": result.knowledge_version,
        "weeks": weeks,
        "start_date": options.start_date,
        "session_time": rules.week.session_time,
        "education": education(result.findings, kb, rules),
        "findings": finding_summaries(result.findings, [], kb, rules),
        "stop_rule": stop_rule(rules),
    }
    if result.refer:
        referral = [
            Referral(red_flag_id=h.id, reason=h.reason, refer_to=h.refer_to, urgency=h.urgency)
            for h in result.red_flags
        ]
        return Program(
            refer=True, referral=referral, message=rules.text.referral, sessions_per_week=0, **base
        )
    clinicians = [ClinicianNote(id=c.id, name=c.name, why=c.why) for c in result.clinicians]
    if not result.findings:
        return Program(
            refer=False,
            clinicians=clinicians,
            message=rules.text.not_explained,
            sessions_per_week=0,
            **base,
        )
    return _full_program(result, options, rules, kb, base | {"clinicians": clinicians})


def _full_program(
    result: AssessmentResult,
    options: ProgramOptions,
    rules: ProgramRules,
    kb: KnowledgeBase,
    base: dict,
) -> Program:
    limits = _limits(rules, options)
    by_id = {f.id: f for f in result.findings}
    choices = select(result.findings, kb, rules, limits)
    prescriptions: list[Prescription] = sorted(
        (prescribe(c, by_id, kb, rules) for c in choices), key=order_key
    )
    types = day_types(prescriptions, rules)
    week = week_plan(prescriptions, rules)
    base = base | {"findings": finding_summaries(result.findings, prescriptions, kb, rules)}
    retest_items = retests(result.findings, kb, rules, base["weeks"], options.start_date)
    runs = options.runner or any(p.dosage.frequency.per == "run" for p in prescriptions)
    return Program(
        refer=False,
        exercises=prescriptions,
        day_types=types,
        week=week,
        sessions_per_week=sum(1 for d in week if d.day_type is not None),
        retests=retest_items,
        notes=_budget_notes(types, limits, rules),
        plan=week_by_week(base["weeks"], prescriptions, retest_items, rules),
        plan_basis=" ".join(rules.progression.basis.split()),
        running=running_advice(rules) if runs else None,
        **base,
    )
