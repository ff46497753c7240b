"""Repetition, plateau and run detection on noisy synthetic signals."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.assess.protocols import signals
from kneechain.assess.protocols.config import ProtocolConfig, default_config
from kneechain.knowledge.loader import KnowledgeError, parse_document
from tests.protocols.shapes import clock, dips, holds


def test_fill_interpolates_inside_and_holds_ends() -> None:
    out = signals.fill(np.array([np.nan, 1.0, np.nan, 3.0, np.nan]))
    assert out.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]


def test_runs_and_bridge() -> None:
    mask = np.array([1, 1, 0, 1, 0, 0, 0, 1], bool)
    assert signals.runs(mask) == [(0, 2), (3, 4), (7, 8)]
    assert signals.runs(signals.bridge(mask, 1)) == [(0, 4), (7, 8)]
    assert signals.runs(signals.bridge(mask, 3)) == [(0, 8)]


@settings(max_examples=25, deadline=None)
@given(reps=st.integers(1, 6), noise=st.floats(0.0, 3.0), seed=st.integers(0, 1000))
def test_counts_every_dip_in_noise(reps: int, noise: float, seed: int) -> None:
    time = clock(2.0 * reps + 1.0)
    signal = dips(time, 60.0, reps) + np.random.default_rng(seed).normal(0, noise, len(time))
    found = signals.repetitions(signals.smooth(signal, time, 6.0), time, 20.0, 0.8)
    assert len(found) == reps
    for rep in found:
        assert rep.start <= rep.peak <= rep.end
        assert abs(time[rep.peak] % 2.0 - 1.0) < 0.2  # each dip is deepest mid-period


def test_small_wobbles_are_not_repetitions() -> None:
    time = clock(10.0)
    signal = 5.0 * np.sin(2 * np.pi * time)
    assert signals.repetitions(signal, time, 20.0) == []


def test_plateau_is_the_held_part() -> None:
    time = clock(4.0)
    signal = holds(time, 30.0, 1)
    (rep,) = signals.repetitions(signal, time, 10.0)
    rows = signals.plateau(signal, rep, 1.0)
    held = time[rows]
    assert held.min() >= 0.95 and held.max() <= 3.05
    assert np.allclose(signal[rows], 30.0, atol=1.0)


def test_protocol_parameters_are_validated() -> None:
    assert default_config().protocols.gait.min_steps >= 1
    bad = default_config().model_dump()
    bad["protocols"]["gait"]["min_steps"] = 0
    with pytest.raises(KnowledgeError, match="min_steps"):
        parse_document(ProtocolConfig, yaml.safe_dump(bad), "protocols.yaml")
