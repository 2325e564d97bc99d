"""RFC 5005 archive pages of the urgent feed: the chain from the subscription document
back through one page per day, walked with feedparser, validated with the Atom RELAX NG
grammar; a kill rewrites only the page of its day."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from syndication.config import Config
from syndication.model import Article
from syndication.publish import publish_all
from syndication.store import Store, open_store
from tests.support import DATA
from tests.support.factories import make_article, make_config

NOW = dt.datetime(2026, 2, 5, 12, 0, tzinfo=dt.UTC)
BASE = "https://feeds.example.org/feeds/"
FH = "{http://purl.org/syndication/history/1.0}archive"
RNG = etree.RelaxNG(etree.parse(str(DATA / "atom.rng")))


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    base = make_config(tmp_path)
    # As config.toml gives urgent feeds: 48 hours in the subscription document.
    feeds = tuple(
        dataclasses.replace(f, max_item_age=48) if f.kind == "urgent" else f for f in base.feeds
    )
    return dataclasses.replace(base, storage_url=store_url, feeds=feeds)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        yield s


def urgent(n: int, when: dt.datetime, **changes: Any) -> Article:
    return make_article(n, urgent=True, published=when, updated=when, **changes)


def out(config: Config) -> Path:
    return Path(config.base_dir) / "out/feeds"


def link(parsed: Any, rel: str) -> str | None:
    return next((x.href for x in parsed.feed.get("links", []) if x.rel == rel), None)


def walk(config: Config) -> list[tuple[str, Any]]:
    """(file name, feedparser result) from the subscription feed back along prev-archive."""
    name = "urgent.atom.xml"
    pages = []
    while name:
        parsed = feedparser.parse((out(config) / name).read_bytes())
        assert not parsed.bozo, name
        pages.append((name, parsed))
        prev = link(parsed, "prev-archive")
        name = prev.removeprefix(BASE) if prev else ""
    return pages


def fill(store: Store) -> list[Article]:
    day = dt.timedelta(days=1)
    stories = [
        urgent(1, NOW - 3 * day),
        urgent(2, NOW - 3 * day + dt.timedelta(hours=2)),
        urgent(3, NOW - 2 * day - dt.timedelta(hours=1)),
        urgent(4, NOW - dt.timedelta(hours=1)),
    ]
    for article in [*stories, make_article(9, published=NOW - day, updated=NOW - day)]:
        store.upsert_article(article)
    return stories


def test_the_archive_chain_reaches_every_urgent_story(config: Config, store: Store) -> None:
    stories = fill(store)
    publish_all(config, store, now=NOW)

    pages = walk(config)
    names = [name for name, _ in pages]
    assert names == [
        "urgent.atom.xml",
        "urgent.archive-2026-02-05.atom.xml",
        "urgent.archive-2026-02-03.atom.xml",
        "urgent.archive-2026-02-02.atom.xml",
    ]
    # The subscription feed keeps its 48 hours; the archive pages have the rest.
    assert [e.link for e in pages[0][1].entries] == [stories[3].url]
    found = {e.id for _, parsed in pages[1:] for e in parsed.entries}
    assert found == {f"tag:news.example.org,2026:article/art000{n}" for n in (1, 2, 3, 4)}
    assert [e.link for e in pages[3][1].entries] == [stories[1].url, stories[0].url]
    for i, (name, parsed) in enumerate(pages[1:], start=1):
        tree = etree.parse(str(out(config) / name))
        assert tree.getroot().find(FH) is not None, name
        assert RNG.validate(tree), (name, RNG.error_log)
        assert link(parsed, "current") == BASE + "urgent.atom.xml"
        assert link(parsed, "self") == BASE + name
        newer = BASE + names[i - 1] if i > 1 else None
        assert link(parsed, "next-archive") == newer
        assert parsed.feed.language == "ar"
    assert etree.parse(str(out(config) / "urgent.atom.xml")).getroot().find(FH) is None


def test_a_kill_rewrites_only_the_page_of_its_day(config: Config, store: Store) -> None:
    fill(store)
    publish_all(config, store, now=NOW)
    before = {p.name: p.read_bytes() for p in out(config).glob("urgent.archive-*")}
    store.kill_article("art0001", "خطأ", "amira", now=NOW)
    publish_all(config, store, now=NOW)
    after = {p.name: p.read_bytes() for p in out(config).glob("urgent.archive-*")}
    assert {n for n in after if after[n] != before[n]} == {"urgent.archive-2026-02-02.atom.xml"}
    entries = feedparser.parse(after["urgent.archive-2026-02-02.atom.xml"]).entries
    assert [e.id.rsplit("/", 1)[1] for e in entries] == ["art0002"]

    # The last story of a day killed: its page goes, and the chain closes over the gap.
    store.kill_article("art0003", "خطأ", "amira", now=NOW)
    publish_all(config, store, now=NOW)
    assert not (out(config) / "urgent.archive-2026-02-03.atom.xml").exists()
    assert [name for name, _ in walk(config)] == [
        "urgent.atom.xml",
        "urgent.archive-2026-02-05.atom.xml",
        "urgent.archive-2026-02-02.atom.xml",
    ]
    assert store.get_feed_file("urgent.archive-2026-02-03.atom.xml") is None


def test_an_unchanged_store_rewrites_no_archive_page(config: Config, store: Store) -> None:
    fill(store)
    publish_all(config, store, now=NOW)
    pages = sorted(out(config).glob("urgent.archive-*"))
    stamps = [p.stat().st_mtime_ns for p in pages]
    publish_all(config, store, now=NOW + dt.timedelta(hours=1), force=True)
    assert [p.stat().st_mtime_ns for p in pages] == stamps
