"""The daemon path of an embargo: after each publish the daemon arms a publish job at the
moment the next embargo ends; when it runs (injected clock), the story is published."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from syndication.config import Config
from syndication.schedule import EMBARGO_JOB, Daemon
from syndication.store import Store, open_store
from tests.support.factories import Clock, make_article, make_config

NOW = dt.datetime(2026, 2, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def config(tmp_path: Path, store_url: str) -> Config:
    return dataclasses.replace(make_config(tmp_path), storage_url=store_url)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        yield s


@pytest.fixture
def daemon(config: Config, store: Store) -> Iterator[tuple[Daemon, Clock]]:
    clock = Clock(NOW)
    d = Daemon(config, store, clock=clock)
    # Started paused: jobs get their run times, none fires by itself; the test runs them.
    d.scheduler.start(paused=True)
    try:
        yield d, clock
    finally:
        d.scheduler.shutdown(wait=False)
        d.fetcher.close()
        d.pages.close()


def titles(config: Config) -> list[str]:
    path = Path(config.base_dir) / "out/feeds/main.atom.xml"
    return [e.title for e in feedparser.parse(path.read_bytes()).entries]


def test_the_daemon_publishes_an_embargoed_story_when_its_embargo_ends(
    config: Config, store: Store, daemon: tuple[Daemon, Clock]
) -> None:
    d, clock = daemon
    first, second = NOW + dt.timedelta(minutes=30), NOW + dt.timedelta(hours=2)
    store.upsert_article(make_article(1))
    store.upsert_article(dataclasses.replace(make_article(2), embargo_until=first))
    store.upsert_article(dataclasses.replace(make_article(3), embargo_until=second))

    d.publish()
    assert titles(config) == [make_article(1).title]
    job = d.scheduler.get_job(EMBARGO_JOB)
    assert job is not None and job.next_run_time == first

    clock.now = first
    job.func()  # what the scheduler runs at that time
    assert titles(config) == [make_article(2).title, make_article(1).title]
    job = d.scheduler.get_job(EMBARGO_JOB)
    assert job is not None and job.next_run_time == second  # re-armed for the next one

    clock.now = second + dt.timedelta(seconds=3)  # a late run still publishes
    job.func()
    assert titles(config)[0] == make_article(3).title
    assert d.scheduler.get_job(EMBARGO_JOB) is None  # nothing left to wait for


def test_an_editor_moving_the_embargo_re_arms_the_job(
    config: Config, store: Store, daemon: tuple[Daemon, Clock]
) -> None:
    d, _clock = daemon
    article = make_article(1)
    store.upsert_article(article)
    later = NOW + dt.timedelta(hours=5)
    store.set_embargo(article.id, later, "amira", now=NOW)
    d.publish()
    assert titles(config) == []
    job = d.scheduler.get_job(EMBARGO_JOB)
    assert job is not None and job.next_run_time == later
    sooner = NOW + dt.timedelta(minutes=10)
    store.set_embargo(article.id, sooner, "amira", now=NOW)
    d.publish()
    job = d.scheduler.get_job(EMBARGO_JOB)
    assert job is not None and job.next_run_time == sooner
