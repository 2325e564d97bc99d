"""Main and category feeds carry a story once, as its first article with the other wires
as sources (RSS <source>, Atom rel="related", JSON _also_in, an "أيضا في" line in the
HTML); partner feeds keep every article; dedupe = "none" turns it off. Real SQLite store,
real files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from syndication.model import Article, Category, FeedSpec
from syndication.publish import publish_all
from syndication.publish import select as sel
from syndication.store import Store, open_store
from tests.support.factories import build_config
from tests.support.stories import FUEL, QUAKE, QUAKE_REWRITE, T0, article

WORLD = Category(label="دولي", slug="world")


def _items(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot().iter("item"))


def test_main_and_category_feeds_show_a_story_once_with_its_sources(tmp_path: Path) -> None:
    config = build_config(
        tmp_path, [("afp", "https://afp.example.com/rss"), ("aa", "https://aa.example.com/rss")]
    )
    with open_store(config.storage_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE, categories=(WORLD,)))
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=2, categories=(WORLD,)))
        store.upsert_article(article("c1", "afp", FUEL, hours=3, title="مصر ترفع أسعار الوقود"))
        publish_all(config, store, now=T0.replace(hour=20))
    out = Path(config.base_dir) / "feeds"

    main = _items(out / "main.rss.xml")
    assert [i.findtext("link") for i in main] == [
        "https://afp.example.com/c1",
        "https://afp.example.com/a1",  # the first wire; aa's rewrite is not a second item
    ]
    sources = main[1].findall("source")
    assert [(s.get("url"), s.text) for s in sources] == [
        ("http://127.0.0.1:8080/partner-aa.rss.xml", "شريك aa")
    ]
    body = main[1].findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or ""
    assert 'أيضا في: <a href="https://aa.example.com/b1"' in body
    assert main[0].find("source") is None

    category = _items(out / "category-world.rss.xml")
    assert [i.findtext("link") for i in category] == ["https://afp.example.com/a1"]

    atom = etree.parse(str(out / "main.atom.xml")).getroot()
    related = atom.findall(".//{http://www.w3.org/2005/Atom}link[@rel='related']")
    assert [(r.get("href"), r.get("title")) for r in related] == [
        ("https://aa.example.com/b1", "شريك aa")
    ]
    feed = json.loads((out / "main.json").read_text("utf-8"))
    assert feed["items"][1]["_also_in"][0]["url"] == "https://aa.example.com/b1"

    # Partner feeds keep all their items.
    assert [i.findtext("link") for i in _items(out / "partner-aa.rss.xml")] == [
        "https://aa.example.com/b1"
    ]


def test_dedupe_none_keeps_every_wire(tmp_path: Path) -> None:
    config = build_config(
        tmp_path, [("afp", "https://afp.example.com/rss"), ("aa", "https://aa.example.com/rss")]
    )
    config = dataclasses.replace(
        config, feeds=(FeedSpec(key="main", title="الرئيسية", kind="main", dedupe="none"),)
    )
    with open_store(config.storage_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE))
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=2))
        publish_all(config, store, now=T0.replace(hour=20))
    main = _items(Path(config.base_dir) / "feeds" / "main.rss.xml")
    assert len(main) == 2
    assert all(i.find("source") is None for i in main)


def test_a_later_wire_rerenders_the_feed_of_the_first(tmp_path: Path) -> None:
    config = build_config(
        tmp_path, [("afp", "https://afp.example.com/rss"), ("aa", "https://aa.example.com/rss")]
    )
    out = Path(config.base_dir) / "feeds"
    with open_store(config.storage_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE, categories=(WORLD,)))
        publish_all(config, store, now=T0.replace(hour=20))
        assert _items(out / "category-world.rss.xml")[0].find("source") is None
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=2))
        publish_all(config, store, now=T0.replace(hour=21))
    sources = _items(out / "category-world.rss.xml")[0].findall("source")
    assert [s.text for s in sources] == ["شريك aa"]


def test_killing_the_first_wire_leaves_the_next_one_leading_the_story(tmp_path: Path) -> None:
    config = build_config(
        tmp_path, [("afp", "https://afp.example.com/rss"), ("aa", "https://aa.example.com/rss")]
    )
    with open_store(config.storage_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE))
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=2))
        assert store.kill_article("a1", "نشر بالخطأ", "editor", T0.replace(hour=19))
        publish_all(config, store, now=T0.replace(hour=20))
    main = _items(Path(config.base_dir) / "feeds" / "main.rss.xml")
    assert [i.findtext("link") for i in main] == ["https://aa.example.com/b1"]
    assert main[0].find("source") is None  # the killed wire is no longer a source


class _CountingStore:
    """The store, with the places and the articles a feed's selection read counted."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.places = 0
        self.articles = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def latest_keys(self, **kwargs: Any) -> list[tuple[dt.datetime, str]]:
        found = self._store.latest_keys(**kwargs)
        self.places += len(found)
        return found

    def latest(self, **kwargs: Any) -> list[Article]:
        found = self._store.latest(**kwargs)
        self.articles += len(found)
        return found

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]:
        found = self._store.get_articles(article_ids)
        self.articles += len(found)
        return found


def _story_paragraphs(story: int) -> list[str]:
    # Words of made-up letters, seeded by the story: two stories share next to nothing.
    rng = random.Random(story)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    return [" ".join("".join(rng.choices(letters, k=5)) for _ in range(40)) for _ in range(3)]


def test_a_deduplicated_feed_read_in_pieces_equals_one_deep_read(store_url: str) -> None:
    # 40 stories carried by 1 to 4 of 4 partners: select() reads on where it stopped
    # until it has `limit` stories; every limit must give exactly the first `limit`
    # stories of one read of the whole store.
    partners = [(f"w{i}", f"https://w{i}.example.com/rss") for i in range(4)]
    rng = random.Random(7)
    with open_store(store_url) as store:
        config = dataclasses.replace(build_config(Path("."), partners), storage_url=store_url)
        for story in range(40):
            wires = rng.sample(range(4), rng.randint(1, 4))
            for j, wire in enumerate(wires):
                store.upsert_article(
                    article(
                        f"s{story:02d}-w{wire}",
                        f"w{wire}",
                        _story_paragraphs(story),
                        hours=story * 0.5 + j * 0.1,
                        categories=(WORLD,) if story % 3 else (),
                    )
                )
        now = T0 + dt.timedelta(days=1)
        for spec in (
            FeedSpec(key="main", title="m", kind="main"),
            FeedSpec(key="world", title="w", kind="category", value="world"),
        ):
            selected = sel.selection(config, store, spec)
            whole = sel._read(store, selected, 10_000, now)
            expected = sel.deduplicate(
                config, selected, whole, store.story_members([a.id for a in whole])
            )
            assert 20 < len(expected) < len(whole)  # stories of several wires are there
            for limit in (1, 2, 3, 5, 8, 13, 21, 40):
                counting = _CountingStore(store)
                got = sel.select(config, counting, dataclasses.replace(spec, limit=limit), now=now)
                assert got == expected[:limit], (spec.key, limit)
                # Places read on, never again from the top; articles read only to show.
                assert counting.places <= len(whole), (spec.key, limit, counting.places)
                shown = min(limit, len(expected))
                assert counting.articles == shown, (spec.key, limit, counting.articles)
