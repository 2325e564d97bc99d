"""serve.health and /metrics: healthz reports the last publish and the store, /metrics the counters."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import requests

from syndication.serve import FeedServer
from syndication.store import open_store
from tests.support.factories import make_serve_config, raw, start

# --- healthz and metrics -----------------------------------------------------------------


def _health(tmp_path: Path, feeds: Path, **kw: Any) -> tuple[int, dict[str, Any]]:
    with start(make_serve_config(tmp_path, stale_after=3600), **kw) as s:
        resp = requests.get(s.url + "healthz", timeout=10)
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.status_code, resp.json()


def test_healthz_ok_when_recently_published(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    published = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    with open_store(sqlite_url) as store:
        store.set_meta("last_publish_at", published.isoformat())
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(sqlite_url))
    assert status == 200
    assert body["store"] == "ok"
    assert body["last_publish"] == published.isoformat()
    assert 29 <= body["age_seconds"] < 3600


def test_healthz_503_when_stale(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    published = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    with open_store(sqlite_url) as store:
        store.set_meta("last_publish_at", published.isoformat())
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(sqlite_url))
    assert status == 503
    assert body["store"] == "ok"
    assert body["age_seconds"] > 7000


def test_healthz_503_when_never_published(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    open_store(sqlite_url).close()
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(sqlite_url))
    assert status == 503
    assert body["store"] == "ok"
    assert body["last_publish"] is None


def test_healthz_503_when_store_unreachable(tmp_path: Path, feeds: Path) -> None:
    # Nothing listens on port 1: a real connection refusal, wrapped as StorageError.
    url = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/test"
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(url))
    assert status == 503
    assert body["store"].startswith("error: ")
    assert "hunter2" not in json.dumps(body)


def test_healthz_default_store_from_config(tmp_path: Path, feeds: Path) -> None:
    config = make_serve_config(tmp_path)
    with open_store(config.storage_url) as store:
        store.set_meta("last_publish_at", dt.datetime.now(dt.UTC).isoformat())
    with start(config) as s:
        assert requests.get(s.url + "healthz", timeout=10).status_code == 200


def test_metrics_endpoint(server: FeedServer) -> None:
    # The pipeline's series are tested in test_metrics.py; here, serve's own counter.
    raw(server, "/nope.rss.xml")
    resp = requests.get(server.url + "metrics", timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = resp.text
    assert "# TYPE syndication_http_requests_total counter" in text
    assert 'syndication_http_requests_total{code="404"} 1.0' in text
