"""BlazePose's pre- and post-processing, as MediaPipe's published pose graph does it.

Pure functions (plus one small filter class) with no model in them, so that the LiteRT
backend (litert_backend.py) runs the same maths as the MediaPipe graph and the maths can be
tested by hand. Each function names the MediaPipe calculator (v0.10.21, the pinned wheel) and
the graph options it reproduces:

- person detector (`mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt`): the whole
  image letterboxed to 224x224 (`ImageToTensorCalculator`, keep_aspect_ratio, BORDER_ZERO,
  values -1..1), SSD anchors (`SsdAnchorsCalculator`), box decoding with sigmoid scores
  (`TensorsToDetectionsCalculator`), weighted non-maximum suppression
  (`NonMaxSuppressionCalculator`, IoU 0.3), letterbox removal;
- region of interest (`pose_detection_to_roi.pbtxt`, `pose_landmarks_to_roi.pbtxt`): a square
  around the hip centre, side twice the centre-to-scale-point distance, turned so the body
  axis is upright (`AlignmentPointsRectsCalculator`), enlarged 1.25x
  (`RectTransformationCalculator`);
- landmark model (`pose_landmark_by_roi_cpu.pbtxt`): the rotated square sampled to 256x256
  (BORDER_REPLICATE, values 0..1), 39 landmarks (33 + 2 auxiliary + 4 unused) with sigmoid
  visibility, refined on the 64x64 heatmap (`RefineLandmarksFromHeatmapCalculator`, kernel 9),
  projected back (`LandmarkLetterboxRemovalCalculator`, `LandmarkProjectionCalculator`), world
  landmarks turned by the ROI rotation (`WorldLandmarkProjectionCalculator`);
- tracking (`pose_landmark_cpu.pbtxt`, `pose_landmark_filtering.pbtxt`): the next frame's ROI
  comes from the two auxiliary landmarks after a one-euro filter, which MediaPipe applies
  even with smoothing off (min_cutoff 0.01, beta 10, derivative cut-off 1, values scaled by
  the object size).

Coordinates: "normalised" means 0..1 of the image width (x) and height (y), as in MediaPipe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
ROI_SCALE = 1.25
NMS_IOU = 0.3
SCORE_CLIP = 100.0
# tensors_to_pose_landmarks_and_segmentation.pbtxt asks for 7, but the graph in the pinned wheel
# refines with the option's default, 9: measured, kernel 9 reproduces its landmarks exactly and
# 7 misses by 1-3 px (see docs/vision.md)
HEATMAP_KERNEL = 9
HEATMAP_MIN_CONFIDENCE = 0.5
TARGET_ANGLE = math.pi / 2  # the hip-centre -> scale-point vector points up in the crop
FRAME_STEP_US = 33333  # MediaPipe's Python API stamps frames 1/30 s apart


@dataclass(frozen=True)
class Rect:
    """A rotated rectangle, normalised to the image (MediaPipe's `NormalizedRect`).

    rotation: radians, positive clockwise on screen (image y points down).
    """

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def normalize_radians(angle: float) -> float:
    """Angle in [-pi, pi) (MediaPipe's `NormalizeRadians`)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def ssd_anchors(
    input_size: int = DETECTOR_SIZE, strides: tuple[int, ...] = (8, 16, 32, 32, 32)
) -> np.ndarray:
    """Anchor centres (N, 2) as x, y in 0..1, in the order the detector emits its boxes.

    `SsdAnchorsCalculator` with the pose detector's options: fixed anchor size (all 1x1),
    offset 0.5, one aspect ratio plus the interpolated one, so two anchors per cell per
    layer; layers with the same stride share one grid (8: 28x28, 16: 14x14, 32: 7x7 x3).
    """
    centres: list[np.ndarray] = []
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        same = 0
        while layer + same < len(strides) and strides[layer + same] == stride:
            same += 1
        per_cell = 2 * same
        cells = math.ceil(input_size / stride)
        grid = (np.arange(cells) + 0.5) / cells
        ys, xs = np.meshgrid(grid, grid, indexing="ij")
        cell_xy = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(cell_xy, per_cell, axis=0))
        layer += same
    return np.concatenate(centres)


