"""Protocol parameters: the validated contents of ``data/protocols.yaml``, joined with what
the knowledge base in use says of each filmable test (`with_knowledge`).

Every threshold a protocol uses (filter cut-off, minimum repetitions, view and quality limits)
is read from that file, so tuning a protocol never means editing code. What the protocols
quote from the knowledge base (a test's filming advice, a measure's name, unit and plausible
range) travels with the parameters (`ProtocolConfig.tests`), so that a protocol run in a job
worker uses the caller's knowledge base, not the packaged one.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

from pydantic import Field, model_validator

from kneechain.assess.protocols.errors import ProtocolError, filming_advice
from kneechain.base import Frozen
from kneechain.knowledge.loader import KnowledgeBase, default_knowledge, parse_document
from kneechain.knowledge.models import Test, Unit
from kneechain.vision.subject import Subject

NYQUIST_MARGIN = 2.5  # a pose rate at least this many times the cleaning cut-off

ExpectedView = Literal["front", "side", "feet_end"]


class ViewParams(Frozen):
    nominal_width_ratio: float = Field(gt=0, le=2)
    square_within_deg: float = Field(gt=0, lt=90)
    reject_beyond_deg: float = Field(gt=0, le=90)
    feet_end_max_leg_ratio: float = Field(gt=0)


class QualityParams(Frozen):
    visibility_floor: float = Field(ge=0, lt=1)
    visibility_full: float = Field(gt=0, le=1)


class InPlaceParams(Frozen):
    """When a test done in one place reads a repetition while the person walks (see
    `base.travel_speed`)."""

    max_speed_legs_per_s: float = Field(
        gt=0, description="hips' travel speed above which a repetition is not read"
    )
    cutoff_hz: float = Field(gt=0, description="low-pass of the hips' path before its speed")


class CommonParams(Frozen):
    min_confidence: float = Field(ge=0, le=1)
    min_in_frame_fraction: float = Field(gt=0, le=1)
    smoothing_hz: float = Field(gt=0)
    view: ViewParams
    quality: QualityParams
    in_place: InPlaceParams


class ProtocolBase(Frozen):
    view: ExpectedView
    max_turn_deg: float | None = Field(
        default=None,
        gt=0,
        le=90,
        description="farthest the camera may stand from the needed view (default: common)",
    )
    spread_tolerance_deg: float = Field(default=5.0, gt=0)
    ratio_tolerance: float = Field(default=0.1, gt=0, description="same, for ratios")
    cutoff_hz: float = Field(
        default=6.0, gt=0, description="low-pass cut-off used when cleaning the pose"
    )
    subject: Subject = Field(
        default="any", description="what the tested person does, to tell them from others"
    )
    pose_rate_hz: float | None = Field(
        default=None,
        gt=0,
        description="frames per second the protocol needs posed (None: every frame)",
    )

    @model_validator(mode="after")
    def _rate_above_filter(self) -> ProtocolBase:
        if self.pose_rate_hz is not None and self.pose_rate_hz < NYQUIST_MARGIN * self.cutoff_hz:
            raise ValueError(
                f"pose_rate_hz {self.pose_rate_hz} is below {NYQUIST_MARGIN} x cutoff_hz "
                f"{self.cutoff_hz}: the cleaning filter needs more frames per second"
            )
        return self


class HoldParams(ProtocolBase):
    """Protocols that measure an end position held several times (hip rotation tests)."""

    min_reps: int = Field(ge=1)
    min_excursion_deg: float = Field(gt=0)
    plateau_deg: float = Field(ge=0)


class SeatedParams(HoldParams):
    max_thigh_shift: float = Field(gt=0)
    max_pelvic_tilt_deg: float = Field(gt=0)
    max_thigh_to_shank: float = Field(
        gt=0, description="thigh over shank length in the picture above which one is not seated"
    )


class ThomasParams(ProtocolBase):
    min_hold_s: float = Field(gt=0)
    still_deg_per_s: float = Field(gt=0)
    still_cutoff_hz: float = Field(gt=0)


class KneeToWallParams(HoldParams):
    """The deepest lunge is a held end position too, counted only with the heel down."""

    heel_lift_fraction: float = Field(gt=0)
    front_foot_share: float = Field(
        gt=0.5, le=1, description="share of a lunge's frames the test foot must lead in"
    )


class SquatParams(ProtocolBase):
    min_reps: int = Field(ge=1)
    min_drop: float = Field(gt=0)
    foot_lift: float = Field(gt=0, description="one ankle above the other: one-leg stance")


class SingleLegSquatParams(SquatParams):
    pass


class BalanceParams(ProtocolBase):
    foot_lift: float = Field(gt=0)
    min_stance_s: float = Field(gt=0)
    bridge_s: float = Field(ge=0)
    cap_s: float = Field(gt=0)
    grab_reach: float = Field(gt=0)
    sway_hz: float = Field(gt=0)
    settle_s: float = Field(ge=0)
    trials: int = Field(ge=1)


class GaitParams(ProtocolBase):
    min_steps: int = Field(ge=1)
    min_event_interval_s: float = Field(gt=0)
    event_prominence: float = Field(gt=0)
    running_duty_factor: float = Field(gt=0, lt=1)
    frontal_foot_margin: float = Field(gt=0)
    cadence_tolerance: float = Field(gt=0)
    min_stance_s: float = Field(gt=0)


class ProtocolsParams(Frozen):
    lying_leg_turn: HoldParams
    seated_hip_rotation: SeatedParams
    thomas_test: ThomasParams
    knee_to_wall: KneeToWallParams
    double_leg_squat: SquatParams
    single_leg_squat: SingleLegSquatParams
    single_leg_balance: BalanceParams
    gait: GaitParams


class MeasureFacts(Frozen):
    """What a protocol needs of a measure from the knowledge base."""

    name: str
    unit: Unit
    per_side: bool
    valid_min: float
    valid_max: float


class TestFacts(Frozen):
    """What a protocol needs of its test from the knowledge base: the filming advice its
    errors give and its measures, by id."""

    advice: str
    measures: dict[str, MeasureFacts]


class ProtocolConfig(Frozen):
    common: CommonParams
    protocols: ProtocolsParams
    tests: dict[str, TestFacts] = Field(
        default_factory=dict,
        description="the knowledge base's facts of each filmable test, by test id (joined by "
        "`with_knowledge`, never written in protocols.yaml)",
    )

    def test(self, test_id: str) -> TestFacts:
        """The knowledge base's facts of `test_id`; a clear error when it has none."""
        try:
            return self.tests[test_id]
        except KeyError:
            raise ProtocolError(
                f"The knowledge base in use has no test {test_id!r}, so it cannot be measured "
                "from video.",
                "Use a knowledge base that defines it.",
            ) from None


def facts_of(test: Test) -> TestFacts:
    """The facts a protocol needs of a knowledge-base test."""
    return TestFacts(
        advice=filming_advice(test),
        measures={
            m.id: MeasureFacts(
                name=m.name,
                unit=m.unit,
                per_side=m.per_side,
                valid_min=m.valid_min,
                valid_max=m.valid_max,
            )
            for m in test.measures
        },
    )


def with_knowledge(config: ProtocolConfig, kb: KnowledgeBase) -> ProtocolConfig:
    """`config` with the facts `kb` gives of each test that has a protocol (a test `kb` does
    not define has none: measuring it then says so)."""
    tests = {t: facts_of(kb.tests[t]) for t in type(config.protocols).model_fields if t in kb.tests}
    return config.model_copy(update={"tests": tests})


@cache
def default_config() -> ProtocolConfig:
    """The packaged parameters (read once), with the packaged knowledge base's facts."""
    text = resources.files("kneechain.assess.protocols").joinpath("data/protocols.yaml")
    params = parse_document(ProtocolConfig, text.read_text(encoding="utf-8"), "protocols.yaml")
    return with_knowledge(params, default_knowledge())
