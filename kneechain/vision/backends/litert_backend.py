"""Our own BlazePose runtime: the bundled models run directly with LiteRT (`ai-edge-litert`).

The same three stages as MediaPipe's pose graph, with its pre- and post-processing
(blazepose.py): find a person with the detector when nobody is tracked, crop a rotated square
around them, run the landmark model (lite, full or heavy), and take the next frame's square
from this frame's auxiliary landmarks. Registered as "litert-lite", "litert-full" and
"litert-heavy"; on the full model it agrees with the MediaPipe graph backend to well under a
pixel (tests/vision/test_litert_agreement.py), so the choice of variant is a speed/accuracy
trade-off measured in bench/pose_runtime.py.

Each interpreter runs on one thread (`num_threads=1`): kneechain puts one pose process on each
core, and LiteRT would otherwise start threads of its own. Creating or closing the backend
changes nothing else in the calling process (no environment variables, no OpenCV settings).
"""

from __future__ import annotations

from importlib.metadata import version

import numpy as np

import kneechain.vision.backends.blazepose as blazepose
import kneechain.vision.backends.model_files as model_files
from kneechain.vision.backends.base import PoseFrame
from kneechain.vision.trajectories import BLAZEPOSE_KEYPOINTS

NUM_THREADS = 1
LANDMARKS = 33


class _Model:
    """One LiteRT interpreter with named outputs found by shape."""

    def __init__(self, path: str) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=path, num_threads=NUM_THREADS)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.outputs = {
            tuple(d["shape"][1:]): d["index"] for d in self.interpreter.get_output_details()
        }

    def run(self, tensor: np.ndarray) -> None:
        self.interpreter.set_tensor(self.input, tensor)
        self.interpreter.invoke()

    def output(self, shape: tuple[int, ...]) -> np.ndarray:
        return self.interpreter.get_tensor(self.outputs[shape])[0]


class LiteRTPose:
    """BlazePose (detector + landmark model `variant`) in video mode, on LiteRT."""

    keypoints = BLAZEPOSE_KEYPOINTS

    def __init__(
        self, variant: str = "full", min_detection: float = 0.5, min_tracking: float = 0.5
    ) -> None:
        landmark_path = model_files.landmark_model(variant)
        detector_path = model_files.detector_model()
        self.name = f"litert-blazepose-{variant}"
        self.version = (
            f"ai-edge-litert {version('ai-edge-litert')}, "
            f"model from {model_files.model_source(variant)}"
        )
        self.variant = variant
        self.min_detection = min_detection
        self.min_tracking = min_tracking
        self._detector = _Model(str(detector_path))
        self._landmarker = _Model(str(landmark_path))
        self._anchors = blazepose.ssd_anchors()
        # MediaPipe filters the two auxiliary landmarks that place the next ROI even with
        # smoothing off (pose_landmark_filtering.pbtxt)
        self._aux_filter = blazepose.OneEuroFilter(min_cutoff=0.01, beta=10.0, derivate_cutoff=1.0)
        self._time_us = 0
        self._roi: blazepose.Rect | None = None

    def process(self, rgb: np.ndarray) -> PoseFrame | None:
        self._time_us += blazepose.FRAME_STEP_US
        height, width = rgb.shape[:2]
        roi = self._roi if self._roi is not None else self._detect(rgb, width, height)
        result = None if roi is None else self._landmarks(rgb, roi, width, height)
        if result is None:
            self.reset()
            return None
        frame, aux = result
        self._roi = self._next_roi(aux, width, height)
        return frame

    def _detect(self, rgb: np.ndarray, width: int, height: int) -> blazepose.Rect | None:
        tensor, padding = blazepose.crop(
            rgb,
            blazepose.Rect(0.5, 0.5, 1.0, 1.0),
            blazepose.DETECTOR_SIZE,
            (-1.0, 1.0),
            border_zero=True,
        )
        self._detector.run(tensor)
        n = len(self._anchors)
        boxes, keypoints, scores = blazepose.decode_detections(
            self._detector.output((n, 12)),
            self._detector.output((n, 1)),
            self._anchors,
            float(blazepose.DETECTOR_SIZE),
        )
        best = blazepose.best_detection(boxes, keypoints, scores, self.min_detection)
        if best is None:
            return None
        points = blazepose.remove_letterbox(best[1], padding)
        return blazepose.roi_from_points(points[0], points[1], width, height)

    def _landmarks(
        self, rgb: np.ndarray, roi: blazepose.Rect, width: int, height: int
    ) -> tuple[PoseFrame, np.ndarray] | None:
        size = blazepose.LANDMARK_SIZE
        tensor, padding = blazepose.crop(rgb, roi, size, (0.0, 1.0), border_zero=False)
        model = self._landmarker
        model.run(tensor)
        if float(model.output((1,))[0]) <= self.min_tracking:
            return None
        raw = model.output((195,)).reshape(39, 5).astype(np.float64)
        heatmap = model.output((64, 64, 39))
        points = blazepose.refine_from_heatmap(raw[:, :2] / size, heatmap)
        points = blazepose.remove_letterbox(points, padding)
        xy = blazepose.project_to_image(points, roi)
        world = model.output((117,)).reshape(39, 3)[:LANDMARKS].astype(np.float64)
        frame = PoseFrame(
            xy=xy[:LANDMARKS],
            visibility=blazepose.sigmoid(raw[:LANDMARKS, 3]),
            world=blazepose.rotate_world(world, roi.rotation),
        )
        return frame, xy[LANDMARKS : LANDMARKS + 2]

    def _next_roi(self, aux: np.ndarray, width: int, height: int) -> blazepose.Rect:
        # object scale: the square the unfiltered auxiliary points span (pixels)
        scale = blazepose.alignment_rect(aux[0], aux[1], width, height).width * width
        pixels = aux * [width, height]
        if scale >= 1e-6:
            pixels = self._aux_filter.apply(self._time_us, pixels.ravel(), 1.0 / scale)
            pixels = pixels.reshape(2, 2)
        filtered = pixels / [width, height]
        return blazepose.roi_from_points(filtered[0], filtered[1], width, height)

    def reset(self) -> None:
        """Forget the person: the next frame searches the whole image with the detector."""
        self._roi = None
        self._aux_filter.reset()

    def close(self) -> None:
        self._detector = self._landmarker = None  # type: ignore[assignment]


def factory(variant: str):
    """A registry factory for `variant` (the model module is imported only when used)."""

    def make() -> LiteRTPose:
        return LiteRTPose(variant)

    return make
