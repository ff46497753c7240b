"""Pydantic models for every kind of entry in the knowledge base (the validated schema of data/)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Id = str
Unit = Literal["deg", "cm", "s", "steps/min", "ratio", "count", "percent", "points"]
Category = Literal["soft_tissue", "mobility", "stability", "gait"]
View = Literal["front", "side", "above", "feet_end", "rear", "none"]
Comparator = Literal["<", "<=", ">", ">="]

#: The order every session follows: release, then lengthen, then strengthen, then retrain.
CATEGORY_ORDER: tuple[Category, ...] = ("soft_tissue", "mobility", "stability", "gait")


class Entry(BaseModel):
    """Base of every knowledge entry: immutable, unknown fields rejected, a stable snake_case id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id = Field(pattern=r"^[a-z][a-z0-9_]*$")


class Source(Entry):
    """A seed article or a clinical citation that a fact or threshold rests on."""

    kind: Literal["seed", "clinical"]
    title: str
    author_role: str | None = None
    citation: str | None = None
    seed_file: str | None = None
    contributes: str

    @model_validator(mode="after")
    def _kind_fields(self) -> Source:
        if self.kind == "seed" and not (self.seed_file and self.author_role):
            raise ValueError("a seed source needs seed_file and author_role")
        if self.kind == "clinical" and not self.citation:
            raise ValueError("a clinical source needs a citation")
        return self


class Sourced(Entry):
    """An entry that must name at least one source."""

    source_ids: list[Id] = Field(min_length=1)


class Mechanism(Sourced):
    """A kinetic-chain explanation of how a problem above or below the knee loads the knee."""

    name: str
    chain: list[str] = Field(min_length=2, description="segments involved, foot upward")
    summary: str
    explanation: str


class RiskFactor(Sourced):
    """Something in a person's life or history that makes a chain finding more likely."""

    name: str
    description: str
    raises: list[Id] = Field(min_length=1, description="finding ids made more likely")


class Sign(Sourced):
    """One of the signs that the hip is involved in knee pain, asked as a yes/no question."""

    number: int = Field(ge=1, le=5)
    name: str
    question: str
    why: str
    suggests: list[Id] = Field(min_length=1, description="finding ids made more likely")


class Measure(BaseModel):
    """A quantity a test yields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    unit: Unit
    per_side: bool
    description: str
    valid_min: float
    valid_max: float
    by_hand: str | None = Field(
        default=None,
        min_length=10,
        description="how a person reads this value without a video (a tape, a stopwatch, a phone "
        "angle app, a clinician's count); absent when only a video can measure it",
    )

    @model_validator(mode="after")
    def _range(self) -> Measure:
        if self.valid_min >= self.valid_max:
            raise ValueError("valid_min must be below valid_max")
        return self


class Reference(BaseModel):
    """A norm, a threshold or a measurement-error figure for one measure, with its source.

    `kind` says how the value is used: `norm` describes healthy people (a value or a low-high band),
    `threshold` marks a problem when `measure <comparator> value`, `mdc` is the minimal detectable
    change (the smallest difference that is more than measurement error), `asymmetry` is the
    between-side difference worth noting.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id = Field(pattern=r"^[a-z][a-z0-9_]*$")
    measure: Id
    kind: Literal["norm", "threshold", "mdc", "asymmetry"]
    label: str
    value: float | None = None
    low: float | None = None
    high: float | None = None
    comparator: Comparator | None = None
    population: str | None = None
    age_min: int | None = Field(default=None, ge=0, le=120)
    age_max: int | None = Field(default=None, ge=0, le=120)
    sex: Literal["female", "male"] | None = None
    activity: Literal["walking", "running"] | None = None
    severe_value: float | None = Field(default=None, description="threshold for a marked problem")
    source_ids: list[Id] = Field(min_length=1)

    @model_validator(mode="after")
    def _shape(self) -> Reference:
        has_band = self.low is not None and self.high is not None
        if self.value is None and not has_band:
            raise ValueError("give a value, or both low and high")
        if has_band and self.low > self.high:  # type: ignore[operator]
            raise ValueError("low must not exceed high")
        if self.kind == "threshold" and (self.comparator is None or self.value is None):
            raise ValueError("a threshold needs a value and a comparator")
        return self


class Camera(BaseModel):
    """Where to put the phone so the clip can be measured."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    view: View
    distance_m: float | None = Field(default=None, gt=0, le=10)
    height: str
    orientation: Literal["portrait", "landscape", "either"]
    fps_min: int = Field(default=30, ge=15, le=240)
    instructions: list[str] = Field(min_length=1)


class Test(Sourced):
    """An assessment: how to do it alone at home, how to film it, what it measures and the norms."""

    __test__: ClassVar[bool] = False  # not a pytest test class

    name: str
    purpose: str
    performer: Literal["self", "helper", "clinician"]
    filmable: bool
    setup: list[str] = Field(min_length=1)
    camera: Camera | None = None
    measures: list[Measure]
    references: list[Reference] = Field(default_factory=list)
    detects: list[Id] = Field(min_length=1, description="finding ids this test can reveal")

    @model_validator(mode="after")
    def _consistent(self) -> Test:
        if self.filmable and self.camera is None:
            raise ValueError("a filmable test needs camera instructions")
        if not self.filmable:
            for measure in self.measures:
                if measure.by_hand is None:
                    raise ValueError(
                        f"measure {measure.id!r} has no by_hand how-to and the test is not "
                        "filmable: nothing could measure it"
                    )
        known = {m.id for m in self.measures}
        for ref in self.references:
            if ref.measure not in known:
                raise ValueError(f"reference {ref.id!r} names unknown measure {ref.measure!r}")
        return self


class Range(BaseModel):
    """An inclusive numeric range; `max` equal to `min` (or absent) means an exact figure."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min: float = Field(ge=0)
    max: float | None = None

    @model_validator(mode="after")
    def _order(self) -> Range:
        if self.max is not None and self.max < self.min:
            raise ValueError("max must not be below min")
        return self

    @property
    def upper(self) -> float:
        return self.min if self.max is None else self.max


