"""A four-camera 3D reference from Pose2Sim's calibrated demo, to measure single-camera error.

The `pose2sim` wheel (fetched with ``pip download --no-deps pose2sim`` into .cache/testdata)
ships ``Demo_SinglePerson``: four synchronised 60 fps videos of one person and a Qualisys
calibration (``Calib.qca.txt``). Each video is posed with kneechain's own pipeline; the 2D
keypoints of all cameras that see a point confidently are triangulated (linear DLT on
undistorted points) into a 3D reference. Single-camera 2D angles, and the pose model's own
3D "world" angles, are then compared with the same angles computed on the reference.

The calibration conversion follows Pose2Sim's reading of .qca files: the transform gives the
camera orientation (by column) and position (mm) in the world; OpenCV's world-to-camera
rotation is its transpose, then turned half a turn about the camera x axis.
"""

from __future__ import annotations

import hashlib
import itertools
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "testdata"
DEMO = "Pose2Sim/Demo_SinglePerson/"
CAMERAS = ("cam01", "cam02", "cam03", "cam04")


@dataclass(frozen=True)
class Camera:
    name: str
    K: np.ndarray
    D: np.ndarray
    R: np.ndarray  # world -> camera rotation
    t: np.ndarray  # world -> camera translation (m)

    @property
    def axis(self) -> np.ndarray:
        """The optical axis in world coordinates."""
        return self.R.T @ np.array([0.0, 0.0, 1.0])


def demo_files() -> Path | None:
    """Folder with the four videos and the calibration, extracted from the pinned wheel
    (the version `kneechain.vision.sample_data` pins; downloaded with pip if needed, and
    camera 1 hash-checked by `sample_data.single_person_video`); None when unavailable."""
    target = CACHE / "pose2sim_demo"
    if (
        all((target / f"{c}.mp4").is_file() for c in CAMERAS)
        and (target / "Calib.qca.txt").is_file()
    ):
        return target
    from kneechain.vision.sample_data import SINGLE_PACKAGE, SINGLE_SHA256, SINGLE_VERSION

    pinned = f"{SINGLE_PACKAGE}-{SINGLE_VERSION}-*.whl"
    wheels = sorted(CACHE.glob(pinned))
    if not wheels:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        cmd += ["--dest", str(CACHE), "--quiet", f"{SINGLE_PACKAGE}=={SINGLE_VERSION}"]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=600)
        except (subprocess.SubprocessError, OSError):
            return None
        wheels = sorted(CACHE.glob(pinned))
        if not wheels:
            return None
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[-1]) as zf:
        for cam in CAMERAS:
            (target / f"{cam}.mp4").write_bytes(zf.read(f"{DEMO}videos/{cam}.mp4"))
        (target / "Calib.qca.txt").write_bytes(zf.read(f"{DEMO}calibration/Calib.qca.txt"))
    digest = hashlib.sha256((target / "cam01.mp4").read_bytes()).hexdigest()
    if digest != SINGLE_SHA256:
        shutil.rmtree(target)
        return None
    return target


def cameras_and_poses(raw: bool = False) -> tuple[dict[str, Camera], dict] | None:
    """The demo's cameras and each camera's cleaned (or raw) poses; None when the wheel
    could not be fetched."""
    import warnings

    folder = demo_files()
    if folder is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        poses = {c: _pose(folder, c, raw=raw) for c in CAMERAS}
    return read_qca(folder / "Calib.qca.txt"), poses


def read_qca(path: Path) -> dict[str, Camera]:
    """Cameras of a Qualisys calibration file, in OpenCV's conventions (metres)."""
    flip = np.diag([1.0, -1.0, -1.0])  # half a turn about the camera x axis
    cams = {}
    for tag in ET.parse(path).getroot().findall("cameras/camera"):
        fov = tag.find("fov_video")
        intr = tag.find("intrinsic")
        tr = tag.find("transform")
        assert fov is not None and intr is not None and tr is not None
        g = {k: float(v) for k, v in intr.attrib.items()}
        left, top = float(fov.get("left", 0)), float(fov.get("top", 0))
        K = np.array(
            [
                [g["focalLengthU"] / 64, 0, g["centerPointU"] / 64 - left],
                [0, g["focalLengthV"] / 64, g["centerPointV"] / 64 - top],
                [0, 0, 1],
            ]
        )
        D = np.array(
            [g[k] / 64 for k in ("radialDistortion1", "radialDistortion2")]
            + [g[k] / 64 for k in ("tangentalDistortion1", "tangentalDistortion2")]
        )
        r = np.array([float(tr.get(f"r{i}{j}")) for i in (1, 2, 3) for j in (1, 2, 3)])
        orient = r.reshape(3, 3).T
        position = np.array([float(tr.get(a)) for a in ("x", "y", "z")]) / 1000
        R = orient.T
        t = -R @ position
        cams[tag.get("serial", "")] = Camera(tag.get("serial", ""), K, D, flip @ R, flip @ t)
    return cams


