"""Scraping in worker processes gives the in-thread records, and survives bad pages.

Real worker processes throughout. Only the two failures that no real page produces on
demand are stood in for, by the job a worker runs: a page that never finishes and a
crash that kills the worker (as the kernel's OOM killer or a C parser fault would).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from syndication.errors import ScrapeError
from syndication.ingest import run_ingest
from syndication.model import Scraped, ScrapeRules
from syndication.scrapepool import Outcome, PageJob, ScrapePool, run_job, work
from syndication.store import open_store
from tests.support.factories import build_config
from tests.support.httpsite import Site, wait_for
from tests.support.partnersim import SimPartner, make_articles, serve_partner

PAGES = Path(__file__).parent / "data" / "pages"
INDEX: list[dict[str, Any]] = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))
NOW = dt.datetime(2025, 9, 26, 13, 0, tzinfo=dt.UTC)
NO_BODY = "<html><body><nav><a href='/'>الرئيسية</a></nav></body></html>".encode()


def _job(entry: dict[str, Any]) -> PageJob:
    return PageJob((PAGES / entry["html"]).read_bytes(), entry["url"], ScrapeRules())


def _record(pool: ScrapePool, job: PageJob) -> Scraped | str:
    try:
        return pool.scrape(job)
    except ScrapeError as exc:
        return f"ScrapeError: {exc}"


def _inline(job: PageJob) -> Scraped | str:
    try:
        return run_job(job)
    except ScrapeError as exc:
        return f"ScrapeError: {exc}"


# Stand-ins for a page that never ends and one that kills its worker (see the docstring).
def hang_or_work(job: PageJob) -> Outcome:
    if "hang" in job.url:
        threading.Event().wait()
    return work(job)


def mark_and_hang(job: PageJob) -> Outcome:
    """A page that never ends, whose worker first creates the file named after "#" in its
    URL: the test then knows the page is in the worker."""
    Path(job.url.split("#", 1)[1]).touch()
    threading.Event().wait()
    return work(job)


def crash_or_work(job: PageJob) -> Outcome:
    if "crash" in job.url:
        os._exit(70)
    return work(job)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_workers_give_the_in_thread_record_on_every_corpus_page() -> None:
    jobs = [_job(e) for e in INDEX]
    jobs.append(PageJob(NO_BODY, "https://example.org/empty", ScrapeRules()))
    with ScrapePool(2) as pool, ThreadPoolExecutor(4) as threads:
        got = list(threads.map(lambda j: _record(pool, j), jobs))
    assert got == [_inline(j) for j in jobs]
    assert got[-1] == (
        "ScrapeError: https://example.org/empty: no article body found in "
        "https://example.org/empty (not an article page, or set a body selector in the "
        "partner's rules)"
    )
    assert sum(isinstance(r, Scraped) for r in got) == len(INDEX)


def test_a_page_that_never_finishes_has_its_worker_stopped() -> None:
    page = _job(INDEX[0])
    took: list[float] = []  # what the metrics get: the scrape's own time, or the limit
    with ScrapePool(1, timeout=5, target=hang_or_work) as pool:
        assert pool.scrape(page, timed=took.append) == run_job(page)
        assert len(took) == 1 and took[0] > 0
        first = pool.worker_pids()
        with pytest.raises(ScrapeError) as err:
            pool.scrape(replace(page, url=page.url + "?hang"), timed=took.append)
        assert took[1:] == [5]
        text = str(err.value)
        assert "longer than 5 s" in text and "worker process was stopped" in text
        assert page.url in text and "tried again on the next poll" in text
        assert not any(_running(pid) for pid in first)
        # New workers take the next page.
        assert pool.scrape(page) == run_job(page)
        assert pool.restarts == 1 and pool.worker_pids() != first


def test_a_page_that_kills_its_worker_fails_alone() -> None:
    good = [_job(e) for e in INDEX[:6]]
    bad = replace(good[0], url=good[0].url + "?crash")
    with ScrapePool(2, target=crash_or_work) as pool, ThreadPoolExecutor(7) as threads:
        got = list(threads.map(lambda j: _record(pool, j), [bad, *good]))
    # The pages in flight beside it were tried again, alone, and came through.
    assert got[1:] == [run_job(j) for j in good]
    assert isinstance(got[0], str) and "died twice" in got[0] and bad.url in got[0]


def test_closing_the_pool_ends_its_workers() -> None:
    pool = ScrapePool(2)
    pool.scrape(_job(INDEX[0]))
    pids = pool.worker_pids()
    assert pids
    pool.close()
    assert not any(_running(pid) for pid in pids)
    with pytest.raises(RuntimeError):
        pool.scrape(_job(INDEX[0]))


@pytest.mark.parametrize("niceness", [10, 0])
def test_workers_run_below_the_process_that_starts_them(niceness: int) -> None:
    # The polling process holds the store's write lock and the daemon's server: the
    # workers yield the CPU to it (scrapepool.WORKER_NICENESS).
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    with ScrapePool(1, niceness=niceness) as pool:
        assert pool.scrape(_job(INDEX[0])) == run_job(_job(INDEX[0]))
        (pid,) = pool.worker_pids()
        assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, mine + niceness)
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine  # only the workers moved


def test_in_thread_and_worker_ingest_store_the_same_articles(site: Site, tmp_path: Path) -> None:
    partner = SimPartner("p", make_articles("p", 5))
    url = serve_partner(site, partner)
    stored = []
    for processes in (0, 2):
        base = tmp_path / str(processes)
        base.mkdir()
        config = build_config(base, [("p", url)])
        config = replace(config, scheduler=replace(config.scheduler, scrape_processes=processes))
        store = open_store(config.storage_url)
        try:
            reports = run_ingest(config, store, clock=lambda: NOW)
            assert [(r.status, r.new, r.failures) for r in reports] == [("ok", 5, ())]
            stored.append(store.latest(limit=10))
        finally:
            store.close()
    assert stored[0] == stored[1]
    assert len(stored[0]) == 5 and all(a.blocks for a in stored[0])


def test_abort_releases_a_scrape_in_a_stuck_worker_and_close_stops_it(tmp_path: Path) -> None:
    """A stop must not wait for a page's time limit: the thread waiting for the worker
    gives up at once, later pages are refused, and close() kills the busy worker."""
    page = _job(INDEX[0])
    taken = tmp_path / "taken"
    pool = ScrapePool(1, timeout=600, target=mark_and_hang)
    try:
        outcome: list[Scraped | str] = []
        stuck = replace(page, url=f"{page.url}#{taken}")
        waiting = threading.Thread(target=lambda: outcome.append(_record(pool, stuck)))
        waiting.start()
        assert wait_for(taken.exists, timeout=60)  # the worker has the page
        workers = pool.worker_pids()
        pool.abort()
        waiting.join(timeout=10)  # the harness's bound, far below the page's time limit
        assert not waiting.is_alive()
        assert len(outcome) == 1 and "shutting down" in str(outcome[0])
        with pytest.raises(ScrapeError, match="shutting down"):
            pool.scrape(page)
    finally:
        pool.close()
    assert workers and not any(_running(pid) for pid in workers)
