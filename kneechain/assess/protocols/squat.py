"""Double-leg squat, front view: per repetition the depth, each knee's frontal plane
projection angle at the deepest point and the knee-to-ankle separation ratio.

Repetitions are the dips of the pelvis centre (image y grows downwards, so a squat is a peak
of the hip height signal) deeper than `min_drop` leg lengths. Depth is knee flexion estimated
from how foreshortened thigh and shank look (`base.foreshortened_flexion`).
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import base, signals
from kneechain.assess.protocols.build import Exclusion, Reading
from kneechain.assess.protocols.config import ProtocolConfig, SquatParams
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.assess.protocols.single_leg_squat import stance_side
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

TEST_ID = "double_leg_squat"
NEEDED = base.legs("shoulder", "hip", "knee", "ankle")


def knee_ankle_ratio(traj: Trajectories) -> np.ndarray:
    """Distance between the knees divided by the distance between the ankles, per frame."""
    knees = k.segment_length(traj.xy("left_knee"), traj.xy("right_knee"))
    ankles = k.segment_length(traj.xy("left_ankle"), traj.xy("right_ankle"))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ankles > 1e-9, knees / ankles, np.nan)


def analyse(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a double-leg squat clip (see the module docstring)."""
    col, params, cfg = base.start(traj, TEST_ID, NEEDED, config)
    assert isinstance(params, SquatParams)
    leg = base.leg_length(traj)
    col.exclusions += (
        Exclusion(
            stance_side(traj, params.foot_lift * leg) != "",
            "one foot was off the floor",
            "squat(s) on one leg were left out; this test is done with both feet down.",
            "One foot is off the floor in every squat of this clip, so no double-leg squat was "
            "measured: keep both feet flat on the floor (a squat on one leg is the single-leg "
            "squat test).",
        ),
    )
    drop = signals.smooth(base.mid_hip(traj)[:, 1], traj.time, cfg.common.smoothing_hz)
    reps = signals.repetitions(drop, traj.time, params.min_drop * leg, min_interval_s=0.8)
    base.require(
        bool(reps),
        f"No squat was found: the hips never dropped by {params.min_drop:.0%} of the leg length.",
        col.facts.advice,
    )
    sides = (side,) if side else base.SIDES
    depth = {s: base.foreshortened_flexion(traj, s) for s in base.SIDES}
    angle = {s: base.fppa(traj, s) for s in base.SIDES}
    ratio = knee_ankle_ratio(traj)
    for i, rep in enumerate(reps, start=1):
        values = {f"squat_fppa_{s}": float(angle[s][rep.peak]) for s in base.SIDES}
        values |= {f"squat_depth_{s}": float(depth[s][rep.peak]) for s in base.SIDES}
        values["squat_knee_ankle_ratio"] = float(ratio[rep.peak])
        col.add_repetition((rep.start, rep.peak, rep.end), values, index=i)
    rows = [r.peak for r in reps]
    tol, target = params.spread_tolerance_deg, params.min_reps
    for s in sides:
        joints = (f"{s}_hip", f"{s}_knee", f"{s}_ankle")
        col.add("squat_fppa", s, [Reading(angle[s][r], r) for r in rows], joints, target, tol)
        col.add("squat_depth", s, [Reading(depth[s][r], r) for r in rows], joints, target, tol)
    col.add(
        "squat_knee_ankle_ratio",
        None,
        [Reading(ratio[r], r) for r in rows],
        ("left_knee", "right_knee", "left_ankle", "right_ankle"),
        target,
        params.ratio_tolerance,
    )
    asym = np.nanmean([angle["left"][r] - angle["right"][r] for r in rows])
    if np.isfinite(asym):
        col.extras["fppa_left_minus_right_deg"] = round(float(asym), 1)
    if len(reps) < params.min_reps:
        col.warnings.append(
            f"Only {len(reps)} squat(s) found; do at least {params.min_reps} for a steadier result."
        )
    return col.result()
