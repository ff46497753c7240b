"""The chosen person stays the chosen person: no switching to someone else who walks in later.

Reproduces the shared demo clip: a woman walks through the user's box and leaves on the left;
later a man lands near where she entered, overlapping the box even more. The box marks the
person who is in it first, and the track never jumps across the frame to a newcomer.
"""

from __future__ import annotations

import numpy as np

from kneechain.vision.person import Box, Sample, build_tracks, choose_person

W, H = 1768, 994
HINT = Box.from_xywh(1100, 450, 350, 500)


def _walker_then_jumper() -> list[Sample]:
    samples = []
    for t in range(8):
        boxes = []
        if t <= 5:  # the walker: enters in the box, walks left, gone after t = 5
            boxes.append(Box(1275 - 220 * t, 700, 480))
        if t >= 6:  # the jumper: lands right on the box (a bigger overlap than hers)
            boxes.append(Box(1275, 700, 500))
        boxes.append(Box(300, 200, 200))  # someone small far away the whole time
        samples.append(Sample(float(t), tuple(boxes)))
    return samples


def test_user_box_picks_who_is_in_it_first_not_a_later_better_fit() -> None:
    choice = choose_person(_walker_then_jumper(), W, H, hint=HINT)
    assert choice.crop is not None
    assert choice.crop.times.tolist() == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(choice.crop.cx, [1275 - 220 * t for t in range(6)])


def test_a_lost_person_is_not_re_found_across_the_frame() -> None:
    samples = [Sample(float(t), (Box(200 + 100 * t, 500, 400),)) for t in range(3)]
    samples += [Sample(float(t), ()) for t in range(3, 9)]  # out of view for six samples
    samples += [Sample(9.0, (Box(1600, 500, 400), Box(300, 300, 150)))]  # someone far away
    choice = choose_person(samples, W, H, hint=Box.from_xywh(0, 300, 400, 400))
    assert choice.crop is not None and choice.crop.times.tolist() == [0, 1, 2]


def _jumper_and_walker() -> list[Sample]:
    """The shared demo clip as sampled: a man standing (centre left, up on a hut) jumps and is
    not detected mid-air, while a woman walks across below him, passing under where he was."""
    man = {0: (649, 297), 1: (645, 270), 2: (634, 301), 3: (651, 267), 6: (1016, 386)}
    woman = {2: (1418, 739), 3: (1136, 735), 4: (821, 727), 5: (529, 720), 6: (198, 750)}
    samples = []
    for t in range(7):
        boxes = []
        if t in man:
            boxes.append(Box(*man[t], 490))
        if t in woman:
            boxes.append(Box(*woman[t], 430))
        samples.append(Sample(float(t), tuple(boxes)))
    return samples


def test_a_briefly_missed_person_does_not_take_over_a_neighbours_track() -> None:
    # after two samples without the man, his reach has grown enough to include the woman; she
    # is followed in her own right, so her detections stay hers
    tracks = build_tracks(_jumper_and_walker())
    assert sorted(len(t) for t in tracks) == [5, 5]
    choice = choose_person(_jumper_and_walker(), W, H)
    assert choice.crop is not None and choice.crop.times.tolist() == [0, 1, 2, 3, 6]
    np.testing.assert_allclose(choice.crop.cx, [649, 645, 634, 651, 1016])
