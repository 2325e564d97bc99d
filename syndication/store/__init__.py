"""The store: articles, partner state and published feeds in SQLite or PostgreSQL.

    open_store(url) → Store
        ├── articles: upsert by Article.id (content_hash decides new/updated/unchanged),
        │             tombstones, latest(filters), feed_stamp(filters)
        ├── stories: a new article joins the story of a near-duplicate from another wire
        │            (syndication.stories), story_members(ids) for deduplicated feeds
        ├── editorial: kill/unkill, urgent override, embargo, the log of decisions
        ├── partners: PartnerState per partner, replaced on every poll
        ├── meta, feed files: small key/value rows, rendered feeds with their ETag
        ├── metric values: the pipeline's counters and gauges (syndication.metrics)
        └── partner health: last new item, new items per hour, recent articles and
                      failures (syndication.health, the status page)

The only user of SQLAlchemy and Alembic. Every public method is one transaction and
raises `StorageError` (naming the database, password hidden, and what to do) for any
database failure. Layout: `schema` (tables), `db` (engine, transactions, migrations,
error translation), `articles`, `editorial`, `stories`, `partners`, `metricrows`, `health`
(queries); `Store` below composes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from syndication.errors import StorageError
from syndication.model import (
    Article,
    Category,
    EditorialEvent,
    HealthNote,
    HealthRecord,
    MetricDelta,
    PartnerState,
    StoryMember,
    StorySettings,
    UpsertResult,
)
from syndication.store import articles as _articles
from syndication.store import db as _db
from syndication.store import editorial as _editorial
from syndication.store import health as _health
from syndication.store import locks as _locks
from syndication.store import metricrows as _metricrows
from syndication.store import partners as _partners
from syndication.store import stories as _stories
from syndication.store.locks import AdvisoryLock
from syndication.stories import sketch as story_sketch


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """A connection pool to one database; safe to share between threads."""

    def __init__(
        self,
        url: str,
        *,
        busy_timeout: float = _db.DEFAULT_BUSY_TIMEOUT,
        stories: StorySettings | None = None,
    ) -> None:
        self.url = url  # as given (may hold a password); `display_url` is for messages
        self.display_url = _db.redact(url)
        self.stories = stories or StorySettings()
        self._engine = _db.create_engine(url, busy_timeout=busy_timeout)

    def __repr__(self) -> str:
        return f"Store({self.display_url!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._engine.dispose()

    def ping(self) -> None:
        with _db.translate(self.display_url, "connecting"), _db.read(self._engine) as conn:
            conn.exec_driver_sql("SELECT 1")

    # --- partners -----------------------------------------------------------------------

    def get_partner_state(self, partner_id: str) -> PartnerState | None:
        with (
            _db.translate(self.display_url, f"reading the state of partner {partner_id}"),
            _db.read(self._engine) as conn,
        ):
            return _partners.get(conn, partner_id)

    def save_partner_state(self, state: PartnerState) -> None:
        with (
            _db.translate(self.display_url, f"saving the state of partner {state.partner_id}"),
            _db.write(self._engine) as conn,
        ):
            _partners.save(conn, state)

    def save_partner_states(
        self,
        states: Sequence[PartnerState],
        *,
        metrics: Sequence[MetricDelta] = (),
        health: Sequence[HealthNote] = (),
    ) -> None:
        """Save many partner states in one transaction (the last one per partner wins),
        with `metrics` and `health` notes applied in the same transaction."""
        if not states and not metrics and not health:
            return
        latest = {state.partner_id: state for state in states}
        with (
            _db.translate(self.display_url, f"saving the states of {len(latest)} partners"),
            _db.write(self._engine) as conn,
        ):
            _partners.save_many(conn, list(latest.values()))
            _metricrows.add(conn, metrics)
            _health.write(conn, health)

    def partner_states(self) -> list[PartnerState]:
        with (
            _db.translate(self.display_url, "reading partner states"),
            _db.read(self._engine) as conn,
        ):
            return _partners.all_states(conn)

    # --- articles -----------------------------------------------------------------------

    def known_item_hashes(self, ids: Collection[str]) -> dict[str, str]:
        """id → stored item_hash for the ids we know; a deleted (tombstoned) id → ""."""
        if not ids:
            return {}
        with (
            _db.translate(self.display_url, "looking up known articles"),
            _db.read(self._engine) as conn,
        ):
            return _articles.known_item_hashes(conn, ids)

    def upsert_article(self, article: Article, *, now: dt.datetime | None = None) -> UpsertResult:
        """Store one article in one transaction: "new", "updated", "unchanged" or
        "tombstoned" (deleted or killed before: nothing written). An update keeps the
        stored `published` (moved only to the end of an embargo), takes `article.updated`,
        keeps an editor's urgent override and embargo, and is logged as a correction. A new
        article joins its story in the same transaction (see store/stories.py). `now`
        (default: the clock) dates the log entries and judges embargo changes."""
        # Sketched before the transaction: CPU work need not hold the write lock.
        sketch = story_sketch(article.title, article.body_text)
        with (
            _db.translate(self.display_url, f"storing article {article.id} ({article.url})"),
            _db.write(self._engine) as conn,
        ):
            result = _articles.upsert(conn, article, now or _now())
            if result == "new":
                _stories.assign(conn, article, sketch, self.stories)
            return result

    def story_members(self, article_ids: Collection[str]) -> dict[str, tuple[StoryMember, ...]]:
        """article id → the members of its story, oldest first, for each of the given
        articles whose story has more than one member."""
        if not article_ids:
            return {}
        with (
            _db.translate(self.display_url, "reading stories"),
            _db.read(self._engine) as conn,
        ):
            return _stories.members(conn, list(article_ids))

    def delete_article(self, article_id: str, reason: str = "") -> bool:
        """Remove an article and tombstone its id so it never comes back. True if it existed."""
        with (
            _db.translate(self.display_url, f"deleting article {article_id}"),
            _db.write(self._engine) as conn,
        ):
            return _articles.delete(conn, article_id, reason, _now())

    def get_article(self, article_id: str) -> Article | None:
        with (
            _db.translate(self.display_url, f"reading article {article_id}"),
            _db.read(self._engine) as conn,
        ):
            return _articles.get(conn, article_id)

    def latest(
        self,
        *,
        limit: int,
        urgent: bool | None = None,
        category_slug: str | None = None,
        partner_id: str | None = None,
        visible_at: dt.datetime | None = None,
        since: dt.datetime | None = None,
    ) -> list[Article]:
        """The newest `limit` public articles matching every given filter (published
        DESC, then id), published at `since` or later if given: never a killed one, nor
        one embargoed past `visible_at` (now)."""
        with _db.translate(self.display_url, "selecting articles"), _db.read(self._engine) as conn:
            return _articles.latest(
                conn,
                limit=limit,
                urgent=urgent,
                category_slug=category_slug,
                partner_id=partner_id,
                visible_at=visible_at or _now(),
                since=since,
            )

    def latest_keys(
        self,
        *,
        limit: int,
        urgent: bool | None = None,
        category_slug: str | None = None,
        partner_id: str | None = None,
        visible_at: dt.datetime | None = None,
        after: tuple[dt.datetime, str] | None = None,
    ) -> list[tuple[dt.datetime, str]]:
        """(published, id) of what `latest` would return, without reading the articles;
        `after` = the last (published, id) of an earlier read continues it."""
        with _db.translate(self.display_url, "selecting articles"), _db.read(self._engine) as conn:
            return _articles.latest_keys(
                conn,
                limit=limit,
                urgent=urgent,
                category_slug=category_slug,
                partner_id=partner_id,
                visible_at=visible_at or _now(),
                after=after,
            )

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """The stored articles among `article_ids`, by id."""
        with _db.translate(self.display_url, "reading articles"), _db.read(self._engine) as conn:
            return _articles.get_many(conn, article_ids)

    def feed_stamp(
        self,
        *,
        urgent: bool | None = None,
        category_slug: str | None = None,
        partner_id: str | None = None,
    ) -> str:
        """An opaque marker that changes whenever an article of this selection is added,
        edited or deleted; equal stamps mean the feed need not be rendered again."""
        with _db.translate(self.display_url, "reading feed stamps"), _db.read(self._engine) as conn:
            return _articles.feed_stamp(
                conn, urgent=urgent, category_slug=category_slug, partner_id=partner_id
            )

    def feed_stamps(
        self, selections: Sequence[tuple[bool | None, str | None, str | None]]
    ) -> list[str]:
        """`feed_stamp` of each (urgent, category_slug, partner_id), in one query."""
        with _db.translate(self.display_url, "reading feed stamps"), _db.read(self._engine) as conn:
            return _articles.feed_stamps(conn, selections)

    def categories(self) -> list[Category]:
        """Distinct (label, slug) pairs of stored articles, sorted by slug."""
        with _db.translate(self.display_url, "listing categories"), _db.read(self._engine) as conn:
            return _articles.categories(conn)

    def count_articles(self) -> int:
        with _db.translate(self.display_url, "counting articles"), _db.read(self._engine) as conn:
            return _articles.count(conn)

    # --- editorial ----------------------------------------------------------------------

    def resolve_article_id(self, text: str) -> list[str]:
        """The ids of stored articles `text` names (whole id, or a prefix of 6+ chars)."""
        with (
            _db.translate(self.display_url, f"finding article {text}"),
            _db.read(self._engine) as conn,
        ):
            return _editorial.resolve(conn, text)

    def kill_article(
        self, article_id: str, reason: str, actor: str, now: dt.datetime | None = None
    ) -> bool:
        """Out of every output at the next publish, for good (a tombstone keeps the
        partner from bringing it back); logged. False if unknown or already killed."""
        with (
            _db.translate(self.display_url, f"killing article {article_id}"),
            _db.write(self._engine) as conn,
        ):
            return _editorial.kill(conn, article_id, reason, actor, now or _now())

    def unkill_article(self, article_id: str, actor: str, now: dt.datetime | None = None) -> bool:
        with (
            _db.translate(self.display_url, f"restoring article {article_id}"),
            _db.write(self._engine) as conn,
        ):
            return _editorial.unkill(conn, article_id, actor, now or _now())

    def set_urgent(
        self, article_id: str, urgent: bool, actor: str, now: dt.datetime | None = None
    ) -> bool:
        with (
            _db.translate(self.display_url, f"setting the urgent flag of {article_id}"),
            _db.write(self._engine) as conn,
        ):
            return _editorial.set_urgent(conn, article_id, urgent, actor, now or _now())

    def set_embargo(
        self,
        article_id: str,
        until: dt.datetime | None,
        actor: str,
        now: dt.datetime | None = None,
    ) -> bool:
        with (
            _db.translate(self.display_url, f"setting the embargo of {article_id}"),
            _db.write(self._engine) as conn,
        ):
            return _editorial.set_embargo(conn, article_id, until, actor, now or _now())

    def article_history(self, article_id: str) -> list[EditorialEvent]:
        with (
            _db.translate(self.display_url, f"reading the history of {article_id}"),
            _db.read(self._engine) as conn,
        ):
            return _editorial.history(conn, article_id)

    def list_articles(
        self,
        *,
        limit: int = 50,
        partner_id: str | None = None,
        urgent: bool | None = None,
        since: dt.datetime | None = None,
    ) -> list[Article]:
        """Newest first, killed and embargoed ones included (the editors' view)."""
        with _db.translate(self.display_url, "listing articles"), _db.read(self._engine) as conn:
            return _editorial.listing(
                conn, limit=limit, partner_id=partner_id, urgent=urgent, since=since
            )

    def killed_since(self, since: dt.datetime, *, limit: int = 100) -> list[Article]:
        with _db.translate(self.display_url, "listing kills"), _db.read(self._engine) as conn:
            return _editorial.killed_since(conn, since, limit)

    def next_embargo(self, after: dt.datetime) -> dt.datetime | None:
        """When the next embargo of a live article ends (after `after`), or None."""
        with _db.translate(self.display_url, "reading embargoes"), _db.read(self._engine) as conn:
            return _editorial.next_embargo(conn, after)

    # --- meta and feed files ------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with _db.translate(self.display_url, f"reading {key}"), _db.read(self._engine) as conn:
            return _partners.get_meta(conn, key)

    def meta_with_prefix(self, prefix: str) -> dict[str, str]:
        """Every meta entry whose key starts with `prefix` (one query for many keys)."""
        with _db.translate(self.display_url, f"reading {prefix}*"), _db.read(self._engine) as conn:
            return _partners.meta_with_prefix(conn, prefix)

    def set_meta(self, key: str, value: str, *, metrics: Sequence[MetricDelta] = ()) -> None:
        """Save one meta entry, with `metrics` applied in the same transaction."""
        with _db.translate(self.display_url, f"saving {key}"), _db.write(self._engine) as conn:
            _partners.set_meta(conn, key, value)
            _metricrows.add(conn, metrics)

    # --- metrics ------------------------------------------------------------------------

    def add_metrics(self, metrics: Sequence[MetricDelta]) -> None:
        """Apply metric changes in a transaction of their own (nothing to do: no write)."""
        if not metrics:
            return
        with (
            _db.translate(self.display_url, "saving metrics"),
            _db.write(self._engine) as conn,
        ):
            _metricrows.add(conn, metrics)

    def metric_values(self) -> list[tuple[str, str, float]]:
        """(name, labels, value) of every stored metric series."""
        with _db.translate(self.display_url, "reading metrics"), _db.read(self._engine) as conn:
            return _metricrows.all_values(conn)

    # --- partner health ---------------------------------------------------------------

    def add_health(self, notes: Sequence[HealthNote]) -> None:
        """Write health notes in a transaction of their own (none: no write)."""
        if not notes:
            return
        with (
            _db.translate(self.display_url, "saving partner health"),
            _db.write(self._engine) as conn,
        ):
            _health.write(conn, notes)

    def health_records(
        self,
        *,
        since: dt.datetime,
        recent: int = 100,
        partner_ids: Collection[str] | None = None,
    ) -> dict[str, HealthRecord]:
        """partner id → its health record: new items per hour from `since` on, page times
        and body lengths of its latest `recent` articles (one read transaction)."""
        with (
            _db.translate(self.display_url, "reading partner health"),
            _db.read(self._engine) as conn,
        ):
            return _health.records(conn, since=since, recent=recent, partner_ids=partner_ids)

    def health_events(self, partner_id: str, *, limit: int = 50) -> list[HealthNote]:
        """The partner's latest articles and failures, newest first (a week is kept)."""
        with (
            _db.translate(self.display_url, f"reading the events of partner {partner_id}"),
            _db.read(self._engine) as conn,
        ):
            return _health.events(conn, partner_id, limit=limit)

    # --- feed files ---------------------------------------------------------------------

    def save_feed_file(self, name: str, body: bytes, etag: str) -> None:
        with (
            _db.translate(self.display_url, f"saving feed file {name}"),
            _db.write(self._engine) as conn,
        ):
            _partners.save_feed_file(conn, name, body, etag, _now())

    def save_feed_files(
        self, files: Sequence[tuple[str, bytes, str]], *, meta: tuple[str, str] | None = None
    ) -> None:
        """Save (name, body, etag) copies and, in the same transaction, one meta entry
        (a feed's files and its stamp: one commit, not one per file)."""
        with (
            _db.translate(self.display_url, "saving feed files"),
            _db.write(self._engine) as conn,
        ):
            _partners.save_feed_files(conn, files, _now())
            if meta is not None:
                _partners.set_meta(conn, *meta)

    def get_feed_file(self, name: str) -> tuple[bytes, str] | None:
        """(body, etag) of a published feed file, or None."""
        with (
            _db.translate(self.display_url, f"reading feed file {name}"),
            _db.read(self._engine) as conn,
        ):
            return _partners.get_feed_file(conn, name)

    def delete_feed_files(self, names: Collection[str]) -> int:
        """Remove published feed files by name (a feed that became private or public);
        returns how many existed."""
        if not names:
            return 0
        with (
            _db.translate(self.display_url, f"removing {len(names)} feed files"),
            _db.write(self._engine) as conn,
        ):
            return _partners.delete_feed_files(conn, names)

    def feed_file_etags(self) -> dict[str, str]:
        with (
            _db.translate(self.display_url, "reading feed file ETags"),
            _db.read(self._engine) as conn,
        ):
            return _partners.feed_file_etags(conn)

    def feed_file_versions(self) -> dict[str, tuple[str, dt.datetime]]:
        """name → (etag, saved_at) of every published feed file (serving nodes poll this)."""
        with (
            _db.translate(self.display_url, "reading feed file versions"),
            _db.read(self._engine) as conn,
        ):
            return _partners.feed_file_versions(conn)

    # --- cluster coordination (PostgreSQL only) -----------------------------------------

    def try_advisory_lock(self, name: str) -> AdvisoryLock | None:
        """Take the named session-level advisory lock on a connection of its own, or None
        when another process holds it. Use as a context manager, or `release()` it;
        `alive()` re-checks it. PostgreSQL frees it when the holder dies."""
        if self._engine.dialect.name != "postgresql":
            raise StorageError(
                f"{self.display_url}: advisory locks need PostgreSQL",
                hint="cluster mode needs [storage] url = postgresql+psycopg://user@host/db",
            )
        with _db.translate(self.display_url, f"taking the lock {name!r}"):
            return _locks.try_lock(self._engine, name)


def open_store(
    url: str,
    *,
    migrate: bool = True,
    busy_timeout: float = _db.DEFAULT_BUSY_TIMEOUT,
    stories: StorySettings | None = None,
) -> Store:
    """Open (and by default migrate) the store at `url`.

    `sqlite:///path/file.db` (the directory is created; WAL) or
    `postgresql+psycopg://user@host/db`. `busy_timeout` is how many seconds a write waits
    for another process's lock (SQLite) or for the connection (PostgreSQL) before
    failing with `StorageError`. With `migrate=False` the schema must already be current.
    `stories` ([stories] in config.toml) decides when two articles are one story.
    """
    store = Store(url, busy_timeout=busy_timeout, stories=stories)
    try:
        action = "upgrading the schema" if migrate else "checking the schema"
        with _db.translate(store.display_url, action):
            if migrate:
                _db.migrate(store._engine)
            else:
                _db.check_revision(store._engine, store.display_url)
    except BaseException:
        store.close()
        raise
    return store


__all__ = ["AdvisoryLock", "Store", "open_store"]
