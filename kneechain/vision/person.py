"""Choosing the one person to follow when several are visible.

MediaPipe Pose follows a single person, whoever it finds first. To follow the RIGHT person,
kneechain first samples the clip sparsely (survey.py, about twice a second), finds every
person in the samples with BlazePose's own person detector (shipped in the same wheel; run
on overlapping square tiles so small people in wide frames are found; one box per person),
links each person from sample to sample into a track, and picks the person the user marked
(a bounding box) or the one who does what the test is about (subject.py). The chosen
person's track becomes a `CropPlan`: every frame is then posed once, on a crop that follows
them. With a single person in view, the whole frame is posed. (`Follower`, which kept a
pose pass on one person without a plan, is kept for `PoseJob.follow`.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kneechain.vision.subject import (
    DOES,
    TIE_RATIO,
    AmbiguousSubject,
    Posture,
    Subject,
    Trail,
    decide,
    fit,
    prominence,
)

CENTRE_WEIGHT = 0.5
LINK_DISTANCE = 0.8  # the first pass's follower: a person moves less between two samples
LINK_SPEED = 1.2  # linking samples: a person moves at most this many body sizes a second
LINK_FLOOR = 0.2  # plus this much (detector jitter)
MAX_REACH_S = 2.0  # unseen for longer, the search stops widening
MAX_HIDDEN_S = 2.0  # missed for at most this long, a person still counts as in view
HINT_MIN_IOU = 0.1  # the user's box marks a detection overlapping it at least this much
SIZE_RATIO = 1.6  # and change size by at most this factor
CROP_MARGIN = 1.4


SAME_PERSON = 0.2  # two detections whose hips are closer than this many body sizes: one person
SAME_PERSON_SIZES = 2.0  # ... and whose sizes differ by less than this factor
WEAK = 0.8  # a detection scoring less is a duplicate of a stronger one ...
WEAK_SAME_PERSON = 0.35  # ... within this many body sizes ...
WEAK_SIZES = 3.0  # ... and this factor of size


@dataclass(frozen=True)
class Box:
    """A person region in pixels: hip centre (cx, cy), square side `size` enclosing the body,
    detector score, and `tilt`: the body axis (hips towards head) from upright, in degrees
    (0 standing or sitting up, 90 lying, 180 upside down)."""

    cx: float
    cy: float
    size: float
    score: float = 1.0
    tilt: float = 0.0

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float) -> Box:
        return cls(x + w / 2.0, y + h / 2.0, float(max(w, h)))

    def iou(self, other: Box) -> float:
        half_a, half_b = self.size / 2.0, other.size / 2.0
        ix = max(
            0.0, min(self.cx + half_a, other.cx + half_b) - max(self.cx - half_a, other.cx - half_b)
        )
        iy = max(
            0.0, min(self.cy + half_a, other.cy + half_b) - max(self.cy - half_a, other.cy - half_b)
        )
        inter = ix * iy
        union = self.size**2 + other.size**2 - inter
        return inter / union if union > 0 else 0.0


@dataclass(frozen=True)
class Sample:
    """The people found in one sampled frame, with the frame's light and focus."""

    time: float
    boxes: tuple[Box, ...]
    index: int = -1
    brightness: float = float("nan")
    sharpness: float = float("nan")
    postures: tuple[Posture | None, ...] = ()  # one per box when the people were posed


