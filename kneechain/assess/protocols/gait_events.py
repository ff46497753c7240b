"""Gait events from keypoints: foot contacts and toe-offs (side view), stance phases (front or
rear view), and cadence from either.

Side view, after Zeni et al. (2008): relative to the pelvis, along the walking direction, the
heel is farthest ahead at initial contact and the toe farthest behind at toe-off. This works
for treadmill and overground walking or running alike. Front or rear view: the standing foot
is the lower one in the image; each run of one foot being lower is one stance phase.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import signals
from kneechain.vision.trajectories import Trajectories

SIDES: tuple[Side, Side] = ("left", "right")
REFINE_S = 0.15  # a heel's own farthest point this near in time refines a step's contact


@dataclass(frozen=True)
class Stance:
    """One foot's ground contact: rows of initial contact, a key row and toe-off (None when
    the toe-off is not in the clip), and the row of the other foot's next contact."""

    side: Side
    contact: int
    key: int
    off: int | None
    trusted: bool = True
    next_step: int | None = None


def along(traj: Trajectories, name: str, facing: np.ndarray, scale: float) -> np.ndarray:
    """Forward distance of a keypoint ahead of the pelvis centre, in units of `scale` pixels."""
    pelvis_x = (traj.xy("left_hip")[:, 0] + traj.xy("right_hip")[:, 0]) / 2
    return (traj.xy(name)[:, 0] - pelvis_x) * facing / scale


def sagittal_stances(
    traj: Trajectories,
    facing: np.ndarray,
    leg: float,
    prominence: float,
    min_interval_s: float,
    cutoff_hz: float,
) -> list[Stance]:
    """Stance phases in a side view.

    Steps are the peaks of the distance between the heels along the walking direction (feet
    farthest apart, at foot strike); this signal does not change when the pose model swaps
    the legs' labels, so every step is found even then. The step's foot is the one ahead;
    its contact is refined to that heel's own farthest point ahead of the pelvis (Zeni) when
    one lies within 0.15 s, and toe-off is its toe's farthest point behind. A step by the
    same foot as a neighbouring step (a label swap) is kept for cadence but not trusted for
    per-side values.
    """
    time = traj.time
    heel = {
        s: signals.smooth(along(traj, f"{s}_heel", facing, leg), time, cutoff_hz) for s in SIDES
    }
    toe = {
        s: signals.smooth(along(traj, f"{s}_foot_index", facing, leg), time, cutoff_hz)
        for s in SIDES
    }
    apart = np.abs(along(traj, "left_heel", facing, leg) - along(traj, "right_heel", facing, leg))
    steps_at = signals.peaks(
        signals.smooth(apart, time, cutoff_hz), time, prominence, min_interval_s
    )
    own = {s: signals.peaks(heel[s], time, prominence / 2, min_interval_s) for s in SIDES}
    offs = {s: signals.peaks(-toe[s], time, prominence / 2, min_interval_s) for s in SIDES}
    found: list[Stance] = []
    for i, step in enumerate(steps_at):
        side: Side = "left" if heel["left"][step] >= heel["right"][step] else "right"
        near = own[side][np.abs(time[own[side]] - time[step]) <= REFINE_S]
        contact = int(near[np.argmin(np.abs(near - step))]) if near.size else int(step)
        limit = steps_at[i + 2] if i + 2 < len(steps_at) else len(traj)
        later = offs[side][(offs[side] > contact) & (offs[side] < limit)]
        off = int(later[0]) if later.size else None
        key = signals.middle_row(time, contact, off) if off is not None else contact
        after = int(steps_at[i + 1]) if i + 1 < len(steps_at) else None
        found.append(Stance(side, contact, key, off, True, after))
    return alternation(found)


def alternation(stances: list[Stance]) -> list[Stance]:
    """Mark as untrusted every step taken by the same foot as the step before or after it:
    feet alternate, so the labels around such a step were swapped by the pose model."""
    sides = [s.side for s in stances]
    out = []
    for i, st in enumerate(stances):
        odd = (i > 0 and sides[i - 1] == st.side) or (
            i + 1 < len(sides) and sides[i + 1] == st.side
        )
        out.append(replace(st, trusted=not odd))
    return out


def frontal_stances(
    traj: Trajectories, leg: float, margin: float, min_duration_s: float, cutoff_hz: float
) -> list[Stance]:
    """Stance phases in a front or rear view: runs where one heel is lower in the image than
    the other by more than `margin` leg lengths; the key row (mid-stance) is the run's middle
    in time. Runs cut by the start or end of the clip are left out."""
    dy = traj.xy("left_heel")[:, 1] - traj.xy("right_heel")[:, 1]
    dy = signals.smooth(dy, traj.time, cutoff_hz) / leg
    found = []
    for side, mask in (("left", dy > margin), ("right", dy < -margin)):
        for a, b in signals.runs(mask):
            whole = a > 0 and b < len(traj)  # a stance cut by the clip's ends has no contact
            if whole and traj.time[b - 1] - traj.time[a] >= min_duration_s:
                found.append(Stance(side, a, signals.middle_row(traj.time, a, b - 1), b - 1))
    return sorted(found, key=lambda s: s.contact)


def steps(stances: list[Stance], time: np.ndarray, alternate: bool) -> list[tuple[float, int]]:
    """(step time, row of the contact ending it) for consecutive contacts (of alternating
    feet if `alternate`); steps longer than 1.5 times the median (a missed step, or the walker
    left the frame) are dropped."""
    ordered = sorted(stances, key=lambda s: s.contact)
    found = [
        (float(time[b.contact] - time[a.contact]), b.contact)
        for a, b in itertools.pairwise(ordered)
        if a.side != b.side or not alternate
    ]
    if not found:
        return []
    limit = 1.5 * float(np.median([dt for dt, _ in found]))
    return [(dt, row) for dt, row in found if 0 < dt <= limit]


def cadence(stances: list[Stance], time: np.ndarray, alternate: bool = True) -> float:
    """Steps per minute from the median step time (NaN without steps)."""
    found = steps(stances, time, alternate)
    return float(60.0 / np.median([dt for dt, _ in found])) if found else float("nan")


def duty_factor(stances: list[Stance], time: np.ndarray) -> float:
    """Median share of the stride spent on the ground (below 0.5 means running)."""
    shares = []
    for side in ("left", "right"):
        own = [s for s in stances if s.side == side and s.trusted]
        for a, b in itertools.pairwise(own):
            stride = time[b.contact] - time[a.contact]
            if stride > 0 and a.off is not None:
                shares.append((time[a.off] - time[a.contact]) / stride)
    return float(np.median(shares)) if shares else float("nan")
