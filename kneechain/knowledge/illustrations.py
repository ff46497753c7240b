"""Schema of illustrations.yaml: stick-figure scenes posed by joint angles, per exercise and test.

A scene has one or more figures, each given a start pose and optionally an end pose. A pose is a
set of joint angles (degrees) applied to a simple articulated body whose proportions are data too
(`body` in the file). Props (ball, roller, bench, wall, chair, block...) and arrows are placed in
scene units (body height = 1) or attached to a landmark of a posed figure. The renderer lives in
`kneechain.report.figures`; this module only validates the data.

Angle conventions (see `kneechain.report.figures.body` for the maths):
- `trunk`: direction from pelvis to shoulders, degrees counter-clockwise from the +x axis
  (90 = upright, 180 = lying with the head to the left).
- `hip`, `shoulder`: flexion from the line of the trunk (0 = hanging straight along the body).
- `knee`: flexion (0 = straight), `elbow`: flexion, `ankle`: dorsiflexion (0 = foot square to shin).
- In the front view a positive hip angle moves the leg away from the midline on both sides.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kneechain.errors import MessageError
from kneechain.knowledge.loader import KnowledgeError, parse_document

ILLUSTRATIONS_FILE = Path(__file__).parent / "data" / "illustrations.yaml"

Limb = Literal["near", "far"]
JOINTS = (
    "hip_near",
    "knee_near",
    "ankle_near",
    "hip_far",
    "knee_far",
    "ankle_far",
    "shoulder_near",
    "elbow_near",
    "shoulder_far",
    "elbow_far",
    "neck",
)
SEGMENTS = (
    "thigh_near",
    "shin_near",
    "foot_near",
    "thigh_far",
    "shin_far",
    "foot_far",
    "upper_arm_near",
    "forearm_near",
    "upper_arm_far",
    "forearm_far",
    "trunk",
)
LANDMARKS = (
    "pelvis",
    "shoulder",
    "head",
    "hip_near",
    "knee_near",
    "ankle_near",
    "heel_near",
    "toe_near",
    "hip_far",
    "knee_far",
    "ankle_far",
    "heel_far",
    "toe_far",
    "shoulder_near",
    "elbow_near",
    "hand_near",
    "shoulder_far",
    "elbow_far",
    "hand_far",
)
PropKind = Literal[
    "ball",
    "roller",
    "bench",
    "table",
    "wall",
    "chair",
    "block",
    "step",
    "mat",
    "cushion",
    "couch",
    "metronome",
    "tape",
    "phone",
]


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Body(Strict):
    """Segment lengths as fractions of body height (standard anthropometric proportions)."""

    trunk: float = Field(gt=0)
    neck: float = Field(gt=0)
    head_radius: float = Field(gt=0)
    upper_arm: float = Field(gt=0)
    forearm: float = Field(gt=0)
    thigh: float = Field(gt=0)
    shin: float = Field(gt=0)
    foot: float = Field(gt=0)
    heel: float = Field(gt=0)
    hip_half_width: float = Field(gt=0)
    shoulder_half_width: float = Field(gt=0)


class Anchor(Strict):
    """Place a figure so that one of its landmarks sits at a scene point."""

    point: str
    at: tuple[float, float]

    @model_validator(mode="after")
    def _known(self) -> Anchor:
        if self.point not in LANDMARKS:
            raise ValueError(f"unknown landmark {self.point!r}; choose from {', '.join(LANDMARKS)}")
        return self


class Pose(Strict):
    """Joint angles for one moment. Joints left out keep the neutral standing angle (0)."""

    anchor: Anchor
    trunk: float = 90.0
    joints: dict[str, float] = Field(default_factory=dict)
    scale: dict[str, float] = Field(
        default_factory=dict, description="segment -> length factor, to show foreshortening"
    )

    @model_validator(mode="after")
    def _names(self) -> Pose:
        for name, value in self.joints.items():
            if name not in JOINTS:
                raise ValueError(f"unknown joint {name!r}; choose from {', '.join(JOINTS)}")
            if not -360 <= value <= 360:
                raise ValueError(f"joint {name}: angle {value} is outside -360..360 degrees")
        for name, factor in self.scale.items():
            if name not in SEGMENTS:
                raise ValueError(f"unknown segment {name!r}; choose from {', '.join(SEGMENTS)}")
            if not 0 <= factor <= 2:
                raise ValueError(f"segment {name}: scale {factor} is outside 0..2")
        return self


class Figure(Strict):
    """One person in the scene, seen from the side or the front, in a start and an end pose."""

    id: str = "body"
    view: Literal["side", "front"] = "side"
    facing: Literal["right", "left"] = "right"
    start: Pose
    end: Pose | None = None
    highlight: list[str] = Field(default_factory=list, description="segments where it is felt")

    @model_validator(mode="after")
    def _segments(self) -> Figure:
        for name in self.highlight:
            if name not in SEGMENTS:
                raise ValueError(f"unknown segment {name!r} in highlight")
        return self


class Place(Strict):
    """A scene point: absolute (`at`), or a landmark of a figure in its start or end pose."""

    at: tuple[float, float] | None = None
    point: str | None = None
    figure: str = "body"
    pose: Literal["start", "end"] = "start"
    dx: float = 0.0
    dy: float = 0.0

    @model_validator(mode="after")
    def _one_way(self) -> Place:
        if (self.at is None) == (self.point is None):
            raise ValueError("give either `at` (scene point) or `point` (a landmark)")
        if self.point is not None and self.point not in LANDMARKS:
            raise ValueError(f"unknown landmark {self.point!r}; choose from {', '.join(LANDMARKS)}")
        return self


class Prop(Strict):
    """Equipment drawn in the scene; `place` is its bottom-centre, or centre for a ball/roller."""

    kind: PropKind
    place: Place
    width: float | None = Field(default=None, gt=0)
    height: float | None = Field(default=None, gt=0)
    radius: float | None = Field(default=None, gt=0)
    flip: bool = False


class Arrow(Strict):
    """The movement: a curved arrow between two places; `both` for a back-and-forth motion."""

    start: Place
    end: Place
    bend: float = Field(default=0.0, ge=-1, le=1, description="bulge as a fraction of length")
    both: bool = False


class Illustration(Strict):
    """The picture of one exercise or one test."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["exercise", "test"]
    figures: list[Figure] = Field(min_length=1)
    props: list[Prop] = Field(default_factory=list)
    arrows: list[Arrow] = Field(default_factory=list)
    floor: bool = True

    @model_validator(mode="after")
    def _figure_ids(self) -> Illustration:
        ids = [f.id for f in self.figures]
        if len(set(ids)) != len(ids):
            raise ValueError("figure ids must be unique within an illustration")
        places = [p.place for p in self.props] + [p for a in self.arrows for p in (a.start, a.end)]
        for place in places:
            if place.point is not None and place.figure not in ids:
                raise ValueError(f"place names unknown figure {place.figure!r}")
        return self


