"""The trajectories type: shape checks, provenance and the saved file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kneechain.vision import trajectories as tr


def _traj(n: int = 10) -> tr.Trajectories:
    t = np.arange(n) / 30.0
    return tr.from_points({"left_knee": np.c_[t * 10, t * 5], "right_knee": [5.0, 6.0]}, t)


def test_from_points_builds_named_columns() -> None:
    traj = _traj()
    assert traj.xy("right_knee")[3].tolist() == [5.0, 6.0]
    assert traj.conf("left_knee").min() == 1.0
    assert np.isnan(traj.xy("nose")).all()
    assert traj.meta.fps == pytest.approx(30.0)
    with pytest.raises(KeyError, match="Unknown keypoint"):
        traj.xy("tail")


def test_shapes_and_time_order_are_checked() -> None:
    traj = _traj()
    with pytest.raises(ValueError, match="position has shape"):
        tr.Trajectories(
            traj.position[:, :3],
            traj.confidence,
            traj.world,
            traj.time,
            traj.frame,
            traj.keypoints,
            traj.meta,
        )
    with pytest.raises(ValueError, match="strictly increasing"):
        tr.Trajectories(
            traj.position,
            traj.confidence,
            traj.world,
            traj.time[::-1].copy(),
            traj.frame,
            traj.keypoints,
            traj.meta,
        )


def test_evolve_records_provenance_without_touching_the_original() -> None:
    traj = _traj()
    step = tr.ProcessingStep(name="scale", params={"factor": 2})
    new = traj.evolve(step, position=traj.position * 2)
    assert new.meta.provenance == (step,)
    assert traj.meta.provenance == ()
    assert new.xy("right_knee")[0].tolist() == [10.0, 12.0]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    traj = _traj().evolve(tr.ProcessingStep(name="x", params={"a": 1}))
    back = tr.load(tr.save(traj, tmp_path / "t.npz"))
    np.testing.assert_array_equal(back.position, traj.position)
    np.testing.assert_array_equal(back.time, traj.time)
    assert back.keypoints == traj.keypoints
    assert back.meta == traj.meta


def test_load_rejects_other_files(tmp_path: Path) -> None:
    other = tmp_path / "o.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a kneechain trajectories file"):
        tr.load(other)


def test_concatenate_and_slice() -> None:
    traj = _traj(10)
    joined = tr.concatenate([traj.slice_time(0, 4), traj.slice_time(4, 10)])
    np.testing.assert_array_equal(joined.position, traj.position)
    with pytest.raises(ValueError):
        tr.concatenate([])
