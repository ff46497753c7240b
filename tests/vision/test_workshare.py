"""The piece grid and the shared work table: every frame posed exactly once, the pieces fixed
by the video alone, whoever starts late or runs slow."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.vision import workshare as ws
from kneechain.vision.parallel import (
    MAX_PIECE_FRAMES,
    MIN_PIECE_FRAMES,
    TARGET_PIECES,
    WARMUP_FRAMES,
    piece_count,
    plan_pieces,
)


def _simulate(pieces, workers, order_seed):
    """Workers claim pieces in an order drawn from `order_seed` (who is ready next);
    returns {row: worker}."""
    table = ws.new_table(max(1, len(pieces)))
    ws.load(table, pieces)
    rng = np.random.default_rng(order_seed)
    owner: dict[int, int] = {}
    last = dict.fromkeys(range(workers), -1)
    active = list(range(workers))
    while active:
        w = int(rng.choice(active))
        row = ws.claim(table, w, last[w])
        if row is None:
            active.remove(w)
            continue
        owner[row] = w
        last[w] = row
        ws.finish(table, row)
    return owner, table


@st.composite
def _ranges(draw):
    every = draw(st.integers(1, 4))
    cuts = sorted(set(draw(st.lists(st.integers(0, 3000), min_size=2, max_size=8))))
    ranges = [(a * every, b * every) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    return ranges, every


@settings(max_examples=200, deadline=None)
@given(_ranges(), st.integers(1, 4), st.integers(0, 10_000))
def test_every_frame_is_posed_exactly_once_whoever_claims(case, workers, seed) -> None:
    ranges, every = case
    pieces = plan_pieces(ranges, every)
    owner, table = _simulate(pieces, workers, seed)
    assert sorted(owner) == list(range(len(pieces)))
    assert set(table[:, ws.OWNER].tolist()) <= {ws.DONE, ws.EMPTY}
    posed = sorted(f for a, b in pieces for f in range(a, b, every))
    assert posed == sorted(f for a, b in ranges for f in range(a, b, every))


@settings(max_examples=200, deadline=None)
@given(_ranges())
def test_pieces_lie_on_the_frame_grid_within_their_range(case) -> None:
    ranges, every = case
    pieces = plan_pieces(ranges, every)
    for a, b in pieces:
        home = next(r for r in ranges if r[0] <= a < r[1])
        assert b <= home[1] and (a - home[0]) % every == 0
        assert -(-(b - a) // every) <= MAX_PIECE_FRAMES
    for (_, b), (c, _) in itertools.pairwise(pieces):
        assert b <= c


def test_each_process_works_through_consecutive_pieces() -> None:
    table = ws.new_table(16)
    ws.load(table, [(i * 10, i * 10 + 10) for i in range(8)])
    assert ws.claim(table, 0) == 0  # a fresh pass starts at the beginning
    assert ws.claim(table, 1) == 4  # a late helper: the middle of the free run 1..7
    ws.finish(table, 0)
    assert [ws.claim(table, 0, 0), ws.claim(table, 1, 4)] == [1, 5]  # both read on
    for row in (1, 5):
        ws.finish(table, row)
    assert ws.claim(table, 2) == 3  # a third process: the middle of the free runs 2-3, 6-7
    assert ws.claim(table, 0, 1) == 2 and ws.claim(table, 1, 5) == 6
    assert ws.claim(table, 0, 2) == 7  # its next one is taken: what is left
    assert ws.claim(table, 1, 6) is None


def test_piece_sizes_depend_on_the_length_alone() -> None:
    assert piece_count(30) == 1 and piece_count(MIN_PIECE_FRAMES * 2) == 2
    assert piece_count(230) == 5 and piece_count(600) == TARGET_PIECES
    assert piece_count(9000) == 20
    assert plan_pieces([(0, 230)], 1) == [(0, 46), (46, 92), (92, 138), (138, 184), (184, 230)]
    assert plan_pieces([(0, 100)], 4) == [(0, 100)]
    assert WARMUP_FRAMES > 0


def test_claims_take_a_free_piece_and_never_split() -> None:
    table = ws.new_table(4)
    ws.load(table, [(0, 10), (10, 20), (20, 25)])
    assert ws.claim(table, 0) == 0 and ws.claim(table, 1) == 2  # empty rows are no work
    ws.finish(table, 2)
    assert ws.claim(table, 1, 2) == 1 and ws.claim(table, 0, 0) is None
    assert table[:3, ws.START].tolist() == [0, 10, 20] and table[:3, ws.STOP].tolist() == [
        10,
        20,
        25,
    ]
    with pytest.raises(ValueError, match="do not fit"):
        ws.load(table, [(i, i + 1) for i in range(5)])
    with pytest.raises(ValueError, match="at least one frame"):
        ws.load(table, [(3, 3)])
