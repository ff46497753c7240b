"""Running a pose backend over a range of frames, streaming, and collecting raw landmarks.

`pose_range` is the unit of work for both the sequential run and the parallel chunks
(parallel.py): it decodes frames one at a time, crops to the chosen person when a crop plan
is given, runs the backend and maps the landmarks back to full-frame pixels. Only the small
per-frame landmark arrays are kept, never the images.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.models import Models
from kneechain.vision.person import CropPlan, Follower, PeopleDetector, Sample
from kneechain.vision.stash import PieceWriter
from kneechain.vision.trajectories import ProcessingStep, Trajectories, TrajectoryMeta
from kneechain.vision.video import FrameSource, VideoInfo, mean_brightness, sharpness

Progress = Callable[[int], None]


@dataclass
class RawPose:
    """Landmarks of consecutive processed frames (NaN / 0 where no person was found)."""

    frame: np.ndarray
    time: np.ndarray
    xy: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    backend: str
    version: str
    keypoints: tuple[str, ...]
    samples: tuple[Sample, ...] = ()

    def drop_before(self, first_frame: int) -> RawPose:
        """Forget the frames before `first_frame` (warm-up frames of a chunk)."""
        keep = self.frame >= first_frame
        return RawPose(
            self.frame[keep],
            self.time[keep],
            self.xy[keep],
            self.visibility[keep],
            self.world[keep],
            self.backend,
            self.version,
            self.keypoints,
            tuple(s for s in self.samples if s.index >= first_frame),
        )


@dataclass(frozen=True)
class PoseJob:
    """How to pose frames: which backend, which frames, where to crop, what to sample.

    every: pose every N-th frame. chosen: the frames to pose instead, when they are chosen by
    time (video.frames_by_time: a variable-frame-rate clip at a test's rate).
    crop: follow the chosen person (None: whole frame).
    sample_every: search for people (and measure light and focus) on frames whose index is
    a multiple of it (0: never); with `follow`, a `Follower` keeps the model on one person
    when several are in view (the first frame is then also searched). decode_threads:
    video decoder threads (0: FFmpeg's default; 1 when every core runs a pose process).
    stash: a folder where downsized copies of the posed frames are kept for the annotated
    clip (stash.py; empty: none). max_side: frames
    whose long side is larger are shrunk before the model sees them (0: never). Off by
    default: on the demo clip, shrinking a 1768-px frame to 960 px cost more CPU than
    MediaPipe saved; MediaPipe crops the person from the full frame to 256 px itself.
    """

    backend: str = "mediapipe"
    every: int = 1
    crop: CropPlan | None = None
    sample_every: int = 0
    max_side: int = 0
    follow: bool = False
    decode_threads: int = 0
    stash: str = ""
    chosen: tuple[int, ...] = ()


def _to_rgb(
    image: np.ndarray, window: tuple[int, int, int, int] | None, max_side: int
) -> np.ndarray:
    if window is not None:
        x0, y0, x1, y1 = window
        image = image[y0:y1, x0:x1]
    long_side = max(image.shape[:2])
    if max_side and long_side > max_side:
        scale = max_side / long_side
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def pose_range(
    path: Path,
    start: int,
    stop: int | None,
    job: PoseJob,
    progress: Progress | None = None,
    models: Models | None = None,
    stash_from: int | None = None,
    source: FrameSource | None = None,
) -> RawPose:
    """Pose of frames `start <= index < stop` (every `job.every`-th), in full-frame pixels.

    Landmarks come back normalised to the (cropped, shrunk) image the model saw, which maps
    back to the full frame by the crop window alone. Frames sampled for people (see
    `PoseJob.sample_every`) are listed in `RawPose.samples`.

    `models` are the calling process's models (the pose model is reset first, so the result
    depends on the frames alone); without them, models are started for this call and closed.
    With `job.stash`, the posed frames from `stash_from` (default `start`) on are kept there.
    Frames are read from `source` (kept open by a process across its pieces, video.py), else
    from a capture opened for this call.
    """
    own = models is None
    models = Models() if models is None else models
    reader = source if source is not None else FrameSource(path, job.decode_threads)
    try:
        keep = None
        if job.stash:
            keep = PieceWriter(Path(job.stash), start if stash_from is None else stash_from)
        try:
            return _pose_range(reader, start, stop, job, models, progress, keep)
        finally:
            if keep is not None:
                keep.close()
    except BaseException:
        models.release()  # a model stopped mid-frame is not reused
        raise
    finally:
        if source is None:
            reader.close()
        if own:
            models.release()


def _pose_range(
    source: FrameSource,
    start: int,
    stop: int | None,
    job: PoseJob,
    models: Models,
    progress: Progress | None,
    keep: PieceWriter | None = None,
) -> RawPose:
    every, crop, sample_every = job.every, job.crop, job.sample_every
    model = models.pose_model(job.backend)
    detector = models.people_detector() if sample_every > 0 else None
    frames, times, xys, vis, worlds, samples = [], [], [], [], [], []
    follower: Follower | None = None
    k = len(model.keypoints)
    for frame in source.frames(start, stop, every, job.chosen):
        h, w = frame.image.shape[:2]
        if follower is None and job.follow:
            follower = Follower(w, h, patience=max(1, sample_every // (2 * every)))
        if detector is not None and (
            frame.index % sample_every < every or (follower is not None and not frames)
        ):
            sample = _sample(detector, frame.image, frame.index, frame.time)
            samples.append(sample)
            if follower is not None:
                follower.on_sample(sample)
        if crop is not None:
            window = crop.window(frame.time, w, h)
        else:
            window = follower.window() if follower is not None else None
        result = model.process(_to_rgb(frame.image, window, job.max_side))
        if keep is not None:
            keep.add(frame.index, frame.image)
        x0, y0, x1, y1 = window if window is not None else (0, 0, w, h)
        frames.append(frame.index)
        times.append(frame.time)
        if result is None:
            xys.append(np.full((k, 2), np.nan))
            vis.append(np.zeros(k))
            worlds.append(np.full((k, 3), np.nan))
        else:
            xys.append(result.xy * [x1 - x0, y1 - y0] + [x0, y0])
            vis.append(result.visibility)
            worlds.append(result.world)
        if follower is not None:
            follower.on_pose(xys[-1] if result else None, vis[-1] if result else None)
        if progress is not None:
            progress(1)
    return RawPose(
        np.array(frames, dtype=np.int64),
        np.array(times, dtype=float),
        np.array(xys, dtype=float).reshape(-1, k, 2),
        np.array(vis, dtype=float).reshape(-1, k),
        np.array(worlds, dtype=float).reshape(-1, k, 3),
        model.name,
        model.version,
        tuple(model.keypoints),
        tuple(samples),
    )


def _sample(detector: PeopleDetector, image: np.ndarray, index: int, time: float) -> Sample:
    boxes = tuple(detector.detect(cv2.cvtColor(image, cv2.COLOR_BGR2RGB)))
    return Sample(time, boxes, index, mean_brightness(image), sharpness(image))


def join(parts: list[RawPose]) -> RawPose:
    """Concatenate chunks in order, dropping any frame already covered by an earlier chunk."""
    kept: list[RawPose] = []
    last = -1
    for part in parts:
        part = part.drop_before(last + 1)
        if len(part.frame):
            kept.append(part)
            last = int(part.frame[-1])
    if not kept:
        return parts[0]
    first = kept[0]
    return RawPose(
        np.concatenate([p.frame for p in kept]),
        np.concatenate([p.time for p in kept]),
        np.concatenate([p.xy for p in kept]),
        np.concatenate([p.visibility for p in kept]),
        np.concatenate([p.world for p in kept]),
        first.backend,
        first.version,
        first.keypoints,
        tuple(s for p in kept for s in p.samples),
    )


def to_trajectories(
    raw: RawPose, info: VideoInfo, sha256: str, step: ProcessingStep
) -> Trajectories:
    """Wrap raw landmarks as `Trajectories` with the video's metadata and one provenance step."""
    time = raw.time.copy()
    # containers occasionally repeat a timestamp; nudge so time stays strictly increasing
    for i in range(1, len(time)):
        if time[i] <= time[i - 1]:
            time[i] = time[i - 1] + 1e-6
    meta = TrajectoryMeta(
        fps=info.fps,
        image_width=info.width,
        image_height=info.height,
        backend=raw.backend,
        backend_version=raw.version,
        source=info.path.name,
        source_sha256=sha256,
        provenance=(step,),
    )
    return Trajectories(
        position=raw.xy,
        confidence=raw.visibility,
        world=raw.world,
        time=time,
        frame=raw.frame,
        keypoints=raw.keypoints,
        meta=meta,
    )
