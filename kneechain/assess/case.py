"""The assessment case: everything a person answers and everything measured, as one versioned model.

`kneechain schema case` prints the JSON Schema of `Case`. Every field is optional: missing data
lowers the confidence of a finding, it never crashes the engine. Values outside the range a field
allows, ids the knowledge base does not know, and answers that contradict each other are rejected
with a message naming the field and the allowed range.

Measurements are keyed by the knowledge base's measure ids (see `tests.yaml`, each test's
`measures`); their allowed ranges (`valid_min`/`valid_max`) come from there too. The video
protocols fill the same `Measurement` records with `provenance: video`, a `quality` and the clip
that produced them.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kneechain.base import Frozen
from kneechain.knowledge.loader import KnowledgeBase, default_knowledge
from kneechain.knowledge.models import Measure, Test
from kneechain.knowledge.render import number

#: Bump when a change to the case format is not backward compatible.
CASE_VERSION = "1.0"

Side = Literal["left", "right"]
KneeSide = Literal["left", "right", "both"]
Provenance = Literal["manual", "video", "clinician"]
Sex = Literal["female", "male", "other"]
ActivityKind = Literal[
    "running",
    "cycling",
    "walking",
    "weight_lifting",
    "team_sport",
    "racket_sport",
    "hiking",
    "swimming",
    "yoga",
    "other",
]
PainLocation = Literal[
    "front", "around_kneecap", "behind_kneecap", "inside", "outside", "back", "whole_knee"
]
GaitActivity = Literal["walking", "running"]


def _is_number(annotation: Any) -> bool:
    """True for `float`, `int` and their optional forms (`float | None`), never for `bool`."""
    if get_origin(annotation) in (Union, types.UnionType):
        parts = get_args(annotation)
        return bool not in parts and any(_is_number(a) for a in parts)
    return annotation in (int, float)


class Strict(Frozen):
    """Base of every case model: immutable and unknown fields rejected (typos fail loudly).

    A number field refuses yes/no (JSON `true`/`false`): pydantic would read `true` as 1."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_yes_no_for_numbers(cls, value: Any, info: Any) -> Any:
        field_info = cls.model_fields.get(info.field_name) if info.field_name else None
        if isinstance(value, bool) and field_info and _is_number(field_info.annotation):
            raise ValueError(f"should be a number, not {str(value).lower()}")
        return value


class Activity(Strict):
    """One regular sport or exercise, with its weekly volume."""

    kind: ActivityKind
    hours_per_week: float | None = Field(default=None, ge=0, le=60)
    includes_mobility_work: bool | None = Field(
        default=None, description="hip and ankle mobility (stretching, rolling) done as part of it"
    )
    includes_hip_strength_work: bool | None = Field(
        default=None, description="hip rotation, side-to-side or glute strength work done with it"
    )


class Person(Strict):
    """Who the person is and how they live: the background that makes a finding more likely."""

    age: int | None = Field(default=None, ge=10, le=110, description="years")
    sex: Sex | None = Field(default=None, description="picks sex-specific norms where they exist")
    activities: list[Activity] = Field(default_factory=list)
    sitting_hours_per_day: float | None = Field(default=None, ge=0, le=24)
    high_heels_days_per_week: int | None = Field(default=None, ge=0, le=7)
    tight_calves: bool | None = Field(default=None, description="calves feel tight (self-report)")
    previous_ankle_injury: list[Side] = Field(
        default_factory=list, description="sides with a past ankle sprain or fracture"
    )
    previous_knee_injury: list[Side] = Field(
        default_factory=list, description="sides with a past knee injury"
    )

    @field_validator("previous_ankle_injury", "previous_knee_injury")
    @classmethod
    def _unique_sides(cls, sides: list[Side]) -> list[Side]:
        if len(set(sides)) != len(sides):
            raise ValueError("list each side at most once (allowed: 'left', 'right')")
        return sides


