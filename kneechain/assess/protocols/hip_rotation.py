"""Hip rotation, two ways.

Lying leg-turn (the sources' own test), filmed along the legs from the feet: each foot's
heel-to-toe line, measured from "pointing straight up" (perpendicular to the line joining the
heels, so a tilted phone does not bias it), positive when the toes turn in. Both legs turn
together; each held turn is one repetition.

Seated rotation, front view: the shin's angle from vertical, positive when the foot swings
out (internal rotation) and negative when it swings in (external rotation). The thigh should
stay still and the pelvis level; movement of either is reported.
"""

from __future__ import annotations

import warnings

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import base, signals
from kneechain.assess.protocols.build import Collector, Exclusion, Reading
from kneechain.assess.protocols.config import HoldParams, ProtocolConfig, SeatedParams
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories


def foot_turn_in(traj: Trajectories, side: Side) -> np.ndarray:
    """Lying, seen from the feet: the foot axis's turn toward the other foot, in degrees."""
    heel, toe = traj.xy(f"{side}_heel"), traj.xy(f"{side}_foot_index")
    medial = traj.xy(f"{base.OTHER[side]}_heel") - heel
    medial = medial / np.linalg.norm(medial, axis=-1, keepdims=True)
    up = np.stack([medial[:, 1], -medial[:, 0]], axis=-1)
    up = np.where(up[:, 1:2] > 0, -up, up)
    foot = toe - heel
    return np.degrees(np.arctan2(np.sum(foot * medial, -1), np.sum(foot * up, -1)))


def shin_swing_out(traj: Trajectories, side: Side) -> np.ndarray:
    """Seated, seen from the front: shin angle from vertical, positive with the foot out."""
    knee, ankle = traj.xy(f"{side}_knee"), traj.xy(f"{side}_ankle")
    lateral = np.sign(traj.xy(f"{side}_hip")[:, 0] - traj.xy(f"{base.OTHER[side]}_hip")[:, 0])
    return k.signed_angle_2d(k.DOWN, ankle - knee) * -lateral


def _holds(
    col: Collector,
    values: np.ndarray,
    side: Side,
    p: HoldParams,
    measure: str,
    smoothing_hz: float,
) -> list[Reading]:
    """One reading per held extreme: the median of the frames within `plateau_deg` of it."""
    time = col.traj.time
    reps = signals.repetitions(
        signals.smooth(values, time, smoothing_hz), time, p.min_excursion_deg, 1.0
    )
    found = []
    for rep in reps:
        rows = signals.plateau(values, rep, p.plateau_deg)
        value = float(np.nanmedian(values[rows]))
        key = int(rows[np.argmin(np.abs(values[rows] - value))])
        found.append(Reading(value, key))
        col.add_repetition((rep.start, key, rep.end), {measure: value}, side=side)
    return found


def lying(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a lying leg-turn clip (see the module docstring)."""
    test_id = "lying_leg_turn"
    col, params, cfg = base.start(traj, test_id, base.legs("hip", "heel", "foot_index"), config)
    assert isinstance(params, HoldParams)
    per_side = {}
    for s in (side,) if side else base.SIDES:
        turn = foot_turn_in(traj, s)
        per_side[s] = _holds(col, turn, s, params, "hip_ir_supine", cfg.common.smoothing_hz)
        joints = (f"{s}_heel", f"{s}_foot_index")
        tol = params.spread_tolerance_deg
        col.add("hip_ir_supine", s, per_side[s], joints, params.min_reps, tol)
    base.require(
        any(per_side.values()),
        f"No leg turn was found: turn both legs in by at least {params.min_excursion_deg:.0f} "
        "degrees and hold.",
        col.facts.advice,
    )
    if all(per_side.get(s) for s in base.SIDES):
        diff = np.mean([r.value for r in per_side["left"]]) - np.mean(
            [r.value for r in per_side["right"]]
        )
        col.extras["left_minus_right_deg"] = round(float(diff), 1)
    return col.result()


def thigh_to_shank(traj: Trajectories) -> np.ndarray:
    """Per frame, the thighs' length in the picture over the shins', both legs averaged:
    seated facing the camera the thigh points at it and looks short; NaN where unseen."""
    ratios = []
    for s in base.SIDES:
        thigh = k.segment_length(traj.xy(f"{s}_hip"), traj.xy(f"{s}_knee"))
        shank = k.segment_length(traj.xy(f"{s}_knee"), traj.xy(f"{s}_ankle"))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios.append(np.where(shank > 0, thigh / shank, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN frames stay NaN
        return np.nanmean(ratios, axis=0)


def _seated_checks(col: Collector, p: SeatedParams, side: Side) -> None:
    traj = col.traj
    hip_w = base.median_length(traj, "left_hip", "right_hip")
    shift = traj.xy(f"{side}_knee")[:, 0] - traj.xy(f"{side}_hip")[:, 0]
    moved = (np.nanmax(shift) - np.nanmin(shift)) / hip_w
    if moved > p.max_thigh_shift:
        col.warnings.append(
            f"{side} thigh: the knee moved sideways by {moved:.0%} of the hip width; keep the "
            "thigh still and turn only the shin."
        )
    tilt = np.nanmax(np.abs(k.pelvic_drop(traj.xy("left_hip"), traj.xy("right_hip"))))
    if tilt > p.max_pelvic_tilt_deg:
        col.warnings.append(
            f"The pelvis tilted by up to {tilt:.0f} degrees; keep both sitting bones down."
        )


def seated(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a seated hip rotation clip (see the module docstring)."""
    test_id = "seated_hip_rotation"
    col, params, cfg = base.start(traj, test_id, base.legs("hip", "knee", "ankle"), config)
    assert isinstance(params, SeatedParams)
    col.exclusions += (
        Exclusion(
            thigh_to_shank(traj) > params.max_thigh_to_shank,
            "the person was not sitting",
            "swing(s) read while you were not sitting were left out.",
            "The person does not sit in this clip (the thighs look as long as the shins, as "
            "they do standing, wherever a swing of the foot seemed to be), so nothing was "
            "measured: this test is done sitting on a table edge facing the phone.",
        ),
    )
    hz, tol = cfg.common.smoothing_hz, params.spread_tolerance_deg
    found = False
    for s in (side,) if side else base.SIDES:
        swing = shin_swing_out(traj, s)
        ir = _holds(col, swing, s, params, "hip_ir_seated", hz)
        er = _holds(col, -swing, s, params, "hip_er_seated", hz)
        joints = (f"{s}_knee", f"{s}_ankle")
        if ir:
            col.add("hip_ir_seated", s, ir, joints, params.min_reps, tol)
        if er:
            col.add("hip_er_seated", s, er, joints, params.min_reps, tol)
        if ir or er:
            found = True
            _seated_checks(col, params, s)
    base.require(
        found,
        f"No rotation was found: swing the foot out and in by at least "
        f"{params.min_excursion_deg:.0f} degrees and hold each end.",
        col.facts.advice,
    )
    return col.result()
