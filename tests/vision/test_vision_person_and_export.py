"""Person choice, chunk planning and exports, on constructed data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from kneechain.vision import export
from kneechain.vision.angles import angle_table, mirrored_name
from kneechain.vision.backends import available_backends, create_backend, register_backend
from kneechain.vision.person import (
    Box,
    Sample,
    choose_person,
    non_max_suppression,
    tiles,
)
from kneechain.vision.trajectories import from_points

W, H = 1600, 900


def _two_people(n: int = 6) -> list[Sample]:
    """A big person standing near the centre and a smaller one walking in from the right."""
    return [Sample(float(t), (Box(800, 450, 400), Box(1500 - 150 * t, 600, 250))) for t in range(n)]


def test_single_person_needs_no_crop() -> None:
    choice = choose_person([Sample(0.0, (Box(300, 300, 200),))], W, H)
    assert choice.crop is None and choice.people_seen == 1


def test_default_choice_is_the_largest_most_central_person() -> None:
    choice = choose_person(_two_people(), W, H)
    assert choice.people_seen == 2 and choice.crop is not None
    assert np.allclose(choice.crop.cx, 800) and choice.crop.side == pytest.approx(400 * 1.4)


def test_user_box_selects_the_other_person_and_follows_them() -> None:
    choice = choose_person(_two_people(), W, H, hint=Box.from_xywh(1380, 480, 240, 240))
    assert choice.chosen_by == "user box"
    np.testing.assert_allclose(choice.crop.cx, [1500 - 150 * t for t in range(6)])
    x0, _, x1, _ = choice.crop.window(2.5, W, H)
    assert x0 < 1500 - 150 * 2.5 < x1


def test_user_box_with_nobody_inside_is_followed_as_a_fixed_region() -> None:
    choice = choose_person(_two_people(), W, H, hint=Box.from_xywh(0, 0, 100, 100))
    assert choice.chosen_by.startswith("user box (no detection")
    assert choice.crop.window(3.0, W, H) == (0, 0, 140, 140)


def test_boxes_nms_and_tiles() -> None:
    kept = non_max_suppression([Box(0, 0, 10, 0.9), Box(1, 0, 10, 0.8), Box(50, 0, 10, 0.7)])
    assert [b.score for b in kept] == [0.9, 0.7]
    assert Box(0, 0, 10).iou(Box(0, 0, 10)) == pytest.approx(1.0)
    assert tiles(1768, 994)[0] == (0, 0, 1768)
    assert tiles(1768, 994)[-1] == (774, 0, 994)
    assert tiles(500, 500) == [(0, 0, 500)]


def test_backend_registry_accepts_new_models() -> None:
    class Still:
        name, version, keypoints = "still", "0", ("nose",)

        def process(self, rgb: np.ndarray) -> None:
            return None

        def close(self) -> None:
            return None

    register_backend("still-test", Still)
    assert "still-test" in available_backends() and "mediapipe" in available_backends()
    assert create_backend("still-test").name == "still"
    with pytest.raises(ValueError, match="Unknown pose backend"):
        create_backend("nope")


def _squat(n: int = 30):
    t = np.arange(n) / 30.0
    pts = {}
    for side, x in (("left", 560.0), ("right", 440.0)):
        for name, y in (
            ("shoulder", 200),
            ("hip", 400),
            ("knee", 550),
            ("ankle", 700),
            ("heel", 710),
        ):
            pts[f"{side}_{name}"] = [x, float(y)]
        pts[f"{side}_foot_index"] = [x + 30, 715.0]
        pts[f"{side}_ear"] = [x * 0.1 + 450, 150.0]
    pts["nose"] = [520.0, 150.0]
    world = {
        f"{s}_{p}": [0.0, y, 0.0]
        for s in ("left", "right")
        for p, y in (("hip", 0.0), ("knee", 0.4), ("ankle", 0.8), ("shoulder", -0.5))
    }
    return from_points(pts, t, image_size=(1000, 800), world=world)


def test_angle_table_names_and_mirror_names() -> None:
    angles = angle_table(_squat())
    assert angles["left_knee_flexion_2d"] == pytest.approx(np.zeros(30))
    assert angles["right_knee_flexion_3d"] == pytest.approx(np.zeros(30))
    assert angles["pelvic_obliquity_2d"] == pytest.approx(np.zeros(30))
    assert mirrored_name("left_fppa_2d") == "right_fppa_2d" and mirrored_name("facing") == "facing"


def test_exports_write_documented_layouts(tmp_path: Path) -> None:
    traj = _squat()
    angles = angle_table(traj)
    trc = export.to_trc(traj, tmp_path / "p.trc").read_text().splitlines()
    assert trc[0].startswith("PathFileType\t4\t(X/Y/Z)")
    assert trc[2].split("\t")[:5] == ["30.00", "30.00", "30", "33", "m"]
    assert trc[3].split("\t")[2] == "nose"
    row = trc[6].split("\t")
    knee_col = 2 + 3 * traj.index("left_knee")
    assert [float(v) for v in row[knee_col : knee_col + 3]] == pytest.approx([0.0, -0.4, 0.0])
    header = export.trajectories_csv(traj, tmp_path / "t.csv").read_text().splitlines()[0]
    assert header.startswith("frame,time_s,nose_x,nose_y,nose_conf")
    lines = export.angles_csv(traj, angles, tmp_path / "a.csv").read_text().splitlines()
    assert len(lines) == 31 and "left_knee_flexion_2d" in lines[0]
    doc = json.loads(export.to_json(traj, angles, tmp_path / "p.json").read_text())
    assert doc["meta"]["backend"] == "constructed" and len(doc["frames"]) == 30
    first = doc["frames"][0]
    assert first["position_px"][0] == [520.0, 150.0] and first["world_m"][0] == [None, None, None]
    assert first["angles_deg"]["left_knee_flexion_2d"] == 0.0


def test_follower_anchors_on_the_main_person_and_recentres_on_the_pose() -> None:
    from kneechain.vision.person import Follower

    follower = Follower(W, H, patience=2)
    follower.on_sample(Sample(0.0, (Box(300, 300, 200),)))
    assert follower.window() is None  # one person: whole frame
    follower.on_sample(Sample(1.0, (Box(800, 450, 400), Box(1500, 600, 250))))
    x0, y0, x1, y1 = follower.window()
    assert x0 < 800 < x1 and y0 < 450 < y1
    xy = np.array([[900.0, 300.0], [900.0, 600.0], [960.0, 300.0], [960.0, 600.0]])
    follower.on_pose(xy, np.ones(4))
    assert follower.box.cx == pytest.approx(930) and follower.box.cy == pytest.approx(450)
    for _ in range(3):
        follower.on_pose(None, None)
    assert follower.window() is None  # lost for longer than its patience: whole frame again
