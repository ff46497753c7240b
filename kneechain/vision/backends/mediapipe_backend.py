"""The default backend: MediaPipe BlazePose "full" (model_complexity=1) from the pinned wheel.

The model files ship inside `mediapipe==0.10.21`, so nothing is downloaded. (The "lite" and
"heavy" variants are not in the wheel and would be fetched from the web: never used here.)
MediaPipe's own landmark smoothing is switched off because it lags; kneechain filters with a
zero-lag filter instead (see cleaning.py).
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

from kneechain.vision.backends.base import PoseFrame
from kneechain.vision.trajectories import BLAZEPOSE_KEYPOINTS

MODEL_COMPLEXITY = 1


class MediaPipePose:
    """MediaPipe Pose in video mode: detects once, then tracks the same person frame to frame."""

    name = "mediapipe-blazepose-full"
    keypoints = BLAZEPOSE_KEYPOINTS

    def __init__(self, min_detection: float = 0.5, min_tracking: float = 0.5) -> None:
        from mediapipe.python.solutions.pose import Pose

        self.version = version("mediapipe")
        self._pose = Pose(
            static_image_mode=False,
            model_complexity=MODEL_COMPLEXITY,
            smooth_landmarks=False,
            enable_segmentation=False,
            min_detection_confidence=min_detection,
            min_tracking_confidence=min_tracking,
        )

    def process(self, rgb: np.ndarray) -> PoseFrame | None:
        result = self._pose.process(rgb)
        if result.pose_landmarks is None:
            return None
        marks = result.pose_landmarks.landmark
        xy = np.array([[m.x, m.y] for m in marks], dtype=float)
        visibility = np.array([m.visibility for m in marks], dtype=float)
        world = np.full((len(marks), 3), np.nan)
        if result.pose_world_landmarks is not None:
            world = np.array([[m.x, m.y, m.z] for m in result.pose_world_landmarks.landmark])
        return PoseFrame(xy=xy, visibility=visibility, world=world)

    def reset(self) -> None:
        """Forget the person being tracked: on a blank frame the model finds nobody, so on
        the next frame it searches the whole image again, as a new model would."""
        self._pose.process(np.zeros((64, 64, 3), dtype=np.uint8))

    def close(self) -> None:
        self._pose.close()
