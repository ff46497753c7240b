"""measurement uncertainty: the +- a measured value carries (video measurements), kept beside it

A change between two values is judged against the smallest real change widened by the two
values' uncertainties, so the tracker keeps each value's own. Rows stored before this revision
take it from their assessment's case document when the case gave one (otherwise none is known).

Revision ID: 0007_measurement_uncertainty
Revises: 0006_audit_log
Create Date: 2026-11-30 07:55:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007_measurement_uncertainty"
down_revision: str | Sequence[str] | None = "0006_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

measurements = sa.table(
    "measurements",
    sa.column("id", sa.Integer),
    sa.column("assessment_id", sa.Integer),
    sa.column("measure_id", sa.String),
    sa.column("side", sa.String),
    sa.column("value", sa.Float),
    sa.column("uncertainty", sa.Float),
)
assessments = sa.table("assessments", sa.column("id", sa.Integer), sa.column("case_doc", sa.JSON))


def upgrade() -> None:
    """Add measurements.uncertainty and fill it from the stored cases that gave one."""
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uncertainty", sa.Float(), nullable=True))
    conn = op.get_bind()
    for assessment_id, doc in conn.execute(sa.select(assessments.c.id, assessments.c.case_doc)):
        for item in (doc or {}).get("measurements") or []:
            if not isinstance(item, dict) or item.get("uncertainty") is None:
                continue
            conn.execute(
                sa.update(measurements)
                .where(
                    measurements.c.assessment_id == assessment_id,
                    measurements.c.measure_id == item.get("measure"),
                    measurements.c.side == (item.get("side") or "both"),
                    measurements.c.value == float(item.get("value")),
                )
                .values(uncertainty=float(item["uncertainty"]))
            )


def downgrade() -> None:
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_column("uncertainty")
