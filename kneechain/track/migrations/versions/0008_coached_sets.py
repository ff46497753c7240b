"""coached sets: an exercise of a logged session may carry the counts of the camera coach

The camera coach (web, issue 16) counts repetitions, time under tension and form cues in the
person's browser; when the person saves a set, the counts are stored with the exercise as JSON
(`logbook.CoachedSet` items). Additive: a nullable column, NULL for every earlier row.

Revision ID: 0008_coached_sets
Revises: 0007_measurement_uncertainty
Create Date: 2026-11-30 07:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008_coached_sets"
down_revision: str | Sequence[str] | None = "0007_measurement_uncertainty"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add session_exercises.coached (JSON, nullable)."""
    with op.batch_alter_table("session_exercises") as batch:
        batch.add_column(sa.Column("coached", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop session_exercises.coached."""
    with op.batch_alter_table("session_exercises") as batch:
        batch.drop_column("coached")
