"""The canonical data model of the vision stage: labelled keypoint trajectories.

A `Trajectories` value holds, for one person in one video:

* ``position``  float64 (time, keypoint, 2): image pixels, x to the right, y downwards,
  in the upright (rotation-corrected) frame; NaN where the point is unknown.
* ``confidence`` float64 (time, keypoint): the backend's visibility score in [0, 1].
* ``world``     float64 (time, keypoint, 3): metres, origin between the hips, x to the image
  right, y downwards, z away from the camera (the backend's "world" landmarks); NaN if absent.
* ``time``      float64 (time,): seconds from the start of the video (real timestamps, so
  variable frame rate is represented exactly).
* ``frame``     int64 (time,): the frame number in the video.

plus `TrajectoryMeta` (fps, image size, backend and version, source, provenance). Every
processing step returns a new value and appends a `ProcessingStep` to the provenance, so a
result says how it was made. Values are saved to one ``.npz`` file (see `save` / `load`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

FILE_FORMAT = "kneechain.trajectories"
FILE_VERSION = 1

BLAZEPOSE_KEYPOINTS: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)


class ProcessingStep(BaseModel):
    """One step that produced or changed the data: its name and its parameters."""

    model_config = ConfigDict(frozen=True)

    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class TrajectoryMeta(BaseModel):
    """What the arrays mean and where they came from."""

    model_config = ConfigDict(frozen=True)

    fps: float = Field(gt=0, description="Nominal frame rate of the video (frames per second).")
    image_width: int = Field(gt=0, description="Upright frame width in pixels.")
    image_height: int = Field(gt=0, description="Upright frame height in pixels.")
    backend: str
    backend_version: str
    source: str = Field(default="", description="File name of the video.")
    source_sha256: str = Field(default="", description="SHA-256 of the video file.")
    provenance: tuple[ProcessingStep, ...] = ()


def _check_shapes(
    position: np.ndarray,
    confidence: np.ndarray,
    world: np.ndarray,
    time: np.ndarray,
    frame: np.ndarray,
    keypoints: tuple[str, ...],
) -> None:
    n, k = len(time), len(keypoints)
    expected = {
        "position": (position.shape, (n, k, 2)),
        "confidence": (confidence.shape, (n, k)),
        "world": (world.shape, (n, k, 3)),
        "frame": (frame.shape, (n,)),
    }
    for name, (got, want) in expected.items():
        if got != want:
            raise ValueError(f"Trajectories.{name} has shape {got}, expected {want}.")
    if n > 1 and not np.all(np.diff(time) > 0):
        raise ValueError("Trajectories.time must be strictly increasing.")
    if len(set(keypoints)) != k:
        raise ValueError("Trajectories.keypoints must be unique names.")


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Keypoint trajectories of one person (see the module docstring for the layout)."""

    position: np.ndarray
    confidence: np.ndarray
    world: np.ndarray
    time: np.ndarray
    frame: np.ndarray
    keypoints: tuple[str, ...]
    meta: TrajectoryMeta

    def __post_init__(self) -> None:
        _check_shapes(
            self.position, self.confidence, self.world, self.time, self.frame, self.keypoints
        )

    def __len__(self) -> int:
        return len(self.time)

    def index(self, name: str) -> int:
        """Column of keypoint `name`; a clear error for an unknown name."""
        try:
            return self.keypoints.index(name)
        except ValueError:
            raise KeyError(
                f"Unknown keypoint {name!r}; known: {', '.join(self.keypoints)}"
            ) from None

    def xy(self, name: str) -> np.ndarray:
        """Image position (time, 2) of one keypoint, in pixels."""
        return self.position[:, self.index(name), :]

    def xyz(self, name: str) -> np.ndarray:
        """World position (time, 3) of one keypoint, in metres."""
        return self.world[:, self.index(name), :]

    def conf(self, name: str) -> np.ndarray:
        """Confidence (time,) of one keypoint."""
        return self.confidence[:, self.index(name)]

    def evolve(self, step: ProcessingStep, **arrays: np.ndarray) -> Trajectories:
        """A copy with some arrays replaced and `step` appended to the provenance."""
        meta = self.meta.model_copy(update={"provenance": (*self.meta.provenance, step)})
        return replace(self, meta=meta, **arrays)

    def slice_time(self, start: int, stop: int) -> Trajectories:
        """Rows `start:stop` (no provenance step: slicing changes no value)."""
        return replace(
            self,
            position=self.position[start:stop],
            confidence=self.confidence[start:stop],
            world=self.world[start:stop],
            time=self.time[start:stop],
            frame=self.frame[start:stop],
        )


