"""Constructed stick-figure clips with known angles, for tests and the accuracy bench.

Each builder takes per-frame target values (arrays, or scalars held constant) and returns
`Trajectories` with backend "constructed" (never mistaken for a filmed clip). Geometry is
exact for an ideal level camera, so a protocol run on them must return the targets.
Image pixels: x right, y down; sizes resemble a 1080p clip of a person filling the frame.
"""

from __future__ import annotations

import numpy as np

from kneechain.vision.trajectories import Trajectories, from_points

THIGH, SHANK, HIP_HALF, SHOULDER_HALF, TRUNK = 200.0, 200.0, 50.0, 89.1, 270.0
FLOOR, CENTRE = 900.0, 960.0
Values = np.ndarray | float


def _arr(value: Values, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, float), (n,)).copy()


def _rad(value: Values, n: int) -> np.ndarray:
    return np.radians(_arr(value, n))


def _xy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.stack([x, y], axis=-1)


def add_noise(traj: Trajectories, sigma_px: float, seed: int = 0) -> Trajectories:
    """A copy with Gaussian pixel noise on every known position."""
    rng = np.random.default_rng(seed)
    from dataclasses import replace

    return replace(traj, position=traj.position + rng.normal(0, sigma_px, traj.position.shape))


def _head_and_arms(pts: dict[str, np.ndarray], left_dir: float) -> None:
    """Face, ears and arms above/beside the shoulders of a front-facing figure."""
    ls, rs = pts["left_shoulder"], pts["right_shoulder"]
    mid = (ls + rs) / 2
    pts["nose"] = mid + np.array([0, -90])
    pts["left_ear"] = mid + np.array([left_dir * 35, -100])
    pts["right_ear"] = mid + np.array([-left_dir * 35, -100])
    for side, shoulder, d in (("left", ls, left_dir), ("right", rs, -left_dir)):
        pts[f"{side}_elbow"] = shoulder + np.array([d * 20, 130])
        pts[f"{side}_wrist"] = shoulder + np.array([d * 25, 250])


def standing_front(
    time: np.ndarray,
    depth: tuple[Values, Values] = (0.0, 0.0),
    fppa: tuple[Values, Values] = (0.0, 0.0),
    lift: tuple[Values, Values] = (0.0, 0.0),
    pelvic_drop: Values = 0.0,
    trunk_lean: Values = 0.0,
    stance_width: float = 110.0,
    sway: tuple[Values, Values] = (0.0, 0.0),
    rear: bool = False,
    turn_deg: float = 0.0,
) -> Trajectories:
    """A person facing the camera (or turned away with `rear`), legs built up from the feet.

    Per side (left, right): `depth` knee flexion (thigh and shank each tilted by half of it
    toward the camera), `fppa` (knee displaced medially), `lift` (foot raised, pixels). A
    lifted leg hangs from its hip at the pelvic tilt `pelvic_drop` (degrees, positive when
    the lifted side is lower); `trunk_lean` is toward the person's left. `sway` moves the
    whole body (x, y pixels). `turn_deg` turns the person about the vertical axis (0 = square).
    """
    n = len(time)
    pts: dict[str, np.ndarray] = {}
    cos_turn = np.cos(np.radians(turn_deg))
    hips: dict[str, np.ndarray] = {}
    lifted = [_arr(lift[i], n) > 0 for i in range(2)]
    drop = _rad(pelvic_drop, n)
    for i, side in enumerate(("left", "right")):
        lat = 1.0 if side == "left" else -1.0  # person's left is the image right
        half = _rad(depth[i], n) / 2
        phi = _rad(fppa[i], n) / 2
        ankle = _xy(CENTRE + lat * stance_width * cos_turn + np.zeros(n), FLOOR - _arr(lift[i], n))
        knee = ankle + _xy(
            -lat * SHANK * np.cos(half) * np.sin(phi), -SHANK * np.cos(half) * np.cos(phi)
        )
        hip = knee + _xy(
            lat * THIGH * np.cos(half) * np.sin(phi), -THIGH * np.cos(half) * np.cos(phi)
        )
        pts |= {f"{side}_ankle": ankle, f"{side}_knee": knee}
        pts[f"{side}_heel"] = ankle + np.array([0, 12])
        pts[f"{side}_foot_index"] = ankle + np.array([-lat * 5, 28])
        hips[side] = hip
    for i, side in enumerate(("left", "right")):
        other = "right" if side == "left" else "left"
        if lifted[i].any() and not lifted[1 - i].any():
            lat = 1.0 if side == "left" else -1.0
            span = 2 * HIP_HALF * cos_turn
            moved = hips[other] + _xy(lat * span * np.cos(drop), span * np.sin(drop))
            sideways = _xy((moved - hips[side])[:, 0], np.zeros(n))
            for part in ("knee", "ankle", "heel", "foot_index"):
                pts[f"{side}_{part}"] = pts[f"{side}_{part}"] + sideways
            hips[side] = moved
    pts["left_hip"], pts["right_hip"] = hips["left"], hips["right"]
    lean = _rad(trunk_lean, n)
    mid_hip = (hips["left"] + hips["right"]) / 2
    mid_sh = mid_hip + _xy(TRUNK * np.sin(lean), -TRUNK * np.cos(lean))
    pts["left_shoulder"] = mid_sh + np.array([SHOULDER_HALF * cos_turn, 0])
    pts["right_shoulder"] = mid_sh - [SHOULDER_HALF * cos_turn, 0]
    _head_and_arms(pts, 1.0)
    offset = _xy(_arr(sway[0], n), _arr(sway[1], n))
    pts = {name: p + offset for name, p in pts.items()}
    if rear:
        pts = {name: _xy(2 * CENTRE - p[:, 0], p[:, 1]) for name, p in pts.items()}
    return from_points(pts, time)


