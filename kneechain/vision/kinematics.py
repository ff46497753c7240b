"""Pure functions for segment and joint angles, velocities and size normalisation.

Conventions (drawn in docs/angles.svg, explained in docs/vision.md):

* 2D points are image pixels: x to the right, y DOWNWARDS. 3D points are world metres.
* All angles are in degrees. Inputs are arrays of points with the coordinate on the last
  axis, so one call handles a single frame (shape (2,)) or a whole clip (shape (T, 2)).
* A degenerate configuration (a zero-length segment, a missing point) gives NaN, never an
  arbitrary number.
* `facing` is +1 when the person faces the image right (+x) and -1 when facing left; it
  makes sagittal-plane angles positive in the anatomical sense whatever the walking direction.
"""

from __future__ import annotations

import itertools

import numpy as np

_EPS = 1e-9
UP = np.array([0.0, -1.0])
DOWN = np.array([0.0, 1.0])


def _norm(v: np.ndarray) -> np.ndarray:
    return np.linalg.norm(v, axis=-1)


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between vectors `u` and `v` (2D or 3D), in [0, 180]; NaN if degenerate."""
    u, v = np.asarray(u, float), np.asarray(v, float)
    nu, nv = _norm(u), _norm(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    cos = np.where((nu > _EPS) & (nv > _EPS), np.clip(cos, -1.0, 1.0), np.nan)
    return np.degrees(np.arccos(cos))


def signed_angle_2d(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle turning `u` onto `v` in image coordinates, in (-180, 180].

    Positive means clockwise ON SCREEN (because image y points down). NaN if degenerate.
    """
    u, v = np.asarray(u, float), np.asarray(v, float)
    cross = u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]
    dot = np.sum(u * v, axis=-1)
    ok = (_norm(u) > _EPS) & (_norm(v) > _EPS)
    return np.where(ok, np.degrees(np.arctan2(cross, dot)), np.nan)


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Inner angle at `b` between the segments b->a and b->c, in [0, 180] (2D or 3D)."""
    return angle_between(np.asarray(a) - np.asarray(b), np.asarray(c) - np.asarray(b))


def knee_flexion(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Knee flexion: 0 with the leg straight, 90 with the shank at a right angle to the thigh.

    Unsigned (knees do not hyperextend much); valid in 2D from a side view and in 3D.
    """
    return 180.0 - joint_angle(hip, knee, ankle)


def hip_flexion_3d(shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray) -> np.ndarray:
    """Unsigned 3D angle between the trunk line extended downwards and the thigh."""
    return 180.0 - joint_angle(shoulder, hip, knee)


def hip_flexion_2d(
    shoulder: np.ndarray, hip: np.ndarray, knee: np.ndarray, facing: np.ndarray | float
) -> np.ndarray:
    """Signed hip flexion in a side view: thigh ahead of the trunk line is positive (flexion),
    behind it negative (extension). The trunk line runs from the shoulder through the hip."""
    trunk_down = np.asarray(hip, float) - np.asarray(shoulder, float)
    thigh = np.asarray(knee, float) - np.asarray(hip, float)
    return -signed_angle_2d(trunk_down, thigh) * facing


def inclination_from_vertical(
    lower: np.ndarray, upper: np.ndarray, facing: np.ndarray | float
) -> np.ndarray:
    """Angle of the segment lower->upper from the vertical, positive when `upper` lies
    ahead of `lower` in the facing direction.

    Shank inclination: ``inclination_from_vertical(ankle, knee, facing)`` (knee over toes is
    positive). Trunk sagittal lean: ``(mid_hip, mid_shoulder, facing)`` (forward lean positive).
    """
    seg = np.asarray(upper, float) - np.asarray(lower, float)
    return signed_angle_2d(UP, seg) * facing


def thigh_inclination(hip: np.ndarray, knee: np.ndarray, facing: np.ndarray | float) -> np.ndarray:
    """Angle of the thigh (hip->knee) from the downward vertical; knee ahead of hip is positive."""
    seg = np.asarray(knee, float) - np.asarray(hip, float)
    return -signed_angle_2d(DOWN, seg) * facing