class Complaint(Strict):
    """The knee complaint: where, since when, and how much it hurts (NPRS, 0-10)."""

    side: KneeSide | None = None
    locations: list[PainLocation] = Field(default_factory=list)
    duration_weeks: float | None = Field(default=None, ge=0, le=5200)
    started_with_injury: bool | None = Field(
        default=None, description="the pain began with a fall, twist or blow"
    )
    nprs_now: float | None = Field(default=None, ge=0, le=10, description="pain now, 0-10")
    nprs_worst: float | None = Field(default=None, ge=0, le=10, description="worst pain, 0-10")
    nprs_activity: float | None = Field(
        default=None, ge=0, le=10, description="pain during the activity that hurts most, 0-10"
    )

    @model_validator(mode="after")
    def _worst_is_worst(self) -> Complaint:
        worst = self.nprs_worst
        if worst is None:
            return self
        for name in ("nprs_now", "nprs_activity"):
            value = getattr(self, name)
            if value is not None and value > worst:
                raise ValueError(
                    f"{name} ({number(value)}) cannot be above nprs_worst ({number(worst)}); "
                    "the worst pain must be at least as high as any other rating"
                )
        return self


class VideoSource(Strict):
    """The clip a video measurement came from, so a result says how it was made."""

    video_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    file_name: str | None = None
    frames: list[int] = Field(default_factory=list, description="frame indices used")
    fps: float | None = Field(default=None, gt=0, le=1000)
    view: str | None = Field(default=None, description="camera view, e.g. front, side")
    tool: str | None = Field(default=None, description="name and version of the measuring tool")


def _measure_ids_in_schema(schema: dict[str, Any]) -> None:
    """List the knowledge base's measure ids in the JSON Schema, so the schema documents them."""
    schema["properties"]["measure"]["enum"] = sorted(measure_index())


def _answer_ids_in_schema(schema: dict[str, Any]) -> None:
    """List the red-flag, sign and Kujala ids the answers may use, from the knowledge base."""
    kb = default_knowledge()
    props = schema["properties"]
    props["red_flags"]["propertyNames"] = {"enum": list(kb.red_flags)}
    props["signs"]["propertyNames"] = {"enum": list(kb.signs)}


def _kujala_in_schema(schema: dict[str, Any]) -> None:
    """Spell out each Kujala item and its allowed answers in the JSON Schema."""
    items = default_knowledge().outcomes["kujala"].items
    schema["properties"]["kujala"]["anyOf"][0] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            item.id: {"enum": [o.id for o in item.options], "description": item.question}
            for item in items
        },
    }


class Measurement(Strict):
    """One measured value of one measure (a knowledge-base measure id) on one side."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_measure_ids_in_schema)

    measure: str = Field(description="measure id from the knowledge base, e.g. hip_ir_supine")
    value: float
    side: Side | None = Field(default=None, description="required for per-side measures")
    provenance: Provenance = "manual"
    quality: float | None = Field(
        default=None, ge=0, le=1, description="0-1 confidence of an automatic measurement"
    )
    repetitions: int | None = Field(
        default=None, ge=1, le=1000, description="reps or steps averaged"
    )
    uncertainty: float | None = Field(
        default=None,
        ge=0,
        description="one-sigma +- of an automatic measurement, in the measure's unit "
        "(degrees for angles); a finding needs the value beyond its threshold by more",
    )
    activity: GaitActivity | None = Field(
        default=None, description="for gait measures: filmed walking or running"
    )
    source: VideoSource | None = None
    note: str | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _checked_once(
        cls, data: Any, handler: ModelWrapValidatorHandler[Measurement], info: ValidationInfo
    ) -> Measurement:
        """A measurement is checked against the knowledge base when it is made from data;
        one already made (nested in a case or a result) was checked then, against the
        knowledge base of its maker, and is kept as it is."""
        if isinstance(data, Measurement):
            return data
        made = handler(data)
        context = info.context if isinstance(info.context, dict) else {}
        return made._known_and_in_range(context.get(MEASURES) or measure_index())

    def _known_and_in_range(self, measures: Mapping[str, Any]) -> Measurement:
        spec = measures.get(self.measure)
        if spec is None:
            raise ValueError(
                f"unknown measure {self.measure!r}; choose one of: {', '.join(sorted(measures))}"
            )
        if not spec.valid_min <= self.value <= spec.valid_max:
            raise ValueError(
                f"{self.measure} value {number(self.value)} is outside the allowed range "
                f"{number(spec.valid_min)} to {number(spec.valid_max)} {spec.unit}"
            )
        if spec.per_side and self.side is None:
            raise ValueError(f"{self.measure} is measured per side: give side 'left' or 'right'")
        if not spec.per_side and self.side is not None:
            raise ValueError(f"{self.measure} is one value for both legs: leave side out")
        return self


class Outcomes(Strict):
    """Outcome questionnaires. Kujala: item id -> chosen option id (items in outcomes.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_kujala_in_schema)

    kujala: dict[str, str] | None = None

    @field_validator("kujala")
    @classmethod
    def _kujala_known(cls, answers: dict[str, str] | None) -> dict[str, str] | None:
        if answers is None:
            return None
        items = {item.id: item for item in default_knowledge().outcomes["kujala"].items}
        for item_id, option_id in answers.items():
            item = items.get(item_id)
            if item is None:
                raise ValueError(f"unknown Kujala item {item_id!r}; items are: {', '.join(items)}")
            options = [o.id for o in item.options]
            if option_id not in options:
                raise ValueError(
                    f"Kujala item {item_id!r}: unknown answer {option_id!r}; "
                    f"choose one of: {', '.join(options)}"
                )
        return answers


