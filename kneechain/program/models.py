"""The generated program: what to do, in what order, how much, why, and when to re-test.

`kneechain program --format json` prints `Program`. Tracking reads `exercises[].exercise_id`,
`sessions_per_week` and `retests[].test_id` / `after_weeks` from the stored document.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from kneechain.base import Frozen
from kneechain.knowledge.models import Category, Dosage
from kneechain.program.rules import Weekday

#: Bump when the program document changes in a way readers must know about.
PROGRAM_VERSION = "1.0"

Side = Literal["left", "right"]


class Reason(Frozen):
    """A finding an exercise addresses, and the chain by which that finding loads the knee."""

    finding_id: str
    finding_name: str
    side: Literal["left", "right", "both"]
    severity: Literal["mild", "moderate", "marked"]
    confidence: float = Field(ge=0, le=1)
    mechanism_ids: list[str]
    chain: list[str] = Field(description="body segments, foot upward, of the first mechanism")
    why: str = Field(description="the mechanism's one-line summary")


class Variant(Frozen):
    """An easier (regression) or harder (progression) exercise and when to switch to it."""

    exercise_id: str
    name: str
    dosage_text: str
    when: str


class Prescription(Frozen):
    """One exercise as handed over: steps, dose, cautions, the reason for it, its variants."""

    exercise_id: str
    name: str
    category: Category
    muscle_group_size: int
    steps: list[str]
    equipment: list[str]
    dosage: Dosage
    dosage_text: str = Field(description="the knowledge base's dose in plain words, unchanged")
    per_side: bool
    emphasis_side: Side | None = None
    emphasis_text: str | None = None
    minutes: float = Field(ge=0, description="estimated minutes a session, extra side included")
    cautions: list[str]
    reasons: list[Reason] = Field(min_length=1)
    regression: Variant | None = None
    progression: Variant | None = None
    score: float = Field(ge=0, description="summed weight of the findings it addresses")


class DayType(Frozen):
    """A kind of session (daily routine, strength day...) with its exercises in order."""

    id: str
    name: str
    description: str
    exercise_ids: list[str]
    minutes: float
    in_calendar: bool


class PlanDay(Frozen):
    weekday: Weekday
    day_type: str | None = Field(description="day type id, or None for a rest day")


class RetestItem(Frozen):
    """A test to repeat, how often, in which program weeks, and the findings it follows."""

    test_id: str
    name: str
    after_weeks: int = Field(ge=1, description="weeks between repeats")
    weeks: list[int] = Field(
        description="program weeks (1-based) at whose start to repeat it; weeks + 1 = just after"
    )
    dates: list[date] = Field(description="the first day of each of those weeks")
    findings: list[str]
    text: str


class FindingSummary(Frozen):
    """A finding of the assessment and the exercises chosen for it."""

    finding_id: str
    name: str
    side: Literal["left", "right", "both"]
    severity: Literal["mild", "moderate", "marked"]
    confidence: float = Field(ge=0, le=1)
    exercise_ids: list[str]


class Referral(Frozen):
    red_flag_id: str
    reason: str
    refer_to: str
    urgency: str


class ClinicianNote(Frozen):
    id: str
    name: str
    why: str


class Education(Frozen):
    """How a finding's problem reaches the knee, in plain words."""

    mechanism_id: str
    name: str
    chain: list[str]
    explanation: str


class EditNote(Frozen):
    """One change a clinician made to the program, and why."""

    version: int = Field(ge=2, description="the program version this change made")
    action: Literal["swap", "remove", "add", "redose"]
    exercise_id: str | None = None
    new_exercise_id: str | None = None
    dose: str | None = None
    note: str = ""
    by: str | None = None
    on: date


class WeekStep(Frozen):
    """What changes in one program week."""

    week: int = Field(ge=1)
    items: list[str] = Field(min_length=1)


class RunningAdvice(Frozen):
    """Advice for a person who runs: what the sources support, and what none says."""

    advice: list[str]
    unsupported: str
    source_ids: list[str]


class Program(Frozen):
    program_version: str = PROGRAM_VERSION
    version: int = Field(1, ge=1, description="1 as generated; one more for each edit")
    edits: list[EditNote] = Field(default_factory=list, description="changes since generated")
    knowledge_version: str
    refer: bool
    referral: list[Referral] = Field(default_factory=list)
    clinicians: list[ClinicianNote] = Field(default_factory=list)
    message: str | None = Field(default=None, description="why there is no exercise program")
    findings: list[FindingSummary] = Field(default_factory=list)
    education: list[Education] = Field(default_factory=list)
    exercises: list[Prescription] = Field(default_factory=list)
    day_types: list[DayType] = Field(default_factory=list)
    week: list[PlanDay] = Field(default_factory=list)
    sessions_per_week: int = Field(ge=0, le=7)
    weeks: int = Field(ge=1)
    start_date: date
    session_time: str
    retests: list[RetestItem] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    stop_rule: str = Field("", description="when to stop and see a clinician (every plan)")
    plan: list[WeekStep] = Field(default_factory=list, description="week by week")
    plan_basis: str | None = Field(None, description="what the week-by-week plan rests on")
    running: RunningAdvice | None = Field(None, description="for a person who runs")

    def exercise(self, exercise_id: str) -> Prescription:
        for p in self.exercises:
            if p.exercise_id == exercise_id:
                return p
        raise KeyError(exercise_id)
