"""IPTC ninjs 3.0 files (`feeds/<key>.ninjs.json`), published from a real store on both
backends and validated against the ninjs 3.0 schema in tests/data/ninjs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import jsonschema
import pytest

from syndication.config import Config
from syndication.publish import publish_all
from syndication.store import Store, open_store
from tests.support import DATA
from tests.support.factories import ECONOMY, POLITICS, make_article, make_config

NOW = dt.datetime(2026, 2, 2, 12, 0, tzinfo=dt.UTC)
SCHEMA = json.loads((DATA / "ninjs" / "ninjs-schema_3.0.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return dataclasses.replace(make_config(tmp_path), storage_url=store_url)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        yield s


def out(config: Config) -> Path:
    return Path(config.base_dir) / "out/feeds"


def load(config: Config, key: str) -> list[dict[str, Any]]:
    value = json.loads((out(config) / f"{key}.ninjs.json").read_text("utf-8"))
    assert isinstance(value, list)
    return value


def test_the_schema_rejects_what_ninjs_forbids() -> None:
    # The schema file really constrains: a guard against validating with an empty one.
    good = {"uri": "tag:x.example,2026:article/1", "urgency": 1, "pubStatus": "usable"}
    assert VALIDATOR.is_valid(good)
    for bad in (
        {"urgency": 1},  # no uri
        {**good, "urgency": 0},
        {**good, "pubStatus": "killed"},
        {**good, "firstCreated": "yesterday"},
        {**good, "headline": "x"},  # not a ninjs property
        {**good, "associations": [{"uri": "https://img.example/1.jpg"}]},  # no name
    ):
        assert not VALIDATOR.is_valid(bad), bad


def test_every_ninjs_file_is_valid_and_matches_its_feed(config: Config, store: Store) -> None:
    urgent = make_article(3, urgent=True, categories=(ECONOMY,))
    store.upsert_article(make_article(1))
    store.upsert_article(make_article(2, categories=(POLITICS, ECONOMY)))
    store.upsert_article(urgent)
    publish_all(config, store, now=NOW)

    files = sorted(out(config).glob("*.ninjs.json"))
    keys = {p.name.removesuffix(".ninjs.json") for p in files}
    assert {"main", "urgent", "category-politics", "category-economy", "partner-akhbar"} <= keys
    for path in files:
        for item in json.loads(path.read_text("utf-8")):
            errors = [e.message for e in VALIDATOR.iter_errors(item)]
            assert errors == [], (path.name, errors)
        # The same stories, in the same order, as the feed's Atom file.
        key = path.name.removesuffix(".ninjs.json")
        atom = feedparser.parse((out(config) / f"{key}.atom.xml").read_bytes())
        assert [i["uri"] for i in load(config, key)] == [e.id for e in atom.entries]

    main = {i["uri"].rsplit("/", 1)[1]: i for i in load(config, "main")}
    assert main["art0003"]["urgency"] == 1 and main["art0001"]["urgency"] == 5
    one = main["art0001"]
    assert one["language"] == "ar" and one["pubStatus"] == "usable" and one["type"] == "text"
    assert one["standard"]["version"] == "3.0"
    assert one["headlines"] == [{"role": "main", "value": make_article(1).title}]
    assert one["bodies"][0]["contentType"] == "text/html"
    assert one["bodies"][0]["value"].startswith('<div dir="rtl" lang="ar">')
    assert one["subjects"][0]["name"] == "سياسة"
    lead, second = one["associations"]
    assert lead["type"] == "picture" and lead["name"] == "featureimage"
    assert lead["descriptions"] == [{"role": "caption", "value": "تعليق الصورة الأولى 1"}]
    assert lead["by"] == "تصوير: أحمد 1"
    assert lead["renditions"][0] == {
        "name": "original",
        "href": "https://img.example.com/1-lead.jpg",
        "contentType": "image/jpeg",
        "width": 1200,
        "height": 800,
        "sizeInBytes": 54321,
    }
    assert second["by"] == "وكالة الأنباء"


def test_a_kill_becomes_a_canceled_notice_in_the_feeds_that_carried_it(
    config: Config, store: Store
) -> None:
    victim = make_article(2, urgent=True, categories=(ECONOMY,))
    store.upsert_article(make_article(1))
    store.upsert_article(victim)
    publish_all(config, store, now=NOW)
    store.kill_article(victim.id, "طلب قانوني", "amira", now=NOW + dt.timedelta(minutes=5))
    publish_all(config, store, now=NOW + dt.timedelta(minutes=6))

    for key in ("main", "urgent", "category-economy", "partner-akhbar"):
        items = load(config, key)
        [notice] = [i for i in items if i["uri"].endswith("art0002")]
        assert notice["pubStatus"] == "canceled", key
        assert "headlines" not in notice and "bodies" not in notice  # nothing republished
        assert notice["versionCreated"] == "2026-02-02T12:05:00Z"
        assert VALIDATOR.is_valid(notice)
    assert all(not i["uri"].endswith("art0002") for i in load(config, "category-politics"))
    usable = [i["uri"] for i in load(config, "main") if i["pubStatus"] == "usable"]
    assert [u.rsplit("/", 1)[1] for u in usable] == ["art0001"]


def test_a_correction_raises_the_version(config: Config, store: Store) -> None:
    article = make_article(1)
    store.upsert_article(article)
    publish_all(config, store, now=NOW)
    assert load(config, "main")[0]["version"] == "1"
    store.upsert_article(
        dataclasses.replace(article, title="عنوان مصحح", content_hash="hash1b", updated=NOW)
    )
    publish_all(config, store, now=NOW)
    [item] = load(config, "main")
    assert item["version"] == "2" and item["headlines"][0]["value"] == "عنوان مصحح"
    assert item["versionCreated"] == "2026-02-02T12:00:00Z"


def test_objects_kept_for_other_feeds_give_the_bytes_rendered_afresh(config: Config) -> None:
    """An article's object is built once for every feed it is in; an edited article is
    built again."""
    from syndication.model import FeedSpec
    from syndication.publish.items import ItemCache
    from syndication.publish.ninjs import render_ninjs

    settings = config.publish
    spec = FeedSpec(key="main", title="الرئيسية", kind="main")
    articles = [make_article(i) for i in range(3)]
    cache = ItemCache(settings)
    first = render_ninjs(spec, articles, [], settings, now=NOW, cache=cache)
    assert first == render_ninjs(spec, articles, [], settings, now=NOW)
    assert render_ninjs(spec, articles, [], settings, now=NOW, cache=cache) == first
    edited = [dataclasses.replace(articles[0], title="خبر مصحح"), *articles[1:]]
    again = render_ninjs(spec, edited, [], settings, now=NOW, cache=cache)
    assert again == render_ninjs(spec, edited, [], settings, now=NOW) != first
    assert "خبر مصحح" in again.decode() and len(json.loads(again)) == 3
