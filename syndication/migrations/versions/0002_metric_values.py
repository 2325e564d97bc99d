"""Stored metric series: the pipeline's counters and gauges that `/metrics` exposes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "metric_values",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("labels", sa.String(1000), nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("name", "labels", name="pk_metric_values"),
    )


def downgrade() -> None:
    op.drop_table("metric_values")