def _bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (phase - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width) ** 2)


def gait_cycle(phase: np.ndarray, knee_contact: float) -> tuple[np.ndarray, np.ndarray]:
    """Thigh angle from vertical (forward positive) and knee flexion over the stride phase
    (0 = around foot strike): a walking-like pattern with `knee_contact` at foot strike."""
    thigh = 5.0 + 25.0 * np.cos(2 * np.pi * phase)
    knee = knee_contact + 15.0 * _bump(phase, 0.15, 0.07) + 55.0 * _bump(phase, 0.72, 0.1)
    return thigh, knee


def side_walker(
    time: np.ndarray,
    stride_hz: float = 0.9,
    knee_contact: tuple[float, float] = (5.0, 5.0),
    speed_px_s: float = 0.0,
    facing: float = 1.0,
) -> Trajectories:
    """A person walking seen from the side (facing +1: toward the image right), on a
    treadmill (`speed_px_s` 0) or across the picture. Two steps per stride, so the cadence is
    120 x `stride_hz` steps per minute; the right leg is half a stride behind the left."""
    n = len(time)
    pelvis = _xy(400.0 + speed_px_s * time if speed_px_s else np.full(n, CENTRE), np.full(n, 420.0))
    if facing < 0:
        pelvis = _xy(1520.0 - speed_px_s * time if speed_px_s else np.full(n, CENTRE), pelvis[:, 1])
    pts: dict[str, np.ndarray] = {}
    for i, side in enumerate(("left", "right")):
        phase = (stride_hz * time + 0.5 * i) % 1.0
        thigh, knee_flex = gait_cycle(phase, knee_contact[i])
        t, sh = np.radians(thigh), np.radians(thigh - knee_flex)
        hip = pelvis.copy()
        knee = hip + _xy(facing * THIGH * np.sin(t), THIGH * np.cos(t))
        ankle = knee + _xy(facing * SHANK * np.sin(sh), SHANK * np.cos(sh))
        pts |= {
            f"{side}_hip": hip + np.array([0, 4 * (i - 0.5)]),
            f"{side}_knee": knee,
            f"{side}_ankle": ankle,
        }
        pts[f"{side}_heel"] = ankle + _xy(np.full(n, -25.0 * facing), np.full(n, 20.0))
        pts[f"{side}_foot_index"] = ankle + _xy(np.full(n, 80.0 * facing), np.full(n, 25.0))
        pts[f"{side}_shoulder"] = pelvis + np.array([facing * 10.0, -TRUNK + 3 * (i - 0.5)])
    pts["nose"] = pelvis + np.array([facing * 40.0, -TRUNK - 90])
    pts["left_ear"] = pts["right_ear"] = pelvis + np.array([-facing * 10.0, -TRUNK - 100])
    return from_points(pts, time)


