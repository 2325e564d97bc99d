"""Editorial decisions on stored articles: kill, unkill, urgent override, embargo, and
the log of every decision (`editorial_events`).

A kill keeps the article's row (so `unkill` can restore it) with `killed_at` set, and
writes a tombstone, which `upsert` checks first: the partner can never bring the story
back while it is killed. Every change takes a new `change_seq` value and marks the
selections the article was and is in, so the next publish renders exactly the feeds
that carried it. Each function takes an open connection; the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from syndication.model import Article, EditorialEvent
from syndication.store import db
from syndication.store.articles import (
    _article,
    categories_of,
    mark,
    moved_published,
    next_seq,
    record_event,
    selection_keys,
    set_member_urgent,
)
from syndication.store.schema import article_categories, articles, editorial_events, tombstones

MIN_PREFIX = 6  # characters of an id an editor may type instead of all 32


def resolve(conn: Connection, text: str) -> list[str]:
    """The article ids `text` names: the id itself, or the ids it is a prefix of (at
    least MIN_PREFIX characters). Killed articles count; tombstoned-only ids do not."""
    text = text.strip().lower()
    exact = conn.execute(sa.select(articles.c.id).where(articles.c.id == text)).first()
    if exact is not None:
        return [str(exact.id)]
    if len(text) < MIN_PREFIX or not text.isalnum():
        return []
    rows = conn.execute(
        sa.select(articles.c.id)
        .where(articles.c.id.like(text + "%"))
        .order_by(articles.c.id)
        .limit(10)
    )
    return [str(row.id) for row in rows]


def _state(conn: Connection, article_id: str) -> Any:
    db.lock_article(conn, article_id)
    return conn.execute(
        sa.select(
            articles.c.partner_id,
            articles.c.urgent,
            articles.c.killed_at,
            articles.c.published,
            articles.c.embargo_until,
        ).where(articles.c.id == article_id)
    ).first()


def _slugs(conn: Connection, article_id: str) -> list[str]:
    rows = conn.execute(
        sa.select(article_categories.c.slug).where(article_categories.c.article_id == article_id)
    )
    return [str(row.slug) for row in rows]


def _touch(conn: Connection, article_id: str, partner_id: str, urgents: Sequence[bool]) -> None:
    """Mark every selection the article is in (with each urgent value it had or has)."""
    seq = next_seq(conn)
    conn.execute(sa.update(articles).where(articles.c.id == article_id).values(change_seq=seq))
    slugs = _slugs(conn, article_id)
    keys: set[str] = set()
    for urgent in urgents:
        keys |= selection_keys(partner_id, urgent, slugs)
    mark(conn, keys, seq)


def kill(conn: Connection, article_id: str, reason: str, actor: str, now: dt.datetime) -> bool:
    """Take the article out of every output for good; False if it was already killed."""
    stored = _state(conn, article_id)
    if stored is None or stored.killed_at is not None:
        return False
    conn.execute(
        sa.update(articles)
        .where(articles.c.id == article_id)
        .values(killed_at=now, kill_reason=reason)
    )
    db.upsert(
        conn,
        tombstones,
        [
            {
                "article_id": article_id,
                "partner_id": stored.partner_id,
                "reason": reason,
                "deleted_at": now,
            }
        ],
        ["article_id"],
    )
    _touch(conn, article_id, str(stored.partner_id), [bool(stored.urgent)])
    record_event(
        conn,
        article_id,
        "kill" if not actor.startswith("partner:") else "withdrawn",
        reason,
        actor,
        now,
    )
    return True


def unkill(conn: Connection, article_id: str, actor: str, now: dt.datetime) -> bool:
    """Bring a killed article back; False if it was not killed."""
    stored = _state(conn, article_id)
    if stored is None or stored.killed_at is None:
        return False
    conn.execute(
        sa.update(articles)
        .where(articles.c.id == article_id)
        .values(killed_at=None, kill_reason=None)
    )
    conn.execute(sa.delete(tombstones).where(tombstones.c.article_id == article_id))
    _touch(conn, article_id, str(stored.partner_id), [bool(stored.urgent)])
    record_event(conn, article_id, "unkill", "restored", actor, now)
    return True


def set_urgent(
    conn: Connection, article_id: str, urgent: bool, actor: str, now: dt.datetime
) -> bool:
    """Override the urgent flag (kept over what later polls detect); False if unknown."""
    stored = _state(conn, article_id)
    if stored is None:
        return False
    conn.execute(
        sa.update(articles)
        .where(articles.c.id == article_id)
        .values(urgent=urgent, urgent_override=urgent)
    )
    set_member_urgent(conn, article_id, urgent)
    _touch(conn, article_id, str(stored.partner_id), [bool(stored.urgent), urgent])
    record_event(conn, article_id, "urgent", "on" if urgent else "off", actor, now)
    return True


def set_embargo(
    conn: Connection,
    article_id: str,
    until: dt.datetime | None,
    actor: str,
    now: dt.datetime,
) -> bool:
    """Hold the article until `until` (None: lift the embargo now); the partner's
    embargo field no longer changes it. False if unknown."""
    stored = _state(conn, article_id)
    if stored is None:
        return False
    published = stored.published
    assert isinstance(published, dt.datetime)
    published = moved_published(published, until, now)
    conn.execute(
        sa.update(articles)
        .where(articles.c.id == article_id)
        .values(embargo_until=until, embargo_manual=True, published=published)
    )
    conn.execute(
        sa.update(article_categories)
        .where(article_categories.c.article_id == article_id)
        .values(published=published)
    )
    _touch(conn, article_id, str(stored.partner_id), [bool(stored.urgent)])
    detail = f"until {until.astimezone(dt.UTC).isoformat()}" if until else "lifted"
    record_event(conn, article_id, "embargo", detail, actor, now)
    return True


def history(conn: Connection, article_id: str) -> list[EditorialEvent]:
    rows = conn.execute(
        sa.select(editorial_events)
        .where(editorial_events.c.article_id == article_id)
        .order_by(editorial_events.c.seq)
    ).mappings()
    return [
        EditorialEvent(
            article_id=row["article_id"],
            action=row["action"],
            detail=row["detail"],
            actor=row["actor"],
            at=row["at"],
        )
        for row in rows
    ]


def listing(
    conn: Connection,
    *,
    limit: int,
    partner_id: str | None,
    urgent: bool | None,
    since: dt.datetime | None,
) -> list[Article]:
    """What an editor sees: newest first, killed and embargoed articles included."""
    query = sa.select(articles)
    if partner_id is not None:
        query = query.where(articles.c.partner_id == partner_id)
    if urgent is not None:
        query = query.where(articles.c.urgent == urgent)
    if since is not None:
        query = query.where(articles.c.published >= since)
    rows = (
        conn.execute(query.order_by(articles.c.published.desc(), articles.c.id).limit(limit))
        .mappings()
        .all()
    )
    cats = categories_of(conn, [row["id"] for row in rows])
    return [_article(row, cats[row["id"]]) for row in rows]


def killed_since(conn: Connection, since: dt.datetime, limit: int) -> list[Article]:
    """Articles killed at or after `since`, newest kill first (for outputs that announce
    kills, such as ninjs `pubStatus: canceled`)."""
    rows = (
        conn.execute(
            sa.select(articles)
            .where(articles.c.killed_at >= since)
            .order_by(articles.c.killed_at.desc(), articles.c.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    cats = categories_of(conn, [row["id"] for row in rows])
    return [_article(row, cats[row["id"]]) for row in rows]


def next_embargo(conn: Connection, after: dt.datetime) -> dt.datetime | None:
    """The earliest embargo of a live article still to end after `after`."""
    value = conn.execute(
        sa.select(articles.c.embargo_until)
        .where(articles.c.embargo_until > after, articles.c.killed_at.is_(None))
        .order_by(articles.c.embargo_until)
        .limit(1)
    ).scalar_one_or_none()
    assert value is None or isinstance(value, dt.datetime)
    return value


__all__ = [
    "MIN_PREFIX",
    "history",
    "kill",
    "killed_since",
    "listing",
    "next_embargo",
    "resolve",
    "set_embargo",
    "set_urgent",
    "unkill",
]