@dataclass(frozen=True)
class CropPlan:
    """Where to crop each frame so the pose model sees only the chosen person.

    The crop is a square of side `side` pixels whose centre is interpolated in time between
    the chosen person's positions at the sampled times.
    """

    times: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    side: float

    def window(self, time: float, width: int, height: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the crop at `time`, kept inside the frame."""
        cx = float(np.interp(time, self.times, self.cx))
        cy = float(np.interp(time, self.times, self.cy))
        return square_window(cx, cy, self.side, width, height)


def square_window(
    cx: float, cy: float, side: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a square of `side` centred on (cx, cy), shifted inside the frame."""
    side_x, side_y = min(side, width), min(side, height)
    x0 = round(min(max(cx - side_x / 2, 0), width - side_x))
    y0 = round(min(max(cy - side_y / 2, 0), height - side_y))
    return x0, y0, x0 + int(side_x), y0 + int(side_y)


class Follower:
    """Keeps the pose model on one person during the first pass when several are in view.

    At a sample frame with two or more people it anchors on the largest and most central one
    (or stays with the one it follows), and from then on centres a square crop on the
    person's landmarks of the previous frame. After `patience` frames without a pose it lets
    go (whole frame) until the next sample. With one person in view it never crops.
    """

    def __init__(self, width: int, height: int, patience: int = 15) -> None:
        self.width, self.height, self.patience = width, height, patience
        self.box: Box | None = None
        self.misses = 0

    def on_sample(self, sample: Sample) -> None:
        if len(sample.boxes) < 2:
            return
        if self.box is not None:
            near = min(sample.boxes, key=lambda b: np.hypot(b.cx - self.box.cx, b.cy - self.box.cy))
            if (
                np.hypot(near.cx - self.box.cx, near.cy - self.box.cy)
                < LINK_DISTANCE * self.box.size
            ):
                self.box = Box(self.box.cx, self.box.cy, max(self.box.size, near.size))
                return
        self.box = max(sample.boxes, key=lambda b: _default_score(b, self.width, self.height))
        self.misses = 0

    def window(self) -> tuple[int, int, int, int] | None:
        if self.box is None:
            return None
        side = self.box.size * CROP_MARGIN
        return square_window(self.box.cx, self.box.cy, side, self.width, self.height)

    def on_pose(self, xy: np.ndarray | None, visibility: np.ndarray | None) -> None:
        """Re-centre on the landmarks just found (image pixels), or count a miss."""
        if self.box is None:
            return
        seen = None if xy is None or visibility is None else xy[visibility > 0.5]
        if seen is None or len(seen) < 4:
            self.misses += 1
            if self.misses > self.patience:
                self.box, self.misses = None, 0
            return
        low, high = seen.min(axis=0), seen.max(axis=0)
        centre = (low + high) / 2
        size = max(0.7 * self.box.size + 0.3 * float(np.max(high - low)) * 1.15, 32.0)
        self.box, self.misses = Box(float(centre[0]), float(centre[1]), size), 0


@dataclass(frozen=True)
class PersonChoice:
    """The outcome of choosing: how many people were seen, the crop to use (if any), how the
    person was chosen, every person's trail and which of them were followed (one person, or
    several trails of the subject leaving and coming back). `dropped` lists the frames whose
    skeleton was found not to be the followed person's (filled in after the pose pass)."""

    people_seen: int
    crop: CropPlan | None
    chosen_by: str
    people: tuple[Trail, ...] = ()
    followed: tuple[int, ...] = ()
    dropped: tuple[int, ...] = ()


def same_person(a: Box, b: Box) -> bool:
    """Two detections of one person: hips within `SAME_PERSON` body sizes, similar size; or
    a weak detection (score under `WEAK`, as the whole frame gives for people the tiles
    find well) near a stronger one, however different its size.

    Body boxes of different people overlap a lot (side by side, one in front of the other),
    so overlap alone would merge them; their hips are apart by at least a hip width."""
    size = max(a.size, b.size)
    distance = float(np.hypot(a.cx - b.cx, a.cy - b.cy)) / size
    ratio = max(a.size, b.size) / min(a.size, b.size)
    if distance < SAME_PERSON and ratio < SAME_PERSON_SIZES:
        return True
    return min(a.score, b.score) < WEAK and distance < WEAK_SAME_PERSON and ratio < WEAK_SIZES


def non_max_suppression(boxes: list[Box]) -> list[Box]:
    """One box per person: the best-scoring detection of every group of detections of the
    same person (`same_person`; the whole frame and the tiles find the same people)."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b.score):
        if not any(same_person(box, k) for k in kept):
            kept.append(box)
    return kept


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Square regions (x0, y0, side) to search: the whole frame, plus, for a landscape frame,
    overlapping full-height squares across it (people are small in wide shots; in portrait
    shots they fill the frame and the whole frame suffices)."""
    out = [(0, 0, max(width, height))]
    if width <= 1.2 * height:
        return out
    count = int(np.ceil(width / height))
    for i in range(count):
        out.append((round(i * (width - height) / max(count - 1, 1)), 0, height))
    return out


def _default_score(box: Box, width: int, height: int) -> float:
    """Size times closeness to the frame centre (1 at the centre, falling to 0.5 at a corner)."""
    half_diag = float(np.hypot(width, height)) / 2.0
    off = float(np.hypot(box.cx - width / 2.0, box.cy - height / 2.0)) / half_diag
    return box.size * (1.0 - CENTRE_WEIGHT * off)


def _predicted(track: dict[int, Box], samples: list[Sample], time: float) -> tuple[float, float]:
    """Where the track's person should be at `time`: moving on at the speed between their
    last two detections (when those are under `MAX_REACH_S` apart), at most `LINK_SPEED`."""
    last = max(track)
    current = track[last]
    earlier = [i for i in track if i < last]
    if not earlier:
        return current.cx, current.cy
    before = track[max(earlier)]
    dt = samples[last].time - samples[max(earlier)].time
    if dt <= 0 or dt > MAX_REACH_S:
        return current.cx, current.cy
    vx, vy = (current.cx - before.cx) / dt, (current.cy - before.cy) / dt
    speed = float(np.hypot(vx, vy))
    cap = LINK_SPEED * current.size
    if speed > cap:
        vx, vy = vx * cap / speed, vy * cap / speed
    ahead = min(time - samples[last].time, MAX_REACH_S)
    return current.cx + vx * ahead, current.cy + vy * ahead


def _candidates(
    tracks: list[dict[int, Box]], samples: list[Sample], i: int
) -> list[tuple[float, int, int]]:
    """(cost, track, box) pairs where box may continue track at sample `i`: near enough
    and of a similar size. Reach grows with the time a person is unseen (`LINK_SPEED` body
    sizes a second, beyond detector jitter `LINK_FLOOR`), but only up to `MAX_REACH_S`, so
    someone appearing across the frame later is never taken for the person who left. The
    cost is the distance from where the person should be by now (moving on as they moved),
    in body sizes, plus the time unseen (a track seen just before wins a tie) and the change
    of body axis (a walker does not turn into someone tucked mid-jump)."""
    pairs = []
    for t, track in enumerate(tracks):
        last = max(track)
        current = track[last]
        unseen = min(samples[i].time - samples[last].time, MAX_REACH_S)
        reach = current.size * (LINK_FLOOR + LINK_SPEED * unseen)
        px, py = _predicted(track, samples, samples[i].time)
        for j, box in enumerate(samples[i].boxes):
            distance = float(np.hypot(box.cx - current.cx, box.cy - current.cy))
            if distance < reach and 1 / SIZE_RATIO < box.size / current.size < SIZE_RATIO:
                off = float(np.hypot(box.cx - px, box.cy - py)) / current.size
                turn = abs(box.tilt - current.tilt) / 90.0
                pairs.append((off + LINK_SPEED * unseen + turn, t, j))
    return pairs


def build_tracks(samples: list[Sample]) -> list[dict[int, Box]]:
    """Every person's track through the samples ({sample number: box}).

    All people are linked at once: at each sample the closest (track, detection) pairs are
    joined first and each detection continues at most one track, the rest start new tracks.
    So a person who is missed for a sample (mid-jump, behind someone) cannot take over the
    detection of a neighbour who is being followed in their own right."""
    tracks: list[dict[int, Box]] = []
    for i, sample in enumerate(samples):
        taken_tracks: set[int] = set()
        taken_boxes: set[int] = set()
        for _, t, j in sorted(_candidates(tracks, samples, i)):
            if t not in taken_tracks and j not in taken_boxes:
                tracks[t][i] = sample.boxes[j]
                taken_tracks.add(t)
                taken_boxes.add(j)
        tracks += [{i: box} for j, box in enumerate(sample.boxes) if j not in taken_boxes]
    return tracks


def people_count(samples: list[Sample], tracks: list[dict[int, Box]]) -> int:
    """How many people were in view at once, at most: at each sample, the people detected
    plus those missed there but detected shortly (`MAX_HIDDEN_S`) before and after (partly
    hidden, mid-jump). A person leaving and coming back counts once."""
    best = 0
    for i, sample in enumerate(samples):
        hidden = 0
        for track in tracks:
            before = [j for j in track if j < i]
            after = [j for j in track if j > i]
            if i not in track and before and after:
                gap = samples[min(after)].time - samples[max(before)].time
                hidden += gap <= MAX_HIDDEN_S
        best = max(best, len(sample.boxes) + hidden)
    return best


def trail(samples: list[Sample], track: dict[int, Box]) -> Trail:
    """A track as arrays in time order (for the pure choice functions of subject.py)."""
    order = sorted(track)
    return Trail(
        time=np.array([samples[i].time for i in order]),
        x=np.array([track[i].cx for i in order]),
        y=np.array([track[i].cy for i in order]),
        size=np.array([track[i].size for i in order]),
        tilt=np.array([track[i].tilt for i in order]),
        postures=tuple(_posture_at(samples[i], track[i]) for i in order),
        frame=np.array([samples[i].index for i in order], dtype=np.int64),
    )


def followed_trail(choice: PersonChoice) -> Trail:
    """The followed trails (one, or the subject's several passes) as one, in time order."""
    trails = [choice.people[t] for t in choice.followed]
    if not trails:
        empty = np.zeros(0)
        return Trail(empty, empty, empty, empty, empty)
    time = np.concatenate([p.time for p in trails])
    order = np.argsort(time, kind="stable")
    postures = [x for p in trails for x in p.postures]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in trails])[order]

    return Trail(
        time[order],
        joined("x"),
        joined("y"),
        joined("size"),
        joined("tilt"),
        tuple(postures[i] for i in order) if len(postures) == len(time) else (),
        joined("frame"),
    )


