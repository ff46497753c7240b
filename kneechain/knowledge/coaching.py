"""Live coaching data (`data/coaching.yaml`): per exercise, what the browser counts (repetitions
or seconds held), from which body measure, and the form cues it watches for, each threshold
with its sources or marked as kneechain's product choice. Checked against the knowledge base
(exercises, findings, sources) and the measures the browser implements (`MEASURES`, the names
exported by kneechain/web/static/coach/logic.js; a test keeps the two lists equal)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kneechain.knowledge.loader import DATA_DIR, KnowledgeBase, KnowledgeError, load_document
from kneechain.knowledge.models import Dosage

#: body measures the browser computes from landmarks (logic.js MEASURES), and their units
MEASURES: dict[str, str] = {
    "hip_extension": "deg",  # shoulder-hip-knee angle, 180 = straight line
    "stance_width": "hip widths",  # ankle distance / hip distance
    "heel_rise": "shin lengths",  # heel height above the toes / shin length
    "hip_abduction": "deg",  # top leg against the trunk line
    "pelvis_tilt": "deg",  # line through both hips against the horizontal
    "knee_valgus": "deg",  # frontal plane projection angle, inward positive
    "trunk_roll": "deg",  # hip line turned from stacked (side lying)
    "rep_seconds": "s",  # duration of the finished repetition
}
SIGNALS = ("hip_extension", "stance_width", "heel_rise", "hip_abduction")


class Basis(BaseModel):
    """Why a number is what it is: sources, or kneechain's own choice said in words (or both)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_ids: list[str] = Field(default_factory=list)
    product_choice: str | None = None

    @model_validator(mode="after")
    def _said(self) -> Basis:
        if not self.source_ids and not self.product_choice:
            raise ValueError("a threshold needs source_ids or a product_choice saying why")
        return self


class Cue(BaseModel):
    """A form cue: spoken and shown when `check` goes past `above` (or under `below`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    check: str
    above: float | None = None
    below: float | None = None
    when: Literal["during", "peak", "rep"]
    say: str = Field(min_length=3, max_length=120)
    findings: list[str]
    basis: Basis

    @model_validator(mode="after")
    def _one_limit(self) -> Cue:
        if (self.above is None) == (self.below is None):
            raise ValueError("a cue needs exactly one of `above` or `below`")
        if self.check not in MEASURES:
            raise ValueError(f"unknown check {self.check!r}; known: {', '.join(MEASURES)}")
        if (self.check == "rep_seconds") != (self.when == "rep"):
            raise ValueError("rep_seconds is checked on the finished rep (when: rep), only it")
        return self


class Coaching(BaseModel):
    """How the camera coaches one exercise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exercise_id: str
    count: Literal["reps", "hold"]
    camera: Literal["side", "front"]
    setup: str
    signal: str | None = None
    enter: float | None = None
    exit: float | None = None
    still: bool = True
    basis: Basis
    side: Literal["both", "detect", "choose"]
    cues: list[Cue]

    @model_validator(mode="after")
    def _counting(self) -> Coaching:
        if self.count == "reps":
            if self.signal is None or self.enter is None or self.exit is None:
                raise ValueError("counting reps needs signal, enter and exit")
            if self.signal not in SIGNALS:
                raise ValueError(f"unknown signal {self.signal!r}; known: {', '.join(SIGNALS)}")
            if self.enter == self.exit:
                raise ValueError("enter and exit must differ (the gap stops double counts)")
        if len({c.id for c in self.cues}) != len(self.cues):
            raise ValueError("cue ids repeat")
        return self


class CoachingFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    exercises: list[Coaching]


class Target(BaseModel):
    """The prescribed dose as the coach counts it."""

    model_config = ConfigDict(frozen=True)

    sets: int
    reps: int | None = Field(description="repetitions a set (side), when the dose counts them")
    seconds: int | None = Field(description="seconds a set (side), when the dose is timed")
    per_side: bool


def target(dosage: Dosage) -> Target:
    """Sets x reps, or seconds per set and side, from a dose (the top of each range: the coach
    counts up to the full dose and says so; stopping earlier is the person's choice)."""
    sets = dosage.sets or dosage.rounds
    n_sets = int(sets.max if sets is not None and sets.max is not None else 1)
    reps = int(dosage.reps.max) if dosage.reps is not None and dosage.reps.max else None
    seconds: float | None = None
    if dosage.work_seconds is not None:
        seconds = dosage.work_seconds.max or dosage.work_seconds.min
    elif dosage.minutes_per_side is not None:  # releases: the total time on a side
        seconds = (dosage.minutes_per_side.min or 1) * 60
    elif dosage.min_seconds_per_side is not None:
        seconds = dosage.min_seconds_per_side
    elif dosage.hold_seconds is not None:
        seconds = dosage.hold_seconds.max or dosage.hold_seconds.min
    if dosage.hold_seconds is not None and reps is not None:  # holds repeated: n holds a set
        n_sets = reps
        reps = None
    return Target(
        sets=n_sets,
        reps=None if seconds is not None and dosage.sets is None else reps,
        seconds=round(seconds) if seconds is not None else None,
        per_side=dosage.per_side,
    )


def check(kb: KnowledgeBase, entries: list[Coaching], name: str = "coaching.yaml") -> None:
    """Every exercise, finding and source named exists; each exercise is coached once."""
    seen: set[str] = set()
    for entry in entries:
        where = f"{name}: {entry.exercise_id}"
        if entry.exercise_id not in kb.exercises:
            raise KnowledgeError(f"{where}: no such exercise in exercises.yaml")
        if entry.exercise_id in seen:
            raise KnowledgeError(f"{where}: coached twice")
        seen.add(entry.exercise_id)
        bases = [entry.basis] + [c.basis for c in entry.cues]
        for source_id in (s for b in bases for s in b.source_ids):
            if source_id not in kb.sources:
                raise KnowledgeError(f"{where}: unknown source {source_id!r}")
        for cue in entry.cues:
            for finding_id in cue.findings:
                if finding_id not in kb.findings:
                    raise KnowledgeError(f"{where}: cue {cue.id}: unknown finding {finding_id!r}")


def parse(kb: KnowledgeBase, path: Path) -> dict[str, Coaching]:
    entries = load_document(CoachingFile, path).exercises
    check(kb, entries, path.name)
    return {e.exercise_id: e for e in entries}


@cache
def _packaged() -> list[Coaching]:
    return load_document(CoachingFile, DATA_DIR / "coaching.yaml").exercises


def coaching(kb: KnowledgeBase) -> dict[str, Coaching]:
    """The coaching entries of the packaged file, by exercise id (checked against `kb`)."""
    entries = _packaged()
    check(kb, entries)
    return {e.exercise_id: e for e in entries}
