"""Plain-language wording of structured knowledge (doses, ranges, references) for people to read."""

from __future__ import annotations

import re
from collections.abc import Mapping

from kneechain.knowledge.models import Dosage, Frequency, Range, Reference, Test


def number(value: float) -> str:
    """A figure without a needless '.0' (2.0 -> '2', 8.5 -> '8.5')."""
    return f"{value:g}"


#: unit words whose singular drops the final "s" ("1 degree", "1 round", "2 degrees")
_PLURAL_UNITS = "degrees|seconds|minutes|hours|days|weeks|points|repetitions|rounds|sets|steps"
_ONE_OF_MANY = re.compile(rf"(?<![\d.,-])(-?1) ({_PLURAL_UNITS})\b")


def agree(text: str) -> str:
    """Singular units after exactly one: '1 degrees' -> '1 degree' (but '21 degrees', '0.1
    degrees' and '1-2 rounds' stay as they are)."""
    return _ONE_OF_MANY.sub(lambda m: f"{m.group(1)} {m.group(2)[:-1]}", text)


def span(r: Range, unit: str = "") -> str:
    """'10-20 seconds', or '90 seconds' for an exact figure."""
    text = number(r.min) if r.max is None or r.max == r.min else f"{number(r.min)}-{number(r.max)}"
    return agree(f"{text} {unit}".rstrip())


def _times(n: Range) -> str:
    if n.max is None or n.max == n.min:
        return {1: "once", 2: "twice"}.get(int(n.min), f"{number(n.min)} times")
    return f"{span(n)} times"


def frequency_text(f: Frequency) -> str:
    """'at least once a day', '2-3 times a week', 'before each workout', 'on every run'."""
    if f.per == "workout":
        return "before each workout"
    if f.per == "run":
        return "on every run"
    text = f"{_times(f.times)} a {f.per}"
    return f"at least {text}" if f.at_least else text


def dosage_parts(d: Dosage) -> list[str]:
    """Each element of a dose as a short phrase, in the order a person would follow them."""
    side = "each side" if d.per_side else ""
    parts: list[str] = []
    if d.hold_seconds is not None:
        what = "sore spot" if d.minutes_per_side is not None else "stretch"
        parts.append(f"hold each {what} {span(d.hold_seconds, 'seconds')}")
    if d.reps is not None:
        sets = "" if d.sets is None else f"{span(d.sets)} sets of "
        parts.append(f"{sets}{span(d.reps)} repetitions {side}".rstrip())
    if d.minutes_per_side is not None:
        parts.append(f"{span(d.minutes_per_side, 'minutes')} {side or 'in all'}")
    if d.min_seconds_per_side is not None:
        parts.append(f"at least {number(d.min_seconds_per_side)} seconds in total {side}".rstrip())
    if d.work_seconds is not None:
        parts.append(f"{span(d.work_seconds, 'seconds')} {side}".rstrip())
    if d.rounds is not None:
        parts.append(f"{span(d.rounds)} rounds")
    if d.cadence_increase_percent is not None:
        parts.append(f"raise your step rate by {span(d.cadence_increase_percent)} percent")
    parts.append(frequency_text(d.frequency))
    return [agree(p) for p in parts]


def dosage_text(d: Dosage) -> str:
    """The whole dose as one instruction, e.g.
    'hold each spot or stretch 10-20 seconds, 2-3 minutes each side, at least once a day'."""
    return ", ".join(dosage_parts(d))


def reference_text(ref: Reference, unit: str) -> str:
    """A norm or threshold as a phrase: '< 25 deg', '30-45 deg', '30 deg'."""
    unit_text = "" if unit in ("ratio", "count") else f" {unit}"
    if ref.low is not None and ref.high is not None:
        return f"{number(ref.low)}-{number(ref.high)}{unit_text}"
    value = number(ref.value) if ref.value is not None else "?"
    prefix = f"{ref.comparator} " if ref.comparator else ""
    return f"{prefix}{value}{unit_text}"


#: camera views in the words a person reads
VIEW_WORDS = {
    "front": "front view",
    "rear": "rear view",
    "side": "side view",
    "above": "view from above",
    "feet_end": "view along the legs from the feet",
    "none": "no camera",
}


def view_words(view: str) -> str:
    """'feet_end' -> 'view along the legs from the feet'; an unknown view as plain words."""
    return VIEW_WORDS.get(view, f"{view.replace('_', ' ')} view")


def measure_names(tests: Mapping[str, Test]) -> dict[str, str]:
    """Each measure id of the tests -> its name as a person reads it."""
    return {m.id: m.name for t in tests.values() for m in t.measures}
