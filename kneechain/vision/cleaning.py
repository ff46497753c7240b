"""Cleaning raw pose trajectories into signals fit for measurement.

The order of `clean` is deliberate: drop low-confidence points, repair left/right swaps,
reject outliers, interpolate short gaps (long gaps stay NaN and are reported), then a
zero-lag low-pass Butterworth filter. Each step is a pure function that returns new
`Trajectories` and records itself in the provenance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.ndimage import median_filter
from scipy.signal import butter, filtfilt

from kneechain.vision.trajectories import ProcessingStep, Trajectories

SWAP_GROUPS: dict[str, tuple[str, ...]] = {
    "body": ("hip", "shoulder", "ear"),
    "legs": ("knee", "ankle", "heel", "foot_index"),
    "arms": ("elbow", "wrist", "pinky", "index", "thumb"),
}
"""Pairs whose left/right labels are repaired together: "body" is the model turning the whole
person round (hips, shoulders, ears; the eyes and mouth corners follow them); a limb's labels
can also be swapped on their own."""
FACE_PAIRS = (
    ("left_eye", "right_eye"),
    ("left_eye_inner", "right_eye_inner"),
    ("left_eye_outer", "right_eye_outer"),
    ("mouth_left", "mouth_right"),
)
ANCHORS = {"legs": "hip", "arms": "shoulder"}
SIDE_MARGIN = 0.25
"""How far past the body's midline (in anchor widths, world landmarks) a limb may reach before
it costs (feet land close to the midline when walking)."""
MOTION_CAP = 4.0
"""The most one row's motion can cost (in group sizes): a glitch of the model in one frame
must not outweigh the evidence of the whole clip."""
SIDE_CAP = 2.0
"""The most one point can cost for being on the wrong side (in anchor widths)."""


class CleaningConfig(BaseModel):
    """Parameters of `clean`. `cutoff_hz` is chosen per test (see docs/vision.md)."""

    model_config = ConfigDict(frozen=True)

    min_confidence: float = Field(0.5, ge=0, le=1)
    max_gap_s: float = Field(0.25, ge=0, description="Longer gaps are left empty and reported.")
    cutoff_hz: float = Field(6.0, gt=0, description="Butterworth low-pass cut-off frequency.")
    filter_order: int = Field(4, ge=1, le=8, description="Order of the zero-lag filter.")
    swap_penalty: float = Field(
        0.08, gt=0, description="Cost of exchanging one frame's labels (in group sizes)."
    )
    outlier_window_s: float = Field(0.3, gt=0)
    outlier_sigmas: float = Field(5.0, gt=0)


@dataclass(frozen=True)
class Gap:
    """A stretch of time where one keypoint stays unknown after cleaning."""

    keypoint: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class CleaningReport:
    """What cleaning changed: counts per step and the long gaps left."""

    low_confidence_points: int
    swapped_frames: dict[str, list[int]]
    outliers: int
    interpolated_points: int
    long_gaps: list[Gap]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Start/stop pairs of consecutive True values."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def drop_low_confidence(traj: Trajectories, threshold: float) -> tuple[Trajectories, int]:
    """Positions whose confidence is below `threshold` become NaN (world landmarks too)."""
    low = ~(traj.confidence >= threshold)
    position = np.where(low[..., None], np.nan, traj.position)
    world = np.where(low[..., None], np.nan, traj.world)
    new_low = int(np.sum(low & np.isfinite(traj.position[..., 0])))
    step = ProcessingStep(name="drop_low_confidence", params={"threshold": threshold})
    return traj.evolve(step, position=position, world=world), new_low


def _pair_columns(traj: Trajectories, group: tuple[str, ...]) -> tuple[list[int], list[int]]:
    names = [n for n in group if f"left_{n}" in traj.keypoints and f"right_{n}" in traj.keypoints]
    return [traj.index(f"left_{n}") for n in names], [traj.index(f"right_{n}") for n in names]


def _labelled(points: np.ndarray) -> np.ndarray:
    """(T, 2, P, 2): the group's points as labelled (state 0) and with left/right exchanged
    (state 1); `points` is (T, P, 2) with the left columns first, then the right ones."""
    half = points.shape[1] // 2
    exchanged = np.concatenate([points[:, half:], points[:, :half]], axis=1)
    return np.stack([points, exchanged], axis=1)


def _motion_costs(points: np.ndarray, weight: np.ndarray, time: np.ndarray) -> np.ndarray:
    """(T, 2, 2, 2) cost of labelling rows t-2, t-1, t with states (a, b, c) (0 as labelled,
    1 exchanged): the weighted mean distance of the points from where constant velocity puts
    them (their acceleration), plus half their step (their speed). NaN points weigh nothing;
    rows with no usable point cost 0."""
    lab = _labelled(points)  # (T, 2, P, 2)
    n = len(points)
    costs = np.zeros((n, 2, 2, 2))
    if n < 3:
        return costs
    dt = np.diff(time)
    ratio = (dt[1:] / dt[:-1])[:, None, None, None, None, None]
    p0 = lab[:-2][:, :, None, None]  # a
    p1 = lab[1:-1][:, None, :, None]  # b
    p2 = lab[2:][:, None, None, :]  # c
    step = p2 - p1
    acc = step - (p1 - p0) * ratio
    w = (weight[:-2] * weight[1:-1] * weight[2:])[:, None, None, None, :]
    with np.errstate(invalid="ignore"):
        dist = np.linalg.norm(acc, axis=-1) + 0.5 * np.linalg.norm(step, axis=-1)
    ok = np.isfinite(dist) & (w > 0)
    total = np.sum(np.where(ok, dist * w, 0.0), axis=-1)
    count = np.sum(np.where(ok, w, 0.0), axis=-1)
    costs[2:] = np.where(count > 0, total / np.maximum(count, 1e-12), 0.0)
    return costs


def viterbi_labels(costs: np.ndarray, unary: np.ndarray) -> np.ndarray:
    """The cheapest per-row state (0..K-1) over the whole clip.

    `costs[t, a, b, c]` is the motion cost of states (a, b, c) at rows t-2, t-1, t (see
    `_motion_costs`), `unary[t, c]` the cost of state c at row t alone. The dynamic
    programme's state is the pair (state at t-1, state at t), so the motion term can judge
    acceleration: a label swap is a jump of one leg onto the other's path and back, which
    continuity of position alone cannot tell from the legs crossing.
    """
    n, k = unary.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n == 1:
        return np.array([int(np.argmin(unary[0]))])
    value = unary[0][:, None] + unary[1][None, :]  # (a, b)
    back = np.zeros((n, k, k), dtype=np.int64)
    for t in range(2, n):
        total = value[:, :, None] + costs[t]  # (a, b, c)
        back[t] = np.argmin(total, axis=0)
        value = np.min(total, axis=0) + unary[t][None, :]
    b, c = np.unravel_index(int(np.argmin(value)), (k, k))
    states = np.zeros(n, dtype=np.int64)
    states[-1], states[-2] = c, b
    for t in range(n - 1, 1, -1):
        states[t - 2] = back[t, states[t - 1], states[t]]
    return states


def _group_motion(
    position: np.ndarray,
    world: np.ndarray,
    confidence: np.ndarray,
    time: np.ndarray,
    cols: list[int],
) -> np.ndarray:
    """(T, 2, 2, 2) motion costs (`_motion_costs`) of one group of left+right columns, in the
    picture and in the model's 3D world landmarks, each in units of the group's typical
    left-right distance so that groups and clips of any size weigh alike."""
    half = len(cols) // 2
    total = np.zeros((len(time), 2, 2, 2))
    for arr in (position[:, cols], world[:, cols]):
        weight = np.where(np.isfinite(arr[..., 0]), np.clip(confidence[:, cols], 0.05, 1.0), 0.0)
        with np.errstate(invalid="ignore"):
            gaps = np.linalg.norm(arr[:, :half] - arr[:, half:], axis=-1)
        size = np.nanmedian(gaps) if np.isfinite(gaps).any() else np.nan
        if np.isfinite(size) and size > 0:
            total += np.minimum(_motion_costs(arr, weight, time) / size, MOTION_CAP)
    return total


def _limb_costs(
    position: np.ndarray, world: np.ndarray, limb: list[int], anchor: list[int]
) -> np.ndarray:
    """(T, 2, 2) cost of anchor labelling a (0 as labelled, 1 exchanged) with limb labelling
    b: each limb's first point must stay near its usual distance from its own anchor point
    in the picture (segment-length consistency) and, in the world landmarks, each limb must
    stay on its own side of the body's midline (a leg swung forward or back does not cross
    it, though in a slanted picture it seems to)."""
    half = len(limb) // 2
    out = np.zeros((len(position), 2, 2))
    anchors = _labelled(position[:, anchor])  # (T, 2, 2, 2)
    firsts = _labelled(position[:, [limb[0], limb[half]]])
    limbs_w = _labelled(world[:, limb])
    anchors_w = _labelled(world[:, anchor])
    with np.errstate(invalid="ignore"):
        gaps = np.linalg.norm(firsts[:, 0, 0] - firsts[:, 0, 1], axis=-1)
        reach = np.linalg.norm(firsts[:, 0] - anchors[:, 0], axis=-1)
    if not np.isfinite(gaps).any() or not np.isfinite(reach).all(axis=-1).any():
        return out
    size = np.nanmedian(gaps)
    typical = np.nanmedian(reach, axis=0)
    for a in (0, 1):
        for b in (0, 1):
            with np.errstate(invalid="ignore"):
                dist = np.linalg.norm(firsts[:, b] - anchors[:, a], axis=-1)
            length = np.nansum(np.abs(dist - typical), axis=-1)
            if np.isfinite(size) and size > 0:
                out[:, a, b] += np.where(np.isfinite(dist).all(axis=-1), length / size, 0.0)
            out[:, a, b] += _side_costs(limbs_w[:, b], anchors_w[:, a])
    return out


def _side_costs(points: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """(T,): how far the left points (first half of `points` (T, P, 3), world metres) lie past
    the body's midline to the right, along the line between the anchors (T, 2, 3) (right to
    left), and the right points to the left, in anchor widths beyond `SIDE_MARGIN`. Unknown
    points cost nothing."""
    axis = anchor[:, 0] - anchor[:, 1]
    mid = anchor.mean(axis=1)
    half = points.shape[1] // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        length = np.linalg.norm(axis, axis=-1)
        width = np.nanmedian(length) if np.isfinite(length).any() else np.nan
        # the line's direction from this row, its length from the clip: the model's 3D hips
        # sometimes nearly meet, and dividing by that would blow the cost up
        along = np.sum((points - mid[:, None]) * (axis / length[:, None])[:, None], axis=-1)
        along = along / width  # anchor widths, + to the left
    wrong = np.concatenate(
        [
            np.maximum(-along[:, :half] - SIDE_MARGIN, 0),
            np.maximum(along[:, half:] - SIDE_MARGIN, 0),
        ],
        axis=1,
    )
    return np.nansum(np.minimum(wrong, SIDE_CAP), axis=1)


def find_swaps(
    position: np.ndarray,
    confidence: np.ndarray,
    world: np.ndarray,
    time: np.ndarray,
    body: list[int],
    limb: list[int],
    anchor: list[int],
    penalty: float,
    body_settled: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose body labels and whose limb labels should be exchanged (two bool arrays),
    chosen jointly over the whole clip by `viterbi_labels` with four states per row (body
    and limb each as labelled or exchanged).

    `body`, `limb`, `anchor`: left columns then right columns of the body pairs, of the
    limb's pairs, and of the two points the limb hangs from (hips or shoulders). Costs: the
    smoothness of each group's motion in the picture and in 3D (`_group_motion`), the limb's
    fit to its anchors (`_limb_costs`), and `penalty` per exchanged label set per row, so the
    model's labels stand where nothing says otherwise. Judged jointly, a leg swap seen from
    the side (hips overlapping in the picture) is not taken for the whole person turning
    round, and a whole-body turn is not taken for two limb swaps.
    """
    out = np.zeros(len(time), dtype=bool), np.zeros(len(time), dtype=bool)
    seen = np.isfinite(position[:, body + limb, 0]).any(axis=1)
    rows = np.flatnonzero(seen)
    if rows.size == 0:
        return out
    pos, wor, conf, t = position[rows], world[rows], confidence[rows], time[rows]
    mb = _group_motion(pos, wor, conf, t, body)
    ml = _group_motion(pos, wor, conf, t, limb)
    # state k = 2 * body + limb; costs[t, a, b, c] over the states at rows t-2, t-1, t
    kb, kl = np.arange(4) // 2, np.arange(4) % 2
    costs = (
        mb[:, kb[:, None, None], kb[None, :, None], kb[None, None, :]]
        + ml[:, kl[:, None, None], kl[None, :, None], kl[None, None, :]]
    )
    fit = _limb_costs(pos, wor, limb, anchor)
    unary = fit[:, kb, kl] + penalty * (kb + kl)[None, :]
    if body_settled:
        unary[:, kb == 1] = np.inf
    states = viterbi_labels(costs, unary)
    out[0][rows], out[1][rows] = kb[states] == 1, kl[states] == 1
    return out