def decode_detections(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, scale: float = 224.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (N, 4) as xmin, ymin, xmax, ymax; keypoints (N, 4, 2); scores (N,), all in the
    letterboxed detector input (0..1).

    `TensorsToDetectionsCalculator` with reverse_output_order (x, y, w, h), anchor size 1,
    offsets scaled by 224, scores clipped to +-100 then passed through a sigmoid.
    """
    raw = np.asarray(raw_boxes, dtype=np.float64).reshape(len(anchors), -1)
    centre = raw[:, 0:2] / scale + anchors
    size = raw[:, 2:4] / scale
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    keypoints = raw[:, 4:12].reshape(-1, 4, 2) / scale + anchors[:, None, :]
    scores = sigmoid(np.clip(np.asarray(raw_scores, dtype=np.float64).ravel(), -100, 100))
    return boxes, keypoints, scores


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of box `a` (4,) with boxes `b` (N, 4) (xmin, ymin, xmax, ymax);
    0 where they do not overlap or an area is zero."""
    b = np.atleast_2d(b)
    ix = np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0])
    iy = np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1])
    inter = np.where((ix > 0) & (iy > 0), ix * iy, 0.0)
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def best_detection(
    boxes: np.ndarray,
    keypoints: np.ndarray,
    scores: np.ndarray,
    min_score: float,
    iou_threshold: float = NMS_IOU,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The first detection of MediaPipe's weighted non-maximum suppression, the one the pose
    graph keeps: the best-scoring box and every box overlapping it by IoU > `iou_threshold`,
    averaged with their scores as weights (box corners and keypoints). None when no box
    scores at least `min_score` (boxes with negative size are dropped, as MediaPipe does)."""
    width, height = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    keep = (scores >= min_score) & (width >= 0) & (height >= 0)
    if not keep.any():
        return None
    boxes, keypoints, scores = boxes[keep], keypoints[keep], scores[keep]
    top = int(np.argmax(scores))
    group = iou(boxes[top], boxes) > iou_threshold
    group[top] = True
    weights = scores[group]
    box = (boxes[group] * weights[:, None]).sum(axis=0) / weights.sum()
    points = (keypoints[group] * weights[:, None, None]).sum(axis=0) / weights.sum()
    return box, points, float(scores[top])


def letterbox_padding(roi_width: float, roi_height: float, size: int) -> tuple[float, float]:
    """Padding (horizontal, vertical) on each side, as a fraction of a square `size` tensor,
    when a roi_width x roi_height region (pixels) is fitted into it keeping its aspect
    (`PadRoi`). The padded region is square with the long side of the ROI."""
    del size  # square tensors only: the tensor's aspect ratio is 1
    aspect = roi_height / roi_width
    if aspect < 1.0:
        return 0.0, (1.0 - aspect) / 2.0
    return (1.0 - 1.0 / aspect) / 2.0, 0.0


def remove_letterbox(points: np.ndarray, padding: tuple[float, float]) -> np.ndarray:
    """Points (..., 2) in the padded square (0..1) to the unpadded region (0..1)."""
    px, py = padding
    out = np.array(points, dtype=np.float64, copy=True)
    out[..., 0] = (out[..., 0] - px) / (1.0 - 2 * px)
    out[..., 1] = (out[..., 1] - py) / (1.0 - 2 * py)
    return out


def add_letterbox(points: np.ndarray, padding: tuple[float, float]) -> np.ndarray:
    """The inverse of `remove_letterbox`: region coordinates to the padded square."""
    px, py = padding
    out = np.array(points, dtype=np.float64, copy=True)
    out[..., 0] = out[..., 0] * (1.0 - 2 * px) + px
    out[..., 1] = out[..., 1] * (1.0 - 2 * py) + py
    return out


def alignment_rect(
    centre: np.ndarray, scale_point: np.ndarray, image_width: int, image_height: int
) -> Rect:
    """`AlignmentPointsRectsCalculator` (rotation target 90 degrees): a square (in pixels)
    centred on `centre`, side twice the distance to `scale_point`, rotated so the
    centre -> scale-point vector points up. Points normalised (x, y)."""
    x0, y0 = float(centre[0]) * image_width, float(centre[1]) * image_height
    x1, y1 = float(scale_point[0]) * image_width, float(scale_point[1]) * image_height
    side = 2.0 * math.hypot(x1 - x0, y1 - y0)
    rotation = normalize_radians(TARGET_ANGLE - math.atan2(-(y1 - y0), x1 - x0))
    w, h = image_width, image_height
    return Rect(x0 / w, y0 / h, side / w, side / h, rotation)


def enlarge_square(
    rect: Rect, image_width: int, image_height: int, scale: float = ROI_SCALE
) -> Rect:
    """`RectTransformationCalculator` with square_long and scale_x = scale_y = `scale`."""
    side = max(rect.width * image_width, rect.height * image_height)
    return Rect(
        rect.x_center,
        rect.y_center,
        side / image_width * scale,
        side / image_height * scale,
        rect.rotation,
    )


def roi_from_points(
    centre: np.ndarray, scale_point: np.ndarray, image_width: int, image_height: int
) -> Rect:
    """The landmark model's region of interest from the hip centre and the scale point
    (the detector's keypoints 0 and 1, or the auxiliary landmarks 33 and 34)."""
    rect = alignment_rect(centre, scale_point, image_width, image_height)
    return enlarge_square(rect, image_width, image_height)


def project_to_image(points: np.ndarray, rect: Rect) -> np.ndarray:
    """`LandmarkProjectionCalculator` (NORM_RECT, no image size): points (..., 2) in the
    ROI (0..1) to the image (normalised), rotating about the ROI centre by its rotation."""
    p = np.asarray(points, dtype=np.float64)
    x, y = p[..., 0] - 0.5, p[..., 1] - 0.5
    c, s = math.cos(rect.rotation), math.sin(rect.rotation)
    return np.stack(
        [
            (c * x - s * y) * rect.width + rect.x_center,
            (s * x + c * y) * rect.height + rect.y_center,
        ],
        axis=-1,
    )


def project_to_roi(points: np.ndarray, rect: Rect) -> np.ndarray:
    """The inverse of `project_to_image`: image points (normalised) to ROI coordinates."""
    p = np.asarray(points, dtype=np.float64)
    x = (p[..., 0] - rect.x_center) / rect.width
    y = (p[..., 1] - rect.y_center) / rect.height
    c, s = math.cos(rect.rotation), math.sin(rect.rotation)
    return np.stack([c * x + s * y + 0.5, -s * x + c * y + 0.5], axis=-1)


def rotate_world(world: np.ndarray, rotation: float) -> np.ndarray:
    """`WorldLandmarkProjectionCalculator`: x, y turned by the ROI rotation, z unchanged."""
    out = np.array(world, dtype=np.float64, copy=True)
    c, s = math.cos(rotation), math.sin(rotation)
    out[:, 0] = c * world[:, 0] - s * world[:, 1]
    out[:, 1] = s * world[:, 0] + c * world[:, 1]
    return out


def refine_from_heatmap(
    points: np.ndarray,
    heatmap: np.ndarray,
    kernel: int = HEATMAP_KERNEL,
    min_confidence: float = HEATMAP_MIN_CONFIDENCE,
) -> np.ndarray:
    """`RefineLandmarksFromHeatmapCalculator`: each landmark (K, 2, ROI 0..1) moved to the
    sigmoid-weighted mean cell of a kernel x kernel window of its heatmap channel (H, W, K)
    around the cell it falls in, when that window's peak is at least `min_confidence`.
    Landmarks outside the heatmap stay put. (Like MediaPipe, the cell index is truncated
    towards zero and the refined position is index / size, without a half-cell offset.)"""
    height, width, channels = heatmap.shape
    out = np.array(points, dtype=np.float64, copy=True)
    cols = np.trunc(out[:, 0] * width).astype(np.int64)
    rows = np.trunc(out[:, 1] * height).astype(np.int64)
    inside = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
    steps = np.arange(kernel) - (kernel - 1) // 2
    rr, cc = rows[:, None] + steps, cols[:, None] + steps  # (K, kernel) window cells
    in_r, in_c = (rr >= 0) & (rr < height), (cc >= 0) & (cc < width)
    window = heatmap[
        np.clip(rr, 0, height - 1)[:, :, None],
        np.clip(cc, 0, width - 1)[:, None, :],
        np.arange(channels)[: len(out), None, None],
    ]
    conf = sigmoid(window) * (in_r[:, :, None] & in_c[:, None, :])
    total = conf.sum(axis=(1, 2))
    refine = inside & (conf.max(axis=(1, 2)) >= min_confidence) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    x = (conf.sum(axis=1) * cc).sum(axis=1) / width / safe
    y = (conf.sum(axis=2) * rr).sum(axis=1) / height / safe
    out[refine, 0] = x[refine]
    out[refine, 1] = y[refine]
    return out


def crop(
    image: np.ndarray,
    rect: Rect,
    size: int,
    value_range: tuple[float, float],
    border_zero: bool,
) -> tuple[np.ndarray, tuple[float, float]]:
    """`ImageToTensorCalculator` on the CPU (OpenCV): the rotated ROI, padded to a square
    keeping its aspect, sampled bilinearly to size x size, values mapped from 0..255 to
    `value_range`. Returns the (1, size, size, 3) float32 tensor and the letterbox padding."""
    image_height, image_width = image.shape[:2]
    width, height = rect.width * image_width, rect.height * image_height
    padding = letterbox_padding(width, height, size)
    side = max(width, height)
    box = cv2.boxPoints(
        (
            (rect.x_center * image_width, rect.y_center * image_height),
            (side, side),
            math.degrees(rect.rotation),
        )
    ).astype(np.float32)
    corners = np.array([[0, size], [0, 0], [size, 0], [size, size]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(box, corners)
    warped = cv2.warpPerspective(
        image,
        matrix,
        (size, size),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT if border_zero else cv2.BORDER_REPLICATE,
        borderValue=(0, 0, 0),
    )
    lo, hi = value_range
    tensor = warped.astype(np.float32) * np.float32((hi - lo) / 255.0) + np.float32(lo)
    return tensor[None], padding


class OneEuroFilter:
    """MediaPipe's one-euro filter (`OneEuroFilter` + `LowPassFilter`), one per value of
    an array, with object-size scaling of the derivative (`LandmarksSmoothingCalculator`).

    `apply(t_us, values, value_scale)`: timestamps in microseconds, strictly increasing.
    The first call after construction or `reset` returns its input unchanged.
    """

    def __init__(
        self, min_cutoff: float, beta: float, derivate_cutoff: float, frequency: float = 30.0
    ) -> None:
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.derivate_cutoff = derivate_cutoff
        self.initial_frequency = frequency
        self.reset()

    def reset(self) -> None:
        self.frequency = self.initial_frequency
        self.last_time_ns = -1
        self.raw: np.ndarray | None = None
        self.value: np.ndarray | None = None
        self.derivative: np.ndarray | None = None

    def _alpha(self, cutoff: np.ndarray | float) -> np.ndarray:
        te = 1.0 / self.frequency
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff, dtype=np.float64))
        return 1.0 / (1.0 + tau / te)

    def apply(self, t_us: int, values: np.ndarray, value_scale: float) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        t_ns = int(t_us) * 1000
        if self.last_time_ns >= t_ns:
            return values
        if self.last_time_ns != 0 and t_ns != 0:
            self.frequency = 1.0 / ((t_ns - self.last_time_ns) * 1e-9)
        self.last_time_ns = t_ns
        if self.raw is None or self.value is None or self.derivative is None:
            self.raw, self.value = values.copy(), values.copy()
            self.derivative = np.zeros_like(values)
            return values.copy()
        dvalue = (values - self.raw) * value_scale * self.frequency
        a_d = self._alpha(self.derivate_cutoff)
        self.derivative = a_d * dvalue + (1.0 - a_d) * self.derivative
        a_x = self._alpha(self.min_cutoff + self.beta * np.abs(self.derivative))
        self.value = a_x * values + (1.0 - a_x) * self.value
        self.raw = values.copy()
        return self.value.copy()
