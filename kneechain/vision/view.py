"""Where the camera stands relative to the person: a bearing in degrees with an uncertainty.

The bearing is read from the pose model's 3D world landmarks, which are given in the
camera's axes (x right, y down, z away from the camera). Per frame:

* "up" is the trunk line, mid-hip to mid-shoulder;
* the person's left-right axis is the right-to-left hip line and the right-to-left shoulder
  line (each made perpendicular to "up"); their forward direction is ``left x up`` (a person
  facing the camera looks along -z);
* the direction from the person to the camera is -z, made perpendicular to "up" (so a phone
  held above or below hip height does not bias the bearing).

The camera's bearing is the angle, about the person's vertical, from their forward direction
to the camera, positive towards the person's LEFT: 0 = camera straight in front (front view),
+90 = at their left side, -90 = at their right side, +-180 = straight behind (rear view).
Each cue gives one angle per frame; the clip's bearing is their robust circular centre
(the median deviation around the circular mean, so a run of mislabelled frames does not pull
it), its uncertainty
a systematic part (how far the estimate strayed from calibrated cameras, see docs/protocols.md)
combined with the spread over frames and cues. Where the person turns during the clip the
frames are split into phases of steady bearing, each with its own estimate.

The model's 3D hips and shoulders can face the camera more squarely than the person does
(25 degrees on one calibrated camera). Where the knees bend (walking, squatting, a lifted
leg), a second, independent reading comes from the single-camera 3D fit
(`kneechain.vision.fit3d`): the plane in which its fitted knees bend. Asked for
(`use_fit`), each phase's bearing is then the two readings' circular mean weighted by their
sd (the systematic part with their spread over frames), and its uncertainty the systematic
part combined with half their disagreement (two independent readings that differ by d are
each off by about d/2).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from kneechain.vision import fit3d
from kneechain.vision.cleaning import even_grid, sampling_rate
from kneechain.vision.trajectories import Trajectories

SYSTEMATIC_DEG = 10.0
"""One-sigma error of the bearing that more frames do not shrink (calibrated on the four
Pose2Sim demo cameras, errors 1-14 degrees against the legs' own movement plane)."""
PHASE_WINDOW_S = 0.5
PHASE_SPLIT_DEG = 35.0
MIN_VISIBILITY = 0.5
FIT_MAX_ROWS = 60
"""The 3D fit for the view reads at most this many evenly spaced frames of a phase."""
FIT_MIN_READINGS = 10
TARGETS = {"front": 0.0, "rear": 180.0, "left_side": 90.0, "right_side": -90.0}


@dataclass(frozen=True)
class ViewPhase:
    """A stretch of the clip with a steady camera bearing."""

    start_row: int
    stop_row: int
    bearing_deg: float
    sigma_deg: float


@dataclass(frozen=True)
class ViewEstimate:
    """The camera's bearing over the clip (see the module docstring) and its phases."""

    bearing_deg: float
    sigma_deg: float
    frames: int
    phases: tuple[ViewPhase, ...]

    @property
    def known(self) -> bool:
        return bool(np.isfinite(self.bearing_deg))


def wrap(deg: np.ndarray | float) -> np.ndarray:
    """Angles wrapped into (-180, 180]."""
    out = np.mod(np.asarray(deg, float) + 180.0, 360.0) - 180.0
    return np.where(out == -180.0, 180.0, out)


def circular_mean(deg: np.ndarray, weight: np.ndarray | None = None) -> tuple[float, float]:
    """Circular mean of finite angles and their circular standard deviation (degrees); NaN
    for no finite angle."""
    deg = np.asarray(deg, float).ravel()
    w = np.ones_like(deg) if weight is None else np.asarray(weight, float).ravel()
    ok = np.isfinite(deg) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return float("nan"), float("nan")
    rad, w = np.radians(deg[ok]), w[ok]
    s, c = np.sum(w * np.sin(rad)) / w.sum(), np.sum(w * np.cos(rad)) / w.sum()
    length = min(float(np.hypot(s, c)), 1.0)
    spread = np.degrees(np.sqrt(-2.0 * np.log(max(length, 1e-12))))
    return float(np.degrees(np.arctan2(s, c))), float(spread)


def circular_centre(deg: np.ndarray) -> tuple[float, float]:
    """A robust centre of finite angles: the circular mean moved by the median deviation
    from it; with the robust spread (1.4826 x median absolute deviation), in degrees."""
    mean, _ = circular_mean(deg)
    if not np.isfinite(mean):
        return mean, float("nan")
    dev = wrap(np.asarray(deg, float).ravel() - mean)
    dev = dev[np.isfinite(dev)]
    centre = float(wrap(mean + np.median(dev)))
    spread = 1.4826 * float(np.median(np.abs(wrap(dev - np.median(dev)))))
    return centre, spread


def _unit(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _flat(v: np.ndarray, up: np.ndarray) -> np.ndarray:
    """`v` with its component along `up` removed, normalised."""
    return _unit(v - np.sum(v * up, axis=-1, keepdims=True) * up)


def bearing_from_axes(forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Per-row bearing (degrees) of the camera at -z seen from a person whose forward
    direction is `forward` and vertical `up` (both (T, 3) in camera axes)."""
    fwd = _flat(forward, up)
    left = np.cross(up, fwd)
    to_camera = _flat(np.broadcast_to([0.0, 0.0, -1.0], fwd.shape), up)
    return np.degrees(np.arctan2(np.sum(to_camera * left, -1), np.sum(to_camera * fwd, -1)))


def cue_bearings(traj: Trajectories) -> np.ndarray:
    """(T, 2) per-frame bearings from the hip line and the shoulder line (NaN where a cue is
    unseen). The feet were tried as a third cue: the model's heel-to-toe depth is poor and
    they made the estimate worse on every calibrated camera."""

    def world(name: str) -> np.ndarray:
        seen = traj.conf(name) >= MIN_VISIBILITY
        return np.where(seen[:, None], traj.xyz(name), np.nan)

    mid_hip = (world("left_hip") + world("right_hip")) / 2
    mid_shoulder = (world("left_shoulder") + world("right_shoulder")) / 2
    up = _unit(mid_shoulder - mid_hip)
    cues = []
    for part in ("hip", "shoulder"):
        left = _flat(world(f"left_{part}") - world(f"right_{part}"), up)
        cues.append(bearing_from_axes(np.cross(left, up), up))
    return np.stack(cues, axis=1)


LOOK_S = 0.25
"""Frames this close in time are one independent look at the bearing (4 a second)."""


def independent_looks(seen: np.ndarray, time: np.ndarray) -> float:
    """How many independent looks the `seen` rows at `time` give: each row counts for the
    time to the next row (the last for the median step) over `LOOK_S`, and at most once.
    Rows are the posed frames: every third frame at 10 posed frames a second, whatever the
    video's own rate, and sparser where a variable frame rate drops."""
    time = np.asarray(time, float)
    seen = np.asarray(seen, bool)
    if len(time) < 2:
        return max(1.0, float(seen.sum()))
    steps = np.diff(time)
    steps = np.append(steps, np.median(steps))
    return max(1.0, float(np.sum(np.minimum(1.0, steps[seen] / LOOK_S))))


def _estimate(cues: np.ndarray, time: np.ndarray) -> tuple[float, float]:
    """Circular mean of the cue angles and its one-sigma uncertainty."""
    mean, spread = circular_centre(cues)
    if not np.isfinite(mean):
        return mean, float("nan")
    independent = independent_looks(np.isfinite(cues).any(axis=1), time)
    return mean, float(np.hypot(SYSTEMATIC_DEG, spread / np.sqrt(independent)))


def estimate_view(traj: Trajectories, use_fit: bool = False) -> ViewEstimate:
    """The camera's bearing over the clip and per phase (see the module docstring); with
    `use_fit`, each phase where the knees bend is refined by the 3D fit's reading (about a
    fifth of a CPU second of fitting per phase; the protocols' view check asks for it)."""
    cues = cue_bearings(traj)
    bearing, sigma = _estimate(cues, traj.time)
    frames = int(np.isfinite(cues).any(axis=1).sum())
    found = phases(cues, traj.time)
    if use_fit and np.isfinite(bearing):
        found = tuple(_refined(traj, cues, p) for p in found)
        rows = np.array([p.stop_row - p.start_row for p in found], float)
        main = found[int(np.argmax(rows))]
        if len(found) == 1:
            bearing, sigma = main.bearing_deg, main.sigma_deg
    return ViewEstimate(bearing, sigma, frames, found)


def thin_rows(time: np.ndarray, max_rows: int) -> np.ndarray:
    """At most `max_rows` rows evenly spaced in time: every k-th row of evenly spaced rows;
    otherwise (a variable frame rate) the rows nearest to `max_rows` evenly spaced times, so
    that a stretch filmed at a third of the rate is not thinned to a third of the frames a
    second (the 3D fit smooths its joints' motion with one time step)."""
    time = np.asarray(time, float)
    n = len(time)
    if even_grid(time) is None:
        return np.arange(0, n, max(1, int(np.ceil(n / max_rows))))
    grid = np.linspace(time[0], time[-1], min(max_rows, n))
    right = np.clip(np.searchsorted(time, grid), 1, n - 1)
    nearer_left = grid - time[right - 1] <= time[right] - grid
    return np.unique(np.where(nearer_left, right - 1, right))


def fitted_bearing(traj: Trajectories) -> tuple[float, float, int]:
    """The 3D fit's reading of the bearing on at most `FIT_MAX_ROWS` frames evenly spaced in
    time (`thin_rows`): the plane in which the fitted knees bend, its spread over frames and
    how many bent-knee readings it rests on (NaN, NaN, 0 where nothing can be fitted)."""
    rows = thin_rows(traj.time, FIT_MAX_ROWS)
    thin = replace(
        traj,
        position=traj.position[rows],
        confidence=traj.confidence[rows],
        world=traj.world[rows],
        time=traj.time[rows],
        frame=traj.frame[rows],
    )
    if len(thin) < 3:
        return float("nan"), float("nan"), 0
    try:
        result = fit3d.fit(thin)
    except ValueError:
        return float("nan"), float("nan"), 0
    return leg_plane_bearing(result)


def leg_plane_bearing(
    result: fit3d.Fit3D, min_flexion_deg: float = 25.0
) -> tuple[float, float, int]:
    """The camera's bearing (`kneechain.vision.view`'s convention: 0 in front, + towards the
    person's left, 180 behind) from the plane in which the fitted knees bend: per frame with a
    knee bent more than `min_flexion_deg`, the person's forward direction is the knee's
    hinge axis crossed with the trunk's vertical. Returns the circular mean, the circular
    spread over frames (degrees) and the number of bent-knee readings (NaN, NaN, 0 without)."""
    mid_hip = (result.joint("left_hip") + result.joint("right_hip")) / 2
    up = (result.joint("left_shoulder") + result.joint("right_shoulder")) / 2 - mid_hip
    up = up / np.linalg.norm(up, axis=1, keepdims=True)
    readings = []
    for side in ("left", "right"):
        hip, knee, ankle = (result.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
        hinge = np.cross(knee - hip, ankle - knee)  # towards the person's left when bent
        with np.errstate(invalid="ignore"):
            bent = result.knee_flexion(side) > min_flexion_deg
        readings.append(bearing_from_axes(np.cross(hinge, up), up)[bent])
    values = np.concatenate(readings)
    values = values[np.isfinite(values)]
    if not values.size:
        return float("nan"), float("nan"), 0
    mean, spread = circular_mean(values)
    return mean, spread, int(values.size)


def combine_readings(
    first: tuple[float, float], second: tuple[float, float]
) -> tuple[float, float]:
    """Two independent (bearing, spread over frames) readings as one bearing and its
    one-sigma: the circular mean weighted by 1/sd^2, each reading's sd being `SYSTEMATIC_DEG`
    combined with its spread (a steady reading can still be off), and `SYSTEMATIC_DEG`
    combined with half their disagreement."""
    (a, sa), (b, sb) = first, second
    weight = 1.0 / (SYSTEMATIC_DEG**2 + np.array([sa, sb], float) ** 2)
    bearing, _ = circular_mean(np.array([a, b]), weight)
    disagreement = abs(float(wrap(a - b)))
    return float(wrap(bearing)), float(np.hypot(SYSTEMATIC_DEG, disagreement / 2))


def _refined(traj: Trajectories, cues: np.ndarray, phase: ViewPhase) -> ViewPhase:
    """The phase with the 3D fit's reading folded in, where its knees bend enough."""
    if not np.isfinite(phase.bearing_deg):
        return phase
    fitted, spread, readings = fitted_bearing(traj.slice_time(phase.start_row, phase.stop_row))
    if readings < FIT_MIN_READINGS or not np.isfinite(fitted):
        return phase
    _, model_spread = circular_centre(cues[phase.start_row : phase.stop_row])
    bearing, sigma = combine_readings((phase.bearing_deg, model_spread), (fitted, spread))
    return ViewPhase(phase.start_row, phase.stop_row, bearing, max(sigma, phase.sigma_deg))


def window_edges(time: np.ndarray, window_s: float) -> list[int]:
    """Rows where windows of `window_s` start, and the row count at the end: on evenly
    spaced rows every `round(window_s * rate)` rows (the rate of the rows, not of the video:
    posing every third frame makes rows 10 a second at 30 frames a second); otherwise (a
    variable frame rate) at the first row of each `window_s` of time from the first row."""
    time = np.asarray(time, float)
    n = len(time)
    if n < 2:
        return [0, n] if n else [0]
    if even_grid(time) is None:
        step = max(1, round(window_s * sampling_rate(time)))
        return [*range(0, n, step), n]
    starts = time[0] + window_s * np.arange(int(np.ceil((time[-1] - time[0]) / window_s)) + 1)
    rows = np.unique(np.searchsorted(time, starts - 1e-9))
    return [*(int(r) for r in rows if r < n), n]


def phases(cues: np.ndarray, time: np.ndarray) -> tuple[ViewPhase, ...]:
    """Split the rows into windows of `PHASE_WINDOW_S` (in time, `window_edges`), join
    neighbours whose bearings agree within `PHASE_SPLIT_DEG`, and estimate each phase."""
    edges = window_edges(time, PHASE_WINDOW_S)
    windows = [(a, b) for a, b in itertools.pairwise(edges) if b > a]
    merged: list[list[int]] = []
    last = float("nan")
    for a, b in windows:
        mean, _ = circular_centre(cues[a:b])
        if not np.isfinite(mean):
            if merged:
                merged[-1][1] = b
            continue
        if merged and np.isfinite(last) and abs(wrap(mean - last)) <= PHASE_SPLIT_DEG:
            merged[-1][1] = b
        else:
            merged.append([a, b])
        last, _ = circular_centre(cues[merged[-1][0] : merged[-1][1]])
    if merged:
        merged[0][0] = 0
    out = []
    for a, b in merged:
        bearing, sigma = _estimate(cues[a:b], np.asarray(time)[a:b])
        out.append(ViewPhase(a, b, bearing, sigma))
    return tuple(out)


def turn_from(bearing: float, view: str) -> float:
    """Degrees between the bearing and the nearest bearing that is `view`: "front" (0),
    "rear" (180), "front_or_rear" (either) or "side" (+-90)."""
    b = float(wrap(bearing))
    if view == "front":
        return abs(b)
    if view == "rear":
        return 180.0 - abs(b)
    if view == "front_or_rear":
        return min(abs(b), 180.0 - abs(b))
    if view == "side":
        return abs(abs(b) - 90.0)
    raise ValueError(f"unknown view {view!r}")


def describe(bearing: float) -> str:
    """Where the camera stands, in plain words: "in front of you, 35 degrees to your left"."""
    b = float(wrap(bearing))
    side = "left" if b > 0 else "right"
    a = abs(b)
    if a <= 45:
        return f"in front of you, {a:.0f} degrees to your {side}"
    if a < 135:
        off = a - 90
        where = "in front of" if off < 0 else "behind"
        return f"at your {side} side, {abs(off):.0f} degrees {where} it"
    return f"behind you, {180 - a:.0f} degrees to your {side}"


def move_advice(bearing: float, view: str) -> str:
    """Which way to move the phone to reach `view` from `bearing` (see `turn_from`)."""
    b = float(wrap(bearing))
    if view == "front_or_rear":
        view = "front" if abs(b) <= 90 else "rear"
    if view == "side":
        target, where = (90.0, "at your left side") if b >= 0 else (-90.0, "at your right side")
    else:
        target = TARGETS[view]
        where = "straight in front of you" if view == "front" else "straight behind you"
    turn = abs(float(wrap(target - b)))
    return (
        f"The phone stands {describe(b)}; move it about {turn:.0f} degrees round you so that "
        f"it stands {where}, square to you."
    )