def undistort(cam: Camera, xy: np.ndarray) -> np.ndarray:
    """Pixel points (N, 2) to normalised image coordinates (N, 2)."""
    pts = np.asarray(xy, float).reshape(-1, 1, 2)
    return cv2.undistortPoints(pts, cam.K, cam.D).reshape(-1, 2)


def project(cam: Camera, points: np.ndarray) -> np.ndarray:
    """World points (N, 3) to pixels (N, 2), with lens distortion."""
    rvec, _ = cv2.Rodrigues(cam.R)
    out, _ = cv2.projectPoints(
        np.asarray(points, float).reshape(-1, 1, 3), rvec, cam.t, cam.K, cam.D
    )
    return out.reshape(-1, 2)


def triangulate(cams: list[Camera], xy: list[np.ndarray], weight: list[np.ndarray]) -> np.ndarray:
    """Weighted linear (DLT) triangulation of one point per row: xy[c] (N, 2) pixels from
    camera c, weight[c] (N,) its confidence (0 leaves the camera out). NaN with < 2 views."""
    n = len(xy[0])
    out = np.full((n, 3), np.nan)
    norm = [undistort(c, np.nan_to_num(p)) for c, p in zip(cams, xy, strict=True)]
    for i in range(n):
        rows = []
        for c, uv, w in zip(cams, norm, weight, strict=True):
            if w[i] <= 0 or not np.isfinite(xy[cams.index(c)][i]).all():
                continue
            P = np.hstack([c.R, c.t.reshape(3, 1)])
            rows += [w[i] * (uv[i, 0] * P[2] - P[0]), w[i] * (uv[i, 1] * P[2] - P[1])]
        if len(rows) >= 4:
            _, _, vt = np.linalg.svd(np.array(rows))
            out[i] = vt[-1, :3] / vt[-1, 3]
    return out


SIDES = ("left", "right")
LEG = ("hip", "knee", "ankle")


def _pose(folder: Path, cam: str, raw: bool = False):
    """Cleaned (or raw) trajectories of one camera's video, posed once and cached beside it.
    The cache holds the raw pose; cleaning runs on every call, so changes to it count."""
    from kneechain.vision.cleaning import clean
    from kneechain.vision.pipeline import PoseOptions, analyse
    from kneechain.vision.trajectories import load, save

    cached = folder / f"{cam}_raw.npz"
    if not cached.is_file():
        options = PoseOptions(overlay=False, key_frames=False, workers=1)
        save(analyse(folder / f"{cam}.mp4", options).raw, cached)
    traj = load(cached)
    return traj if raw else clean(traj)[0]


