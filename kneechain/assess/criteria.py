"""Evaluate one rule criterion on the readings: a verdict per side, with its evidence.

A threshold criterion compares each side's reading with the first applicable threshold of its
test; an asymmetry criterion compares the difference between sides with the test's asymmetry
reference. Severity: `marked` past the reference's severe value, `mild` when within the measure's
measurement error (MDC) of the threshold, `moderate` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kneechain.assess.case import Person, Side
from kneechain.assess.measure import Reading, crosses, margin, pick_reference, reading_activity
from kneechain.assess.result import Evidence, Severity
from kneechain.assess.rules import ConfidenceWeights, Criterion, FindingRule, Rules
from kneechain.knowledge.models import Measure, Reference, Test
from kneechain.knowledge.render import number, reference_text

SEVERITY_RANK: dict[Severity, int] = {"mild": 0, "moderate": 1, "marked": 2}


@dataclass(frozen=True)
class Context:
    """What criteria are evaluated against: the person, the readings, the tests, the rules."""

    person: Person
    readings: dict[tuple[str, Side | None], Reading]
    measures: dict[str, Measure]
    test_of: dict[str, Test]
    rules: Rules
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Call:
    """One criterion's verdict on one side (side None: a both-legs measure)."""

    criterion: Criterion
    side: Side | None
    positive: bool
    severity: Severity
    bonus: float  # confidence added for a clear or marked result
    ratio: float  # how far past the threshold, relative to it (orders competing verdicts)
    assumed: bool
    reading_values: dict[str, float]
    reference: Reference
    norm: Reference | None
    evidence: Evidence


def _refs(test: Test, measure: str) -> dict[str, Reference]:
    return {r.id: r for r in test.references if r.measure == measure}


def _mdc(test: Test, measure: str) -> float | None:
    return next((r.value for r in _refs(test, measure).values() if r.kind == "mdc"), None)


def _bonus(severity: Severity, beyond_mdc: bool, w: ConfidenceWeights) -> float:
    return (w.beyond_mdc if beyond_mdc else 0.0) + (w.marked if severity == "marked" else 0.0)


def pick_norm(c: Criterion, test: Test, person: Person) -> Reference | None:
    """The first of the criterion's norms that fits the person (or might: unknown age or sex)."""
    refs = _refs(test, c.measure)
    norm, _ = pick_reference([refs[i] for i in c.norms], person, None)
    return norm


def _norm_label(norm: Reference | None, unit: str) -> str | None:
    return None if norm is None else f"{reference_text(norm, unit)} ({norm.label})"


def threshold_severity(value: float, ref: Reference, mdc: float | None) -> Severity:
    """Marked past the severe value; mild within measurement error of the threshold."""
    assert ref.comparator is not None and ref.value is not None
    if ref.severe_value is not None and crosses(value, ref.comparator, ref.severe_value):
        return "marked"
    if mdc is not None and margin(value, ref.value) <= mdc:
        return "mild"
    return "moderate"


def asymmetry_severity(diff: float, ref: Reference, mdc: float | None, factor: float) -> Severity:
    """Marked beyond `factor` times the noteworthy difference; mild within measurement error."""
    assert ref.value is not None
    if diff > factor * ref.value:
        return "marked"
    if mdc is not None and diff - ref.value <= mdc:
        return "mild"
    return "moderate"


def _threshold_text(spec: Measure, side: Side | None, value: float, ref: Reference) -> str:
    where = f" ({side})" if side else ""
    unit = "" if spec.unit in ("ratio", "count") else f" {spec.unit}"
    severe = ""
    if ref.severe_value is not None:
        severe = f", marked at {ref.comparator} {number(ref.severe_value)}{unit}"
    return (
        f"{spec.name}{where}: {number(round(value, 1))}{unit}; "
        f"threshold {reference_text(ref, spec.unit)}{severe}; {ref.label}"
    )