def fix_swaps(traj: Trajectories, penalty: float) -> tuple[Trajectories, dict[str, list[int]]]:
    """Detect and undo left/right label swaps: the whole body (the model turning the person
    round) jointly with the legs (anchored at the hips), then the arms (anchored at the
    repaired shoulders)."""
    position, confidence, world = traj.position.copy(), traj.confidence.copy(), traj.world.copy()
    found: dict[str, list[int]] = {}
    body_l, body_r = _pair_columns(traj, SWAP_GROUPS["body"])
    body = body_l + body_r
    for limb_name in ("legs", "arms"):
        limb_l, limb_r = _pair_columns(traj, SWAP_GROUPS[limb_name])
        anchor = [traj.index(f"{s}_{ANCHORS[limb_name]}") for s in ("left", "right")]
        if not limb_l or not body_l or any(a not in body for a in anchor):
            continue
        limb = limb_l + limb_r
        settled = limb_name != "legs"  # the body is labelled jointly with the legs
        swap_body, swap_limb = find_swaps(
            position, confidence, world, traj.time, body, limb, anchor, penalty, settled
        )
        if limb_name == "legs":
            found["body"] = np.flatnonzero(swap_body).tolist()
            face = [(traj.index(a), traj.index(b)) for a, b in FACE_PAIRS if a in traj.keypoints]
            face_l, face_r = [a for a, _ in face], [b for _, b in face]
            _exchange((position, confidence, world), swap_body, body_l + face_l, body_r + face_r)
        found[limb_name] = np.flatnonzero(swap_limb).tolist()
        _exchange((position, confidence, world), swap_limb, limb_l, limb_r)
    step = ProcessingStep(
        name="fix_swaps",
        params={"penalty": penalty, "frames": {k: len(v) for k, v in found.items()}},
    )
    return traj.evolve(step, position=position, confidence=confidence, world=world), found


