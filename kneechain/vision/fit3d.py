"""A 3D skeleton fitted to one camera's 2D keypoints over the whole clip.

One camera cannot see depth; a body can be placed in depth when what is known about bodies
is added. The fit solves, for every frame, the 3D positions of the shoulders, hips, knees
and ankles in the camera's axes (x right, y down, z away from the camera, metres) so that

* **reprojection**: through a pinhole camera (focal length from the caller, or a phone's
  default: a 26-mm-equivalent lens, about 69 degrees across the picture's long side) they
  land on the 2D keypoints, each weighted by its confidence (a robust loss, so a misplaced
  keypoint does not drag the skeleton);
* **constant segments**: thigh, shank, hip width, shoulder width and trunk keep one length
  per person over the clip (left and right alike), started from the pose model's world
  landmarks;
* **joint limits**: knees bend backwards only, about an axis roughly along the hip line
  (the knee's hinge; hip rotation lets it stray);
* **smoothness**: joints do not jump between frames (an acceleration a walker's feet stay
  under);
* **start and prior**: the pose model's 3D world landmarks, which are given in the camera's
  axes, start the fit and hold its shape loosely (they know which way a knee points in depth,
  which a single picture does not); the model's 3D often faces the camera more squarely than
  the person does, so the prior may turn as a whole about the vertical by an angle solved
  with the rest.

The camera's orientation relative to the body is solved with it: the body is fitted in the
camera's own axes, so where it faces is part of the answer (read by
`kneechain.vision.view.leg_plane_bearing`).
The problem is sparse (each residual involves one to three frames), so scipy's trust-region
least squares runs with a sparse Jacobian; a 100-frame clip takes about a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.sparse import coo_matrix

from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories

JOINTS = tuple(
    f"{side}_{joint}"
    for joint in ("shoulder", "hip", "knee", "ankle")
    for side in ("left", "right")
)
_J = {name: i for i, name in enumerate(JOINTS)}
SEGMENTS = (
    ("left_hip", "left_knee", 0),
    ("right_hip", "right_knee", 0),
    ("left_knee", "left_ankle", 1),
    ("right_knee", "right_ankle", 1),
    ("left_hip", "right_hip", 2),
    ("left_shoulder", "right_shoulder", 3),
    ("left_shoulder", "left_hip", 4),
    ("right_shoulder", "right_hip", 4),
)
LENGTH_NAMES = ("thigh", "shank", "hip_width", "shoulder_width", "trunk")
PHONE_FOCAL_PER_LONG_SIDE = 0.72
"""Focal length over the picture's long side of a 26-mm-equivalent phone lens."""


@dataclass(frozen=True)
class FitWeights:
    """One-sigma scales of the fit's terms (see the module docstring)."""

    pixel_share: float = 0.006  # 2D keypoint error as a share of the picture's long side
    length_m: float = 0.01  # a segment's length from frame to frame
    acceleration: float = 100.0  # m/s^2, about what a foot reaches at heel strike
    prior_m: float = 0.3  # the pose model's world landmarks, relative to the mid-hip
    hinge: float = 0.05  # knee bent the wrong way (sine of the angle)
    hinge_axis: float = 3.0  # knee axis off the hip line (sine of the angle, a loose hold)
    length_prior: float = 0.15  # segment lengths against the pose model's (share)


