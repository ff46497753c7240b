"""Finding every person in view before the pose pass, from sparse samples of the clip.

Every `every`-th frame (about twice a second) BlazePose's person detector (person.py) finds
every person, and the frame's light and focus are measured. For tests whose subject is told
by posture (standing on one leg, sitting), each person found in a frame with two or more
people is also posed once on a crop of their own, and the `Posture` kept with the sample.
The person is then chosen from these samples (person.choose_person) before any frame is
posed for measurement, so no frame is posed twice.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from kneechain.vision.models import Models
from kneechain.vision.person import CROP_MARGIN, Box, Sample, square_window
from kneechain.vision.subject import Posture, Subject, posture_of
from kneechain.vision.video import VideoInfo, iter_frames, mean_brightness, sharpness

POSED_SUBJECTS: frozenset[Subject] = frozenset({"one_leg", "seated"})
MIN_VISIBLE = 0.5


def _window(image: np.ndarray, box: Box) -> tuple[int, int, int, int]:
    """The square crop around the person in `box`, as posing frames it."""
    h, w = image.shape[:2]
    return square_window(box.cx, box.cy, box.size * CROP_MARGIN, w, h)


def _posture(models: Models, backend: str, image: np.ndarray, box: Box) -> Posture | None:
    """The posture of the person in `box`, posed alone on a crop around them."""
    x0, y0, x1, y1 = _window(image, box)
    model = models.pose_model(backend)  # reset: it must not carry over the previous person
    result = model.process(cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_BGR2RGB))
    if result is None:
        return None
    xy = result.xy * [x1 - x0, y1 - y0] + [x0, y0]
    return posture_of(xy, result.visibility >= MIN_VISIBLE, tuple(model.keypoints))


def survey(
    info: VideoInfo,
    every: int,
    models: Models,
    pose_backend: str | None = None,
    progress: Callable[[int], None] | None = None,
    settle: str | None = None,
) -> list[Sample]:
    """The people, light and focus of every `every`-th frame (decoded in one sequential
    read), found with this process's `models`. With `pose_backend`, frames with two or more
    people also get each person's `Posture`. With `settle`, the first frame with a person
    settles that pose model's start-up (Models.settle)."""
    detector = models.people_detector()
    samples = []
    for frame in iter_frames(info.path, 0, None, every):
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        boxes = tuple(detector.detect(rgb))
        if settle is not None and boxes:
            x0, y0, x1, y1 = _window(frame.image, boxes[0])
            models.settle(settle, rgb[y0:y1, x0:x1])
        postures: tuple[Posture | None, ...] = ()
        if pose_backend is not None and len(boxes) >= 2:
            postures = tuple(_posture(models, pose_backend, frame.image, b) for b in boxes)
        samples.append(
            Sample(
                frame.time,
                boxes,
                frame.index,
                mean_brightness(frame.image),
                sharpness(frame.image),
                postures,
            )
        )
        if progress is not None:
            progress(1)
    return samples
