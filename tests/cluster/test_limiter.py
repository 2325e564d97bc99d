"""cluster.limiter: the per-host gate shared through Redis, and how the fetcher uses it."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from syndication.cluster.limiter import HostLimiter
from syndication.fetch import Fetcher
from tests.support import REDIS_URL
from tests.support.factories import build_config
from tests.support.httpsite import Route, Site

# --- per-host limiter ---------------------------------------------------------------------


def test_limiter_spaces_one_host_across_processes(prefix: str) -> None:
    c1, c2 = redis.Redis.from_url(REDIS_URL), redis.Redis.from_url(REDIS_URL)
    waits: list[float] = []
    first = HostLimiter(c1, rate=0.5, prefix=prefix, sleep=waits.append)
    second = HostLimiter(c2, rate=0.5, prefix=prefix, sleep=waits.append)
    starts = [
        first.reserve("news.example")[0],
        second.reserve("news.example")[0],
        first.reserve("news.example")[0],
    ]
    # Reserved on the server's clock, in arrival order, exactly 1/rate apart.
    assert [b - a for a, b in itertools.pairwise(starts)] == [2000, 2000]
    # Another host has its own schedule.
    _, wait = second.reserve("other.example")
    assert wait < 1.0
    with first.slot("news.example"):
        pass
    assert waits and waits[-1] > 4.0  # behind three reservations 2 s apart
    c1.close()
    c2.close()


def test_limiter_lets_requests_through_when_redis_is_down(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    limiter = HostLimiter(dead, rate=1, prefix=prefix)
    ran = []
    with caplog.at_level(logging.WARNING), limiter.slot("news.example"):
        ran.append(True)
    assert ran == [True]
    assert "limited per process only" in caplog.text


def test_fetcher_host_gate_wraps_page_requests_only(site: Site, tmp_path: Path) -> None:
    site.add("/feed.xml", Route(b"<rss/>"))
    site.add("/page.html", Route(b"<html></html>", content_type="text/html"))
    seen: list[str] = []

    @contextmanager
    def gate(host: str) -> Iterator[None]:
        seen.append(host)
        yield

    settings = build_config(tmp_path).fetch
    with Fetcher(settings, host_gate=gate) as fetcher:
        fetcher.get(site.url("/feed.xml"), kind="feed")
        assert seen == []
        fetcher.get(site.url("/page.html"), kind="page")
    assert seen == [site.url("/").split("/")[2]]
