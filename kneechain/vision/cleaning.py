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
    "legs": ("knee", "ankle", "heel", "foot_index"),
    "arms": ("elbow", "wrist", "pinky", "index", "thumb"),
}


class CleaningConfig(BaseModel):
    """Parameters of `clean`. `cutoff_hz` is chosen per test (see docs/vision.md)."""

    model_config = ConfigDict(frozen=True)

    min_confidence: float = Field(0.5, ge=0, le=1)
    max_gap_s: float = Field(0.25, ge=0, description="Longer gaps are left empty and reported.")
    cutoff_hz: float = Field(6.0, gt=0, description="Butterworth low-pass cut-off frequency.")
    filter_order: int = Field(4, ge=1, le=8, description="Order of the zero-lag filter.")
    swap_ratio: float = Field(0.6, gt=0, lt=1, description="Swap when it costs < ratio x keep.")
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
    left = [traj.index(f"left_{n}") for n in group if f"left_{n}" in traj.keypoints]
    right = [traj.index(f"right_{n}") for n in group if f"right_{n}" in traj.keypoints]
    return left, right


def _swap_cost(cur_l: np.ndarray, cur_r: np.ndarray, ref_l: np.ndarray, ref_r: np.ndarray) -> float:
    """Distance to the reference with labels exchanged, divided by the distance as labelled."""
    keep = np.concatenate([_dist(cur_l, ref_l), _dist(cur_r, ref_r)])
    swap = np.concatenate([_dist(cur_l, ref_r), _dist(cur_r, ref_l)])
    ok = np.isfinite(keep) & np.isfinite(swap)
    if not ok.any() or keep[ok].mean() <= 0:
        return float("inf")
    return float(swap[ok].mean() / keep[ok].mean())


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(a - b, axis=-1)


def find_swaps(position: np.ndarray, left: list[int], right: list[int], ratio: float) -> list[int]:
    """Frames whose left/right labels (for the given columns) should be exchanged.

    Walks forward in time keeping a reference pose (the last corrected frame, extrapolated
    with its velocity). A frame is swapped when exchanging labels brings it closer to the
    reference by the factor `ratio` (keep cost x ratio > swap cost). Near-crossing legs make
    both costs similar, so they are left alone.
    """
    swapped: list[int] = []
    fixed = position[:, left + right, :].copy()
    n = len(left)
    prev: np.ndarray | None = None
    prev2: np.ndarray | None = None
    for t in range(len(fixed)):
        cur = fixed[t]
        if not np.isfinite(cur).any():
            continue
        if prev is not None:
            ref = prev if prev2 is None else prev + np.nan_to_num(prev - prev2)
            both = np.isfinite(cur[:n, 0]) & np.isfinite(cur[n:, 0])
            if both.any():
                r = _swap_cost(cur[:n][both], cur[n:][both], ref[:n][both], ref[n:][both])
                if r < ratio:
                    fixed[t] = np.concatenate([cur[n:], cur[:n]])
                    swapped.append(t)
        prev2, prev = prev, fixed[t].copy()
    return swapped


def fix_swaps(traj: Trajectories, ratio: float) -> tuple[Trajectories, dict[str, list[int]]]:
    """Detect and undo left/right label swaps of the legs and of the arms."""
    position, confidence, world = traj.position.copy(), traj.confidence.copy(), traj.world.copy()
    found: dict[str, list[int]] = {}
    for name, group in SWAP_GROUPS.items():
        left, right = _pair_columns(traj, group)
        if not left or len(left) != len(right):
            continue
        frames = find_swaps(traj.position, left, right, ratio)
        found[name] = frames
        if frames:
            rows = np.array(frames)[:, None]
            for arr in (position, confidence, world):
                arr[rows, left + right] = arr[rows, right + left]
    step = ProcessingStep(
        name="fix_swaps", params={"ratio": ratio, "frames": {k: len(v) for k, v in found.items()}}
    )
    return traj.evolve(step, position=position, confidence=confidence, world=world), found


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


def reject_outliers(traj: Trajectories, window_s: float, sigmas: float) -> tuple[Trajectories, int]:
    """Hampel filter on every image coordinate; outliers become NaN (filled later if short)."""
    fps = sampling_rate(traj.time)
    window = max(3, round(window_s * fps) | 1)
    floor = 0.01 * max(traj.meta.image_width, traj.meta.image_height)
    position, world = traj.position.copy(), traj.world.copy()
    count = 0
    for k in range(len(traj.keypoints)):
        bad = hampel_mask(position[:, k, 0], window, sigmas, floor)
        bad |= hampel_mask(position[:, k, 1], window, sigmas, floor)
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


def butterworth(traj: Trajectories, cutoff_hz: float, order: int) -> Trajectories:
    """Apply `lowpass` to every coordinate of positions and world landmarks."""
    fs = sampling_rate(traj.time)
    position = np.apply_along_axis(lowpass, 0, traj.position, fs, cutoff_hz, order)
    world = np.apply_along_axis(lowpass, 0, traj.world, fs, cutoff_hz, order)
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
    traj, swaps = fix_swaps(traj, cfg.swap_ratio)
    traj, outliers = reject_outliers(traj, cfg.outlier_window_s, cfg.outlier_sigmas)
    traj, filled, gaps = interpolate_gaps(traj, cfg.max_gap_s)
    traj = butterworth(traj, cfg.cutoff_hz, cfg.filter_order)
    return traj, CleaningReport(low, swaps, outliers, filled, gaps)
