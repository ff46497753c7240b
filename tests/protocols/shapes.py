"""Target signals for constructed clips: repeated holds and smooth dips with known peaks."""

from __future__ import annotations

import numpy as np

FPS = 30.0


def clock(seconds: float, fps: float = FPS) -> np.ndarray:
    return np.arange(0.0, seconds, 1.0 / fps)


def holds(time: np.ndarray, peak: float, reps: int, period: float = 4.0) -> np.ndarray:
    """`reps` trapezoids of height `peak`: a quarter period up, half held, a quarter down."""
    phase = (time % period) / period
    shape = np.minimum(np.clip(phase / 0.25, 0, 1), np.clip((1 - phase) / 0.25, 0, 1))
    return peak * shape * (time < reps * period)


def dips(time: np.ndarray, peak: float, reps: int, period: float = 2.0) -> np.ndarray:
    """`reps` smooth cosine dips from 0 to `peak` and back."""
    return peak * 0.5 * (1 - np.cos(2 * np.pi * time / period)) * (time < reps * period)
