"""Articles: upsert by `Article.id` with content-hash change detection, tombstones,
feed queries and change stamps.

Every function takes an open `Connection`; the caller (`Store`) owns the transaction, so
everything about one article (row, categories, marks) commits or rolls back together.

Change stamps: each content write or deletion takes the next value of the global
`change_seq` counter and records it on every feed selection the article belonged to
before or belongs to after the write ("all", "urgent:0|1", "category:<slug>",
"partner:<id>"). A selection's stamp therefore changes exactly when one of its articles
was added, edited or deleted, and reading it is a primary-key lookup.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from syndication.model import Article, Block, Category, Image, UpsertResult
from syndication.store import db
from syndication.store.schema import (
    CHANGE_SEQ,
    article_categories,
    articles,
    category_counts,
    counters,
    editorial_events,
    selection_marks,
    story_members,
    tombstones,
)

IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit
_IMAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Image))


# --- encoding ---------------------------------------------------------------------------


def _blocks_json(blocks: Iterable[Block]) -> str:
    return json.dumps(
        [{"kind": b.kind, "text": b.text} for b in blocks],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _images_json(images: Iterable[Image]) -> str:
    return json.dumps(
        [{name: getattr(image, name) for name in _IMAGE_FIELDS} for image in images],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _blocks(text: str) -> tuple[Block, ...]:
    return tuple(Block(kind=item["kind"], text=item["text"]) for item in json.loads(text))


def _images(text: str) -> tuple[Image, ...]:
    # Unknown keys are ignored so a newer writer's extra fields do not break older readers.
    return tuple(
        Image(**{k: v for k, v in item.items() if k in _IMAGE_FIELDS}) for item in json.loads(text)
    )


def _content_values(article: Article) -> dict[str, Any]:
    """Columns replaced by a content write (everything except id and published)."""
    return {
        "partner_id": article.partner_id,
        "url": article.url,
        "guid": article.guid,
        "title": article.title,
        "summary": article.summary,
        "body_html": article.body_html,
        "blocks": _blocks_json(article.blocks),
        "images": _images_json(article.images),
        "urgent": article.urgent,
        "updated": article.updated,
        "author": article.author,
        "language": article.language,
        "content_hash": article.content_hash,
        "item_hash": article.item_hash,
    }


def _article(row: RowMapping, categories: Sequence[Category]) -> Article:
    return Article(
        id=row["id"],
        partner_id=row["partner_id"],
        url=row["url"],
        guid=row["guid"],
        title=row["title"],
        summary=row["summary"],
        body_html=row["body_html"],
        blocks=_blocks(row["blocks"]),
        images=_images(row["images"]),
        urgent=bool(row["urgent"]),
        published=row["published"],
        updated=row["updated"],
        author=row["author"],
        categories=tuple(categories),
        language=row["language"],
        content_hash=row["content_hash"],
        item_hash=row["item_hash"],
        embargo_until=row["embargo_until"],
        killed_at=row["killed_at"],
        kill_reason=row["kill_reason"],
        revision=int(row["revision"]),
    )


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), IN_CHUNK):
        yield ids[start : start + IN_CHUNK]


# --- selections and stamps --------------------------------------------------------------


def selection_keys(partner_id: str, urgent: bool, slugs: Iterable[str]) -> set[str]:
    """Every feed selection an article with these properties belongs to."""
    return selection_keys_of((partner_id,), (urgent,), slugs)


def selection_keys_of(
    partner_ids: Iterable[str], flags: Iterable[bool], slugs: Iterable[str]
) -> set[str]:
    """The selection_keys of many articles, united: each key names one property, so the
    union is the keys of each partner, flag and category once (a story of hundreds of
    members has a few dozen), whichever article had which."""
    return {
        "all",
        *(f"urgent:{int(urgent)}" for urgent in flags),
        *(f"partner:{partner_id}" for partner_id in partner_ids),
        *(f"category:{slug}" for slug in slugs),
    }


def filter_keys(
    urgent: bool | None, category_slug: str | None, partner_id: str | None
) -> list[str]:
    keys = []
    if urgent is not None:
        keys.append(f"urgent:{int(urgent)}")
    if category_slug is not None:
        keys.append(f"category:{category_slug}")
    if partner_id is not None:
        keys.append(f"partner:{partner_id}")
    return keys or ["all"]


_NEXT_SEQ = (
    sa.update(counters)
    .where(counters.c.name == CHANGE_SEQ)
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)


def next_seq(conn: Connection) -> int:
    # The counter row is also a lock: concurrent content writes take their numbers in
    # commit order on PostgreSQL, so a stamp never goes backwards.
    value = conn.execute(_NEXT_SEQ).scalar_one()
    return int(value)


def mark(conn: Connection, keys: Iterable[str], seq: int) -> None:
    """Record change number `seq` on these feed selections (their stamps change)."""
    db.upsert(conn, selection_marks, [{"key": k, "seq": seq} for k in sorted(keys)], ["key"])


def feed_stamp(
    conn: Connection, *, urgent: bool | None, category_slug: str | None, partner_id: str | None
) -> str:
    """Change marker of a selection. With several filters it combines each filter's mark:
    it then also changes on edits outside the intersection, never misses one inside it."""
    return feed_stamps(conn, [(urgent, category_slug, partner_id)])[0]


Filters = tuple[bool | None, str | None, str | None]  # (urgent, category_slug, partner_id)


def feed_stamps(conn: Connection, selections: Sequence[Filters]) -> list[str]:
    """`feed_stamp` of each selection, the marks read in one query (a publish run asks
    for every feed's at once)."""
    wanted = [filter_keys(*filters) for filters in selections]
    keys = sorted({key for keys in wanted for key in keys})
    seqs: dict[str, int] = {}
    for start in range(0, len(keys), IN_CHUNK):
        rows = conn.execute(
            sa.select(selection_marks.c.key, selection_marks.c.seq).where(
                selection_marks.c.key.in_(keys[start : start + IN_CHUNK])
            )
        )
        seqs.update((str(key), int(seq)) for key, seq in rows)
    return [";".join(f"{key}={seqs.get(key, 0)}" for key in each) for each in wanted]


# --- writes -----------------------------------------------------------------------------


# The statements every new article runs, built once (building them cost more than the
# writes on the ingest's hot path).
_TOMBSTONE = sa.select(tombstones.c.article_id).where(tombstones.c.article_id == sa.bindparam("id"))
_STORED = sa.select(
    articles.c.partner_id,
    articles.c.urgent,
    articles.c.published,
    articles.c.content_hash,
    articles.c.item_hash,
    articles.c.urgent_override,
    articles.c.embargo_until,
    articles.c.embargo_manual,
).where(articles.c.id == sa.bindparam("id"))
_INSERT = sa.insert(articles)
_INSERT_CATEGORIES = sa.insert(article_categories)
_MEMBER_URGENT = (
    sa.update(story_members)
    .where(story_members.c.article_id == sa.bindparam("member"))
    .values(urgent=sa.bindparam("flag"))
)


_MEMBER_SLUGS = (
    sa.update(story_members)
    .where(story_members.c.article_id == sa.bindparam("member"))
    .values(slugs=sa.bindparam("joined"))
)


def set_member_urgent(conn: Connection, article_id: str, urgent: bool) -> None:
    """Keep story_members' copy of the urgent flag in step with the article's (a story
    join marks its members' feeds from that copy; store/stories.py)."""
    conn.execute(_MEMBER_URGENT, {"member": article_id, "flag": urgent})


def member_slugs(slugs: Iterable[str]) -> str:
    """story_members' copy of an article's category slugs ([a-z0-9-]: a space parts them)."""
    return " ".join(slugs)


def upsert(conn: Connection, article: Article, now: dt.datetime | None = None) -> UpsertResult:
    db.lock_article(conn, article.id)
    dead = conn.execute(_TOMBSTONE, {"id": article.id}).first()
    if dead is not None:
        return "tombstoned"  # deleted or killed: the partner cannot bring it back
    stored = conn.execute(_STORED, {"id": article.id}).first()
    new_slugs = [c.slug for c in article.categories]
    if stored is None:
        seq = next_seq(conn)
        published = embargoed_published(article.published, article.embargo_until)
        conn.execute(
            _INSERT,
            {
                "id": article.id,
                "published": published,
                "change_seq": seq,
                "embargo_until": article.embargo_until,
                **_content_values(article),
            },
        )
        _insert_categories(conn, article, published)
        mark(conn, selection_keys(article.partner_id, article.urgent, new_slugs), seq)
        if article.embargo_until is not None:
            record_event(
                conn,
                article.id,
                "embargo",
                f"until {article.embargo_until.astimezone(dt.UTC).isoformat()}",
                f"partner:{article.partner_id}",
                now or article.updated,
            )
        return "new"
    # An editor's decisions win over what the partner sends.
    if stored.urgent_override is not None:
        article = dataclasses.replace(article, urgent=bool(stored.urgent_override))
    embargo = stored.embargo_until if stored.embargo_manual else article.embargo_until
    embargo_moved = embargo != stored.embargo_until
    if stored.content_hash == article.content_hash and not embargo_moved:
        if stored.item_hash != article.item_hash:
            # The feed entry changed but the article did not: remember it, publish nothing.
            conn.execute(
                sa.update(articles)
                .where(articles.c.id == article.id)
                .values(item_hash=article.item_hash)
            )
        return "unchanged"
    # The counter first, then rows other writers also touch (category counts, marks):
    # every writer takes its locks in the same order, so PostgreSQL cannot deadlock.
    seq = next_seq(conn)
    old_slugs = _remove_categories(conn, article.id)
    old_keys = selection_keys(stored.partner_id, bool(stored.urgent), old_slugs)
    # The first publication time never moves (feeds keep their order, readers their
    # place), except to an embargo's end: the story is first public then.
    published = (
        moved_published(stored.published, embargo, now or article.updated)
        if embargo_moved
        else stored.published
    )
    values = _content_values(article)
    if stored.content_hash == article.content_hash:
        values["updated"] = stored_updated(conn, article.id)  # only the embargo moved
    conn.execute(
        sa.update(articles)
        .where(articles.c.id == article.id)
        .values(
            change_seq=seq,
            published=published,
            embargo_until=embargo,
            revision=articles.c.revision + int(stored.content_hash != article.content_hash),
            **values,
        )
    )
    _insert_categories(conn, article, published)
    if bool(stored.urgent) != article.urgent:
        set_member_urgent(conn, article.id, article.urgent)
    if set(old_slugs) != set(new_slugs):
        conn.execute(_MEMBER_SLUGS, {"member": article.id, "joined": member_slugs(new_slugs)})
    mark(conn, old_keys | selection_keys(article.partner_id, article.urgent, new_slugs), seq)
    if stored.content_hash != article.content_hash:
        record_event(
            conn,
            article.id,
            "correction",
            "the partner edited the article",
            f"partner:{article.partner_id}",
            now or article.updated,
        )
    if embargo_moved:
        record_event(
            conn,
            article.id,
            "embargo",
            f"until {embargo.astimezone(dt.UTC).isoformat()}" if embargo else "lifted",
            f"partner:{article.partner_id}",
            now or article.updated,
        )
    return "updated"


def embargoed_published(published: dt.datetime, embargo: dt.datetime | None) -> dt.datetime:
    """An embargoed story is first published when its embargo ends."""
    return max(published, embargo) if embargo is not None else published


def moved_published(
    stored: dt.datetime, embargo: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    """The publication time after an embargo changed. A stored time still in the future
    was set by the old embargo: it comes down to the new release moment (now, or the new
    embargo's end); then it goes up to the new embargo's end, as on insert."""
    if stored > now:
        release = embargo if embargo is not None and embargo > now else now
        stored = min(stored, release)
    return embargoed_published(stored, embargo)


def stored_updated(conn: Connection, article_id: str) -> dt.datetime:
    value = conn.execute(
        sa.select(articles.c.updated).where(articles.c.id == article_id)
    ).scalar_one()
    assert isinstance(value, dt.datetime)
    return value


def record_event(
    conn: Connection,
    article_id: str,
    action: str,
    detail: str,
    actor: str,
    at: dt.datetime,
) -> None:
    conn.execute(
        sa.insert(editorial_events).values(
            article_id=article_id, action=action, detail=detail, actor=actor[:255], at=at
        )
    )


def unique_categories(categories: Iterable[Category]) -> tuple[Category, ...]:
    """First category of each slug, in order: two partner labels can share a slug, and
    one article is in a category feed once."""
    seen: dict[str, Category] = {}
    for category in categories:
        seen.setdefault(category.slug, category)
    return tuple(seen.values())


def _insert_categories(conn: Connection, article: Article, published: dt.datetime) -> None:
    categories = unique_categories(article.categories)
    if not categories:
        return
    conn.execute(
        _INSERT_CATEGORIES,
        [
            {
                "article_id": article.id,
                "slug": category.slug,
                "position": position,
                "label": category.label,
                "published": published,
            }
            for position, category in enumerate(categories)
        ],
    )
    db.upsert(
        conn,
        category_counts,
        [{"slug": c.slug, "label": c.label, "articles": 1} for c in sorted(categories, key=_key)],
        ["slug", "label"],
        add=["articles"],
    )


def _key(category: Category) -> tuple[str, str]:
    return (category.slug, category.label)


def _remove_categories(conn: Connection, article_id: str) -> list[str]:
    """Delete an article's category rows, keep the counts right; returns the old slugs."""
    where = article_categories.c.article_id == article_id
    old = conn.execute(
        sa.select(article_categories.c.slug, article_categories.c.label).where(where)
    )
    pairs = sorted({(row.slug, row.label) for row in old})
    if not pairs:
        return []
    conn.execute(sa.delete(article_categories).where(where))
    conn.execute(
        sa.update(category_counts)
        .where(
            category_counts.c.slug == sa.bindparam("b_slug"),
            category_counts.c.label == sa.bindparam("b_label"),
        )
        .values(articles=category_counts.c.articles - 1),
        [{"b_slug": slug, "b_label": label} for slug, label in pairs],
    )
    conn.execute(sa.delete(category_counts).where(category_counts.c.articles <= 0))
    return [slug for slug, _ in pairs]


def delete(conn: Connection, article_id: str, reason: str, now: dt.datetime) -> bool:
    db.lock_article(conn, article_id)
    stored = conn.execute(
        sa.select(articles.c.partner_id, articles.c.urgent).where(articles.c.id == article_id)
    ).first()
    db.upsert(
        conn,
        tombstones,
        [
            {
                "article_id": article_id,
                "partner_id": stored.partner_id if stored is not None else None,
                "reason": reason,
                "deleted_at": now,
            }
        ],
        ["article_id"],
    )
    if stored is None:
        return False
    seq = next_seq(conn)  # before the shared rows, as in upsert()
    slugs = _remove_categories(conn, article_id)
    conn.execute(sa.delete(articles).where(articles.c.id == article_id))
    mark(conn, selection_keys(stored.partner_id, bool(stored.urgent), slugs), seq)
    return True


# --- reads ------------------------------------------------------------------------------


def known_item_hashes(conn: Connection, ids: Collection[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    unique = sorted(set(ids))
    for chunk in _chunks(unique):
        found.update(
            conn.exec_driver_sql(_known_sql(conn, _ARTICLES_IN, len(chunk)), tuple(chunk)).all()
        )
    # Tombstones are only looked up for the ids without an article: deleting an article
    # removes its row in the transaction that writes the tombstone, a killed article
    # (row kept, tombstone written) answers "" from its row, and a tombstoned id is never
    # stored again (upsert checks first). On the hot path (every item known) that halves
    # the lookup.
    missing = [article_id for article_id in unique if article_id not in found]
    for chunk in _chunks(missing):
        rows = conn.exec_driver_sql(
            _known_sql(conn, _TOMBSTONES_IN, len(chunk)), tuple(chunk)
        ).all()
        found.update((article_id, "") for (article_id,) in rows)
    return found


# A killed article answers "" like a tombstone: known, never fetched or scraped again.
_ARTICLES_IN = f"SELECT {articles.c.id.name}, CASE WHEN {articles.c.killed_at.name} IS NULL "
_ARTICLES_IN += f"THEN {articles.c.item_hash.name} ELSE '' END FROM {articles.name} "
_ARTICLES_IN += f"WHERE {articles.c.id.name} IN "
_TOMBSTONES_IN = f"SELECT {tombstones.c.article_id.name} FROM {tombstones.name} "
_TOMBSTONES_IN += f"WHERE {tombstones.c.article_id.name} IN "
_KNOWN_SQL: dict[tuple[str, str, int], str] = {}


def _known_sql(conn: Connection, query: str, n: int) -> str:
    """`query` + a list of `n` placeholders in the driver's own style, made once.

    The lookup runs once per poll on the hot path (every item known): compiling an
    expression for it, and fetching its rows one by one through the result layer, cost
    several times the index probes themselves.
    """
    key = (conn.dialect.name, query, n)
    sql = _KNOWN_SQL.get(key)
    if sql is None:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"  # sqlite3 / psycopg
        sql = _KNOWN_SQL[key] = query + "(" + ", ".join([mark] * n) + ")"
    return sql


def categories_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[Category]]:
    result: dict[str, list[Category]] = {article_id: [] for article_id in ids}
    for chunk in _chunks(ids):
        rows = conn.execute(
            sa.select(
                article_categories.c.article_id,
                article_categories.c.label,
                article_categories.c.slug,
            )
            .where(article_categories.c.article_id.in_(chunk))
            .order_by(article_categories.c.article_id, article_categories.c.position)
        )
        for article_id, label, slug in rows:
            result[article_id].append(Category(label=label, slug=slug))
    return result


def get(conn: Connection, article_id: str) -> Article | None:
    row = conn.execute(sa.select(articles).where(articles.c.id == article_id)).mappings().first()
    if row is None:
        return None
    return _article(row, categories_of(conn, [article_id])[article_id])


def get_many(conn: Connection, ids: Sequence[str]) -> dict[str, Article]:
    """The stored articles among `ids`, by id (killed ones included: the caller filters)."""
    found: dict[str, Article] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        rows = conn.execute(sa.select(articles).where(articles.c.id.in_(chunk))).mappings().all()
        categories = categories_of(conn, [row["id"] for row in rows])
        found.update((row["id"], _article(row, categories[row["id"]])) for row in rows)
    return found


Key = tuple[dt.datetime, str]  # (published, id): an article's place in `latest` order


def latest(
    conn: Connection,
    *,
    limit: int,
    urgent: bool | None,
    category_slug: str | None,
    partner_id: str | None,
    visible_at: dt.datetime,
    since: dt.datetime | None = None,
) -> list[Article]:
    """Newest first: published DESC, ties by id (as the publisher orders them), only
    what may be public at `visible_at`: not killed, no embargo after it; and only what
    was published at `since` or later, when given.

    The (…, published, id) indexes are read backwards and stop at `limit`; only rows
    with an equal `published` need sorting by id (SQLite and PostgreSQL both do that
    incrementally), so the cost does not grow with the size of the store."""
    if limit <= 0:
        return []
    query = _latest(
        sa.select(articles), limit, urgent, category_slug, partner_id, visible_at, since, None
    )
    rows = conn.execute(query).mappings().all()
    categories = categories_of(conn, [row["id"] for row in rows])
    return [_article(row, categories[row["id"]]) for row in rows]


def latest_keys(
    conn: Connection,
    *,
    limit: int,
    urgent: bool | None,
    category_slug: str | None,
    partner_id: str | None,
    visible_at: dt.datetime,
    after: Key | None = None,
) -> list[Key]:
    """`latest`'s (published, id) only: the rows' places without decoding the rows.
    `after` = (published, id) of the last place of an earlier read continues it: the
    places that follow that one in this order."""
    if limit <= 0:
        return []
    query = _latest(
        sa.select(articles.c.published, articles.c.id),
        limit,
        urgent,
        category_slug,
        partner_id,
        visible_at,
        None,
        after,
    )
    return [(published, str(article_id)) for published, article_id in conn.execute(query)]


def _latest(
    query: sa.Select[Any],
    limit: int,
    urgent: bool | None,
    category_slug: str | None,
    partner_id: str | None,
    visible_at: dt.datetime,
    since: dt.datetime | None,
    after: Key | None,
) -> sa.Select[Any]:
    """`query` (of the articles table) filtered, ordered and limited as `latest` reads."""
    if category_slug is not None:
        # Walk the (slug, published, article_id) index and join each hit to its row.
        query = query.join(
            article_categories, article_categories.c.article_id == articles.c.id
        ).where(article_categories.c.slug == category_slug)
        when, key = article_categories.c.published, article_categories.c.article_id
    else:
        when, key = articles.c.published, articles.c.id
    if urgent is not None:
        query = query.where(articles.c.urgent == urgent)
    if partner_id is not None:
        query = query.where(articles.c.partner_id == partner_id)
    if since is not None:
        # The same index walk, stopped at `since` instead of at `limit` rows.
        query = query.where(when >= since)
    if after is not None:
        # `when <= last` alone bounds the index range; the OR then drops the ties read.
        last, last_id = after
        query = query.where(when <= last, sa.or_(when < last, key > last_id))
    query = query.where(articles.c.killed_at.is_(None), public_at(visible_at))
    return query.order_by(when.desc(), key).limit(limit)


def public_at(moment: dt.datetime) -> sa.ColumnElement[bool]:
    """No embargo, or one that has ended by `moment`."""
    return sa.or_(articles.c.embargo_until.is_(None), articles.c.embargo_until <= moment)


def categories(conn: Connection) -> list[Category]:
    rows = conn.execute(
        sa.select(category_counts.c.label, category_counts.c.slug)
        .where(category_counts.c.articles > 0)
        .order_by(category_counts.c.slug, category_counts.c.label)
    )
    return [Category(label=label, slug=slug) for label, slug in rows]


def count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(articles)).scalar_one())


__all__ = [
    "IN_CHUNK",
    "Key",
    "categories",
    "categories_of",
    "count",
    "delete",
    "embargoed_published",
    "feed_stamp",
    "feed_stamps",
    "filter_keys",
    "get",
    "get_many",
    "known_item_hashes",
    "latest",
    "latest_keys",
    "mark",
    "moved_published",
    "next_seq",
    "public_at",
    "record_event",
    "selection_keys",
    "unique_categories",
    "upsert",
]
