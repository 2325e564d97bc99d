"""[[feeds]] max_item_age: items older than it leave the feed at the next publish.

Real stores (SQLite and PostgreSQL, `store_url`), real publish_all into files; the clock is
publish_all's `now`. Unchanged feeds are still not rendered or rewritten until an item
actually ages out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from syndication.config import (
    URGENT_MAX_ITEM_AGE,
    Config,
    PublishSettings,
    SchedulerSettings,
    ServeSettings,
    load,
)
from syndication.model import Article, FeedSpec, FetchSettings, PartnerFeed
from syndication.publish import publish_all
from syndication.store import Store, open_store
from tests.support import ROOT
from tests.support.factories import make_article

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def make_config(tmp_path: Path, storage_url: str) -> Config:
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=storage_url,
        fetch=FetchSettings(),
        publish=PublishSettings(base_url="https://feeds.example.org/", out_dir="feeds"),
        scheduler=SchedulerSettings(),
        serve=ServeSettings(),
        partners=(PartnerFeed(id="akhbar", name="أخبار اليوم", feed_url="https://p.example/rss"),),
        feeds=(
            FeedSpec(key="main", title="الأخبار", kind="main"),
            FeedSpec(key="urgent", title="عاجل", kind="urgent", max_item_age=48),
        ),
        categories=(),
    )


def urgent_article(n: int, published: dt.datetime, **changes: object) -> Article:
    return make_article(n, urgent=True, published=published, updated=published, **changes)


OLD = urgent_article(1, NOW - dt.timedelta(days=425))  # 14 months
EDGE = urgent_article(2, NOW - 47 * HOUR)  # ages out one hour after NOW
FRESH = urgent_article(3, NOW - HOUR)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as s:
        for article in (OLD, EDGE, FRESH):
            s.upsert_article(article)
        yield s


def links(path: Path) -> list[str]:
    return [e.link for e in feedparser.parse(path.read_bytes()).entries]


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


def age_files(directory: Path) -> None:
    """Every mtime an hour back, so a needless rewrite cannot hide in the same tick."""
    for p in directory.iterdir():
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 3_600 * 10**9))


def test_items_older_than_max_item_age_leave_the_feed(tmp_path: Path, store: Store) -> None:
    config = make_config(tmp_path, store.url)
    publish_all(config, store, now=NOW)
    feeds = tmp_path / "feeds"
    assert links(feeds / "urgent.rss.xml") == [FRESH.url, EDGE.url]
    assert links(feeds / "urgent.atom.xml") == [FRESH.url, EDGE.url]
    assert OLD.url not in (feeds / "urgent.json").read_text(encoding="utf-8")
    # A feed without max_item_age keeps everything, however old.
    assert links(feeds / "main.rss.xml") == [FRESH.url, EDGE.url, OLD.url]


def test_nothing_aged_out_no_render_then_the_next_publish_after_ageing_rewrites(
    tmp_path: Path, store: Store
) -> None:
    config = make_config(tmp_path, store.url)
    publish_all(config, store, now=NOW)
    feeds = tmp_path / "feeds"
    age_files(feeds)
    before = snapshot(feeds)

    # Half an hour on: nothing aged out, so nothing is rendered, let alone written.
    again = publish_all(config, store, now=NOW + HOUR / 2)
    assert not any(p.changed for p in again)
    assert snapshot(feeds) == before
    urgent = feeds / "urgent.rss.xml"
    urgent.write_bytes(b"<rss>edited by hand</rss>")  # survives only if not rendered
    publish_all(config, store, now=NOW + HOUR)  # EDGE is exactly 48 h old: still in
    assert urgent.read_bytes() == b"<rss>edited by hand</rss>"
    urgent.write_bytes(before["urgent.rss.xml"][0])
    os.utime(urgent, ns=(before["urgent.rss.xml"][1], before["urgent.rss.xml"][1]))

    # One second later EDGE is too old: the store did not change, the urgent feed does.
    later = publish_all(config, store, now=NOW + HOUR + dt.timedelta(seconds=1))
    after = snapshot(feeds)
    changed = {name for name in after if after[name] != before[name]}
    # (and the news sitemap, which lists the last 48 hours too)
    assert changed == {
        "urgent.rss.xml",
        "urgent.atom.xml",
        "urgent.json",
        "urgent.ninjs.json",
        "news-sitemap.xml",
    }
    assert {p.key for p in later if p.changed} == {"urgent"}
    assert links(urgent) == [FRESH.url]

    # And then it is stable again.
    age_files(feeds)
    settled = snapshot(feeds)
    assert not any(p.changed for p in publish_all(config, store, now=NOW + 2 * HOUR))
    assert snapshot(feeds) == settled


def test_an_edit_does_not_bring_an_old_item_back(tmp_path: Path, store: Store) -> None:
    config = make_config(tmp_path, store.url)
    publish_all(config, store, now=NOW)
    edited = dataclasses.replace(
        OLD, title="تصحيح: عنوان معدل", updated=NOW, content_hash="edited", item_hash="edited"
    )
    assert store.upsert_article(edited) == "updated"
    published = publish_all(config, store, now=NOW)  # the urgent feed is rendered again…
    changed = {p.key for p in published if p.changed}
    assert changed == {"main", "category-politics", "partner-akhbar"}  # …to the same bytes
    assert OLD.url not in links(tmp_path / "feeds" / "urgent.rss.xml")


def test_config_defaults_and_validation(tmp_path: Path) -> None:
    shipped = load(ROOT / "config.toml")
    urgent = next(f for f in shipped.feeds if f.kind == "urgent")
    assert urgent.max_item_age == URGENT_MAX_ITEM_AGE == 48
    path = tmp_path / "config.toml"
    feeds = (
        '[[feeds]]\nkey = "u"\ntitle = "ع"\nkind = "urgent"\n'
        '[[feeds]]\nkey = "m"\ntitle = "ر"\nkind = "main"\n'
        '[[feeds]]\nkey = "w"\ntitle = "أ"\nkind = "main"\nmax_item_age = 168.5\n'
    )
    path.write_text(feeds, encoding="utf-8")
    ages = {f.key: f.max_item_age for f in load(path).feeds}
    assert ages == {"u": 48, "m": None, "w": 168.5}
