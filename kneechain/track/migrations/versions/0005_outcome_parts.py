"""outcome parts: NPRS 'now', 'worst' and 'activity' are stored apart, never mixed

Before this revision an assessment stored one NPRS row: the last rating its result listed
(with activity, else worst, else now), and `kneechain score --nprs` stored pain now. This
revision names the part of every NPRS row and adds the ratings an assessment had but did not
store, read from the assessment's own case document.

Revision ID: 0005_outcome_parts
Revises: 0004_checkup_drafts
Create Date: 2026-11-30 06:40:00

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005_outcome_parts"
down_revision: str | Sequence[str] | None = "0004_checkup_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTS = (("now", "nprs_now"), ("worst", "nprs_worst"), ("activity", "nprs_activity"))

scores = sa.table(
    "outcome_scores",
    sa.column("id", sa.Integer),
    sa.column("uid", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("measured_on", sa.Date),
    sa.column("outcome_id", sa.String),
    sa.column("part", sa.String),
    sa.column("score", sa.Float),
    sa.column("created_at", sa.DateTime),
)
assessments = sa.table(
    "assessments",
    sa.column("user_id", sa.Integer),
    sa.column("taken_on", sa.Date),
    sa.column("case_doc", sa.JSON),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    """Add outcome_scores.part and name the part of every stored NPRS rating."""
    with op.batch_alter_table("outcome_scores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("part", sa.String(length=20), nullable=True))
    conn = op.get_bind()
    for user_id, day, doc, created in conn.execute(
        sa.select(
            assessments.c.user_id,
            assessments.c.taken_on,
            assessments.c.case_doc,
            assessments.c.created_at,
        )
    ):
        complaint = (doc or {}).get("complaint") or {}
        given = [(part, complaint[key]) for part, key in PARTS if complaint.get(key) is not None]
        if not given:
            continue
        stored_part, stored_value = given[-1]  # the one rating the old code kept
        row = conn.execute(
            sa.select(scores.c.id).where(
                scores.c.user_id == user_id,
                scores.c.measured_on == day,
                scores.c.outcome_id == "nprs",
                scores.c.part.is_(None),
                scores.c.score == float(stored_value),
            )
        ).first()
        if row is None:
            continue
        conn.execute(sa.update(scores).where(scores.c.id == row.id).values(part=stored_part))
        for part, value in given[:-1]:
            conn.execute(
                sa.insert(scores).values(
                    uid=uuid.uuid4().hex,
                    user_id=user_id,
                    measured_on=day,
                    outcome_id="nprs",
                    part=part,
                    score=float(value),
                    created_at=created,
                )
            )
    # every other NPRS rating was entered as pain now
    conn.execute(
        sa.update(scores)
        .where(scores.c.outcome_id == "nprs", scores.c.part.is_(None))
        .values(part="now")
    )


def downgrade() -> None:
    """Keep pain now as the one NPRS rating a day (the others cannot be told apart without
    their part), then drop the column."""
    conn = op.get_bind()
    conn.execute(sa.delete(scores).where(scores.c.outcome_id == "nprs", scores.c.part != "now"))
    with op.batch_alter_table("outcome_scores", schema=None) as batch_op:
        batch_op.drop_column("part")
