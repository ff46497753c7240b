"""Repetition, hold and event detection on one-dimensional signals: small pure functions.

Signals are per-frame arrays with NaN where unknown, sampled at the clip's real timestamps.
Detection works on a gap-filled, low-pass filtered copy; values are always read back from the
unfiltered-by-us signal (the trajectories are already cleaned by the vision stage).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from kneechain.vision.cleaning import EVEN_TOLERANCE, even_grid, lowpass_at, sampling_rate


@dataclass(frozen=True)
class Rep:
    """Rows of one repetition: where it starts, its extreme, where it ends (inclusive)."""

    start: int
    peak: int
    end: int


def fill(values: np.ndarray, time: np.ndarray | None = None) -> np.ndarray:
    """Linear interpolation over NaNs (ends held flat); all-NaN stays all-NaN. Given the
    rows' `time` and those are unevenly spaced (a variable frame rate), along time: a gap
    over a change of rate is filled as the signal went in time, not in rows."""
    values = np.asarray(values, float)
    ok = np.isfinite(values)
    if ok.all() or not ok.any():
        return values.copy()
    at = np.arange(len(values), dtype=float)
    if time is not None and even_grid(time) is not None:
        at = np.asarray(time, float)
    return np.interp(at, at[ok], values[ok])


def smooth(values: np.ndarray, time: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """Gap-filled, zero-lag low-passed copy of `values` (for detection only)."""
    if len(values) < 2:
        return fill(values)
    return lowpass_at(fill(values, time), np.asarray(time, float), cutoff_hz, 2)


def peaks(
    values: np.ndarray, time: np.ndarray, prominence: float, min_interval_s: float
) -> np.ndarray:
    """Rows of local maxima standing out by at least `prominence` and `min_interval_s` apart.

    Unevenly spaced rows (a variable frame rate) are searched on an even grid of the same
    times, so that `min_interval_s` is a time everywhere in the clip, and each peak is
    brought back to the row nearest its time."""
    values = np.asarray(values, float)
    if len(values) < 3 or not np.isfinite(values).any():
        return np.array([], dtype=int)
    time = np.asarray(time, float)
    grid = even_grid(time)
    if grid is not None:
        found = peaks(np.interp(grid, time, fill(values, time)), grid, prominence, min_interval_s)
        return np.unique(nearest_rows(time, grid[found]))
    fs = sampling_rate(time)
    distance = max(1, round(min_interval_s * fs))
    filled = fill(values)
    rows, _ = find_peaks(filled, prominence=prominence, distance=distance)
    return merge_shallow(filled, rows.astype(int), prominence)


def nearest_rows(time: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each time in `at`, the row of `time` (increasing) nearest to it."""
    time = np.asarray(time, float)
    right = np.clip(np.searchsorted(time, at), 0, len(time) - 1)
    left = np.clip(right - 1, 0, len(time) - 1)
    closer_left = np.abs(np.asarray(at) - time[left]) < np.abs(time[right] - np.asarray(at))
    return np.where(closer_left, left, right).astype(int)


def middle_row(time: np.ndarray, a: int, b: int) -> int:
    """The row from `a` to `b` (inclusive) nearest in time to the middle of their times (a
    stance's mid-stance, a hold's middle). Near ties (within `EVEN_TOLERANCE` of a step) go to
    the earlier row, so evenly spaced rows give `(a + b) // 2`; where the rate changes inside
    the span (a variable frame rate), the middle in rows is not the middle in time."""
    if b <= a:
        return int(a)
    time = np.asarray(time, float)
    mid = (time[a] + time[b]) / 2
    lo = min(a + int(np.searchsorted(time[a : b + 1], mid, "right")) - 1, b - 1)
    step = time[lo + 1] - time[lo]
    later = (time[lo + 1] - mid) < (mid - time[lo]) - EVEN_TOLERANCE * step
    return int(lo + 1 if later else lo)


def row_after(time: np.ndarray, row: int, seconds: float) -> int:
    """The row `seconds` after `row` (the last row at most): on evenly spaced rows
    `row + round(seconds * rate)`, otherwise (a variable frame rate) the row nearest in time,
    since a number of rows at the median rate is another span of time where the rate differs."""
    time = np.asarray(time, float)
    if even_grid(time) is None:
        return min(len(time) - 1, int(row) + round(seconds * sampling_rate(time)))
    return int(nearest_rows(time, np.array([time[row] + seconds]))[0])


def merge_shallow(values: np.ndarray, rows: np.ndarray, depth: float) -> np.ndarray:
    """Keep one peak (the higher) of neighbours not separated by a dip of at least `depth`
    below the lower of the two: the two ends of one held plateau are one repetition."""
    kept: list[int] = []
    for row in rows:
        if kept:
            prev = kept[-1]
            dip = float(np.min(values[prev : row + 1]))
            if min(values[prev], values[row]) - dip < depth:
                if values[row] > values[prev]:
                    kept[-1] = int(row)
                continue
        kept.append(int(row))
    return np.array(kept, dtype=int)


def repetitions(
    values: np.ndarray, time: np.ndarray, prominence: float, min_interval_s: float = 0.5
) -> list[Rep]:
    """Repetitions as peaks of `values` with their start and end at the lowest point between
    neighbouring peaks (or the clip's ends)."""
    filled = fill(values)
    tops = peaks(filled, time, prominence, min_interval_s)
    reps = []
    for i, top in enumerate(tops):
        lo = 0 if i == 0 else int(tops[i - 1])
        hi = len(filled) - 1 if i == len(tops) - 1 else int(tops[i + 1])
        start = lo + int(np.argmin(filled[lo : top + 1]))
        end = top + int(np.argmin(filled[top : hi + 1]))
        reps.append(Rep(start, int(top), end))
    return reps


def plateau(values: np.ndarray, rep: Rep, tolerance: float) -> np.ndarray:
    """Rows around the peak of `rep` whose value stays within `tolerance` of the peak value:
    the held end position."""
    values = fill(values)
    top = values[rep.peak]
    lo = rep.peak
    while lo > rep.start and values[lo - 1] >= top - tolerance:
        lo -= 1
    hi = rep.peak
    while hi < rep.end and values[hi + 1] >= top - tolerance:
        hi += 1
    return np.arange(lo, hi + 1)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) row ranges, stop exclusive, of the runs of True in `mask`."""
    padded = np.concatenate([[False], np.asarray(mask, bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def bridge(mask: np.ndarray, max_gap: int) -> np.ndarray:
    """`mask` with False gaps of at most `max_gap` rows between two True runs set True."""
    out = np.asarray(mask, bool).copy()
    found = runs(out)
    for (_, stop), (start, _) in itertools.pairwise(found):
        if start - stop <= max_gap:
            out[stop:start] = True
    return out


def bridge_at(mask: np.ndarray, time: np.ndarray, max_gap_s: float) -> np.ndarray:
    """`bridge` with the gap a span of time: on evenly spaced rows, gaps of at most
    `max_gap_s` at the rows' rate (rounded to whole rows, as before); otherwise (a variable
    frame rate) gaps whose time from their first row to the next True row is at most
    `max_gap_s`, whatever number of rows that is."""
    time = np.asarray(time, float)
    if even_grid(time) is None:
        return bridge(mask, round(max_gap_s * sampling_rate(time)))
    out = np.asarray(mask, bool).copy()
    for (_, stop), (start, _) in itertools.pairwise(runs(out)):
        if time[start] - time[stop] <= max_gap_s + 1e-9:
            out[stop:start] = True
    return out
