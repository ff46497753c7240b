"""3D joint angles from the single-camera fit (`kneechain.vision.fit3d`), each with a +- in
degrees, for `kneechain pose`'s exports beside the 2D angles.

Per frame and side (definitions in `kneechain.vision.kinematics`, on the fitted points):

* ``{side}_knee_flexion_fit3d``: `knee_flexion` of the fitted hip, knee and ankle;
* ``{side}_hip_flexion_fit3d``: `hip_flexion_3d`, the unsigned angle between the trunk line
  extended downwards and the thigh (it reads hip extension as a positive angle too);
* ``{side}_knee_frontal_fit3d``: `knee_frontal_angle_3d`, the leg projected on the fitted
  body's frontal plane, + valgus, - varus (what a square front camera reads as FPPA), only
  in frames with the fitted knee bent `FRONTAL_MAX_KNEE_FLEXION` degrees or less: a more
  bent knee's shank is foreshortened on the frontal plane, and its projection turns the hip
  rotation, which the fit cannot read (below), into apparent varus or valgus (the shared
  gait clip read up to 80 degrees in its jumps);

each with ``..._sd``, its one-sigma in degrees:
``sd = hypot(MEASURED_SD[angle], residual)``, where `MEASURED_SD` is the fit's error against
the four-camera reference of bench/accuracy.py (RMSE pooled over its four views and both
legs) and ``residual`` is the frame's reprojection error carried to the angle (the RMS
pixel error over the joints seen, times sqrt(1/thigh^2 + 1/shank^2) with the segments'
fitted lengths in pixels, in degrees). On those views the first part dominates (the fit
lands within about 1 px of the keypoints; its error is in depth); the second widens frames
where the keypoints disagree with any skeleton. Where the fit has a second answer that
explains a frame about as well (one camera cannot tell a segment leaning towards it from one
leaning away: `fit3d.alternatives`, refits from the legs flipped in depth, and `shorter_fit`,
the same rows in windows half as long), the frame's sd is widened to reach that answer too
(`covering`): the value stays the fit's, its +- holds both. Values and sds are whole
degrees: nothing is stated more precisely than it was measured. A value is left out
(NaN) in frames where the side's hip, knee or ankle was not seen.

Not reported:

* **hip rotation**: the fitted skeleton ends at the ankles, so the rotation can only be read
  from the knee's hinge axis about the thigh (`kinematics.hip_rotation_3d`), and only with
  the knee bent. On the four reference views that reading is off by 7-26 degrees MAE
  (bias up to 26), more than the range the reference shows over a walking stride
  (-24 to +9 degrees): it would state noise as a finding.
* **signed hip flexion** (extension negative): the sign needs the fitted body's forward
  direction, and the fitted hip line is not reliable enough for it (signed in the sagittal
  plane: RMSE 15.9 against 12.6 unsigned; one view's sign flipped in most frames).
"""

from __future__ import annotations

import math

import numpy as np

from kneechain.vision import fit3d
from kneechain.vision import kinematics as k
from kneechain.vision.trajectories import Trajectories
from kneechain.vision.view import ViewEstimate, describe, turn_from

SIDES = ("left", "right")
MEASURED_SD = {"knee_flexion": 14.0, "hip_flexion": 13.0, "knee_frontal": 13.0}
"""One-sigma error of each fitted angle (degrees): its RMSE against Pose2Sim's four-camera
reference, pooled over the four views (21-42 degrees off front/rear) and both legs,
rounded up (measured 2026-11-30 by bench/accuracy.py: knee flexion 13.8, hip flexion 12.4,
knee frontal-plane angle 12.9 over the frames it is given in). No reference from other
views was available; the same figure is stated for every view."""
FRONTAL_MAX_KNEE_FLEXION = 30.0
"""The knee frontal-plane angle is given with the fitted knee bent this much or less."""
ANGLES = tuple(MEASURED_SD)
MIN_CONFIDENCE = 0.3
"""A side's angles are given where its hip, knee and ankle were seen at least this sure
(the fit's own threshold for a keypoint)."""


def column(side: str, angle: str, sd: bool = False) -> str:
    """The export column of one fitted angle (or its sd)."""
    return f"{side}_{angle}_fit3d" + ("_sd" if sd else "")


