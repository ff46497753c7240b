"""How each measure and outcome has changed since the first record, in honest words.

A change is called improved or worse only when it reaches the measurement's smallest real change
(`mdc` references in tests.yaml, widened by the two values' own uncertainties when they are
larger: `maths.real_change`) or the outcome's minimal important difference (outcomes.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kneechain.assess.case import measures_in
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.knowledge.models import Outcome, Reference
from kneechain.knowledge.render import number
from kneechain.track.config import TrackingConfig
from kneechain.track.logbook import OUTCOME_PARTS, PART_NAMES, measure_points, outcome_series
from kneechain.track.maths import Status, classify_change, real_change
from kneechain.track.models import MeasurementRecord, OutcomeScoreRecord, PersonRecord

Point = tuple[date, float]


@dataclass(frozen=True)
class Change:
    """First and latest value of one measure on one side (or one outcome), and the verdict."""

    kind: Literal["measure", "outcome"]
    id: str
    name: str
    side: str
    unit: str
    baseline: Point
    latest: Point
    threshold: float | None  # what the change was judged against (see `real_change`)
    status: Status
    part: str | None = None  # which rating of a questionnaire with several (NPRS: now, worst)
    decimals: int = 1
    mdc: float | None = None  # the measure's own smallest real change (knowledge base)
    baseline_uncertainty: float | None = None  # one-sigma +- of the first value, if stated
    latest_uncertainty: float | None = None

    @property
    def delta(self) -> float:
        return round(self.latest[1] - self.baseline[1], self.decimals)


def references(kb: KnowledgeBase, measure_id: str) -> list[Reference]:
    """Every reference (norm, threshold, mdc, asymmetry) the knowledge base has for a measure."""
    return [r for t in kb.tests.values() for r in t.references if r.measure == measure_id]


def mdc_of(kb: KnowledgeBase, measure_id: str) -> float | None:
    """The measure's smallest real change (minimal detectable change), if known."""
    return next((r.value for r in references(kb, measure_id) if r.kind == "mdc"), None)


def higher_is_better(kb: KnowledgeBase, measure_id: str) -> bool | None:
    """Which way is better, read from the measure's problem threshold ('<' means low is bad)."""
    for ref in references(kb, measure_id):
        if ref.kind == "threshold" and ref.comparator is not None:
            return ref.comparator in ("<", "<=")
    return None


def mcid_of(outcome: Outcome, population: str) -> float:
    """The outcome's minimal important difference for the preferred population, else the largest."""
    for mcid in outcome.mcid:
        if mcid.population == population:
            return mcid.points
    return max(m.points for m in outcome.mcid)


def widened(mdc: float | None, first: float | None, latest: float | None) -> float | None:
    """`real_change` to two decimals, the figure shown and the one judged against."""
    threshold = real_change(mdc, first, latest)
    return None if threshold is None else round(threshold, 2)


def judge(series: list[Point], threshold: float | None, better_up: bool | None) -> Status:
    if len(series) < 2:
        return "single"
    return classify_change(series[0][1], series[-1][1], threshold, better_up)


def _rounded(series: list[Point], decimals: int) -> list[Point]:
    return [(day, round(value, decimals)) for day, value in series]


def measure_changes(
    db: Session, user: PersonRecord, kb: KnowledgeBase, config: TrackingConfig
) -> list[Change]:
    """One change per measured measure and side, in knowledge-base order."""
    specs = measures_in(kb)
    measured = set(
        db.scalars(select(MeasurementRecord.measure_id).where(MeasurementRecord.user_id == user.id))
    )
    changes = []
    for measure_id in (m for m in specs if m in measured):
        spec = specs[measure_id]
        mdc, better = mdc_of(kb, measure_id), higher_is_better(kb, measure_id)
        decimals = config.decimals.get(spec.unit, 1)
        for side, points in measure_points(db, user, measure_id).items():
            shown = _rounded([(day, value) for day, value, _ in points], decimals)
            first_u, latest_u = points[0][2], points[-1][2]
            threshold = widened(mdc, first_u, latest_u) if len(points) > 1 else mdc
            changes.append(
                Change("measure", measure_id, spec.name, side, spec.unit, shown[0], shown[-1],
                       threshold, judge(shown, threshold, better), decimals=decimals, mdc=mdc,
                       baseline_uncertainty=first_u, latest_uncertainty=latest_u)
            )  # fmt: skip
    return changes


