"""Metrics: counted by the pipeline, kept in the store, exposed by `serve` at /metrics.

Real parts throughout: the HTTP test site on 127.0.0.1, SQLite and PostgreSQL stores, the
`syndication` command in a child process, waitress on port 0, and prometheus_client's own
parsers reading what /metrics answers. (The cluster case, a Celery worker's counts in
serve's /metrics, is in test_cluster.py beside the other cluster tests.)
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from syndication import metrics
from syndication.config import load
from syndication.errors import StorageError
from syndication.ingest import run_ingest
from syndication.metrics import NO_LABELS, labels
from syndication.model import IngestReport, ItemFailure, PartnerState
from syndication.publish import publish_all
from syndication.scrapepool import ScrapePool
from syndication.serve import create_server
from syndication.store import Store, open_store
from tests.support.clirun import run_cli
from tests.support.factories import build_config
from tests.support.httpsite import Route, Site
from tests.support.partnersim import SimPartner, make_articles, serve_partner

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def parse(text: str) -> Samples:
    """name → {sorted label pairs → value}, as prometheus_client's parser reads the text."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def value(samples: Samples, name: str, **want: str) -> float | None:
    return samples.get(name, {}).get(tuple(sorted(want.items())))


def scrape(base_url: str) -> Samples:
    resp = requests.get(base_url + "metrics", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-store"
    return parse(resp.text)


def stored(store: Store) -> dict[tuple[str, str], float]:
    return {(name, key): v for name, key, v in store.metric_values()}


# --- counted in memory, written with the next write ----------------------------------------


def test_changes_ride_along_with_a_write_and_add_up(store_url: str) -> None:
    with open_store(store_url) as store:
        failure = ItemFailure("urn:a:1", "HTTP 404")
        metrics.record_poll(store, IngestReport("a", "ok", new=2, failures=(failure,)), NOW)
        later = NOW + dt.timedelta(minutes=1)
        metrics.record_poll(store, IngestReport("a", "not_modified"), later)
        metrics.record_poll(store, IngestReport("b", "failed"), NOW)
        metrics.record_poll(store, IngestReport("b", "deferred"), NOW)  # no request: no poll
        metrics.observe_scrape(store, 0.03)
        assert store.metric_values() == []  # counting alone writes nothing

        with metrics.carried(store) as deltas:
            store.save_partner_states([PartnerState("a")], metrics=deltas)
        assert not metrics.pending(store)
        # Another process (or a later flush) adds to the counters; an older success time
        # arriving late does not move the gauge back.
        metrics.record_poll(store, IngestReport("a", "ok", new=1, updated=1), NOW)
        metrics.flush(store)

        got = stored(store)
    assert got[metrics.POLLS, labels(partner="a", outcome="ok")] == 2
    assert got[metrics.POLLS, labels(partner="a", outcome="not_modified")] == 1
    assert got[metrics.POLLS, labels(partner="b", outcome="failed")] == 1
    assert (metrics.POLLS, labels(partner="b", outcome="deferred")) not in got
    assert got[metrics.ARTICLES, labels(partner="a", result="new")] == 3
    assert got[metrics.ARTICLES, labels(partner="a", result="updated")] == 1
    assert got[metrics.PAGE_FAILURES, labels(partner="a")] == 1
    assert got[metrics.LAST_SUCCESS, labels(partner="a")] == later.timestamp()
    assert (metrics.LAST_SUCCESS, labels(partner="b")) not in got
    bucket = f"{metrics.SCRAPE_DURATION}_bucket"
    assert (bucket, labels(le="0.025")) not in got  # no row until a bucket counts something
    assert got[bucket, labels(le="0.05")] == 1
    assert got[bucket, labels(le="+Inf")] == 1
    assert got[f"{metrics.SCRAPE_DURATION}_count", NO_LABELS] == 1
    assert got[f"{metrics.SCRAPE_DURATION}_sum", NO_LABELS] == pytest.approx(0.03)


def test_a_failed_write_keeps_the_changes_for_the_next(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        metrics.record_poll(store, IngestReport("a", "ok"), NOW)
        # A naive time is refused by the store: the transaction fails as a whole.
        naive = PartnerState("a", last_success_at=dt.datetime(2026, 3, 1))
        with pytest.raises(StorageError), metrics.carried(store) as deltas:
            store.save_partner_states([naive], metrics=deltas)
        assert store.metric_values() == []
        assert metrics.pending(store)
        metrics.flush(store)
        assert stored(store)[metrics.POLLS, labels(partner="a", outcome="ok")] == 1


def test_polls_that_write_nothing_are_counted_by_the_next_write(site: Site, tmp_path: Path) -> None:
    sim = SimPartner("p", make_articles("p", 2))
    config = build_config(tmp_path, [("p", serve_partner(site, sim))], interval=60)
    clock = [NOW]
    wal = tmp_path / "store.db-wal"
    with open_store(config.storage_url) as store, ScrapePool(0) as pages:
        first = run_ingest(config, store, clock=lambda: clock[0], pages=pages)
        assert [(r.status, r.new) for r in first] == [("ok", 2)]
        # The first poll's counts went with its state batch.
        got = stored(store)
        assert got[metrics.POLLS, labels(partner="p", outcome="ok")] == 1
        assert got[f"{metrics.SCRAPE_DURATION}_count", NO_LABELS] == 2

        clock[0] += dt.timedelta(minutes=2)
        written = (wal.stat().st_size, wal.stat().st_mtime_ns)
        second = run_ingest(config, store, clock=lambda: clock[0], pages=pages)
        assert [r.status for r in second] == ["not_modified"]
        assert (wal.stat().st_size, wal.stat().st_mtime_ns) == written  # still no write
        assert (metrics.POLLS, labels(partner="p", outcome="not_modified")) not in stored(store)

        # The publish writes its mark anyway; the 304 is counted in that transaction.
        publish_all(config, store)
        got = stored(store)
    assert got[metrics.POLLS, labels(partner="p", outcome="not_modified")] == 1
    assert got[metrics.LAST_SUCCESS, labels(partner="p")] == clock[0].timestamp()
    assert got[f"{metrics.PUBLISH_DURATION}_count", NO_LABELS] == 1
    assert got[metrics.FILES_WRITTEN, NO_LABELS] > 0
    assert not metrics.pending(store)


# --- end to end: `run --once` in a child process, then serve's /metrics ---------------------


def _write_toml(tmp_path: Path, partners: dict[str, str]) -> Path:
    lines = [
        f'[storage]\nurl = "sqlite:///{tmp_path / "var" / "store.db"}"\n',
        "[fetch]\nallow_private_networks = true\nmin_host_interval = 0.0\nmax_per_host = 4\n"
        "connect_timeout = 2.0\nread_timeout = 5.0\ndeadline = 10.0\n",
        '[publish]\nbase_url = "http://127.0.0.1:8080/"\nout_dir = "feeds"\n',
        "[scheduler]\nscrape_processes = 1\n",  # the worker-process path, on one core
        '[[feeds]]\nkey = "main"\ntitle = "الرئيسية"\nkind = "main"\n',
    ]
    for pid, url in partners.items():
        lines.append(f'[[partners]]\nid = "{pid}"\nname = "شريك {pid}"\nfeed_url = "{url}"\n')
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_run_once_then_serve_exposes_the_run(site: Site, tmp_path: Path) -> None:
    good = SimPartner("good", make_articles("good", 3))
    urls = {"good": serve_partner(site, good)}
    # One article page is gone: the story is kept with the feed's text, the page counted.
    site.add(good.page_path(good.articles[1]), Route(b"gone", status=404, content_type="text/html"))
    urls["bad"] = site.add("/bad/feed.xml", Route(b"oops", status=500, content_type="text/plain"))
    path = _write_toml(tmp_path, urls)

    before = time.time()
    done = run_cli("run", "--once", "--config", str(path), cwd=tmp_path)
    after = time.time()
    assert done.returncode == 1, done.stderr  # one partner failed, the other was published
    written = [p for p in (tmp_path / "feeds").iterdir() if not p.name.startswith(".")]

    config = load(path)
    with create_server(config, "127.0.0.1", 0) as server:
        server.start()
        assert requests.get(server.url + "main.rss.xml", timeout=10).status_code == 200
        samples = scrape(server.url)

    assert value(samples, "syndication_metrics_store_up") == 1
    polls = "syndication_partner_polls_total"
    assert value(samples, polls, partner="good", outcome="ok") == 1
    assert value(samples, polls, partner="good", outcome="failed") == 0  # present from the start
    assert value(samples, polls, partner="bad", outcome="failed") == 1
    assert value(samples, polls, partner="bad", outcome="ok") == 0
    failures = "syndication_partner_consecutive_failures"
    assert value(samples, failures, partner="bad") == 1
    assert value(samples, failures, partner="good") == 0
    success = value(samples, "syndication_partner_last_success_timestamp_seconds", partner="good")
    assert success is not None and before <= success <= after
    assert (
        value(samples, "syndication_partner_last_success_timestamp_seconds", partner="bad") is None
    )
    articles = "syndication_partner_articles_total"
    assert value(samples, articles, partner="good", result="new") == 3
    assert value(samples, articles, partner="good", result="updated") == 0
    assert value(samples, "syndication_partner_page_failures_total", partner="good") == 1
    assert value(samples, "syndication_partner_page_failures_total", partner="bad") == 0

    assert value(samples, "syndication_publish_duration_seconds_count") == 1
    assert value(samples, "syndication_publish_duration_seconds_bucket", le="+Inf") == 1
    assert (value(samples, "syndication_publish_duration_seconds_sum") or 0) > 0
    assert value(samples, "syndication_publish_files_written_total") == len(written)
    published = value(samples, "syndication_publish_last_success_timestamp_seconds")
    assert published is not None and before <= published <= after
    assert value(samples, "syndication_scrape_duration_seconds_count") == 2  # pages fetched
    assert value(samples, "syndication_scrape_duration_seconds_bucket", le="+Inf") == 2
    assert value(samples, "syndication_http_requests_total", code="200") == 1


def test_metrics_without_a_store_still_answer(tmp_path: Path) -> None:
    # Nothing was ever published here, not even the store: /metrics says so and still
    # counts serve's own answers (a 503: no feeds directory either).
    config = build_config(tmp_path, [("p", "http://127.0.0.1:9/feed.xml")])
    with create_server(config, "127.0.0.1", 0) as server:
        server.start()
        assert requests.get(server.url + "main.rss.xml", timeout=10).status_code == 503
        samples = scrape(server.url)
        # A scraper asking for OpenMetrics gets it (prometheus_client's negotiation).
        resp = requests.get(
            server.url + "metrics",
            headers={"Accept": "application/openmetrics-text; version=1.0.0"},
            timeout=10,
        )
    assert value(samples, "syndication_metrics_store_up") == 0
    assert value(samples, "syndication_http_requests_total", code="503") == 1
    assert "syndication_partner_polls_total" not in samples
    assert resp.headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    names = {f.name for f in openmetrics_families(resp.text)}
    assert {"syndication_metrics_store_up", "syndication_http_requests"} <= names
