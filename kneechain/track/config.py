"""The tracker's own data (data/tracking.yaml): when questionnaires are due, words for change."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field

from kneechain.base import Frozen
from kneechain.knowledge.loader import (
    KnowledgeBase,
    KnowledgeError,
    default_knowledge,
    load_document,
)
from kneechain.track.errors import StorageError

DATA_FILE = Path(__file__).parent / "data" / "tracking.yaml"


class OutcomeInterval(Frozen):
    outcome_id: str
    every_weeks: float = Field(gt=0, le=52)


class Schedule(Frozen):
    """When questionnaires are due again (tests follow the program rules' re-test schedule)."""

    outcomes: list[OutcomeInterval]


class TrendRule(Frozen):
    min_ratings: int = Field(ge=2)
    min_days: int = Field(ge=1)


class Wording(Frozen):
    improved: str
    worse: str
    no_clear_change: str
    changed: str
    unjudged: str
    single: str
    threshold_measure: str
    threshold_outcome: str
    no_program: str


class Caseload(Frozen):
    inactive_after_days: int = Field(ge=1, le=365)


class TrackingConfig(Frozen):
    preferred_mcid_population: str
    retest: Schedule
    trend: TrendRule
    decimals: dict[str, int]
    wording: Wording

    def round(self, value: float, unit: str) -> float:
        """`value` to the precision of its unit (one decimal for a unit not listed)."""
        return round(value, self.decimals.get(unit, 1))

    caseload: Caseload


def load_config(path: Path, kb: KnowledgeBase) -> TrackingConfig:
    """Read and validate a tracking file; every outcome it names must be in `kb`."""
    try:
        config = load_document(TrackingConfig, path)
    except KnowledgeError as exc:
        raise StorageError(f"{path.name} is not valid: {exc}") from exc
    unknown = [o.outcome_id for o in config.retest.outcomes if o.outcome_id not in kb.outcomes]
    if unknown:
        raise StorageError(
            f"{path.name} is not valid: retest.outcomes: unknown outcome {unknown[0]!r}"
        )
    return config


@cache
def tracking_config() -> TrackingConfig:
    """The packaged tracking data, loaded once per process."""
    return load_config(DATA_FILE, default_knowledge())
