"""The daemon: jobs wired to ingest, state-driven rescheduling, and a real process that
publishes, refuses a second instance, and exits 0 on SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import feedparser

from syndication.schedule import HEAP_INTERVAL, HEAP_JOB, PUBLISH_JOB, Daemon
from syndication.store import open_store
from tests.support.factories import build_config
from tests.support.httpsite import Route, Site, wait_for
from tests.support.partnersim import SimPartner, make_articles, serve_partner


def test_one_job_per_partner_coalesced_never_concurrent(site: Site, tmp_path: Path) -> None:
    a = serve_partner(site, SimPartner("a", make_articles("a", 1)))
    b = serve_partner(site, SimPartner("b", make_articles("b", 1)))
    config = build_config(tmp_path, [("a", a), ("b", b)], interval=120, jitter=10)
    store = open_store(config.storage_url)
    daemon = Daemon(config, store)
    daemon.scheduler.start(paused=True)  # job defaults apply once the scheduler runs
    daemon.add_jobs()
    try:
        jobs = {job.id: job for job in daemon.scheduler.get_jobs()}
        assert set(jobs) == {"a", "b", PUBLISH_JOB, HEAP_JOB}
        # Memory goes back once a minute, not after every poll (a collection costs ms).
        assert jobs[HEAP_JOB].trigger.interval.total_seconds() == HEAP_INTERVAL == 60
        for pid in ("a", "b"):
            job = jobs[pid]
            assert job.coalesce is True and job.max_instances == 1
            assert job.trigger.interval == dt.timedelta(seconds=120)
            assert job.trigger.jitter == 10
            assert job.func == daemon.poll and job.args[0].id == pid
            assert job.misfire_grace_time == config.scheduler.misfire_grace
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.fetcher.close()
        store.close()


def test_poll_ingests_and_schedules_one_publish(site: Site, tmp_path: Path) -> None:
    url = serve_partner(site, SimPartner("a", make_articles("a", 2)))
    config = build_config(tmp_path, [("a", url)], interval=120)
    store = open_store(config.storage_url)
    daemon = Daemon(config, store)
    daemon.add_jobs()
    daemon.scheduler.start(paused=True)  # jobs run only when we call them
    try:
        daemon.poll(config.partners[0])
        assert store.count_articles() == 2
        first_due = daemon.publish_due
        assert first_due is not None
        daemon.publish_soon()  # a burst of changes rides along with the pending publish
        assert daemon.publish_due == first_due
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.fetcher.close()
        store.close()


def test_failing_partner_job_is_pushed_back_by_retry_after(site: Site, tmp_path: Path) -> None:
    url = site.add("/busy.xml", Route(b"", status=503, headers={"Retry-After": "3600"}))
    config = build_config(tmp_path, [("busy", url)], interval=60, jitter=0)
    store = open_store(config.storage_url)
    daemon = Daemon(config, store)
    daemon.add_jobs()
    daemon.scheduler.start(paused=True)
    try:
        daemon.poll(config.partners[0])
        job = daemon.scheduler.get_job("busy")
        state = store.get_partner_state("busy")
        assert state is not None and state.next_check_at is not None
        assert job.next_run_time == state.next_check_at
        assert job.next_run_time >= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3500)
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.fetcher.close()
        store.close()


def write_config(tmp_path: Path, feed_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[storage]
url = "sqlite:///var/store.db"
[fetch]
allow_private_networks = true
min_host_interval = 0.0
[scheduler]
publish_debounce = 0.5
workers = 2
[[partners]]
id = "live"
name = "شريك مباشر"
feed_url = "{feed_url}"
interval = 10
jitter = 0
[[feeds]]
key = "main"
title = "الرئيسية"
kind = "main"
""",
        encoding="utf-8",
    )
    return path


def test_daemon_process_publishes_refuses_a_twin_and_stops_on_sigterm(
    site: Site, tmp_path: Path
) -> None:
    partner = SimPartner("live", make_articles("live", 3))
    config = write_config(tmp_path, serve_partner(site, partner))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATION_")}
    cmd = [sys.executable, "-m", "syndication", "run", "--config", str(config)]
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        main = tmp_path / "feeds" / "main.rss.xml"

        def published() -> bool:
            return main.exists() and len(feedparser.parse(main.read_bytes()).entries) == 3

        assert wait_for(published, timeout=60), (tmp_path / "daemon.log").read_text()

        twin = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
        assert twin.returncode == 3
        assert "another syndication process" in twin.stderr

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=20) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()
    text = (tmp_path / "daemon.log").read_text()
    assert "received SIGTERM" in text and "daemon stopped" in text
    assert not list((tmp_path / "feeds").glob("*.tmp*"))
