"""Sharing a video's frames among pose processes that start and run at different speeds.

The work is a table of segments (start, stop, next frame, owner). A process that needs work
claims the longest segment nobody has started; when none is left it splits the unfinished
segment with the most frames left and takes the back half, and the owner of that segment
stops where the taken half begins. So every frame is posed by exactly one process, a process
that starts late (a freshly spawned one) or runs slowly still finishes with the others, and
no piece is split below `min_frames` processed frames (each new piece costs a short warm-up).

These are pure functions on a small integer array; `parallel.py` keeps the array in shared
memory and calls them under one lock.
"""

from __future__ import annotations

import itertools

import numpy as np

START, STOP, NEXT, OWNER = range(4)
FREE, DONE, EMPTY = -1, -2, -3


def new_table(capacity: int) -> np.ndarray:
    """An empty table with room for `capacity` segments."""
    table = np.zeros((capacity, 4), dtype=np.int64)
    table[:, OWNER] = EMPTY
    return table


def fit(ranges: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """`ranges` (sorted, disjoint) merged across their smallest gaps until at most `limit`."""
    out = sorted(ranges)
    while len(out) > limit:
        gaps = [b[0] - a[1] for a, b in itertools.pairwise(out)]
        i = int(np.argmin(gaps))
        out[i : i + 2] = [(out[i][0], out[i + 1][1])]
    return out


def load(table: np.ndarray, ranges: list[tuple[int, int]], headroom: int = 32) -> None:
    """Replace the table's content with `ranges` (each free), leaving room for splits."""
    ranges = fit([(a, b) for a, b in ranges if b > a], max(1, len(table) - headroom))
    table[:] = new_table(len(table))
    for row, (a, b) in enumerate(ranges):
        table[row] = (a, b, a, FREE)


def _grid_up(value: int, every: int) -> int:
    """The smallest multiple of `every` that is >= value."""
    return -(-value // every) * every


def claim(
    table: np.ndarray, worker: int, every: int = 1, min_frames: int = 1, warmup: int = 0
) -> int | None:
    """A row for `worker` to pose: the longest free segment, else the back half of the
    segment with the most frames left (if both halves keep `min_frames`), else None.

    The taker first spends `warmup` processed frames settling the tracker, so its half is
    that much shorter and both finish at the same time."""
    free = np.flatnonzero(table[:, OWNER] == FREE)
    if len(free):  # the longest first, so short ones fill in at the end
        row = int(free[np.argmax(table[free, STOP] - table[free, START])])
        table[row, OWNER] = worker
        return row
    busy = np.flatnonzero(table[:, OWNER] >= 0)
    empty = np.flatnonzero(table[:, OWNER] == EMPTY)
    if not len(busy) or not len(empty):
        return None
    left = table[busy, STOP] - table[busy, NEXT]
    victim = int(busy[np.argmax(left)])
    stop, nxt = int(table[victim, STOP]), int(table[victim, NEXT])
    mid = _grid_up(nxt + (stop - nxt + warmup * every) // 2, every)
    if -(-(mid - nxt) // every) < min_frames or -(-(stop - mid) // every) < min_frames:
        return None
    row = int(empty[0])
    table[row] = (mid, stop, mid, worker)
    table[victim, STOP] = mid
    return row


def advance(table: np.ndarray, row: int, index: int) -> bool:
    """Record that the owner of `row` is about to pose frame `index`; False when the frame
    is past the segment's (possibly shortened) end, which ends the segment."""
    if index >= table[row, STOP]:
        return False
    table[row, NEXT] = index
    return True


def finish(table: np.ndarray, row: int) -> None:
    """Mark a segment done (its owner posed every frame it still owned)."""
    table[row, OWNER] = DONE
    table[row, NEXT] = table[row, STOP]
