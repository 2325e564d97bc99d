"""Editorial control: kills, urgent overrides, embargoes, revisions and the action log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Written by hand, like every revision: history must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)  # stored in UTC (naive UTC on SQLite)


def upgrade() -> None:
    # batch mode: SQLite cannot add NOT NULL columns with defaults in place everywhere,
    # and it is a plain ALTER TABLE on PostgreSQL.
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("urgent_override", sa.Boolean))
        batch.add_column(sa.Column("embargo_until", _WHEN))
        batch.add_column(
            sa.Column("embargo_manual", sa.Boolean, nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("killed_at", _WHEN))
        batch.add_column(sa.Column("kill_reason", sa.Text))
        batch.add_column(sa.Column("revision", sa.Integer, nullable=False, server_default="1"))
        batch.create_index("ix_articles_embargo_until", ["embargo_until"])
    op.create_table(
        "editorial_events",
        sa.Column("seq", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("article_id", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_editorial_events"),
    )
    op.create_index("ix_editorial_events_article_id_seq", "editorial_events", ["article_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_editorial_events_article_id_seq", table_name="editorial_events")
    op.drop_table("editorial_events")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_embargo_until")
        for column in (
            "revision",
            "kill_reason",
            "killed_at",
            "embargo_manual",
            "embargo_until",
            "urgent_override",
        ):
            batch.drop_column(column)
