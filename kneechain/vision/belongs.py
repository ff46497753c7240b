"""Is a frame's skeleton the followed person's, all of it? Frames that are not get dropped.

The pose model may jump to someone else in the crop, or build one skeleton from two people
(one's body with the other's foot). Three checks, each pure and on whole arrays:

- `off_track`: the skeleton's hip centre is far from where the person detector saw the
  followed person (interpolated between samples; the tolerance grows with the time to the
  nearest sample, since a person moves between samples), or it is on someone else;
- `limb_outliers`: a limb's length in the model's 3D world landmarks (metres, which do not
  change with the view) strays from its median over the clip, or a limb's length in the
  picture is far longer than that limb ever is otherwise (a joint on another person).

Dropped frames become gaps (NaN, confidence 0): cleaning then bridges short ones and
reports long ones, and nothing is measured on them.
"""

from __future__ import annotations

import numpy as np

from kneechain.vision.subject import Trail

HIP_TOLERANCE = 0.35  # body sizes between the skeleton's hips and the detected person's
MOVE_SPEED = 1.2  # body sizes a second a person may move away from the line between samples
MAX_JUDGED_S = 1.0  # further than this from a sample the detector says nothing: not judged
WORLD_RATIO = 1.6  # a limb's 3D length beyond this factor of its median (or below 1/it)
PICTURE_RATIO = 1.6  # a limb's 2D length beyond this factor of its 90th percentile
OTHER_CLOSER = 0.5  # on someone else: this much closer to them than to the followed person
LIMBS = (
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
)


def _distance(time: np.ndarray, hip_xy: np.ndarray, trail: Trail) -> tuple[np.ndarray, ...]:
    """(distance in pixels, tolerance in pixels, judged) of each frame's hip centre from the
    person of `trail`, interpolated between their detections."""
    cx = np.interp(time, trail.time, trail.x)
    cy = np.interp(time, trail.time, trail.y)
    size = np.interp(time, trail.time, trail.size)
    right = np.clip(np.searchsorted(trail.time, time), 0, len(trail.time) - 1)
    left = np.clip(right - 1, 0, len(trail.time) - 1)
    nearest = np.minimum(np.abs(time - trail.time[left]), np.abs(time - trail.time[right]))
    distance = np.hypot(hip_xy[:, 0] - cx, hip_xy[:, 1] - cy)
    tolerance = size * (HIP_TOLERANCE + MOVE_SPEED * nearest)
    return distance, tolerance, (nearest <= MAX_JUDGED_S) & np.isfinite(distance)


def off_track(
    time: np.ndarray, hip_xy: np.ndarray, followed: Trail, others: tuple[Trail, ...] = ()
) -> np.ndarray:
    """True for frames whose hip centre `hip_xy` (T, 2) is not on the followed person:

    - further from where the detector saw them (interpolated in time) than `HIP_TOLERANCE`
      body sizes plus `MOVE_SPEED` for each second to the nearest sample; or
    - on one of the `others` (within their tolerance) and less than half as far from them
      as from the followed person: where the followed person was not detected (mid-jump,
      hidden) and someone else walks through the crop.

    Frames without a pose, or more than `MAX_JUDGED_S` from every sample of the person
    compared with, are not judged by that person."""
    off = np.zeros(len(time), bool)
    if len(followed.time) == 0:
        return off
    own, own_tol, own_judged = _distance(time, hip_xy, followed)
    off |= own_judged & (own > own_tol)
    for other in others:
        if len(other.time) < 2:
            continue
        theirs, tol, judged = _distance(time, hip_xy, other)
        off |= judged & (theirs <= tol) & (theirs < OTHER_CLOSER * own)
    return off


def limb_outliers(
    xy: np.ndarray,
    world: np.ndarray,
    confident: np.ndarray,
    keypoints: tuple[str, ...],
) -> np.ndarray:
    """True for frames where a limb (both ends confident) has a 3D length outside
    [median / `WORLD_RATIO`, median * `WORLD_RATIO`], or a 2D length above `PICTURE_RATIO`
    times its 90th percentile over the clip. xy (T, K, 2), world (T, K, 3), confident
    (T, K) booleans."""
    at = {name: i for i, name in enumerate(keypoints)}
    out = np.zeros(len(xy), bool)
    for a, b in LIMBS:
        if a not in at or b not in at:
            continue
        i, j = at[a], at[b]
        both = confident[:, i] & confident[:, j]
        for points, low_ok, ratio, stat in (
            (world, True, WORLD_RATIO, 50.0),
            (xy, False, PICTURE_RATIO, 90.0),
        ):
            length = np.linalg.norm(points[:, i] - points[:, j], axis=1)
            valid = both & np.isfinite(length) & (length > 0)
            if valid.sum() < 10:
                continue
            ref = float(np.percentile(length[valid], stat))
            too_long = length > ratio * ref
            too_short = (length < ref / ratio) if low_ok else np.zeros(len(length), bool)
            out |= valid & (too_long | too_short)
    return out


def ranges(rows: np.ndarray, time: np.ndarray) -> list[tuple[float, float]]:
    """(first, last) times of each run of consecutive True rows."""
    out: list[tuple[float, float]] = []
    start = None
    for k, flag in enumerate(rows):
        if flag and start is None:
            start = k
        if start is not None and (not flag or k == len(rows) - 1):
            end = k if flag else k - 1
            out.append((float(time[start]), float(time[end])))
            start = None
    return out
