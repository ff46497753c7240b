"""BlazePose pre- and post-processing maths (vision/backends/blazepose.py), by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneechain.vision.backends import blazepose as bp

unit = st.floats(-0.5, 1.5, allow_nan=False)


def test_anchors_follow_the_detector_grid() -> None:
    anchors = bp.ssd_anchors()
    assert anchors.shape == (2254, 2)  # 28*28*2 + 14*14*2 + 7*7*6
    np.testing.assert_allclose(anchors[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(anchors[1], anchors[0])  # two anchors per cell
    np.testing.assert_allclose(anchors[2], [1.5 / 28, 0.5 / 28])  # x runs fastest
    np.testing.assert_allclose(anchors[56], [0.5 / 28, 1.5 / 28])  # next row
    np.testing.assert_allclose(anchors[1568], [0.5 / 14, 0.5 / 14])  # stride 16 starts
    np.testing.assert_allclose(anchors[1960:1966], [[0.5 / 7, 0.5 / 7]] * 6)  # 3 layers x 2
    np.testing.assert_allclose(anchors[-1], [6.5 / 7, 6.5 / 7])


def test_decoding_a_box_and_its_keypoints() -> None:
    anchors = np.array([[0.5, 0.5]])
    raw = np.zeros((1, 12))
    raw[0, :4] = [22.4, -11.2, 44.8, 22.4]  # offset x, y; size w, h (224 px units)
    raw[0, 4:6] = [22.4, 0.0]
    boxes, keypoints, scores = bp.decode_detections(raw, np.array([[0.0]]), anchors)
    np.testing.assert_allclose(boxes[0], [0.5, 0.4, 0.7, 0.5])  # centre (0.6, 0.45), 0.2 x 0.1
    np.testing.assert_allclose(keypoints[0, 0], [0.6, 0.5])
    np.testing.assert_allclose(keypoints[0, 1], [0.5, 0.5])
    assert scores[0] == pytest.approx(0.5)
    _, _, clipped = bp.decode_detections(raw, np.array([[1e6]]), anchors)
    assert clipped[0] == pytest.approx(1 / (1 + math.exp(-100)))


def test_iou_by_hand() -> None:
    a = np.array([0.0, 0.0, 2.0, 2.0])
    got = bp.iou(a, np.array([[1.0, 1.0, 3.0, 3.0], [5.0, 5.0, 6.0, 6.0], [0.0, 0.0, 2.0, 2.0]]))
    np.testing.assert_allclose(got, [1 / 7, 0.0, 1.0])


def test_weighted_suppression_averages_the_best_group() -> None:
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [0.1, 0.0, 1.1, 1.0], [5, 5, 6, 6], [0, 0, 1, 1]])
    keypoints = np.zeros((4, 4, 2))
    keypoints[0, 0] = [0.5, 0.5]
    keypoints[1, 0] = [0.8, 0.5]
    scores = np.array([0.9, 0.6, 0.7, 0.4])  # the last is below the score threshold
    box, points, score = bp.best_detection(boxes, keypoints, scores, min_score=0.5)
    np.testing.assert_allclose(box, [0.06 / 1.5, 0.0, 1.56 / 1.5, 1.0])
    np.testing.assert_allclose(points[0], [(0.45 + 0.48) / 1.5, 0.5])
    assert score == 0.9
    assert bp.best_detection(boxes, keypoints, scores, min_score=0.95) is None


def test_letterbox_padding_by_hand() -> None:
    assert bp.letterbox_padding(1768, 994, 224) == pytest.approx((0.0, 387 / 1768))
    assert bp.letterbox_padding(1080, 1920, 224) == pytest.approx(((1 - 1080 / 1920) / 2, 0))
    assert bp.letterbox_padding(300, 300, 256) == (0.0, 0.0)
    # the top edge of a landscape image sits at the padding in the square input
    padded_top = np.array([0.5, 387 / 1768])
    np.testing.assert_allclose(bp.remove_letterbox(padded_top, (0.0, 387 / 1768)), [0.5, 0.0])


@given(unit, unit, st.floats(0, 0.45), st.floats(0, 0.45))
def test_letterbox_removal_inverts_padding(x: float, y: float, px: float, py: float) -> None:
    point = np.array([x, y])
    back = bp.remove_letterbox(bp.add_letterbox(point, (px, py)), (px, py))
    np.testing.assert_allclose(back, point, atol=1e-9)


def test_roi_from_two_points_by_hand() -> None:
    # 1000 x 500 image, scale point 100 px straight above the centre
    rect = bp.alignment_rect(np.array([0.5, 0.5]), np.array([0.5, 0.3]), 1000, 500)
    assert (rect.width, rect.height, rect.rotation) == pytest.approx((0.2, 0.4, 0.0))
    # scale point to the right: the body lies along +x, the square turns a quarter clockwise
    rect = bp.alignment_rect(np.array([0.5, 0.5]), np.array([0.6, 0.5]), 1000, 500)
    assert rect.rotation == pytest.approx(math.pi / 2)
    assert bp.normalize_radians(3 * math.pi / 2) == pytest.approx(-math.pi / 2)
    enlarged = bp.enlarge_square(bp.Rect(0.5, 0.5, 0.1, 0.4), 1000, 500)  # 100 x 200 px
    assert (enlarged.width, enlarged.height) == pytest.approx((0.25, 0.5))  # 250 px square
    roi = bp.roi_from_points(np.array([0.5, 0.5]), np.array([0.5, 0.3]), 1000, 500)
    assert (roi.x_center, roi.y_center, roi.width, roi.height) == pytest.approx(
        (0.5, 0.5, 0.25, 0.5)
    )


def test_projection_by_hand() -> None:
    rect = bp.Rect(0.5, 0.5, 0.2, 0.4)
    np.testing.assert_allclose(bp.project_to_image(np.array([0.0, 0.0]), rect), [0.4, 0.3])
    turned = bp.Rect(0.5, 0.5, 0.2, 0.4, math.pi / 2)
    # the ROI's right edge is below its centre once turned a quarter clockwise
    np.testing.assert_allclose(bp.project_to_image(np.array([1.0, 0.5]), turned), [0.5, 0.7])
    world = bp.rotate_world(np.array([[1.0, 0.0, 2.0]]), math.pi / 2)
    np.testing.assert_allclose(world, [[0.0, 1.0, 2.0]], atol=1e-12)


@settings(max_examples=60)
@given(unit, unit, st.floats(-math.pi, math.pi), st.floats(0.05, 2), st.floats(0.05, 2))
def test_projection_round_trip(x: float, y: float, angle: float, w: float, h: float) -> None:
    rect = bp.Rect(0.4, 0.6, w, h, angle)
    point = np.array([x, y])
    back = bp.project_to_roi(bp.project_to_image(point, rect), rect)
    np.testing.assert_allclose(back, point, atol=1e-9)


def test_sigmoid_gives_visibility() -> None:
    np.testing.assert_allclose(bp.sigmoid(np.array([0.0, math.log(3)])), [0.5, 0.75])


def _peak_heatmap(cells: list[tuple[int, int]], channels: int = 1) -> np.ndarray:
    heatmap = np.full((64, 64, channels), -100.0)
    for row, col in cells:
        heatmap[row, col, 0] = 10.0
    return heatmap


def test_heatmap_refinement_by_hand() -> None:
    point = np.array([[20.4 / 64, 10.3 / 64]])
    np.testing.assert_allclose(
        bp.refine_from_heatmap(point, _peak_heatmap([(10, 20)])), [[20 / 64, 10 / 64]]
    )
    # two equal peaks two cells apart: their mean
    np.testing.assert_allclose(
        bp.refine_from_heatmap(point, _peak_heatmap([(10, 20), (10, 22)])), [[21 / 64, 10 / 64]]
    )
    # a peak outside the 9x9 window is not seen; a weak heatmap leaves the point alone
    weak = np.full((64, 64, 1), -10.0)
    np.testing.assert_allclose(bp.refine_from_heatmap(point, weak), point)
    # cell indices truncate towards zero: just left of the edge still counts as column 0
    edge = np.array([[-0.005, 10 / 64]])
    np.testing.assert_allclose(
        bp.refine_from_heatmap(edge, _peak_heatmap([(10, 2)])), [[2 / 64, 10 / 64]]
    )
    outside = np.array([[-0.1, 0.5]])
    np.testing.assert_allclose(bp.refine_from_heatmap(outside, _peak_heatmap([(32, 0)])), outside)


def test_detector_crop_letterboxes_with_black() -> None:
    white = np.full((100, 200, 3), 255, dtype=np.uint8)
    tensor, padding = bp.crop(white, bp.Rect(0.5, 0.5, 1, 1), 224, (-1.0, 1.0), True)
    assert tensor.shape == (1, 224, 224, 3) and tensor.dtype == np.float32
    assert padding == pytest.approx((0.0, 0.25))
    assert tensor[0, 10, 112, 0] == -1.0 and tensor[0, 213, 112, 0] == -1.0  # padding
    assert tensor[0, 112, 5, 0] == 1.0  # image


def test_landmark_crop_turns_with_the_roi() -> None:
    image = np.zeros((100, 100, 3), dtype=np.uint8)
    image[:, 50:] = 255  # right half white
    upright, _ = bp.crop(image, bp.Rect(0.5, 0.5, 0.5, 0.5), 64, (0.0, 1.0), False)
    assert upright[0, 32, 5, 0] == 0.0 and upright[0, 32, 58, 0] == 1.0
    turned, _ = bp.crop(image, bp.Rect(0.5, 0.5, 0.5, 0.5, math.pi), 64, (0.0, 1.0), False)
    assert turned[0, 32, 5, 0] == 1.0 and turned[0, 32, 58, 0] == 0.0
    # beyond the image the edge pixels are repeated
    wide, _ = bp.crop(image, bp.Rect(0.5, 0.5, 3.0, 3.0), 64, (0.0, 1.0), False)
    assert wide[0, 32, 1, 0] == 0.0 and wide[0, 32, 62, 0] == 1.0


@settings(max_examples=25, deadline=None)
@given(st.floats(-math.pi, math.pi), st.integers(70, 130), st.integers(45, 105))
def test_crop_and_projection_agree(angle: float, x: int, y: int) -> None:
    """A dot found in the crop maps back, through the projection, to where it was drawn.
    (Both sides use pixel indices as coordinates, as MediaPipe's OpenCV crop does.)"""
    image = np.zeros((150, 200, 3), dtype=np.uint8)
    image[y - 1 : y + 2, x - 1 : x + 2] = 255
    rect = bp.Rect(0.5, 0.5, 0.6, 0.8, angle)  # 120 px square
    tensor, padding = bp.crop(image, rect, 128, (0.0, 1.0), False)
    weights = tensor[0, :, :, 0]
    rows, cols = np.mgrid[0:128, 0:128]
    found = np.array([(cols * weights).sum(), (rows * weights).sum()]) / weights.sum()
    roi_point = bp.remove_letterbox(found / 128, padding)
    back = bp.project_to_image(roi_point, rect) * [200, 150]
    np.testing.assert_allclose(back, [x, y], atol=0.1)


def test_one_euro_filter_by_hand() -> None:
    f = bp.OneEuroFilter(min_cutoff=1.0, beta=0.0, derivate_cutoff=1.0)
    assert f.apply(100_000, np.array([0.0]), 1.0)[0] == 0.0  # first value passes
    alpha = 2 * math.pi / (2 * math.pi + 10)  # 10 Hz, cut-off 1 Hz
    assert f.apply(200_000, np.array([1.0]), 1.0)[0] == pytest.approx(alpha)
    assert f.apply(200_000, np.array([5.0]), 1.0)[0] == 5.0  # repeated time: passed through
    f.reset()
    assert f.apply(300_000, np.array([7.0]), 1.0)[0] == 7.0
    # a fast change raises the cut-off (beta): the output follows more closely
    slow = bp.OneEuroFilter(0.01, 0.0, 1.0)
    fast = bp.OneEuroFilter(0.01, 10.0, 1.0)
    for f in (slow, fast):
        f.apply(0, np.array([0.0]), 1.0)
    assert (
        fast.apply(33_333, np.array([10.0]), 1.0)[0] > slow.apply(33_333, np.array([10.0]), 1.0)[0]
    )


@given(st.lists(st.floats(-1000, 1000), min_size=2, max_size=20), st.floats(0.001, 1.0))
def test_one_euro_output_stays_between_last_output_and_input(
    values: list[float], scale: float
) -> None:
    f = bp.OneEuroFilter(0.01, 10.0, 1.0)
    last = f.apply(33_333, np.array([values[0]]), scale)[0]
    for i, v in enumerate(values[1:], start=2):
        out = f.apply(33_333 * i, np.array([v]), scale)[0]
        assert min(last, v) - 1e-9 <= out <= max(last, v) + 1e-9
        last = out
