"""The program generator's rules as validated data (data/rules.yaml), checked against the knowledge.

Exercise doses stay in the knowledge base; these rules decide selection weights, time limits,
the week plan, regressions and progressions, and which tests to repeat when.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from kneechain.base import Frozen
from kneechain.errors import MessageError
from kneechain.knowledge.loader import (
    KnowledgeBase,
    KnowledgeError,
    default_knowledge,
    parse_document,
)
from kneechain.knowledge.models import Category

RULES_PATH = Path(__file__).parent / "data" / "rules.yaml"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Per = Literal["day", "week", "workout", "run"]


class ProgramRulesError(MessageError, ValueError):
    """rules.yaml is malformed or names something the knowledge base does not have."""

    default_code = "program_rules.invalid"


class Selection(Frozen):
    severity_weight: dict[Literal["mild", "moderate", "marked"], float]
    new_category_bonus: float = Field(ge=0)


class Timing(Frozen):
    seconds_per_rep: float = Field(gt=0)
    rest_between_sets_seconds: float = Field(ge=0)
    setup_seconds: float = Field(ge=0)


class Limit(Frozen):
    """Minutes for one block of a session: aimed at `target`, never filled past `max`."""

    min_minutes: float = Field(gt=0)
    target_minutes: float = Field(gt=0)
    max_minutes: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Limit:
        if not self.min_minutes <= self.target_minutes <= self.max_minutes:
            raise ValueError("need min_minutes <= target_minutes <= max_minutes")
        return self


class Limits(Frozen):
    daily: Limit
    strength: Limit
    longest_daily_minutes: float = Field(gt=0, le=24 * 60)


class OneSided(Frozen):
    extra: dict[Literal["sets", "rounds", "holds", "minutes"], str]
    text: str


class DayTypeRule(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    description: str
    frequencies: list[Per] = Field(min_length=1)
    calendar: bool


class Week(Frozen):
    strength_days: dict[int, list[Weekday]]
    weeks: int = Field(ge=1, le=52)
    session_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class RegressWhen(Frozen):
    pain_at_least: float = Field(ge=0, le=10)
    too_hard: bool


class ProgressWhen(Frozen):
    sessions_in_a_row: int = Field(ge=1)
    pain_at_most: float = Field(ge=0, le=10)


class Adapt(Frozen):
    regress_when: RegressWhen
    progress_when: ProgressWhen
    regression_text: str
    no_regression_text: str
    progression_text: str


class Retest(Frozen):
    """The one re-test schedule (weeks between repeats per test), with where it comes from: the
    sources that give it, or, where none does, the product choice and its reasons."""

    source_ids: list[str] = Field(default_factory=list)
    product_choice: str | None = None
    every_weeks: dict[str, int]
    text: str

    @model_validator(mode="after")
    def _has_a_basis(self) -> Retest:
        if not self.source_ids and not (self.product_choice or "").strip():
            raise ValueError("name the sources of the intervals, or explain the product choice")
        return self


class Texts(Frozen):
    referral: str
    not_explained: str
    over_budget: str
    stop_rule: str = Field(description="when to stop and see a clinician; on every plan")
    stop_rule_source_ids: list[str] = Field(min_length=1)
    #: what each kind of exercise asks, in session order ("release", "stretch"...), for headings
    category_words: dict[Category, str]
    order_one: str = Field(description="heading of a session with one kind of work: {first}")
    order_many: str = Field(description="heading with several: {first}, {rest}")


class Running(Frozen):
    """Advice for a person who runs: only what a source supports, and the gap said plainly."""

    source_ids: list[str] = Field(min_length=1)
    advice: list[str] = Field(min_length=1)
    unsupported: str = Field(description="what no source in the knowledge base says")
    cadence_weeks: list[str] = Field(
        description="week by week, how the step-rate change is built up (cadence exercise)"
    )


class Progression(Frozen):
    """The week-by-week plan: a product choice where no source gives one (said in the plan)."""

    product_choice: str
    first_week: str
    middle_weeks: str
    last_week: str
    retest_week: str
    basis: str = Field(description="shown with the plan: what it rests on")


class ProgramRules(Frozen):
    selection: Selection
    timing: Timing
    limits: Limits
    one_sided: OneSided
    day_types: list[DayTypeRule] = Field(min_length=1)
    week: Week
    adapt: Adapt
    retest: Retest
    text: Texts
    running: Running
    progression: Progression

    def day_type(self, day_type_id: str) -> DayTypeRule:
        for d in self.day_types:
            if d.id == day_type_id:
                return d
        raise KeyError(day_type_id)


def check_rules(rules: ProgramRules, kb: KnowledgeBase) -> list[str]:
    """Problems linking the rules to the knowledge base (empty when they fit together)."""
    problems = [
        f"retest.every_weeks names unknown test {t!r}"
        for t in rules.retest.every_weeks
        if t not in kb.tests
    ]
    problems += [
        f"retest.source_ids names unknown source {s!r}"
        for s in rules.retest.source_ids
        if s not in kb.sources
    ]
    problems += [
        f"knowledge test {t!r} has no retest interval"
        for t in kb.tests
        if t not in rules.retest.every_weeks
    ]
    problems += [
        f"{where} names unknown source {s!r}"
        for where, ids in (
            ("text.stop_rule_source_ids", rules.text.stop_rule_source_ids),
            ("running.source_ids", rules.running.source_ids),
        )
        for s in ids
        if s not in kb.sources
    ]
    ids = {d.id for d in rules.day_types}
    problems += [f"day type {d!r} missing" for d in ("daily", "strength") if d not in ids]
    return problems


def parse_rules(text: str, kb: KnowledgeBase, name: str = "rules.yaml") -> ProgramRules:
    """Validate rules text; errors name the field and say what is wrong."""
    try:
        rules = parse_document(ProgramRules, text, name)
    except KnowledgeError as exc:
        raise ProgramRulesError(str(exc)) from exc
    problems = check_rules(rules, kb)
    if problems:
        raise ProgramRulesError(f"{name}: " + "; ".join(problems))
    return rules


@cache
def default_program_rules() -> ProgramRules:
    """The packaged program rules, loaded once per process."""
    return parse_rules(RULES_PATH.read_text(encoding="utf-8"), default_knowledge())
