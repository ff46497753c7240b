"""What a protocol returns: case `Measurement` records plus the detail that explains them.

The measurements are ready to merge into a `Case` (provenance ``video``, the clip's SHA-256,
the frame numbers used, a 0-1 quality). The rest (repetitions, quality parts, evidence frames,
warnings) is there so a person can check every number against the picture it came from.
"""

from __future__ import annotations

from pydantic import Field

from kneechain.assess.case import Measurement, Side
from kneechain.base import Frozen


class QualityParts(Frozen):
    """The four parts of a measurement's quality score, each 0-1; `score` is their product."""

    visibility: float = Field(ge=0, le=1, description="how confidently the joints were seen")
    view: float = Field(ge=0, le=1, description="how square the camera was to the movement")
    stability: float = Field(ge=0, le=1, description="agreement between repetitions or steps")
    repetitions: float = Field(ge=0, le=1, description="usable repetitions against the target")

    @property
    def score(self) -> float:
        return round(self.visibility * self.view * self.stability * self.repetitions, 3)


class Repetition(Frozen):
    """One repetition, hold or step: where it was and what it measured."""

    index: int = Field(ge=1)
    side: Side | None = None
    start_frame: int
    key_frame: int = Field(description="frame the values were read from")
    end_frame: int
    values: dict[str, float] = Field(default_factory=dict, description="measure id -> value")
    rejected: str | None = Field(default=None, description="why this repetition was not used")


class EvidenceFrame(Frozen):
    """A frame worth a picture: the measure it proves and the joints that draw the angle."""

    measure: str
    side: Side | None = None
    frame: int
    row: int = Field(ge=0, description="row of the trajectories the frame belongs to")
    value: float
    joints: tuple[str, ...] = Field(description="keypoints drawn as the measured angle")


class MeasurementDetail(Frozen):
    """The quality parts and between-repetition spread behind one measurement."""

    measure: str
    side: Side | None = None
    quality: QualityParts
    spread: float | None = Field(default=None, description="standard deviation over reps")
    count: int = Field(ge=0)


class ProtocolResult(Frozen):
    """Everything one protocol made of one clip."""

    test_id: str
    view: str = Field(description="view found in the clip")
    measurements: list[Measurement]
    details: list[MeasurementDetail] = Field(default_factory=list)
    repetitions: list[Repetition] = Field(default_factory=list)
    evidence: list[EvidenceFrame] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    extras: dict[str, float] = Field(
        default_factory=dict, description="figures that are not case measures (e.g. asymmetry)"
    )
