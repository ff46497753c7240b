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
least squares runs with a sparse Jacobian, computed in closed form (`Problem.jacobian`; finite
differences cost a third of the fit's time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares
from scipy.sparse import coo_matrix, csr_matrix

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
_SEG_A = np.array([_J[a] for a, _, _ in SEGMENTS])
_SEG_B = np.array([_J[b] for _, b, _ in SEGMENTS])
_SEG_K = np.array([kind for _, _, kind in SEGMENTS])
_LH, _RH = _J["left_hip"], _J["right_hip"]
LENGTH_NAMES = ("thigh", "shank", "hip_width", "shoulder_width", "trunk")
TOLERANCE = 1e-4
"""The solver stops when a step changes the cost, the unknowns or the gradient by less than
this share (scipy's ftol, xtol, gtol): the answers are read in degrees, and a tighter stop
(scipy's 1e-8) moved no reading by more than 0.1 degree on the four pose2sim views while
costing three to ten times the iterations."""
LSMR_TOLERANCE = 1e-5
"""How exactly each trust-region step's linear least squares is solved (lsmr's atol and
btol): the step only has to point the right way; scipy's 1e-6 spent most of the fit in lsmr,
1e-4 made the outer loop take more steps."""
LOSS_SCALE = 3.0
"""Residuals (in sigmas) beyond this count less and less (scipy's soft-L1 `f_scale`)."""
PHONE_FOCAL_PER_LONG_SIDE = 0.72
"""Focal length over the picture's long side of a 26-mm-equivalent phone lens."""


@dataclass(frozen=True)
class FitWeights:
    """One-sigma scales of the fit's terms (see the module docstring)."""

    pixel_share: float = 0.006  # 2D keypoint error as a share of the picture's long side
    length_m: float = 0.01  # a segment's length from frame to frame
    acceleration: float = 100.0  # m/s^2, about what a foot reaches at heel strike
    prior_m: float = 0.3  # the pose model's world landmarks, relative to the mid-hip
    knee_prior_share: float = 1.0  # the knees' prior this many times looser (`_prior_scales`)
    hinge: float = 0.05  # knee bent the wrong way (sine of the angle)
    hinge_axis: float = 3.0  # knee axis off the hip line (sine of the angle, a loose hold)
    length_prior: float = 0.15  # segment lengths against the pose model's (share)


@dataclass(frozen=True)
class Fit3D:
    """The fitted skeleton: `points` (T, 8, 3) in the camera's axes, metres (rows follow the
    trajectories; NaN rows were not fitted), segment `lengths` (metres, `LENGTH_NAMES`),
    per-frame reprojection error (pixels, RMS over the joints seen), the focal length used
    and the prior's solved turn about the vertical (radians)."""

    points: np.ndarray
    lengths: dict[str, float]
    reprojection_px: np.ndarray
    focal_px: float
    turn_rad: float = 0.0

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


@dataclass(frozen=True)
class Problem:
    """The fit's least-squares problem for one clip: the unknowns are every frame's joints
    (T, J, 3, camera axes, metres), the segment lengths and the prior's turn, flattened in
    that order; `residuals` and its analytic sparse `jacobian` (rows in the same order)."""

    n: int
    focal: float
    centre: np.ndarray
    xy: np.ndarray  # (T, J, 2) keypoints, 0 where not seen
    pixel_w: np.ndarray  # (T, J) reprojection weights, 0 where not seen
    seen: np.ndarray  # (T, J)
    sigma_px: float
    sigma_acc: float
    weights: FitWeights
    start: np.ndarray  # (T, J, 3)
    lengths0: np.ndarray
    prior: np.ndarray  # (T, J, 3) relative to the mid-hip

    @property
    def npts(self) -> int:
        return self.n * len(JOINTS) * 3

    @property
    def x0(self) -> np.ndarray:
        return np.concatenate([self.start.ravel(), self.lengths0, [0.0]])

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        nl = len(LENGTH_NAMES)
        return (
            x[: self.npts].reshape(self.n, len(JOINTS), 3),
            x[self.npts : self.npts + nl],
            float(x[-1]),
        )

    def residuals(self, x: np.ndarray) -> np.ndarray:
        w = self.weights
        p, lengths, turn = self.unpack(x)
        z = np.maximum(p[..., 2:3], 0.1)
        proj = self.focal * p[..., :2] / z + self.centre
        r_pix = ((proj - self.xy) * self.pixel_w[..., None] / self.sigma_px).ravel()
        seg = np.linalg.norm(p[:, _SEG_A] - p[:, _SEG_B], axis=2)
        r_len = ((seg - lengths[_SEG_K]) / w.length_m).ravel()
        r_acc = ((p[2:] - 2 * p[1:-1] + p[:-2]) / self.sigma_acc).ravel()
        mid = (p[:, _LH] + p[:, _RH]) / 2
        r_prior = ((p - mid[:, None, :] - _turned(self.prior, turn)) / _prior_scales(w)).ravel()
        r_hinge = []
        for along, off, _ in _hinges(p, derivatives=False):
            r_hinge.append(np.minimum(along, 0.0) / w.hinge)
            r_hinge.append(off.ravel() / w.hinge_axis)
        r_lprior = (lengths / self.lengths0 - 1.0) / w.length_prior
        return np.concatenate([r_pix, r_len, r_acc, r_prior, *r_hinge, r_lprior])

    def jacobian(self, x: np.ndarray) -> csr_matrix:
        """The residuals' derivatives in closed form (each term is a projection, a distance,
        a linear combination or the knee hinge's normalised cross product)."""
        w = self.weights
        n, nj, npts, nl = self.n, len(JOINTS), self.npts, len(LENGTH_NAMES)
        p, _, turn = self.unpack(x)
        var = np.arange(npts).reshape(n, nj, 3)
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        r0 = 0

        def add(r: np.ndarray, c: np.ndarray, v: np.ndarray) -> None:
            r, c, v = np.broadcast_arrays(r, c, v)
            rows.append(r.ravel() + r0)
            cols.append(c.ravel())
            vals.append(v.ravel())

        # reprojection: u = f * x / z + c, weighted; z held at 0.1 below that
        zr = p[..., 2]
        z = np.maximum(zr, 0.1)
        scale = self.focal * self.pixel_w / self.sigma_px  # (T, J)
        rpix = np.arange(n * nj * 2).reshape(n, nj, 2)
        for c in (0, 1):
            add(rpix[..., c], var[..., c], scale / z)
            add(rpix[..., c], var[..., 2], np.where(zr > 0.1, -scale * p[..., c] / z**2, 0.0))
        r0 += n * nj * 2
        # segment lengths: the unit vector between the ends, minus one for the length
        d = p[:, _SEG_A] - p[:, _SEG_B]  # (T, S, 3)
        norm = np.linalg.norm(d, axis=2, keepdims=True)
        unit = np.divide(d, norm, out=np.zeros_like(d), where=norm > 0) / w.length_m
        rlen = np.arange(n * len(SEGMENTS)).reshape(n, len(SEGMENTS))
        add(rlen[..., None], var[:, _SEG_A], unit)
        add(rlen[..., None], var[:, _SEG_B], -unit)
        add(rlen, npts + _SEG_K[None, :], np.full(rlen.shape, -1.0 / w.length_m))
        r0 += rlen.size
        # acceleration: (1, -2, 1) over three frames
        if n > 2:
            racc = np.arange((n - 2) * nj * 3).reshape(n - 2, nj, 3)
            for lag, coef in ((0, 1.0), (1, -2.0), (2, 1.0)):
                add(racc, var[lag : n - 2 + lag], np.full(racc.shape, coef / self.sigma_acc))
            r0 += racc.size
        # prior: the point, minus the mid-hip, minus the turned prior
        rpri = np.arange(n * nj * 3).reshape(n, nj, 3)
        scales = np.broadcast_to(_prior_scales(w), rpri.shape)
        add(rpri, var, 1.0 / scales)
        add(rpri, var[:, _LH : _LH + 1], -0.5 / scales)
        add(rpri, var[:, _RH : _RH + 1], -0.5 / scales)
        cs, sn = np.cos(turn), np.sin(turn)
        px, pz = self.prior[..., 0], self.prior[..., 2]
        dturn = np.stack([-sn * px + cs * pz, np.zeros_like(px), -cs * px - sn * pz], axis=-1)
        add(rpri, npts + nl, -dturn / scales)
        r0 += rpri.size
        # knee hinge: along (one row) and off (three rows) per frame and side
        frames = np.arange(n)
        for side, (along, _, grads) in zip(
            ("left", "right"), _hinges(p, derivatives=True), strict=True
        ):
            chain = [_J[f"{side}_{j}"] for j in ("hip", "knee", "ankle")] + [_LH, _RH]
            d_along, d_off = grads  # (T, 5, 3) and (T, 3, 5, 3): per joint of `chain`
            bent = (along < 0)[:, None, None]
            add(frames[:, None, None], var[:, chain], np.where(bent, d_along / w.hinge, 0.0))
            r0 += n
            roff = (frames[:, None] * 3 + np.arange(3)[None, :])[:, :, None, None]
            add(roff, var[:, chain][:, None], d_off / w.hinge_axis)
            r0 += n * 3
        add(np.arange(nl), npts + np.arange(nl), 1.0 / (self.lengths0 * w.length_prior))
        r0 += nl
        return coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(r0, npts + nl + 1),
        ).tocsr()


