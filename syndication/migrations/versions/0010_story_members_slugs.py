"""Stories: each story_members row carries its article's category slugs.

A wire joining a story marks the feeds of the story's earlier members: their partners and
urgent flags came from story_members (0008), their categories from a lookup in
article_categories per member (0.8 ms of SQL on every join to a story of 1,000 members).
Now all three are one index range of story_members.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07

Written by hand, like 0001: a revision is history and must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A NOT NULL column needs a default to be added to existing rows (SQLite too).
    op.add_column(
        "story_members",
        sa.Column("slugs", sa.Text, nullable=False, server_default=""),
    )
    # Slugs are [a-z0-9-]: a space separates them. Their order is not read.
    joined = (
        "string_agg(slug, ' ' ORDER BY position)"
        if op.get_bind().dialect.name == "postgresql"
        else "group_concat(slug, ' ')"
    )
    op.execute(
        f"UPDATE story_members SET slugs = COALESCE((SELECT {joined} FROM article_categories"
        " WHERE article_categories.article_id = story_members.article_id), '')"
    )


def downgrade() -> None:
    with op.batch_alter_table("story_members") as batch:
        batch.drop_column("slugs")
