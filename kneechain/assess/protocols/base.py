"""What every protocol does first: look up the test, check the clip, and small shared geometry."""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import signals
from kneechain.assess.protocols.build import Collector, Exclusion
from kneechain.assess.protocols.config import (
    ExpectedView,
    ProtocolBase,
    ProtocolConfig,
)
from kneechain.assess.protocols.errors import ProtocolError
from kneechain.assess.protocols.views import check_parts, check_view
from kneechain.vision import kinematics as k
from kneechain.vision.fit3d import default_focal
from kneechain.vision.subject import LYING_TILT
from kneechain.vision.trajectories import Trajectories

SIDES: tuple[Side, Side] = ("left", "right")
OTHER: dict[Side, Side] = {"left": "right", "right": "left"}
MIN_FRAMES = 10


def legs(*parts: str) -> tuple[str, ...]:
    """Keypoint names of `parts` on both sides, e.g. legs("hip", "knee")."""
    return tuple(f"{s}_{p}" for p in parts for s in SIDES)


def start(
    traj: Trajectories,
    test_id: str,
    needed: tuple[str, ...],
    config: ProtocolConfig,
    expected: ExpectedView | None = None,
) -> tuple[Collector, ProtocolBase, ProtocolConfig]:
    """Check the clip (length, needed parts, view) and return an empty collector, the
    protocol's parameters and the whole configuration. `expected` overrides the view the
    parameters name (gait accepts a side or a front/rear clip). `config` is the caller's (a
    service's `ctx.domain.protocols`, which the job worker is given with its task; the
    terminal's questionnaire passes the packaged one)."""
    cfg = config
    params: ProtocolBase = getattr(cfg.protocols, test_id)
    facts = cfg.test(test_id)
    tip = facts.advice
    if len(traj) < MIN_FRAMES:
        raise ProtocolError(
            f"The clip has only {len(traj)} analysed frames; at least {MIN_FRAMES} are needed.",
            tip,
        )
    check_parts(traj, needed, cfg.common, tip)
    view = check_view(traj, cfg.common, expected or params.view, tip, params.max_turn_deg)
    exclusions = []
    if params.subject != "travels":  # done in one place: no repetition read while walking
        limits = cfg.common.in_place
        speed = travel_speed(traj, view.view, limits.cutoff_hz)
        exclusions.append(
            Exclusion(
                speed > limits.max_speed_legs_per_s,
                "the person was walking",
                "repetition(s) read while you were walking were left out; this test is done "
                "in one place.",
                "The person is walking in this clip wherever the test's movement seemed to "
                "be, so nothing was measured: this test is done in one place. Film the test "
                "itself, standing, sitting or lying as it asks, from start to end.",
            )
        )
    if params.subject == "lying" and view.view == "side":  # seen from the side: the trunk
        exclusions.append(
            Exclusion(
                upright(traj),
                "the person was not lying down",
                "hold(s) read while you were not lying down were left out.",
                "The person does not lie down in this clip (the trunk is more upright than "
                f"{LYING_TILT:.0f} degrees from vertical wherever the test's hold seemed to "
                "be), so nothing was measured: this test is done lying on the back.",
            )
        )
    collector = Collector(traj, test_id, view, cfg.common, facts, exclusions=tuple(exclusions))
    return collector, params, cfg


def upright(traj: Trajectories) -> np.ndarray:
    """Per row, True where the trunk (mid-hip to mid-shoulder) is within `LYING_TILT` degrees
    of vertical in the picture: not lying down. Rows without shoulders or hips: False."""
    trunk = mid_shoulder(traj) - mid_hip(traj)
    tilt = np.degrees(np.arctan2(np.abs(trunk[:, 0]), np.abs(trunk[:, 1])))
    return np.isfinite(tilt) & (tilt < LYING_TILT)


