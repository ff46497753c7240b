"""Finding every person in view before the pose pass, from sparse samples of the clip.

Every `every`-th frame (about twice a second) BlazePose's person detector (person.py) finds
every person, and the frame's light and focus are measured. For tests whose subject is told
by posture (standing on one leg, sitting), each person found in a frame with two or more
people is also posed once on a crop of their own, and the `Posture` kept with the sample.
The person is then chosen from these samples (person.choose_person) before any frame is
posed for measurement, so no frame is posed twice.

The clip is surveyed in pieces of `PIECE_SAMPLES` samples (`survey_pieces`: a grid fixed by
the clip's length), which the vision runner shares among its processes like pose pieces
(parallel.py): a sample depends on its frame alone (the detector keeps no state, a posture
is posed by a reset model), so the samples are the same whoever takes which piece, and the
survey, which kept one core busy while the other waited for the pose pass, now uses both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from kneechain.vision.models import Models
from kneechain.vision.person import CROP_MARGIN, Box, Sample, square_window
from kneechain.vision.subject import Posture, Subject, posture_of
from kneechain.vision.video import FrameSource, VideoInfo, mean_brightness, sharpness

POSED_SUBJECTS: frozenset[Subject] = frozenset({"one_leg", "seated"})
MIN_VISIBLE = 0.5
PIECE_SAMPLES = 4  # samples per survey piece
TO_THE_END = 2**62  # the last piece's stop: read until the video ends, whatever it announces


@dataclass(frozen=True)
class SurveyJob:
    """How to survey: every `every`-th frame; with `pose_backend`, postures in frames with
    two or more people; with `settle`, that pose model's start-up is settled on the first
    person found (Models.settle). decode_threads: as PoseJob's."""

    every: int
    pose_backend: str | None = None
    settle: str | None = None
    decode_threads: int = 0


def survey_pieces(frame_count: int, every: int) -> list[tuple[int, int]]:
    """The survey's pieces: `PIECE_SAMPLES` sampled frames each, the last one open-ended.
    Depends on the clip's announced length and `every` alone."""
    step = PIECE_SAMPLES * every
    starts = list(range(0, max(frame_count, 1), step))
    return [(a, b) for a, b in zip(starts, [*starts[1:], TO_THE_END], strict=True)]


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


def survey_range(
    source: FrameSource,
    start: int,
    stop: int | None,
    job: SurveyJob,
    models: Models,
    progress: Callable[[int], None] | None = None,
) -> list[Sample]:
    """The samples of frames `start, start + job.every, ...` below `stop`, read from
    `source` and found with this process's `models`."""
    detector = models.people_detector()
    samples = []
    for frame in source.frames(start, stop, job.every):
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        boxes = tuple(detector.detect(rgb))
        if job.settle is not None and boxes:
            x0, y0, x1, y1 = _window(frame.image, boxes[0])
            models.settle(job.settle, rgb[y0:y1, x0:x1])
        postures: tuple[Posture | None, ...] = ()
        if job.pose_backend is not None and len(boxes) >= 2:
            postures = tuple(_posture(models, job.pose_backend, frame.image, b) for b in boxes)
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


def survey(
    info: VideoInfo,
    every: int,
    models: Models,
    pose_backend: str | None = None,
    progress: Callable[[int], None] | None = None,
    settle: str | None = None,
) -> list[Sample]:
    """The people, light and focus of every `every`-th frame, in this process alone (one
    sequential read; the vision runner shares the pieces among its processes instead)."""
    source = FrameSource(info.path)
    try:
        job = SurveyJob(every, pose_backend, settle)
        return survey_range(source, 0, None, job, models, progress)
    finally:
        source.close()
