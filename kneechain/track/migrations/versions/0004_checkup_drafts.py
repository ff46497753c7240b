"""checkup drafts: a person's questionnaire answers so far, to continue a check-up later

Revision ID: 0004_checkup_drafts
Revises: 0003_jobs
Create Date: 2026-11-30 06:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004_checkup_drafts"
down_revision: str | Sequence[str] | None = "0003_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the checkup_drafts table."""
    op.create_table(
        "checkup_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("pending_clip", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_checkup_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkup_drafts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_checkup_drafts_user_id")),
    )


def downgrade() -> None:
    """Drop the checkup_drafts table."""
    op.drop_table("checkup_drafts")