def _posture_at(sample: Sample, box: Box) -> Posture | None:
    if not sample.postures:
        return None
    return sample.postures[sample.boxes.index(box)]


def _hinted_track(samples: list[Sample], tracks: list[dict[int, Box]], hint: Box) -> int | None:
    """The track of the person in the user's box when someone is first in it: the earliest
    sample with a detection overlapping the box, taking the best-overlapping one there. A
    later, better overlap (someone else stepping into the same spot) does not win."""
    for i, sample in enumerate(samples):
        inside = [b for b in sample.boxes if b.iou(hint) >= HINT_MIN_IOU]
        if inside:
            best = max(inside, key=hint.iou)
            return next(t for t, track in enumerate(tracks) if track.get(i) == best)
    return None


def _span(track: dict[int, Box], samples: list[Sample]) -> tuple[float, float]:
    return samples[min(track)].time, samples[max(track)].time


def _chain(
    chosen: int, fits: list[float], tracks: list[dict[int, Box]], samples: list[Sample]
) -> list[int]:
    """The chosen track plus the tracks, best fitting first, that fit the subject nearly as
    well (`TIE_RATIO`) and fall where nobody already followed is in view: the subject
    leaving and coming back (several passes in front of the phone) is followed on every
    pass, someone else doing less of it afterwards is not."""
    kept = [chosen]
    spans = [_span(tracks[chosen], samples)]
    for t in sorted(range(len(tracks)), key=lambda t: -fits[t]):
        a, b = _span(tracks[t], samples)
        if t == chosen or fits[t] < TIE_RATIO * fits[chosen] or len(tracks[t]) < 2:
            continue
        if all(b < lo or a > hi for lo, hi in spans):
            kept.append(t)
            spans.append((a, b))
    return kept