class Style(Strict):
    """Colours and line widths of the drawings (scene units for widths)."""

    near: str
    far: str
    ghost: str
    highlight: str
    arrow: str
    prop: str
    prop_fill: str
    ball: str
    roller: str
    floor: str
    limb_width: float = Field(gt=0)
    trunk_width: float = Field(gt=0)
    pixels_per_unit: float = Field(gt=0)


class IllustrationSet(Strict):
    """The whole file: body proportions, drawing style and every scene."""

    body: Body
    style: Style
    illustrations: list[Illustration]

    @model_validator(mode="after")
    def _unique(self) -> IllustrationSet:
        seen: set[str] = set()
        for item in self.illustrations:
            if item.id in seen:
                raise ValueError(f"duplicate illustration id {item.id!r}")
            seen.add(item.id)
        return self

    def get(self, illustration_id: str) -> Illustration:
        """The illustration with this id; KeyError naming the known ids when there is none."""
        for item in self.illustrations:
            if item.id == illustration_id:
                return item
        raise KeyError(f"no illustration {illustration_id!r}")


class IllustrationError(MessageError, ValueError):
    """illustrations.yaml is malformed."""

    default_code = "illustrations.invalid"


def parse_illustrations(text: str, name: str = "illustrations.yaml") -> IllustrationSet:
    """Validate the YAML text of an illustration file; errors name the field that is wrong."""
    try:
        return parse_document(IllustrationSet, text, name)
    except KnowledgeError as exc:
        raise IllustrationError(str(exc)) from exc


@cache
def default_illustrations() -> IllustrationSet:
    """The packaged illustrations, loaded once per process."""
    return parse_illustrations(ILLUSTRATIONS_FILE.read_text(encoding="utf-8"))
