"""One pose model and one person detector per process, started quietly and reused.

Starting a MediaPipe graph costs about 0.1 s and prints start-up lines (quiet.py); a process
that poses several pieces of video therefore keeps its model and, between pieces, resets it
(the model then forgets whom it tracked and looks for a person afresh, as a new one would).
`release` closes them at the end of an analysis, handing their memory back.
"""

from __future__ import annotations

import numpy as np

from kneechain.vision import quiet
from kneechain.vision.backends import PoseBackend, create_backend
from kneechain.vision.person import PeopleDetector

_models: dict[str, PoseBackend] = {}
_detectors: list[PeopleDetector] = []
_BLANK = np.zeros((64, 64, 3), dtype=np.uint8)


def pose_model(name: str, warm_up: tuple[np.ndarray, ...] = ()) -> PoseBackend:
    """This process's model `name`, tracking nobody. The first call starts it quietly, on
    the `warm_up` RGB frames (so that a person's first landmarks, which print a notice of
    their own, are found inside the quiet moment); later calls reset it."""
    model = _models.get(name)
    reset = getattr(model, "reset", None)
    if model is not None and reset is not None:
        reset()
        return model
    if model is not None:  # a backend that cannot reset: a new one
        model.close()
    with quiet.silenced():
        model = create_backend(name)
        for image in (*warm_up, _BLANK):
            model.process(image)
    _models[name] = model
    return model


def people_detector() -> PeopleDetector:
    """This process's person detector (it keeps no state between frames)."""
    if not _detectors:
        with quiet.silenced():
            detector = PeopleDetector()
            detector.detect(_BLANK)
        _detectors.append(detector)
    return _detectors[0]


def prepare(name: str, warm_up: tuple[np.ndarray, ...], detector: bool) -> None:
    """Start the models before work (and before any progress display draws)."""
    pose_model(name, warm_up)
    if detector:
        people_detector()


def release() -> None:
    """Close every model of this process."""
    for model in _models.values():
        model.close()
    for detector in _detectors:
        detector.close()
    _models.clear()
    _detectors.clear()
