"""audit log: who read or changed a person's record, when, and through what

Revision ID: 0006_audit_log
Revises: 0005_outcome_parts
Create Date: 2026-11-30 07:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006_audit_log"
down_revision: str | Sequence[str] | None = "0005_outcome_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the audit_events table."""
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.CheckConstraint("action IN ('read', 'change')", name=op.f("ck_audit_events_action")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["users.id"],
            name=op.f("fk_audit_events_person_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_person_at", "audit_events", ["person_id", "at"])


def downgrade() -> None:
    """Drop the audit_events table."""
    op.drop_index("ix_audit_events_person_at", table_name="audit_events")
    op.drop_table("audit_events")
