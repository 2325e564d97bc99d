"""Cluster benchmark: the poll-cycle figure with 1, 2 and 4 worker processes.

    python -m benchmarks.cluster_bench [--quick] [--partners 200] [--items 5] [--workers 1,2,4]

A partner simulator (tests/support/partnersim.py) serves N partners with a few Arabic articles
each on 127.0.0.1. For every setup a fresh PostgreSQL database and Redis key prefix are
used, and three cycles are timed, each polling every partner once:

- first poll:  every item is new: one feed and `items` article pages per partner;
- unchanged:   conditional GET, every feed answers 304;
- new items:   one new item per partner: the feed plus one page each.

Setups: the single-process baseline (`run_ingest`, 4 partner threads) and `syndication
worker` processes (`--pool threads --concurrency 4`, so one worker process is one OS
process like the baseline), fed by `poll_partner` tasks sent straight to the queue (the
scheduler's own work is a query per second and not measured). A cycle ends when every
task's result is back. Figures are partners per second for the whole cycle.

Caveats: the simulator, the database, Redis and the workers share this machine's cores,
so more workers than cores stop helping; every partner lives on one host here, so the
cluster-wide host limiter is switched off (`host_rate_limit = 0`) and only each process's
own per-host gate applies. Publishing is deferred out of the measured window.

Needs PostgreSQL (SYNDICATION_TEST_PG_URL, default postgres@127.0.0.1/test) and Redis
(SYNDICATION_TEST_REDIS_URL, default redis://127.0.0.1:6379/0).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import sqlalchemy as sa

from syndication import config as config_mod
from syndication.cluster.app import make_celery
from syndication.cluster.tasks import POLL_TASK
from syndication.ingest import run_ingest
from syndication.store import Store, open_store
from tests.support.httpsite import Site
from tests.support.partnersim import SimPartner, make_articles, serve_partner

PG_URL = os.environ.get(
    "SYNDICATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SYNDICATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CYCLES = ("first poll", "unchanged", "new items")
THREADS = 4


@contextmanager
def fresh_database() -> Iterator[str]:
    name = "bench_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_config(directory: Path, pg_url: str, prefix: str, feeds: dict[str, str]) -> Path:
    parts = [
        f'[storage]\nurl = "{pg_url}"\n',
        "[fetch]\nallow_private_networks = true\nmin_host_interval = 0.0\nmax_per_host = 4\n",
        f"[scheduler]\nworkers = {THREADS}\npublish_debounce = 600\n",
        f'[cluster]\nenabled = true\nbroker_url = "{REDIS_URL}"\nresult_backend = "{REDIS_URL}"\n'
        f'queue = "{prefix}"\nkey_prefix = "{prefix}"\nhost_rate_limit = 0.0\n',
    ]
    parts += [
        f'[[partners]]\nid = "{pid}"\nname = "{pid}"\nfeed_url = "{url}"\njitter = 0\n'
        for pid, url in feeds.items()
    ]
    path = directory / "config.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def make_due(store: Store) -> None:
    """Every partner due now, validators kept (so 'unchanged' is a real 304 cycle)."""
    for state in store.partner_states():
        store.save_partner_state(dataclasses.replace(state, next_check_at=None))


def add_item(site: Site, sims: list[SimPartner], round_no: int) -> None:
    start = dt.datetime(2025, 10, 1, tzinfo=dt.UTC) + dt.timedelta(hours=round_no)
    for sim in sims:
        new = make_articles(sim.pid, 1, start=start)[0]
        new = dataclasses.replace(
            new, slug=f"{sim.pid}-r{round_no}", guid=f"urn:{sim.pid}:r{round_no}"
        )
        sim.articles.insert(0, new)
        serve_partner(site, sim)


def run_cycles(
    site: Site,
    sims: list[SimPartner],
    store: Store,
    cycle: Callable[[], None],
) -> list[float]:
    rates = []
    for i, _name in enumerate(CYCLES):
        if i == 2:
            add_item(site, sims, 1)
        make_due(store)
        started = time.perf_counter()
        cycle()
        rates.append(len(sims) / (time.perf_counter() - started))
    return rates


def bench_baseline(site: Site, sims: list[SimPartner], config_path: Path) -> list[float]:
    cfg = config_mod.load(config_path)
    with open_store(cfg.storage_url) as store:

        def cycle() -> None:
            reports = run_ingest(cfg, store, workers=THREADS)
            bad = [r for r in reports if r.status == "failed"]
            assert not bad, bad[0]

        return run_cycles(site, sims, store, cycle)


def bench_workers(
    site: Site, sims: list[SimPartner], config_path: Path, workers: int, logs: Path
) -> list[float]:
    cfg = config_mod.load(config_path)
    app = make_celery(cfg)
    procs = []
    try:
        for n in range(workers):
            log = (logs / f"worker-{workers}-{n}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "syndication",
                        "worker",
                        "--config",
                        str(config_path),
                        "--pool",
                        "threads",
                        "--concurrency",
                        str(THREADS),
                        "--hostname",
                        f"bench{n}@{cfg.cluster.queue}",
                    ],
                    cwd=logs,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        deadline = time.monotonic() + 60
        while len(app.control.ping(timeout=0.5) or []) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start; see {logs}")
        with open_store(cfg.storage_url) as store:

            def cycle() -> None:
                results = [
                    app.send_task(POLL_TASK, args=[s.pid], queue=cfg.cluster.queue) for s in sims
                ]
                statuses = [r.get(timeout=300)["status"] for r in results]
                bad = [s for s in statuses if s not in ("ok", "not_modified", "unchanged")]
                assert not bad, bad[:5]

            return run_cycles(site, sims, store, cycle)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        app.close()


def clean_redis(prefix: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def one_setup(
    label: str, n_partners: int, items: int, workers: int | None, logs: Path
) -> list[float]:
    sims = [SimPartner(f"p{i:03d}", make_articles(f"p{i:03d}", items)) for i in range(n_partners)]
    prefix = "bench-" + uuid.uuid4().hex[:8]
    with Site() as site, fresh_database() as pg_url, tempfile.TemporaryDirectory() as tmp:
        feeds = {s.pid: serve_partner(site, s) for s in sims}
        path = write_config(Path(tmp), pg_url, prefix, feeds)
        try:
            if workers is None:
                return bench_baseline(site, sims, path)
            return bench_workers(site, sims, path, workers, logs)
        finally:
            clean_redis(prefix)


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cluster_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="60 partners × 3 items (< 1 min)")
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts")
    args = parser.parse_args()
    n, items = (60, 3) if args.quick else (args.partners, args.items)
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    print(
        f"poll cycle of {n} partners ({items} items each), {os.cpu_count()} CPUs; "
        f"partners per second (higher is better)\n"
    )
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as logs:
        setups: list[tuple[str, int | None]] = [("run_ingest (1 process)", None)]
        setups += [(f"{k} worker process{'es' if k > 1 else ''}", k) for k in counts]
        for label, workers in setups:
            rates = one_setup(label, n, items, workers, Path(logs))
            rows.append((label, rates))
            print(f"  done: {label}", file=sys.stderr)
    width = max(len(label) for label, _ in rows)
    header = f"{'setup':<{width}}  " + "  ".join(f"{c:>11}" for c in CYCLES)
    print(header)
    print("-" * len(header))
    for label, rates in rows:
        print(f"{label:<{width}}  " + "  ".join(f"{r:>11.1f}" for r in rates))


if __name__ == "__main__":
    main()