def reference(
    cams: dict[str, Camera], trajs: dict, names: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Triangulated (T, 3) world points per keypoint name (confidence >= 0.5 views only)."""
    order = list(CAMERAS)
    out = {}
    for name in names:
        xy = [trajs[c].xy(name) for c in order]
        weight = [(trajs[c].conf(name) >= 0.5).astype(float) for c in order]
        out[name] = triangulate([cams[c] for c in order], xy, weight)
    return out


def frontal_fppa(ref: dict[str, np.ndarray], side: str) -> np.ndarray:
    """Reference FPPA: the 3D leg projected on the body's frontal plane (vertical and the
    hip-to-hip axis), then the same signed 2D formula as a front-view clip."""
    from kneechain.vision import kinematics as k

    other = "right" if side == "left" else "left"
    ml = ref["left_hip"] - ref["right_hip"]
    ml[:, 2] = 0.0
    ml /= np.linalg.norm(ml, axis=1, keepdims=True)
    up = np.array([0.0, 0.0, 1.0])

    def on_plane(p: np.ndarray) -> np.ndarray:
        return np.stack([np.sum(p * ml, axis=1), -p[:, 2] * up[2]], axis=1)

    pts = [on_plane(ref[f"{side}_{j}"]) for j in LEG]
    return k.frontal_plane_projection_angle(*pts, on_plane(ref[f"{other}_hip"]))


def _bearing(cam: Camera, ref: dict[str, np.ndarray], forward: np.ndarray) -> np.ndarray:
    """Per-frame bearing of the camera seen from the person (kneechain.vision.view's
    convention: 0 in front, + towards the person's left, 180 behind); world z is up."""
    up = np.array([0.0, 0.0, 1.0])
    fwd = forward.copy()
    fwd[:, 2] = 0.0
    fwd /= np.linalg.norm(fwd, axis=1, keepdims=True)
    left = np.cross(up, fwd)
    mid = (ref["left_hip"] + ref["right_hip"]) / 2
    to_cam = (-cam.R.T @ cam.t) - mid
    to_cam[:, 2] = 0.0
    return np.degrees(np.arctan2(np.sum(to_cam * left, 1), np.sum(to_cam * fwd, 1)))


def true_bearings(cam: Camera, ref: dict[str, np.ndarray]) -> dict[str, float]:
    """The camera's true bearing two ways: from the legs' movement plane (the plane in which
    each knee bends, frames with the reference knee bent over 25 degrees) and from the
    hip line (forward = perpendicular to it), each the circular mean over frames."""
    from kneechain.vision import kinematics as k
    from kneechain.vision.view import circular_mean

    up = np.array([0.0, 0.0, 1.0])
    legs = []
    for s in SIDES:
        hip, knee, ankle = (ref[f"{s}_{j}"] for j in LEG)
        axis = np.cross(knee - hip, ankle - knee)  # points to the person's left when bent
        bent = k.knee_flexion(hip, knee, ankle) > 25.0
        legs.append(_bearing(cam, ref, np.cross(axis, up))[bent])
    hip_line = ref["left_hip"] - ref["right_hip"]
    return {
        "leg_plane": circular_mean(np.concatenate(legs))[0],
        "hip_line": circular_mean(_bearing(cam, ref, np.cross(hip_line, up)))[0],
    }


def _other(name: str) -> str:
    return "right_" + name[5:] if name.startswith("left_") else "left_" + name[6:]


def _seen(traj, name: str) -> np.ndarray:
    xy = traj.xy(name).copy()
    xy[traj.conf(name) < 0.5] = np.nan
    return xy


def leg_truth(cams: dict[str, Camera], raws: dict, target: str) -> dict[str, np.ndarray]:
    """The knees and ankles of the other three cameras' raw poses, triangulated with, per
    frame, the left/right labelling of each camera that reprojects best (so no camera's own
    swaps enter), named as most of those cameras named them, and projected into `target`:
    (T, 2) pixels per name."""
    others = [c for c in CAMERAS if c != target]
    names = [f"{s}_{j}" for s in SIDES for j in ("knee", "ankle")]
    n = len(raws[target])
    best = {name: np.full((n, 3), np.nan) for name in names}
    best_err = np.full(n, np.inf)
    best_flips = np.zeros(n)
    for flips in itertools.product((False, True), repeat=len(others) - 1):
        flip = dict(zip(others, (False, *flips), strict=True))
        pts, err = {}, np.zeros(n)
        for name in names:
            obs = [_seen(raws[c], _other(name) if flip[c] else name) for c in others]
            weight = [np.isfinite(o[:, 0]).astype(float) for o in obs]
            pts[name] = triangulate([cams[c] for c in others], obs, weight)
            for c, o in zip(others, obs, strict=True):
                err += np.nan_to_num(
                    np.linalg.norm(project(cams[c], np.nan_to_num(pts[name])) - o, axis=1)
                )
        ok = np.all([np.isfinite(p[:, 0]) for p in pts.values()], axis=0) & (err < best_err)
        best_err[ok] = err[ok]
        best_flips[ok] = sum(flips)
        for name in names:
            best[name][ok] = pts[name][ok]
    # the labels most of the other cameras gave name the legs (the cameras rarely swap at once),
    # unless that makes the legs jump: then the labels that keep them moving smoothly
    flip_all = continuous_labels(best, best_flips > (len(others) - 1) / 2)
    for j in ("knee", "ankle"):
        a, b = best[f"left_{j}"].copy(), best[f"right_{j}"].copy()
        best[f"left_{j}"] = np.where(flip_all[:, None], b, a)
        best[f"right_{j}"] = np.where(flip_all[:, None], a, b)
    return {k: project(cams[target], np.nan_to_num(v)) for k, v in best.items()}


RELABEL_M = 0.1
"""What naming a frame's legs against the other cameras' majority costs in `continuous_labels`
(metres of knee and ankle motion between frames): a one-frame exchange of the majority's
names moves the legs by far more (0.78 m on camera 4's frame 70, from cameras 1-3); a step of
a walker at 60 fps moves them by a few centimetres."""


def continuous_labels(points: dict[str, np.ndarray], flip: np.ndarray) -> np.ndarray:
    """Per frame, whether to exchange the triangulated legs' names: `flip` (the other cameras'
    majority) unless exchanging the other way keeps the knees and ankles moving smoothly
    (the least total motion between frames plus `RELABEL_M` for every frame named against the
    majority; a two-state Viterbi pass). Frames without points keep `flip`."""
    pairs = [(points[f"left_{j}"], points[f"right_{j}"]) for j in ("knee", "ankle")]
    n = len(flip)

    def step(t: int, a: int, b: int) -> float:
        """Motion from frame t-1 named by state a to frame t named by state b (0 as
        triangulated, 1 exchanged)."""
        total = 0.0
        for left, right in pairs:
            prev = (left[t - 1], right[t - 1]) if a == 0 else (right[t - 1], left[t - 1])
            now = (left[t], right[t]) if b == 0 else (right[t], left[t])
            d = np.linalg.norm(now[0] - prev[0]) + np.linalg.norm(now[1] - prev[1])
            total += float(d) if np.isfinite(d) else 0.0
        return total

    own = np.stack([flip.astype(float), 1.0 - flip], axis=1) * RELABEL_M  # state 0/1 cost
    cost = own[0].copy()
    back = np.zeros((n, 2), dtype=int)
    for t in range(1, n):
        new = np.empty(2)
        for b in (0, 1):
            options = [cost[a] + step(t, a, b) for a in (0, 1)]
            back[t, b] = int(np.argmin(options))
            new[b] = options[back[t, b]] + own[t, b]
        cost = new
    state = np.zeros(n, dtype=int)
    state[-1] = int(np.argmin(cost))
    for t in range(n - 1, 0, -1):
        state[t - 1] = back[t, state[t]]
    return state == 1


def legs_swapped(traj, truth: dict[str, np.ndarray]) -> np.ndarray:
    """Per frame: are the knees and ankles of `traj` labelled the other way round from
    `truth` (their summed distance smaller exchanged than as labelled)?"""
    keep = swap = 0.0
    for j in ("knee", "ankle"):
        left, right = traj.xy(f"left_{j}"), traj.xy(f"right_{j}")
        keep = keep + np.linalg.norm(left - truth[f"left_{j}"], axis=1)
        keep = keep + np.linalg.norm(right - truth[f"right_{j}"], axis=1)
        swap = swap + np.linalg.norm(left - truth[f"right_{j}"], axis=1)
        swap = swap + np.linalg.norm(right - truth[f"left_{j}"], axis=1)
    return swap < keep


def swap_study(cams: dict[str, Camera], raws: dict) -> dict[str, object]:
    """Per camera: frames whose legs the model labelled the other way round (judged where
    the projected knees and ankles are more than 40 px apart), and after kneechain's
    repair, how many are still wrong and how many new swaps it made."""
    from kneechain.vision.cleaning import drop_low_confidence, fix_swaps

    out: dict[str, object] = {}
    for cam in CAMERAS:
        truth = leg_truth(cams, raws, cam)
        apart = (
            np.mean(
                [np.linalg.norm(truth[f"left_{j}"] - truth[f"right_{j}"], axis=1) for j in LEG[1:]],
                axis=0,
            )
            > 40.0
        )
        raw = raws[cam]
        before = legs_swapped(raw, truth) & apart
        repaired, _ = fix_swaps(drop_low_confidence(raw, 0.5)[0], 0.08)
        after = legs_swapped(repaired, truth) & apart & np.isfinite(repaired.xy("left_knee")[:, 0])
        out[cam] = {
            "frames_judged": int(apart.sum()),
            "swapped_by_model": _ranges(np.flatnonzero(before)),
            "still_wrong_after_repair": _ranges(np.flatnonzero(after & before)),
            "introduced_by_repair": _ranges(np.flatnonzero(after & ~before)),
            "counts": [
                int(before.sum()),
                int((after & before).sum()),
                int((after & ~before).sum()),
            ],
        }
    return out


def _ranges(rows: np.ndarray) -> str:
    """Frame numbers as compact ranges: "41-59, 61, 63"."""
    parts, start = [], None
    for i, r in enumerate(rows.tolist()):
        if start is None:
            start = r
        if i + 1 == len(rows) or rows[i + 1] != r + 1:
            parts.append(f"{start}-{r}" if r > start else f"{r}")
            start = None
    return ", ".join(parts) or "none"


def study() -> dict[str, object] | str:
    """Single-camera error of knee flexion (all frames) and FPPA (frames with the reference
    knee bent 30 degrees or less) against the four-camera reference, per camera with its
    true and estimated turn away from a front/rear view."""
    from kneechain.assess.protocols.config import default_config
    from kneechain.assess.protocols.views import classify
    from kneechain.vision import angles3d
    from kneechain.vision import kinematics as k
    from kneechain.vision.view import (
        SYSTEMATIC_DEG,
        estimate_view,
        leg_plane_bearing,
        turn_from,
        wrap,
    )

    folder = demo_files()
    if folder is None:
        return "skipped: the pose2sim wheel could not be fetched"
    cams = read_qca(folder / "Calib.qca.txt")
    trajs = {c: _pose(folder, c) for c in CAMERAS}
    names = tuple(f"{s}_{j}" for s in SIDES for j in (*LEG, "shoulder"))
    ref = reference(cams, trajs, names)
    reproj = [
        float(
            np.nanmedian(
                np.linalg.norm(project(cams[c], np.nan_to_num(ref[n])) - trajs[c].xy(n), axis=1)
            )
        )
        for c in CAMERAS
        for n in names
    ]
    ref_flex = {s: k.knee_flexion(*(ref[f"{s}_{j}"] for j in LEG)) for s in SIDES}
    ref_hip = {
        s: k.hip_flexion_3d(*(ref[f"{s}_{j}"] for j in ("shoulder", "hip", "knee"))) for s in SIDES
    }
    spread = {
        f"{s}_{a}_{b}": _length_spread(ref[f"{s}_{a}"], ref[f"{s}_{b}"])
        for s in SIDES
        for a, b in (("hip", "knee"), ("knee", "ankle"))
    }
    ref_fppa = {s: frontal_fppa(ref, s) for s in SIDES}
    ref_fit_angles = reference_fit_angles(ref)
    fit_rows: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    view_rows: dict[str, dict[str, float]] = {}
    per_camera = {}
    for cam in CAMERAS:
        traj = trajs[cam]
        view = classify(traj, default_config().common, "front")
        est = estimate_view(traj, use_fit=True)  # the model's 3D and the fit's leg plane
        model_only = estimate_view(traj)
        truth = true_bearings(cams[cam], ref)
        # a phone's default focal length, not the calibration's; with the fit's other answers
        fitted, others = angles3d.fit_with_alternatives(traj)
        fit_bearing, fit_spread, fit_n = leg_plane_bearing(fitted)
        row: dict[str, object] = {
            "bearing_true_leg_plane_deg": round(truth["leg_plane"], 1),
            "bearing_true_hip_line_deg": round(truth["hip_line"], 1),
            "bearing_estimated_deg": round(est.bearing_deg, 1),
            "bearing_sd_deg": round(est.sigma_deg, 1),
            "bearing_error_deg": round(float(wrap(est.bearing_deg - truth["leg_plane"])), 1),
            "bearing_model3d_only_deg": round(model_only.bearing_deg, 1),
            "bearing_model3d_only_sd_deg": round(model_only.sigma_deg, 1),
            "bearing_fit_deg": round(fit_bearing, 1),
            "bearing_fit_spread_deg": round(fit_spread, 1),
            "bearing_fit_readings": fit_n,
            "bearing_fit_error_deg": round(float(wrap(fit_bearing - truth["leg_plane"])), 1),
            "fit_reprojection_px_median": round(float(np.nanmedian(fitted.reprojection_px)), 1),
            "fit_lengths_m": {name: round(v, 3) for name, v in fitted.lengths.items()},
            "turn_from_front_or_rear_true_deg": round(
                turn_from(truth["leg_plane"], "front_or_rear"), 1
            ),
            "turn_from_front_or_rear_estimated_deg": round(view.turn_deg, 1),
            "view_found": view.view,
            "front_view_score": round(view.score, 2),
        }
        errors: dict[str, dict[str, float]] = {}
        calibration: dict[str, dict[str, float]] = {}
        for s in SIDES:
            flex2d = k.knee_flexion(*(traj.xy(f"{s}_{j}") for j in LEG))
            flex3d = k.knee_flexion(*(traj.xyz(f"{s}_{j}") for j in LEG))
            hip3d = k.hip_flexion_3d(*(traj.xyz(f"{s}_{j}") for j in ("shoulder", "hip", "knee")))
            fppa2d = k.frontal_plane_projection_angle(
                *(traj.xy(f"{s}_{j}") for j in LEG),
                traj.xy(f"{'right' if s == 'left' else 'left'}_hip"),
            )
            low = ref_flex[s] <= 30.0  # FPPA is read on a loaded, moderately bent knee
            errors[f"knee_flexion_2d_{s}"] = error_stats(flex2d, ref_flex[s])
            errors[f"knee_flexion_model3d_{s}"] = error_stats(flex3d, ref_flex[s])
            errors[f"knee_flexion_fit_{s}"] = error_stats(fitted.knee_flexion(s), ref_flex[s])
            errors[f"hip_flexion_model3d_{s}"] = error_stats(hip3d, ref_hip[s])
            errors[f"hip_flexion_fit_{s}"] = error_stats(fitted.hip_flexion(s), ref_hip[s])
            errors[f"fppa_2d_{s}"] = error_stats(fppa2d[low], ref_fppa[s][low])
            calibration[f"knee_flexion_2d_{s}"] = _within(
                traj, s, flex2d, ref_flex[s], turn_from(est.bearing_deg, "side"), est.sigma_deg
            )
            calibration[f"knee_flexion_2d_fit_view_{s}"] = _within(
                traj, s, flex2d, ref_flex[s], turn_from(fit_bearing, "side"), SYSTEMATIC_DEG
            )
        row["errors"] = errors
        fit_rows[cam] = fit_angle_rows(fitted, traj, ref_fit_angles, others)
        row["fit_angles"] = fit_angle_errors(fit_rows[cam])
        view_rows[cam] = view_rule_errors(traj, truth["leg_plane"])
        row["view_rules_error_deg"] = view_rows[cam]
        row["uncertainty_calibration"] = calibration
        per_camera[cam] = row
    return {
        "frames": len(trajs[CAMERAS[0]]),
        "reprojection_px_median": round(float(np.median(reproj)), 1),
        "reference_knee_flexion_range_deg": {
            s: [round(float(np.nanmin(ref_flex[s])), 1), round(float(np.nanmax(ref_flex[s])), 1)]
            for s in SIDES
        },
        "reference_fppa_range_deg": {
            s: [round(float(np.nanmin(ref_fppa[s])), 1), round(float(np.nanmax(ref_fppa[s])), 1)]
            for s in SIDES
        },
        "reference_segment_length_cv": spread,
        "per_camera": per_camera,
        "fit_angles_pooled": fit_angle_pooled(fit_rows),
        "view_rules_mean_abs_error_deg": {
            rule: round(float(np.mean([abs(r[rule]) for r in view_rows.values()])), 1)
            for rule in next(iter(view_rows.values()))
        },
        "swaps": swap_study(cams, {c: _pose(folder, c, raw=True) for c in CAMERAS}),
    }


def error_stats(value: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Mean absolute error, root mean square error and mean signed error (bias) over the
    frames where both are known, and how many frames that was."""
    ok = np.isfinite(value) & np.isfinite(truth)
    if not ok.any():
        return {"mae": float("nan"), "rmse": float("nan"), "bias": float("nan"), "n": 0}
    d = value[ok] - truth[ok]
    return {
        "mae": round(float(np.mean(np.abs(d))), 1),
        "rmse": round(float(np.sqrt(np.mean(d * d))), 1),
        "bias": round(float(np.mean(d)), 1),
        "n": int(ok.sum()),
    }


def _within(
    traj, side: str, value: np.ndarray, truth: np.ndarray, turn: float, turn_sigma: float
) -> dict[str, float]:
    """How well the stated uncertainty covers the error: each frame's knee flexion read as
    a one-repetition measurement of a side-view protocol (kneechain.assess.protocols
    .uncertainty, visibility from the frame's confidence, the camera's turn from a side view
    as the view check estimates it); the share of frames whose error lies within +- one
    sigma (68 % if the sigma is right) and the median sigma stated."""
    from kneechain.assess.protocols.config import default_config
    from kneechain.assess.protocols.uncertainty import measurement_uncertainty

    qp = default_config().common.quality
    conf = np.mean([traj.conf(f"{side}_{j}") for j in LEG], axis=0)
    vis = np.clip((conf - qp.visibility_floor) / (qp.visibility_full - qp.visibility_floor), 0, 1)
    ok = np.isfinite(value) & np.isfinite(truth)
    sigma = np.array(
        [
            measurement_uncertainty("deg", v, q, turn, turn_sigma, None, 1, 5.0)
            for v, q in zip(value[ok], vis[ok], strict=True)
        ]
    )
    inside = np.abs(value[ok] - truth[ok]) <= sigma
    return {
        "share_within_1sd": round(float(inside.mean()), 2) if inside.size else float("nan"),
        "median_sd_deg": round(float(np.median(sigma)), 1) if sigma.size else float("nan"),
    }


def _length_spread(a: np.ndarray, b: np.ndarray) -> float:
    """Coefficient of variation of a reference segment's length over frames (a rigid segment
    has none: the spread is the reference's own error)."""
    length = np.linalg.norm(a - b, axis=1)
    length = length[np.isfinite(length)]
    return round(float(np.std(length) / np.mean(length)), 3) if length.size else float("nan")


def reference_fit_angles(ref: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """The reference's angles under the definitions `kneechain pose` reports from the fit
    (kneechain.vision.angles3d), and its hip rotation (measured, not reported)."""
    from kneechain.vision import kinematics as k

    left, up, _ = k.body_axes(
        ref["left_hip"], ref["right_hip"], ref["left_shoulder"], ref["right_shoulder"]
    )
    out = {}
    for s in SIDES:
        other = "right" if s == "left" else "left"
        hip, knee, ankle = (ref[f"{s}_{j}"] for j in LEG)
        out[s] = {
            "knee_flexion": k.knee_flexion(hip, knee, ankle),
            "hip_flexion": k.hip_flexion_3d(ref[f"{s}_shoulder"], hip, knee),
            "knee_frontal": k.knee_frontal_angle_3d(
                hip, knee, ankle, ref[f"{other}_hip"], left, up
            ),
            "hip_rotation": k.hip_rotation_3d(hip, knee, ankle, left, s),
        }
    return out


def fit_angle_rows(
    fitted, traj, ref_angles: dict, others: list | None = None
) -> dict[str, dict[str, np.ndarray]]:
    """Per reported angle and side (and hip rotation): the exported value (whole degrees),
    its stated sd, the frame's residual part, the sd's floor where the fit's `others`
    (angles3d.fit_with_alternatives) widened it (0 elsewhere) and the reference, as
    `kneechain pose` writes them (angles3d.table)."""
    from kneechain.vision import angles3d
    from kneechain.vision import kinematics as k

    table = angles3d.table(fitted, traj, others)
    plain = angles3d.table(fitted, traj) if others else table
    left, _, _ = k.body_axes(
        *(fitted.joint(n) for n in ("left_hip", "right_hip")),
        *(fitted.joint(n) for n in ("left_shoulder", "right_shoulder")),
    )
    rows = {}
    for s in SIDES:
        residual = angles3d.residual_deg(fitted, s)
        for angle in angles3d.ANGLES:
            sd = table[angles3d.column(s, angle, sd=True)]
            with np.errstate(invalid="ignore"):
                floor = np.where(sd > plain[angles3d.column(s, angle, sd=True)], sd, 0.0)
            rows[f"{angle}_{s}"] = {
                "value": table[angles3d.column(s, angle)],
                "sd": sd,
                "residual": residual,
                "floor": floor,
                "truth": ref_angles[s][angle],
                "measured": np.full(len(traj), angles3d.MEASURED_SD[angle]),
            }
        hip, knee, ankle = (fitted.joint(f"{s}_{j}") for j in LEG)
        rows[f"hip_rotation_{s}"] = {
            "value": k.hip_rotation_3d(hip, knee, ankle, left, s),
            "truth": ref_angles[s]["hip_rotation"],
        }
    return rows


def _coverage(value: np.ndarray, truth: np.ndarray, sd: np.ndarray) -> float:
    ok = np.isfinite(value) & np.isfinite(truth) & np.isfinite(sd)
    return (
        round(float(np.mean(np.abs(value[ok] - truth[ok]) <= sd[ok])), 2)
        if ok.any()
        else float("nan")
    )


def fit_angle_errors(rows: dict) -> dict[str, dict[str, float]]:
    """Per angle and side: MAE / RMSE / bias of the exported value against the reference,
    the median stated sd and the share of frames within it (68 % for a calibrated sd)."""
    out = {}
    for name, r in rows.items():
        stats: dict[str, float] = dict(error_stats(r["value"], r["truth"]))
        if "sd" in r:
            stats["median_sd"] = float(np.nanmedian(r["sd"]))
            stats["share_within_1sd"] = _coverage(r["value"], r["truth"], r["sd"])
            known = np.isfinite(r["value"]) & np.isfinite(r["sd"])
            stats["share_widened"] = round(float(np.mean(r["floor"][known] > 0)), 3)
        out[name] = stats
    return out


def fit_angle_pooled(fit_rows: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Per angle over the four views and both legs: the pooled RMSE and MAE (what
    angles3d.MEASURED_SD rests on), the share within the stated sd, and the share within a
    sd measured on the other three views only (each view held out in turn: the honest check,
    as the stated sd was measured on these same views)."""
    from kneechain.vision import angles3d

    out = {}
    for angle in (*angles3d.ANGLES, "hip_rotation"):
        diffs, inside, held_out, widened, before = [], [], [], [], []
        for cam, rows in fit_rows.items():
            others = []
            for other, other_rows in fit_rows.items():
                for s in SIDES:
                    r = other_rows[f"{angle}_{s}"]
                    d = r["value"] - r["truth"]
                    if other == cam:
                        diffs.append(d[np.isfinite(d)])
                    else:
                        others.append(d[np.isfinite(d)])
            if angle == "hip_rotation":
                continue
            loo = float(np.sqrt(np.mean(np.concatenate(others) ** 2)))
            for s in SIDES:
                r = rows[f"{angle}_{s}"]
                ok = np.isfinite(r["value"]) & np.isfinite(r["truth"]) & np.isfinite(r["sd"])
                err = np.abs(r["value"][ok] - r["truth"][ok])
                inside.append(err <= r["sd"][ok])
                widened.append(r["floor"][ok] > 0)
                own = np.fmax(np.round(np.hypot(loo, r["residual"][ok])), r["floor"][ok])
                held_out.append(err <= own)
                plain_sd = angles3d.stated_sd(angles3d.MEASURED_SD[angle], r["residual"][ok])
                before.append(err <= plain_sd)
        d = np.concatenate(diffs)
        row = {
            "rmse": round(float(np.sqrt(np.mean(d**2))), 1),
            "mae": round(float(np.mean(np.abs(d))), 1),
            "n": int(d.size),
        }
        if angle != "hip_rotation":
            row["stated_sd"] = angles3d.MEASURED_SD[angle]
            row["share_within_1sd"] = round(float(np.mean(np.concatenate(inside))), 2)
            row["share_within_1sd_held_out"] = round(float(np.mean(np.concatenate(held_out))), 2)
            row["share_within_1sd_not_widened"] = round(float(np.mean(np.concatenate(before))), 2)
            row["share_widened"] = round(float(np.mean(np.concatenate(widened))), 3)
        out[angle] = row
    return out


def view_rule_errors(traj, truth: float) -> dict[str, float]:
    """The bearing's error (degrees) under ways of reading it: the model's 3D alone, the
    fit's leg plane alone (as the view check thins it), their combination as the view check
    makes it (kneechain.vision.view.combine_readings) and two other weightings: both by
    their spread over frames alone, and by a measured systematic part per reading (model
    15, fit 10: their RMS errors alone on these four views) with the spread."""
    from kneechain.vision import view as v

    cues = v.cue_bearings(traj)
    model, model_spread = v.circular_centre(cues)
    fit, fit_spread, _ = v.fitted_bearing(traj)

    def weighted(wm: float, wf: float) -> float:
        return v.circular_mean(np.array([model, fit]), np.array([wm, wf]))[0]

    rules = {
        "model_3d": v.estimate_view(traj).bearing_deg,
        "fit": fit,
        "combined_as_used": v.estimate_view(traj, use_fit=True).bearing_deg,
        "by_spread_only": weighted(model_spread**-2, fit_spread**-2),
        "by_measured_error": weighted(
            1 / (15.0**2 + model_spread**2), 1 / (10.0**2 + fit_spread**2)
        ),
    }
    return {rule: round(float(v.wrap(b - truth)), 1) for rule, b in rules.items()}
