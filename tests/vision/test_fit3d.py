"""The single-camera 3D fit: synthetic walkers seen by a known camera 0-60 degrees off (and
from behind) must give back their knee flexion and the camera's bearing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize._numdiff import approx_derivative

from kneechain.vision import fit3d
from kneechain.vision import kinematics as k
from kneechain.vision.view import leg_plane_bearing, wrap
from tests.vision.skeleton3d import FOCAL, seen

SHORT = np.arange(0, 1.5, 1 / 30)


def _knee_truth(room: dict[str, np.ndarray], side: str) -> np.ndarray:
    return k.knee_flexion(*(room[f"{side}_{j}"] for j in ("hip", "knee", "ankle")))


@pytest.mark.parametrize("bearing", [0.0, 20.0, 40.0, 60.0, -30.0, 150.0])
def test_knee_flexion_and_bearing_are_recovered_from_exact_keypoints(bearing: float) -> None:
    traj, room = seen(bearing, time=SHORT)
    result = fit3d.fit(traj, focal_px=FOCAL)
    for side in ("left", "right"):
        err = np.abs(result.knee_flexion(side) - _knee_truth(room, side))
        assert np.mean(err) < 1.5 and np.max(err) < 5.0
    assert np.nanmax(result.reprojection_px) < 2.0
    est, _, readings = leg_plane_bearing(result)
    assert readings > 10
    assert abs(wrap(est - bearing)) < 3.0
    assert result.lengths["thigh"] == pytest.approx(0.45, rel=0.03)


@settings(max_examples=6, deadline=None)
@given(
    bearing=st.floats(-60.0, 60.0),
    pixel_noise=st.floats(0.0, 2.0),
    seed=st.integers(0, 1000),
)
def test_the_fit_beats_the_models_own_noisy_3d(
    bearing: float, pixel_noise: float, seed: int
) -> None:
    """World landmarks 5 cm off per joint and frame, keypoints with pixel noise, a phone's
    default focal length: the fitted knee is far closer to the truth than the model's 3D."""
    traj, room = seen(bearing, time=SHORT, world_noise_m=0.05, seed=seed)
    rng = np.random.default_rng(seed)
    traj = replace(traj, position=traj.position + rng.normal(0, pixel_noise, traj.position.shape))
    result = fit3d.fit(traj)
    for side in ("left", "right"):
        truth = _knee_truth(room, side)
        fitted = np.mean(np.abs(result.knee_flexion(side) - truth))
        own = k.knee_flexion(*(traj.xyz(f"{side}_{j}") for j in ("hip", "knee", "ankle")))
        model = np.mean(np.abs(own - truth))
        assert fitted < 6.0
        assert fitted < model / 2


def test_a_knee_is_never_fitted_bent_the_wrong_way() -> None:
    """The model's world landmarks put the knees bending forwards (mirrored in depth): the
    hinge limit turns them back, so the fitted knee bends the way a knee can."""
    traj, room = seen(30.0, time=SHORT)
    world = traj.world.copy()
    for side in ("left", "right"):
        i = traj.index(f"{side}_knee")
        middle = (traj.xyz(f"{side}_hip") + traj.xyz(f"{side}_ankle")) / 2
        world[:, i] = 2 * middle - traj.world[:, i]
    result = fit3d.fit(replace(traj, world=world), focal_px=FOCAL)
    for side in ("left", "right"):
        err = np.abs(result.knee_flexion(side) - _knee_truth(room, side))
        assert np.median(err) < 5.0
    est, _, _ = leg_plane_bearing(result)
    assert abs(wrap(est - 30.0)) < 10.0


def test_unseen_keypoints_are_left_to_the_rest_of_the_fit() -> None:
    """A knee unseen for a third of a second is bridged by the segment lengths, smoothness
    and the other keypoints."""
    traj, room = seen(20.0, time=SHORT)
    conf = traj.confidence.copy()
    conf[15:25, traj.index("left_knee")] = 0.0
    result = fit3d.fit(replace(traj, confidence=conf), focal_px=FOCAL)
    err = np.abs(result.knee_flexion("left") - _knee_truth(room, "left"))
    assert np.max(err[15:25]) < 6.0
    assert np.isfinite(result.reprojection_px).all()


def test_a_clip_without_legs_is_refused_in_words() -> None:
    traj, _ = seen(0.0, time=SHORT)
    with pytest.raises(ValueError, match="legs"):
        fit3d.fit(replace(traj, world=np.full_like(traj.world, np.nan)))


def test_default_focal_is_a_phone_lens() -> None:
    assert fit3d.default_focal(1080, 1920) == pytest.approx(0.72 * 1920)
    # about 69 degrees across the long side
    assert np.degrees(2 * np.arctan(960 / fit3d.default_focal(1080, 1920))) == pytest.approx(
        69.4, abs=1.0
    )


def test_a_frame_with_nothing_seen_has_no_reprojection_error() -> None:
    traj, _ = seen(20.0, time=SHORT)
    conf = traj.confidence.copy()
    conf[10] = 0.0
    result = fit3d.fit(replace(traj, confidence=conf), focal_px=FOCAL)
    assert np.isnan(result.reprojection_px[10])
    assert np.isfinite(np.delete(result.reprojection_px, 10)).all()


