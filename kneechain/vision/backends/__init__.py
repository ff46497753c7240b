"""Pose backends behind one small interface, found by name in a registry.

Adding a model means writing a class that satisfies `PoseBackend` and registering a factory
with `register_backend`; kinematics and cleaning never see which model ran.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class PoseFrame:
    """One frame's landmarks from a backend.

    xy: (K, 2) positions normalised to the image given to the backend (0..1, may overshoot
    for points predicted outside it); visibility: (K,) in [0, 1]; world: (K, 3) metres or NaN.
    """

    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray


class PoseBackend(Protocol):
    """A pose model that follows one person through consecutive RGB frames.

    A backend may also offer `reset()`, forgetting the person it tracks; processes then
    reuse one instance for every piece of video (see models.py), else they make a new one.
    """

    name: str
    version: str
    keypoints: tuple[str, ...]

    def process(self, rgb: np.ndarray) -> PoseFrame | None:
        """Landmarks of the person in `rgb` (H, W, 3 uint8), or None if nobody is found."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


BackendFactory = Callable[[], PoseBackend]
_REGISTRY: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Make a backend available under `name` (replaces an earlier one of the same name)."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    _register_builtin()
    return sorted(_REGISTRY)


def create_backend(name: str = "mediapipe") -> PoseBackend:
    """A new backend instance; a clear error naming the known backends otherwise."""
    _register_builtin()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"Unknown pose backend {name!r}; available: {known}.") from None
    return factory()


def _register_builtin() -> None:
    if "mediapipe" not in _REGISTRY:
        from kneechain.vision.backends.mediapipe_backend import MediaPipePose

        register_backend("mediapipe", MediaPipePose)
    if "litert-full" not in _REGISTRY:
        # our own runtime (litert_backend.py); its models are checked when one is created
        from kneechain.vision.backends import litert_backend

        for variant in ("lite", "full", "heavy"):
            register_backend(f"litert-{variant}", litert_backend.factory(variant))