def _ask(tied: tuple[int, ...], people: list[Trail], subject: Subject) -> AmbiguousSubject:
    """The message when two or more people fit the test equally well."""
    boxes = []
    for t in tied:
        p = people[t]
        k = 0  # where they were first seen: people doing the same thing may meet midway
        side = p.size[k]
        x, y = round(p.x[k] - side / 2), round(p.y[k] - side / 2)
        boxes.append(
            f"--box {max(x, 0)},{max(y, 0)},{round(side)},{round(side)} "
            f"(the person at x={round(p.x[k])}, y={round(p.y[k])} px at {p.time[k]:.1f} s)"
        )
    return AmbiguousSubject(
        f"{len(tied)} people in view both {DOES[subject]}, so kneechain cannot tell which "
        "one is being tested.",
        "Run again with a box around the person to measure, for example "
        + " or ".join(boxes)
        + ", or film only that person.",
    )


def choose_person(
    samples: list[Sample],
    width: int,
    height: int,
    hint: Box | None = None,
    subject: Subject = "any",
) -> PersonChoice:
    """Pick the person to follow and plan the crop.

    With a `hint` (the user's box) the detection overlapping it most is chosen, and when no
    detection overlaps, the box itself is followed as a fixed region. Without a hint and with
    a single person seen, no crop is used at all. Otherwise the person who best does what
    the test's `subject` does (subject.py); when two people in view at once fit nearly
    equally, `AmbiguousSubject` asks for a box instead of guessing.
    """
    tracks = build_tracks(samples)
    seen = people_count(samples, tracks)
    people = [trail(samples, t) for t in tracks]
    if hint is None and seen <= 1:
        return PersonChoice(seen, None, "only person", tuple(people), (0,) if people else ())
    if hint is not None:
        chosen = _hinted_track(samples, tracks, hint)
        if chosen is None:
            fixed = CropPlan(
                np.array([0.0]), np.array([hint.cx]), np.array([hint.cy]), hint.size * CROP_MARGIN
            )
            return PersonChoice(seen, fixed, "user box (no detection inside)", tuple(people))
        followed, chosen_by = [chosen], "user box"
    else:
        fits = [fit(p, subject, width, height) for p in people]
        prominent = [prominence(p, width, height) for p in people]
        spans = [_span(t, samples) for t in tracks]
        decision = decide(fits, prominent, subject, spans)
        if decision.chosen is None:
            raise _ask(decision.tied, people, subject)
        if subject == "any":
            followed, chosen_by = [decision.chosen], "largest and most central"
        elif not decision.fitting:
            followed = [decision.chosen]
            chosen_by = f"largest and most central (nobody seen to {DOES[subject]})"
        else:
            followed = _chain(decision.chosen, fits, tracks, samples)
            chosen_by = f"test movement ({DOES[subject]})"
    boxes = sorted((i, b) for t in followed for i, b in tracks[t].items())
    plan = CropPlan(
        times=np.array([samples[i].time for i, _ in boxes]),
        cx=np.array([b.cx for _, b in boxes]),
        cy=np.array([b.cy for _, b in boxes]),
        side=float(np.percentile([b.size for _, b in boxes], 90)) * CROP_MARGIN,
    )
    return PersonChoice(seen, plan, chosen_by, tuple(people), tuple(followed))


