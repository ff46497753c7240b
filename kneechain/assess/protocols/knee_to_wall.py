"""Knee-to-wall ankle lunge, side view: the shin's forward tilt from vertical at its deepest
with the heel still down, per side.

The test leg is the front one (its ankle farther forward in the facing direction); a lunge in
which the other foot leads in more than `1 - front_foot_share` of the frames is steps, not a
lunge, and is not read. A frame in which the test heel rises more than `heel_lift_fraction`
of the foot length above its floor level is rejected; each lunge gives the median shin angle
of its heel-down frames within `plateau_deg` of the largest (a plain maximum would pick the
highest pose jitter).
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import base, signals
from kneechain.assess.protocols.build import Reading
from kneechain.assess.protocols.config import KneeToWallParams, ProtocolConfig
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision import angles as vision_angles
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

TEST_ID = "knee_to_wall"
NEEDED = base.legs("hip", "knee", "ankle", "heel", "foot_index")


def heel_lift(traj: Trajectories, side: Side) -> np.ndarray:
    """Heel height above its floor level (the 90th percentile of its image y), in foot lengths."""
    heel_y = traj.xy(f"{side}_heel")[:, 1]
    floor = np.nanpercentile(heel_y, 90)
    foot = base.median_length(traj, f"{side}_heel", f"{side}_foot_index")
    return (floor - heel_y) / foot


def front_side(traj: Trajectories, facing: np.ndarray) -> np.ndarray:
    """Per frame, the leg whose ankle is farther forward ('left' / 'right')."""
    ahead = (traj.xy("left_ankle")[:, 0] - traj.xy("right_ankle")[:, 0]) * facing
    return np.where(ahead >= 0, "left", "right")


def _near_top(values: np.ndarray, rows: np.ndarray, tolerance: float) -> np.ndarray:
    """The rows whose value is within `tolerance` of the largest (the held deepest lunge)."""
    return rows[values[rows] >= np.nanmax(values[rows]) - tolerance]


def _deepest(values: np.ndarray, rows: np.ndarray, tolerance: float) -> int:
    """The row of the held deepest lunge closest to its median value."""
    top = _near_top(values, rows, tolerance)
    return int(top[np.argmin(np.abs(values[top] - np.median(values[top])))])


def analyse(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a knee-to-wall clip (see the module docstring)."""
    col, params, cfg = base.start(traj, TEST_ID, NEEDED, config)
    assert isinstance(params, KneeToWallParams)
    face = vision_angles.facing(traj)
    front = front_side(traj, face)
    shin = {
        s: k.inclination_from_vertical(traj.xy(f"{s}_ankle"), traj.xy(f"{s}_knee"), face)
        for s in base.SIDES
    }
    lifted = {s: heel_lift(traj, s) > params.heel_lift_fraction for s in base.SIDES}
    signal = np.where(front == "left", shin["left"], shin["right"])
    smooth = signals.smooth(signal, traj.time, cfg.common.smoothing_hz)
    reps = signals.repetitions(smooth, traj.time, params.min_excursion_deg, min_interval_s=1.0)
    readings: dict[str, list[Reading]] = {}
    rejected_frames = stepping = 0
    for rep in reps:
        s = str(front[rep.peak])
        rows = np.arange(rep.start, rep.end + 1)
        down = rows[~lifted[s][rows] & np.isfinite(shin[s][rows])]
        rejected_frames += int(lifted[s][rows].sum())
        reason = None if down.size else "the heel was off the floor throughout"
        if np.mean(front[rows] == s) < params.front_foot_share:  # steps, not one lunge
            down, reason = down[:0], "the leading foot changed: steps, not a lunge"
            stepping += 1
        value = (
            float(np.median(shin[s][_near_top(shin[s], down, params.plateau_deg)]))
            if down.size
            else np.nan
        )
        best = _deepest(shin[s], down, params.plateau_deg) if down.size else rep.peak
        col.add_repetition(
            (rep.start, best, rep.end),
            {"ankle_df_angle": value} if down.size else {},
            side=s,
            rejected=reason,
        )
        if down.size and (side is None or s == side):
            readings.setdefault(s, []).append(Reading(value, best))
    base.require(
        bool(readings) or not stepping,
        "The feet take turns in front in this clip, as in walking or stepping on the spot, "
        "so no lunge was measured: keep the test foot in front, flat on the floor, and bend "
        "that knee toward the wall.",
        col.facts.advice,
    )
    base.require(
        bool(readings),
        "No lunge with the heel down was found: bend the front knee toward the wall "
        "several times, keeping the heel on the floor.",
        col.facts.advice,
    )
    for s, found in sorted(readings.items()):
        joints = (f"{s}_knee", f"{s}_ankle", f"{s}_heel")
        col.add("ankle_df_angle", s, found, joints, params.min_reps, params.spread_tolerance_deg)
        if len(found) < params.min_reps:
            col.warnings.append(f"{s} ankle: {len(found)} lunge(s) found; do {params.min_reps}.")
    if rejected_frames:
        col.warnings.append(
            f"{rejected_frames} frame(s) with the heel lifted were not counted; keep the heel "
            "down and move the foot closer to the wall."
        )
    return col.result()
