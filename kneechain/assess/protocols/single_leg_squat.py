"""Single-leg squat or step-down, front view: per repetition and standing side, the frontal
plane projection angle of the standing knee at its deepest point, contralateral pelvic drop,
trunk lean toward the standing leg and depth.

The standing leg is the one whose ankle is lower in the image (the other foot is lifted by at
least `foot_lift` leg lengths); repetitions are dips of the pelvis centre while on one leg.
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import base, signals
from kneechain.assess.protocols.build import Reading
from kneechain.assess.protocols.config import ProtocolConfig, SingleLegSquatParams
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

TEST_ID = "single_leg_squat"
NEEDED = base.legs("shoulder", "hip", "knee", "ankle")


def stance_side(traj: Trajectories, lift: float) -> np.ndarray:
    """Per frame 'left' / 'right' for the leg standing alone, '' on two feet or unknown.
    `lift` is in pixels."""
    dy = traj.xy("left_ankle")[:, 1] - traj.xy("right_ankle")[:, 1]
    out = np.full(len(traj), "", dtype=object)
    out[dy > lift] = "left"
    out[dy < -lift] = "right"
    return out


def trunk_lean_toward(traj: Trajectories, side: Side) -> np.ndarray:
    """Sideways trunk lean, positive toward `side`."""
    l_hip, r_hip = traj.xy("left_hip"), traj.xy("right_hip")
    mid_shoulder = k.midpoint(traj.xy("left_shoulder"), traj.xy("right_shoulder"))
    lean_left = k.lateral_trunk_lean(k.midpoint(l_hip, r_hip), mid_shoulder, l_hip, r_hip)
    return lean_left if side == "left" else -lean_left


def _values(traj: Trajectories, row: int, s: Side, depth: np.ndarray) -> dict[str, float]:
    other = base.OTHER[s]
    drop = k.pelvic_drop(traj.xy(f"{s}_hip")[row], traj.xy(f"{other}_hip")[row])
    return {
        "sls_fppa": float(base.fppa(traj, s)[row]),
        "sls_pelvic_drop": float(drop),
        "sls_trunk_lean": float(trunk_lean_toward(traj, s)[row]),
        "sls_depth": float(depth[row]),
    }


JOINTS = {
    "sls_fppa": ("{s}_hip", "{s}_knee", "{s}_ankle"),
    "sls_pelvic_drop": ("{s}_hip", "{o}_hip"),
    "sls_trunk_lean": ("left_hip", "right_hip", "left_shoulder", "right_shoulder"),
    "sls_depth": ("{s}_hip", "{s}_knee", "{s}_ankle"),
}


def analyse(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a single-leg squat clip (see the module docstring)."""
    col, params, cfg = base.start(traj, TEST_ID, NEEDED, config)
    assert isinstance(params, SingleLegSquatParams)
    leg = base.leg_length(traj)
    stance = stance_side(traj, params.foot_lift * leg)
    drop = signals.smooth(base.mid_hip(traj)[:, 1], traj.time, cfg.common.smoothing_hz)
    reps = signals.repetitions(drop, traj.time, params.min_drop * leg, min_interval_s=0.8)
    depth = {s: base.foreshortened_flexion(traj, s) for s in base.SIDES}
    readings: dict[tuple[str, str], list[Reading]] = {}
    for rep in reps:
        s = stance[rep.peak]
        rejected = None if s else "both feet were down at the deepest point"
        values = _values(traj, rep.peak, s, depth[s]) if s else {}
        col.add_repetition(
            (rep.start, rep.peak, rep.end), values, side=s or None, rejected=rejected
        )
        if s and (side is None or s == side):
            for key, value in values.items():
                readings.setdefault((key, s), []).append(Reading(value, rep.peak))
    base.require(
        bool(readings),
        "No single-leg squat was found: one foot must stay off the floor while the hips "
        f"lower by at least {params.min_drop:.0%} of the leg length.",
        col.facts.advice,
    )
    for (measure, s), found in sorted(readings.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        joints = tuple(j.format(s=s, o=base.OTHER[s]) for j in JOINTS[measure])
        col.add(measure, s, found, joints, params.min_reps, params.spread_tolerance_deg)
    for s in (side,) if side else base.SIDES:
        count = len(readings.get(("sls_fppa", s), []))
        if count < params.min_reps:
            col.warnings.append(
                f"{s} leg: {count} repetition(s) found; do at least {params.min_reps}."
            )
    return col.result()
