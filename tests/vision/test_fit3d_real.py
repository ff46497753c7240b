"""The single-camera 3D fit on real video: Pose2Sim's four calibrated cameras (slow).

Each camera's cleaned poses are fitted alone (a phone's default focal length, not the
calibration's) and compared with the four-camera triangulated reference (bench/multicam.py).
The bounds are what the fit achieves, measured 2026-11-30 (docs/protocols.md, part 3), with a
small margin so that a regression fails; they are not the <= 5 degree target, which the fit
does not reach on these oblique walking clips.
"""

from __future__ import annotations

import numpy as np
import pytest

from bench import multicam
from kneechain.vision import angles3d, fit3d
from kneechain.vision import kinematics as k
from kneechain.vision.view import estimate_view, leg_plane_bearing, wrap

pytestmark = pytest.mark.slow
LEG = ("hip", "knee", "ankle")


@pytest.fixture(scope="module")
def study() -> dict:
    loaded = multicam.cameras_and_poses()
    if loaded is None:
        pytest.skip("the pose2sim wheel could not be fetched")
    cams, trajs = loaded
    names = tuple(f"{s}_{j}" for s in ("left", "right") for j in (*LEG, "shoulder"))
    ref = multicam.reference(cams, trajs, names)
    out = {}
    for cam, traj in trajs.items():
        fitted = fit3d.fit(traj)
        row = {"bearing_true": multicam.true_bearings(cams[cam], ref)["leg_plane"]}
        row["bearing_fit"] = leg_plane_bearing(fitted)[0]
        row["model"] = estimate_view(traj)
        row["both"] = estimate_view(traj, use_fit=True)
        for s in ("left", "right"):
            truth = k.knee_flexion(*(ref[f"{s}_{j}"] for j in LEG))
            flat = k.knee_flexion(*(traj.xy(f"{s}_{j}") for j in LEG))
            row[f"fit_{s}"] = multicam.error_stats(fitted.knee_flexion(s), truth)["mae"]
            row[f"2d_{s}"] = multicam.error_stats(flat, truth)["mae"]
        out[cam] = row
    return out


def test_the_fit_beats_2d_on_every_oblique_view(study: dict) -> None:
    for cam, row in study.items():
        for s in ("left", "right"):
            assert row[f"fit_{s}"] < row[f"2d_{s}"], (cam, s)


def test_fitted_knee_flexion_error_stays_where_it_was_measured(study: dict) -> None:
    # measured: 7.8-14.9 degrees MAE per camera and side
    maes = [row[f"fit_{s}"] for row in study.values() for s in ("left", "right")]
    assert max(maes) <= 16.0
    assert np.mean(maes) <= 12.0


def test_the_fits_bearing_is_within_about_one_sigma_everywhere(study: dict) -> None:
    # measured errors -9, -4, -16, +11 degrees (the model's own 3D: -13, -25, -3, -7)
    for cam, row in study.items():
        assert abs(wrap(row["bearing_fit"] - row["bearing_true"])) <= 17.0, cam
    assert abs(wrap(study["cam02"]["bearing_fit"] - study["cam02"]["bearing_true"])) <= 8.0


def test_both_readings_together_stay_near_their_stated_sd(study: dict) -> None:
    # measured: errors -12, -15, -5, +2 against sds 11, 14, 11, 14 (1.03, 1.12, 0.5, 0.1 sd);
    # the model's 3D alone is 2.3 sd off on camera 2
    for cam, row in study.items():
        error = abs(wrap(row["both"].bearing_deg - row["bearing_true"]))
        assert error <= 1.2 * row["both"].sigma_deg, cam
    cam2 = study["cam02"]
    alone = abs(wrap(cam2["model"].bearing_deg - cam2["bearing_true"]))
    assert abs(wrap(cam2["both"].bearing_deg - cam2["bearing_true"])) < alone - 8


@pytest.fixture(scope="module")
def fitted_angles() -> dict:
    """`kneechain pose`'s fitted angles (angles3d.table, each sd covering the fit's other
    answers) of every camera against the reference, as bench/accuracy.py pools them."""
    loaded = multicam.cameras_and_poses()
    if loaded is None:
        pytest.skip("the pose2sim wheel could not be fetched")
    cams, trajs = loaded
    names = tuple(f"{s}_{j}" for s in ("left", "right") for j in (*LEG, "shoulder"))
    truth = multicam.reference_fit_angles(multicam.reference(cams, trajs, names))
    rows = {}
    for cam, traj in trajs.items():
        fitted, others = angles3d.fit_with_alternatives(traj)
        rows[cam] = multicam.fit_angle_rows(fitted, traj, truth, others)
    return multicam.fit_angle_pooled(rows)


def test_the_stated_sd_of_each_fitted_angle_covers_about_two_thirds(fitted_angles: dict) -> None:
    # measured 2026-11-30, each sd covering the fit's second answers: knee flexion 0.76 (0.75
    # with each view held out of the sd; 0.67 before the second answers), hip flexion 0.76
    # (0.73; 0.74), knee frontal-plane angle 0.78 (0.74; 0.66, frames with the fitted knee
    # bent 30 degrees or less); pooled RMSE 13.8 / 12.4 / 12.3 against stated sds 14 / 13 / 13
    for angle in angles3d.ANGLES:
        row = fitted_angles[angle]
        assert 0.55 <= row["share_within_1sd_held_out"] <= 0.85, angle
        assert row["rmse"] <= angles3d.MEASURED_SD[angle] + 1.0, angle


def test_hip_rotation_is_still_too_far_off_to_report(fitted_angles: dict) -> None:
    # angles3d leaves hip rotation out because it was 16 degrees MAE off (RMSE 22) against a
    # reference that ranges over about 30 degrees in a stride; if the fit ever reads it well,
    # this fails and it should be reported
    assert fitted_angles["hip_rotation"]["mae"] > 10.0