def _prior_scales(w: FitWeights) -> np.ndarray:
    """(J, 1) one-sigma of each joint's prior (metres): `prior_m`, the knees' times
    `knee_prior_share`. The pose model's world landmarks read the knees too straight (its own
    3D knee flexion is 5-27 degrees too small against Pose2Sim's four-camera reference); a
    knee prior twice as loose took the fit's knee flexion MAE there from 11.2 to 10.8 degrees
    but let the refits from the flipped legs explain more frames as well, doubling the
    median stated sd on four legs: measured and not adopted (docs/protocols.md, part 3)."""
    out = np.full((len(JOINTS), 1), w.prior_m)
    out[[_J["left_knee"], _J["right_knee"]]] = w.prior_m * w.knee_prior_share
    return out


def _hinges(p: np.ndarray, derivatives: bool):
    """Per side (left, right): the knee's bend normal along the hip line (T,), its part off
    the hip line (T, 3) and, if asked, their derivatives with respect to the side's hip,
    knee, ankle, left hip and right hip ((T, 5, 3) and (T, 3, 5, 3))."""
    dvec = p[:, _LH] - p[:, _RH]
    dn = np.linalg.norm(dvec, axis=1)
    dcl = np.maximum(dn, 1e-6)
    e = dvec / dcl[:, None]
    eye = np.eye(3)
    if derivatives:  # de/dd: (I - e e^T) / |d|, or I / 1e-6 where the floor holds
        de = np.where(
            (dn > 1e-6)[:, None, None],
            (eye - e[:, :, None] * e[:, None, :]) / dcl[:, None, None],
            eye / dcl[:, None, None],
        )
    out = []
    for side in ("left", "right"):
        hip, knee, ankle = (p[:, _J[f"{side}_{j}"]] for j in ("hip", "knee", "ankle"))
        a, b = knee - hip, ankle - knee
        cross = np.cross(a, b)
        na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
        m = np.maximum(na * nb, 1e-6)
        normal = cross / m[:, None]
        along = np.sum(normal * e, axis=1)
        off = normal - along[:, None] * e
        if not derivatives:
            out.append((along, off, None))
            continue
        live = (na * nb > 1e-6)[:, None]
        dm_da = np.where(live, nb[:, None] * a / np.maximum(na, 1e-12)[:, None], 0.0)
        dm_db = np.where(live, na[:, None] * b / np.maximum(nb, 1e-12)[:, None], 0.0)
        # d(a x b)/da = -[b]x, d(a x b)/db = [a]x
        dn_da = (
            -_skew(b) / m[:, None, None]
            - cross[:, :, None] * dm_da[:, None, :] / (m**2)[:, None, None]
        )
        dn_db = (
            _skew(a) / m[:, None, None]
            - cross[:, :, None] * dm_db[:, None, :] / (m**2)[:, None, None]
        )
        # joints of the chain: hip (a = knee - hip), knee, ankle (b = ankle - knee), lh, rh
        zero = np.zeros_like(dn_da)
        dnormal = np.stack([-dn_da, dn_da - dn_db, dn_db, zero, zero], axis=1)  # (T, 5, 3, 3)
        de_j = np.stack([zero, zero, zero, de, -de], axis=1)  # (T, 5, 3, 3)
        # along = normal . e
        d_along = np.einsum("ti,tkij->tkj", e, dnormal) + np.einsum("ti,tkij->tkj", normal, de_j)
        # off = normal - along e
        d_off = (
            dnormal
            - e[:, None, :, None] * d_along[:, :, None, :]
            - along[:, None, None, None] * de_j
        )  # (T, 5, 3, 3): joint, component of off, coordinate
        out.append((along, off, (d_along, np.transpose(d_off, (0, 2, 1, 3)))))
    return out


