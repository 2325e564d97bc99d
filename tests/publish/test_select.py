"""publish.select: what each feed carries (order, limits), its category slugs, the feed set."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lxml import etree

from syndication.model import Category, FeedSpec
from syndication.publish import feed_specs, publish_all
from syndication.publish import select as sel
from syndication.store import open_store
from tests.support.factories import NOW, make_article, make_config, rss


def test_order_newest_first_and_limit(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    with open_store(config.storage_url) as store:
        for n in (3, 1, 5, 2, 4):
            store.upsert_article(make_article(n))
        spec = FeedSpec(key="top", title="أحدث", kind="main", limit=3)
        articles = sel.select(config, store, spec)
    assert [a.id for a in articles] == ["art0005", "art0004", "art0003"]
    items = etree.fromstring(rss(articles, spec)).findall("channel/item")
    assert [i.findtext("link") for i in items] == [
        "https://partner.example.com/news/5",
        "https://partner.example.com/news/4",
        "https://partner.example.com/news/3",
    ]


def test_category_slugs_are_safe_and_never_collide(tmp_path: Path) -> None:
    config = make_config(tmp_path, per_partner=False)
    # Two spellings that transliterate alike, and partner slugs that are not safe names.
    cats = [Category(label="سياسة", slug="politics"), Category(label="رياضة", slug="../x")]
    cats.append(Category(label="رياضه", slug="a/b"))
    with open_store(config.storage_url) as store:
        for n, cat in enumerate(cats, 1):
            store.upsert_article(make_article(n, categories=(cat,)))
        specs = feed_specs(config, store)
        keys = [s.key for s in specs if s.kind == "category"]
        assert len(keys) == 3 and len(set(keys)) == 3
        assert "category-politics" in keys  # the configured slug wins
        assert all(sel.is_safe_key(k) and "/" not in k and ".." not in k for k in keys)
        publish_all(config, store, now=NOW)
    names = {p.name for p in (tmp_path / "out/feeds").iterdir()}
    for key in keys:
        assert f"{key}.rss.xml" in names
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["feeds"]


def test_feed_specs_configured_feed_wins_over_auto_feed(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    politics = FeedSpec(key="siyasa", title="سياسة", kind="category", value="سياسة")
    config = dataclasses.replace(config, feeds=(*config.feeds, politics))
    with open_store(config.storage_url) as store:
        store.upsert_article(make_article(1))
        specs = feed_specs(config, store)
    assert [s.key for s in specs] == ["main", "urgent", "siyasa", "partner-akhbar"]
