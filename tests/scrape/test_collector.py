"""A scrape frees its tree by reference counting and holds the collector back only while
it runs (scrape/collector.py, soup.release)."""

from __future__ import annotations

import gc
import threading

import pytest
from bs4 import Tag

from syndication.errors import ScrapeError
from syndication.scrape import collector, scrape
from tests.support import DATA

SEED = (DATA / "pages" / "seed" / "seed.html").read_bytes()
URL = "https://seed.example/news/1"


def _tags_alive() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, Tag))


def test_trees_are_freed_without_the_collector() -> None:
    scrape(SEED, URL, prune=False)  # warm: imports, caches
    gc.collect()
    before = _tags_alive()
    gc.disable()
    try:
        for _ in range(10):
            record = scrape(SEED, URL, prune=False)
            assert record.title
        # Nothing of ten trees waits for a collection (one page holds over 100 tags).
        assert _tags_alive() - before < 10
    finally:
        gc.enable()


def test_threshold_held_back_only_while_scraping() -> None:
    saved = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    with collector.fewer_collections():
        seen.append(gc.get_threshold())
    assert seen[0][0] >= collector._QUIET_GEN0
    assert gc.get_threshold() == saved
    with pytest.raises(ScrapeError):
        scrape(b"<html><body></body></html>", URL)
    assert gc.get_threshold() == saved


def test_concurrent_scrapes_restore_the_threshold_once_all_are_out() -> None:
    saved = gc.get_threshold()
    inside = threading.Barrier(2)
    release = threading.Event()
    during: list[tuple[int, int, int]] = []

    def hold() -> None:
        with collector.fewer_collections():
            inside.wait()
            release.wait()

    worker = threading.Thread(target=hold)
    worker.start()
    with collector.fewer_collections():
        inside.wait()
    during.append(gc.get_threshold())  # the other one is still inside
    release.set()
    worker.join()
    assert during[0][0] >= collector._QUIET_GEN0
    assert gc.get_threshold() == saved


def test_collector_off_stays_off() -> None:
    saved = gc.get_threshold()
    gc.set_threshold(0)
    try:
        with collector.fewer_collections():
            assert gc.get_threshold()[0] == 0
    finally:
        gc.set_threshold(*saved)
