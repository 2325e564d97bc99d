"""The storage contract: every test runs on SQLite and on PostgreSQL (`store_url`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from syndication.errors import StorageError
from syndication.model import Block, Category
from syndication.store import Store, open_store
from tests.support.factories import T0, edited_article, make_stored_article

POLITICS = Category(label="سياسة", slug="politics")
ECONOMY = Category(label="اقتصاد", slug="economy")
SPORTS = Category(label="رياضة", slug="sports")


# --- articles ---------------------------------------------------------------------------


def test_article_round_trips_exactly(store: Store) -> None:
    article = make_stored_article(1, urgent=True, categories=(POLITICS, ECONOMY))
    assert store.upsert_article(article) == "new"
    got = store.get_article(article.id)
    assert got == article
    assert got is not None
    assert got.published.utcoffset() == dt.timedelta(0)
    assert got.published.hour == 6  # 09:30 in Cairo (+03) is 06:30 UTC
    assert [c.slug for c in got.categories] == ["politics", "economy"]  # order kept


def test_round_trip_with_empty_optionals(store: Store) -> None:
    article = dataclasses.replace(
        make_stored_article(2, categories=()), images=(), blocks=(), guid=None, author=None
    )
    store.upsert_article(article)
    assert store.get_article(article.id) == article
    assert store.get_article("no-such-id") is None


def test_a_slug_shared_by_two_labels_is_stored_once(store: Store) -> None:
    twice = make_stored_article(3, categories=(POLITICS, Category("السياسة", "politics"), SPORTS))
    assert store.upsert_article(twice) == "new"
    got = store.get_article(twice.id)
    assert got == dataclasses.replace(twice, categories=(POLITICS, SPORTS))
    assert [a.id for a in store.latest(limit=5, category_slug="politics")] == [twice.id]


def test_concurrent_writers_of_one_article(store_url: str) -> None:
    # Eight writers race to store the same new article (a redelivered task, two workers):
    # exactly one creates it, the others see it unchanged, nobody fails.
    article = make_stored_article(7, urgent=True, categories=(POLITICS, ECONOMY))
    with open_store(store_url) as shared:
        barrier = threading.Barrier(8)

        def write() -> str:
            barrier.wait()
            return shared.upsert_article(article)

        with ThreadPoolExecutor(8) as pool:
            results = sorted(pool.map(lambda _: write(), range(8)))
        assert results == ["new"] + ["unchanged"] * 7
        assert shared.get_article(article.id) == article
        assert shared.categories() == [ECONOMY, POLITICS]


def test_unchanged_costs_no_content_write_but_keeps_new_item_hash(store: Store) -> None:
    article = make_stored_article(1)
    store.upsert_article(article)
    stamp = store.feed_stamp()
    assert store.upsert_article(article) == "unchanged"
    same_content = dataclasses.replace(article, item_hash="item-1-reordered")
    assert store.upsert_article(same_content) == "unchanged"
    assert store.known_item_hashes([article.id]) == {article.id: "item-1-reordered"}
    assert store.feed_stamp() == stamp


def test_update_replaces_content_keeps_published_moves_updated(store: Store) -> None:
    article = make_stored_article(1, categories=(POLITICS,))
    store.upsert_article(article)
    edit = edited_article(
        article, title="تعديل: الوزيران يتفقان على خطة عمل", categories=(ECONOMY,)
    )
    assert store.upsert_article(edit) == "updated"
    got = store.get_article(article.id)
    assert got == dataclasses.replace(edit, published=article.published)
    assert got is not None and got.updated == article.updated + dt.timedelta(hours=1)
    # The category feeds follow the edit.
    assert store.latest(limit=10, category_slug="politics") == []
    assert [a.id for a in store.latest(limit=10, category_slug="economy")] == [article.id]
    assert store.count_articles() == 1


def test_deleted_article_never_comes_back(store: Store) -> None:
    article = make_stored_article(1)
    store.upsert_article(article)
    assert store.delete_article(article.id, reason="طلب الشريك الحذف") is True
    assert store.get_article(article.id) is None
    assert store.upsert_article(article) == "tombstoned"
    assert store.upsert_article(edited_article(article, title="نسخة جديدة")) == "tombstoned"
    assert store.get_article(article.id) is None
    assert store.count_articles() == 0
    assert store.latest(limit=10) == []
    assert store.delete_article(article.id) is False  # already gone


def test_tombstone_for_an_id_never_stored(store: Store) -> None:
    assert store.delete_article("never-seen", reason="blocked") is False
    assert store.known_item_hashes(["never-seen"]) == {"never-seen": ""}
    assert store.upsert_article(dataclasses.replace(make_stored_article(5), id="never-seen")) == (
        "tombstoned"
    )


def test_known_item_hashes(store: Store) -> None:
    kept, gone = make_stored_article(1, item_hash="h-1"), make_stored_article(2, item_hash="h-2")
    store.upsert_article(kept)
    store.upsert_article(gone)
    store.delete_article(gone.id)
    # More ids than one IN list holds, so the chunking is exercised.
    ids = [f"unknown-{i}" for i in range(1200)] + [kept.id, gone.id]
    assert store.known_item_hashes(ids) == {kept.id: "h-1", gone.id: ""}
    assert store.known_item_hashes([]) == {}


def test_latest_orders_newest_first_then_by_id(store: Store) -> None:
    times = [T0, T0 + dt.timedelta(hours=2), T0 + dt.timedelta(hours=1)]
    made = [make_stored_article(i, published=t) for i, t in enumerate(times)]
    tie = [make_stored_article(10 + i, published=T0 + dt.timedelta(hours=1)) for i in range(3)]
    for article in made + tie:
        store.upsert_article(article)
    got = [a.id for a in store.latest(limit=50)]
    tied = sorted([made[2].id, *(a.id for a in tie)])
    assert got == [made[1].id, *tied, made[0].id]
    assert [a.id for a in store.latest(limit=2)] == got[:2]
    assert store.latest(limit=0) == []


def test_latest_since_stops_at_a_publication_time(store: Store) -> None:
    hours = [0, 1, 2, 3]
    made = [
        make_stored_article(i, published=T0 + dt.timedelta(hours=h), categories=(POLITICS,))
        for i, h in enumerate(hours)
    ]
    for article in made:
        store.upsert_article(article)
    since = T0 + dt.timedelta(hours=2)  # inclusive: the article published at it is listed
    assert [a.id for a in store.latest(limit=10, since=since)] == [made[3].id, made[2].id]
    assert [a.id for a in store.latest(limit=1, since=since)] == [made[3].id]
    by_slug = store.latest(limit=10, category_slug="politics", since=since)
    assert [a.id for a in by_slug] == [made[3].id, made[2].id]
    later = T0 + dt.timedelta(hours=3, seconds=1)
    assert store.latest(limit=10, since=later) == []


def test_latest_keys_after_continues_a_read_through_ties(store: Store) -> None:
    # Three articles share a publication time: a continuation must neither repeat nor
    # skip one of them, with or without a category (its own index).
    hours = [0, 1, 1, 1, 2, 3]
    for i, h in enumerate(hours):
        store.upsert_article(
            make_stored_article(i, published=T0 + dt.timedelta(hours=h), categories=(POLITICS,))
        )
    for slug in (None, "politics"):
        whole = [a.id for a in store.latest(limit=50, category_slug=slug)]
        for size in (1, 2, 4):
            pieces: list[str] = []
            after = None
            while True:
                read = store.latest_keys(limit=size, category_slug=slug, after=after)
                pieces += [article_id for _, article_id in read]
                if len(read) < size:
                    break
                after = read[-1]
            assert pieces == whole, (slug, size)


def test_latest_filters(store: Store) -> None:
    a = make_stored_article(1, partner_id="ahram", urgent=True, categories=(POLITICS,))
    b = make_stored_article(2, partner_id="masrawy", urgent=False, categories=(POLITICS, SPORTS))
    c = make_stored_article(3, partner_id="ahram", urgent=False, categories=(ECONOMY,))
    d = make_stored_article(4, partner_id="masrawy", urgent=True, categories=(SPORTS,))
    for article in (a, b, c, d):
        store.upsert_article(article)

    def ids(**filters: object) -> list[str]:
        return [x.id for x in store.latest(limit=10, **filters)]  # type: ignore[arg-type]

    assert ids(urgent=True) == [d.id, a.id]
    assert ids(urgent=False) == [c.id, b.id]
    assert ids(category_slug="politics") == [b.id, a.id]
    assert ids(category_slug="sports") == [d.id, b.id]
    assert ids(category_slug="culture") == []
    assert ids(partner_id="ahram") == [c.id, a.id]
    assert ids(partner_id="masrawy", urgent=True) == [d.id]
    assert ids(category_slug="sports", partner_id="masrawy", urgent=False) == [b.id]
    assert store.latest(limit=10, category_slug="sports")[1] == b  # categories loaded in full
    assert store.count_articles() == 4


def test_categories_are_distinct_sorted_and_follow_edits(store: Store) -> None:
    first = make_stored_article(1, categories=(SPORTS, POLITICS))
    second = make_stored_article(2, categories=(POLITICS, ECONOMY))
    store.upsert_article(first)
    store.upsert_article(second)
    assert store.categories() == [ECONOMY, POLITICS, SPORTS]
    store.upsert_article(edited_article(first, categories=(POLITICS,)))
    assert store.categories() == [ECONOMY, POLITICS]  # nobody is in sports any more
    store.delete_article(second.id)
    assert store.categories() == [POLITICS]
    store.delete_article(first.id)
    assert store.categories() == []


# --- feed stamps ------------------------------------------------------------------------


def test_feed_stamp_changes_only_for_affected_selections(store: Store) -> None:
    store.upsert_article(make_stored_article(1, partner_id="ahram", categories=(POLITICS,)))
    store.upsert_article(make_stored_article(2, partner_id="masrawy", categories=(SPORTS,)))

    def stamps() -> dict[str, str]:
        return {
            "main": store.feed_stamp(),
            "urgent": store.feed_stamp(urgent=True),
            "politics": store.feed_stamp(category_slug="politics"),
            "sports": store.feed_stamp(category_slug="sports"),
            "economy": store.feed_stamp(category_slug="economy"),
            "ahram": store.feed_stamp(partner_id="ahram"),
            "masrawy": store.feed_stamp(partner_id="masrawy"),
        }

    before = stamps()
    urgent = make_stored_article(3, partner_id="ahram", urgent=True, categories=(POLITICS,))
    # Another story: the same text would join masrawy's story and touch its feeds too
    # (tests/store/test_stories.py).
    urgent = dataclasses.replace(
        urgent,
        blocks=(
            Block(
                "p",
                "أعلنت هيئة الأرصاد الجوية عن موجة حارة تضرب البلاد بدءا من غد الاثنين وتستمر حتى نهاية الأسبوع.",
            ),
        ),
    )
    store.upsert_article(urgent)
    after = stamps()
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"main", "urgent", "politics", "ahram"}

    # An edit that moves the story to another category touches the old and the new one.
    store.upsert_article(edited_article(urgent, categories=(ECONOMY,)))
    again = stamps()
    assert {key for key in after if after[key] != again[key]} == {
        "main",
        "urgent",
        "politics",
        "economy",
        "ahram",
    }

    # Unchanged and tombstoned writes touch nothing; a deletion touches its selections.
    store.upsert_article(make_stored_article(2, partner_id="masrawy", categories=(SPORTS,)))
    assert stamps() == again
    store.delete_article(make_stored_article(2, partner_id="masrawy").id)
    gone = stamps()
    assert {key for key in again if again[key] != gone[key]} == {"main", "sports", "masrawy"}
    store.upsert_article(make_stored_article(2, partner_id="masrawy", categories=(SPORTS,)))
    assert stamps() == gone


def test_feed_stamp_never_repeats_after_delete_and_add(store: Store) -> None:
    first = make_stored_article(1, categories=(SPORTS,))
    store.upsert_article(first)
    stamp = store.feed_stamp(category_slug="sports")
    store.delete_article(first.id)
    store.upsert_article(make_stored_article(2, categories=(SPORTS,)))  # same count as before
    assert store.feed_stamp(category_slug="sports") != stamp


# --- atomicity --------------------------------------------------------------------------


def test_failed_write_leaves_nothing_half_written(store: Store) -> None:
    stamp = store.feed_stamp()
    # The article row goes in first; the empty category label then violates a CHECK
    # constraint, and the whole transaction must roll back.
    broken = make_stored_article(1, categories=(POLITICS, Category(label="", slug="empty")))
    with pytest.raises(StorageError, match=rf"storing article {broken.id}.*constraint"):
        store.upsert_article(broken)
    assert store.get_article(broken.id) is None
    assert store.known_item_hashes([broken.id]) == {}
    assert store.count_articles() == 0
    assert store.categories() == []
    assert store.feed_stamp() == stamp

    good = make_stored_article(2)
    store.upsert_article(good)
    bad_edit = edited_article(good, title="عنوان جديد", categories=(Category(label="", slug="x"),))
    with pytest.raises(StorageError):
        store.upsert_article(bad_edit)
    assert store.get_article(good.id) == good


def test_naive_datetime_is_refused(store: Store) -> None:
    naive = dataclasses.replace(make_stored_article(1), published=dt.datetime(2026, 5, 10, 9, 0))
    with pytest.raises(StorageError, match="naive datetime"):
        store.upsert_article(naive)
    assert store.count_articles() == 0


# What psycopg reports for failures the test server (trust authentication, every client
# allowed) cannot produce; the texts are the server's own.
