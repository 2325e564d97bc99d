"""Stories: which articles are one story from several wires (syndication/stories).

Articles stored before this revision have no row: each is a story of its own.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)  # stored in UTC (naive UTC on SQLite), as in 0001


def upgrade() -> None:
    op.create_table(
        "story_members",
        sa.Column("article_id", sa.String(255), nullable=False),
        sa.Column("story_id", sa.String(255), nullable=False),
        sa.Column("partner_id", sa.String(255), nullable=False),
        sa.Column("published", _WHEN, nullable=False),
        sa.Column("sketch", sa.LargeBinary, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_story_members_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", name="pk_story_members"),
    )
    op.create_index("ix_story_members_story_id", "story_members", ["story_id"])
    op.create_table(
        "story_keys",
        sa.Column("hash", sa.BigInteger, nullable=False),
        sa.Column("article_id", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_story_keys_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("hash", "article_id", name="pk_story_keys"),
    )


def downgrade() -> None:
    op.drop_table("story_keys")
    op.drop_index("ix_story_members_story_id", table_name="story_members")
    op.drop_table("story_members")
