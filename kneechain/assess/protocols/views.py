"""View checks: is the clip filmed from the view the test needs, with the needed parts in frame?

The camera's bearing (where it stands around the person, in degrees, with a one-sigma
uncertainty) comes from `kneechain.vision.view`, which reads it from the pose model's 3D
world landmarks: 0 in front, +-90 at a side, 180 behind. Each protocol names the view it
needs and how far off it may be (`max_turn_deg`); a clip turned further is refused with
advice that says where the phone stands and which way to move it.

Clips without world landmarks (constructed test clips) fall back on the image: facing the
camera (front) or turned away (rear), the shoulders lie far apart compared with the trunk
length; from the side they overlap. Squarely facing the camera the ratio is about
`nominal_width_ratio` and turning by t shrinks it by cos(t) (the direction of the turn is
unknown). Front and rear are told apart by the person's left shoulder being on the image
right (front). Lying on the back filmed from the feet ("feet_end"), the legs are strongly
foreshortened and the toes point up in the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import numpy as np

from kneechain.assess.protocols.config import CommonParams, ExpectedView
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories
from kneechain.vision.view import (
    ViewEstimate,
    ViewPhase,
    describe,
    estimate_view,
    move_advice,
    turn_from,
)

FALLBACK_SIGMA_DEG = 15.0
"""Uncertainty of the image-width estimate (the person's true width ratio varies)."""


@dataclass(frozen=True)
class ViewReport:
    """The view found, how far it is turned from the expected one (degrees, with its
    one-sigma uncertainty), a 0-1 score, and the camera's bearing when it is known (see
    `kneechain.vision.view`; NaN from the image fallback, which cannot tell the direction)."""

    view: str
    turn_deg: float
    score: float
    width_ratio: float
    sigma_deg: float = FALLBACK_SIGMA_DEG
    bearing_deg: float = float("nan")
    phases: tuple[ViewPhase, ...] = ()


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


def width_ratio(traj: Trajectories) -> float:
    """Median over frames of shoulder distance / trunk length (both in the image)."""
    ls, rs = traj.xy("left_shoulder"), traj.xy("right_shoulder")
    trunk = k.segment_length(
        k.midpoint(traj.xy("left_hip"), traj.xy("right_hip")), k.midpoint(ls, rs)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return _median(k.segment_length(ls, rs) / trunk)


def facing_camera(traj: Trajectories) -> bool:
    """True when the person's left shoulder is on the image right in most frames (front view)."""
    dx = traj.xy("left_shoulder")[:, 0] - traj.xy("right_shoulder")[:, 0]
    return bool(np.nansum(np.sign(dx)) >= 0)


def looks_feet_end(traj: Trajectories, max_leg_ratio: float) -> bool:
    """Lying on the back filmed from the feet: short legs in the image and toes above heels."""
    hip_w = k.segment_length(traj.xy("left_hip"), traj.xy("right_hip"))
    legs, toes_up = [], []
    for side in ("left", "right"):
        legs.append(k.segment_length(traj.xy(f"{side}_hip"), traj.xy(f"{side}_ankle")))
        foot = traj.xy(f"{side}_foot_index") - traj.xy(f"{side}_heel")
        with np.errstate(invalid="ignore", divide="ignore"):
            toes_up.append(-foot[:, 1] / np.linalg.norm(foot, axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        leg_ratio = _median(np.mean(legs, axis=0) / hip_w)
    return bool(leg_ratio < max_leg_ratio and _median(np.mean(toes_up, axis=0)) > 0.5)


def _score(turn: float, square: float, reject: float) -> float:
    if not np.isfinite(turn):
        return 0.0
    return float(np.clip((reject - turn) / (reject - square), 0.0, 1.0))


def _found(bearing: float) -> str:
    a = abs(bearing)
    return "front" if a <= 45 else ("rear" if a >= 135 else "side")


def _wanted(expected: ExpectedView) -> str:
    return "front_or_rear" if expected == "front" else expected


#: each clip's view estimate, kept while its trajectories live: a protocol asks for the view
#: more than once (gait reads it to choose sagittal or frontal, then checks it), and the 3D
#: fit behind it is the dearest step after pose
_ESTIMATES: WeakKeyDictionary[Trajectories, ViewEstimate] = WeakKeyDictionary()


def view_estimate(traj: Trajectories) -> ViewEstimate:
    """`estimate_view(traj, use_fit=True)`, worked out once per trajectories object."""
    found = _ESTIMATES.get(traj)
    if found is None:
        found = _ESTIMATES[traj] = estimate_view(traj, use_fit=True)
    return found


def classify(traj: Trajectories, common: CommonParams, expected: ExpectedView) -> ViewReport:
    """The view of the clip and its turn away from `expected` (front accepts rear)."""
    vp = common.view
    ratio = width_ratio(traj)
    if looks_feet_end(traj, vp.feet_end_max_leg_ratio):
        turn = 0.0 if expected == "feet_end" else 90.0
        return ViewReport("feet_end", turn, 1.0 if expected == "feet_end" else 0.0, ratio)
    est = view_estimate(traj)
    if est.known and expected != "feet_end":
        # where the person turns (walking back and forth), each phase is judged on its own:
        # the turn is the frame-weighted mean of the phases' turns, the rest the longest phase's
        known = [p for p in est.phases if np.isfinite(p.bearing_deg)] or [
            ViewPhase(0, len(traj), est.bearing_deg, est.sigma_deg)
        ]
        rows = np.array([p.stop_row - p.start_row for p in known], float)
        turns = np.array([turn_from(p.bearing_deg, _wanted(expected)) for p in known])
        turn = float(np.sum(rows * turns) / rows.sum())
        main = known[int(np.argmax(rows))]
        score = _score(turn, vp.square_within_deg, vp.reject_beyond_deg)
        view = _found(main.bearing_deg)
        return ViewReport(view, turn, score, ratio, main.sigma_deg, main.bearing_deg, est.phases)
    from_front = float(np.degrees(np.arccos(np.clip(ratio / vp.nominal_width_ratio, 0, 1))))
    if not np.isfinite(ratio):
        from_front = float("nan")
    found = "side" if from_front > 45 else ("front" if facing_camera(traj) else "rear")
    turn = {"side": 90.0 - from_front, "front": from_front, "feet_end": 90.0}[expected]
    return ViewReport(found, turn, _score(turn, vp.square_within_deg, vp.reject_beyond_deg), ratio)


def _name(view: str) -> str:
    return {
        "front": "a front view (facing the camera)",
        "rear": "a rear view (back to the camera)",
        "side": "a side view",
        "feet_end": "a view along the legs from the feet, lying on the back",
    }[view]


def check_view(
    traj: Trajectories,
    common: CommonParams,
    expected: ExpectedView,
    advice: str,
    max_turn_deg: float | None = None,
) -> ViewReport:
    """The view report, or a `ProtocolError` saying what the clip shows, where the phone
    stands and which way to move it. `max_turn_deg` (the protocol's own limit) defaults to
    the common `reject_beyond_deg`."""
    report = classify(traj, common, expected)
    limit = common.view.reject_beyond_deg if max_turn_deg is None else max_turn_deg
    if expected == "feet_end" and report.view != "feet_end":
        raise ProtocolError(
            f"This clip looks like {_name(report.view)}; this test needs {_name('feet_end')}.",
            advice,
        )
    if expected != "feet_end" and (report.view == "feet_end" or not report.turn_deg <= limit):
        where = ""
        if np.isfinite(report.bearing_deg):
            where = f"; the phone stands {describe(report.bearing_deg)}"
            advice = f"{move_advice(report.bearing_deg, _wanted(expected))} {advice}"
        raise ProtocolError(
            f"This clip looks like {_name(report.view)} (camera about "
            f"{report.turn_deg:.0f} +- {report.sigma_deg:.0f} degrees off{where}); this test "
            f"needs {_name(expected)} within {limit:.0f} degrees.",
            advice,
        )
    return report


def visible(traj: Trajectories, names: tuple[str, ...], min_confidence: float) -> np.ndarray:
    """(time, len(names)) True where a keypoint is confidently seen inside the image."""
    cols = [traj.index(n) for n in names]
    xy = traj.position[:, cols, :]
    inside = (
        (xy[..., 0] >= 0)
        & (xy[..., 0] < traj.meta.image_width)
        & (xy[..., 1] >= 0)
        & (xy[..., 1] < traj.meta.image_height)
    )
    return inside & (traj.confidence[:, cols] >= min_confidence)


def check_parts(
    traj: Trajectories, names: tuple[str, ...], common: CommonParams, advice: str
) -> np.ndarray:
    """Rows in which every needed keypoint is seen; a `ProtocolError` naming the parts that
    are missing too often."""
    seen = visible(traj, names, common.min_confidence)
    share = seen.mean(axis=0) if len(traj) else np.zeros(len(names))
    missing = [
        f"{n.replace('_', ' ')} ({s:.0%} of frames)"
        for n, s in zip(names, share, strict=True)
        if s < common.min_in_frame_fraction
    ]
    if missing:
        raise ProtocolError(
            "Some body parts this test needs are hidden or out of the picture: "
            + ", ".join(missing)
            + ".",
            advice,
        )
    return np.all(seen, axis=1)
