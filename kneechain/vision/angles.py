"""The standard per-frame angle table of one person, from cleaned trajectories.

Every angle of kinematics.py is computed for every frame; which ones are VALID depends on
the view (sagittal angles need a side view, frontal ones a front or rear view). The test
protocols choose what to use. Names end in ``_2d`` (image plane) or ``_3d`` (world landmarks,
view-independent, used where they are more valid: knee and hip flexion).
"""

from __future__ import annotations

import numpy as np

from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

SIDES = ("left", "right")


def facing(traj: Trajectories) -> np.ndarray:
    """Per-frame facing (+1 right, -1 left); unknown frames take the clip's majority."""
    mid_ear = k.midpoint(traj.xy("left_ear"), traj.xy("right_ear"))
    heel = k.midpoint(traj.xy("left_heel"), traj.xy("right_heel"))
    toe = k.midpoint(traj.xy("left_foot_index"), traj.xy("right_foot_index"))
    per_frame = k.facing_direction(traj.xy("nose"), mid_ear, heel, toe)
    majority = np.sign(np.nansum(per_frame)) or 1.0
    return np.where(np.isfinite(per_frame), per_frame, majority)


def _side_angles(traj: Trajectories, side: str, face: np.ndarray) -> dict[str, np.ndarray]:
    other = "right" if side == "left" else "left"
    hip, knee, ankle = (traj.xy(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    shoulder = traj.xy(f"{side}_shoulder")
    w_hip, w_knee, w_ankle, w_shoulder = (
        traj.xyz(f"{side}_{p}") for p in ("hip", "knee", "ankle", "shoulder")
    )
    return {
        f"{side}_knee_flexion_2d": k.knee_flexion(hip, knee, ankle),
        f"{side}_hip_flexion_2d": k.hip_flexion_2d(shoulder, hip, knee, face),
        f"{side}_shank_inclination_2d": k.inclination_from_vertical(ankle, knee, face),
        f"{side}_thigh_inclination_2d": k.thigh_inclination(hip, knee, face),
        f"{side}_fppa_2d": k.frontal_plane_projection_angle(
            hip, knee, ankle, traj.xy(f"{other}_hip")
        ),
        f"{side}_knee_flexion_3d": k.knee_flexion(w_hip, w_knee, w_ankle),
        f"{side}_hip_flexion_3d": k.hip_flexion_3d(w_shoulder, w_hip, w_knee),
    }


def angle_table(traj: Trajectories) -> dict[str, np.ndarray]:
    """Named per-frame angles in degrees (NaN where the joints are unknown)."""
    face = facing(traj)
    l_hip, r_hip = traj.xy("left_hip"), traj.xy("right_hip")
    mid_hip = k.midpoint(l_hip, r_hip)
    mid_shoulder = k.midpoint(traj.xy("left_shoulder"), traj.xy("right_shoulder"))
    table: dict[str, np.ndarray] = {}
    for side in SIDES:
        table |= _side_angles(traj, side, face)
    table["pelvic_obliquity_2d"] = k.pelvic_drop(l_hip, r_hip)
    table["trunk_lateral_lean_2d"] = k.lateral_trunk_lean(mid_hip, mid_shoulder, l_hip, r_hip)
    table["trunk_forward_lean_2d"] = k.inclination_from_vertical(mid_hip, mid_shoulder, face)
    table["facing"] = face
    return table


def mirrored_name(name: str) -> str:
    """The column that a left-right mirror of the video exchanges with `name`."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


def body_height(traj: Trajectories) -> float:
    """`kinematics.body_height_proxy` along the better-seen side: heel, knee, hip, shoulder, ear."""
    best = float("nan")
    for side in SIDES:
        chain = [traj.xy(f"{side}_{p}") for p in ("heel", "knee", "hip", "shoulder", "ear")]
        value = k.body_height_proxy(chain)
        if np.isfinite(value) and not best >= value:
            best = value
    return best
