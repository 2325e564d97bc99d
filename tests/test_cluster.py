"""Cluster mode against the machine's PostgreSQL and Redis: locks, limiter, dispatch,
store-backed serving, and the end-to-end run with real scheduler and worker processes
(one worker SIGKILLed mid-run, then the active scheduler SIGKILLed and its standby taking
over).

Every test uses its own PostgreSQL database (pg_url) and its own Redis key prefix and
queue name, so parallel runs never collide; the prefix's keys are deleted afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.client
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import feedparser
import pytest
import redis
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from syndication import config as config_mod
from syndication.cli import main
from syndication.cluster.app import make_celery
from syndication.cluster.connections import transport_options
from syndication.cluster.limiter import HostLimiter
from syndication.cluster.scheduler import ClusterScheduler
from syndication.cluster.tasks import POLL_TASK, PUBLISH_TASK
from syndication.config import ClusterSettings, Config
from syndication.errors import ConfigError
from syndication.fetch import Fetcher
from syndication.model import PartnerState
from syndication.serve import create_server
from syndication.serve.storefiles import StoreFileCache
from syndication.store import open_store
from syndication.store.locks import _LOCK_NAMED_CLASS, lock_key
from tests.conftest import build_config
from tests.httpsite import Route, Site, wait_for
from tests.partnersim import SimPartner, make_articles, serve_partner

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("SYNDICATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A Redis key prefix (and queue name) of this test's own; its keys go afterwards."""
    name = "synd-test-" + uuid.uuid4().hex[:10]
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def cluster_config(cfg: Config, prefix: str, **changes: Any) -> Config:
    settings = ClusterSettings(
        enabled=True, broker_url=REDIS_URL, queue=prefix, key_prefix=prefix, **changes
    )
    return dataclasses.replace(cfg, cluster=settings)


# --- configuration ----------------------------------------------------------------------


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config_mod.load(path)


def test_cluster_is_off_by_default(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "")
    assert cfg.cluster == ClusterSettings()
    assert cfg.cluster.enabled is False


def test_cluster_mode_refuses_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, '[storage]\nurl = "sqlite:///x.db"\n[cluster]\nenabled = true\n')
    assert err.value.key == "cluster.enabled"
    assert "PostgreSQL" in str(err.value)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("task_time_limit = 600\nvisibility_timeout = 300", "cluster.task_time_limit"),
        ('broker_url = "http://x/"', "cluster.broker_url"),
        ('broker_url = "amqp://guest@mq//"', "cluster.redis_url"),
        ('queue = "Bad Queue"', "cluster.queue"),
        ("host_rate_limit = -1", "cluster.host_rate_limit"),
        ("workers = 3", "cluster.workers"),
    ],
)
def test_cluster_settings_are_validated(tmp_path: Path, table: str, key: str) -> None:
    text = f'[storage]\nurl = "postgresql://u@h/db"\n[cluster]\nenabled = true\n{table}\n'
    with pytest.raises(ConfigError) as err:
        _load(tmp_path, text)
    assert err.value.key == key


def test_cluster_settings_load(tmp_path: Path) -> None:
    cfg = _load(
        tmp_path,
        '[storage]\nurl = "postgresql://u@h/db"\n[cluster]\nenabled = true\n'
        'broker_url = "redis://r:6379/2"\nqueue = "news"\nhost_rate_limit = 0.5\n',
    )
    assert cfg.cluster.enabled and cfg.cluster.queue == "news"
    assert cfg.cluster.host_rate_limit == 0.5
    options = transport_options(cfg.cluster)
    assert options["global_keyprefix"] == "syndication:"
    assert options["visibility_timeout"] == cfg.cluster.visibility_timeout
    app = make_celery(cfg)
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert {"syndication.poll_partner", "syndication.publish"} <= set(app.tasks)


# The commands refuse a config without partners first; these tests are about cluster mode.
ONE_PARTNER = '[[partners]]\nid = "p"\nname = "p"\nfeed_url = "https://p.example/rss"\n'


def test_cli_refuses_cluster_commands_when_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "config.toml").write_text(ONE_PARTNER, encoding="utf-8")
    assert main(["scheduler", "--config", str(tmp_path / "config.toml")]) == 2
    assert "cluster.enabled" in capsys.readouterr().err


def test_run_daemon_refused_in_cluster_mode(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    text = f'[storage]\nurl = "{pg_url}"\n[cluster]\nenabled = true\n{ONE_PARTNER}'
    path.write_text(text, encoding="utf-8")
    assert main(["run", "--config", str(path)]) == 2
    assert "syndication scheduler" in capsys.readouterr().err


# --- advisory locks and leadership --------------------------------------------------------


def _terminate_holder(pg_url: str, name: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            pids = (
                conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :c "
                        "AND objid = :o AND objsubid = 2 AND granted"
                    ),
                    {"c": _LOCK_NAMED_CLASS, "o": lock_key(name) & 0xFFFFFFFF},
                )
                .scalars()
                .all()
            )
            assert len(pids) == 1
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pids[0]})
            conn.commit()
    finally:
        engine.dispose()


