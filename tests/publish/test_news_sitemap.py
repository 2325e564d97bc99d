"""The Google News sitemap (`feeds/news-sitemap.xml`): the last 48 hours only, never a
killed or embargoed story, valid against the sitemaps.org + Google News schemas in
tests/data/sitemap."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from syndication.config import Config
from syndication.model import Article
from syndication.publish import publish_all
from syndication.store import Store, open_store
from tests.support import DATA
from tests.support.factories import make_article, make_config

NOW = dt.datetime(2026, 2, 3, 12, 0, tzinfo=dt.UTC)
SCHEMA = etree.XMLSchema(etree.parse(str(DATA / "sitemap" / "sitemap.xsd")))
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return dataclasses.replace(make_config(tmp_path), storage_url=store_url)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        yield s


def at(n: int, hours_ago: float, **changes: Any) -> Article:
    published = NOW - dt.timedelta(hours=hours_ago)
    return make_article(n, published=published, updated=published, **changes)


def texts(node: etree._Element | etree._ElementTree, path: str) -> list[str]:
    found = node.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [str(x) for x in found]


def first_url(doc: etree._ElementTree) -> etree._Element:
    found = doc.xpath("//s:url", namespaces=NS)
    assert isinstance(found, list) and isinstance(found[0], etree._Element)
    return found[0]


def sitemap(config: Config) -> etree._ElementTree:
    return etree.parse(str(Path(config.base_dir) / "out/feeds/news-sitemap.xml"))


def test_the_news_sitemap_lists_the_last_48_hours_and_validates(
    config: Config, store: Store
) -> None:
    store.upsert_article(at(1, 1))
    store.upsert_article(at(2, 47))
    store.upsert_article(at(3, 49))  # too old for Google News
    killed = at(4, 2)
    store.upsert_article(killed)
    store.kill_article("art0004", "خطأ", "amira", now=NOW)
    held = dataclasses.replace(at(5, 3), embargo_until=NOW + dt.timedelta(hours=1))
    store.upsert_article(held)
    publish_all(config, store, now=NOW)

    doc = sitemap(config)
    assert SCHEMA.validate(doc), SCHEMA.error_log
    locs = texts(doc, "//s:url/s:loc/text()")
    assert locs == ["https://partner.example.com/news/1", "https://partner.example.com/news/2"]
    first = first_url(doc)
    assert texts(first, "news:news/news:publication/news:language/text()") == ["ar"]
    assert texts(first, "news:news/news:publication/news:name/text()") == ["أخبار الشركاء"]
    assert texts(first, "news:news/news:publication_date/text()") == ["2026-02-03T11:00:00Z"]
    assert texts(first, "news:news/news:title/text()") == [make_article(1).title]


def test_the_sitemap_follows_the_clock_and_is_untouched_otherwise(
    config: Config, store: Store
) -> None:
    store.upsert_article(at(1, 1))
    store.upsert_article(at(2, 47))
    held = dataclasses.replace(at(3, 0), embargo_until=NOW + dt.timedelta(minutes=30))
    store.upsert_article(held)
    publish_all(config, store, now=NOW)
    path = Path(config.base_dir) / "out/feeds/news-sitemap.xml"
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns

    publish_all(config, store, now=NOW + dt.timedelta(minutes=10))
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime

    publish_all(config, store, now=NOW + dt.timedelta(minutes=30))  # the embargo ends
    locs = texts(sitemap(config), "//s:loc/text()")
    assert locs[0] == "https://partner.example.com/news/3" and len(locs) == 3

    publish_all(config, store, now=NOW + dt.timedelta(hours=1, minutes=1))  # art 2 ages out
    locs = texts(sitemap(config), "//s:loc/text()")
    assert "https://partner.example.com/news/2" not in locs and len(locs) == 2
    assert SCHEMA.validate(sitemap(config))


def test_the_window_edge_is_read_from_the_store_exactly(config: Config, store: Store) -> None:
    # The store is asked for the window only (published at the cutoff or later); the
    # edge must fall where the sitemap's own rule puts it, to the second.
    store.upsert_article(at(1, 48))  # exactly 48 hours old: listed
    store.upsert_article(at(2, 48 + 1 / 3600))  # a second older: not
    store.upsert_article(at(3, 48 - 0.5 / 3600))  # half a second inside: listed
    publish_all(config, store, now=NOW + dt.timedelta(microseconds=700_000))
    locs = texts(sitemap(config), "//s:loc/text()")
    assert locs == ["https://partner.example.com/news/3", "https://partner.example.com/news/1"]
