"""Gait events from keypoints: foot contacts and toe-offs (side view), stance phases (front or
rear view), and cadence from either.

Side view, after Zeni et al. (2008): relative to the pelvis, along the walking direction, the
heel is farthest ahead at initial contact and the toe farthest behind at toe-off. This works
for treadmill and overground walking or running alike. Front or rear view: the standing foot
is the lower one in the image; each run of one foot being lower is one stance phase.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from kneechain.assess.case import Side
from kneechain.assess.protocols import signals
from kneechain.vision.trajectories import Trajectories


@dataclass(frozen=True)
class Stance:
    """One foot's ground contact: rows of initial contact, a key row and toe-off."""

    side: Side
    contact: int
    key: int
    off: int


def along(traj: Trajectories, name: str, facing: np.ndarray, scale: float) -> np.ndarray:
    """Forward distance of a keypoint ahead of the pelvis centre, in units of `scale` pixels."""
    pelvis_x = (traj.xy("left_hip")[:, 0] + traj.xy("right_hip")[:, 0]) / 2
    return (traj.xy(name)[:, 0] - pelvis_x) * facing / scale


def sagittal_stances(
    traj: Trajectories,
    side: Side,
    facing: np.ndarray,
    leg: float,
    prominence: float,
    min_interval_s: float,
    cutoff_hz: float,
) -> list[Stance]:
    """Stance phases of one foot in a side view: contact = heel most ahead of the pelvis,
    toe-off = toe most behind it; the key row is mid-way."""
    heel = signals.smooth(along(traj, f"{side}_heel", facing, leg), traj.time, cutoff_hz)
    toe = signals.smooth(along(traj, f"{side}_foot_index", facing, leg), traj.time, cutoff_hz)
    contacts = signals.peaks(heel, traj.time, prominence, min_interval_s)
    offs = signals.peaks(-toe, traj.time, prominence, min_interval_s)
    found = []
    for i, c in enumerate(contacts):
        limit = contacts[i + 1] if i + 1 < len(contacts) else len(traj)
        later = offs[(offs > c) & (offs < limit)]
        if later.size:
            off = int(later[0])
            found.append(Stance(side, int(c), (int(c) + off) // 2, off))
    return found


def frontal_stances(
    traj: Trajectories, leg: float, margin: float, min_duration_s: float, cutoff_hz: float
) -> list[Stance]:
    """Stance phases in a front or rear view: runs where one heel is lower in the image than
    the other by more than `margin` leg lengths; the key row (mid-stance) is the run's middle."""
    dy = traj.xy("left_heel")[:, 1] - traj.xy("right_heel")[:, 1]
    dy = signals.smooth(dy, traj.time, cutoff_hz) / leg
    found = []
    for side, mask in (("left", dy > margin), ("right", dy < -margin)):
        for a, b in signals.runs(mask):
            if traj.time[b - 1] - traj.time[a] >= min_duration_s:
                found.append(Stance(side, a, (a + b - 1) // 2, b - 1))
    return sorted(found, key=lambda s: s.contact)


def steps(stances: list[Stance], time: np.ndarray) -> list[tuple[float, int]]:
    """(step time, row of the contact ending it) for consecutive contacts of alternating
    feet; steps longer than twice the median (a gap, e.g. the walker left the frame) are
    dropped."""
    ordered = sorted(stances, key=lambda s: s.contact)
    found = [
        (float(time[b.contact] - time[a.contact]), b.contact)
        for a, b in itertools.pairwise(ordered)
        if a.side != b.side
    ]
    if not found:
        return []
    limit = 2 * float(np.median([dt for dt, _ in found]))
    return [(dt, row) for dt, row in found if 0 < dt <= limit]


def cadence(stances: list[Stance], time: np.ndarray) -> float:
    """Steps per minute from the median step time (NaN without steps)."""
    found = steps(stances, time)
    return float(60.0 / np.median([dt for dt, _ in found])) if found else float("nan")


def duty_factor(stances: list[Stance], time: np.ndarray) -> float:
    """Median share of the stride spent on the ground (below 0.5 means running)."""
    shares = []
    for side in ("left", "right"):
        own = [s for s in stances if s.side == side]
        for a, b in itertools.pairwise(own):
            stride = time[b.contact] - time[a.contact]
            if stride > 0:
                shares.append((time[a.off] - time[a.contact]) / stride)
    return float(np.median(shares)) if shares else float("nan")
