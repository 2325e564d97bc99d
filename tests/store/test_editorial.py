"""The editorial part of the storage contract (kills, corrections, urgent overrides,
embargoes, the log of decisions), on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from syndication.model import Article
from syndication.store import Store, open_store
from tests.support.factories import ECONOMY, POLITICS
from tests.support.factories import edited_article as edited
from tests.support.factories import make_stored_article as make_article

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)


def ids(articles: list[Article]) -> list[str]:
    return [a.id for a in articles]


def test_kill_leaves_every_selection_keeps_a_tombstone_and_never_comes_back(store: Store) -> None:
    victim = make_article(1, urgent=True, categories=(POLITICS, ECONOMY))
    other = make_article(2, urgent=True, categories=(POLITICS,))
    store.upsert_article(victim)
    store.upsert_article(other)
    selections = [
        {},
        {"urgent": True},
        {"category_slug": "politics"},
        {"category_slug": "economy"},
        {"partner_id": "ahram"},
    ]
    before = [store.feed_stamp(**s) for s in selections]  # type: ignore[arg-type]

    assert store.kill_article(victim.id, "خطأ في الاسم", "amira", now=NOW)

    for selection in selections:
        assert victim.id not in ids(store.latest(limit=10, visible_at=NOW, **selection))  # type: ignore[arg-type]
    assert ids(store.latest(limit=10, visible_at=NOW)) == [other.id]
    after = [store.feed_stamp(**s) for s in selections]  # type: ignore[arg-type]
    assert all(b != a for b, a in zip(before, after, strict=True))  # each feed re-renders
    kept = store.get_article(victim.id)
    assert kept is not None and kept.killed_at == NOW and kept.kill_reason == "خطأ في الاسم"
    # The partner still lists it, even edited: it stays dead and is not even re-scraped.
    assert store.known_item_hashes([victim.id]) == {victim.id: ""}
    assert store.upsert_article(edited(victim, title="عنوان جديد")) == "tombstoned"
    assert store.kill_article(victim.id, "again", "amira", now=NOW) is False
    # The editors still see it.
    listed = store.list_articles()
    assert {a.id for a in listed} == {victim.id, other.id}


def test_unkill_restores_the_article_and_lets_the_partner_update_it_again(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    store.kill_article(article.id, "legal hold", "amira", now=NOW)
    assert store.unkill_article(article.id, "omar", now=NOW + dt.timedelta(minutes=5))
    assert ids(store.latest(limit=10, visible_at=NOW)) == [article.id]
    assert store.known_item_hashes([article.id]) == {article.id: article.item_hash}
    assert store.upsert_article(edited(article, title="تصحيح")) == "updated"
    assert store.unkill_article(article.id, "omar") is False


def test_a_correction_keeps_id_and_published_bumps_revision_and_is_logged(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    fixed = edited(article, title="وزير الخارجية يبحث مع نظيره الأردني (مصحح)")
    assert store.upsert_article(fixed) == "updated"
    got = store.get_article(article.id)
    assert got is not None
    assert got.revision == 2 and got.title == fixed.title
    assert got.published == article.published and got.updated == fixed.updated
    assert store.count_articles() == 1
    history = store.article_history(article.id)
    assert [(e.action, e.actor) for e in history] == [("correction", "partner:ahram")]


def test_urgent_override_wins_over_what_the_partner_sends(store: Store) -> None:
    article = make_article(1, urgent=False)
    store.upsert_article(article)
    urgent_before = store.feed_stamp(urgent=True)
    assert store.set_urgent(article.id, True, "amira", now=NOW)
    assert store.feed_stamp(urgent=True) != urgent_before
    assert ids(store.latest(limit=10, urgent=True, visible_at=NOW)) == [article.id]
    # A later edit from the partner, still not urgent there: the editor's call stands.
    assert store.upsert_article(edited(article, title="تحديث", urgent=False)) == "updated"
    assert ids(store.latest(limit=10, urgent=True, visible_at=NOW)) == [article.id]
    assert store.set_urgent(article.id, False, "amira", now=NOW)
    assert store.latest(limit=10, urgent=True, visible_at=NOW) == []
    assert store.set_urgent("0" * 32, True, "amira") is False


def test_an_embargoed_article_is_in_no_selection_before_its_time(store: Store) -> None:
    until = NOW + dt.timedelta(hours=2)
    article = dataclasses.replace(make_article(1, urgent=True), embargo_until=until)
    store.upsert_article(article)
    store.upsert_article(make_article(2))
    before = until - dt.timedelta(seconds=1)
    assert article.id not in ids(store.latest(limit=10, visible_at=before))
    assert store.latest(limit=10, urgent=True, visible_at=before) == []
    assert store.latest(limit=10, category_slug="politics", visible_at=before)[0].id != article.id
    assert store.next_embargo(before) == until
    assert store.next_embargo(until) is None
    got = store.latest(limit=10, urgent=True, visible_at=until)
    assert ids(got) == [article.id]
    # First published when the embargo ends: it opens the feeds, not buried by its date.
    assert got[0].published == until
    assert ids(store.latest(limit=10, visible_at=until))[0] == article.id


def test_an_editors_embargo_wins_over_the_partners_field(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    until = NOW + dt.timedelta(hours=1)
    assert store.set_embargo(article.id, until, "amira", now=NOW)
    assert store.latest(limit=10, visible_at=NOW) == []
    # The partner sends the item again without an embargo (an edit): still held.
    store.upsert_article(edited(article, title="تحديث"))
    assert store.latest(limit=10, visible_at=NOW) == []
    assert ids(store.latest(limit=10, visible_at=until)) == [article.id]
    assert store.set_embargo(article.id, None, "amira", now=NOW)
    assert ids(store.latest(limit=10, visible_at=NOW)) == [article.id]


def test_a_partner_embargo_change_alone_is_stored(store: Store) -> None:
    until = NOW + dt.timedelta(hours=3)
    article = dataclasses.replace(make_article(1), embargo_until=until)
    store.upsert_article(article)
    earlier = until - dt.timedelta(hours=2)
    moved = dataclasses.replace(article, embargo_until=earlier, item_hash="item-1b")
    assert store.upsert_article(moved) == "updated"
    assert store.next_embargo(NOW) == earlier


def test_history_lists_every_action_in_order_with_who_and_when(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    t = [NOW + dt.timedelta(minutes=i) for i in range(4)]
    store.set_urgent(article.id, True, "amira", now=t[0])
    store.set_embargo(article.id, t[3], "omar", now=t[1])
    store.kill_article(article.id, "شكوى قانونية", "amira", now=t[2])
    store.unkill_article(article.id, "chief", now=t[3])
    history = store.article_history(article.id)
    assert [(e.action, e.actor, e.at) for e in history] == [
        ("urgent", "amira", t[0]),
        ("embargo", "omar", t[1]),
        ("kill", "amira", t[2]),
        ("unkill", "chief", t[3]),
    ]
    assert history[2].detail == "شكوى قانونية"
    assert history[1].detail == f"until {t[3].isoformat()}"


def test_ids_resolve_from_a_prefix_of_six_or_more_characters(store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    assert store.resolve_article_id(article.id) == [article.id]
    assert store.resolve_article_id(article.id[:6].upper()) == [article.id]
    assert store.resolve_article_id(article.id[:5]) == []
    assert store.resolve_article_id("%%%%%%%") == []


def test_lifting_or_advancing_an_embargo_brings_the_publication_time_back(store: Store) -> None:
    later = NOW + dt.timedelta(hours=3)
    article = dataclasses.replace(make_article(1, published=NOW), embargo_until=later)
    store.upsert_article(article, now=NOW)
    got = store.get_article(article.id)
    assert got is not None and got.published == later
    # The partner moves its embargo earlier: the story is first public then.
    sooner = NOW + dt.timedelta(hours=1)
    store.upsert_article(dataclasses.replace(article, embargo_until=sooner, item_hash="b"), now=NOW)
    got = store.get_article(article.id)
    assert got is not None and got.published == sooner
    # An editor lifts it now: published now, not at a time still to come.
    lifted_at = NOW + dt.timedelta(minutes=20)
    store.set_embargo(article.id, None, "amira", now=lifted_at)
    got = store.get_article(article.id)
    assert got is not None and got.published == lifted_at and got.embargo_until is None
    assert ids(store.latest(limit=10, visible_at=lifted_at)) == [article.id]
    assert [(e.action, e.actor) for e in store.article_history(article.id)] == [
        ("embargo", "partner:ahram"),
        ("embargo", "partner:ahram"),
        ("embargo", "amira"),
    ]


def test_the_kills_index_serves_the_kills_read_and_no_read_of_live_articles(
    sqlite_url: str,
) -> None:
    """SQLite, which keeps no statistics here, took a plain killed_at index for every
    `killed_at IS NULL` filter (the live articles: nearly all of them), and a publish of
    one article went from 0.3 s to 3 s at 50,000 articles. The index is partial so that
    only the read of kills can use it; this asks the planner, on the statements the store
    really sends."""
    store = open_store(sqlite_url)
    sent: list[tuple[str, object]] = []

    def capture(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, params))

    try:
        for n in range(1, 4):
            store.upsert_article(make_article(n, categories=(POLITICS,)))
        store.kill_article(make_article(1).id, "خطأ", "amira", now=NOW)
        engine = store._engine
        sa.event.listen(engine, "before_cursor_execute", capture)

        def plans(read: Callable[[], object]) -> list[str]:
            sent.clear()
            read()
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert raw is not None
                return [
                    " ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {s}", p))
                    for s, p in sent
                ]

        kills = plans(lambda: store.killed_since(NOW - dt.timedelta(hours=48)))
        assert any("ix_articles_killed_at" in plan for plan in kills), kills
        live = plans(lambda: store.next_embargo(NOW)) + plans(
            lambda: store.story_members([make_article(2).id, make_article(3).id])
        )
        assert live and not any("ix_articles_killed_at" in plan for plan in live), live
    finally:
        store.close()
