"""Cleaning: filter properties, swap repair, gaps and outliers on constructed signals."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy.signal import correlate

from kneechain.vision import cleaning as c
from kneechain.vision.trajectories import Trajectories, from_points
from tests.vision.skeleton3d import seen

FS = 60.0


def test_lowpass_has_zero_lag_on_a_sinusoid() -> None:
    t = np.arange(0, 4, 1 / FS)
    rng = np.random.default_rng(1)
    clean = np.sin(2 * np.pi * 1.5 * t)
    out = c.lowpass(clean + 0.05 * rng.standard_normal(t.size), FS, 6.0, 4)
    xc = correlate(out - out.mean(), clean - clean.mean(), mode="full")
    lag = int(np.argmax(xc)) - (t.size - 1)
    assert lag == 0
    assert np.max(np.abs(out - clean)[30:-30]) < 0.05


def test_lowpass_attenuates_above_the_cutoff() -> None:
    t = np.arange(0, 4, 1 / FS)
    fast = np.sin(2 * np.pi * 15 * t)
    out = c.lowpass(fast, FS, 6.0, 4)
    # a 4th-order Butterworth run forwards and backwards: gain (1 / (1 + (15/6)^8)) ~ 6e-4
    assert np.std(out[30:-30]) < 0.01 * np.std(fast)
    slow = np.sin(2 * np.pi * 1.0 * t)
    assert np.std(c.lowpass(slow, FS, 6.0, 4)) == pytest.approx(np.std(slow), rel=0.01)


def test_lowpass_respects_gaps_and_short_runs() -> None:
    x = np.sin(np.arange(100) / 5.0)
    x[40:45] = np.nan
    out = c.lowpass(x, FS, 6.0, 4)
    assert np.isnan(out[40:45]).all() and np.isfinite(out[:40]).all()
    short = np.array([1.0, 5.0, 2.0])
    np.testing.assert_array_equal(c.lowpass(short, FS, 6.0, 4), short)


def _walking_legs(n: int = 120) -> dict[str, np.ndarray]:
    t = np.arange(n) / 30.0
    swing = 60 * np.sin(2 * np.pi * t)
    pts = {}
    for side, sign in (("left", 1), ("right", -1)):
        pts[f"{side}_hip"] = np.c_[500 + 0 * t, 400 + 0 * t]
        pts[f"{side}_knee"] = np.c_[500 + sign * swing * 0.5, 500 + 0 * t]
        pts[f"{side}_ankle"] = np.c_[500 + sign * swing, 600 + 0 * t]
        pts[f"{side}_heel"] = np.c_[490 + sign * swing, 610 + 0 * t]
        pts[f"{side}_foot_index"] = np.c_[530 + sign * swing, 615 + 0 * t]
    return pts


def test_injected_swaps_are_found_and_undone() -> None:
    pts = _walking_legs()
    truth = from_points(pts, np.arange(120) / 30.0)
    swapped = {k: v.copy() for k, v in pts.items()}
    injected = [*range(20, 24), *range(70, 73), 100]
    for part in ("knee", "ankle", "heel", "foot_index"):
        left, right = swapped[f"left_{part}"], swapped[f"right_{part}"]
        left[injected], right[injected] = (
            pts[f"right_{part}"][injected],
            pts[f"left_{part}"][injected],
        )
    noisy = from_points(swapped, truth.time)
    fixed, found = c.fix_swaps(noisy, 0.08)
    assert found["legs"] == injected
    np.testing.assert_allclose(fixed.position, truth.position, equal_nan=True)
    assert fixed.meta.provenance[-1].name == "fix_swaps"


def test_crossing_legs_are_not_swapped() -> None:
    pts = _walking_legs()  # the legs cross twice per second by construction
    _, found = c.fix_swaps(from_points(pts, np.arange(120) / 30.0), 0.08)
    assert found["legs"] == []


def test_interpolation_fills_short_gaps_and_reports_long_ones() -> None:
    t = np.arange(60) / 30.0
    x = np.c_[t * 100, t * 0 + 5]
    x[10:13] = np.nan  # 0.13 s: filled
    x[30:50] = np.nan  # 0.7 s: left as a gap
    traj = from_points({"left_knee": x}, t)
    out, filled, gaps = c.interpolate_gaps(traj, 0.25)
    np.testing.assert_allclose(out.xy("left_knee")[10:13, 0], t[10:13] * 100)
    assert np.isnan(out.xy("left_knee")[30:50]).all()
    knee_gaps = [g for g in gaps if g.keypoint == "left_knee"]
    assert len(knee_gaps) == 1
    assert knee_gaps[0].start_s == pytest.approx(1.0) and knee_gaps[0].end_s == pytest.approx(
        50 / 30
    )
    assert filled == 3


def test_outliers_are_rejected_and_normal_motion_is_kept() -> None:
    t = np.arange(90) / 30.0
    x = np.c_[300 + 50 * np.sin(2 * np.pi * t), 400 + 0 * t]
    x[45] += [200, -150]
    traj = from_points({"left_ankle": x}, t)
    out, count = c.reject_outliers(traj, 0.3, 5.0)
    assert count == 1
    assert np.isnan(out.xy("left_ankle")[45]).all()


def test_low_confidence_points_are_dropped() -> None:
    t = np.arange(5) / 30.0
    traj = from_points({"nose": [1.0, 2.0]}, t)
    conf = traj.confidence.copy()
    conf[2, 0] = 0.1
    traj = traj.evolve(c.ProcessingStep(name="set"), confidence=conf)
    out, dropped = c.drop_low_confidence(traj, 0.5)
    assert (
        dropped == 1 and np.isnan(out.xy("nose")[2]).all() and np.isfinite(out.xy("nose")[3]).all()
    )


def test_clean_runs_all_steps_in_order() -> None:
    t = np.arange(120) / 30.0
    traj = from_points(_walking_legs(), t)
    out, report = c.clean(traj, c.CleaningConfig(cutoff_hz=5.0))
    names = [s.name for s in out.meta.provenance]
    assert names == [
        "drop_low_confidence",
        "fix_swaps",
        "reject_outliers",
        "interpolate_gaps",
        "butterworth",
    ]
    assert report.outliers == 0 and report.swapped_frames["legs"] == []
    assert report.swapped_frames["body"] == []


def _exchanged(traj: Trajectories, rows: list[int], names: tuple[str, ...]) -> Trajectories:
    """`traj` with the left/right labels of the pairs `names` exchanged at `rows`, in the
    picture and in the world landmarks alike (as the pose model swaps them)."""
    left = [traj.index(f"left_{n}") for n in names]
    right = [traj.index(f"right_{n}") for n in names]
    sel = np.array(rows)[:, None]
    position, world = traj.position.copy(), traj.world.copy()
    position[sel, left + right] = position[sel, right + left]
    world[sel, left + right] = world[sel, right + left]
    return replace(traj, position=position, world=world)


LEGS = ("knee", "ankle", "heel", "foot_index")
WHOLE = ("hip", "shoulder", "ear", *LEGS)
STRIDE = 30  # frames per stride of the constructed walker (1 Hz at 30 fps)


SLOW = pytest.mark.slow


@pytest.mark.parametrize(
    "bearing", [90.0, 30.0, *(pytest.param(b, marks=SLOW) for b in (60.0, 0.0, 150.0))]
)
@pytest.mark.parametrize("names", [LEGS, WHOLE], ids=["legs", "whole-body"])
def test_swaps_at_every_phase_of_a_step_are_repaired(bearing: float, names) -> None:
    """A swap of 1, 3, 8 or 20 frames starting at every 3rd frame of a stride (so at every
    phase of the step, the legs crossing included), seen from five directions with 2 px of
    pose noise: every swapped frame where the legs are apart is repaired, none is added."""
    base, _ = seen(bearing, np.arange(0, 3, 1 / 30))
    noise = np.random.default_rng(1).normal(0, 2, base.position.shape)
    base = replace(base, position=base.position + noise)
    apart = (
        np.mean(
            [np.linalg.norm(base.xy(f"left_{j}") - base.xy(f"right_{j}"), axis=1) for j in LEGS],
            axis=0,
        )
        > 40
    )
    for start in range(10, 10 + STRIDE, 3):
        for length in (1, 3, 8, 20):
            rows = list(range(start, start + length))
            fixed, found = c.fix_swaps(_exchanged(base, rows, names), 0.08)
            got = np.zeros(len(base), bool)
            got[found["legs"]] = True
            want = np.zeros(len(base), bool)
            want[rows] = True
            assert not np.any((got != want) & apart), (start, length)
            if names == WHOLE:
                assert found["body"] == rows, (start, length)
            np.testing.assert_allclose(fixed.position[apart], base.position[apart])


@pytest.mark.parametrize(("states", "rows"), [(2, 9), (4, 6)])
@pytest.mark.parametrize("seed", range(8))
def test_viterbi_finds_the_cheapest_whole_path(states: int, rows: int, seed: int) -> None:
    """Against brute force over every labelling of a short clip with random costs."""
    rng = np.random.default_rng(seed)
    costs = rng.random((rows, states, states, states))
    unary = rng.random((rows, states))

    def total(path: tuple[int, ...]) -> float:
        motion = sum(costs[t, path[t - 2], path[t - 1], path[t]] for t in range(2, rows))
        return float(motion + sum(unary[t, path[t]] for t in range(rows)))

    best = min(itertools.product(range(states), repeat=rows), key=total)
    found = tuple(c.viterbi_labels(costs, unary).tolist())
    assert total(found) == pytest.approx(total(best))
