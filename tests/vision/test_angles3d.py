"""3D angle definitions (kinematics.body_axes and the angles built on it) on hand-made
skeletons, and the fitted angle table of `kneechain pose` (angles3d.py) on synthetic walkers
seen by a known camera."""

from __future__ import annotations

import csv
import itertools
import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from kneechain.vision import angles3d, export, fit3d
from kneechain.vision import kinematics as k
from tests.vision.skeleton3d import FOCAL, seen

# a person in room axes (x forward, y to their left, z up), hips 0.2 m apart, trunk upright
L_HIP, R_HIP = np.array([0.0, 0.1, 1.0]), np.array([0.0, -0.1, 1.0])
L_SHOULDER, R_SHOULDER = np.array([0.0, 0.2, 1.5]), np.array([0.0, -0.2, 1.5])
HIPS = {"left": L_HIP, "right": R_HIP}
LATERAL = {"left": 1.0, "right": -1.0}  # the room's y towards each leg's outside


def _axes(rot: np.ndarray | None = None):
    pts = [L_HIP, R_HIP, L_SHOULDER, R_SHOULDER]
    if rot is not None:
        pts = [rot @ p for p in pts]
    return k.body_axes(*pts)


def test_body_axes_of_an_upright_person() -> None:
    left, up, forward = _axes()
    assert np.allclose(left, [0, 1, 0]) and np.allclose(up, [0, 0, 1])
    assert np.allclose(forward, [1, 0, 0])


def _seated(side: str, internal_deg: float, knee_deg: float = 90.0) -> tuple[np.ndarray, ...]:
    """Thigh forward, shank hanging at `knee_deg` of flexion and swung outwards by
    `internal_deg` (internal hip rotation moves the foot outwards)."""
    hip = HIPS[side]
    knee = hip + np.array([0.4, 0.0, 0.0])
    bend, turn = np.radians(knee_deg), np.radians(internal_deg)
    down = np.array([np.cos(bend), 0.0, -np.sin(bend)])  # in the sagittal plane
    out = np.array([0.0, LATERAL[side], 0.0])
    shank = np.cos(turn) * down + np.sin(turn) * out  # turned about the thigh (x)
    return hip, knee, knee + 0.4 * shank / np.linalg.norm(shank)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("internal", [0.0, 20.0, -35.0])
def test_hip_rotation_is_positive_when_the_foot_swings_out(side: str, internal: float) -> None:
    hip, knee, ankle = _seated(side, internal)
    left, _, _ = _axes()
    assert float(k.hip_rotation_3d(hip, knee, ankle, left, side)) == pytest.approx(internal)


def test_hip_rotation_needs_a_bent_knee() -> None:
    hip, knee, ankle = _seated("left", 20.0, knee_deg=10.0)
    left, _, _ = _axes()
    assert np.isnan(k.hip_rotation_3d(hip, knee, ankle, left, "left"))


