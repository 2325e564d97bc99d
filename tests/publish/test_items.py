"""Per-run item cache and shared store reads: the bytes are those of feedgen's whole-document
build, an edited article is never served from the cache, feeds sharing a selection read
the store once unless its stamp moved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

from syndication.config import PublishSettings
from syndication.model import Article, Category, FeedSpec, Image
from syndication.publish import publish_all, render_atom, render_json, render_rss
from syndication.publish import reference as rd
from syndication.publish import select as sel
from syndication.publish.items import ItemCache, for_run, shared_cache
from syndication.store import open_store
from tests.support.factories import MAIN, NOW, SETTINGS, make_article, make_config

URGENT = FeedSpec(key="urgent", title="عاجل", kind="urgent", limit=10)
SELF = SETTINGS.base_url + "main.rss.xml"


def hostile() -> Article:
    return make_article(
        50,
        title="عنوان\u200f <b>غامق</b>\x07",
        body_html="<p>قبل ]]> بعد</p>",
        images=(
            Image(url="javascript:x"),
            Image(url="https://img.example.com/ok.webp", caption="<i>تعليق</i>", credit=" x "),
        ),
        author=None,
        categories=(Category(label="عاجل", slug="urgent"), Category(label="x", slug="x")),
        urgent=True,
        language="en",
        published=NOW + dt.timedelta(days=1),  # clamped to NOW
    )


def articles() -> list[Article]:
    return [make_article(n, urgent=n % 3 == 0) for n in range(1, 12)] + [hostile()]


def whole_document(
    fmt: str, spec: FeedSpec, items: list[Article], settings: PublishSettings
) -> bytes:
    """The feed as feedgen builds it in one piece (entries added to the generator): what
    the spliced, cached items must reproduce byte for byte."""
    items = sel.publishable(spec, items)
    fg = rd._feed(spec, items, settings, self_url=SELF, now=NOW, fmt=fmt)
    cdata: dict[str, str] = {}
    for article in items:
        if fmt == "rss":
            entry, markers = rd.rss_entry(article, settings, NOW)
            cdata.update(markers)
        else:
            entry = rd.atom_entry(article, settings, NOW)
        fg.add_entry(entry, order="append")
    root, doc = fg._create_rss() if fmt == "rss" else fg._create_atom()
    return rd._swap_markers(rd._serialize(root, doc, settings), cdata)


def render(fmt: str, spec: FeedSpec, items: list[Article], **kw: Any) -> bytes:
    renderer = {"rss": render_rss, "atom": render_atom, "json": render_json}[fmt]
    return renderer(spec, items, kw.pop("settings", SETTINGS), self_url=SELF, now=NOW, **kw)


def test_spliced_items_equal_feedgens_whole_document() -> None:
    for settings in (SETTINGS, dataclasses.replace(SETTINGS, stylesheet=False, hub_url=None)):
        for fmt in ("rss", "atom"):
            for spec in (MAIN, URGENT, dataclasses.replace(MAIN, limit=0)):
                expected = whole_document(fmt, spec, articles(), settings)
                assert render(fmt, spec, articles(), settings=settings) == expected


def test_a_shared_cache_gives_the_same_bytes_and_renders_each_item_once() -> None:
    cache = ItemCache(SETTINGS)
    for fmt in ("rss", "atom", "json"):
        for spec in (MAIN, URGENT):
            alone = render(fmt, spec, articles())
            assert render(fmt, spec, articles(), cache=cache) == alone
    distinct = len(sel.publishable(MAIN, articles()))
    assert cache.misses == 3 * distinct  # urgent's items were all in main already
    assert cache.hits > 0


def test_an_edited_article_is_rendered_again() -> None:
    cache = ItemCache(SETTINGS)
    original = make_article(1)
    render("rss", MAIN, [original], cache=cache)
    render("json", MAIN, [original], cache=cache)
    # A summary edit keeps the id and the content hash; it must still show.
    edited = dataclasses.replace(original, summary="ملخص جديد بعد التعديل")
    for fmt in ("rss", "json"):
        data = render(fmt, MAIN, [edited], cache=cache)
        assert "ملخص جديد بعد التعديل".encode() in data
        assert data == render(fmt, MAIN, [edited])
    # …and the old version, if asked for again, is not the edited one either.
    assert render("rss", MAIN, [original], cache=cache) == render("rss", MAIN, [original])


def test_a_cache_for_other_settings_is_not_used() -> None:
    cache = ItemCache(SETTINGS)
    assert for_run(cache, SETTINGS) is cache
    assert for_run(cache, dataclasses.replace(SETTINGS, language="en")) is not cache
    shared = shared_cache(SETTINGS)
    assert shared_cache(SETTINGS) is shared
    assert shared_cache(dataclasses.replace(SETTINGS, title="آخر")) is not shared
    assert shared_cache(SETTINGS, fresh=True) is not shared  # publish --force


def test_items_are_reused_at_a_later_now_only_when_no_date_was_clamped() -> None:
    cache = ItemCache(SETTINGS)
    future = hostile()  # published a day after NOW: clamped to NOW
    render("atom", MAIN, [make_article(1), future], cache=cache)
    misses = cache.misses
    for later in (NOW + dt.timedelta(hours=1), NOW + dt.timedelta(days=2)):
        data = render_atom(
            MAIN, [make_article(1), future], SETTINGS, self_url=SELF, now=later, cache=cache
        )
        assert data == render_atom(
            MAIN, [make_article(1), future], SETTINGS, self_url=SELF, now=later
        )
        assert cache.misses == misses + 1  # the future-dated item only
        misses = cache.misses


def test_items_of_articles_no_feed_carries_are_dropped() -> None:
    cache = ItemCache(SETTINGS)
    one, two, three = make_article(1), make_article(2), make_article(3)
    render("json", MAIN, [one, two, three], cache=cache)
    cache.hold("main", [one.id, two.id])
    cache.hold("politics", [two.id])
    cache.end_run(["main", "politics"])
    assert len(cache) == 2  # three: rendered, then cut (no feed holds it)
    cache.hold("main", [one.id])  # two left main, but politics still carries it
    assert len(cache) == 2
    cache.end_run(["main"])  # politics is no longer configured
    assert len(cache) == 1
    misses = cache.misses
    render("json", MAIN, [one], cache=cache)
    assert cache.misses == misses


def test_a_small_budget_evicts_without_changing_the_bytes() -> None:
    cache = ItemCache(SETTINGS, budget=5_000)
    for _ in range(2):
        for fmt in ("rss", "atom", "json"):
            assert render(fmt, MAIN, articles(), cache=cache) == render(fmt, MAIN, articles())
    assert cache.size <= 5_000 or len(cache) == 1


def test_selection_reads_reuse_only_under_the_same_stamp() -> None:
    reads = sel.SelectionReads()
    everything = sel.Selection()
    items = [make_article(n) for n in range(3, 0, -1)]
    reads.put(everything, "s=1", 3, items)
    assert reads.get(everything, "s=1", 2) == items  # select() takes the first 2
    assert reads.get(everything, "s=1", 4) is None  # a longer feed reads the store
    assert reads.get(everything, "s=2", 2) is None  # the selection changed meanwhile
    assert reads.get(sel.Selection(urgent=True), "s=1", 2) is None


def test_feeds_sharing_a_selection_show_an_edit_in_the_next_run(tmp_path: Path) -> None:
    base = make_config(tmp_path, per_category=False, per_partner=False)
    feeds = (
        FeedSpec(key="main", title="الأخبار", kind="main", limit=20),
        FeedSpec(key="main-short", title="الأخبار", kind="main", limit=3),
    )
    config = dataclasses.replace(base, feeds=feeds)
    out = tmp_path / "out/feeds"
    with open_store(config.storage_url) as store:
        for n in range(1, 6):
            store.upsert_article(make_article(n))
        publish_all(config, store, now=NOW)
        short = (out / "main-short.rss.xml").read_bytes()
        assert short.count(b"<item>") == 3
        edited = make_article(5, title="عنوان معدل للخبر الخامس", content_hash="hash5b")
        store.upsert_article(edited)
        published = publish_all(config, store, now=NOW)
    assert {p.key for p in published if p.changed} == {"main", "main-short"}
    for name in ("main.rss.xml", "main-short.atom.xml", "main-short.json"):
        assert "عنوان معدل للخبر الخامس".encode() in (out / name).read_bytes()
    assert (out / "main-short.rss.xml").read_bytes() == render_rss(
        feeds[1],
        [make_article(n) for n in (3, 4)] + [edited],
        config.publish,
        self_url=sel.self_url(config.publish, "main-short.rss.xml"),
        now=NOW,
    )
