"""Stories: the article → story assignment, and the members of the stories of a feed.

A new article is compared with the articles of other partners published within the
window around it that share at least `MIN_SHARED` of its indexed sketch values
(story_keys, an inverted index over the smallest values; the `CANDIDATES` sharing most),
and joins the story of the one it resembles most if that one reaches the threshold
(`syndication.stories.same_story`); else it starts a story of its own, named by its id.
Another partner only: one partner's own near-identical items (a follow-up, a live page,
a template) are its editorial choice, not several wires of one story. The assignment is
made once, when the article is first stored: an edit does not move an article between
stories (a feed item must not jump around).

Each value is read as one range of story_keys' primary key (hash, published, article_id:
on SQLite the table itself), and at most `PER_KEY` rows of it, those published nearest the
newcomer (half before, half after): a value many articles share (a line a partner repeats
under every story, a stock phrase) would otherwise make every assignment read all of them,
and the cost of storing an article would grow with the store. A real copy from another
wire shares most values, the rare ones too, so it is still found through those.

Runs inside the article's upsert transaction (Store.upsert_article): the article, its
story row and the marks that make the story's feeds render again commit together.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from syndication.model import Article, StoryMember, StorySettings
from syndication.store import articles as _articles
from syndication.store import db
from syndication.store.schema import (
    CHANGE_SEQ,
    UTCDateTime,
    article_categories,
    articles,
    counters,
    story_keys,
    story_members,
)
from syndication.stories import INDEXED, MIN_SHARED, Sketch, index_keys, story_score

CANDIDATES = 20  # compared at most, those sharing most values first
PER_KEY = 64  # rows read per indexed value, nearest in time to the newcomer


# Built once: constructing a statement (and its cache key) on every article cost more
# than running it.
_ADD_MEMBER = sa.insert(story_members)
_ADD_KEYS = sa.insert(story_keys)
_KEY_COLUMNS = ("hash", "published", "article_id", "partner_id")
_SKETCHES = (
    sa.select(story_members.c.article_id, story_members.c.story_id, story_members.c.sketch)
    .where(story_members.c.article_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(story_members.c.article_id)
)
_CHANGE_SEQ = sa.select(counters.c.value).where(counters.c.name == CHANGE_SEQ)


@functools.lru_cache(maxsize=4)  # one entry per dialect
def _earlier(dialect: str) -> sa.Select[Any]:
    """The distinct partners, categories and urgent flags of a story's members other than
    the newcomer, aggregated in the database into one row, not hundreds (one per distinct
    combination): the driver gives up and takes back the GIL for every row it steps
    through, and under load the write lock is held through each hand-off."""
    c = story_members.c
    if dialect == "postgresql":
        partners = sa.func.json_agg(sa.distinct(c.partner_id))
        slugs = sa.func.json_agg(sa.distinct(c.slugs))
        some, every = sa.func.bool_or(c.urgent), sa.func.bool_and(c.urgent)
    else:
        partners = sa.func.json_group_array(sa.distinct(c.partner_id))
        slugs = sa.func.json_group_array(sa.distinct(c.slugs))
        some, every = sa.func.max(c.urgent), sa.func.min(c.urgent)
    return sa.select(sa.func.count(), partners, slugs, some, every).where(
        c.story_id == sa.bindparam("story"), c.article_id != sa.bindparam("newcomer")
    )


def _json_list(value: object) -> list[str]:
    """A JSON array from the database: a list already (psycopg) or its text (SQLite)."""
    found: Any = json.loads(value) if isinstance(value, str | bytes) else value
    return [str(v) for v in found or ()]


def assign(conn: Connection, article: Article, sketch: Sketch, settings: StorySettings) -> str:
    """Record the story of a newly stored article; returns its story id."""
    story_id = article.id
    if settings.enabled and sketch.usable:
        best = _best_match(conn, article, sketch, settings)
        if best is not None:
            story_id = best
    conn.execute(
        _ADD_MEMBER,
        {
            "article_id": article.id,
            "story_id": story_id,
            "partner_id": article.partner_id,
            "published": article.published,
            "sketch": sketch.to_bytes(),
            "urgent": article.urgent,
            "slugs": _articles.member_slugs(c.slug for c in article.categories),
        },
    )
    if sketch.usable:
        db.insert_rows(
            conn,
            _ADD_KEYS,
            _KEY_COLUMNS,
            [
                (h, article.published, article.id, article.partner_id)
                for h in sorted(set(index_keys(sketch)))
            ],
        )
    if story_id != article.id:
        _touch_story(conn, story_id, article.id)
    return story_id


def candidates(
    conn: Connection, article: Article, sketch: Sketch, settings: StorySettings
) -> list[str]:
    """Ids of the other partners' articles in the window that share at least MIN_SHARED
    indexed values with `sketch`, those sharing most first (at most CANDIDATES)."""
    values = sorted(set(index_keys(sketch)))
    if not values:
        return []
    params = scan_params(article, values, settings, conn.dialect)
    counted = conn.execute(
        _counted(len(values)), {**params, "least": MIN_SHARED, "most": CANDIDATES}
    )
    return [str(a) for a, _ in counted]


def scan_params(
    article: Article, values: Sequence[int], settings: StorySettings, dialect: Dialect
) -> dict[str, object]:
    """The parameters of `_scans(len(values))` for `article`'s search on `dialect`."""
    window = dt.timedelta(hours=settings.window)
    params: dict[str, object] = {f"h{i}": h for i, h in enumerate(values)}
    # The times go in already in the column's stored form: the statement names each of
    # them 2n times, and a typed parameter is converted at every use (128 conversions,
    # most of the search's Python time, where 3 do).
    when = _when(dialect)
    params.update(
        partner=article.partner_id,
        lo=when(article.published - window),
        at=when(article.published),
        hi=when(article.published + window),
        per=PER_KEY // 2,
    )
    return params