@dataclass(frozen=True)
class Fit3D:
    """The fitted skeleton: `points` (T, 8, 3) in the camera's axes, metres (rows follow the
    trajectories; NaN rows were not fitted), segment `lengths` (metres, `LENGTH_NAMES`),
    per-frame reprojection error (pixels, RMS over the joints seen) and the focal length
    used."""

    points: np.ndarray
    lengths: dict[str, float]
    reprojection_px: np.ndarray
    focal_px: float

    def joint(self, name: str) -> np.ndarray:
        return self.points[:, _J[name], :]

    def knee_flexion(self, side: str) -> np.ndarray:
        return k.knee_flexion(*(self.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle")))

    def hip_flexion(self, side: str) -> np.ndarray:
        return k.hip_flexion_3d(*(self.joint(f"{side}_{j}") for j in ("shoulder", "hip", "knee")))


def default_focal(width: int, height: int) -> float:
    """A phone's focal length in pixels for a picture of this size."""
    return PHONE_FOCAL_PER_LONG_SIDE * max(width, height)


def _start(traj: Trajectories, focal: float, centre: np.ndarray) -> np.ndarray:
    """(T, J, 3) start: world landmarks placed so their mid-hip reprojects onto the 2D one at
    the depth where the legs' 2D length matches their world length."""
    world = np.stack([traj.xyz(n) for n in JOINTS], axis=1)
    xy = np.stack([traj.xy(n) for n in JOINTS], axis=1)
    legs = [("hip", "knee"), ("knee", "ankle")]
    px = np.nansum(
        [
            np.linalg.norm(traj.xy(f"{s}_{a}") - traj.xy(f"{s}_{b}"), axis=1)
            for s in ("left", "right")
            for a, b in legs
        ],
        axis=0,
    )
    metres = np.nansum(
        [
            np.linalg.norm(traj.xyz(f"{s}_{a}") - traj.xyz(f"{s}_{b}"), axis=1)
            for s in ("left", "right")
            for a, b in legs
        ],
        axis=0,
    )
    ok = (px > 0) & (metres > 0)
    depth = np.full(len(traj), np.nan)
    depth[ok] = focal * metres[ok] / px[ok]
    depth = _fill(depth)
    mid = _fill_rows((xy[:, _J["left_hip"]] + xy[:, _J["right_hip"]]) / 2)
    root = np.concatenate([(mid - centre) / focal * depth[:, None], depth[:, None]], axis=1)
    world = np.stack([_fill_rows(world[:, j]) for j in range(len(JOINTS))], axis=1)
    return unbend(world) + root[:, None, :]


def unbend(points: np.ndarray) -> np.ndarray:
    """(T, J, 3) points with every knee bent the wrong way (forwards, about the hip line)
    turned half a turn about its hip-to-ankle line, so it bends backwards by as much; the
    segment lengths stay. A least-squares fit cannot pass a knee through straight by itself."""
    out = points.copy()
    axis = points[:, _J["left_hip"]] - points[:, _J["right_hip"]]
    for side in ("left", "right"):
        hip, knee, ankle = (points[:, _J[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
        wrong = np.sum(np.cross(knee - hip, ankle - knee) * axis, axis=1) < 0
        line = ankle - hip
        with np.errstate(invalid="ignore", divide="ignore"):
            along = np.sum((knee - hip) * line, axis=1) / np.sum(line * line, axis=1)
        foot = hip + along[:, None] * line
        turned = 2 * foot - knee
        out[:, _J[f"{side}_knee"]] = np.where(wrong[:, None] & np.isfinite(turned), turned, knee)
    return out


def _fill(v: np.ndarray) -> np.ndarray:
    ok = np.isfinite(v)
    if not ok.any():
        raise ValueError("No frame has the legs seen in 3D; there is nothing to fit.")
    idx = np.arange(len(v))
    return np.interp(idx, idx[ok], v[ok])


def _fill_rows(a: np.ndarray) -> np.ndarray:
    return np.stack([_fill(a[:, c]) for c in range(a.shape[1])], axis=1)


def _median_lengths(traj: Trajectories) -> np.ndarray:
    out = np.zeros(len(LENGTH_NAMES))
    for i in range(len(LENGTH_NAMES)):
        values = [
            np.linalg.norm(traj.xyz(a) - traj.xyz(b), axis=1)
            for a, b, kind in SEGMENTS
            if kind == i
        ]
        out[i] = float(np.nanmedian(np.concatenate(values)))
    return out


def fit(
    traj: Trajectories,
    focal_px: float | None = None,
    weights: FitWeights | None = None,
    min_confidence: float = 0.3,
    max_evaluations: int = 200,
) -> Fit3D:
    """Fit the skeleton to the clip (see the module docstring)."""
    w = weights or FitWeights()
    meta = traj.meta
    focal = focal_px or default_focal(meta.image_width, meta.image_height)
    centre = np.array([meta.image_width / 2, meta.image_height / 2])
    n, nj = len(traj), len(JOINTS)
    xy = np.stack([traj.xy(name) for name in JOINTS], axis=1)
    conf = np.stack([traj.conf(name) for name in JOINTS], axis=1)
    seen = np.isfinite(xy).all(axis=2) & (conf >= min_confidence)
    pixel_w = np.where(seen, np.clip((conf - min_confidence) / 0.5, 0.2, 1.0), 0.0)
    xy = np.where(seen[..., None], xy, 0.0)
    sigma_px = w.pixel_share * max(meta.image_width, meta.image_height)
    dt = float(np.median(np.diff(traj.time))) if n > 1 else 1.0
    sigma_acc = w.acceleration * dt * dt
    start = _start(traj, focal, centre)  # refuses a clip without legs in 3D
    lengths0 = _median_lengths(traj)
    prior = start - ((start[:, _J["left_hip"]] + start[:, _J["right_hip"]]) / 2)[:, None, :]

    seg_a = np.array([_J[a] for a, _, _ in SEGMENTS])
    seg_b = np.array([_J[b] for _, b, _ in SEGMENTS])
    seg_k = np.array([kind for _, _, kind in SEGMENTS])
    npts = n * nj * 3

    nl = len(LENGTH_NAMES)

    def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        return x[:npts].reshape(n, nj, 3), x[npts : npts + nl], float(x[-1])

    def residuals(x: np.ndarray) -> np.ndarray:
        p, lengths, turn = unpack(x)
        z = np.maximum(p[..., 2:3], 0.1)
        proj = focal * p[..., :2] / z + centre
        r_pix = ((proj - xy) * pixel_w[..., None] / sigma_px).ravel()
        seg = np.linalg.norm(p[:, seg_a] - p[:, seg_b], axis=2)
        r_len = ((seg - lengths[seg_k]) / w.length_m).ravel()
        r_acc = ((p[2:] - 2 * p[1:-1] + p[:-2]) / sigma_acc).ravel()
        mid = (p[:, _J["left_hip"]] + p[:, _J["right_hip"]]) / 2
        r_prior = ((p - mid[:, None, :] - _turned(prior, turn)) / w.prior_m).ravel()
        axis = p[:, _J["left_hip"]] - p[:, _J["right_hip"]]
        axis = axis / np.maximum(np.linalg.norm(axis, axis=1, keepdims=True), 1e-6)
        r_hinge = []
        for side in ("left", "right"):
            hip, knee, ankle = (p[:, _J[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
            thigh, shank = knee - hip, ankle - knee
            normal = (
                np.cross(thigh, shank)
                / (np.maximum(np.linalg.norm(thigh, axis=1) * np.linalg.norm(shank, axis=1), 1e-6))[
                    :, None
                ]
            )
            along = np.sum(normal * axis, axis=1)
            off = normal - along[:, None] * axis
            r_hinge.append(np.minimum(along, 0.0) / w.hinge)
            r_hinge.append(off.ravel() / w.hinge_axis)
        r_lprior = (lengths / lengths0 - 1.0) / w.length_prior
        return np.concatenate([r_pix, r_len, r_acc, r_prior, *r_hinge, r_lprior])

    x0 = np.concatenate([start.ravel(), lengths0, [0.0]])
    sparsity = _sparsity(n, nj, seg_a, seg_b, seg_k, nl)
    sol = least_squares(
        residuals,
        x0,
        jac_sparsity=sparsity,
        method="trf",
        tr_solver="lsmr",
        loss="soft_l1",
        f_scale=3.0,
        max_nfev=max_evaluations,
        x_scale="jac",
    )
    p, lengths, _ = unpack(sol.x)
    z = np.maximum(p[..., 2:3], 0.1)
    err = np.linalg.norm(focal * p[..., :2] / z + centre - xy, axis=2)
    count = seen.sum(axis=1)
    total = np.sum(np.where(seen, err, 0.0) ** 2, axis=1)
    rms = np.where(count > 0, np.sqrt(total / np.maximum(count, 1)), np.nan)
    return Fit3D(p, dict(zip(LENGTH_NAMES, map(float, lengths), strict=True)), rms, focal)


def _sparsity(
    n: int, nj: int, seg_a: np.ndarray, seg_b: np.ndarray, seg_k: np.ndarray, nl: int
) -> coo_matrix:
    """Which variables each residual depends on (rows in the order `residuals` makes them)."""
    npts = n * nj * 3
    var = np.arange(npts).reshape(n, nj, 3)
    blocks: list[np.ndarray] = []  # each (rows, columns it touches)
    # reprojection: x and y of (t, j) depend on its three coordinates
    blocks.append(np.repeat(var.reshape(n * nj, 1, 3), 2, axis=1).reshape(-1, 3))
    # segment lengths: both ends and the length
    seg = np.concatenate([var[:, seg_a], var[:, seg_b]], axis=2).reshape(-1, 6)
    blocks.append(np.concatenate([seg, npts + np.tile(seg_k, n)[:, None]], axis=1))
    # acceleration: the same coordinate in three neighbouring frames
    if n > 2:
        blocks.append(np.stack([var[:-2], var[1:-1], var[2:]], axis=3).reshape(-1, 3))
    # prior: a coordinate and the same coordinate of both hips
    lh, rh = _J["left_hip"], _J["right_hip"]
    hips = np.stack([var[:, lh], var[:, rh]], axis=2)  # (n, 3, 2)
    prior = np.concatenate([var[..., None], np.repeat(hips[:, None], nj, axis=1)], axis=3)
    turn = np.full((n * nj * 3, 1), npts + nl)  # the prior's turn about the vertical
    blocks.append(np.concatenate([prior.reshape(-1, 3), turn], axis=1))
    # knee hinge: hip, knee, ankle of the side and both hips, once and three times per frame
    for side in ("left", "right"):
        chain = [_J[f"{side}_{j}"] for j in ("hip", "knee", "ankle")] + [lh, rh]
        cols = var[:, chain].reshape(n, -1)
        blocks.append(cols)
        blocks.append(np.repeat(cols, 3, axis=0))
    blocks.append(npts + np.arange(nl)[:, None])
    rows, columns, r = [], [], 0
    for b in blocks:
        rows.append(np.repeat(np.arange(r, r + len(b)), b.shape[1]))
        columns.append(b.ravel())
        r += len(b)
    row, col = np.concatenate(rows), np.concatenate(columns)
    return coo_matrix((np.ones(len(row), np.int8), (row, col)), shape=(r, npts + nl + 1))


def _turned(points: np.ndarray, angle: float) -> np.ndarray:
    """Points (camera axes, y down) turned by `angle` radians about the camera's vertical."""
    c, s = np.cos(angle), np.sin(angle)
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    return np.stack([c * x + s * z, y, -s * x + c * z], axis=-1)
