"""Sharing a pass's pieces among pose processes that start and run at different speeds.

The work is a table of pieces (start, stop, owner), cut beforehand on a grid that depends on
the video alone (parallel.plan_pieces). A process that needs work claims the first piece
nobody has taken; nothing is ever split or shortened, so which process poses a piece, and
when, cannot change its result. Every piece is posed by exactly one process, and a process
that starts late (a freshly spawned one) or runs slowly simply takes fewer pieces.

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


def claim(table: np.ndarray, worker: int) -> int | None:
    """The row of the first free piece, now owned by `worker`; None when none is free."""
    free = np.flatnonzero(table[:, OWNER] == FREE)
    if not len(free):
        return None
    row = int(free[0])
    table[row, OWNER] = worker
    return row


def finish(table: np.ndarray, row: int) -> None:
    """Mark a piece done."""
    table[row, OWNER] = DONE