@functools.lru_cache(maxsize=4)  # one entry per engine's dialect; a process has one or two
def _when(dialect: Dialect) -> Callable[[dt.datetime], object]:
    """A datetime as the story_keys.published column stores it on `dialect`."""
    process = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


@functools.lru_cache(maxsize=INDEXED + 1)
def _scans(n: int) -> sa.TextClause:
    """The candidate search for n values, written once per n: built with the expression
    language it cost more than running it (a union of 2n limited scans)."""
    parts = []
    for i in range(n):
        where = f"hash = :h{i} AND partner_id != :partner"
        parts += [
            f"SELECT article_id FROM (SELECT article_id FROM story_keys WHERE {where}"
            f" AND published >= :lo AND published <= :at"
            f" ORDER BY published DESC LIMIT :per) AS b{i}",
            f"SELECT article_id FROM (SELECT article_id FROM story_keys WHERE {where}"
            f" AND published > :at AND published <= :hi"
            f" ORDER BY published LIMIT :per) AS a{i}",
        ]
    return sa.text(" UNION ALL ".join(parts)).bindparams(*_typed(n))


def _typed(n: int) -> list[sa.BindParameter[Any]]:
    """The typed parameters of a search for n values (the times come converted: see
    scan_params)."""
    return [sa.bindparam(f"h{i}", type_=sa.BigInteger()) for i in range(n)]


@functools.lru_cache(maxsize=INDEXED + 1)
def _counted(n: int) -> sa.TextClause:
    """`_scans(n)` counted per article and ranked in the database: only the `:most` sharing
    most come back (ties by id), not up to 2n × PER_KEY rows, nor every article counted
    (57 a search on average in the benchmark's long-running story)."""
    return sa.text(
        f"SELECT article_id, COUNT(*) AS n FROM ({_scans(n).text}) AS scans"
        " GROUP BY article_id HAVING COUNT(*) >= :least"
        " ORDER BY n DESC, article_id LIMIT :most"
    ).bindparams(*_typed(n))


def _best_match(
    conn: Connection, article: Article, sketch: Sketch, settings: StorySettings
) -> str | None:
    ids = candidates(conn, article, sketch, settings)
    if not ids:
        return None
    rows = conn.execute(_SKETCHES, {"ids": ids}).all()
    best: tuple[float, str] | None = None
    for _, story_id, blob in rows:
        score = story_score(sketch, Sketch.from_bytes(bytes(blob)), settings.threshold)
        if score is None:
            continue
        if best is None or score > best[0]:
            best = (score, str(story_id))
    return best[1] if best is not None else None


