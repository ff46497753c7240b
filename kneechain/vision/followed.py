"""Whom a result followed, in words and in a picture.

`sentence` says it plainly ("followed the person walking from right to left across the
picture, chosen as the one who walks or runs across the picture; 2 people were in view").
`write_picture` draws it on one frame of the clip: the followed person's box and their path
over the whole clip in green, every other person's box in orange, and the sentence on top,
so a clinician sees at a glance that the right person was measured.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from kneechain.vision.errors import VideoError
from kneechain.vision.person import PersonChoice
from kneechain.vision.subject import MIN_TRAVEL, Trail, travel
from kneechain.vision.video import read_frame

FOLLOWED_COLOUR = (60, 200, 60)  # BGR
OTHER_COLOUR = (0, 140, 255)
MAX_WIDTH = 1280


def where(trail: Trail, width: int) -> str:
    """Where a person is or goes, in words: the direction they travel across the picture,
    else the third of the picture they stay in."""
    if travel(trail) >= MIN_TRAVEL:
        way = "from left to right" if trail.x[-1] > trail.x[0] else "from right to left"
        return f"the person moving {way} across the picture"
    third = float(np.median(trail.x)) / max(width, 1)
    part = "left" if third < 1 / 3 else "right" if third > 2 / 3 else "middle"
    return f"the person in the {part} of the picture"


def sentence(choice: PersonChoice, width: int) -> str:
    """One plain sentence: whom the result followed, why, and how many people were seen."""
    if not choice.people:
        return "No person was detected in the sampled frames; the whole picture was posed."
    if choice.crop is not None and not choice.followed:
        who = "the region given with --box (nobody was detected in it)"
    else:
        trail = choice.people[choice.followed[0]]
        who = where(trail, width)
    why = {
        "only person": "the only person in view",
        "user box": "chosen with --box",
        "largest and most central": "chosen as the largest and most central (use --box "
        "to choose another)",
    }.get(choice.chosen_by, "")
    movement, nobody = "test movement (", "largest and most central (nobody seen to "
    if choice.chosen_by.startswith(movement):
        why = f"chosen as the one seen to {choice.chosen_by[len(movement) : -1]}"
    elif choice.chosen_by.startswith(nobody):
        what = choice.chosen_by[len(nobody) : -1]
        why = f"the largest and most central, as nobody was seen to {what}"
    people = "1 person was" if choice.people_seen == 1 else f"{choice.people_seen} people were"
    return f"Followed {who}, {why}; {people} in view." if why else f"Followed {who}."


def _frame_to_draw(choice: PersonChoice) -> int | None:
    """The sampled frame showing the followed person with the most other people around
    (the middle one of equals), or None when nobody was detected."""
    if not choice.people:
        return None
    main = choice.people[choice.followed[0]] if choice.followed else None
    frames = main.frame if main is not None else np.concatenate([p.frame for p in choice.people])
    if len(frames) == 0:
        return None
    counts = [sum(int(f in p.frame) for p in choice.people) for f in frames]
    best = max(counts)
    candidates = [int(f) for f, c in zip(frames, counts, strict=True) if c == best]
    return candidates[len(candidates) // 2]


def _box(
    image: np.ndarray, cx: float, cy: float, size: float, colour, label: str, thick: int, top: int
) -> None:
    """A labelled square; the label sits above the box, or inside it below `top` (the band)."""
    h, w = image.shape[:2]
    x0, y0 = int(max(cx - size / 2, 0)), int(max(cy - size / 2, 0))
    x1, y1 = int(min(cx + size / 2, w - 1)), int(min(cy + size / 2, h - 1))
    cv2.rectangle(image, (x0, y0), (x1, y1), colour, thick, cv2.LINE_AA)
    scale = max(0.45, image.shape[1] / 2400) * (1.2 if thick > 3 else 1.0)
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, thick // 2))
    ty = y0 + th + 8 if y0 < top + th + 10 else y0 - 6
    ty = max(ty, top + th + 8)
    cv2.rectangle(image, (x0, ty - th - 6), (x0 + tw + 8, ty + 4), colour, -1)
    cv2.putText(
        image, label, (x0 + 4, ty), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), max(1, thick // 2)
    )


def draw(image: np.ndarray, choice: PersonChoice, frame: int, text: str) -> np.ndarray:
    """`image` (frame number `frame`) with the followed path and box, the others' boxes and
    `text` on a band at the top."""
    out = image.copy()
    thick = max(2, round(max(out.shape[:2]) / 400))
    scale = out.shape[1] / 1600
    band = int(48 * max(scale, 0.5))
    for t in choice.followed:
        p = choice.people[t]
        points = np.c_[p.x, p.y].round().astype(np.int32)
        cv2.polylines(out, [points], False, FOLLOWED_COLOUR, thick, cv2.LINE_AA)
        for x, y in points:
            cv2.circle(out, (int(x), int(y)), thick + 2, FOLLOWED_COLOUR, -1, cv2.LINE_AA)
    for t, p in enumerate(choice.people):
        hits = np.flatnonzero(p.frame == frame)
        if len(hits) == 0:
            continue
        k = int(hits[0])
        followed = t in choice.followed
        _box(
            out,
            p.x[k],
            p.y[k],
            p.size[k],
            FOLLOWED_COLOUR if followed else OTHER_COLOUR,
            "followed" if followed else "other person",
            thick + (2 if followed else 0),
            band,
        )
    if choice.crop is not None and not choice.followed:
        x0, y0, x1, y1 = choice.crop.window(0.0, out.shape[1], out.shape[0])
        cv2.rectangle(out, (x0, y0), (x1, y1), FOLLOWED_COLOUR, thick, cv2.LINE_AA)
    cv2.rectangle(out, (0, 0), (out.shape[1], band), (0, 0, 0), -1)
    font = 0.75 * max(scale, 0.5)
    size, _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font, 1)
    font *= min(1.0, (out.shape[1] - 16) / max(size[0], 1))
    cv2.putText(
        out,
        text,
        (8, int(band * 0.65)),
        cv2.FONT_HERSHEY_SIMPLEX,
        font,
        (255, 255, 255),
        max(1, round(2 * scale)),
        cv2.LINE_AA,
    )
    return out


def write_picture(video: Path, choice: PersonChoice, out: Path) -> Path | None:
    """Write the "followed" picture (PNG) of `video` to `out`; None when nobody was detected
    or the frame cannot be read."""
    frame = _frame_to_draw(choice)
    if frame is None:
        return None
    try:
        image = read_frame(video, frame).image
    except VideoError:
        return None
    picture = draw(image, choice, frame, sentence(choice, image.shape[1]))
    if picture.shape[1] > MAX_WIDTH:
        f = MAX_WIDTH / picture.shape[1]
        picture = cv2.resize(picture, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), picture)
    return out