def test_advisory_lock_is_exclusive_and_freed_when_the_session_dies(pg_url: str) -> None:
    with open_store(pg_url) as a, open_store(pg_url, migrate=False) as b:
        lock = a.try_advisory_lock("x")
        assert lock is not None and lock.alive()
        assert b.try_advisory_lock("x") is None
        other = b.try_advisory_lock("y")  # another name is independent
        assert other is not None
        other.release()
        lock.release()
        again = b.try_advisory_lock("x")
        assert again is not None
        # The holder's session is killed (a crashed or vanished node): the lock is free.
        _terminate_holder(pg_url, "x")
        assert not again.alive()
        taken = a.try_advisory_lock("x")
        assert taken is not None
        taken.release()


def test_advisory_lock_needs_postgresql(sqlite_url: str) -> None:
    from syndication.errors import StorageError

    with open_store(sqlite_url) as store, pytest.raises(StorageError, match="PostgreSQL"):
        store.try_advisory_lock("x")


def test_standby_scheduler_takes_over(tmp_path: Path, pg_url: str, prefix: str) -> None:
    cfg = cluster_config(build_config(tmp_path, [], storage_url=pg_url), prefix)
    client = redis.Redis.from_url(REDIS_URL)
    with open_store(pg_url) as s1, open_store(pg_url, migrate=False) as s2:
        app = make_celery(cfg)
        a = ClusterScheduler(cfg, s1, app, client)
        b = ClusterScheduler(cfg, s2, app, client)
        assert a.step() is True
        assert b.step() is False  # standing by
        assert b.step() is False
        a.leadership.release()  # a clean stop; a killed session is the test above
        assert b.step() is True
        assert a.step() is False
        b.leadership.release()
    client.close()


def test_dispatch_enqueues_due_partners_once(tmp_path: Path, pg_url: str, prefix: str) -> None:
    partners = [(p, f"http://127.0.0.1:9/{p}.xml") for p in ("p1", "p2", "p3", "p4")]
    cfg = cluster_config(build_config(tmp_path, partners, storage_url=pg_url, jitter=0), prefix)
    now = dt.datetime(2025, 10, 1, 12, 0, tzinfo=dt.UTC)
    client = redis.Redis.from_url(REDIS_URL)
    with open_store(pg_url) as store:
        store.save_partner_state(PartnerState("p2", next_check_at=now + dt.timedelta(hours=1)))
        store.save_partner_state(PartnerState("p3", disabled_reason="feed gone"))
        store.save_partner_state(PartnerState("p4", next_check_at=now - dt.timedelta(hours=1)))
        sched = ClusterScheduler(cfg, store, make_celery(cfg), client, clock=lambda: now)
        assert sched.due(now) == ["p1", "p4"]
        assert sched.dispatch() == 2
        queued = [json.loads(m) for m in client.lrange(f"{prefix}:{prefix}", 0, -1)]
        polls = [m for m in queued if m["headers"]["task"] == "syndication.poll_partner"]
        assert sorted(m["headers"]["argsrepr"] for m in polls) == ["['p1']", "['p4']"]
        # Not due again before their interval, even though the store says nothing new.
        assert sched.due(now + dt.timedelta(seconds=10)) == []
        later = now + dt.timedelta(seconds=cfg.partners[0].interval + 1)
        assert sched.due(later) == ["p1", "p4"]
        # A standby taking over reads the same dispatch times from Redis.
        other = ClusterScheduler(cfg, store, make_celery(cfg), client, clock=lambda: now)
        other._load_due()
        assert other.due(now) == []
    client.close()


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
        '[[feeds]]\nkey = "main"\ntitle = "الرئيسية"\nkind = "main"\nlimit = 200\n',
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
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "syndication", *args, "--config", str(self.config)],
            cwd=self.tmp_path,
            env=self.env,
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
    for path, route in site.routes.items():
        if path.endswith(".html"):
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


def test_two_apps_in_one_process_each_have_their_own_tasks(tmp_path: Path) -> None:
    # Celery shares a decorated task with every app by default; two apps (two configs) in
    # one process then register each name twice, which Celery 5.7 reports as an error.
    text = '[storage]\nurl = "postgresql://u@h/db"\n[cluster]\nenabled = true\n'
    first = make_celery(_load(tmp_path, text + 'queue = "a"\n'))
    second = make_celery(_load(tmp_path, text + 'queue = "b"\n'))
    for app in (first, second):
        assert {"syndication.poll_partner", "syndication.publish"} <= set(app.tasks)
    assert first.tasks["syndication.publish"] is not second.tasks["syndication.publish"]