def _skew(v: np.ndarray) -> np.ndarray:
    """(T, 3, 3) cross-product matrices: _skew(v) @ u == v x u."""
    z = np.zeros(len(v))
    x, y, w = v[:, 0], v[:, 1], v[:, 2]
    return np.stack(
        [np.stack([z, -w, y], 1), np.stack([w, z, -x], 1), np.stack([-y, x, z], 1)], axis=1
    )


def problem(
    traj: Trajectories,
    focal_px: float | None = None,
    weights: FitWeights | None = None,
    min_confidence: float = 0.3,
) -> Problem:
    """The fit's least-squares problem for the clip (refuses a clip without legs in 3D)."""
    w = weights or FitWeights()
    meta = traj.meta
    focal = focal_px or default_focal(meta.image_width, meta.image_height)
    centre = np.array([meta.image_width / 2, meta.image_height / 2])
    n = len(traj)
    xy = np.stack([traj.xy(name) for name in JOINTS], axis=1)
    conf = np.stack([traj.conf(name) for name in JOINTS], axis=1)
    seen = np.isfinite(xy).all(axis=2) & (conf >= min_confidence)
    pixel_w = np.where(seen, np.clip((conf - min_confidence) / 0.5, 0.2, 1.0), 0.0)
    dt = float(np.median(np.diff(traj.time))) if n > 1 else 1.0
    start = _start(traj, focal, centre)  # refuses a clip without legs in 3D
    return Problem(
        n=n,
        focal=focal,
        centre=centre,
        xy=np.where(seen[..., None], xy, 0.0),
        pixel_w=pixel_w,
        seen=seen,
        sigma_px=w.pixel_share * max(meta.image_width, meta.image_height),
        sigma_acc=w.acceleration * dt * dt,
        weights=w,
        start=start,
        lengths0=_median_lengths(traj),
        prior=start - ((start[:, _LH] + start[:, _RH]) / 2)[:, None, :],
    )


