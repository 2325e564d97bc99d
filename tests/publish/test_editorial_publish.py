"""Editorial control reaching the published files: a kill leaves every format of every
feed it was in within one publish (the other items byte-identical), an embargoed
article is in no file before its time and leads the feeds from it (injected clock)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from syndication.config import Config
from syndication.model import Category
from syndication.publish import publish_all
from syndication.store import Store, open_store
from tests.support.factories import ECONOMY, POLITICS, make_article, make_config

NOW = dt.datetime(2026, 2, 2, 12, 0, tzinfo=dt.UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
SPORTS = Category(label="رياضة", slug="sports")


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return dataclasses.replace(make_config(tmp_path), storage_url=store_url)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        yield s


def out(config: Config) -> Path:
    return Path(config.base_dir) / "out/feeds"


def items_of(path: Path) -> dict[str, bytes]:
    """Each item of a feed file by its id, as the exact bytes it was written with."""
    data = path.read_bytes()
    if path.name.endswith(".ninjs.json"):
        return {
            str(item["uri"]): json.dumps(item, ensure_ascii=False, sort_keys=True).encode()
            for item in json.loads(data)
        }
    if path.name.endswith(".json"):
        return {
            str(item["id"]): json.dumps(item, ensure_ascii=False, sort_keys=True).encode()
            for item in json.loads(data)["items"]
        }
    root = etree.fromstring(data)
    if path.name.endswith(".rss.xml"):
        return {str(i.findtext("guid")): _bytes(i) for i in root.iter("item")}
    return {str(e.findtext(f"{ATOM}id")): _bytes(e) for e in root.iter(f"{ATOM}entry")}


def _bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="unicode").encode()


def is_victim(key: str) -> bool:
    return key.endswith(("art0005", "/news/5"))


def feed_files(config: Config) -> list[Path]:
    return sorted(
        p for p in out(config).iterdir() if p.name.endswith((".rss.xml", ".atom.xml", ".json"))
    )


def test_a_kill_reaches_every_format_and_feed_in_one_publish(config: Config, store: Store) -> None:
    victim = make_article(5, urgent=True, categories=(POLITICS, ECONOMY))
    others = [
        make_article(1, categories=(POLITICS,)),
        make_article(2, urgent=True, categories=(ECONOMY,)),
        make_article(3, categories=(SPORTS,), partner_id="other"),
        make_article(4, categories=(POLITICS, SPORTS)),
    ]
    for article in [victim, *others]:
        store.upsert_article(article)
    publish_all(config, store, now=NOW)
    before = {p.name: items_of(p) for p in feed_files(config)}
    raw = {p.name: p.read_bytes() for p in feed_files(config)}
    carrying = {name for name, items in before.items() if any(map(is_victim, items))}
    # main, urgent, both categories and its partner, each as RSS, Atom, JSON Feed, ninjs,
    keys = {name.split(".")[0] for name in carrying}
    assert keys == {"main", "urgent", "category-politics", "category-economy", "partner-akhbar"}
    assert len(carrying) == 21  # and the page of its day in the urgent archive

    assert store.kill_article(victim.id, "خطأ جسيم في الخبر", "amira", now=NOW)
    published = publish_all(config, store, now=NOW)
    rewritten = {p.name for p in feed_files(config) if p.read_bytes() != raw[p.name]}

    assert rewritten == carrying  # one publish, every file that carried it, no other
    assert {p.key for p in published if p.changed} == {n.split(".")[0] for n in carrying}
    for path in feed_files(config):
        after = items_of(path)
        if path.name.endswith(".ninjs.json"):
            # ninjs tells agency systems to take it down: a canceled notice, no content.
            notices = [json.loads(v) for k, v in after.items() if is_victim(k)]
            assert [n["pubStatus"] for n in notices] == (
                ["canceled"] if path.name in carrying else []
            ), path.name
            assert all("headlines" not in n for n in notices)
            after = {k: v for k, v in after.items() if not is_victim(k)}
        assert victim.title not in json.dumps(list(map(bytes.decode, after.values()))), path.name
        if not path.name.endswith(".ninjs.json"):
            assert victim.title not in path.read_text("utf-8"), path.name
        # Every other item is byte for byte what it was.
        expected = {k: v for k, v in before[path.name].items() if not is_victim(k)}
        assert after == expected, path.name


def test_an_embargoed_article_is_absent_before_and_leads_after_its_time(
    config: Config, store: Store
) -> None:
    until = NOW + dt.timedelta(hours=1)
    held = dataclasses.replace(make_article(9, urgent=True), embargo_until=until)
    store.upsert_article(make_article(1))
    store.upsert_article(held)

    publish_all(config, store, now=NOW)
    for path in feed_files(config):
        assert held.title not in path.read_text("utf-8"), path.name
    snapshot = {p.name: p.read_bytes() for p in feed_files(config)}

    minute_before = publish_all(config, store, now=until - dt.timedelta(minutes=1))
    assert not any(p.changed for p in minute_before)
    assert {p.name: p.read_bytes() for p in feed_files(config)} == snapshot

    at_time = publish_all(config, store, now=until)
    changed = {p.path.rsplit("/", 1)[1] for p in at_time if p.changed}
    assert {"main.rss.xml", "urgent.atom.xml", "category-politics.json"} <= changed
    main = json.loads((out(config) / "main.json").read_text("utf-8"))
    assert main["items"][0]["title"] == held.title
    assert main["items"][0]["date_published"].startswith("2026-02-02T13:00:00")


def test_an_urgent_override_moves_the_article_into_the_urgent_feed(
    config: Config, store: Store
) -> None:
    article = make_article(1)
    store.upsert_article(article)
    publish_all(config, store, now=NOW)
    assert article.title not in (out(config) / "urgent.rss.xml").read_text("utf-8")
    store.set_urgent(article.id, True, "amira", now=NOW)
    publish_all(config, store, now=NOW)
    assert article.title in (out(config) / "urgent.rss.xml").read_text("utf-8")
