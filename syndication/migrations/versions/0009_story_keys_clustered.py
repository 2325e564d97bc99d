"""Stories: story_keys is kept in the order the candidate search reads it.

The search reads, for each of a new article's 32 indexed values, the keys published
nearest to it: a range of (hash, published). The table was a rowid table with two
indexes beside it, (hash, article_id) and (hash, published), so each new article wrote
64 index entries on pages all over both indexes, and every key the search read was
looked up again in the table for its article and partner. Now (hash, published,
article_id) is the primary key and, on SQLite, the table itself (WITHOUT ROWID): one
entry a key, and the search reads its rows where the range lies.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07

Written by hand, like 0001: a revision is history and must keep building the same tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_WHEN = sa.DateTime(timezone=True)  # stored in UTC (naive UTC on SQLite), as in 0001
_COLUMNS = "hash, article_id, partner_id, published"


def _create(order: tuple[str, ...], primary_key: tuple[str, ...], **kwargs: bool) -> None:
    columns: dict[str, sa.Column[object]] = {
        "hash": sa.Column("hash", sa.BigInteger, nullable=False),
        "article_id": sa.Column(
            "article_id",
            sa.String(255),
            sa.ForeignKey(
                "articles.id", name="fk_story_keys_article_id_articles", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        "partner_id": sa.Column("partner_id", sa.String(255), nullable=False),
        "published": sa.Column("published", _WHEN, nullable=False),
    }
    op.create_table(
        "story_keys",
        *(columns[name] for name in order),
        sa.PrimaryKeyConstraint(*primary_key, name="pk_story_keys"),
        **kwargs,
    )


def _rebuild(order: tuple[str, ...], primary_key: tuple[str, ...], **kwargs: bool) -> None:
    """story_keys again with another primary key, its rows kept. The old table (and its
    indexes with it) goes before the new one is made: PostgreSQL names constraints per
    schema, not per table."""
    op.execute(f"CREATE TABLE story_keys_copy AS SELECT {_COLUMNS} FROM story_keys")
    op.drop_table("story_keys")
    _create(order, primary_key, **kwargs)
    op.execute(f"INSERT INTO story_keys ({_COLUMNS}) SELECT {_COLUMNS} FROM story_keys_copy")
    op.drop_table("story_keys_copy")


def upgrade() -> None:
    # The key's columns first, in its order: SQLite 3.40's integrity_check reports a
    # false "NULL value" in a WITHOUT ROWID table whose other NOT NULL columns come
    # between its key's columns.
    key = ("hash", "published", "article_id")
    _rebuild((*key, "partner_id"), key, sqlite_with_rowid=False)


def downgrade() -> None:
    _rebuild(("hash", "article_id", "partner_id", "published"), ("hash", "article_id"))
    op.create_index("ix_story_keys_hash_published", "story_keys", ["hash", "published"])