def _solve(prob: Problem, x0: np.ndarray, max_evaluations: int) -> np.ndarray:
    return least_squares(
        prob.residuals,
        x0,
        jac=prob.jacobian,
        method="trf",
        tr_solver="lsmr",
        loss="soft_l1",
        f_scale=LOSS_SCALE,
        max_nfev=max_evaluations,
        x_scale="jac",
        ftol=TOLERANCE,
        xtol=TOLERANCE,
        gtol=TOLERANCE,
        tr_options={"atol": LSMR_TOLERANCE, "btol": LSMR_TOLERANCE},
    ).x


def _result(prob: Problem, x: np.ndarray) -> Fit3D:
    p, lengths, turn = prob.unpack(x)
    z = np.maximum(p[..., 2:3], 0.1)
    err = np.linalg.norm(prob.focal * p[..., :2] / z + prob.centre - prob.xy, axis=2)
    count = prob.seen.sum(axis=1)
    total = np.sum(np.where(prob.seen, err, 0.0) ** 2, axis=1)
    rms = np.where(count > 0, np.sqrt(total / np.maximum(count, 1)), np.nan)
    return Fit3D(
        p, dict(zip(LENGTH_NAMES, map(float, lengths), strict=True)), rms, prob.focal, turn
    )


def fit(
    traj: Trajectories,
    focal_px: float | None = None,
    weights: FitWeights | None = None,
    min_confidence: float = 0.3,
    max_evaluations: int = 200,
) -> Fit3D:
    """Fit the skeleton to the clip (see the module docstring)."""
    prob = problem(traj, focal_px, weights, min_confidence)
    return _result(prob, _solve(prob, prob.x0, max_evaluations))


def frame_costs(prob: Problem, x: np.ndarray) -> np.ndarray:
    """(T,) each frame's share of the fit's robust cost (the soft-L1 loss of every residual,
    in squared sigmas): its reprojection, segment lengths, prior and knee hinges, and the
    acceleration terms centred on it; the lengths' own prior belongs to no frame."""
    r = prob.residuals(x)
    rho = 2 * LOSS_SCALE**2 * (np.sqrt(1 + (r / LOSS_SCALE) ** 2) - 1)
    n, nj = prob.n, len(JOINTS)
    out = np.zeros(n)
    i = 0
    for size in (nj * 2, len(SEGMENTS)):  # reprojection, segment lengths
        out += rho[i : i + n * size].reshape(n, size).sum(axis=1)
        i += n * size
    if n > 2:
        out[1:-1] += rho[i : i + (n - 2) * nj * 3].reshape(n - 2, -1).sum(axis=1)
        i += (n - 2) * nj * 3
    out += rho[i : i + n * nj * 3].reshape(n, -1).sum(axis=1)  # prior
    i += n * nj * 3
    for _ in ("left", "right"):  # hinge: along, then off the hip line
        out += rho[i : i + n]
        out += rho[i + n : i + 4 * n].reshape(n, 3).sum(axis=1)
        i += 4 * n
    return out


FLIPS = ("thigh", "both")
"""The depth flips tried from every fitted frame (`alternatives`)."""
EQUALLY_GOOD = 4.0
"""An alternative explains a frame about as well as the fit when its cost there is at most
this much higher (squared sigmas: two sigmas on one residual)."""


