"""Measurements to readings, and readings against references: small pure functions.

A *reading* is the mean of the reliable measurements of one measure on one side. Measurements whose
quality is below the rules' minimum are set aside (reported, never deciding). A reference applies
to a person when its age, sex and activity constraints fit; an unknown attribute makes it an
assumption, which lowers confidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kneechain.assess.case import Measurement, Person, Provenance, Side
from kneechain.assess.result import UnusedMeasurement
from kneechain.knowledge.models import Comparator, Reference
from kneechain.knowledge.render import number

Fit = Literal["fits", "unknown", "no"]


@dataclass(frozen=True)
class Reading:
    """The averaged reliable value of one measure on one side (side None: both legs at once)."""

    measure: str
    side: Side | None
    value: float
    provenance: tuple[Provenance, ...]
    quality: float | None
    count: int
    activity: str | None
    uncertainty: float | None = None


def split_by_quality(
    measurements: Iterable[Measurement], min_quality: float
) -> tuple[list[Measurement], list[UnusedMeasurement]]:
    """Reliable measurements, and the low-quality ones as reported-but-unused entries."""
    used: list[Measurement] = []
    unused: list[UnusedMeasurement] = []
    for m in measurements:
        if m.quality is not None and m.quality < min_quality:
            reason = (
                f"quality {number(m.quality)} is below {number(min_quality)}: "
                "re-film following the camera instructions, or measure by hand"
            )
            unused.append(
                UnusedMeasurement(
                    measure=m.measure,
                    side=m.side,
                    value=m.value,
                    provenance=m.provenance,
                    quality=m.quality,
                    reason=reason,
                )
            )
        else:
            used.append(m)
    return used, unused


def readings(measurements: Iterable[Measurement]) -> dict[tuple[str, Side | None], Reading]:
    """Average repeated measurements of the same measure and side into one reading each."""
    groups: dict[tuple[str, Side | None], list[Measurement]] = defaultdict(list)
    for m in measurements:
        groups[(m.measure, m.side)].append(m)
    out: dict[tuple[str, Side | None], Reading] = {}
    for key, group in groups.items():
        qualities = [m.quality for m in group if m.quality is not None]
        activities = {m.activity for m in group if m.activity is not None}
        out[key] = Reading(
            measure=key[0],
            side=key[1],
            value=sum(m.value for m in group) / len(group),
            provenance=tuple(sorted({m.provenance for m in group})),
            quality=min(qualities) if qualities else None,
            count=len(group),
            activity=activities.pop() if len(activities) == 1 else None,
            uncertainty=_mean_uncertainty([m.uncertainty for m in group]),
        )
    return out


def _mean_uncertainty(values: list[float | None]) -> float | None:
    """The uncertainty of the mean of independent measurements (None if any lacks one)."""
    if not values or any(v is None for v in values):
        return None
    return sum(v * v for v in values if v is not None) ** 0.5 / len(values)


def crosses(value: float, comparator: Comparator, threshold: float) -> bool:
    """Whether `value <comparator> threshold` holds."""
    if comparator == "<":
        return value < threshold
    if comparator == "<=":
        return value <= threshold
    if comparator == ">":
        return value > threshold
    return value >= threshold


def _fit_one(wanted: object, actual: object) -> Fit:
    if wanted is None:
        return "fits"
    if actual is None:
        return "unknown"
    return "fits" if wanted == actual else "no"


def reference_fit(ref: Reference, person: Person, activity: str | None) -> Fit:
    """Whether a reference's age, sex and activity constraints fit this person and reading."""
    fits: list[Fit] = [_fit_one(ref.sex, person.sex), _fit_one(ref.activity, activity)]
    if ref.age_min is not None or ref.age_max is not None:
        if person.age is None:
            fits.append("unknown")
        else:
            low = ref.age_min if ref.age_min is not None else 0
            high = ref.age_max if ref.age_max is not None else 200
            fits.append("fits" if low <= person.age <= high else "no")
    if "no" in fits:
        return "no"
    return "unknown" if "unknown" in fits else "fits"


def pick_reference(
    refs: Iterable[Reference], person: Person, activity: str | None
) -> tuple[Reference | None, bool]:
    """The first reference that fits; else the first that might (assumed=True); else None."""
    candidates = list(refs)
    for ref in candidates:
        if reference_fit(ref, person, activity) == "fits":
            return ref, False
    for ref in candidates:
        if reference_fit(ref, person, activity) == "unknown":
            return ref, True
    return None, False


def reading_activity(reading: Reading, person: Person) -> str | None:
    """The activity a gait reading was filmed in; a runner's unlabelled clip counts as unknown."""
    if reading.activity is not None:
        return reading.activity
    return None if any(a.kind == "running" for a in person.activities) else "unspecified"


def margin(value: float, threshold: float) -> float:
    """How far a value is from a threshold, whatever the direction."""
    return abs(value - threshold)
