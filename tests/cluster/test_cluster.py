"""Cluster mode end to end against the machine's PostgreSQL and Redis: serving from the
store, the run with real scheduler and worker processes (one worker SIGKILLed mid-run, then
the active scheduler SIGKILLed and its standby taking over), and a worker's counts reaching
serve's /metrics.

Every test uses its own PostgreSQL database (pg_url) and its own Redis key prefix and
queue name, so parallel runs never collide; the prefix's keys are deleted afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import feedparser
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from syndication import config as config_mod
from syndication.cluster.app import make_celery
from syndication.cluster.tasks import POLL_TASK, PUBLISH_TASK
from syndication.serve import create_server
from syndication.serve.storefiles import StoreFileCache
from syndication.store import open_store
from tests.support import REDIS_URL
from tests.support.factories import build_config
from tests.support.httpsite import Route, Site, wait_for
from tests.support.partnersim import SimPartner, make_articles, serve_partner

# The commands refuse a config without partners first; these tests are about cluster mode.


# --- serving from the store ----------------------------------------------------------------


def _get(
    url: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host = url.split("/")[2]
    conn = http.client.HTTPConnection(host, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_serve_from_store_without_feeds_dir(tmp_path: Path, sqlite_url: str) -> None:
    cfg = build_config(tmp_path, storage_url=sqlite_url)
    body = '<?xml version="1.0"?><rss version="2.0"><channel><title>أ</title></channel></rss>'
    with open_store(sqlite_url) as store:
        store.save_feed_file("main.rss.xml", body.encode(), '"v1"')
        store.set_meta("last_publish_at", dt.datetime.now(dt.UTC).isoformat())
    assert not (tmp_path / "feeds").exists()  # nothing on disk: a stateless node
    factory = lambda: open_store(sqlite_url, migrate=False)  # noqa: E731
    with create_server(cfg, "127.0.0.1", 0, store_factory=factory, from_store=True) as server:
        server.start()
        status, headers, got = _get(server.url, "/main.rss.xml")
        assert (status, got, headers["etag"]) == (200, body.encode(), '"v1"')
        status, _, _ = _get(server.url, "/main.rss.xml", {"If-None-Match": '"v1"'})
        assert status == 304
        assert _get(server.url, "/missing.rss.xml")[0] == 404
        assert _get(server.url, "/healthz")[0] == 200
        with open_store(sqlite_url) as store:
            store.save_feed_file("main.rss.xml", b"<rss>v2</rss>", '"v2"')
        # Revalidated by ETag within the refresh period; no restart, no shared disk.
        assert wait_for(lambda: _get(server.url, "/main.rss.xml")[2] == b"<rss>v2</rss>", 10)
        assert _get(server.url, "/main.rss.xml", {"If-None-Match": '"v1"'})[0] == 200


def test_store_cache_keeps_serving_when_the_store_fails(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    url = f"sqlite:///{db}"
    with open_store(url) as store:
        store.save_feed_file("main.rss.xml", b"<rss>1</rss>", '"e1"')
    now = [0.0]
    opened = open_store(url)
    cache = StoreFileCache(lambda: opened, refresh=1.0, clock=lambda: now[0])
    entry = cache.lookup("main.rss.xml")
    assert entry is not None and entry.data == b"<rss>1</rss>" and entry.etag == '"e1"'
    assert cache.cached_size("main.rss.xml") == len(b"<rss>1</rss>")
    opened.close()
    db.rename(tmp_path / "gone.db")  # the database disappears under the node
    now[0] = 5.0
    assert cache.cached_size("main.rss.xml") is None  # a check is due: not on the I/O thread
    entry = cache.lookup("main.rss.xml")
    assert entry is not None and entry.data == b"<rss>1</rss>"
    opened.close()


# --- end to end: scheduler + two workers, SIGKILL, standby take-over -------------------------

PARTNERS = 50
ITEMS = 3


def _write_cluster_toml(tmp_path: Path, pg_url: str, prefix: str, feeds: dict[str, str]) -> Path:
    lines = [
        f'[storage]\nurl = "{pg_url}"\n',
        "[fetch]\nallow_private_networks = true\nmin_host_interval = 0.0\nmax_per_host = 4\n"
        "connect_timeout = 2.0\nread_timeout = 5.0\ndeadline = 10.0\n",
        '[publish]\nbase_url = "http://127.0.0.1:8080/"\nout_dir = "feeds"\n',
        "[scheduler]\npublish_debounce = 0.5\npublish_interval = 10\n",
        f'[cluster]\nenabled = true\nbroker_url = "{REDIS_URL}"\nqueue = "{prefix}"\n'
        f'key_prefix = "{prefix}"\nhost_rate_limit = 400.0\nvisibility_timeout = 20\n'
        "task_time_limit = 15\nleader_poll = 0.2\ndispatch_interval = 0.2\n",
        # dedupe off: the simulated partners share templated text, which the main feed
        # would rightly show as stories from many wires; this test counts every article.
        '[[feeds]]\nkey = "main"\ntitle = "الرئيسية"\nkind = "main"\nlimit = 200\n'
        'dedupe = "none"\n',
    ]
    for pid, url in feeds.items():
        lines.append(
            f'[[partners]]\nid = "{pid}"\nname = "شريك {pid}"\nfeed_url = "{url}"\n'
            "interval = 10\njitter = 0\n"
        )
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


class Procs:
    """Subprocesses of `syndication`, each in its own process group, logs in files."""

    def __init__(self, tmp_path: Path, config: Path) -> None:
        self.tmp_path = tmp_path
        self.config = config
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", *args, "--config", str(self.config)],
            cwd=self.tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # SIGKILL to the group = the machine died
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()  # the main process: a Celery warm shutdown stops its pool
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def _duplicates(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT partner_id, guid, count(*) FROM articles "
                    "GROUP BY partner_id, guid HAVING count(*) > 1"
                )
            )
        )


def _stored_keys(engine: sa.Engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return {
            (r[0], r[1]) for r in conn.execute(sa.text("SELECT partner_id, guid FROM articles"))
        }


def _feeds_complete(feeds_dir: Path, expected: int) -> bool:
    path = feeds_dir / "main.rss.xml"
    if not path.is_file():
        return False
    return len(feedparser.parse(path.read_bytes()).entries) == expected


def test_cluster_end_to_end(tmp_path: Path, pg_url: str, prefix: str, site: Site) -> None:
    partners = {
        f"p{i:02d}": SimPartner(f"p{i:02d}", make_articles(f"p{i:02d}", ITEMS))
        for i in range(PARTNERS)
    }
    urls = {pid: serve_partner(site, sim) for pid, sim in partners.items()}
    for route_path, route in site.routes.items():
        if route_path.endswith(".html"):
            route.hang = 0.1  # pages take a moment, so the kill lands mid-run
    config = _write_cluster_toml(tmp_path, pg_url, prefix, urls)
    expected = {(pid, a.guid) for pid, sim in partners.items() for a in sim.articles}
    total = PARTNERS * ITEMS

    procs = Procs(tmp_path, config)
    engine = sa.create_engine(pg_url)
    store = open_store(pg_url)
    try:
        procs.start("scheduler-a", "scheduler")
        procs.start("worker-1", "worker", "--concurrency", "2", "--hostname", f"w1-{prefix}")
        procs.start("worker-2", "worker", "--concurrency", "2", "--hostname", f"w2-{prefix}")

        # Kill worker 1 with SIGKILL (with its pool processes) while the run is under way.
        assert wait_for(lambda: store.count_articles() >= total // 4, 120), procs.log("worker-1")
        assert store.count_articles() < total, "the run ended before the kill: make it slower"
        procs.kill("worker-1")

        assert wait_for(lambda: store.count_articles() >= total, 120), (
            f"{store.count_articles()} of {total} stored\n" + procs.log("worker-2")
        )
        # Exactly once: every article, no duplicate (partner, guid), ids unique (primary key).
        assert store.count_articles() == total
        assert _stored_keys(engine) == expected
        assert _duplicates(engine) == []

        # Published by a worker under the publish lock: every feed valid, on disk and in
        # the store (which stateless web nodes serve).
        feeds_dir = tmp_path / "feeds"
        assert wait_for(lambda: _feeds_complete(feeds_dir, total), 60), procs.log("worker-2")
        for path in sorted(feeds_dir.iterdir()):
            if path.name.endswith((".rss.xml", ".atom.xml")):
                parsed = feedparser.parse(path.read_bytes())
                assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
                assert parsed.entries, path.name
            elif path.name.endswith(".ninjs.json"):  # IPTC ninjs: a list of news objects
                assert json.loads(path.read_bytes()), path.name
            elif path.name.endswith(".json"):
                assert json.loads(path.read_bytes())["items"], path.name
        for pid in partners:
            parsed = feedparser.parse((feeds_dir / f"partner-{pid}.rss.xml").read_bytes())
            assert len(parsed.entries) == ITEMS
        stored = store.get_feed_file("main.rss.xml")
        assert stored is not None
        assert not feedparser.parse(stored[0]).bozo

        # A second scheduler stands by while the first is active.
        procs.start("scheduler-b", "scheduler")
        assert wait_for(lambda: "standing by" in procs.log("scheduler-b"), 30), procs.log(
            "scheduler-b"
        )
        assert "active" in procs.log("scheduler-a")
        assert "holds the leadership lock" not in procs.log("scheduler-b")

        # The active scheduler dies; the standby takes over and new items keep coming in.
        procs.kill("scheduler-a")
        assert wait_for(lambda: "holds the leadership lock" in procs.log("scheduler-b"), 30)
        fresh = make_articles("x", 2, start=dt.datetime(2025, 9, 27, 9, 0, tzinfo=dt.UTC))
        changed = list(partners)[:5]
        for pid in changed:
            sim = partners[pid]
            added = [
                dataclasses.replace(a, slug=f"{pid}-new-{i}", guid=f"urn:{pid}:new:{i}")
                for i, a in enumerate(fresh)
            ]
            sim.articles = added + sim.articles
            serve_partner(site, sim)
            expected |= {(pid, a.guid) for a in added}
        assert wait_for(lambda: store.count_articles() >= len(expected), 90), procs.log(
            "scheduler-b"
        )
        assert _stored_keys(engine) == expected
        assert _duplicates(engine) == []
        assert wait_for(lambda: _feeds_complete(feeds_dir, len(expected)), 60)
    finally:
        procs.close()
        store.close()
        engine.dispose()


# --- metrics: what a worker counts reaches serve's /metrics through the store ---------------


def _samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, _, body = _get(url, "/metrics")
    assert status == 200, body
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_a_workers_counts_reach_serves_metrics(
    tmp_path: Path, pg_url: str, prefix: str, site: Site
) -> None:
    good = SimPartner("good", make_articles("good", 2))
    feeds = {
        "good": serve_partner(site, good),
        "bad": site.add("/bad/feed.xml", Route(b"x", status=500, content_type="text/plain")),
    }
    path = _write_cluster_toml(tmp_path, pg_url, prefix, feeds)
    # Task results, so the test knows when each task has run (the key prefix applies);
    # the publish a changed poll asks for is put off beyond the test, so the only publish
    # is the one sent here and nothing else writes while the test looks.
    text = path.read_text(encoding="utf-8")
    text = text.replace("[cluster]\n", f'[cluster]\nresult_backend = "{REDIS_URL}"\n')
    path.write_text(text.replace("publish_debounce = 0.5", "publish_debounce = 600"), "utf-8")
    cfg = config_mod.load(path)
    app = make_celery(cfg)

    def run(task: str, *args: str) -> Any:
        return app.send_task(task, args=list(args), queue=prefix).get(timeout=120)

    def value(samples: dict[Any, float], name: str, **want: str) -> float | None:
        return samples.get((name, tuple(sorted(want.items()))))

    polls = "syndication_partner_polls_total"
    procs = Procs(tmp_path, path)
    try:
        procs.start("worker", "worker", "--pool", "solo", "--hostname", f"w-{prefix}")
        assert run(POLL_TASK, "good")["status"] == "ok", procs.log("worker")
        assert run(POLL_TASK, "bad")["status"] == "failed"
        assert run(PUBLISH_TASK)["status"] == "ok"
        # Due again at once (else "deferred"): its feed answers 304, a poll that writes
        # nothing, so its count stays in the worker's memory for now.
        with open_store(pg_url, migrate=False) as store:
            state = store.get_partner_state("good")
            assert state is not None
            store.save_partner_state(dataclasses.replace(state, next_check_at=None))
        assert run(POLL_TASK, "good")["status"] == "not_modified"

        # A web node of the cluster, on another "machine": it shares only the store.
        with create_server(cfg, "127.0.0.1", 0, from_store=True) as server:
            server.start()
            samples = _samples(server.url)
            assert value(samples, "syndication_metrics_store_up") == 1
            assert value(samples, polls, partner="good", outcome="ok") == 1
            assert value(samples, polls, partner="bad", outcome="failed") == 1
            assert value(samples, polls, partner="good", outcome="not_modified") == 0
            assert value(samples, "syndication_partner_consecutive_failures", partner="bad") == 1
            new = value(samples, "syndication_partner_articles_total", partner="good", result="new")
            assert new == 2
            assert value(samples, "syndication_scrape_duration_seconds_count") == 2
            assert value(samples, "syndication_publish_duration_seconds_count") == 1
            written = value(samples, "syndication_publish_files_written_total")
            assert written is not None and written > 0

            # A warm shutdown saves what the worker still had pending.
            procs.close()
            assert procs.procs["worker"].returncode == 0, procs.log("worker")
            samples = _samples(server.url)
            assert value(samples, polls, partner="good", outcome="not_modified") == 1
            assert value(samples, polls, partner="good", outcome="ok") == 1
    finally:
        procs.close()