def angle_from_horizontal(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Unsigned angle (0..90) of the line p-q from the image horizontal."""
    d = np.asarray(q, float) - np.asarray(p, float)
    ok = _norm(d) > _EPS
    return np.where(ok, np.degrees(np.arctan2(np.abs(d[..., 1]), np.abs(d[..., 0]))), np.nan)


def frontal_plane_projection_angle(
    hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, other_hip: np.ndarray
) -> np.ndarray:
    """FPPA of one leg in a front or rear view: 180 minus the hip-knee-ankle angle, positive
    when the knee lies MEDIAL to the hip-ankle line (valgus), negative when lateral (varus).

    Medial is the direction from this hip towards `other_hip`, so the sign is right for
    either leg and for front and rear views alike.
    """
    hip, knee, ankle = (np.asarray(x, float) for x in (hip, knee, ankle))
    medial = np.asarray(other_hip, float) - hip
    axis = ankle - hip
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t = np.sum((knee - hip) * axis, axis=-1) / np.sum(axis * axis, axis=-1)
        offset = knee - (hip + t[..., None] * axis)
        side = np.sign(np.sum(offset * medial, axis=-1))
    magnitude = 180.0 - joint_angle(hip, knee, ankle)
    return np.where(_norm(medial) > _EPS, magnitude * side, np.nan)


def body_axes(
    left_hip: np.ndarray,
    right_hip: np.ndarray,
    left_shoulder: np.ndarray,
    right_shoulder: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A body frame from 3D hips and shoulders (any right-handed axes, e.g. a camera's):
    `left` along the right-to-left hip line, `up` the trunk (mid-hip to mid-shoulder) made
    perpendicular to it, `forward` = left x up (where the person faces). Unit vectors, (T, 3)
    each; NaN where a point is missing or the hips coincide."""
    left = np.asarray(left_hip, float) - np.asarray(right_hip, float)
    trunk = midpoint(left_shoulder, right_shoulder) - midpoint(left_hip, right_hip)
    with np.errstate(invalid="ignore", divide="ignore"):
        left = left / _norm(left)[..., None]
        up = trunk - np.sum(trunk * left, axis=-1, keepdims=True) * left
        up = up / _norm(up)[..., None]
    return left, up, np.cross(left, up)


def hip_flexion_sagittal(
    hip: np.ndarray, knee: np.ndarray, up: np.ndarray, forward: np.ndarray
) -> np.ndarray:
    """Signed 3D hip flexion in the body's sagittal plane (`body_axes`): the thigh's angle
    from the trunk line extended downwards, positive with the knee ahead of the trunk
    (flexion), negative behind it (extension). The thigh's sideways part (abduction) is left
    out; NaN where the thigh has no sagittal part."""
    thigh = np.asarray(knee, float) - np.asarray(hip, float)
    ahead = np.sum(thigh * forward, axis=-1)
    down = -np.sum(thigh * up, axis=-1)
    ok = np.hypot(ahead, down) > _EPS
    return np.where(ok, np.degrees(np.arctan2(ahead, down)), np.nan)


def knee_frontal_angle_3d(
    hip: np.ndarray,
    knee: np.ndarray,
    ankle: np.ndarray,
    other_hip: np.ndarray,
    left: np.ndarray,
    up: np.ndarray,
) -> np.ndarray:
    """The knee's frontal-plane angle from 3D points: hip, knee, ankle and the other hip
    projected on the body's frontal plane (`left` and `up` of `body_axes`), then
    `frontal_plane_projection_angle` on the projection: what a camera square to the
    person's front would read as FPPA (+ valgus, - varus)."""

    def on_plane(p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, float)
        return np.stack([np.sum(p * left, axis=-1), np.sum(p * up, axis=-1)], axis=-1)

    return frontal_plane_projection_angle(
        on_plane(hip), on_plane(knee), on_plane(ankle), on_plane(other_hip)
    )


def hip_rotation_3d(
    hip: np.ndarray,
    knee: np.ndarray,
    ankle: np.ndarray,
    left: np.ndarray,
    side: str,
    min_knee_flexion: float = 30.0,
) -> np.ndarray:
    """Hip rotation from 3D points with the knee bent: the angle about the thigh from the
    body's left-right axis (`left` of `body_axes`) to the knee's hinge axis (thigh x shank;
    along `left` when the knee bends straight backwards in the sagittal plane). Positive for
    internal rotation (the foot swung outwards) on either side. NaN with the knee bent less
    than `min_knee_flexion` degrees: a nearly straight leg has no hinge axis to read."""
    hip, knee, ankle = (np.asarray(x, float) for x in (hip, knee, ankle))
    thigh, shank = knee - hip, ankle - knee
    with np.errstate(invalid="ignore", divide="ignore"):
        axis = thigh / _norm(thigh)[..., None]
        hinge = np.cross(thigh, shank)
        ref = left - np.sum(left * axis, axis=-1, keepdims=True) * axis
        turn = np.degrees(
            np.arctan2(np.sum(np.cross(ref, hinge) * axis, axis=-1), np.sum(ref * hinge, axis=-1))
        )
    sign = {"left": 1.0, "right": -1.0}[side]
    bent = knee_flexion(hip, knee, ankle) >= min_knee_flexion
    return np.where(bent & (_norm(ref) > _EPS), sign * turn, np.nan)


def pelvic_drop(stance_hip: np.ndarray, swing_hip: np.ndarray) -> np.ndarray:
    """Frontal-plane pelvic tilt: angle of the hip line from horizontal, positive when the
    swing-side (contralateral) hip is LOWER than the stance-side hip."""
    d = np.asarray(swing_hip, float) - np.asarray(stance_hip, float)
    ok = _norm(d) > _EPS
    return np.where(ok, np.degrees(np.arctan2(d[..., 1], np.abs(d[..., 0]))), np.nan)


def lateral_trunk_lean(
    mid_hip: np.ndarray, mid_shoulder: np.ndarray, left_hip: np.ndarray, right_hip: np.ndarray
) -> np.ndarray:
    """Trunk lean from vertical in a front or rear view, positive towards the person's LEFT."""
    trunk = np.asarray(mid_shoulder, float) - np.asarray(mid_hip, float)
    to_left = np.asarray(left_hip, float) - np.asarray(right_hip, float)
    lean = np.abs(angle_between(UP, trunk))
    side = np.sign(np.sum(trunk * to_left, axis=-1))
    return np.where(_norm(to_left) > _EPS, lean * side, np.nan)


def midpoint(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Point halfway between p and q."""
    return (np.asarray(p, float) + np.asarray(q, float)) / 2.0


def facing_direction(
    nose: np.ndarray, mid_ear: np.ndarray, heel: np.ndarray, toe: np.ndarray
) -> np.ndarray:
    """Per-frame facing (+1 right, -1 left, NaN unknown) from the nose ahead of the ears and
    the toes ahead of the heel, both measured along image x."""
    cue = (np.asarray(nose, float)[..., 0] - np.asarray(mid_ear, float)[..., 0]) + (
        np.asarray(toe, float)[..., 0] - np.asarray(heel, float)[..., 0]
    )
    return np.where(np.abs(cue) > _EPS, np.sign(cue), np.nan)


def velocity(values: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Time derivative along axis 0 (central differences, real timestamps); NaN propagates."""
    values = np.asarray(values, float)
    if len(time) < 2:
        return np.full_like(values, np.nan)
    return np.gradient(values, np.asarray(time, float), axis=0)


def segment_length(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Length of the segment p-q per frame."""
    return _norm(np.asarray(q, float) - np.asarray(p, float))


def body_height_proxy(chain: list[np.ndarray]) -> float:
    """A size scale for one person: the sum of the median lengths of the segments joining the
    consecutive points of `chain` (e.g. heel, knee, hip, shoulder, ear).

    Medians over time ignore frames where a segment is foreshortened or missing. It is not
    the stature, only a per-person scale so that distances become comparable across clips
    (divide by it with `normalise`). NaN when any segment is never seen.
    """
    total = 0.0
    for p, q in itertools.pairwise(chain):
        lengths = segment_length(p, q)
        lengths = lengths[np.isfinite(lengths)]
        if lengths.size == 0:
            return float("nan")
        total += float(np.median(lengths))
    return total


def normalise(values: np.ndarray, scale: float) -> np.ndarray:
    """Distances divided by a size scale (NaN if the scale is not positive)."""
    if not np.isfinite(scale) or scale <= 0:
        return np.full_like(np.asarray(values, float), np.nan)
    return np.asarray(values, float) / scale
