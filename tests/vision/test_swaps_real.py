"""Left/right swap repair on real video: Pose2Sim's four calibrated cameras (slow).

The truth for each camera comes from the other three (bench/multicam.py `leg_truth`: their
knees and ankles triangulated with the labelling that reprojects best, named as most of them
name it unless that makes the legs jump for a frame). On camera 2 the pose model turns the
whole person round in frames 41-59 and flickers between labellings in 60-74 (29 swapped
frames with the legs more than 40 px apart).
"""

from __future__ import annotations

import pytest

from bench import multicam

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def study() -> dict:
    loaded = multicam.cameras_and_poses(raw=True)
    if loaded is None:
        pytest.skip("the pose2sim wheel could not be fetched")
    return multicam.swap_study(*loaded)


def test_camera_2_swaps_are_repaired(study: dict) -> None:
    swapped, wrong, introduced = study["cam02"]["counts"]
    assert swapped >= 25
    # measured 2026-11-30: 1 left (74) and 1 made (71), frames where the model's knees are
    # 16-61 px apart (the reference's 75-87) and its labels a coin toss within its own error
    assert wrong <= 1 and introduced <= 1


def test_no_camera_gets_new_swaps_beyond_one_frame(study: dict) -> None:
    for cam, row in study.items():
        assert row["counts"][2] <= 1, cam
        assert row["counts"][1] <= max(1, row["counts"][0] // 10), cam


def test_the_other_cameras_have_no_swaps_either_way(study: dict) -> None:
    # camera 4's frame 70 counted as a swap left wrong until the reference named its legs
    # continuously (multicam.continuous_labels): the other three cameras' majority had
    # exchanged that one frame
    for cam in ("cam01", "cam03", "cam04"):
        assert study[cam]["counts"] == [0, 0, 0], cam