def other_root(centre: np.ndarray, point: np.ndarray) -> np.ndarray:
    """(T, 3) the second point on the camera ray through `point` (camera at the origin) at
    the same distance from `centre` as `point`: the same segment leaning the other way in
    depth, projecting onto the same pixel. Where the ray only touches the sphere, `point`."""
    norm = np.linalg.norm(point, axis=1, keepdims=True)
    d = np.divide(point, norm, out=np.zeros_like(point), where=norm > 0)
    along = np.sum(d * centre, axis=1)
    return (2 * along - norm[:, 0])[:, None] * d


def on_ray(point: np.ndarray, centre: np.ndarray, length: np.ndarray, near: np.ndarray):
    """(T, 3) the point on the camera ray through `point` at `length` from `centre`, of the
    two the one nearer `near`; where the ray passes farther than `length` from `centre`, its
    point nearest `centre`."""
    norm = np.linalg.norm(point, axis=1, keepdims=True)
    d = np.divide(point, norm, out=np.zeros_like(point), where=norm > 0)
    along = np.sum(d * centre, axis=1)
    gap = length**2 - (np.sum(centre * centre, axis=1) - along**2)
    half = np.sqrt(np.maximum(gap, 0.0))
    first, second = along - half, along + half
    guess = np.sum(d * near, axis=1)
    t = np.where(np.abs(first - guess) <= np.abs(second - guess), first, second)
    return t[:, None] * d


def flipped(points: np.ndarray, flip: str) -> np.ndarray:
    """(T, J, 3) `points` with every leg's thigh, shank or both leaning the other way in depth
    (`other_root`), segment lengths and 2D projections kept: with the thigh flipped the ankle
    is put back on its ray at the shank's length from the moved knee, nearest where the shank
    kept its direction would put it."""
    out = points.copy()
    for side in ("left", "right"):
        h, kn, a = (_J[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
        if flip in ("thigh", "both"):
            knee = other_root(out[:, h], out[:, kn])
            shank = np.linalg.norm(out[:, a] - out[:, kn], axis=1)
            out[:, a] = on_ray(out[:, a], knee, shank, out[:, a] + knee - out[:, kn])
            out[:, kn] = knee
        if flip in ("shank", "both"):
            out[:, a] = other_root(out[:, kn], out[:, a])
    return out


@dataclass(frozen=True)
class Alternative:
    """A second answer of the fit (`how`: the flip it was started from, or another way of
    fitting the same rows) and per frame how much more it costs there than the fit
    (`extra_cost`, squared sigmas; negative where it explains the frame better)."""

    how: str
    result: Fit3D
    extra_cost: np.ndarray  # (T,)

    @property
    def equally_good(self) -> np.ndarray:
        """(T,) bool: frames the answer explains about as well as the fit (`EQUALLY_GOOD`)."""
        with np.errstate(invalid="ignore"):
            return self.extra_cost <= EQUALLY_GOOD


def alternatives(
    traj: Trajectories,
    result: Fit3D,
    weights: FitWeights | None = None,
    min_confidence: float = 0.3,
    max_evaluations: int = 200,
) -> list[Alternative]:
    """The fit's other answers (one camera cannot tell a segment leaning towards it from one
    leaning away): the fit is run again from `result` with every leg's thigh, shank or both
    flipped in depth (`FLIPS`; knees bent the wrong way turned back, `unbend`), and each
    answer's cost is compared with the fit's frame by frame on the same problem. Where the
    legs are seen square-on the flip changes nothing; where a frame has two answers the
    refit keeps the other one there."""
    prob = problem(traj, result.focal_px, weights, min_confidence)
    lengths = np.array([result.lengths[name] for name in LENGTH_NAMES])
    x_fit = np.concatenate([result.points.ravel(), lengths, [result.turn_rad]])
    cost = frame_costs(prob, x_fit)
    out = []
    for flip in FLIPS:
        start = unbend(flipped(result.points, flip))
        x0 = np.concatenate(
            [np.where(np.isfinite(start), start, result.points).ravel(), lengths, [result.turn_rad]]
        )
        x = _solve(prob, x0, max_evaluations)
        out.append(Alternative(flip, _result(prob, x), frame_costs(prob, x) - cost))
    return out


def _turned(points: np.ndarray, angle: float) -> np.ndarray:
    """Points (camera axes, y down) turned by `angle` radians about the camera's vertical."""
    c, s = np.cos(angle), np.sin(angle)
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    return np.stack([c * x + s * z, y, -s * x + c * z], axis=-1)