def concatenate(parts: list[Trajectories]) -> Trajectories:
    """Join parts that follow each other in time (same keypoints and metadata)."""
    if not parts:
        raise ValueError("concatenate needs at least one part.")
    first = parts[0]
    if any(p.keypoints != first.keypoints for p in parts):
        raise ValueError("Cannot join trajectories with different keypoints.")
    return replace(
        first,
        position=np.concatenate([p.position for p in parts]),
        confidence=np.concatenate([p.confidence for p in parts]),
        world=np.concatenate([p.world for p in parts]),
        time=np.concatenate([p.time for p in parts]),
        frame=np.concatenate([p.frame for p in parts]),
    )


def save(traj: Trajectories, path: str | Path) -> Path:
    """Write `traj` to a ``.npz`` file.

    The file holds the arrays ``position``, ``confidence``, ``world``, ``time``, ``frame``
    (layout in the module docstring), ``keypoints`` (unicode names) and ``meta_json``: a JSON
    text with ``format`` = "kneechain.trajectories", ``version`` = 1 and the `TrajectoryMeta`
    fields. `numpy.load` reads it without kneechain.
    """
    path = Path(path)
    header = {"format": FILE_FORMAT, "version": FILE_VERSION, **traj.meta.model_dump(mode="json")}
    with path.open("wb") as fh:
        np.savez(  # not compressed: 16x faster to write, and floats shrink only 6%
            fh,
            position=traj.position,
            confidence=traj.confidence,
            world=traj.world,
            time=traj.time,
            frame=traj.frame,
            keypoints=np.array(traj.keypoints),
            meta_json=np.array(json.dumps(header)),
        )
    return path


def load(path: str | Path) -> Trajectories:
    """Read a file written by `save`; a clear error when it is something else."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["meta_json"]))
            arrays = {k: np.asarray(data[k]) for k in ("position", "confidence", "world", "time")}
            frame = np.asarray(data["frame"]).astype(np.int64)
            keypoints = tuple(str(k) for k in data["keypoints"])
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path} is not a kneechain trajectories file ({exc}).") from exc
    if header.pop("format", None) != FILE_FORMAT or header.pop("version", None) != FILE_VERSION:
        raise ValueError(f"{path} is not a version-{FILE_VERSION} kneechain trajectories file.")
    return Trajectories(
        **arrays, frame=frame, keypoints=keypoints, meta=TrajectoryMeta.model_validate(header)
    )


def from_points(
    points: dict[str, np.ndarray],
    time: np.ndarray,
    image_size: tuple[int, int] = (1920, 1080),
    world: dict[str, np.ndarray] | None = None,
    backend: str = "constructed",
) -> Trajectories:
    """Build trajectories from named (time, 2) pixel arrays (and optional (time, 3) world
    arrays); keypoints not given are NaN with confidence 0. Used for constructed sequences
    with known answers (tests, accuracy studies), so the backend is named "constructed".
    """
    time = np.asarray(time, float)
    n, k = len(time), len(BLAZEPOSE_KEYPOINTS)
    position = np.full((n, k, 2), np.nan)
    world_arr = np.full((n, k, 3), np.nan)
    confidence = np.zeros((n, k))
    for name, xy in points.items():
        col = BLAZEPOSE_KEYPOINTS.index(name)
        position[:, col] = np.broadcast_to(np.asarray(xy, float), (n, 2))
        confidence[:, col] = 1.0
    for name, xyz in (world or {}).items():
        world_arr[:, BLAZEPOSE_KEYPOINTS.index(name)] = np.broadcast_to(
            np.asarray(xyz, float), (n, 3)
        )
    steps = np.diff(time)
    fps = float(1.0 / np.median(steps)) if steps.size else 30.0
    meta = TrajectoryMeta(
        fps=fps,
        image_width=image_size[0],
        image_height=image_size[1],
        backend=backend,
        backend_version="1",
    )
    return Trajectories(
        position=position,
        confidence=confidence,
        world=world_arr,
        time=time,
        frame=np.arange(n, dtype=np.int64),
        keypoints=BLAZEPOSE_KEYPOINTS,
        meta=meta,
    )
