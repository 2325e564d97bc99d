"""Stopping for real: SIGTERM at each stage of a poll, and a second signal.

Each test runs `syndication` in a child process against a real HTTP server on 127.0.0.1
whose routes are held back by gates, so the test knows the stage the child is in when it
sends the signal (no sleeping). Time limits are the harness's own: `wait(timeout=...)`.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest

from syndication.model import Article
from syndication.stopping import EXIT_ABORTED
from syndication.store import open_store
from tests.support.childrun import AT_ONCE, PID, STOP_BOUND, Run, serve, write_config
from tests.support.httpsite import Route, Site, wait_for
from tests.support.partnersim import PARAGRAPH, SimArticle, SimPartner, make_articles, page


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.close()


def stored(tmp_path: Path) -> list[Article]:
    store = open_store(f"sqlite:///{tmp_path / 'var' / 'store.db'}", migrate=False)
    try:
        return store.latest(limit=100)
    finally:
        store.close()


def assert_whole(articles: list[Article], expected: list[SimArticle]) -> None:
    """Exactly `expected` is stored, each article whole: scraped from its page, none kept
    from the feed alone (a page cut by the stop must not become such an article)."""
    assert sorted(a.guid or "" for a in articles) == sorted(e.guid or "" for e in expected)
    for article in articles:
        assert not article.item_hash.startswith("partial:"), article.guid
        assert len(article.blocks) >= 3 and article.title


def assert_not_failed(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'var' / 'store.db'}", migrate=False)
    try:
        state = store.get_partner_state(PID)
    finally:
        store.close()
    # A poll cut short by the stop is not the partner's failure: no error, no back-off.
    assert state is None or (state.consecutive_errors == 0 and state.last_error is None)


def published(tmp_path: Path) -> list[str]:
    main = tmp_path / "feeds" / "main.rss.xml"
    return [e.title for e in feedparser.parse(main.read_bytes()).entries]


# -- SIGTERM at each stage -----------------------------------------------------------------


def test_sigterm_while_the_feed_is_fetched(site: Site, tmp_path: Path, runs: list[Run]) -> None:
    gate, url = serve(site, make_articles(PID, 2), gate="feed")
    runs.append(run := Run(tmp_path, write_config(tmp_path, url)))
    assert gate is not None and gate.arrived.wait(60), run.log()
    run.signal(signal.SIGTERM)
    assert run.wait(STOP_BOUND) == 0, run.log()
    assert_whole(stored(tmp_path), [])
    assert_not_failed(tmp_path)
    assert "received SIGTERM" in run.log() and "daemon stopped" in run.log()


@pytest.mark.parametrize("mode", ["daemon", "once"])
def test_sigterm_while_a_page_is_fetched(
    site: Site, tmp_path: Path, runs: list[Run], mode: str
) -> None:
    """The article before the held page is finished and published, the held one is left
    for the next start (not stored from the feed alone), and the process exits 0."""
    articles = make_articles(PID, 2)
    gate, url = serve(site, articles, gate="page")
    once = ("--once",) if mode == "once" else ()
    runs.append(run := Run(tmp_path, write_config(tmp_path, url), *once))
    assert gate is not None and gate.arrived.wait(60), run.log()
    run.signal(signal.SIGTERM)
    assert run.wait(STOP_BOUND) == 0, run.log()
    assert_whole(stored(tmp_path), articles[:1])
    assert_not_failed(tmp_path)
    assert published(tmp_path) == [articles[0].title]


def test_sigterm_while_a_page_is_scraped(site: Site, tmp_path: Path, runs: list[Run]) -> None:
    """The second page is big (about 1.6 s of scraping in a worker process); the signal
    comes once the server has sent all of it, so the daemon is reading, scraping or storing
    it. Whichever: the article is stored whole or not at all."""
    articles = make_articles(PID, 2)
    articles[1] = replace(articles[1], paragraphs=tuple(f"{PARAGRAPH} ({n})" for n in range(4000)))
    _, url = serve(site, articles, gate=None)
    partner = SimPartner(PID, articles)
    sent = threading.Event()
    big = page(site.url(""), partner, articles[1])
    site.add(
        partner.page_path(articles[1]),
        Route(big, content_type="text/html; charset=utf-8", sent=sent),
    )
    runs.append(run := Run(tmp_path, write_config(tmp_path, url)))
    assert sent.wait(60), run.log()
    run.signal(signal.SIGTERM)
    assert run.wait(STOP_BOUND) == 0, run.log()
    got = stored(tmp_path)
    assert_whole(got, articles[: len(got)])  # the first one, and maybe the big one
    assert len(got) >= 1
    assert_not_failed(tmp_path)


def test_sigterm_once_idle_publishes_and_exits(site: Site, tmp_path: Path, runs: list[Run]) -> None:
    articles = make_articles(PID, 2)
    _, url = serve(site, articles, gate=None)
    runs.append(run := Run(tmp_path, write_config(tmp_path, url)))
    main = tmp_path / "feeds" / "main.rss.xml"
    assert wait_for(lambda: main.exists() and len(published(tmp_path)) == 2, 60), run.log()
    run.signal(signal.SIGTERM)
    assert run.wait(STOP_BOUND) == 0, run.log()
    assert_whole(stored(tmp_path), articles)


# -- a second signal ----------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "second"), [("daemon", signal.SIGTERM), ("once", signal.SIGINT)])
def test_a_second_signal_exits_at_once(
    site: Site, tmp_path: Path, runs: list[Run], mode: str, second: signal.Signals
) -> None:
    """The test holds the database's write lock, so the stop cannot finish (its article,
    state and publish all wait for that lock): only the second signal can end it."""
    articles = make_articles(PID, 2)
    gate, url = serve(site, articles, gate="page")
    once = ("--once",) if mode == "once" else ()
    runs.append(run := Run(tmp_path, write_config(tmp_path, url), *once))
    assert gate is not None and gate.arrived.wait(60), run.log()
    db = sqlite3.connect(tmp_path / "var" / "store.db", isolation_level=None, timeout=30)
    try:
        db.execute("BEGIN IMMEDIATE")
        run.signal(signal.SIGTERM)
        # Two signals of one kind sent together may arrive as one (they do not queue): the
        # second goes once the first was taken.
        assert wait_for(lambda: "received SIGTERM" in run.log(), 30), run.log()
        run.signal(second)
        assert run.wait(AT_ONCE) == EXIT_ABORTED, run.log()
        db.execute("ROLLBACK")
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()
    assert "again: exiting at once" in run.log()
    got = stored(tmp_path)
    assert_whole(got, articles[: len(got)])  # the first one if it got in before the lock
