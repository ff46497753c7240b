"""Each protocol declares the frame rate it needs; held positions are posed at a lower rate."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from kneechain.assess.protocols.config import NYQUIST_MARGIN, ThomasParams, default_config
from kneechain.vision.video import step_for_rate

HOLDS = ("lying_leg_turn", "seated_hip_rotation", "thomas_test", "knee_to_wall")
EVERY_FRAME = ("gait", "single_leg_squat", "double_leg_squat", "single_leg_balance")


def test_holds_need_fewer_frames_and_movement_tests_every_frame() -> None:
    protocols = default_config().protocols
    for name in HOLDS:
        params = getattr(protocols, name)
        assert params.pose_rate_hz is not None
        assert params.pose_rate_hz >= NYQUIST_MARGIN * params.cutoff_hz
    for name in EVERY_FRAME:
        assert getattr(protocols, name).pose_rate_hz is None


def test_a_rate_too_low_for_the_filter_is_refused() -> None:
    base = {"view": "side", "min_hold_s": 2, "still_deg_per_s": 15, "still_cutoff_hz": 2}
    ThomasParams(**base, cutoff_hz=3.0, pose_rate_hz=7.5)
    with pytest.raises(ValidationError, match="cleaning filter needs more frames"):
        ThomasParams(**base, cutoff_hz=6.0, pose_rate_hz=10)


def test_frame_step_by_hand() -> None:
    assert step_for_rate(30.0, 10) == 3  # 10 frames a second kept exactly
    assert step_for_rate(60.0, 10) == 6
    assert step_for_rate(25.0, 10) == 2  # 12.5 per second: never below the rate asked
    assert step_for_rate(29.97, 10) == 2  # 3 would give 9.99 per second
    assert step_for_rate(30.0, None) == 1 and step_for_rate(8.0, 10) == 1


@given(st.floats(1, 480), st.floats(0.5, 240))
def test_the_step_keeps_at_least_the_rate_and_is_the_largest_that_does(fps, rate) -> None:
    step = step_for_rate(fps, rate)
    assert step >= 1
    if fps > rate:
        assert fps / step >= rate * (1 - 1e-9)
        assert fps / (step + 1) < rate * (1 + 1e-9)


@pytest.mark.parametrize("test_id", ["gait", "knee_to_wall", "double_leg_squat"])
def test_analyze_poses_without_the_per_frame_3d_fit(test_id: str, monkeypatch, tmp_path) -> None:
    """The protocols read 2D angles (their view check fits its own thinned skeleton), so the
    pose behind `analyze` leaves out `kneechain pose`'s whole-clip 3D fit, whatever it is
    asked: it would only cost CPU."""
    from types import SimpleNamespace

    from kneechain.assess.protocols import run
    from kneechain.vision.pipeline import PoseOptions

    asked = []

    def pose_video(path, options, progress, runner):
        asked.append(options)
        return SimpleNamespace(clean=None, warnings=[], person=None, frames=None)

    monkeypatch.setattr(run, "pose_video", pose_video)
    for options in (None, PoseOptions(fit_3d=True)):
        run.pose_for_test(tmp_path / "clip.mp4", test_id, default_config(), options)
    assert [o.fit_3d for o in asked] == [False, False]
    assert not PoseOptions().fit_3d  # kneechain pose fits only when asked (--fit-3d)
