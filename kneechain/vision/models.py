"""The pose models of one process, started quietly, reused and reset between pieces.

Starting a MediaPipe graph costs about 0.1 s and prints start-up lines (quiet.py); a process
that poses several pieces of video therefore keeps its model and, before each piece, resets
it (the model then forgets whom it tracked and looks for a person afresh, exactly as a new
one would: a piece's landmarks depend on its frames alone, see parallel.py).

`Models` is an object, not module state: the vision runner (runner.py) owns the calling
process's instance and each helper process owns its own, and `release` closes them, handing
their memory back, so nothing is left behind in a process once its runner is closed.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from kneechain.vision import quiet
from kneechain.vision.backends import PoseBackend, create_backend
from kneechain.vision.person import PeopleDetector

_BLANK = np.zeros((64, 64, 3), dtype=np.uint8)
SETTLE_TRIES = 3


class Models:
    """One pose model per backend name and one person detector, for one process."""

    def __init__(self) -> None:
        self._models: dict[str, PoseBackend] = {}
        self._detector: PeopleDetector | None = None
        self._unsettled: dict[str, int] = {}  # started on frames that showed nobody: tries left

    def pose_model(self, name: str, warm_up: Iterable[np.ndarray] = ()) -> PoseBackend:
        """The model `name`, tracking nobody. The first call starts it quietly, on the
        `warm_up` RGB frames, taken lazily up to the first in which it finds a person (whose
        first landmarks print a notice of their own, then inside the quiet moment: a later
        frame, costly to decode, is read only when the earlier ones show nobody); later
        calls reset it."""
        model = self._models.get(name)
        reset = getattr(model, "reset", None)
        if model is not None and reset is not None:
            reset()
            return model
        if model is not None:  # a backend that cannot reset: a new one
            model.close()
            del self._models[name]
        with quiet.silenced():
            model = create_backend(name)
            found = any(model.process(image) is not None for image in warm_up)
            model.process(_BLANK)
        if not found:
            self._unsettled[name] = SETTLE_TRIES
        self._models[name] = model
        return model

    def settle(self, name: str, image: np.ndarray) -> None:
        """Show the started model `name` a frame with a person in it (RGB), quietly, if its
        warm-up frames showed nobody: its first landmarks print a notice of their own, which
        then stays off the console. Nothing is done once settled, or after SETTLE_TRIES
        frames in which the model found nobody either."""
        model = self._models.get(name)
        if model is None or not self._unsettled.get(name):
            return
        with quiet.silenced():
            found = model.process(image) is not None
            model.process(_BLANK)
        self._unsettled[name] = 0 if found else self._unsettled[name] - 1

    def people_detector(self) -> PeopleDetector:
        """The person detector (it keeps no state between frames)."""
        if self._detector is None:
            with quiet.silenced():
                detector = PeopleDetector()
                detector.detect(_BLANK)
            self._detector = detector
        return self._detector

    def prepare(self, name: str, warm_up: Iterable[np.ndarray], detector: bool) -> None:
        """Start the models before work (and before any progress display draws)."""
        self.pose_model(name, warm_up)
        if detector:
            self.people_detector()

    @property
    def loaded(self) -> int:
        """How many models (pose and detector) are open."""
        return len(self._models) + (self._detector is not None)

    def release(self) -> None:
        """Close every model."""
        for model in self._models.values():
            model.close()
        if self._detector is not None:
            self._detector.close()
        self._models.clear()
        self._unsettled.clear()
        self._detector = None