@pytest.mark.parametrize(("seed", "knee_prior_share"), [(0, 1.0), (1, 1.0), (2, 2.5)])
def test_the_analytic_jacobian_matches_finite_differences(
    seed: int, knee_prior_share: float
) -> None:
    """Every term's closed-form derivative (projection, lengths, acceleration, prior with its
    turn, both hinge terms, length prior) against central differences, at a random point
    away from the start: some knees bent the wrong way, some keypoints unseen."""
    rng = np.random.default_rng(seed)
    traj, _ = seen(25.0, time=np.arange(0, 0.2, 1 / 30), world_noise_m=0.03, seed=seed)
    confidence = traj.confidence.copy()
    confidence[rng.random(confidence.shape) < 0.15] = 0.1  # unseen
    confidence[confidence > 0.3] = rng.uniform(0.35, 1.0, (confidence > 0.3).sum())
    weights = fit3d.FitWeights(knee_prior_share=knee_prior_share)
    prob = fit3d.problem(replace(traj, confidence=confidence), weights=weights)
    x = prob.x0.copy()
    x[: prob.npts] += rng.normal(0.0, 0.05, prob.npts)
    x[prob.npts :] += rng.normal(0.0, 0.05, len(x) - prob.npts)
    x[-1] = rng.uniform(-1.0, 1.0)  # the prior's turn
    p, _, _ = prob.unpack(x)  # a view of x: the left knee bends forwards in the first frames
    hip, knee, ankle = (fit3d.JOINTS.index(f"left_{j}") for j in ("hip", "knee", "ankle"))
    p[:3, knee] = p[:3, hip] + p[:3, ankle] - p[:3, knee]
    wrong = [along < 0 for along, _, _ in fit3d._hinges(p, derivatives=False)]
    assert any(w.any() for w in wrong) and not all(w.all() for w in wrong)
    analytic = prob.jacobian(x).toarray()
    numeric = approx_derivative(prob.residuals, x, method="3-point", rel_step=1e-7)
    assert analytic.shape == numeric.shape
    scale = np.abs(numeric).max()
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-5 * scale)


def test_a_looser_knee_prior_scales_only_the_knees_prior_rows() -> None:
    """knee_prior_share 2: the knees' prior residuals halve, every other residual stays."""
    traj, _ = seen(30.0, time=np.arange(0, 0.2, 1 / 30), world_noise_m=0.03, seed=4)
    plain = fit3d.problem(traj)
    loose = fit3d.problem(traj, weights=fit3d.FitWeights(knee_prior_share=2.0))
    x = plain.x0 + np.random.default_rng(4).normal(0.0, 0.02, plain.x0.shape)
    a, b = plain.residuals(x), loose.residuals(x)
    n, nj = plain.n, len(fit3d.JOINTS)
    start = n * nj * 2 + n * len(fit3d.SEGMENTS) + (n - 2) * nj * 3  # the prior's rows
    knees = np.zeros((n, nj, 3), dtype=bool)
    knees[:, [fit3d.JOINTS.index("left_knee"), fit3d.JOINTS.index("right_knee")]] = True
    prior = np.zeros(len(a), dtype=bool)
    prior[start : start + n * nj * 3] = knees.ravel()
    np.testing.assert_allclose(b[prior], a[prior] / 2)
    np.testing.assert_array_equal(b[~prior], a[~prior])
    assert np.abs(a[prior]).max() > 0


def test_other_root_is_the_same_segment_leaning_the_other_way() -> None:
    centre = np.array([[0.0, 0.0, 5.0]])
    assert fit3d.other_root(centre, np.array([[0.0, 0.0, 4.0]])) == pytest.approx(
        np.array([[0.0, 0.0, 6.0]])
    )


@settings(max_examples=30, deadline=None)
@given(
    lean=st.floats(-80.0, 80.0),
    turn=st.floats(0.0, 360.0),
    depth=st.floats(2.0, 8.0),
)
def test_other_root_keeps_the_pixel_and_the_length(lean: float, turn: float, depth: float) -> None:
    centre = np.array([[0.3, -0.2, depth]])
    a, t = np.radians(lean), np.radians(turn)
    point = centre + 0.45 * np.array([[np.cos(a) * np.cos(t), np.cos(a) * np.sin(t), np.sin(a)]])
    other = fit3d.other_root(centre, point)
    assert np.linalg.norm(other - centre) == pytest.approx(0.45, abs=1e-9)
    assert other[0, :2] / other[0, 2] == pytest.approx(point[0, :2] / point[0, 2])
    twice = fit3d.other_root(centre, other)
    assert twice == pytest.approx(point)


def test_flipped_legs_project_alike_with_the_same_segments() -> None:
    traj, _ = seen(20.0, time=SHORT)
    p = fit3d.fit(traj, focal_px=FOCAL).points
    for flip in ("thigh", "shank", "both"):
        q = fit3d.flipped(p, flip)
        assert q[..., :2] / q[..., 2:] == pytest.approx(p[..., :2] / p[..., 2:])
        seg = [np.linalg.norm(x[:, fit3d._SEG_A] - x[:, fit3d._SEG_B], axis=2) for x in (p, q)]
        assert seg[1] == pytest.approx(seg[0])


def test_frame_costs_share_out_the_whole_cost() -> None:
    """Every residual but the segment lengths' own prior belongs to one frame (the
    acceleration to its middle frame): the frames' costs add up to the robust total."""
    traj, _ = seen(20.0, time=SHORT, world_noise_m=0.05)
    prob = fit3d.problem(traj, focal_px=FOCAL)
    x = prob.x0
    r = prob.residuals(x)
    rho = 2 * fit3d.LOSS_SCALE**2 * (np.sqrt(1 + (r / fit3d.LOSS_SCALE) ** 2) - 1)
    nl = len(fit3d.LENGTH_NAMES)
    got = fit3d.frame_costs(prob, x)
    assert got.shape == (len(traj),)
    assert got.sum() == pytest.approx(rho[:-nl].sum())
