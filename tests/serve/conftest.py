"""Fixtures of the serve tests: a published feeds directory and a server over it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.serve import FeedServer
from tests.support.factories import (
    ATOM,
    INDEX,
    JSONFEED,
    RSS,
    SECRET,
    STALE_PRIVATE,
    XSL,
    make_serve_config,
    start,
    write,
)


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    d = tmp_path / "feeds"
    d.mkdir()
    for name, data in {
        "main.rss.xml": RSS,
        "main.atom.xml": ATOM,
        "main.json": JSONFEED,
        "urgent.rss.xml": RSS,
        # What a version that wrote private feeds here left: never served, token or not.
        "partner-x.rss.xml": STALE_PRIVATE,
        "cat-sport.rss.xml": RSS,  # an automatic feed not listed in [[feeds]]
        "index.html": INDEX,
        "feed.xsl": XSL,
        "notes.txt": b"not a feed",
    }.items():
        write(d / name, data)
    private = tmp_path / "feeds-private"  # [publish] private_dir's default
    private.mkdir(mode=0o700)
    write(private / "partner-x.rss.xml", RSS)
    write(private / "main.rss.xml", SECRET)  # a public feed is never read from here
    (tmp_path / "outside.rss.xml").write_bytes(SECRET)
    (tmp_path / "config.toml").write_bytes(SECRET)
    return d


@pytest.fixture
def server(tmp_path: Path, feeds: Path) -> Iterator[FeedServer]:
    with start(make_serve_config(tmp_path, hub="https://hub.example.org/")) as s:
        yield s