def threshold_calls(c: Criterion, ctx: Context) -> list[Call]:
    """Verdicts of a threshold criterion on each side that has a reading."""
    spec, test = ctx.measures[c.measure], ctx.test_of[c.measure]
    refs, mdc = _refs(test, c.measure), _mdc(test, c.measure)
    calls: list[Call] = []
    for side in ("left", "right") if spec.per_side else (None,):
        reading = ctx.readings.get((c.measure, side))
        if reading is None:
            continue
        activity = reading_activity(reading, ctx.person)
        ref, assumed = pick_reference([refs[i] for i in c.references], ctx.person, activity)
        if ref is None:
            ctx.notes.append(f"{spec.name}: no threshold applies to this person or activity")
            continue
        if assumed:
            ctx.notes.append(f"{spec.name}: age, sex or activity unknown; used '{ref.label}'")
        assert ref.comparator is not None and ref.value is not None
        positive = crosses(reading.value, ref.comparator, ref.value)
        if (
            positive
            and reading.uncertainty
            and margin(reading.value, ref.value) <= reading.uncertainty
        ):
            positive = False  # within its own uncertainty of the threshold: not a finding
            ctx.notes.append(
                f"{spec.name}{f' ({side})' if side else ''}: {number(round(reading.value, 1))} is "
                f"past the threshold {number(ref.value)} by less than its uncertainty "
                f"(+- {number(round(reading.uncertainty, 1))}); not counted as a finding"
            )
        severity = threshold_severity(reading.value, ref, mdc)
        beyond = mdc is not None and margin(reading.value, ref.value) > mdc
        norm = pick_norm(c, test, ctx.person)
        evidence = Evidence(
            kind="measurement",
            ref=c.measure,
            side=side,
            value=round(reading.value, 2),
            unit=spec.unit,
            comparator=ref.comparator,
            threshold=ref.value,
            severe_value=ref.severe_value,
            reference_id=f"{test.id}.{ref.id}",
            norm=_norm_label(norm, spec.unit),
            source_ids=sorted(set(ref.source_ids) | set(norm.source_ids if norm else ())),
            provenance=list(reading.provenance),
            quality=reading.quality,
            supports=positive,
            text=_threshold_text(spec, side, reading.value, ref),
        )
        calls.append(
            Call(
                criterion=c,
                side=side,
                positive=positive,
                severity=severity,
                bonus=_bonus(severity, beyond, ctx.rules.confidence),
                ratio=margin(reading.value, ref.value) / max(abs(ref.value), 1.0),
                assumed=assumed,
                reading_values={"value": reading.value},
                reference=ref,
                norm=norm,
                evidence=evidence,
            )
        )
    return calls


def _worse_side(left: float, right: float, worse: str) -> Side | None:
    if left == right:
        return None
    lower: Side = "left" if left < right else "right"
    upper: Side = "right" if lower == "left" else "left"
    return lower if worse == "lower" else upper


def asymmetry_calls(c: Criterion, rule: FindingRule, ctx: Context) -> list[Call]:
    """The verdict of an asymmetry criterion, when both sides have a reading."""
    left = ctx.readings.get((c.measure, "left"))
    right = ctx.readings.get((c.measure, "right"))
    if left is None or right is None:
        return []
    spec, test = ctx.measures[c.measure], ctx.test_of[c.measure]
    refs = _refs(test, c.measure)
    ref, assumed = pick_reference([refs[i] for i in c.references], ctx.person, None)
    if ref is None or ref.value is None:
        return []
    diff = abs(left.value - right.value)
    positive = crosses(diff, ref.comparator or ">", ref.value)
    mdc = _mdc(test, c.measure)
    severity = asymmetry_severity(diff, ref, mdc, ctx.rules.severity.asymmetry_marked_factor)
    side = _worse_side(left.value, right.value, rule.worse)
    text = (
        f"{spec.name}: left {number(round(left.value, 1))}, right {number(round(right.value, 1))} "
        f"{spec.unit}; difference {number(round(diff, 1))}, noteworthy "
        f"{reference_text(ref, spec.unit)}; {ref.label}"
    )
    quals = [q for q in (left.quality, right.quality) if q is not None]
    evidence = Evidence(
        kind="asymmetry",
        ref=c.measure,
        side=side,
        value=round(diff, 2),
        left=round(left.value, 2),
        right=round(right.value, 2),
        unit=spec.unit,
        comparator=ref.comparator,
        threshold=ref.value,
        reference_id=f"{test.id}.{ref.id}",
        source_ids=list(ref.source_ids),
        provenance=sorted(set(left.provenance) | set(right.provenance)),
        quality=min(quals) if quals else None,
        supports=positive,
        text=text,
    )
    beyond = mdc is not None and diff - ref.value > mdc
    return [
        Call(
            criterion=c,
            side=side,
            positive=positive,
            severity=severity,
            bonus=_bonus(severity, beyond, ctx.rules.confidence),
            ratio=diff / max(abs(ref.value), 1.0),
            assumed=assumed,
            reading_values={"value": diff, "left": left.value, "right": right.value},
            reference=ref,
            norm=None,
            evidence=evidence,
        )
    ]


def rule_calls(rule: FindingRule, ctx: Context) -> list[Call]:
    """Every verdict of every criterion of a finding rule."""
    if rule.kind == "asymmetry":
        return [call for c in rule.criteria for call in asymmetry_calls(c, rule, ctx)]
    return [call for c in rule.criteria for call in threshold_calls(c, ctx)]