def _exchange(
    arrays: tuple[np.ndarray, ...], rows: np.ndarray, left: list[int], right: list[int]
) -> None:
    """Exchange the left and right columns of `arrays` in place at the True `rows`."""
    if not rows.any():
        return
    sel = np.flatnonzero(rows)[:, None]
    for arr in arrays:
        arr[sel, left + right] = arr[sel, right + left]


def hampel_mask(values: np.ndarray, window: int, sigmas: float, floor: float) -> np.ndarray:
    """True where a sample lies more than `sigmas` robust deviations from its running median.

    `values` is one signal over time (NaN allowed); `floor` is the smallest deviation that
    can count (so a perfectly flat signal does not turn every tiny wobble into an outlier).
    """
    finite = np.isfinite(values)
    if finite.sum() < 3:
        return np.zeros_like(finite)
    filled = np.interp(np.arange(len(values)), np.flatnonzero(finite), values[finite])
    med = median_filter(filled, size=window, mode="nearest")
    mad = median_filter(np.abs(filled - med), size=window, mode="nearest")
    limit = np.maximum(sigmas * 1.4826 * mad, floor)
    return finite & (np.abs(values - med) > limit)


def time_windows(time: np.ndarray, half_s: float) -> np.ndarray:
    """(T, W) rows of each row's window: the rows within `half_s` seconds of its time, and at
    least its neighbours; -1 pads the windows shorter than the longest (at the clip's ends,
    and where frames are sparser)."""
    time = np.asarray(time, float)
    n = len(time)
    rows = np.arange(n)
    tol = 1e-6 * max(half_s, 1e-9)
    lo = np.minimum(np.searchsorted(time, time - half_s - tol, "left"), np.maximum(rows - 1, 0))
    hi = np.maximum(np.searchsorted(time, time + half_s + tol, "right"), np.minimum(rows + 2, n))
    width = int(np.max(hi - lo)) if n else 0
    at = lo[:, None] + np.arange(width)[None, :]
    return np.where(at < hi[:, None], at, -1)


