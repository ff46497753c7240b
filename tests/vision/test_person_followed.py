"""Whom a result followed: the sentence and the picture."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.followed import (
    FOLLOWED_COLOUR,
    OTHER_COLOUR,
    draw,
    sentence,
    where,
    write_picture,
)
from kneechain.vision.person import Box, Sample, choose_person
from tests.vision.videos import synthetic

W, H = 320, 240


def _samples() -> list[Sample]:
    """A walker crossing right to left below someone standing still, sampled every 15 frames."""
    return [
        Sample(0.5 * i, (Box(280 - 30 * i, 170, 80), Box(100, 70, 90)), index=15 * i)
        for i in range(5)
    ]


def test_sentence_says_whom_and_why() -> None:
    choice = choose_person(_samples(), W, H, subject="travels")
    assert where(choice.people[choice.followed[0]], W).endswith("right to left across the picture")
    text = sentence(choice, W)
    assert text.startswith("Followed the person moving from right to left")
    assert "walk or run across the picture" in text and "2 people were in view" in text
    boxed = choose_person(_samples(), W, H, hint=Box.from_xywh(55, 25, 90, 90))
    assert sentence(boxed, W) == (
        "Followed the person in the left of the picture, chosen with --box; 2 people were in view."
    )
    alone = choose_person([Sample(0.0, (Box(160, 120, 100),), index=0)], W, H)
    assert "the only person in view; 1 person was in view" in sentence(alone, W)


def _share(image: np.ndarray, colour: tuple[int, int, int]) -> float:
    return float(np.all(image == colour, axis=-1).mean())


def test_picture_marks_the_followed_person_and_the_others() -> None:
    choice = choose_person(_samples(), W, H, subject="travels")
    image = np.full((H, W, 3), 128, np.uint8)
    out = draw(image, choice, 15, "text")
    followed_box = out[125:215, 205:295]  # around (250, 170), side 80
    other_box = out[25:115, 55:145]  # around (100, 70), side 90
    assert _share(followed_box, FOLLOWED_COLOUR) > 0.02
    assert _share(other_box, OTHER_COLOUR) > 0.02 and _share(other_box, FOLLOWED_COLOUR) == 0
    assert np.array_equal(image, np.full((H, W, 3), 128, np.uint8))  # the input is untouched


def test_write_picture_reads_the_frame_and_writes_a_png(tmp_path: Path) -> None:
    video = synthetic(tmp_path / "blank.mp4", "blank", frames=40, size=(W, H))
    choice = choose_person(_samples(), W, H, subject="travels")
    picture = write_picture(video, choice, tmp_path / "out" / "followed.png")
    assert picture is not None
    image = cv2.imread(str(picture))
    assert image.shape == (H, W, 3) and _share(image, FOLLOWED_COLOUR) > 0.005
    assert write_picture(video, choose_person([], W, H), tmp_path / "none.png") is None
