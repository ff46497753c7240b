"""Pose backends behind one small interface, found by name in a registry.

Adding a model means writing a class that satisfies `PoseBackend` and registering a factory
with `register_backend`; kinematics and cleaning never see which model ran.
"""

from __future__ import annotations

from collections.abc import Callable

from kneechain.vision.backends.base import PoseBackend, PoseFrame

__all__ = [
    "BackendFactory",
    "PoseBackend",
    "PoseFrame",
    "available_backends",
    "create_backend",
    "register_backend",
]


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
        from kneechain.vision.backends.litert_backend import factory

        for variant in ("lite", "full", "heavy"):
            register_backend(f"litert-{variant}", factory(variant))
