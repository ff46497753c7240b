"""SQLAlchemy tables. Clinical inputs, results and programs are stored as versioned JSON documents
next to the few indexed columns that queries need (person, date, test, measure, side, value), so an
old assessment still reads after the knowledge base changes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("person", "clinician")
SIDES = ("left", "right", "both")
SOURCES = ("manual", "video", "clinician")
MEDIA_KINDS = ("video", "frame", "other")


def new_uid() -> str:
    """A random public identifier that survives export and import between databases."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """Naive UTC, stored the same way by SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


def _uid() -> Mapped[str]:
    return mapped_column(String(32), unique=True, default=new_uid)


def _owner() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class PersonRecord(Base):
    """A person who tracks their knee, or a clinician who follows clients."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="person")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CareLinkRecord(Base):
    """A clinician follows a client."""

    __tablename__ = "care_links"

    clinician_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AssessmentRecord(Base):
    """One assessment case: the inputs and the result, each as a versioned document."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    user_id: Mapped[int] = _owner()
    taken_on: Mapped[date] = mapped_column(Date)
    case_schema_version: Mapped[str] = mapped_column(String(64))
    case_doc: Mapped[dict[str, Any]]
    result_schema_version: Mapped[str | None] = mapped_column(String(64))
    result_doc: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    knowledge_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class VideoAnalysisRecord(Base):
    """Measurements taken from one video, with the hashes of the video and its evidence frames."""

    __tablename__ = "video_analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    user_id: Mapped[int] = _owner()
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    test_id: Mapped[str] = mapped_column(String(64))
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    analysed_on: Mapped[date] = mapped_column(Date)
    schema_version: Mapped[str] = mapped_column(String(64))
    doc: Mapped[dict[str, Any]]
    evidence_hashes: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MediaItemRecord(Base):
    """A file in the content-addressed media store that belongs to one person."""

    __tablename__ = "media_items"
    __table_args__ = (
        UniqueConstraint("user_id", "sha256", name="uq_media_items_user_sha256"),
        CheckConstraint(_in("kind", MEDIA_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = _owner()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MeasurementRecord(Base):
    """One measured value (per test, measure and side) indexed for trends and re-test dates."""

    __tablename__ = "measurements"
    __table_args__ = (
        CheckConstraint(_in("side", SIDES), name="side"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        Index("ix_measurements_person_measure_day", "user_id", "measure_id", "taken_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    user_id: Mapped[int] = _owner()
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE")
    )
    video_analysis_id: Mapped[int | None] = mapped_column(
        ForeignKey("video_analyses.id", ondelete="CASCADE")
    )
    taken_on: Mapped[date] = mapped_column(Date)
    test_id: Mapped[str] = mapped_column(String(64))
    measure_id: Mapped[str] = mapped_column(String(64))
    side: Mapped[str] = mapped_column(String(10))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))
    #: one-sigma +- in the measure's unit (video measurements); None when none was stated
    uncertainty: Mapped[float | None] = mapped_column(Float)


class ProgramRecord(Base):
    """The exact prescription given, as the program generator's versioned document."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    user_id: Mapped[int] = _owner()
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    started_on: Mapped[date] = mapped_column(Date)
    schema_version: Mapped[str] = mapped_column(String(64))
    doc: Mapped[dict[str, Any]]
    knowledge_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ExerciseSessionRecord(Base):
    """One logged home session: when, pain before and after, and a note."""

    __tablename__ = "exercise_sessions"
    __table_args__ = (
        CheckConstraint("pain_before BETWEEN 0 AND 10", name="pain_before"),
        CheckConstraint("pain_after BETWEEN 0 AND 10", name="pain_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    user_id: Mapped[int] = _owner()
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id", ondelete="SET NULL"))
    performed_on: Mapped[date] = mapped_column(Date, index=True)
    pain_before: Mapped[int | None] = mapped_column(Integer)
    pain_after: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    exercises: Mapped[list[SessionExerciseRecord]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="SessionExerciseRecord.position",
        lazy="selectin",
    )


class SessionExerciseRecord(Base):
    """One exercise done in a session: sets completed and the easier variant used, if any."""

    __tablename__ = "session_exercises"
    __table_args__ = (CheckConstraint("sets_done >= 0", name="sets_done"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    exercise_id: Mapped[str] = mapped_column(String(64))
    sets_done: Mapped[int] = mapped_column(Integer)
    regression_id: Mapped[str | None] = mapped_column(String(64))
    #: sets counted by the camera coach (logbook.CoachedSet as JSON), None when not coached
    coached: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    session: Mapped[ExerciseSessionRecord] = relationship(back_populates="exercises")


class OutcomeScoreRecord(Base):
    """A patient-reported outcome (NPRS, Kujala) on one day. `part` says which rating of a
    questionnaire that has several (NPRS: now, worst in the last week, with activity); these
    are different measures and are never mixed."""

    __tablename__ = "outcome_scores"
    __table_args__ = (
        Index("ix_outcome_scores_person_outcome_day", "user_id", "outcome_id", "measured_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    measured_on: Mapped[date] = mapped_column(Date)
    outcome_id: Mapped[str] = mapped_column(String(64))
    part: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AccountRecord(Base):
    """A web login (e-mail and argon2 password hash) of one tracked person or clinician."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginSessionRecord(Base):
    """A signed-in browser: the SHA-256 of its cookie token (never the token) and its CSRF token."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttemptRecord(Base):
    """A failed log-in, counted per e-mail and per client address to slow password guessing."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


JOB_STATUSES = ("queued", "running", "done", "failed")


class JobRecord(Base):
    """One unit of long work (a clip analysed for a test), kept so that it survives a restart:
    its inputs, the key that makes it idempotent, where it stands, and its result or error.
    Written by kneechain.jobs only."""

    __tablename__ = "jobs"
    __table_args__ = (CheckConstraint(_in("status", JOB_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = _uid()
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    inputs: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), index=True)
    stage: Mapped[str | None] = mapped_column(String(64))
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    owner: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result_ref: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class CheckupDraftRecord(Base):
    """A check-up in progress: the questionnaire's answers so far (the flow state), so a person
    can stop and continue later, on any device."""

    __tablename__ = "checkup_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    state: Mapped[dict[str, Any]]
    pending_clip: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


AUDIT_ACTIONS = ("read", "change")


class AuditEventRecord(Base):
    """Who read or changed a person's record, when, and through which use case: written by
    kneechain.services.audit on every opening of a record by someone signed in."""

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(_in("action", AUDIT_ACTIONS), name="action"),
        Index("ix_audit_events_person_at", "person_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: kept as written, so the trail still says who it was when the actor's record is gone
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    what: Mapped[str] = mapped_column(String(300))