def is_fit_column(name: str) -> bool:
    """Whether an angle column comes from the fit (whole degrees in the exports)."""
    return name.endswith(("_fit3d", "_fit3d_sd"))


def angle_values(result: fit3d.Fit3D, side: str) -> dict[str, np.ndarray]:
    """The fitted angles of one side, unrounded, per frame (degrees)."""
    other = "right" if side == "left" else "left"
    hip, knee, ankle, shoulder = (
        result.joint(f"{side}_{j}") for j in ("hip", "knee", "ankle", "shoulder")
    )
    left, up, _ = k.body_axes(
        result.joint("left_hip"),
        result.joint("right_hip"),
        result.joint("left_shoulder"),
        result.joint("right_shoulder"),
    )
    return {
        "knee_flexion": k.knee_flexion(hip, knee, ankle),
        "hip_flexion": k.hip_flexion_3d(shoulder, hip, knee),
        "knee_frontal": k.knee_frontal_angle_3d(
            hip, knee, ankle, result.joint(f"{other}_hip"), left, up
        ),
    }


def residual_deg(result: fit3d.Fit3D, side: str) -> np.ndarray:
    """The frame's reprojection error carried to an angle at the side's knee (degrees): RMS
    pixel error x sqrt(1/thigh^2 + 1/shank^2), segment lengths in pixels at the fitted depth."""
    depth = np.maximum(result.joint(f"{side}_knee")[:, 2], 0.1)
    thigh = result.focal_px * result.lengths["thigh"] / depth
    shank = result.focal_px * result.lengths["shank"] / depth
    return np.degrees(result.reprojection_px * np.sqrt(1.0 / thigh**2 + 1.0 / shank**2))


def stated_sd(measured: float, residual: np.ndarray) -> np.ndarray:
    """One-sigma in whole degrees: the measured error combined with the frame's residual
    part (NaN stays NaN)."""
    return np.round(np.hypot(measured, residual))


def table(
    result: fit3d.Fit3D,
    traj: Trajectories,
    others: list[fit3d.Alternative] | None = None,
) -> dict[str, np.ndarray]:
    """Every reported angle and its sd per frame (see the module docstring); where one of
    the fit's `others` (`fit3d.alternatives`) explains a frame about as well, that frame's sd
    is widened to cover its angle too (`covering`)."""
    out: dict[str, np.ndarray] = {}
    for side in SIDES:
        seen = np.all(
            [traj.conf(f"{side}_{j}") >= MIN_CONFIDENCE for j in ("hip", "knee", "ankle")], axis=0
        )
        residual = residual_deg(result, side)
        values_of = angle_values(result, side)
        other_values = [(o.equally_good, angle_values(o.result, side)) for o in others or []]
        with np.errstate(invalid="ignore"):
            straight = values_of["knee_flexion"] <= FRONTAL_MAX_KNEE_FLEXION
        for angle, values in values_of.items():
            sd = stated_sd(MEASURED_SD[angle], residual)
            ok = seen & np.isfinite(values) & np.isfinite(sd)
            if angle == "knee_frontal":
                ok &= straight
            rounded = np.round(values)
            for good, alt in other_values:
                sd = covering(rounded, sd, np.where(good, alt[angle], np.nan))
            out[column(side, angle)] = np.where(ok, rounded, np.nan)
            out[column(side, angle, sd=True)] = np.where(ok, sd, np.nan)
    return out


def covering(value: np.ndarray, sd: np.ndarray, other: np.ndarray) -> np.ndarray:
    """`sd` widened, in whole degrees, where needed so that `value` +- sd holds `other`, a
    second answer as good as the first (NaN: none, the sd stays)."""
    with np.errstate(invalid="ignore"):
        gap = np.ceil(np.abs(other - value))
    return np.where(np.isfinite(gap), np.fmax(sd, gap), sd)


def empty_table(n: int) -> dict[str, np.ndarray]:
    """The columns of `table`, unknown in every frame (a clip the fit cannot place)."""
    return {
        column(side, angle, sd): np.full(n, np.nan)
        for side in SIDES
        for angle in ANGLES
        for sd in (False, True)
    }


