"""Which of the people in view is the test's subject: judged by what the test is about.

The caller (a test protocol) says what its subject does, as a plain `Subject` value; the
person who does it is judged from the sparse samples (person.py, survey.py):

- `travels`, walks or runs across the picture (gait): the longest steady run one way with
  the hip at one height;
- `down_up`, goes down and up (squats, step-downs): down-and-up cycles of the hip while
  staying in place;
- `one_leg`, stands on one leg (balance): each person posed at the samples, one ankle raised;
- `lying`, lies down: the detector's body axis near horizontal;
- `seated`, sits: each person posed at the samples, thighs level under an upright trunk;
- `any` (no test): the largest and most central, present longest.

Each person's fit is a number (0: does not do it). The best fit is chosen when it is clearly
ahead; when the second best fits nearly as well (`TIE_RATIO`), nobody is chosen and the
caller asks for a box. Every function here is pure; the detector, the pose probe and the
tracks live in person.py and survey.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from kneechain.vision.errors import VideoError

Subject = Literal["any", "travels", "down_up", "one_leg", "lying", "seated"]

DOES = {
    "travels": "walk or run across the picture",
    "down_up": "go down and up",
    "one_leg": "stand on one leg",
    "lying": "lie down",
    "seated": "sit",
    "any": "are in view",
}

TIE_RATIO = 0.75  # a second person fitting at least this share of the best fit: ask
BACKSTEP = 0.25  # body sizes a walker may seem to step back (detector jitter) within a run
LEVEL = 0.3  # body sizes the hip may rise or fall within a run across (a jump, stairs: not gait)
MIN_TRAVEL = 0.8  # body sizes: less is not walking across the picture
DEPTH = 0.1  # body sizes the hip drops for a down-and-up (about 0.1 stature)
STAY = 0.6  # body sizes: someone who moves further sideways is not squatting in place
LYING_TILT = 60.0  # degrees from upright: the body axis of someone lying
FOOT_LIFT = 0.08  # leg lengths one ankle is above the other: on one leg
SEATED_THIGH = 35.0  # degrees from horizontal: a seated thigh
UPRIGHT_TRUNK = 35.0  # degrees from vertical: an upright trunk
MIN_SHARE = 0.3  # share of a person's samples in that posture to fit at all


@dataclass(frozen=True)
class Posture:
    """What one pose of one person shows (NaN where the joints needed were not seen).

    foot_lift: height difference of the ankles in leg lengths; thigh_tilt: the more level
    thigh's angle from horizontal; trunk_tilt: mid-hip to mid-shoulder from vertical."""

    foot_lift: float = float("nan")
    thigh_tilt: float = float("nan")
    trunk_tilt: float = float("nan")


@dataclass(frozen=True)
class Trail:
    """One person's track at the samples where they were detected (time order)."""

    time: np.ndarray
    x: np.ndarray
    y: np.ndarray
    size: np.ndarray
    tilt: np.ndarray
    postures: tuple[Posture | None, ...] = ()
    frame: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


class AmbiguousSubject(VideoError):
    """Two people fit the test equally well: the user must say whom to measure."""


def _angle_from(dx: float, dy: float, vertical: bool) -> float:
    """Angle of (dx, dy) from the vertical (or horizontal) axis, 0..90 degrees."""
    a, b = (abs(dx), abs(dy)) if vertical else (abs(dy), abs(dx))
    return float(np.degrees(np.arctan2(a, b)))


def posture_of(xy: np.ndarray, visible: np.ndarray, keypoints: tuple[str, ...]) -> Posture:
    """The `Posture` of one pose: `xy` (K, 2) image pixels, `visible` (K,) booleans."""
    at = {name: i for i, name in enumerate(keypoints)}

    def point(name: str) -> np.ndarray | None:
        i = at.get(name)
        return xy[i] if i is not None and visible[i] and np.all(np.isfinite(xy[i])) else None

    hips = [point(f"{s}_hip") for s in ("left", "right")]
    knees = [point(f"{s}_knee") for s in ("left", "right")]
    ankles = [point(f"{s}_ankle") for s in ("left", "right")]
    shoulders = [point(f"{s}_shoulder") for s in ("left", "right")]
    lift = thigh = trunk = float("nan")
    legs = [
        float(np.linalg.norm(h - k) + np.linalg.norm(k - a))
        for h, k, a in zip(hips, knees, ankles, strict=True)
        if h is not None and k is not None and a is not None
    ]
    if ankles[0] is not None and ankles[1] is not None and legs and max(legs) > 0:
        lift = abs(float(ankles[0][1] - ankles[1][1])) / max(legs)
    thighs = [
        _angle_from(*(k - h), vertical=False)
        for h, k in zip(hips, knees, strict=True)
        if h is not None and k is not None and np.any(k != h)
    ]
    if thighs:
        thigh = min(thighs)
    if all(p is not None for p in (*hips, *shoulders)):
        d = (shoulders[0] + shoulders[1]) / 2 - (hips[0] + hips[1]) / 2
        if np.any(d != 0):
            trunk = _angle_from(*d, vertical=True)
    return Posture(lift, thigh, trunk)


