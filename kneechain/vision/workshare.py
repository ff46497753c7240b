"""Sharing a pass's pieces among pose processes that start and run at different speeds.

The work is a table of pieces (start, stop, owner), cut beforehand on a grid that depends on
the video alone (parallel.plan_pieces). A process that needs work claims the piece right
after its last one when it is free (it reads on in the video without a seek), else the
middle piece of the longest run of free pieces (the first piece of a fresh pass), so that
each process works through a stretch of consecutive pieces; nothing is ever split or
shortened, so which process poses a piece, and when, cannot change its result. Every piece
is posed by exactly one process, and a process that starts late (a freshly spawned one) or
runs slowly simply takes fewer pieces.

These are pure functions on a small integer array; `parallel.py` keeps the array in shared
memory and calls them under one lock.
"""

from __future__ import annotations

import numpy as np

START, STOP, OWNER = range(3)
FREE, DONE, EMPTY = -1, -2, -3


def new_table(capacity: int) -> np.ndarray:
    """An empty table with room for `capacity` pieces."""
    table = np.zeros((capacity, 3), dtype=np.int64)
    table[:, OWNER] = EMPTY
    return table


def load(table: np.ndarray, pieces: list[tuple[int, int]]) -> None:
    """Replace the table's content with `pieces` (each free); row i is piece i."""
    if any(b <= a for a, b in pieces):
        raise ValueError("every piece must hold at least one frame")
    if len(pieces) > len(table):
        raise ValueError(f"{len(pieces)} pieces do not fit a table of {len(table)}")
    table[:] = new_table(len(table))
    for row, (a, b) in enumerate(pieces):
        table[row] = (a, b, FREE)


def claim(table: np.ndarray, worker: int, after: int = -1) -> int | None:
    """The row of a free piece, now owned by `worker`; None when none is free. The row
    after `after` (the worker's last piece) when free; else the first row of a pass nobody
    has started, or the middle row of the longest run of free rows (the first such run on
    a tie)."""
    owner = table[:, OWNER]
    free = owner == FREE
    if not free.any():
        return None
    if 0 <= after < len(table) - 1 and free[after + 1]:
        row = after + 1
    elif not np.any((owner >= 0) | (owner == DONE)):
        row = int(np.flatnonzero(free)[0])
    else:
        edges = np.diff(np.concatenate(([0], free.astype(np.int8), [0])))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest = int(np.argmax(stops - starts))
        row = int(starts[longest] + (stops[longest] - starts[longest]) // 2)
    table[row, OWNER] = worker
    return row


def finish(table: np.ndarray, row: int) -> None:
    """Mark a piece done."""
    table[row, OWNER] = DONE
