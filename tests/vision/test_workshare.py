"""The shared work table: every frame posed exactly once, whoever starts late or runs slow."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.vision import workshare as ws


def _simulate(ranges, every, workers, speeds, min_frames, capacity=64):
    """Run the claim/advance protocol with workers taking turns at random speeds (a worker
    with speed s poses s frames per round, starting in round `start`). Returns the frames
    each worker posed and the pieces (start, stop) they posed."""
    table = ws.new_table(capacity)
    ws.load(table, ranges, headroom=8)
    posed: dict[int, list[int]] = {w: [] for w in range(workers)}
    pieces: list[tuple[int, int]] = []
    current: dict[int, tuple[int, int, int] | None] = dict.fromkeys(range(workers))
    finished = set()
    rounds = 0
    while len(finished) < workers:
        rounds += 1
        assert rounds < 100_000
        for w in range(workers):
            start_round, speed = speeds[w]
            if w in finished or rounds < start_round:
                continue
            for _ in range(speed):
                if current[w] is None:
                    row = ws.claim(table, w, every, min_frames)
                    if row is None:
                        finished.add(w)
                        break
                    first = int(table[row, ws.START])
                    current[w] = (row, first, first)
                row, first, index = current[w]
                if ws.advance(table, row, index):
                    posed[w].append(index)
                    current[w] = (row, first, index + every)
                else:
                    ws.finish(table, row)
                    pieces.append((first, index))
                    current[w] = None
    return posed, pieces, table


def _grid_frames(ranges, every):
    return sorted(f for a, b in ranges for f in range(a, b, every))


@st.composite
def _case(draw):
    every = draw(st.integers(1, 4))
    cuts = sorted(set(draw(st.lists(st.integers(0, 400), min_size=2, max_size=8))))
    ranges = [(a * every, b * every) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    workers = draw(st.integers(1, 4))
    speeds = [(draw(st.integers(1, 60)), draw(st.integers(1, 5))) for _ in range(workers)]
    return ranges, every, workers, speeds, draw(st.integers(1, 40))


@settings(max_examples=200, deadline=None)
@given(_case())
def test_every_frame_is_posed_exactly_once(case) -> None:
    ranges, every, workers, speeds, min_frames = case
    posed, pieces, table = _simulate(ranges, every, workers, speeds, min_frames)
    everything = sorted(f for frames in posed.values() for f in frames)
    assert everything == _grid_frames(ranges, every)
    assert set(table[:, ws.OWNER].tolist()) <= {ws.DONE, ws.EMPTY}
    # a split never leaves a piece shorter than min_frames (unless its range was shorter)
    shortest_range = min(((b - a) // every for a, b in ranges if b > a), default=0)
    for a, b in pieces:
        assert -(-(b - a) // every) >= min(min_frames, shortest_range)


def test_a_late_starter_takes_the_back_half_of_what_is_left() -> None:
    table = ws.new_table(8)
    ws.load(table, [(0, 600)], headroom=2)
    main = ws.claim(table, 0)
    for index in range(40):  # the main process poses 40 frames before the helper is ready
        assert ws.advance(table, main, index)
    helper = ws.claim(table, 1, min_frames=30)
    # frame 39 is being posed: 561 frames left, the helper takes the last 281
    assert table[helper, ws.START] == 319 and table[main, ws.STOP] == 319
    assert ws.advance(table, main, 318) and not ws.advance(table, main, 319)


def test_no_split_below_the_minimum_and_free_segments_longest_first() -> None:
    table = ws.new_table(8)
    ws.load(table, [(0, 100), (500, 520)], headroom=2)
    assert ws.claim(table, 0) == 0
    assert table[ws.claim(table, 1), ws.START] == 500  # the untouched segment before a split
    ws.advance(table, 0, 50)
    assert ws.claim(table, 2, min_frames=30) is None  # 50 left: halves of 25 < 30
    assert table[ws.claim(table, 2, min_frames=20), ws.START] == 75
    ws.load(table, [(0, 10), (20, 90), (100, 130)], headroom=2)
    assert [int(table[ws.claim(table, w), ws.START]) for w in range(3)] == [20, 100, 0]


def test_the_taker_of_a_split_is_credited_its_warm_up() -> None:
    table = ws.new_table(8)
    ws.load(table, [(0, 200)], headroom=2)
    ws.claim(table, 0)
    row = ws.claim(table, 1, min_frames=10, warmup=20)
    assert table[row, ws.START] == 110  # 110 frames left to the owner; 90 + 20 warm-up to the taker


def test_split_points_stay_on_the_frame_grid() -> None:
    table = ws.new_table(8)
    ws.load(table, [(0, 300)], headroom=2)
    ws.claim(table, 0, every=4)
    ws.advance(table, 0, 8)
    row = ws.claim(table, 1, every=4, min_frames=5)
    assert table[row, ws.START] % 4 == 0


def test_too_many_ranges_are_merged_across_the_smallest_gaps() -> None:
    assert ws.fit([(0, 5), (6, 10), (50, 60), (70, 80)], 2) == [(0, 10), (50, 80)]
    table = ws.new_table(6)
    ws.load(table, [(i * 10, i * 10 + 5) for i in range(20)], headroom=2)
    rows = table[table[:, ws.OWNER] == ws.FREE]
    assert len(rows) == 4 and rows[0, ws.START] == 0 and rows[-1, ws.STOP] == 195
    assert np.all(np.diff(rows[:, ws.START]) > 0)
