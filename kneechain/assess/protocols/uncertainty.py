"""The uncertainty of a video measurement: a one-sigma +- in the measure's own unit (degrees for
angles), from four independent parts combined in quadrature.

* **pose**: how far the pose model places joints from where they are. Angles: `POSE_DEG`, the
  published single-camera error of 2D knee angles from a well-placed camera (about 5-6 degrees
  mean absolute error, knowledge-base source `stenum_2021`; a mean absolute error is 0.8 of a
  standard deviation), grown as the joints are seen less confidently: divided by the square
  root of the visibility score (0 -> `MIN_VISIBILITY`).
* **view**: an angle a between two segments, in a plane turned by t about the vertical away
  from the camera's image plane, is seen as ``atan2(sin a cos t, cos a)`` (one segment along
  the vertical, the other's sideways part foreshortened). The value measured is the angle
  as seen, so the angle it came from is ``atan2(sin m, cos m cos t)``; the difference is the
  view part (inverting matters far off: at 60 degrees a 20-degree reading came from 36).
  The camera's turn is itself uncertain, so the turn used is the estimate plus one sigma
  (both from the view check).
* **repetitions**: the standard error of the mean over repetitions (standard deviation over
  the square root of their number); the standard deviation counts as at least half the
  protocol's between-repetition tolerance (identical repetitions do not make a value exact),
  and with a single repetition the tolerance itself stands in for the unknown spread.
* **other units** (ratios, seconds, steps per minute, percentages) have no pose or view part
  here: their uncertainty is the repetitions' part alone.

The assessment uses it: a finding needs the value beyond its threshold by more than this.
"""

from __future__ import annotations

import math

POSE_DEG = 6.0
MIN_VISIBILITY = 0.1
MAX_TURN_DEG = 80.0


def pose_part(visibility: float) -> float:
    """Degrees of error from the pose model at a 0-1 visibility score."""
    return POSE_DEG / math.sqrt(max(visibility, MIN_VISIBILITY))


def view_part(value: float, turn_deg: float, turn_sigma_deg: float) -> float:
    """Degrees of error of an angle `value` measured in a plane turned away from the image
    plane by the view check's `turn_deg` (+- `turn_sigma_deg`)."""
    if not math.isfinite(turn_deg):
        turn_deg = MAX_TURN_DEG
    sigma = turn_sigma_deg if math.isfinite(turn_sigma_deg) else 0.0
    turn = math.radians(min(max(turn_deg, 0.0) + sigma, MAX_TURN_DEG))
    seen = math.radians(abs(value))  # the value measured is the angle as seen
    true = math.atan2(math.sin(seen), math.cos(seen) * math.cos(turn))
    return math.degrees(abs(true - seen))


def repetition_part(spread: float | None, count: int, tolerance: float) -> float:
    """Standard error of the mean over `count` repetitions with standard deviation `spread`
    (at least half the protocol's `tolerance`, which stands in when there is only one)."""
    sd = max(spread, tolerance / 2) if spread is not None and count >= 2 else tolerance
    return sd / math.sqrt(max(count, 1))


def combine(*parts: float) -> float:
    """Independent parts in quadrature."""
    return math.sqrt(sum(p * p for p in parts))


def measurement_uncertainty(
    unit: str,
    value: float,
    visibility: float,
    turn_deg: float,
    turn_sigma_deg: float,
    spread: float | None,
    count: int,
    tolerance: float,
) -> float:
    """One-sigma uncertainty of a protocol measurement, in its unit (see the module docstring)."""
    reps = repetition_part(spread, count, tolerance)
    if unit != "deg":
        return reps
    return combine(pose_part(visibility), view_part(value, turn_deg, turn_sigma_deg), reps)
