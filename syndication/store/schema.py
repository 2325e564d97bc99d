"""The tables of the store, as SQLAlchemy Core metadata.

This is the *current* shape of the schema; the Alembic revisions in
`syndication/migrations/versions/` build it step by step, and a test checks that
`upgrade head` yields exactly these tables. Change both together.

Dates are stored in UTC: SQLite has no time zone type, so `UTCDateTime` strips the zone
on the way in and puts UTC back on the way out, on every backend alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """An aware datetime, stored as UTC, returned as an aware UTC datetime."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is a bug upstream: guessing its zone would silently shift news.
            raise ValueError(f"naive datetime {value.isoformat()} given to the store")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


_KILLED = sa.text("killed_at IS NOT NULL")  # the rows of the partial index on killed_at

articles = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("partner_id", sa.String(255), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("guid", sa.Text),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("body_html", sa.Text, nullable=False),
    sa.Column("blocks", sa.Text, nullable=False),  # JSON list of {kind, text}
    sa.Column("images", sa.Text, nullable=False),  # JSON list of Image fields
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime, nullable=False),
    sa.Column("author", sa.Text),
    sa.Column("language", sa.String(35), nullable=False),
    sa.Column("content_hash", sa.String(128), nullable=False),
    sa.Column("item_hash", sa.String(128), nullable=False),
    # Value of the global change counter at the last content write (see `counters`).
    sa.Column("change_seq", sa.BigInteger, nullable=False),
    # Editorial state (migration 0003, docs/editorial.md). urgent_override: an editor's
    # on/off that wins over detection (`urgent` then holds it); embargo_manual: the
    # embargo was set by an editor, so the partner's field no longer moves it.
    sa.Column("urgent_override", sa.Boolean),
    sa.Column("embargo_until", UTCDateTime),
    sa.Column("embargo_manual", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("killed_at", UTCDateTime),
    sa.Column("kill_reason", sa.Text),
    sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
    # The indexes behind `latest()`: each feed selection is a backward range scan.
    sa.Index(None, "published", "id"),
    sa.Index(None, "embargo_until"),  # the next embargo to lift (publish, the daemon)
    # The last 48 hours' kills, read by every publish run. Partial: a plain index also
    # answers `killed_at IS NULL` (every live article), and SQLite then took it over the
    # story and embargo indexes for queries that filter on live articles.
    sa.Index(None, "killed_at", sqlite_where=_KILLED, postgresql_where=_KILLED),
    sa.Index(None, "urgent", "published", "id"),
    sa.Index(None, "partner_id", "published", "id"),
)

