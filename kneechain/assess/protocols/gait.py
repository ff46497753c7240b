"""Walking or running gait. Side view: cadence, overstride (heel ahead of the pelvis at foot
strike, per leg length, and shin angle), knee flexion at foot strike and its peak in stance
(searched up to toe-off or the other foot's contact, whichever comes first: the knee bends
again before toe-off in walking, and a missed toe-off must not let swing in).
Front or rear view: contralateral pelvic drop peak in stance, frontal plane projection angle
at mid-stance, step width, and cadence. Per side, with the between-step spread.
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.case import GaitActivity, Side
from kneechain.assess.protocols import base, gait_events, views
from kneechain.assess.protocols.build import Collector, Reading
from kneechain.assess.protocols.config import GaitParams, ProtocolConfig
from kneechain.assess.protocols.gait_events import Stance
from kneechain.assess.protocols.result import ProtocolResult
from kneechain.assess.protocols.views import classify
from kneechain.vision import angles as vision_angles
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

TEST_ID = "gait"
SWAPPED = "same foot as a neighbouring step: the legs' labels were likely swapped"
HIDDEN = "the leg was not clearly seen at foot strike"
LEG = ("hip", "knee", "ankle", "heel")
NEEDED = base.legs("hip", "knee", "ankle", "heel", "foot_index")


def _record(
    col: Collector,
    stances: list[Stance],
    values: dict[int, dict[str, float]],
    reasons: dict[int, str] | None = None,
) -> None:
    for i, st in enumerate(stances, start=1):
        end = st.off if st.off is not None else st.key
        col.add_repetition(
            (st.contact, st.key, end),
            values.get(i, {}),
            side=st.side,
            rejected=(reasons or {}).get(i),
            digits=3,
            index=i,
        )


def _sagittal(
    traj: Trajectories, col: Collector, p: GaitParams, cutoff: float, sides: tuple[Side, ...]
) -> list[Stance]:
    face = vision_angles.facing(traj)
    leg = base.leg_length(traj)
    stances = gait_events.sagittal_stances(
        traj, face, leg, p.event_prominence, p.min_event_interval_s, cutoff
    )
    duty = gait_events.duty_factor(stances, traj.time)
    activity: GaitActivity = "running" if duty < p.running_duty_factor else "walking"
    values: dict[int, dict[str, float]] = {}
    readings: dict[tuple[str, str], list[Reading]] = {}
    seen = {
        s: views.visible(traj, tuple(f"{s}_{j}" for j in LEG), col.common.min_confidence).all(1)
        for s in base.SIDES
    }
    reasons: dict[int, str] = {}
    for i, st in enumerate(stances, start=1):
        s = st.side
        if not st.trusted or not seen[s][st.contact]:
            reasons[i] = SWAPPED if not st.trusted else HIDDEN
            continue
        hip, knee, ankle = (traj.xy(f"{s}_{j}") for j in ("hip", "knee", "ankle"))
        flex = k.knee_flexion(hip, knee, ankle)
        c = st.contact
        v = {
            "overstride_ratio": float(gait_events.along(traj, f"{s}_heel", face, leg)[c]),
            "overstride_shank_angle": float(-k.inclination_from_vertical(ankle, knee, face)[c]),
            "knee_flexion_contact": float(flex[c]),
        }
        rows = dict.fromkeys(v, c)
        ends = [x for x in (st.off, st.next_step) if x is not None]
        end = min(ends) if ends else None
        if end is not None and seen[s][c : end + 1].all():
            peak = c + int(np.nanargmax(flex[c : end + 1]))
            v["knee_flexion_stance_peak"], rows["knee_flexion_stance_peak"] = (
                float(flex[peak]),
                peak,
            )
        values[i] = v
        for key, value in v.items():
            readings.setdefault((key, s), []).append(Reading(value, rows[key]))
    _record(col, stances, values, reasons)
    joints = {
        "overstride_ratio": ("{s}_hip", "{s}_heel"),
        "overstride_shank_angle": ("{s}_knee", "{s}_ankle"),
        "knee_flexion_contact": ("{s}_hip", "{s}_knee", "{s}_ankle"),
        "knee_flexion_stance_peak": ("{s}_hip", "{s}_knee", "{s}_ankle"),
    }
    for s in sides:
        for measure, names in joints.items():
            tol = p.spread_tolerance_deg if measure != "overstride_ratio" else p.ratio_tolerance
            found = readings.get((measure, s), [])
            col.add(
                measure, s, found, tuple(n.format(s=s) for n in names), p.min_steps, tol, activity
            )
    col.extras["duty_factor"] = round(duty, 3) if np.isfinite(duty) else float("nan")
    return stances


def _frontal(
    traj: Trajectories, col: Collector, p: GaitParams, cutoff: float, sides: tuple[Side, ...]
) -> list[Stance]:
    leg = base.leg_length(traj)
    stances = gait_events.frontal_stances(traj, leg, p.frontal_foot_margin, p.min_stance_s, cutoff)
    values: dict[int, dict[str, float]] = {}
    readings: dict[tuple[str, str | None], list[Reading]] = {}
    foot_x = [
        float(np.nanmedian(traj.xy(f"{st.side}_heel")[st.contact : st.off + 1, 0]))
        for st in stances
    ]
    for i, st in enumerate(stances, start=1):
        s, o = st.side, base.OTHER[st.side]
        rows = slice(st.contact, st.off + 1)
        drop = k.pelvic_drop(traj.xy(f"{s}_hip")[rows], traj.xy(f"{o}_hip")[rows])
        peak = st.contact + int(np.nanargmax(drop))
        v = {
            "gait_pelvic_drop": float(np.nanmax(drop)),
            "gait_fppa_midstance": float(base.fppa(traj, s)[st.key]),
        }
        readings.setdefault(("gait_pelvic_drop", s), []).append(
            Reading(v["gait_pelvic_drop"], peak)
        )
        readings.setdefault(("gait_fppa_midstance", s), []).append(
            Reading(v["gait_fppa_midstance"], st.key)
        )
        if i > 1 and stances[i - 2].side != s:
            v["step_width"] = abs(foot_x[i - 1] - foot_x[i - 2]) / leg
            readings.setdefault(("step_width", None), []).append(Reading(v["step_width"], st.key))
        values[i] = v
    _record(col, stances, values)
    for s in sides:
        col.add(
            "gait_pelvic_drop",
            s,
            readings.get(("gait_pelvic_drop", s), []),
            (f"{s}_hip", f"{base.OTHER[s]}_hip"),
            p.min_steps,
            p.spread_tolerance_deg,
        )
        col.add(
            "gait_fppa_midstance",
            s,
            readings.get(("gait_fppa_midstance", s), []),
            (f"{s}_hip", f"{s}_knee", f"{s}_ankle"),
            p.min_steps,
            p.spread_tolerance_deg,
        )
    col.add(
        "step_width",
        None,
        readings.get(("step_width", None), []),
        ("left_heel", "right_heel"),
        p.min_steps,
        p.ratio_tolerance,
    )
    return stances


def analyse(traj: Trajectories, config: ProtocolConfig, side: Side | None = None) -> ProtocolResult:
    """Measure a gait clip: sagittal measures from a side view, frontal ones from a front or
    rear view (the view is read from the clip)."""
    cfg = config
    p = cfg.protocols.gait
    found = classify(traj, cfg.common, "side").view
    frontal = found in ("front", "rear")
    col, _, _ = base.start(traj, TEST_ID, NEEDED, cfg, expected="front" if frontal else "side")
    sides = (side,) if side else base.SIDES
    cutoff = cfg.common.smoothing_hz
    stances = (_frontal if frontal else _sagittal)(traj, col, p, cutoff, sides)
    base.require(
        len(stances) >= 2,
        "No steps were found: the feet must be seen moving through at least two steps.",
        col.facts.advice,
    )
    activity: GaitActivity = (
        "running" if col.extras.get("duty_factor", 1.0) < p.running_duty_factor else "walking"
    )
    found_steps = gait_events.steps(stances, traj.time, alternate=frontal)
    readings = [Reading(60.0 / dt, row) for dt, row in found_steps]
    heels = ("left_heel", "right_heel")
    col.add(
        "cadence",
        None,
        readings,
        heels,
        2 * p.min_steps,
        p.cadence_tolerance,
        None if frontal else activity,
    )
    dts = np.array([dt for dt, _ in found_steps])
    if dts.size >= 2:
        cv = 100 * np.std(dts, ddof=1) / np.mean(dts)
        col.extras["step_time_cv_percent"] = round(float(cv), 1)
    for s in sides:
        count = sum(1 for st in stances if st.side == s and st.trusted)
        if count < p.min_steps:
            col.warnings.append(
                f"{s} foot: {count} step(s) found; film at least {p.min_steps} per foot."
            )
    return col.result()
