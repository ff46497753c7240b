"""The four-camera reference's own left/right names (bench/multicam.py `continuous_labels`):
the other cameras' majority, unless it makes the legs jump for a frame."""

from __future__ import annotations

import numpy as np

from bench.multicam import RELABEL_M, continuous_labels


def _legs(n: int = 30) -> dict[str, np.ndarray]:
    t = np.arange(n) / 60.0
    out = {}
    for side, y in (("left", 0.1), ("right", -0.1)):
        for joint, z in (("knee", 0.5), ("ankle", 0.1)):
            out[f"{side}_{joint}"] = np.stack([1.2 * t, np.full(n, y), np.full(n, z)], axis=1)
    return out


def test_a_one_frame_exchange_of_the_majority_is_undone() -> None:
    points = _legs()
    flip = np.zeros(30, dtype=bool)
    flip[12] = True  # the majority named frame 12 the other way round: a 0.2 m jump and back
    assert not continuous_labels(points, flip).any()


def test_the_majority_stands_where_the_legs_move_smoothly_either_way() -> None:
    points = _legs()
    for flip in (np.zeros(30, dtype=bool), np.ones(30, dtype=bool)):
        assert np.array_equal(continuous_labels(points, flip), flip)


def test_legs_close_together_keep_the_majority() -> None:
    """Legs crossing (1 cm apart): the majority's exchange moves four joints 1 cm into the
    frame and 1 cm out (8 cm), less than naming the frame against the majority costs, so
    the majority stands."""
    points = _legs()
    for name in points:
        points[name][:, 1] *= 0.05
    flip = np.zeros(30, dtype=bool)
    flip[12] = True
    assert RELABEL_M > 8 * 0.01
    assert np.array_equal(continuous_labels(points, flip), flip)