class Frequency(BaseModel):
    """How often: sessions per day or week, or tied to an occasion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    per: Literal["day", "week", "workout", "run"]
    times: Range
    at_least: bool = False


class Dosage(BaseModel):
    """How much of an exercise, as structured figures taken from the sources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hold_seconds: Range | None = Field(default=None, description="hold on each spot / stretch")
    minutes_per_side: Range | None = None
    min_seconds_per_side: float | None = Field(default=None, gt=0, description="'at least' total")
    work_seconds: Range | None = Field(default=None, description="time per exercise in a circuit")
    rounds: Range | None = None
    sets: Range | None = None
    reps: Range | None = None
    cadence_increase_percent: Range | None = Field(default=None, description="step-rate change")
    per_side: bool
    frequency: Frequency
    source_ids: list[Id] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_amount(self) -> Dosage:
        amounts = (
            self.hold_seconds,
            self.minutes_per_side,
            self.min_seconds_per_side,
            self.work_seconds,
            self.reps,
            self.cadence_increase_percent,
        )
        if all(a is None for a in amounts):
            raise ValueError("a dosage needs at least one amount (time or repetitions)")
        return self


class Exercise(Sourced):
    """A corrective exercise with its dosage, cautions and place in the chain of variants."""

    name: str
    category: Category
    variant_of: Id | None = Field(default=None, description="main exercise this is a variant of")
    targets: list[str] = Field(min_length=1, description="tissues worked")
    joints: list[str] = Field(min_length=1)
    muscle_group_size: int = Field(ge=1, le=3, description="3 large, 1 small: larger first")
    equipment: list[str]
    steps: list[str] = Field(min_length=2)
    dosage: Dosage
    cautions: list[str] = Field(default_factory=list)
    regression: Id | None = None
    progression: Id | None = None
    addresses: list[Id] = Field(min_length=1, description="finding ids")

    @field_validator("steps")
    @classmethod
    def _steps_are_sentences(cls, steps: list[str]) -> list[str]:
        for step in steps:
            if len(step.split()) < 2:
                raise ValueError(f"step too short to follow: {step!r}")
        return steps


class Finding(Entry):
    """A named problem along the chain that the assessment can report and the program addresses."""

    name: str
    region: Literal["hip", "ankle", "knee", "pelvis", "trunk", "gait"]
    summary: str
    mechanism_ids: list[Id] = Field(min_length=1)
    detected_by: list[Id] = Field(min_length=1, description="test ids")
    addressed_by: list[Id] = Field(min_length=1, description="exercise ids")


class RedFlag(Sourced):
    """An answer that stops self-care and sends the person to a clinician."""

    question: str
    reason: str
    refer_to: str
    urgency: Literal["emergency", "same_day", "soon"]


class Mcid(BaseModel):
    """A minimal clinically important difference for an outcome score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    points: float = Field(gt=0)
    percent: float | None = Field(default=None, gt=0, le=100)
    population: str
    source_ids: list[Id] = Field(min_length=1)


class OutcomeOption(BaseModel):
    """One answer to a questionnaire item and the points it scores."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str
    points: float = Field(ge=0)


class OutcomeItem(BaseModel):
    """One questionnaire item: the question (in our own words) and its scored answers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: str
    options: list[OutcomeOption] = Field(min_length=2)

    @property
    def max_points(self) -> float:
        return max(o.points for o in self.options)


class Outcome(Sourced):
    """A patient-reported outcome score with its range and minimal important change.

    A questionnaire scored by adding item points lists its `items`; their best answers must add up
    to `max_score`.
    """

    name: str
    description: str
    min_score: float
    max_score: float
    higher_is_better: bool
    mcid: list[Mcid] = Field(min_length=1)
    items: list[OutcomeItem] = Field(default_factory=list)

    @model_validator(mode="after")
    def _items_add_up(self) -> Outcome:
        if not self.items:
            return self
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids must be unique")
        best = sum(item.max_points for item in self.items)
        worst = sum(min(o.points for o in item.options) for item in self.items)
        if (worst, best) != (self.min_score, self.max_score):
            raise ValueError(
                f"items score {worst:g}-{best:g}, but min_score-max_score is "
                f"{self.min_score:g}-{self.max_score:g}"
            )
        return self


class ClinicianType(Sourced):
    """A kind of professional to suggest when self-care is not enough or the cause is elsewhere."""

    name: str
    when: str
