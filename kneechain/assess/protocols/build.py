"""Turning per-repetition values into case measurements with quality, source and evidence.

A protocol finds its repetitions and reads values; `Collector.add` does the rest the same way
for every protocol: averages, the quality score, the `VideoSource` (clip hash, frame numbers,
view, tool) and the frame that best shows the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kneechain import __version__
from kneechain.assess.case import MEASURES, GaitActivity, Measurement, Side, VideoSource
from kneechain.assess.protocols import quality
from kneechain.assess.protocols.config import CommonParams, TestFacts
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.result import (
    EvidenceFrame,
    MeasurementDetail,
    ProtocolResult,
    Repetition,
)
from kneechain.assess.protocols.uncertainty import measurement_uncertainty
from kneechain.assess.protocols.views import ViewReport
from kneechain.vision.trajectories import Trajectories

DIGITS = {"deg": 1, "ratio": 3, "s": 1, "percent": 2, "steps/min": 1}


@dataclass(frozen=True)
class Reading:
    """One value read at one row of the trajectories."""

    value: float
    row: int


@dataclass
class Exclusion:
    """Rows in which the person is not doing the test (walking during a test done in one
    place, upright during a test done lying): no repetition is read there. `rejected` marks
    such a repetition, `warning` follows the count left out, `refusal` refuses a clip left
    with nothing."""

    rows: np.ndarray  # bool per trajectory row
    rejected: str
    warning: str
    refusal: str
    dropped: int = 0

    def covers(self, row: int) -> bool:
        return bool(self.rows[row])


@dataclass
class Collector:
    """Gathers measurements, details, repetitions and warnings for one protocol run; `facts`:
    the caller's knowledge base's facts of the test (its measures' units and ranges)."""

    traj: Trajectories
    test_id: str
    view: ViewReport
    common: CommonParams
    facts: TestFacts
    measurements: list[Measurement] = field(default_factory=list)
    details: list[MeasurementDetail] = field(default_factory=list)
    evidence: list[EvidenceFrame] = field(default_factory=list)
    repetitions: list[Repetition] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    extras: dict[str, float] = field(default_factory=dict)
    exclusions: tuple[Exclusion, ...] = ()  # rows where the person is not doing the test

    def frame(self, row: int) -> int:
        return int(self.traj.frame[row])

    def add_repetition(
        self,
        rows: tuple[int, int, int],
        values: dict[str, float],
        *,
        side: Side | None = None,
        rejected: str | None = None,
        digits: int = 2,
        index: int | None = None,
    ) -> None:
        """Record one repetition, hold or step from its (start, key, end) trajectory rows;
        numbered after those already recorded unless `index` is given."""
        start, key, end = rows
        if rejected is None:
            rejected = next((e.rejected for e in self.exclusions if e.covers(key)), None)
        self.repetitions.append(
            Repetition(
                index=index if index is not None else len(self.repetitions) + 1,
                side=side,
                start_frame=self.frame(start),
                key_frame=self.frame(key),
                end_frame=self.frame(end),
                values={m: round(v, digits) for m, v in values.items()},
                rejected=rejected,
            )
        )

    def source(self, rows: list[int]) -> VideoSource:
        meta = self.traj.meta
        pose = f"{meta.backend} {meta.backend_version}"
        tool = f"kneechain {__version__} {self.test_id} protocol; pose {pose}"
        return VideoSource(
            video_sha256=meta.source_sha256 or None,
            file_name=meta.source or None,
            frames=sorted({self.frame(r) for r in rows}),
            fps=round(meta.fps, 3),
            view=self.view.view,
            tool=tool,
        )

    def add(
        self,
        measure: str,
        side: Side | None,
        readings: list[Reading],
        joints: tuple[str, ...],
        target: int,
        tolerance: float,
        activity: GaitActivity | None = None,
    ) -> None:
        """Average `readings` into one measurement (skipped with a warning when none is usable
        or the average falls outside the measure's valid range)."""
        readings = [r for r in readings if np.isfinite(r.value)]
        label = f"{measure} ({side})" if side else measure
        for exclusion in self.exclusions:
            kept = [r for r in readings if not exclusion.covers(r.row)]
            if left_out := len(readings) - len(kept):
                exclusion.dropped += left_out
                self.warnings.append(f"{label}: {left_out} {exclusion.warning}")
                readings = kept
        if not readings:
            self.warnings.append(f"{label}: no usable repetition, so no value.")
            return
        spec = self.facts.measures[measure]
        value = round(float(np.mean([r.value for r in readings])), DIGITS.get(spec.unit, 2))
        if not spec.valid_min <= value <= spec.valid_max:
            self.warnings.append(
                f"{label}: {value} {spec.unit} is outside the plausible range "
                f"{spec.valid_min} to {spec.valid_max}; not reported."
            )
            return
        rows = [r.row for r in readings]
        spread = quality_spread([r.value for r in readings])
        vis = quality.visibility_score(self.traj, joints, rows, self.common.quality)
        qp = quality.parts(vis, self.view.score, spread, tolerance, len(readings), target)
        plus_minus = measurement_uncertainty(
            spec.unit,
            value,
            vis,
            self.view.turn_deg,
            self.view.sigma_deg,
            spread,
            len(readings),
            tolerance,
        )
        self.measurements.append(
            Measurement.model_validate(
                {
                    "measure": measure,
                    "value": value,
                    "side": side,
                    "provenance": "video",
                    "quality": qp.score,
                    "repetitions": len(readings),
                    "uncertainty": round(plus_minus, DIGITS.get(spec.unit, 2)),
                    "activity": activity,
                    "source": self.source(rows),
                },
                context={MEASURES: self.facts.measures},  # the caller's knowledge base
            )
        )
        self.details.append(
            MeasurementDetail(
                measure=measure, side=side, quality=qp, spread=spread, count=len(readings)
            )
        )
        best = min(readings, key=lambda r: abs(r.value - value))
        self.evidence.append(
            EvidenceFrame(
                measure=measure,
                side=side,
                frame=self.frame(best.row),
                row=best.row,
                value=round(best.value, 2),
                joints=joints,
            )
        )

    def result(self) -> ProtocolResult:
        """The protocol's result; a clip whose every reading fell where the person was not
        doing the test (an `Exclusion`) is refused with that exclusion's words."""
        dropped = [e for e in self.exclusions if e.dropped]
        if not self.measurements and dropped:
            raise ProtocolError(max(dropped, key=lambda e: e.dropped).refusal, self.facts.advice)
        view = {"view_turn_deg": self.view.turn_deg, "view_turn_sd_deg": self.view.sigma_deg}
        if np.isfinite(self.view.bearing_deg):
            view["camera_bearing_deg"] = self.view.bearing_deg
        self.extras.update({k: round(float(v), 1) for k, v in view.items() if np.isfinite(v)})
        return ProtocolResult(
            test_id=self.test_id,
            view=self.view.view,
            measurements=self.measurements,
            details=self.details,
            repetitions=self.repetitions,
            evidence=self.evidence,
            warnings=self.warnings,
            extras=self.extras,
        )


def quality_spread(values: list[float]) -> float | None:
    """Between-repetition standard deviation, rounded (None below two values)."""
    finite = [v for v in values if np.isfinite(v)]
    if len(finite) < 2:
        return None
    return round(float(np.std(finite, ddof=1)), 3)
