"""Thomas test, side view: the hanging leg's thigh angle to horizontal (hip flexor length) and
knee flexion (rectus femoris length), per side.

The hanging leg is the one whose knee is lower in the image (the other is hugged to the
chest). A measurement is the median over a still hold: a stretch of at least `min_hold_s`
in which both angles, low-passed at `still_cutoff_hz`, change slower than `still_deg_per_s`.
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import base, signals
from kneechain.assess.protocols.build import Reading
from kneechain.assess.protocols.config import ProtocolConfig, ThomasParams
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

TEST_ID = "thomas_test"
NEEDED = base.legs("hip", "knee", "ankle")


def thigh_to_horizontal(hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Thigh angle from horizontal, positive when the knee is higher than the hip."""
    d = np.asarray(knee, float) - np.asarray(hip, float)
    return np.degrees(np.arctan2(-d[..., 1], np.abs(d[..., 0])))


def hanging_side(traj: Trajectories) -> np.ndarray:
    """Per frame, the side whose knee is lower in the image."""
    lower_left = traj.xy("left_knee")[:, 1] >= traj.xy("right_knee")[:, 1]
    return np.where(lower_left, "left", "right")


def analyse(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a Thomas test clip (see the module docstring)."""
    col, params, _ = base.start(traj, TEST_ID, NEEDED, config)
    assert isinstance(params, ThomasParams)
    hanging = hanging_side(traj)
    readings: dict[tuple[str, str], list[Reading]] = {}
    for s in (side,) if side else base.SIDES:
        hip, knee, ankle = (traj.xy(f"{s}_{j}") for j in ("hip", "knee", "ankle"))
        thigh = thigh_to_horizontal(hip, knee)
        flex = k.knee_flexion(hip, knee, ankle)
        speed = np.maximum(
            *(
                np.abs(k.velocity(signals.smooth(a, traj.time, params.still_cutoff_hz), traj.time))
                for a in (thigh, flex)
            )
        )
        still = (speed < params.still_deg_per_s) & (hanging == s)
        for a, b in signals.runs(still):
            if traj.time[b - 1] - traj.time[a] < params.min_hold_s:
                continue
            key = signals.middle_row(traj.time, a, b - 1)
            values = {
                "thomas_thigh_angle": float(np.nanmedian(thigh[a:b])),
                "thomas_knee_flexion": float(np.nanmedian(flex[a:b])),
            }
            col.add_repetition((a, key, b - 1), values, side=s)
            for m, v in values.items():
                readings.setdefault((m, s), []).append(Reading(v, key))
    base.require(
        bool(readings),
        f"No still hold of the hanging leg was found: let the leg hang relaxed for at least "
        f"{params.min_hold_s:.0f} seconds.",
        col.facts.advice,
    )
    for (m, s), found in sorted(readings.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        joints = (f"{s}_hip", f"{s}_knee")
        if m == "thomas_knee_flexion":
            joints = (*joints, f"{s}_ankle")
        col.add(m, s, found, joints, 1, params.spread_tolerance_deg)
    return col.result()