def _touch_story(conn: Connection, story_id: str, newcomer: str) -> None:
    """Mark the feed selections of the story's earlier members as changed: the item that
    shows the story lists one more source now, wherever it is (another category, another
    urgent flag than the newcomer's). The newcomer's upsert took this transaction's
    change number; the marks reuse it.

    The database answers with the distinct partners, flags and categories in one row
    (`_earlier`), not a row per member: a running story gathers hundreds of wires, and
    reading each one back on every join made storing an article cost more the longer its
    story ran. Partners and flags come from story_members' own copies, categories too:
    one index range, not a lookup in the wide articles table per member (1.2 → 0.22 ms
    for a story of 1,160 members), nor one in article_categories (0.8 ms of SQL at 1,000
    members)."""
    query = _earlier(conn.dialect.name)
    count, partners, slugs, some, every = conn.execute(
        query, {"story": story_id, "newcomer": newcomer}
    ).one()
    if not count:
        return
    seq = conn.execute(_CHANGE_SEQ).scalar_one()
    keys = _articles.selection_keys_of(
        set(_json_list(partners)),
        {bool(some), bool(every)},
        {slug for each in _json_list(slugs) for slug in each.split()},
    )
    _articles.mark(conn, keys, int(seq))


def _slugs(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    if not ids:
        return {}
    rows = conn.execute(
        sa.select(article_categories.c.article_id, article_categories.c.slug)
        .where(article_categories.c.article_id.in_(list(ids)))
        .order_by(article_categories.c.article_id, article_categories.c.position)
    )
    for article_id, slug in rows:
        out.setdefault(article_id, []).append(slug)
    return {k: tuple(v) for k, v in out.items()}


def members(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[StoryMember, ...]]:
    """article id → every member of its story (itself included), oldest first, for the
    given ids that are in a story of more than one article."""
    unique = sorted(set(ids))
    story_of: dict[str, str] = {}
    for start in range(0, len(unique), _articles.IN_CHUNK):
        chunk = unique[start : start + _articles.IN_CHUNK]
        rows = conn.execute(
            sa.select(story_members.c.article_id, story_members.c.story_id).where(
                story_members.c.article_id.in_(chunk)
            )
        )
        story_of.update((str(a), str(s)) for a, s in rows)
    stories = sorted(set(story_of.values()))
    by_story: dict[str, list[StoryMember]] = {}
    found: list[tuple[str, str, str, str, str, dt.datetime, bool]] = []
    for start in range(0, len(stories), _articles.IN_CHUNK):
        chunk = stories[start : start + _articles.IN_CHUNK]
        found_rows = conn.execute(
            sa.select(
                story_members.c.story_id,
                articles.c.id,
                articles.c.partner_id,
                articles.c.url,
                articles.c.title,
                articles.c.published,
                articles.c.urgent,
            )
            .join(articles, articles.c.id == story_members.c.article_id)
            # A killed wire is no member: the story's next live article leads it.
            .where(story_members.c.story_id.in_(chunk), articles.c.killed_at.is_(None))
        ).all()
        found.extend(
            (str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), r[5], bool(r[6]))
            for r in found_rows
        )
    counts: dict[str, int] = {}
    for row in found:
        counts[row[0]] = counts.get(row[0], 0) + 1
    shared = [row for row in found if counts[row[0]] > 1]
    slugs = _slugs(conn, [row[1] for row in shared])
    for story_id, article_id, partner_id, url, title, published, urgent in shared:
        by_story.setdefault(story_id, []).append(
            StoryMember(
                article_id=article_id,
                story_id=story_id,
                partner_id=partner_id,
                url=url,
                title=title,
                published=published,
                urgent=bool(urgent),
                category_slugs=slugs.get(article_id, ()),
            )
        )
    out: dict[str, tuple[StoryMember, ...]] = {}
    for group in by_story.values():
        ordered = tuple(sorted(group, key=lambda m: (m.published, m.article_id)))
        for member in ordered:
            if member.article_id in story_of:
                out[member.article_id] = ordered
    return out


__all__ = ["CANDIDATES", "PER_KEY", "assign", "candidates", "members", "scan_params"]