class Case(Strict):
    """One assessment of one person at one time."""

    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_extra=_answer_ids_in_schema)

    case_version: str = Field(default=CASE_VERSION, description="format version of this file")
    assessed_on: date | None = None
    person: Person = Field(default_factory=Person)
    complaint: Complaint = Field(default_factory=Complaint)
    red_flags: dict[str, bool] = Field(
        default_factory=dict, description="red-flag id -> answer (ids from red_flags.yaml)"
    )
    signs: dict[str, bool] = Field(
        default_factory=dict, description="sign id -> answer (the five signs, signs.yaml)"
    )
    outcomes: Outcomes = Field(default_factory=Outcomes)
    measurements: list[Measurement] = Field(default_factory=list)
    notes: str | None = None

    @field_validator("case_version")
    @classmethod
    def _supported_version(cls, version: str) -> str:
        if version.split(".")[0] != CASE_VERSION.split(".")[0]:
            raise ValueError(
                f"case_version {version!r} is not supported; this kneechain reads {CASE_VERSION}"
            )
        return version

    @field_validator("red_flags")
    @classmethod
    def _known_red_flags(cls, answers: dict[str, bool]) -> dict[str, bool]:
        return _known_ids(answers, set(default_knowledge().red_flags), "red flag")

    @field_validator("signs")
    @classmethod
    def _known_signs(cls, answers: dict[str, bool]) -> dict[str, bool]:
        return _known_ids(answers, set(default_knowledge().signs), "sign")


def _known_ids(answers: dict[str, bool], known: set[str], what: str) -> dict[str, bool]:
    for key in answers:
        if key not in known:
            raise ValueError(f"unknown {what} {key!r}; choose from: {', '.join(sorted(known))}")
    return answers


#: the validation context's key of the measures a `Measurement` is checked against (id ->
#: anything with valid_min, valid_max, unit, per_side): `Measurement.model_validate(data,
#: context={MEASURES: measures_in(kb)})`, also through a `Case` or a `ProtocolResult` holding
#: it. Without it (and with the plain constructor) the packaged knowledge base's.
MEASURES = "measures"


def measures_in(kb: KnowledgeBase) -> dict[str, Measure]:
    """Every measure of every test in `kb`, by measure id."""
    return {m.id: m for t in kb.tests.values() for m in t.measures}


def test_of_measure(kb: KnowledgeBase, measure_id: str) -> Test:
    """The test of `kb` that yields a measure."""
    for test in kb.tests.values():
        if any(m.id == measure_id for m in test.measures):
            return test
    raise KeyError(measure_id)


def measure_index() -> dict[str, Measure]:
    """Every measure of the packaged knowledge base, by measure id (what a case is validated
    against; library code given a knowledge base uses `measures_in`)."""
    return measures_in(default_knowledge())


def measure_test(measure_id: str) -> Test:
    """The packaged test that yields a measure (library code uses `test_of_measure`)."""
    return test_of_measure(default_knowledge(), measure_id)