def travel(path: Trail) -> float:
    """The longest steady run across the picture, in body sizes: a stretch of detections
    moving one way (back-steps under `BACKSTEP` allowed) with the hip at one height (within
    `LEVEL`), so a jump or a landing is not walking."""
    scale = float(np.median(path.size)) if len(path.size) else 0.0
    if len(path.x) < 2 or scale <= 0:
        return 0.0
    x, y = path.x / scale, path.y / scale
    best = 0.0
    for sign in (1.0, -1.0):
        for i in range(len(x)):
            front = x[i]
            for j in range(i + 1, len(x)):
                if sign * (x[j] - front) < -BACKSTEP or abs(y[j] - y[i]) > LEVEL:
                    break
                front = max(front, x[j]) if sign > 0 else min(front, x[j])
                best = max(best, sign * (front - x[i]))
    return best


def down_up(path: Trail) -> float:
    """Down-and-up cycles of the hip (each at least `DEPTH` body sizes below the standing
    level, the 10th percentile of hip height, and back within half of it), counted only for
    someone who stays in place (sideways spread under `STAY` body sizes)."""
    scale = float(np.median(path.size)) if len(path.size) else 0.0
    if len(path.y) < 3 or scale <= 0:
        return 0.0
    if float(np.ptp(path.x)) / scale > STAY:
        return 0.0
    depth = (path.y - np.percentile(path.y, 10)) / scale  # image y points down: + is lower
    cycles, down = 0, False
    for d in depth:
        if not down and d >= DEPTH:
            down = True
        elif down and d <= DEPTH / 2:
            down, cycles = False, cycles + 1
    return float(cycles)


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def lying(path: Trail) -> float:
    """Share of the samples in which the body axis is near horizontal."""
    return _share([float(t) >= LYING_TILT for t in path.tilt])


def one_leg(path: Trail) -> float:
    """Share of the posed samples showing one ankle clearly above the other."""
    seen = [p for p in path.postures if p is not None and np.isfinite(p.foot_lift)]
    return _share([p.foot_lift >= FOOT_LIFT for p in seen])


def seated(path: Trail) -> float:
    """Share of the posed samples showing a level thigh under an upright trunk."""
    seen = [
        p
        for p in path.postures
        if p is not None and np.isfinite(p.thigh_tilt) and np.isfinite(p.trunk_tilt)
    ]
    return _share([p.thigh_tilt <= SEATED_THIGH and p.trunk_tilt <= UPRIGHT_TRUNK for p in seen])


def prominence(path: Trail, width: int, height: int) -> float:
    """Summed size times centrality over the samples (the `any` subject: present longest,
    biggest, nearest the middle; 1 at the centre, 0.5 at a corner)."""
    half_diag = float(np.hypot(width, height)) / 2.0
    off = np.hypot(path.x - width / 2.0, path.y - height / 2.0) / half_diag
    return float(np.sum(path.size * (1.0 - 0.5 * off)))


def fit(path: Trail, subject: Subject, width: int, height: int) -> float:
    """How well one person fits the test's subject (0: not at all)."""
    if subject == "travels":
        value = travel(path)
        return value if value >= MIN_TRAVEL else 0.0
    if subject == "down_up":
        return down_up(path)
    if subject in ("lying", "one_leg", "seated"):
        value = {"lying": lying, "one_leg": one_leg, "seated": seated}[subject](path)
        return value if value >= MIN_SHARE else 0.0
    return prominence(path, width, height)


@dataclass(frozen=True)
class Decision:
    """The chosen person (index into the fits), or None with the tied ones named."""

    chosen: int | None
    tied: tuple[int, ...] = ()
    fitting: bool = True  # False: nobody fits the subject; `chosen` is then the most prominent


def decide(
    fits: list[float],
    prominences: list[float],
    subject: Subject,
    spans: list[tuple[float, float]] | None = None,
) -> Decision:
    """Choose by fit; ask (chosen None) when a second person in view at the same time (their
    `spans`, first to last detection, overlap) fits within `TIE_RATIO` of the best; someone
    never in view together with the best may be the same person coming back. With nobody
    fitting, the most prominent person, marked as not fitting. The `any` subject never
    asks: it has no movement to tell people apart."""
    if not fits:
        return Decision(None, fitting=False)
    order = sorted(range(len(fits)), key=lambda i: (-fits[i], -prominences[i]))
    best = order[0]
    if fits[best] <= 0:
        return Decision(max(range(len(fits)), key=lambda i: prominences[i]), fitting=False)
    if subject == "any":
        return Decision(best)
    spans = spans or [(0.0, 0.0)] * len(fits)
    lo, hi = spans[best]
    close = tuple(
        i
        for i in order
        if fits[i] >= TIE_RATIO * fits[best] and spans[i][0] <= hi and spans[i][1] >= lo
    )
    return Decision(best) if len(close) == 1 else Decision(None, tied=close)
