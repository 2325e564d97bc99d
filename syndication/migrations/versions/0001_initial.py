"""Initial schema: articles, categories, tombstones, change marks, partners, meta, feeds.

Revision ID: 0001
Revises:
Create Date: 2026-05-10

Written by hand rather than imported from `syndication.store.schema`: a revision is
history and must keep building the same tables when the schema module moves on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_ID = sa.String(255)
_WHEN = sa.DateTime(timezone=True)  # stored in UTC (naive UTC on SQLite)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("id", _ID, nullable=False),
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("guid", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("blocks", sa.Text, nullable=False),
        sa.Column("images", sa.Text, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("published", _WHEN, nullable=False),
        sa.Column("updated", _WHEN, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("item_hash", sa.String(128), nullable=False),
        sa.Column("change_seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
    )
    op.create_index("ix_articles_published_id", "articles", ["published", "id"])
    op.create_index("ix_articles_urgent_published_id", "articles", ["urgent", "published", "id"])
    op.create_index(
        "ix_articles_partner_id_published_id", "articles", ["partner_id", "published", "id"]
    )

    op.create_table(
        "article_categories",
        sa.Column("article_id", _ID, nullable=False),
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("published", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("article_id", "slug", name="pk_article_categories"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_categories_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("slug <> ''", name=op.f("ck_article_categories_slug_not_empty")),
        sa.CheckConstraint("label <> ''", name=op.f("ck_article_categories_label_not_empty")),
    )
    op.create_index(
        "ix_article_categories_slug_published_article_id",
        "article_categories",
        ["slug", "published", "article_id"],
    )

    op.create_table(
        "category_counts",
        sa.Column("slug", sa.String(255), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("articles", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("slug", "label", name="pk_category_counts"),
    )

    op.create_table(
        "tombstones",
        sa.Column("article_id", _ID, nullable=False),
        sa.Column("partner_id", _ID),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("deleted_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("article_id", name="pk_tombstones"),
    )

    op.create_table(
        "selection_marks",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_selection_marks"),
    )

    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.bulk_insert(counters, [{"name": "change_seq", "value": 0}])

    op.create_table(
        "partner_states",
        sa.Column("partner_id", _ID, nullable=False),
        sa.Column("feed_url", sa.Text),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("body_hash", sa.String(128)),
        sa.Column("next_check_at", _WHEN),
        sa.Column("consecutive_errors", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("last_attempt_at", _WHEN),
        sa.Column("last_success_at", _WHEN),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("identity", sa.String(16), nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name="pk_partner_states"),
    )

    op.create_table(
        "meta",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_meta"),
    )

    op.create_table(
        "feed_files",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("etag", sa.String(255), nullable=False),
        sa.Column("saved_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_feed_files"),
    )


def downgrade() -> None:
    for table in (
        "feed_files",
        "meta",
        "partner_states",
        "counters",
        "selection_marks",
        "tombstones",
        "category_counts",
        "article_categories",
        "articles",
    ):
        op.drop_table(table)
