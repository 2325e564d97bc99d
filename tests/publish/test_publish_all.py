"""publish_all against a real SQLite store: every format and the index written, byte-identical
regeneration, rewrites only where the store changed, failures, WebSub pings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from syndication.config import Config
from syndication.errors import PublishError
from syndication.model import Category, FeedSpec
from syndication.publish import STAMP_PREFIX, publish_all, write
from syndication.store import Store, open_store
from tests.support.factories import ECONOMY, NOW, make_article, make_config, parse


class Pings:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, hub: str, urls: list[str]) -> None:
        self.calls.append((hub, urls))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        s.upsert_article(make_article(1))
        s.upsert_article(make_article(2, urgent=True, categories=(ECONOMY,)))
        yield s


def out_dir(config: Config) -> Path:
    return Path(config.base_dir) / "out/feeds"


def snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(path.iterdir())}


def age_files(path: Path) -> None:
    """Set every mtime an hour back, so an unwanted rewrite cannot hide in the same tick."""
    for p in path.iterdir():
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 3_600 * 10**9))


def test_publish_all_writes_every_feed_format_and_index(config: Config, store: Store) -> None:
    pings = Pings()
    published = publish_all(config, store, now=NOW, ping=pings)
    out = out_dir(config)
    keys = {p.key for p in published}
    assert keys == {"main", "urgent", "category-politics", "category-economy", "partner-akhbar"}
    for key in keys:
        for suffix in (".rss.xml", ".atom.xml", ".json"):
            assert (out / f"{key}{suffix}").is_file()
    assert all(p.changed for p in published)
    assert (out / "feed.xsl").read_bytes().startswith(b"<?xml")
    urgent = parse((out / "urgent.rss.xml").read_bytes())
    assert [e.link for e in urgent.entries] == ["https://partner.example.com/news/2"]
    assert urgent.feed.ttl == "1"
    politics = parse((out / "category-politics.atom.xml").read_bytes())
    assert [e.link for e in politics.entries] == ["https://partner.example.com/news/1"]
    # One ping with every changed feed URL.
    [(hub, urls)] = pings.calls
    assert hub == "https://hub.example.org/"
    assert "https://feeds.example.org/feeds/main.rss.xml" in urls
    assert len(urls) == 15
    # Each written file is also in the store with its ETag, for stateless serving.
    saved = store.get_feed_file("main.atom.xml")
    assert saved is not None
    body, etag = saved
    assert body == (out / "main.atom.xml").read_bytes()
    assert etag.startswith('"') and len(etag) == 34


def test_index_html_lists_every_feed_with_autodiscovery(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    page = (out_dir(config) / "index.html").read_bytes()
    root = etree.HTML(page)
    assert root.get("lang") == "ar" and root.get("dir") == "rtl"
    alternates = root.findall("head/link[@rel='alternate']")
    hrefs = {(ln.get("type"), ln.get("href")) for ln in alternates}
    for key in ("main", "urgent", "category-politics", "category-economy", "partner-akhbar"):
        assert ("application/rss+xml", f"https://feeds.example.org/feeds/{key}.rss.xml") in hrefs
        assert ("application/atom+xml", f"https://feeds.example.org/feeds/{key}.atom.xml") in hrefs
        assert root.find(f".//li[@id='feed-{key}']") is not None
    assert all(ln.get("title") for ln in alternates)


def test_regeneration_without_change_is_byte_identical_and_untouched(
    config: Config, store: Store
) -> None:
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    age_files(out)
    before = snapshot(out)
    pings = Pings()
    again = publish_all(config, store, now=NOW + dt.timedelta(hours=1), ping=pings)
    assert snapshot(out) == before
    assert not any(p.changed for p in again)
    assert {p.entries for p in again if p.key == "main"} == {2}
    assert pings.calls == []
    # force renders again; the bytes are the same, so nothing is written either.
    forced = publish_all(config, store, now=NOW + dt.timedelta(hours=2), force=True)
    assert snapshot(out) == before
    assert not any(p.changed for p in forced)


def test_unchanged_stamp_skips_rendering_until_forced(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    path = out_dir(config) / "main.rss.xml"
    original = path.read_bytes()
    path.write_bytes(b"<rss>edited by hand</rss>")
    publish_all(config, store, now=NOW)
    assert path.read_bytes() == b"<rss>edited by hand</rss>"  # not rendered: stamp equal
    path.unlink()
    publish_all(config, store, now=NOW)
    assert path.read_bytes() == original  # a missing file is always rendered
    path.write_bytes(b"<rss>edited by hand</rss>")
    publish_all(config, store, now=NOW, force=True)
    assert path.read_bytes() == original


def test_a_store_change_rewrites_only_the_affected_feeds(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    age_files(out)
    before = snapshot(out)
    store.upsert_article(make_article(3, categories=(ECONOMY,)))
    pings = Pings()
    published = publish_all(config, store, now=NOW, ping=pings)
    after = snapshot(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {
        f"{key}{suffix}"
        for key in ("main", "category-economy", "partner-akhbar")
        for suffix in (".rss.xml", ".atom.xml", ".json", ".ninjs.json")
    }
    assert {p.key for p in published if p.changed} == {"main", "category-economy", "partner-akhbar"}
    [(_, urls)] = pings.calls
    assert sorted(urls) == sorted(
        f"https://feeds.example.org/feeds/{key}{suffix}"
        for key in ("main", "category-economy", "partner-akhbar")
        for suffix in (".rss.xml", ".atom.xml", ".json")
    )
    main = parse(after["main.rss.xml"][0])
    assert main.entries[0].link == "https://partner.example.com/news/3"


def test_the_store_copies_follow_the_files_and_are_mended(config: Config, store: Store) -> None:
    # The store's copies (served by a stateless `serve`) are saved with the feed's stamp.
    # A run stopped between writing the files and saving them left the files right and
    # the copies old: the next render of the feed mends the copies although the bytes
    # on disk do not change.
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    names = [f"main{suffix}" for suffix in (".rss.xml", ".atom.xml", ".json", ".ninjs.json")]
    for name in names:
        assert store.get_feed_file(name) == ((out / name).read_bytes(), etag(out / name))
    for name in names:
        store.save_feed_file(name, b"old", '"old"')
    store.set_meta(STAMP_PREFIX + "main", "")  # as if the stamp was never recorded
    before = snapshot(out)
    publish_all(config, store, now=NOW)
    assert snapshot(out) == before  # nothing written on disk
    for name in names:
        assert store.get_feed_file(name) == ((out / name).read_bytes(), etag(out / name))
    assert store.get_feed_file("partner-akhbar.rss.xml") is not None


def etag(path: Path) -> str:
    return write.etag(path.read_bytes())


def test_index_is_rewritten_only_when_the_feed_set_changes(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    index = out_dir(config) / "index.html"
    age_files(out_dir(config))
    mtime = index.stat().st_mtime_ns
    store.upsert_article(make_article(3))  # same categories: same feeds
    publish_all(config, store, now=NOW)
    assert index.stat().st_mtime_ns == mtime
    store.upsert_article(make_article(4, categories=(Category(label="رياضة", slug="sports"),)))
    publish_all(config, store, now=NOW)
    assert index.stat().st_mtime_ns != mtime
    assert b"category-sports.rss.xml" in index.read_bytes()


def test_publish_all_leaves_no_temp_files(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    store.upsert_article(make_article(3))
    publish_all(config, store, now=NOW)
    assert not [p.name for p in out_dir(config).iterdir() if p.name.startswith(".")]


def test_publish_removes_the_temp_files_of_killed_writers(config: Config, store: Store) -> None:
    """A publisher killed between writing its temporary file and the rename leaves the file;
    the next publish removes it, and only it: a live writer's file is its own business."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(gone.stdout)  # that process has exited: its pid names nobody now
    feeds = out_dir(config)
    feeds.mkdir(parents=True)
    stale = [f".main.rss.xml.{dead}.k2j4_x9q.tmp", f".probe-{dead}-a8sd7f6g.tmp"]
    live = f".main.atom.xml.{os.getppid()}.abcdefgh.tmp"
    for name in (*stale, live):
        (feeds / name).write_bytes(b"<rss>half")
    publish_all(config, store, now=NOW)
    left = sorted(p.name for p in feeds.iterdir() if p.name.startswith("."))
    assert left == [live]