def outcome_changes(
    db: Session, user: PersonRecord, kb: KnowledgeBase, config: TrackingConfig
) -> list[Change]:
    """One change per outcome questionnaire (and per rating of one with several, e.g. NPRS
    pain now and worst pain in the last week: never mixed) that has at least one score."""
    scored = set(
        db.scalars(
            select(OutcomeScoreRecord.outcome_id).where(OutcomeScoreRecord.user_id == user.id)
        )
    )
    changes = []
    for outcome in (o for o in kb.outcomes.values() if o.id in scored):
        for part in OUTCOME_PARTS.get(outcome.id, (None,)):
            change = outcome_change(db, user, kb, config, outcome.id, part)
            if change is not None:
                changes.append(change)
    return changes


def outcome_change(
    db: Session,
    user: PersonRecord,
    kb: KnowledgeBase,
    config: TrackingConfig,
    outcome_id: str,
    part: str | None = None,
) -> Change | None:
    """The change of one outcome (and part), as `outcome_changes` gives it; None when it has no
    score (or `kb` no such outcome). One query, for a page that shows only this one."""
    outcome = kb.outcomes.get(outcome_id)
    if outcome is None:
        return None
    decimals = config.decimals.get("points", 1)
    series = _rounded(outcome_series(db, user, outcome.id, part), decimals)
    if not series:
        return None
    mcid = mcid_of(outcome, config.preferred_mcid_population)
    name = f"{outcome.name}: {PART_NAMES[part]}" if part else outcome.name
    status = judge(series, mcid, outcome.higher_is_better)
    return Change("outcome", outcome.id, name, "both", "points", series[0], series[-1],
                  mcid, status, part=part, decimals=decimals)  # fmt: skip


def all_changes(
    db: Session, user: PersonRecord, kb: KnowledgeBase, config: TrackingConfig
) -> list[Change]:
    """Every measure's and outcome's change, judged with `kb`'s thresholds and `config`."""
    return measure_changes(db, user, kb, config) + outcome_changes(db, user, kb, config)


def describe(change: Change, config: TrackingConfig) -> str:
    """One line: first and latest value, the change, the threshold used and the verdict."""
    words = config.wording
    unit = "" if change.unit in ("points", "ratio", "count") else f" {change.unit}"
    first, last = change.baseline, change.latest
    first_pm, last_pm = (
        _plus_minus(change.baseline_uncertainty),
        _plus_minus(change.latest_uncertainty),
    )
    verdict = getattr(words, change.status)
    if change.status == "single":
        return f"{number(last[1])}{last_pm}{unit} on {last[0]}: {verdict}"
    delta = f"{'+' if change.delta >= 0 else ''}{number(change.delta)}"
    label = words.threshold_measure if change.kind == "measure" else words.threshold_outcome
    limit = f"; {label} {number(change.threshold)}{unit}" if change.threshold is not None else ""
    if change.mdc is not None and change.threshold is not None and change.threshold > change.mdc:
        limit += f" (measurement error {number(change.mdc)}, widened by the values' +-)"
    return (
        f"{number(first[1])}{first_pm} on {first[0]} -> {number(last[1])}{last_pm} on {last[0]} "
        f"({delta}{unit}{limit}): {verdict}"
    )


def _plus_minus(uncertainty: float | None) -> str:
    return "" if uncertainty is None else f" +-{number(round(uncertainty, 1))}"