def side_lunge(
    time: np.ndarray,
    shin: Values,
    heel_lift: Values = 0.0,
    test_side: str = "left",
    facing: float = 1.0,
) -> Trajectories:
    """Knee-to-wall lunge seen from the side: the test leg's shin tilts forward by `shin`
    degrees from vertical over a fixed ankle; `heel_lift` raises the test heel (pixels),
    pivoting on the toes (the shin tilts on further with it)."""
    n = len(time)
    ankle = _xy(np.full(n, CENTRE + 150 * facing), np.full(n, FLOOR) - _arr(heel_lift, n))
    a = _rad(shin, n)
    knee = ankle + _xy(facing * SHANK * np.sin(a), -SHANK * np.cos(a))
    hip = knee + _xy(-facing * THIGH * np.sin(a / 2), -THIGH * np.cos(a / 2))
    back_ankle = _xy(np.full(n, CENTRE - 250 * facing), np.full(n, FLOOR))
    back_knee = (hip + back_ankle) / 2 + np.array([-facing * 10.0, 0.0])
    other = "right" if test_side == "left" else "left"
    pts = {
        f"{test_side}_ankle": ankle,
        f"{test_side}_knee": knee,
        f"{test_side}_hip": hip,
        f"{test_side}_heel": ankle + np.array([-25.0 * facing, 20.0]),
        f"{test_side}_foot_index": ankle + _xy(np.full(n, 90.0 * facing), _arr(heel_lift, n) + 25),
        f"{other}_ankle": back_ankle,
        f"{other}_knee": back_knee,
        f"{other}_hip": hip + np.array([0.0, 3.0]),
        f"{other}_heel": back_ankle + np.array([-25.0 * facing, 20.0]),
        f"{other}_foot_index": back_ankle + np.array([90.0 * facing, 25.0]),
    }
    top = hip + np.array([facing * 20.0, -TRUNK])
    pts |= {"left_shoulder": top, "right_shoulder": top + np.array([0.0, 4.0])}
    pts["nose"] = top + np.array([facing * 40.0, -90.0])
    pts["left_ear"] = pts["right_ear"] = top + np.array([-facing * 5.0, -100.0])
    return from_points(pts, time)


def lying_thomas(
    time: np.ndarray, thigh: Values, knee_flexion: Values, hanging: str = "left"
) -> Trajectories:
    """Thomas test seen from the side: lying along the image x axis (head to the left), one
    leg hugged to the chest, the `hanging` leg's thigh at `thigh` degrees above horizontal
    and its knee bent `knee_flexion` degrees."""
    n = len(time)
    hip = _xy(np.full(n, CENTRE), np.full(n, 500.0))
    t = _rad(thigh, n)
    knee = hip + _xy(THIGH * np.cos(t), -THIGH * np.sin(t))
    shank_dir = t - _rad(knee_flexion, n)
    ankle = knee + _xy(SHANK * np.cos(shank_dir), -SHANK * np.sin(shank_dir))
    other = "right" if hanging == "left" else "left"
    hug_knee = hip + np.array([60.0, -180.0])
    pts = {
        f"{hanging}_hip": hip,
        f"{hanging}_knee": knee,
        f"{hanging}_ankle": ankle,
        f"{other}_hip": hip + np.array([0.0, -4.0]),
        f"{other}_knee": hug_knee,
        f"{other}_ankle": hug_knee + np.array([150.0, 60.0]),
    }
    for side in ("left", "right"):
        pts[f"{side}_shoulder"] = hip + np.array([-TRUNK, -3.0 if side == "left" else 0.0])
    pts["nose"] = hip + np.array([-TRUNK - 100, -30.0])
    pts["left_ear"] = pts["right_ear"] = hip + np.array([-TRUNK - 90, 0.0])
    return from_points(pts, time)


