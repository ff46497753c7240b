"""The export file: everything stored about one person, in one JSON document (format version 1).

Rows refer to each other by `uid` (stable across databases), never by database ids. Every model
rejects unknown fields, so a malformed or hand-edited file fails with the field named.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from kneechain.base import Frozen

FORMAT = "kneechain-person"
FORMAT_VERSION = 1
Uid = str


class Row(Frozen):
    """A row of the export file (immutable; unknown fields refused)."""


class PersonRow(Row):
    uid: Uid = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["person", "clinician"]
    birth_year: int | None = None
    sex: str | None = None
    created_at: datetime


class LinkRow(Row):
    """A care link; `other` is the clinician (or client) at the far end, by uid and name."""

    direction: Literal["clinician_of_person", "client_of_person"]
    other_uid: Uid
    other_name: str
    created_at: datetime


class AssessmentRow(Row):
    uid: Uid
    taken_on: date
    case_schema_version: str
    case_doc: dict[str, Any]
    result_schema_version: str | None
    result_doc: dict[str, Any] | None
    knowledge_fingerprint: str
    created_at: datetime


class VideoRow(Row):
    uid: Uid
    assessment_uid: Uid | None
    test_id: str
    file_hash: str
    analysed_on: date
    schema_version: str
    doc: dict[str, Any]
    evidence_hashes: list[Any]
    created_at: datetime


class MediaRow(Row):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    kind: Literal["video", "frame", "other"]
    filename: str
    size_bytes: int = Field(ge=0)
    created_at: datetime
    content_base64: str | None = Field(default=None, description="None: exported without media")


class MeasurementRow(Row):
    uid: Uid
    assessment_uid: Uid | None
    video_analysis_uid: Uid | None
    taken_on: date
    test_id: str
    measure_id: str
    side: Literal["left", "right", "both"]
    value: float
    source: Literal["manual", "video", "clinician"]
    uncertainty: float | None = Field(default=None, ge=0, description="one-sigma +-, if stated")


class ProgramRow(Row):
    uid: Uid
    assessment_uid: Uid | None
    started_on: date
    schema_version: str
    doc: dict[str, Any]
    knowledge_fingerprint: str
    created_at: datetime


class ExerciseRow(Row):
    position: int = Field(ge=0)
    exercise_id: str
    sets_done: int = Field(ge=0)
    regression_id: str | None
    coached: list[dict[str, Any]] | None = None  # camera coach counts; absent in older exports


class SessionRow(Row):
    uid: Uid
    program_uid: Uid | None
    performed_on: date
    pain_before: int | None = Field(ge=0, le=10)
    pain_after: int | None = Field(ge=0, le=10)
    note: str | None
    created_at: datetime
    exercises: list[ExerciseRow]


class OutcomeRow(Row):
    uid: Uid
    measured_on: date
    outcome_id: str
    part: str | None = Field(default=None, validate_default=True)  # NPRS: now, worst, activity
    score: float
    created_at: datetime

    @field_validator("part")
    @classmethod
    def _nprs_part(cls, part: str | None, info: ValidationInfo) -> str | None:
        return "now" if part is None and info.data.get("outcome_id") == "nprs" else part


class ExportFile(Row):
    format: Literal["kneechain-person"]
    format_version: Literal[1]
    exported_at: datetime
    person: PersonRow
    care_links: list[LinkRow]
    assessments: list[AssessmentRow]
    video_analyses: list[VideoRow]
    media: list[MediaRow]
    measurements: list[MeasurementRow]
    programs: list[ProgramRow]
    sessions: list[SessionRow]
    outcome_scores: list[OutcomeRow]
