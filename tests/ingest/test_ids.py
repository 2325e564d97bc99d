"""Article ids (identity by guid or URL) and item hashes (edits), in isolation."""

from __future__ import annotations

from dataclasses import replace

from syndication.ingest.ids import article_id, dedupe, fast_ids, item_hash, unedited
from syndication.model import FeedItem, PartnerFeed
from syndication.parse import ItemScan

PARTNER = PartnerFeed(id="p", name="شريك", feed_url="https://p.example/feed.xml")


def scan(*keys: tuple[str | None, str | None]) -> ItemScan:
    return ItemScan(keys, tuple(f"d{n}" for n in range(len(keys))), None)


def test_article_id_is_stable_and_never_mentions_urgent() -> None:
    item = FeedItem("p", "urn:x:1", "https://a.example/x?utm_source=tw", "عنوان", urgent=True)
    assert article_id("p", item) == article_id("p", replace(item, title="عنوان آخر"))
    by_url = article_id("p", item, "url")
    assert by_url == article_id("p", replace(item, url="https://a.example/x"), "url")
    assert "عاجل" not in by_url


def test_article_id_by_guid_by_url_and_by_content() -> None:
    item = FeedItem("p", "urn:x:1", "https://a.example/x", "عنوان")
    assert article_id("p", item) != article_id("p", item, "url")
    assert article_id("p", item) != article_id("q", item)  # per partner
    # No guid: named by URL even under guid identity.
    assert article_id("p", replace(item, guid=None)) == article_id("p", item, "url")
    # Neither: by content, so an edit makes another article.
    bare = replace(item, guid=None, url=None)
    assert len(article_id("p", bare)) == 32
    assert article_id("p", bare) != article_id("p", replace(bare, title="آخر"))


def test_fast_ids_name_items_as_article_id_does() -> None:
    keys = (("urn:x:1", "https://a.example/1"), ("urn:x:2", "https://a.example/2"))
    plan = fast_ids(PARTNER, scan(*keys))
    assert plan is not None
    items = [FeedItem("p", guid, url, "عنوان") for guid, url in keys]
    assert plan == ([(article_id("p", i), f"d{n}") for n, i in enumerate(items)], "guid")
    by_url = fast_ids(PARTNER, scan(*keys), by_url=True)
    assert by_url is not None
    assert by_url == ([(article_id("p", i, "url"), f"d{n}") for n, i in enumerate(items)], "url")


def test_fast_ids_switch_to_url_for_missing_or_repeated_guids_first_copy_wins() -> None:
    plan = fast_ids(PARTNER, scan(("g", "https://a.example/1"), ("g", "https://a.example/1")))
    assert plan is not None
    ids, identity = plan
    assert identity == "url" and ids == [(ids[0][0], "d0")]  # one id, the first digest


def test_fast_ids_leave_to_the_full_path_what_only_it_can_tell() -> None:
    assert fast_ids(PARTNER, scan(("g1", None), (None, None))) is None  # content-hash id
    few = replace(PARTNER, max_items=1)
    assert fast_ids(few, scan(("g1", None), ("g2", None))) is None  # which are kept: dates
    assert fast_ids(PARTNER, scan()) == ([], "guid")


def test_item_hash_sees_edits_but_not_tracking_parameters() -> None:
    item = FeedItem("p", "g", "https://a.example/x", "عنوان", summary="نص")
    assert item_hash(item) == item_hash(replace(item, url="https://a.example/x?utm_source=tw"))
    assert item_hash(item) != item_hash(replace(item, title="عنوان معدل"))
    assert item_hash(item) != item_hash(replace(item, summary="نص آخر"))
    assert item_hash(item) != item_hash(replace(item, urgent=True))


def test_unedited_is_known_with_the_same_hash_or_a_tombstone() -> None:
    assert unedited("h", "h") and unedited("", "h")
    assert not unedited(None, "h") and not unedited("other", "h")


def test_dedupe_keeps_the_first_newest_copy() -> None:
    a, b, c = (FeedItem("p", g, None, g) for g in ("a", "b", "c"))
    assert dedupe([("1", a), ("2", b), ("1", c)]) == [("1", a), ("2", b)]