def seated_front(time: np.ndarray, swing_out: tuple[Values, Values]) -> Trajectories:
    """Sitting facing the camera, knees bent over a table edge: each shin turned from vertical
    by `swing_out` degrees (positive: foot out, internal rotation)."""
    n = len(time)
    pts: dict[str, np.ndarray] = {}
    for i, side in enumerate(("left", "right")):
        lat = 1.0 if side == "left" else -1.0
        hip = _xy(np.full(n, CENTRE + lat * HIP_HALF), np.full(n, 500.0))
        knee = hip + np.array([lat * 10.0, 60.0])
        a = _rad(swing_out[i], n)
        ankle = knee + _xy(lat * SHANK * np.sin(a), SHANK * np.cos(a))
        pts |= {f"{side}_hip": hip, f"{side}_knee": knee, f"{side}_ankle": ankle}
        pts[f"{side}_heel"] = ankle + np.array([0.0, 10.0])
        pts[f"{side}_foot_index"] = ankle + np.array([0.0, 30.0])
    mid = (pts["left_hip"] + pts["right_hip"]) / 2
    pts["left_shoulder"] = mid + np.array([SHOULDER_HALF, -TRUNK])
    pts["right_shoulder"] = mid + np.array([-SHOULDER_HALF, -TRUNK])
    _head_and_arms(pts, 1.0)
    return from_points(pts, time)


def lying_feet_end(
    time: np.ndarray, turn_in: tuple[Values, Values], roll_deg: float = 0.0
) -> Trajectories:
    """Lying on the back filmed along the legs from the feet: each foot's heel-to-toe line
    turned in (toward the other foot) by `turn_in` degrees; `roll_deg` tilts the phone."""
    n = len(time)
    pts: dict[str, np.ndarray] = {}
    for i, side in enumerate(("left", "right")):
        lat = 1.0 if side == "left" else -1.0  # seen from the feet, the left leg is image right
        heel = _xy(np.full(n, CENTRE + lat * 150), np.full(n, 800.0))
        a = _rad(turn_in[i], n)
        pts[f"{side}_heel"] = heel
        pts[f"{side}_foot_index"] = heel + _xy(-lat * 150 * np.sin(a), -150 * np.cos(a))
        pts[f"{side}_ankle"] = heel + np.array([0.0, -30.0])
        pts[f"{side}_knee"] = _xy(np.full(n, CENTRE + lat * 90), np.full(n, 680.0))
        pts[f"{side}_hip"] = _xy(np.full(n, CENTRE + lat * HIP_HALF), np.full(n, 600.0))
        pts[f"{side}_shoulder"] = _xy(np.full(n, CENTRE + lat * 80), np.full(n, 560.0))
    pts["nose"] = _xy(np.full(n, CENTRE), np.full(n, 540.0))
    if roll_deg:
        r = np.radians(roll_deg)
        rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])
        centre = np.array([CENTRE, 540.0])
        pts = {name: (p - centre) @ rot.T + centre for name, p in pts.items()}
    return from_points(pts, time)


def clock(seconds: float, fps: float = 30.0) -> np.ndarray:
    """Timestamps of a clip of `seconds` at `fps`."""
    return np.arange(0.0, seconds, 1.0 / fps)


def holds(time: np.ndarray, peak: float, reps: int, period: float = 4.0) -> np.ndarray:
    """`reps` trapezoids of height `peak`: a quarter period up, half held, a quarter down."""
    phase = (time % period) / period
    shape = np.minimum(np.clip(phase / 0.25, 0, 1), np.clip((1 - phase) / 0.25, 0, 1))
    return peak * shape * (time < reps * period)


def dips(time: np.ndarray, peak: float, reps: int, period: float = 2.0) -> np.ndarray:
    """`reps` smooth cosine dips from 0 to `peak` and back."""
    return peak * 0.5 * (1 - np.cos(2 * np.pi * time / period)) * (time < reps * period)
