"""Quality scores, 0-1, of a video measurement: visibility, view, stability, repetitions.

The score is the product of the four parts, so any one weak part pulls it down: a clip filmed
well but with one repetition, or many repetitions seen at a slant, is not trusted alone.
"""

from __future__ import annotations

import numpy as np

from kneechain.assess.protocols.config import QualityParams
from kneechain.assess.protocols.result import QualityParts
from kneechain.vision.trajectories import Trajectories


def visibility_score(
    traj: Trajectories, names: tuple[str, ...], rows: list[int], params: QualityParams
) -> float:
    """Mean confidence of the keypoints `names` at `rows`, mapped linearly from
    `visibility_floor` (0) to `visibility_full` (1)."""
    if not rows or not names:
        return 0.0
    cols = [traj.index(n) for n in names]
    mean = float(np.mean(traj.confidence[np.ix_(rows, cols)]))
    span = params.visibility_full - params.visibility_floor
    return float(np.clip((mean - params.visibility_floor) / span, 0.0, 1.0))


def stability_score(spread: float | None, tolerance: float) -> float:
    """1 for identical repetitions, 0.5 when their standard deviation equals `tolerance`."""
    if spread is None:
        return 1.0
    return float(1.0 / (1.0 + (spread / tolerance) ** 2))


def repetition_score(count: int, target: int) -> float:
    """Share of the target number of usable repetitions (capped at 1)."""
    return float(min(1.0, count / target)) if target > 0 else 1.0


def parts(
    visibility: float, view: float, spread: float | None, tolerance: float, count: int, target: int
) -> QualityParts:
    """All four parts, rounded for display."""
    return QualityParts(
        visibility=round(visibility, 3),
        view=round(view, 3),
        stability=round(stability_score(spread, tolerance), 3),
        repetitions=round(repetition_score(count, target), 3),
    )