def travel_speed(traj: Trajectories, view: str, cutoff_hz: float) -> np.ndarray:
    """Per row, how fast the person's hips travel, in leg lengths per second: across the
    picture, and in a front or rear view also toward or away from the camera.

    Toward the camera everything grows alike: a length l seen at distance d changes as
    d ln(l)/dt = -v/d, and d is the focal length times the leg's length over its length in
    the picture, so v in leg lengths per second is that rate times the focal length (a
    phone's, `fit3d.default_focal`) over the leg's pixels. The rate is read from the hips'
    width, the shoulders' width and the trunk's length together, and counts only where all
    three grow (or all shrink), as the smallest of the three: turning changes the two widths
    but not the trunk, leaning into a squat the trunk but not the widths. Each is low-passed
    at `cutoff_hz` first; rows without them are filled along time, and a clip without hips
    reads 0."""
    time = np.asarray(traj.time, float)
    leg = leg_length(traj)
    hips = mid_hip(traj)
    if len(time) < 2 or not np.isfinite(leg) or leg <= 0 or not np.isfinite(hips[:, 0]).any():
        return np.zeros(len(time))
    across = signals.smooth(hips[:, 0], time, cutoff_hz)
    speed = np.abs(np.gradient(across, time)) / leg
    if view not in ("front", "rear"):
        return speed
    lengths = (
        k.segment_length(traj.xy("left_hip"), traj.xy("right_hip")),
        k.segment_length(traj.xy("left_shoulder"), traj.xy("right_shoulder")),
        k.segment_length(mid_hip(traj), mid_shoulder(traj)),
    )
    rates = []
    for length in lengths:
        with np.errstate(divide="ignore", invalid="ignore"):
            size = signals.smooth(np.log(np.where(length > 0, length, np.nan)), time, cutoff_hz)
        if not np.isfinite(size).all():
            return speed
        rates.append(np.gradient(size, time))
    rate = np.stack(rates)
    together = np.all(rate > 0, axis=0) | np.all(rate < 0, axis=0)
    growth = np.where(together, np.min(np.abs(rate), axis=0), 0.0)
    focal = default_focal(traj.meta.image_width, traj.meta.image_height)
    return np.hypot(speed, growth * focal / leg)


def median_length(traj: Trajectories, a: str, b: str) -> float:
    lengths = k.segment_length(traj.xy(a), traj.xy(b))
    finite = lengths[np.isfinite(lengths)]
    return float(np.median(finite)) if finite.size else float("nan")


def leg_length(traj: Trajectories) -> float:
    """Median thigh plus shank length in pixels, averaged over both legs."""
    per_side = [
        median_length(traj, f"{s}_hip", f"{s}_knee")
        + median_length(traj, f"{s}_knee", f"{s}_ankle")
        for s in SIDES
    ]
    return float(np.nanmean(per_side))


def full_length(traj: Trajectories, a: str, b: str) -> float:
    """A segment's true length: the 95th percentile of its image length over the clip (the
    segment is seen unforeshortened at least briefly, e.g. standing)."""
    lengths = k.segment_length(traj.xy(a), traj.xy(b))
    finite = lengths[np.isfinite(lengths)]
    return float(np.percentile(finite, 95)) if finite.size else float("nan")


def foreshortened_flexion(traj: Trajectories, side: Side) -> np.ndarray:
    """Knee flexion seen from the front, from how much shorter thigh and shank look than their
    full length: with a level camera, a thigh tilted forward by a from vertical looks cos(a) as
    long, and knee flexion is the thigh tilt plus the shank tilt."""
    hip, knee, ankle = (traj.xy(f"{side}_{p}") for p in ("hip", "knee", "ankle"))
    tilt = []
    for a, b, name_a, name_b in ((hip, knee, "hip", "knee"), (knee, ankle, "knee", "ankle")):
        full = full_length(traj, f"{side}_{name_a}", f"{side}_{name_b}")
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.clip(k.segment_length(a, b) / full, 0.0, 1.0)
        tilt.append(np.degrees(np.arccos(cos)))
    return tilt[0] + tilt[1]


def fppa(traj: Trajectories, side: Side) -> np.ndarray:
    """Frontal plane projection angle of one leg (valgus positive), from the vision kinematics."""
    return k.frontal_plane_projection_angle(
        traj.xy(f"{side}_hip"),
        traj.xy(f"{side}_knee"),
        traj.xy(f"{side}_ankle"),
        traj.xy(f"{OTHER[side]}_hip"),
    )


def mid_hip(traj: Trajectories) -> np.ndarray:
    return k.midpoint(traj.xy("left_hip"), traj.xy("right_hip"))


def mid_shoulder(traj: Trajectories) -> np.ndarray:
    return k.midpoint(traj.xy("left_shoulder"), traj.xy("right_shoulder"))


def require(found: bool, problem: str, advice: str) -> None:
    """Raise a `ProtocolError` with the test's filming `advice` (the caller's knowledge base's,
    `Collector.facts.advice`) unless `found`."""
    if not found:
        raise ProtocolError(problem, advice)