article_categories = sa.Table(
    "article_categories",
    metadata,
    sa.Column(
        "article_id",
        sa.String(255),
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("slug", sa.String(255), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # keeps Article.categories order
    sa.Column("label", sa.Text, nullable=False),
    # Copy of articles.published so a category feed is one index range scan.
    sa.Column("published", UTCDateTime, nullable=False),
    sa.CheckConstraint("slug <> ''", name="slug_not_empty"),
    sa.CheckConstraint("label <> ''", name="label_not_empty"),
    sa.Index(None, "slug", "published", "article_id"),
)

# How many stored articles carry each (slug, label): categories() reads this small table
# instead of a DISTINCT over every article's categories.
category_counts = sa.Table(
    "category_counts",
    metadata,
    sa.Column("slug", sa.String(255), primary_key=True),
    sa.Column("label", sa.Text, primary_key=True),
    sa.Column("articles", sa.Integer, nullable=False),
)

tombstones = sa.Table(
    "tombstones",
    metadata,
    sa.Column("article_id", sa.String(255), primary_key=True),
    sa.Column("partner_id", sa.String(255)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("deleted_at", UTCDateTime, nullable=False),
)

# One row per feed selection ("all", "urgent:1", "category:<slug>", "partner:<id>"): the
# change counter value of the last write that touched it. feed_stamp() is one PK lookup.
selection_marks = sa.Table(
    "selection_marks",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
)

# Monotonic counters that never go back (a max()+1 would reuse the number of a deleted
# article and a stamp could repeat). Row "change_seq" is seeded by the first migration.
counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

partner_states = sa.Table(
    "partner_states",
    metadata,
    sa.Column("partner_id", sa.String(255), primary_key=True),
    sa.Column("feed_url", sa.Text),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("body_hash", sa.String(128)),
    sa.Column("next_check_at", UTCDateTime),
    sa.Column("consecutive_errors", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("last_attempt_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("disabled_reason", sa.Text),
    sa.Column("identity", sa.String(16), nullable=False),
    sa.Column("warnings", sa.Text, nullable=False),  # JSON list of strings
)

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

feed_files = sa.Table(
    "feed_files",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("etag", sa.String(255), nullable=False),
    sa.Column("saved_at", UTCDateTime, nullable=False),
)

# The pipeline's Prometheus counters and gauges, kept here because the processes that
# count (cron runs, the daemon, cluster workers) are not the one `/metrics` is scraped
# from (see syndication/metrics.py). One row per series: metric name + encoded labels.
metric_values = sa.Table(
    "metric_values",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("labels", sa.String(1000), primary_key=True),
    sa.Column("value", sa.Double, nullable=False),  # counts, sums and Unix times
)

# --- partner health (syndication/health.py, the status page) ---------------------------
# One row per partner: what outlives the week of events below (when it last sent
# something new, its last error even after it recovered).
partner_health = sa.Table(
    "partner_health",
    metadata,
    sa.Column("partner_id", sa.String(255), primary_key=True),
    sa.Column("first_seen_at", UTCDateTime),  # first poll noted: "quiet since" before any item
    sa.Column("last_new_item_at", UTCDateTime),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("last_error_class", sa.String(200)),
    sa.Column("last_error", sa.Text),
)

# New items per partner per UTC hour (the sparkline, 24 h / 7 d counts); a week is kept.
partner_hours = sa.Table(
    "partner_hours",
    metadata,
    sa.Column("partner_id", sa.String(255), primary_key=True),
    sa.Column("hour", UTCDateTime, primary_key=True),
    sa.Column("new_items", sa.Integer, nullable=False),
)

# A partner's recent articles (page time, body length) and failures; a week is kept.
partner_events = sa.Table(
    "partner_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("partner_id", sa.String(255), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # article, page_failed, poll_failed
    sa.Column("url", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("seconds", sa.Double),
    sa.Column("body_chars", sa.Integer),
    sa.Column("error_class", sa.String(200)),
    sa.Column("message", sa.Text),
    sa.Index(None, "partner_id", "kind", "at"),
)

# --- stories (syndication/stories): one story from many wires ----------------------------

# One row per article clustered since the stories tables exist: the story it belongs to
# (the id of the story's first article) and its text sketch, read back to compare a newer
# article with it. An article without a row is a story of its own.
story_members = sa.Table(
    "story_members",
    metadata,
    sa.Column(
        "article_id",
        sa.String(255),
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("story_id", sa.String(255), nullable=False),
    # Copies of articles.partner_id and .published: candidates are filtered on them
    # without reading articles.
    sa.Column("partner_id", sa.String(255), nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column("sketch", sa.LargeBinary, nullable=False),
    # Copy of articles.urgent, written with it (store/articles.py, store/editorial.py): a
    # join marks the feeds of the story's earlier members from this table alone, not a
    # lookup in articles per member of a story hundreds of wires long.
    sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
    # Copy of the article's category slugs, space-separated, kept with them (store/
    # articles.py): the same join reads its members' categories here, not a lookup in
    # article_categories per member.
    sa.Column("slugs", sa.Text, nullable=False, server_default=""),
    sa.Index(None, "story_id"),
)

# Inverted index over the sketch values: articles that share several of them are the
# candidates a new article is compared with. Each row carries its article's partner and
# publication time so that one range of (hash, published) is the whole scan for a value:
# the window bounds it, not the size of the store (syndication/store/stories.py).
story_keys = sa.Table(
    "story_keys",
    metadata,
    sa.Column("hash", sa.BigInteger, nullable=False),
    sa.Column("published", UTCDateTime, nullable=False),
    sa.Column(
        "article_id",
        sa.String(255),
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("partner_id", sa.String(255), nullable=False),
    # The candidate search reads ranges of (hash, published): the key is that order, and
    # on SQLite the table itself (one entry a key, its rows where the range lies;
    # migration 0009). Its columns come first, in its order (see 0009 for why).
    sa.PrimaryKeyConstraint("hash", "published", "article_id"),
    sqlite_with_rowid=False,
)

# Every editorial decision on an article, newest last: `articles history ID`. No foreign
# key: the record outlives the article.
editorial_events = sa.Table(
    "editorial_events",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("article_id", sa.String(255), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index(None, "article_id", "seq"),
)

CHANGE_SEQ = "change_seq"

__all__ = [
    "CHANGE_SEQ",
    "UTCDateTime",
    "article_categories",
    "articles",
    "category_counts",
    "counters",
    "editorial_events",
    "feed_files",
    "meta",
    "metadata",
    "metric_values",
    "partner_events",
    "partner_health",
    "partner_hours",
    "partner_states",
    "selection_marks",
    "story_keys",
    "story_members",
    "tombstones",
]