@pytest.mark.parametrize("flexion", [-15.0, 0.0, 30.0, 90.0])
def test_sagittal_hip_flexion_is_signed(flexion: float) -> None:
    _, up, forward = _axes()
    a = np.radians(flexion)
    knee = L_HIP + 0.45 * np.array([np.sin(a), 0.0, -np.cos(a)])
    assert float(k.hip_flexion_sagittal(L_HIP, knee, up, forward)) == pytest.approx(flexion)
    trunk_thigh = k.hip_flexion_3d(L_SHOULDER - [0, 0.1, 0], L_HIP, knee)  # above the hip
    assert float(trunk_thigh) == pytest.approx(abs(flexion))


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("valgus", [0.0, 12.0, -8.0])
def test_frontal_angle_of_a_knee_pushed_inwards(side: str, valgus: float) -> None:
    """A straight thigh, the shank turned in the frontal plane so the knee lies medial of the
    hip-ankle line: the frontal angle is the turn, + for valgus on either side."""
    hip = HIPS[side]
    knee = hip + np.array([0.0, 0.0, -0.45])
    a = np.radians(valgus)
    ankle = knee + 0.43 * np.array([0.0, LATERAL[side] * np.sin(a), -np.cos(a)])
    left, up, _ = _axes()
    other = HIPS["right" if side == "left" else "left"]
    got = float(k.knee_frontal_angle_3d(hip, knee, ankle, other, left, up))
    assert got == pytest.approx(valgus, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    angles=st.tuples(*(st.floats(-180.0, 180.0),) * 3),
    internal=st.floats(-40.0, 40.0),
    valgus=st.floats(-20.0, 20.0),
)
def test_the_3d_angles_do_not_depend_on_the_camera(
    angles: tuple[float, float, float], internal: float, valgus: float
) -> None:
    """Any rotation of the whole body (a camera anywhere) gives the same angles."""
    rot = Rotation.from_euler("zyx", angles, degrees=True).as_matrix()
    hip, knee, ankle = _seated("left", internal)
    straight_knee = L_HIP + np.array([0.0, 0.0, -0.45])
    a = np.radians(valgus)
    straight_ankle = straight_knee + 0.43 * np.array([0.0, np.sin(a), -np.cos(a)])
    left, up, _ = _axes()
    left_r, up_r, _ = _axes(rot)
    base_turn = k.hip_rotation_3d(hip, knee, ankle, left, "left")
    turned = k.hip_rotation_3d(rot @ hip, rot @ knee, rot @ ankle, left_r, "left")
    assert float(turned) == pytest.approx(float(base_turn), abs=1e-6)
    base = k.knee_frontal_angle_3d(L_HIP, straight_knee, straight_ankle, R_HIP, left, up)
    moved = k.knee_frontal_angle_3d(
        rot @ L_HIP, rot @ straight_knee, rot @ straight_ankle, rot @ R_HIP, left_r, up_r
    )
    assert float(moved) == pytest.approx(float(base), abs=1e-6)


SHORT = np.arange(0, 1.5, 1 / 30)


