"""Single-leg balance, front view: time on one leg until the lifted foot touches down or a
hand reaches out for support, and the sway of the pelvis centre (RMS of its sideways
movement and its path per second, both as a percentage of body height), per side.

The standing leg is the one whose ankle is lower by at least `foot_lift` leg lengths. Brief
touch-downs under `bridge_s` are treated as noise; the best attempt per side is kept, as the
test instructs.
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import base, signals
from kneechain.assess.protocols.build import Reading
from kneechain.assess.protocols.config import BalanceParams, ProtocolConfig
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.assess.protocols.single_leg_squat import stance_side
from kneechain.vision import angles as vision_angles
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

TEST_ID = "single_leg_balance"
NEEDED = base.legs("shoulder", "hip", "knee", "ankle")


def reaching(traj: Trajectories, reach: float) -> np.ndarray:
    """True where a wrist is farther than `reach` shoulder widths from the pelvis centre
    sideways (a hand out to grab support)."""
    width = base.median_length(traj, "left_shoulder", "right_shoulder")
    centre = base.mid_hip(traj)[:, 0]
    far = [np.abs(traj.xy(f"{s}_wrist")[:, 0] - centre) > reach * width for s in base.SIDES]
    return np.logical_or(*far)


def sway(
    traj: Trajectories, a: int, b: int, height: float, cutoff_hz: float
) -> tuple[float, float]:
    """(RMS sideways sway, path per second) of the pelvis centre over rows a:b, in % of
    `height`."""
    centre = base.mid_hip(traj)[a:b]
    time = traj.time[a:b]
    xy = np.stack([signals.smooth(centre[:, i], time, cutoff_hz) for i in (0, 1)], axis=-1)
    rms = float(np.sqrt(np.mean((xy[:, 0] - xy[:, 0].mean()) ** 2)))
    path = float(np.sum(k.segment_length(xy[:-1], xy[1:])))
    duration = float(time[-1] - time[0])
    return 100 * rms / height, 100 * path / duration / height


def analyse(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a single-leg balance clip (see the module docstring)."""
    col, params, _ = base.start(traj, TEST_ID, NEEDED, config)
    assert isinstance(params, BalanceParams)
    stance = stance_side(traj, params.foot_lift * base.leg_length(traj))
    grab = reaching(traj, params.grab_reach)
    height = vision_angles.body_height(traj)
    best: dict[str, tuple[float, int, int]] = {}
    for s in (side,) if side else base.SIDES:
        standing = signals.bridge_at((stance == s) & ~grab, traj.time, params.bridge_s)
        for a, b in signals.runs(standing):
            end = traj.time[b] if b < len(traj) else traj.time[-1]
            duration = min(float(end - traj.time[a]), params.cap_s)
            if duration < params.min_stance_s:
                continue
            ended = "support" if b < len(traj) and grab[b] else "touch-down"
            middle = signals.middle_row(traj.time, a, b - 1)
            col.add_repetition((a, middle, b - 1), {"balance_time": duration}, side=s)
            if ended == "support":
                col.warnings.append(f"{s} leg: a hand reached out for support.")
            if s not in best or duration > best[s][0]:
                best[s] = (duration, a, b)
    base.require(
        bool(best),
        f"No single-leg stance of at least {params.min_stance_s:.0f} s was found: lift one "
        "foot clearly off the floor.",
        col.facts.advice,
    )
    for s, (duration, a, b) in sorted(best.items()):
        count = sum(1 for r in col.repetitions if r.side == s)
        start = min(b - 2, signals.row_after(traj.time, a, params.settle_s))
        rms, path = sway(traj, start, b, height, params.sway_hz)
        key = signals.middle_row(traj.time, a, b - 1)
        joints = (f"{s}_ankle", f"{base.OTHER[s]}_ankle")
        tol = params.spread_tolerance_deg
        col.add("balance_time", s, [Reading(duration, key)], joints, params.trials, tol)
        hips = ("left_hip", "right_hip")
        col.add("balance_sway_rms", s, [Reading(rms, key)], hips, params.trials, tol)
        col.add("balance_sway_path", s, [Reading(path, key)], hips, params.trials, tol)
        if count < params.trials:
            col.warnings.append(f"{s} leg: {count} attempt(s) found; do {params.trials}.")
    return col.result()