def hampel_mask_at(
    values: np.ndarray, time: np.ndarray, half_s: float, sigmas: float, floor: float
) -> np.ndarray:
    """`hampel_mask` for unevenly spaced rows (a variable frame rate): each row's running
    median and deviation are taken over the rows within `half_s` seconds of it
    (`time_windows`), so that the window is the same span of time everywhere in the clip;
    gaps are filled along time, not rows."""
    finite = np.isfinite(values)
    if finite.sum() < 3:
        return np.zeros_like(finite)
    time = np.asarray(time, float)
    filled = np.interp(time, time[finite], values[finite])
    windows = time_windows(time, half_s)
    pad = windows < 0

    def running_median(signal: np.ndarray) -> np.ndarray:
        return np.nanmedian(np.where(pad, np.nan, signal[windows]), axis=1)

    med = running_median(filled)
    mad = running_median(np.abs(filled - med))
    limit = np.maximum(sigmas * 1.4826 * mad, floor)
    return finite & (np.abs(values - med) > limit)


def reject_outliers(traj: Trajectories, window_s: float, sigmas: float) -> tuple[Trajectories, int]:
    """Hampel filter on every image coordinate; outliers become NaN (filled later if short).
    The window is `window_s` seconds (an odd number of rows at the clip's rate); unevenly
    spaced rows (a variable frame rate, see `even_grid`) use the same span of time around
    each row (`hampel_mask_at`), not the same number of rows."""
    fps = sampling_rate(traj.time)
    window = max(3, round(window_s * fps) | 1)
    floor = 0.01 * max(traj.meta.image_width, traj.meta.image_height)
    uneven = even_grid(traj.time) is not None
    half_s = (window // 2) / fps

    def mask(values: np.ndarray) -> np.ndarray:
        if uneven:
            return hampel_mask_at(values, traj.time, half_s, sigmas, floor)
        return hampel_mask(values, window, sigmas, floor)

    position, world = traj.position.copy(), traj.world.copy()
    count = 0
    for k in range(len(traj.keypoints)):
        bad = mask(position[:, k, 0])
        bad |= mask(position[:, k, 1])
        position[bad, k, :] = np.nan
        world[bad, k, :] = np.nan
        count += int(bad.sum())
    params = {"window_s": window_s, "sigmas": sigmas, "rejected": count}
    step = ProcessingStep(name="reject_outliers", params=params)
    return traj.evolve(step, position=position, world=world), count


def sampling_rate(time: np.ndarray) -> float:
    """Frames per second from the median time step (robust to variable frame rate)."""
    steps = np.diff(np.asarray(time, float))
    return float(1.0 / np.median(steps)) if steps.size else 1.0


def interpolate_series(
    values: np.ndarray, time: np.ndarray, max_gap_s: float
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Linearly fill NaN runs of at most `max_gap_s` that have data on both sides.

    Returns the filled copy and the (start, stop) rows of the runs left empty.
    """
    out = np.array(values, float)
    finite = np.isfinite(out)
    long_runs: list[tuple[int, int]] = []
    if not finite.any():
        return out, [(0, len(out))] if len(out) else []
    for start, stop in _runs(~finite):
        inside = start > 0 and stop < len(out)
        span = time[min(stop, len(out) - 1)] - time[max(start - 1, 0)]
        if inside and span <= max_gap_s + 1e-9:
            idx = np.arange(start, stop)
            out[idx] = np.interp(time[idx], time[[start - 1, stop]], out[[start - 1, stop]])
        else:
            long_runs.append((start, stop))
    return out, long_runs


def interpolate_gaps(traj: Trajectories, max_gap_s: float) -> tuple[Trajectories, int, list[Gap]]:
    """Fill short gaps of every coordinate; report the long ones as `Gap`s."""
    position, world = traj.position.copy(), traj.world.copy()
    gaps: list[Gap] = []
    before = int(np.isnan(position[..., 0]).sum())
    for k, name in enumerate(traj.keypoints):
        long_runs: list[tuple[int, int]] = []
        for arr, dims in ((position, 2), (world, 3)):
            for d in range(dims):
                arr[:, k, d], runs = interpolate_series(arr[:, k, d], traj.time, max_gap_s)
                if arr is position and d == 0:
                    long_runs = runs
        end = len(traj.time) - 1
        gaps += [
            Gap(name, float(traj.time[a]), float(traj.time[min(b, end)])) for a, b in long_runs
        ]
    filled = before - int(np.isnan(position[..., 0]).sum())
    step = ProcessingStep(name="interpolate_gaps", params={"max_gap_s": max_gap_s})
    return traj.evolve(step, position=position, world=world), filled, gaps


def lowpass(values: np.ndarray, fs: float, cutoff_hz: float, order: int) -> np.ndarray:
    """Zero-lag Butterworth low-pass (forward-backward `filtfilt`) applied to each finite run.

    Runs too short for the filter's padding are returned unchanged. A cut-off at or above the
    Nyquist frequency leaves the signal as it is.
    """
    out = np.array(values, float)
    nyquist = fs / 2.0
    if cutoff_hz >= nyquist:
        return out
    b, a = butter(order, cutoff_hz / nyquist)
    padlen = 3 * max(len(a), len(b))
    for start, stop in _runs(np.isfinite(out)):
        if stop - start > padlen:
            out[start:stop] = filtfilt(b, a, out[start:stop])
    return out


#: Rows whose time steps all lie within this fraction of the median step count as evenly
#: spaced (a phone's timing jitter of a millisecond or two); others (a variable frame rate
#: that drops to a third in low light, dropped frames) are filtered on an even grid.
EVEN_TOLERANCE = 0.25


def even_grid(time: np.ndarray) -> np.ndarray | None:
    """Evenly spaced times at the median step from the first row's time to the last's, or None
    when the rows already are evenly spaced (within `EVEN_TOLERANCE`) or too few."""
    time = np.asarray(time, float)
    if len(time) < 3:
        return None
    steps = np.diff(time)
    step = float(np.median(steps))
    if step <= 0 or np.all(np.abs(steps - step) <= EVEN_TOLERANCE * step):
        return None
    return time[0] + step * np.arange(int(np.floor((time[-1] - time[0]) / step + 1e-9)) + 1)


def lowpass_at(values: np.ndarray, time: np.ndarray, cutoff_hz: float, order: int) -> np.ndarray:
    """`lowpass` of rows taken at `time`: a filter's cut-off is a frequency in time, so
    unevenly spaced rows (a variable frame rate) are filtered on `even_grid`, run by finite run,
    and read back at their own times; evenly spaced rows are filtered as they are."""
    time = np.asarray(time, float)
    fs = sampling_rate(time)
    if even_grid(time) is None:
        return lowpass(values, fs, cutoff_hz, order)
    out = np.array(values, float)
    for start, stop in _runs(np.isfinite(out)):
        grid = even_grid(time[start:stop])
        if grid is None:
            out[start:stop] = lowpass(out[start:stop], fs, cutoff_hz, order)
            continue
        even = lowpass(np.interp(grid, time[start:stop], out[start:stop]), fs, cutoff_hz, order)
        out[start:stop] = np.interp(time[start:stop], grid, even)
    return out


def butterworth(traj: Trajectories, cutoff_hz: float, order: int) -> Trajectories:
    """Apply `lowpass_at` to every coordinate of positions and world landmarks."""
    fs = sampling_rate(traj.time)
    position = np.apply_along_axis(lowpass_at, 0, traj.position, traj.time, cutoff_hz, order)
    world = np.apply_along_axis(lowpass_at, 0, traj.world, traj.time, cutoff_hz, order)
    params = {"cutoff_hz": cutoff_hz, "order": order, "fs": round(fs, 3), "zero_lag": True}
    return traj.evolve(
        ProcessingStep(name="butterworth", params=params), position=position, world=world
    )


def clean(
    traj: Trajectories, config: CleaningConfig | None = None
) -> tuple[Trajectories, CleaningReport]:
    """Run every cleaning step in order and report what changed."""
    cfg = config or CleaningConfig()
    traj, low = drop_low_confidence(traj, cfg.min_confidence)
    traj, swaps = fix_swaps(traj, cfg.swap_penalty)
    traj, outliers = reject_outliers(traj, cfg.outlier_window_s, cfg.outlier_sigmas)
    traj, filled, gaps = interpolate_gaps(traj, cfg.max_gap_s)
    traj = butterworth(traj, cfg.cutoff_hz, cfg.filter_order)
    return traj, CleaningReport(low, swaps, outliers, filled, gaps)
