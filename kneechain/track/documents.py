"""Versioned JSON documents: what is stored for a case, a result and a program, and the indexed
values taken from them. A stored document is never re-validated on reading, so an old assessment
still reads after the knowledge base or the case format changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from kneechain.assess.case import MEASURES, Case, Measurement, measures_in, test_of_measure
from kneechain.assess.engine import knowledge_version
from kneechain.assess.result import AssessmentResult
from kneechain.errors import validation_problems
from kneechain.knowledge.loader import KnowledgeBase
from kneechain.track.errors import TrackError


class MeasurementRow(BaseModel):
    """The indexed form of one measured value."""

    model_config = ConfigDict(frozen=True)

    test_id: str
    measure_id: str
    side: str
    value: float
    source: str
    uncertainty: float | None = None


def knowledge_fingerprint(kb: KnowledgeBase) -> str:
    """The version of the knowledge base a record was made with (package version and a digest
    of the folder it was read from)."""
    return knowledge_version(kb.data_dir)


def explain(exc: ValidationError, what: str, model: type[BaseModel] | None = None) -> TrackError:
    """Turn a pydantic error into one message naming each bad field in plain words."""
    return TrackError(f"{what} is not valid.", problems=validation_problems(exc, model))


def parse_case(data: Case | Mapping[str, Any], kb: KnowledgeBase) -> Case:
    """A case (given as one, or as its JSON data checked against `kb`'s measures)."""
    if isinstance(data, Case):
        return data
    try:
        return Case.model_validate(data, context={MEASURES: measures_in(kb)})
    except ValidationError as exc:
        raise explain(exc, "the assessment case", Case) from exc


def parse_result(data: AssessmentResult | Mapping[str, Any]) -> AssessmentResult:
    if isinstance(data, AssessmentResult):
        return data
    try:
        return AssessmentResult.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, "the assessment result", AssessmentResult) from exc


def to_row(item: Measurement, kb: KnowledgeBase) -> MeasurementRow:
    """Index a case measurement: its test in `kb`, and side 'both' for one-value-for-both-legs
    measures."""
    return MeasurementRow(
        test_id=test_of_measure(kb, item.measure).id,
        measure_id=item.measure,
        side=item.side or "both",
        value=item.value,
        source=item.provenance,
        uncertainty=item.uncertainty,
    )


def parse_measurement(data: Mapping[str, Any]) -> Measurement:
    try:
        return Measurement.model_validate(data)
    except ValidationError as exc:
        raise explain(exc, "the measurement", Measurement) from exc