WINDOW_ROWS = 240
"""A longer clip is fitted in windows of this many rows: the solver's cost grows faster than
the clip (0.4 CPU-s for the shared clip's 230 frames, 4-6 s for the same frames twice over;
in windows 1.8 s, 9 s for eight times over: about linear)."""
OVERLAP_ROWS = 30
"""Rows two neighbouring windows share; each row takes its angles from the window whose
middle is nearest."""


def windows(n: int, size: int = WINDOW_ROWS, overlap: int = OVERLAP_ROWS) -> list[tuple[int, int]]:
    """(start, stop) rows of windows `size` long covering `n` rows, as few as overlap by at
    least `overlap` rows, spread evenly (one window for a clip no longer than `size`)."""
    if n <= size:
        return [(0, n)]
    count = -(-(n - overlap) // (size - overlap))
    starts = np.round(np.linspace(0, n - size, count)).astype(int)
    return [(int(a), int(a) + size) for a in starts]


def owners(n: int, spans: list[tuple[int, int]]) -> np.ndarray:
    """Per row, the index of the window whose middle is nearest (among those holding it)."""
    rows = np.arange(n)[:, None]
    starts, stops = (np.array(v)[None, :] for v in zip(*spans, strict=True))
    distance = np.abs(rows + 0.5 - (starts + stops) / 2).astype(float)
    distance[(rows < starts) | (rows >= stops)] = np.inf
    return np.argmin(distance, axis=1)


SHORTER_MIN_ROWS = 60
"""The shortest window of the second, shorter-windowed fit (`shorter_fit`)."""


def shorter_fit(traj: Trajectories, result: fit3d.Fit3D) -> fit3d.Alternative | None:
    """The same rows fitted again in windows half as long (at least `SHORTER_MIN_ROWS`;
    None for a clip too short to split): the segment lengths, the body's shape and the
    prior's turn then come from fewer frames, and where the fit has more than one answer the
    shorter windows may settle on another. A frame counts as explained as well where its
    reprojection cost (squared sigmas over the joints seen) is at most
    `fit3d.EQUALLY_GOOD` above the fit's: the keypoints do not tell the two apart."""
    n = len(traj)
    size = max(n // 2, SHORTER_MIN_ROWS)
    if size >= n:
        return None
    spans = windows(n, size, OVERLAP_ROWS)
    owner = owners(n, spans)
    points = np.full_like(result.points, np.nan)
    px = np.full(n, np.nan)
    for i, (a, b) in enumerate(spans):
        try:
            part = fit3d.fit(traj.slice_time(a, b), result.focal_px)
        except ValueError:
            continue
        mine = owner[a:b] == i
        points[a:b][mine] = part.points[mine]
        px[a:b][mine] = part.reprojection_px[mine]
    sigma = fit3d.FitWeights().pixel_share * max(traj.meta.image_width, traj.meta.image_height)
    seen = np.sum([traj.conf(name) >= MIN_CONFIDENCE for name in fit3d.JOINTS], axis=0)
    extra = seen * (px**2 - result.reprojection_px**2) / sigma**2
    shorter = fit3d.Fit3D(points, result.lengths, px, result.focal_px, result.turn_rad)
    return fit3d.Alternative("shorter windows", shorter, extra)


def fit_with_alternatives(
    traj: Trajectories,
) -> tuple[fit3d.Fit3D, list[fit3d.Alternative]]:
    """The fit of these rows and its other answers: the depth flips
    (`fit3d.alternatives`) and the shorter windows (`shorter_fit`)."""
    result = fit3d.fit(traj)
    others = fit3d.alternatives(traj, result)
    shorter = shorter_fit(traj, result)
    return result, others + ([shorter] if shorter is not None else [])


def fitted_table(traj: Trajectories) -> tuple[dict[str, np.ndarray], str | None]:
    """The fit of the clip (in `windows`) and its angle table, each frame's sd covering the
    fit's other answers there (`fit_with_alternatives`); where no window has legs to fit,
    empty columns and a sentence saying so."""
    n = len(traj)
    out = empty_table(n)
    spans = windows(n, WINDOW_ROWS, OVERLAP_ROWS)
    owner = owners(n, spans)
    fitted = 0
    for i, (a, b) in enumerate(spans):
        part = traj.slice_time(a, b)
        try:
            result, others = fit_with_alternatives(part)
        except ValueError:
            continue
        fitted += 1
        mine = owner[a:b] == i
        for name, values in table(result, part, others).items():
            out[name][a:b][mine] = values[mine]
    if not fitted:
        return out, "No 3D angles: the legs were never seen well enough to fit a skeleton in depth."
    return out, None


LABELS = {
    "knee_flexion": "knee flexion",
    "hip_flexion": "hip flexion",
    "knee_frontal": "knee frontal-plane angle",
}


def summary(angles: dict[str, np.ndarray]) -> dict[str, object]:
    """Per fitted angle and side: the range over frames and the median sd (whole degrees,
    None where never known), and one plain sentence for the text output."""
    per_angle: dict[str, dict[str, dict[str, float | None]]] = {}
    parts = []
    for angle in ANGLES:
        rows, words = {}, []
        for side in SIDES:
            values = angles.get(column(side, angle), np.array([]))
            sds = angles.get(column(side, angle, sd=True), np.array([]))
            ok = np.isfinite(values)
            if not ok.any():
                rows[side] = {"min": None, "max": None, "median_sd": None}
                continue
            low, high = float(np.min(values[ok])), float(np.max(values[ok]))
            sd = float(np.round(np.median(sds[ok])))
            rows[side] = {"min": low, "max": high, "median_sd": sd}
            words.append(f"{side[0].upper()} {_deg(low)} to {_deg(high)} (+-{_deg(sd)})")
        per_angle[angle] = rows
        if words:
            parts.append(f"{LABELS[angle]} {', '.join(words)}")
    sentence = (
        "3D fit (one camera, degrees): " + "; ".join(parts)
        if parts
        else "3D fit: no angle could be fitted."
    )
    return {
        "angles_deg": per_angle,
        "not_reported": {
            "hip_rotation": "off by 7-26 degrees against a four-camera reference, more than "
            "its range over a stride (see docs/vision.md)",
        },
        "sentence": sentence,
    }


def _deg(value: float) -> str:
    return "?" if not math.isfinite(value) else f"{value:.0f}"


VALID_2D_WITHIN_DEG = {"sagittal": 25.0, "frontal": 20.0}
"""How far the camera may stand from the side (sagittal 2D angles: knee and hip flexion,
shank and thigh inclination, forward trunk lean) or from the front or rear (frontal ones:
FPPA, pelvic obliquity, lateral trunk lean) for those 2D values to hold: the protocols' own
limits (protocols.yaml: gait 25 for its sagittal knee angles, the squats 20 for FPPA)."""


def view_summary(est: ViewEstimate) -> dict[str, object]:
    """Where the camera stood (the view check's estimate), which 2D angles of the export
    are valid from there, and one plain sentence."""
    if not est.known:
        return {
            "bearing_deg": None,
            "sd_deg": None,
            "valid_2d": [],
            "sentence": "View: unknown (hips and shoulders not seen in 3D); the 2D angles "
            "hold only for the view each needs (docs/vision.md, Angle conventions).",
        }
    turns = {
        "sagittal": turn_from(est.bearing_deg, "side"),
        "frontal": turn_from(est.bearing_deg, "front_or_rear"),
    }
    valid = [plane for plane, turn in turns.items() if turn <= VALID_2D_WITHIN_DEG[plane]]
    where = f"View: the camera stood {describe(est.bearing_deg)} (+-{est.sigma_deg:.0f})"
    if valid:
        plane = valid[0]
        verdict = (
            f"the {plane} 2D angles are valid from it "
            f"({turns[plane]:.0f} degrees off, limit {VALID_2D_WITHIN_DEG[plane]:.0f})"
        )
    else:
        verdict = (
            f"no 2D angle is valid from it ({turns['sagittal']:.0f} degrees off the side, "
            f"{turns['frontal']:.0f} off front/rear); read the 3D fit's"
        )
    return {
        "bearing_deg": round(est.bearing_deg),
        "sd_deg": round(est.sigma_deg),
        "turn_from_side_deg": round(turns["sagittal"]),
        "turn_from_front_or_rear_deg": round(turns["frontal"]),
        "phases": len(est.phases),
        "valid_2d": valid,
        "sentence": f"{where}: {verdict}.",
    }
