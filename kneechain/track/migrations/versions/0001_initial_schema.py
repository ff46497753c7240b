"""initial schema: people, assessments, video analyses, media, programs, sessions, outcomes

Revision ID: 0001
Revises:
Create Date: 2026-11-24 16:21:33.173913

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create every table."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("role IN ('person', 'clinician')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
        sa.UniqueConstraint("uid", name=op.f("uq_users_uid")),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("case_schema_version", sa.String(length=64), nullable=False),
        sa.Column("case_doc", sa.JSON(), nullable=False),
        sa.Column("result_schema_version", sa.String(length=64), nullable=True),
        sa.Column("result_doc", sa.JSON(), nullable=True),
        sa.Column("knowledge_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assessments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint("uid", name=op.f("uq_assessments_uid")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "care_links",
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["users.id"],
            name=op.f("fk_care_links_client_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["users.id"],
            name=op.f("fk_care_links_clinician_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clinician_id", "client_id", name=op.f("pk_care_links")),
    )
    op.create_table(
        "media_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('video', 'frame', 'other')", name=op.f("ck_media_items_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_media_items_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_items")),
        sa.UniqueConstraint("user_id", "sha256", name="uq_media_items_user_sha256"),
    )
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_items_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_items_user_id"), ["user_id"], unique=False)

    op.create_table(
        "outcome_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("outcome_id", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_outcome_scores_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_scores")),
        sa.UniqueConstraint("uid", name=op.f("uq_outcome_scores_uid")),
    )
    with op.batch_alter_table("outcome_scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outcome_scores_person_outcome_day",
            ["user_id", "outcome_id", "measured_on"],
            unique=False,
        )

    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("schema_version", sa.String(length=64), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("knowledge_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_programs_assessment_id_assessments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_programs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("uid", name=op.f("uq_programs_uid")),
    )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programs_user_id"), ["user_id"], unique=False)

    op.create_table(
        "video_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("test_id", sa.String(length=64), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("analysed_on", sa.Date(), nullable=False),
        sa.Column("schema_version", sa.String(length=64), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("evidence_hashes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_video_analyses_assessment_id_assessments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_video_analyses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_analyses")),
        sa.UniqueConstraint("uid", name=op.f("uq_video_analyses_uid")),
    )
    with op.batch_alter_table("video_analyses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_video_analyses_file_hash"), ["file_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_video_analyses_user_id"), ["user_id"], unique=False)

    op.create_table(
        "exercise_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=True),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("pain_before", sa.Integer(), nullable=True),
        sa.Column("pain_after", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "pain_after BETWEEN 0 AND 10", name=op.f("ck_exercise_sessions_pain_after")
        ),
        sa.CheckConstraint(
            "pain_before BETWEEN 0 AND 10", name=op.f("ck_exercise_sessions_pain_before")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_exercise_sessions_program_id_programs"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exercise_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_sessions")),
        sa.UniqueConstraint("uid", name=op.f("uq_exercise_sessions_uid")),
    )
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exercise_sessions_performed_on"), ["performed_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_exercise_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("video_analysis_id", sa.Integer(), nullable=True),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("test_id", sa.String(length=64), nullable=False),
        sa.Column("measure_id", sa.String(length=64), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.CheckConstraint("side IN ('left', 'right', 'both')", name=op.f("ck_measurements_side")),
        sa.CheckConstraint(
            "source IN ('manual', 'video', 'clinician')",
            name=op.f("ck_measurements_source"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_measurements_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_measurements_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_analysis_id"],
            ["video_analyses.id"],
            name=op.f("fk_measurements_video_analysis_id_video_analyses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
        sa.UniqueConstraint("uid", name=op.f("uq_measurements_uid")),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measurements_person_measure_day",
            ["user_id", "measure_id", "taken_on"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_measurements_user_id"), ["user_id"], unique=False)

    op.create_table(
        "session_exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("sets_done", sa.Integer(), nullable=False),
        sa.Column("regression_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("sets_done >= 0", name=op.f("ck_session_exercises_sets_done")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exercise_sessions.id"],
            name=op.f("fk_session_exercises_session_id_exercise_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_exercises")),
    )
    with op.batch_alter_table("session_exercises", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_exercises_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    """Drop every table, children first."""
    with op.batch_alter_table("session_exercises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_exercises_session_id"))

    op.drop_table("session_exercises")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurements_user_id"))
        batch_op.drop_index("ix_measurements_person_measure_day")

    op.drop_table("measurements")
    with op.batch_alter_table("exercise_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exercise_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_exercise_sessions_performed_on"))

    op.drop_table("exercise_sessions")
    with op.batch_alter_table("video_analyses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_analyses_user_id"))
        batch_op.drop_index(batch_op.f("ix_video_analyses_file_hash"))

    op.drop_table("video_analyses")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_user_id"))

    op.drop_table("programs")
    with op.batch_alter_table("outcome_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_outcome_scores_person_outcome_day")

    op.drop_table("outcome_scores")
    with op.batch_alter_table("media_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_items_user_id"))
        batch_op.drop_index(batch_op.f("ix_media_items_sha256"))

    op.drop_table("media_items")
    op.drop_table("care_links")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_user_id"))

    op.drop_table("assessments")
    op.drop_table("users")