def test_unwritable_output_directory_raises_publish_error_with_path(
    tmp_path: Path, store: Store
) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output directory should be")
    config = make_config(tmp_path)
    with pytest.raises(PublishError) as info:
        publish_all(config, store, now=NOW)
    assert str(tmp_path / "out/feeds") in str(info.value)
    assert "writable" in str(info.value)


def test_one_bad_feed_does_not_stop_the_others(config: Config, store: Store) -> None:
    bad = FeedSpec(key="../evil", title="شرير", kind="main")
    config = dataclasses.replace(config, feeds=(bad, *config.feeds))
    with pytest.raises(PublishError) as info:
        publish_all(config, store, now=NOW)
    assert "../evil" in str(info.value) and "safe file name" in str(info.value)
    out = out_dir(config)
    assert (out / "main.rss.xml").is_file() and (out / "index.html").is_file()
    assert not (Path(config.base_dir) / "out/evil.rss.xml").exists()


def test_failed_ping_is_reported_not_raised(
    config: Config, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def ping(hub: str, urls: list[str]) -> None:
        raise ConnectionError("hub down")

    publish_all(config, store, now=NOW, ping=ping)
    assert "hub down" in caplog.text
    assert (out_dir(config) / "main.rss.xml").is_file()


def test_private_feeds_are_not_listed_in_the_index(config: Config, store: Store) -> None:
    secret = FeedSpec(key="vip", title="خاص", kind="main", private=True)
    config = dataclasses.replace(config, feeds=(*config.feeds, secret))
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    # Written only to the private directory (tests/publish/test_private_feeds.py has the rest).
    assert (Path(config.base_dir) / "feeds-private" / "vip.rss.xml").is_file()
    assert not (out / "vip.rss.xml").exists()
    assert b"vip" not in (out / "index.html").read_bytes()


def test_publish_records_its_time_for_healthz(config: Config, store: Store) -> None:
    from syndication.publish import LAST_PUBLISH_KEY

    assert store.get_meta(LAST_PUBLISH_KEY) is None
    publish_all(config, store)
    stamp = store.get_meta(LAST_PUBLISH_KEY)
    assert stamp is not None
    assert dt.datetime.fromisoformat(stamp) <= dt.datetime.now(dt.UTC)