def _truth(room: dict[str, np.ndarray], side: str) -> dict[str, np.ndarray]:
    left, up, _ = k.body_axes(
        room["left_hip"], room["right_hip"], room["left_shoulder"], room["right_shoulder"]
    )
    other = "right" if side == "left" else "left"
    hip, knee, ankle = (room[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
    return {
        "knee_flexion": k.knee_flexion(hip, knee, ankle),
        "hip_flexion": k.hip_flexion_3d(room[f"{side}_shoulder"], hip, knee),
        "knee_frontal": k.knee_frontal_angle_3d(hip, knee, ankle, room[f"{other}_hip"], left, up),
    }


@pytest.mark.parametrize("bearing", [0.0, 35.0, -60.0])
def test_fitted_table_recovers_a_known_walker(bearing: float) -> None:
    traj, room = seen(bearing, time=SHORT)
    result = fit3d.fit(traj, focal_px=FOCAL)
    got = angles3d.table(result, traj)
    for side in ("left", "right"):
        truth = _truth(room, side)
        knee = got[angles3d.column(side, "knee_flexion")]
        for angle, want in truth.items():
            values = got[angles3d.column(side, angle)]
            given = np.isfinite(values)
            if angle == "knee_frontal":  # only with the knee nearly straight
                assert np.array_equal(given, knee <= angles3d.FRONTAL_MAX_KNEE_FLEXION + 0.5)
                assert 0 < given.sum() < len(values)
            else:
                assert given.all()
            assert np.all(values[given] == np.round(values[given]))  # whole degrees
            assert np.mean(np.abs(values - want)[given]) < 2.0, (side, angle)
            sd = got[angles3d.column(side, angle, sd=True)]
            # exact keypoints: the residual part vanishes, the measured error is stated
            assert np.all(sd[given] == round(angles3d.MEASURED_SD[angle]))
            assert np.isnan(sd[~given]).all()


def test_a_leg_not_seen_has_no_fitted_angle() -> None:
    traj, _ = seen(20.0, time=SHORT)
    conf = traj.confidence.copy()
    conf[10:20, traj.keypoints.index("right_knee")] = 0.0
    traj = replace(traj, confidence=conf)
    got = angles3d.table(fit3d.fit(traj, focal_px=FOCAL), traj)
    for angle in ("knee_flexion", "hip_flexion"):
        right = got[angles3d.column("right", angle)]
        assert np.isnan(right[10:20]).all() and np.isfinite(right[:10]).all()
        assert np.isfinite(got[angles3d.column("left", angle)]).all()
        assert np.isnan(got[angles3d.column("right", angle, sd=True)][10:20]).all()
    assert np.isnan(got[angles3d.column("right", "knee_frontal")][10:20]).all()


def test_a_poor_fit_widens_the_stated_sd() -> None:
    """Keypoints 40 px off in some frames: no skeleton lands on them, and the frames' stated
    sd grows beyond the measured part."""
    traj, _ = seen(30.0, time=SHORT)
    rng = np.random.default_rng(3)
    pos = traj.position.copy()
    pos[20:25] += rng.normal(0, 40.0, pos[20:25].shape)
    traj = replace(traj, position=pos)
    got = angles3d.table(fit3d.fit(traj, focal_px=FOCAL), traj)
    sd = got[angles3d.column("left", "knee_flexion", sd=True)]
    assert sd[20:25].max() > angles3d.MEASURED_SD["knee_flexion"] + 1
    assert np.median(sd) == round(angles3d.MEASURED_SD["knee_flexion"])


def test_residual_part_is_the_pixel_error_over_the_segments() -> None:
    """1 px on a 100 px thigh and a 100 px shank: sqrt(2)/100 radians."""
    p = np.zeros((1, len(fit3d.JOINTS), 3))
    p[..., 2] = 1.0
    result = fit3d.Fit3D(p, {"thigh": 0.1, "shank": 0.1}, np.array([1.0]), 1000.0)
    got = angles3d.residual_deg(result, "left")
    assert float(got[0]) == pytest.approx(np.degrees(np.sqrt(2) / 100))
    assert angles3d.stated_sd(14.0, np.array([3.0, np.nan]))[0] == 14.0
    assert np.isnan(angles3d.stated_sd(14.0, np.array([np.nan]))[0])


def test_covering_widens_the_sd_to_reach_the_other_answer() -> None:
    value = np.array([10.0, 10.0, 10.0, 10.0, np.nan])
    sd = np.full(5, 14.0)
    other = np.array([30.0, 20.0, np.nan, -5.5, 40.0])
    got = angles3d.covering(value, sd, other)
    assert got[:4].tolist() == [20.0, 14.0, 14.0, 16.0]  # |-5.5 - 10| = 15.5, rounded up
    assert got[4] == 14.0  # no value: nothing to widen (the table leaves the frame out)


WEAK_PRIOR = fit3d.FitWeights(prior_m=3.0)
"""The model's 3D held ten times more loosely than by default: it no longer says which way a
leg leans in depth, which only a camera could (and one cannot)."""


@pytest.mark.parametrize("bearing", [0.0, 25.0])
def test_a_leg_seen_from_the_front_has_two_answers_and_the_sd_covers_the_truth(
    bearing: float,
) -> None:
    """Seen from (nearly) the front, a thigh swinging towards the camera and one swinging
    away project alike; with the model's 3D too loose to choose, the fit's answer can be the
    wrong one of the two, and the stated sd must then reach the truth."""
    traj, room = seen(bearing, time=np.arange(0, 3, 1 / 30))
    result = fit3d.fit(traj, focal_px=FOCAL, weights=WEAK_PRIOR)
    others = fit3d.alternatives(traj, result, weights=WEAK_PRIOR)
    plain, got = angles3d.table(result, traj), angles3d.table(result, traj, others)
    widened, missed_before = 0, 0
    for side in ("left", "right"):
        truth = _truth(room, side)["knee_flexion"]
        value = got[angles3d.column(side, "knee_flexion")]
        sd = got[angles3d.column(side, "knee_flexion", sd=True)]
        sd0 = plain[angles3d.column(side, "knee_flexion", sd=True)]
        assert np.all(np.abs(value - truth) <= sd)
        assert np.all(sd >= sd0)
        widened += int(np.sum(sd > sd0))
        missed_before += int(np.sum(np.abs(value - truth) > sd0))
    assert widened > 0.3 * 2 * len(traj)  # the two answers exist in most frames
    if bearing == 0.0:
        assert missed_before > 0  # and the fit picked the wrong one in some, silently before


def test_a_leg_seen_from_the_side_has_one_answer() -> None:
    """From the side, knee flexion lies in the picture: leaning either way in depth changes
    it by nothing the table shows, even with the model's 3D held loosely."""
    traj, _ = seen(90.0, time=np.arange(0, 3, 1 / 30))
    result = fit3d.fit(traj, focal_px=FOCAL, weights=WEAK_PRIOR)
    others = fit3d.alternatives(traj, result, weights=WEAK_PRIOR)
    assert [o.how for o in others] == list(fit3d.FLIPS)
    plain, got = angles3d.table(result, traj), angles3d.table(result, traj, others)
    for side in ("left", "right"):
        column = angles3d.column(side, "knee_flexion", sd=True)
        assert np.array_equal(got[column], plain[column])


def test_with_the_models_3d_as_prior_a_walker_keeps_its_sd() -> None:
    """Exact keypoints and the model's 3D right: the refits from the flipped legs come back
    to the fit's answer (or one within a degree or two), so almost no sd changes."""
    traj, _ = seen(60.0, time=SHORT)
    result = fit3d.fit(traj, focal_px=FOCAL)
    others = fit3d.alternatives(traj, result)
    got = angles3d.table(result, traj, others)
    for side in ("left", "right"):
        sd = got[angles3d.column(side, "knee_flexion", sd=True)]
        assert np.mean(sd > round(angles3d.MEASURED_SD["knee_flexion"])) < 0.1


def test_shorter_windows_give_a_second_answer_only_for_a_clip_long_enough() -> None:
    traj, _ = seen(30.0, time=np.arange(0, 4, 1 / 30))  # 120 rows: windows of 60
    result = fit3d.fit(traj, focal_px=FOCAL)
    shorter = angles3d.shorter_fit(traj, result)
    assert shorter is not None and shorter.how == "shorter windows"
    assert shorter.equally_good.mean() > 0.9  # exact keypoints: both land on them
    gap = np.abs(shorter.result.knee_flexion("left") - result.knee_flexion("left"))
    assert np.nanmax(gap) < 5.0  # and on the same, unambiguous answer
    assert angles3d.shorter_fit(traj.slice_time(0, 60), result) is None


def test_exports_write_the_fit_in_whole_degrees(tmp_path) -> None:
    traj, _ = seen(20.0, time=SHORT)
    angles = {"left_knee_flexion_2d": np.full(len(traj), 12.345)} | angles3d.table(
        fit3d.fit(traj, focal_px=FOCAL), traj
    )
    rows = list(csv.DictReader(export.angles_csv(traj, angles, tmp_path / "a.csv").open()))
    assert rows[0]["left_knee_flexion_2d"] == "12.35"
    assert "." not in rows[0]["left_knee_flexion_fit3d"]
    assert rows[0]["left_knee_flexion_fit3d_sd"] == "14"
    data = json.loads(export.to_json(traj, angles, tmp_path / "a.json").read_text())
    first = data["frames"][0]["angles_deg"]
    assert isinstance(first["right_hip_flexion_fit3d"], int)
    assert first["right_hip_flexion_fit3d_sd"] == 13
    assert isinstance(first["left_knee_flexion_fit3d"], int)
    assert first["left_knee_flexion_2d"] == 12.35


def test_summary_sentence_gives_ranges_with_their_sd() -> None:
    n = 5
    angles = angles3d.empty_table(n)
    angles["left_knee_flexion_fit3d"] = np.array([5.0, 12, 40, np.nan, 33])
    angles["left_knee_flexion_fit3d_sd"] = np.array([14.0, 14, 15, np.nan, 14])
    got = angles3d.summary(angles)
    assert got["sentence"] == "3D fit (one camera, degrees): knee flexion L 5 to 40 (+-14)"
    assert got["angles_deg"]["knee_flexion"]["right"]["min"] is None
    assert "hip_rotation" in got["not_reported"]
    assert angles3d.summary(angles3d.empty_table(3))["sentence"].startswith("3D fit: no angle")


def test_a_clip_without_legs_gives_empty_columns_and_says_why() -> None:
    traj, _ = seen(0.0, time=SHORT)
    traj = replace(traj, world=np.full_like(traj.world, np.nan))
    got, note = angles3d.fitted_table(traj)
    assert note is not None and "legs" in note
    assert set(got) == set(angles3d.empty_table(1))
    assert all(np.isnan(v).all() for v in got.values())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 3000), size=st.integers(40, 300), overlap=st.integers(0, 39))