class PeopleDetector:
    """BlazePose's person detector from the mediapipe wheel, returning every person found.

    Each detection gives the hip centre and a point whose distance from it encloses the body;
    the body box is the square of side twice that distance around the hip centre.
    """

    def __init__(self) -> None:
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.python.solution_base import SolutionBase

        config = text_format.Parse(
            'input_stream: "image" output_stream: "detections" '
            'node { calculator: "PoseDetectionCpu" input_stream: "IMAGE:image" '
            'output_stream: "DETECTIONS:detections" }',
            calculator_pb2.CalculatorGraphConfig(),
        )
        self._graph = SolutionBase(graph_config=config, outputs=["detections"])

    def _detect_tile(self, rgb: np.ndarray) -> list[Box]:
        result = self._graph.process({"image": rgb})
        h, w = rgb.shape[:2]
        boxes = []
        for det in result.detections or []:
            kp = det.location_data.relative_keypoints
            hx, hy = kp[0].x * w, kp[0].y * h
            dx, dy = kp[1].x * w - hx, kp[1].y * h - hy
            radius = float(np.hypot(dx, dy))
            if radius > 0:
                tilt = float(np.degrees(np.arctan2(abs(dx), -dy)))
                boxes.append(Box(hx, hy, 2 * radius, float(det.score[0]), tilt))
        return boxes

    def detect(self, rgb: np.ndarray, min_score: float = 0.5) -> list[Box]:
        """Every person in an RGB frame, as body boxes in frame pixels."""
        height, width = rgb.shape[:2]
        found: list[Box] = []
        for x0, y0, side in tiles(width, height):
            crop = np.ascontiguousarray(rgb[y0 : y0 + side, x0 : x0 + side])
            found += [
                Box(b.cx + x0, b.cy + y0, b.size, b.score, b.tilt)
                for b in self._detect_tile(crop)
                if b.score >= min_score
            ]
        return non_max_suppression(found)

    def close(self) -> None:
        self._graph.close()
