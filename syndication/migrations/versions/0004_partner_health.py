"""Partner health: per-partner counters, new items per hour, recent articles and failures.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Written by hand, like 0001: a revision is history and must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)  # stored in UTC (naive UTC on SQLite)


def upgrade() -> None:
    op.create_table(
        "partner_health",
        sa.Column("partner_id", sa.String(255), nullable=False),
        sa.Column("first_seen_at", _WHEN, nullable=True),
        sa.Column("last_new_item_at", _WHEN, nullable=True),
        sa.Column("last_error_at", _WHEN, nullable=True),
        sa.Column("last_error_class", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("partner_id", name="pk_partner_health"),
    )
    op.create_table(
        "partner_hours",
        sa.Column("partner_id", sa.String(255), nullable=False),
        sa.Column("hour", _WHEN, nullable=False),
        sa.Column("new_items", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("partner_id", "hour", name="pk_partner_hours"),
    )
    op.create_table(
        "partner_events",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("partner_id", sa.String(255), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("seconds", sa.Double, nullable=True),
        sa.Column("body_chars", sa.Integer, nullable=True),
        sa.Column("error_class", sa.String(200), nullable=True),
        sa.Column("message", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_partner_events"),
    )
    op.create_index(
        "ix_partner_events_partner_id_kind_at", "partner_events", ["partner_id", "kind", "at"]
    )


def downgrade() -> None:
    op.drop_index("ix_partner_events_partner_id_kind_at", table_name="partner_events")
    op.drop_table("partner_events")
    op.drop_table("partner_hours")
    op.drop_table("partner_health")
