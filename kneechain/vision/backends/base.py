"""The types every pose backend shares: the frame it returns and the interface it offers.

Kept apart from the registry (`__init__.py`) so that backends import these types without
importing the registry that imports them.
"""

from __future__ import annotations

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
