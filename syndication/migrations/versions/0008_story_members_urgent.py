"""Stories: each story_members row carries its article's urgent flag.

A wire joining a story marks the feeds of the story's earlier members; their partners and
urgent flags are then one index range of story_members, where they were a lookup in the
wide articles table per member (1.2 ms for a story of 1,160 members, on every join).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07

Written by hand, like 0001: a revision is history and must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A NOT NULL column needs a default to be added to existing rows (SQLite too).
    op.add_column(
        "story_members",
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    # The default is false: only the urgent articles' rows change.
    op.execute(
        "UPDATE story_members SET urgent = TRUE"
        " WHERE article_id IN (SELECT id FROM articles WHERE urgent)"
    )


def downgrade() -> None:
    with op.batch_alter_table("story_members") as batch:
        batch.drop_column("urgent")
