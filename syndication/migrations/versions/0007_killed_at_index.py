"""Articles: an index on killed_at.

Every publish run reads the kills of the last 48 hours for the ninjs take-down notices;
without an index that read scanned the whole articles table (70 ms at 50,000 articles,
most of a one-article publish).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Written by hand, like 0001: a revision is history and must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Partial: see the index in syndication/store/schema.py.
    live = sa.text("killed_at IS NOT NULL")
    op.create_index(
        "ix_articles_killed_at",
        "articles",
        ["killed_at"],
        sqlite_where=live,
        postgresql_where=live,
    )


def downgrade() -> None:
    op.drop_index("ix_articles_killed_at", table_name="articles")
