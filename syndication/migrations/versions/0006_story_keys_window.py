"""Stories: each story_keys row carries its article's partner and publication time.

A candidate search then reads one (hash, published) range per sketch value, the window
around the newcomer, instead of every article that ever had the value: the cost of
assigning a story stays flat as the store grows (syndication/store/stories.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Written by hand, like 0001: a revision is history and must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)  # stored in UTC (naive UTC on SQLite), as in 0001


def upgrade() -> None:
    # Batch mode: SQLite cannot add a NOT NULL column without a default, nor alter one.
    with op.batch_alter_table("story_keys") as batch:
        batch.add_column(sa.Column("partner_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("published", _WHEN, nullable=True))
    op.execute(
        "UPDATE story_keys SET"
        " partner_id = (SELECT m.partner_id FROM story_members m"
        "               WHERE m.article_id = story_keys.article_id),"
        " published = (SELECT m.published FROM story_members m"
        "              WHERE m.article_id = story_keys.article_id)"
    )
    # A key without a member row has no sketch to be compared with: it could never match.
    op.execute("DELETE FROM story_keys WHERE partner_id IS NULL OR published IS NULL")
    with op.batch_alter_table("story_keys") as batch:
        batch.alter_column("partner_id", existing_type=sa.String(255), nullable=False)
        batch.alter_column("published", existing_type=_WHEN, nullable=False)
    op.create_index("ix_story_keys_hash_published", "story_keys", ["hash", "published"])


def downgrade() -> None:
    op.drop_index("ix_story_keys_hash_published", table_name="story_keys")
    with op.batch_alter_table("story_keys") as batch:
        batch.drop_column("published")
        batch.drop_column("partner_id")
