"""Main and category feeds carry a story once, as its first article with the other wires
as sources (RSS <source>, Atom rel="related", JSON _also_in, an "أيضا في" line in the
HTML); partner feeds keep every article; dedupe = "none" turns it off. Real SQLite store,
real files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from lxml import etree

from syndication.model import Category, FeedSpec
from syndication.publish import publish_all
from syndication.store import open_store
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