def test_windows_cover_the_clip_and_overlap(n: int, size: int, overlap: int) -> None:
    spans = angles3d.windows(n, size, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert all(b - a == min(size, n) for a, b in spans)
    for (_, stop), (start, _) in itertools.pairwise(spans):
        assert stop - start >= overlap
    owner = angles3d.owners(n, spans)
    starts, stops = np.array(spans).T
    assert np.all((starts[owner] <= np.arange(n)) & (np.arange(n) < stops[owner]))
    assert np.all(np.diff(owner) >= 0)  # each window owns one stretch, in order


def test_a_long_clip_is_fitted_in_windows_and_every_frame_has_its_angles(monkeypatch) -> None:
    monkeypatch.setattr(angles3d, "WINDOW_ROWS", 40)
    monkeypatch.setattr(angles3d, "OVERLAP_ROWS", 10)
    traj, room = seen(30.0, time=np.arange(0, 3.0, 1 / 30), knee_peak=25.0)
    fits = []
    real = fit3d.fit
    monkeypatch.setattr(
        fit3d, "fit", lambda part, *a, **kw: fits.append(len(part)) or real(part, *a, **kw)
    )
    got, note = angles3d.fitted_table(traj)
    assert note is None and fits == [40, 40, 40]
    for side in ("left", "right"):
        knee = got[angles3d.column(side, "knee_flexion")]
        assert np.isfinite(knee).all()
        assert np.mean(np.abs(knee - _truth(room, side)["knee_flexion"])) < 4.0


def _estimate(bearing: float, sd: float = 10.0):
    from kneechain.vision.view import ViewEstimate, ViewPhase

    return ViewEstimate(bearing, sd, 90, (ViewPhase(0, 90, bearing, sd),))


@pytest.mark.parametrize(
    ("bearing", "valid"),
    [
        (90.0, ["sagittal"]),
        (-70.0, ["sagittal"]),
        (-60.0, []),
        (15.0, ["frontal"]),
        (170, ["frontal"]),
    ],
)
def test_the_view_says_which_2d_angles_hold(bearing: float, valid: list[str]) -> None:
    got = angles3d.view_summary(_estimate(bearing))
    assert got["valid_2d"] == valid
    assert got["bearing_deg"] == round(bearing)
    if not valid:
        assert "no 2D angle is valid" in str(got["sentence"])


def test_an_unknown_view_says_so() -> None:
    got = angles3d.view_summary(_estimate(float("nan"), float("nan")))
    assert got["valid_2d"] == [] and "unknown" in str(got["sentence"])


def test_the_2d_limits_are_the_protocols_own() -> None:
    from kneechain.assess.protocols.config import default_config

    protocols = default_config().protocols
    assert angles3d.VALID_2D_WITHIN_DEG["sagittal"] == protocols.gait.max_turn_deg
    assert angles3d.VALID_2D_WITHIN_DEG["frontal"] == protocols.double_leg_squat.max_turn_deg
