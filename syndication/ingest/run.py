"""A run: the enabled partners polled in parallel, one report each, logged."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..config import Config
from ..fetch import Fetcher
from ..model import IngestReport, PartnerFeed
from ..scrapepool import ScrapePool, default_processes
from ..store import Store
from .poll import Ingester, utcnow

log = logging.getLogger("syndication.ingest")


def run_ingest(
    config: Config,
    store: Store,
    *,
    partner_ids: Sequence[str] | None = None,
    force: bool = False,
    fetcher: Fetcher | None = None,
    on_report: Callable[[IngestReport], None] | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    workers: int | None = None,
    pages: ScrapePool | None = None,
    stop: threading.Event | None = None,
) -> list[IngestReport]:
    """Ingest the enabled partners (or the named ones) in parallel; one report each.

    Article pages are scraped in *pages*, or in a pool made for this run as
    ``[scheduler] scrape_processes`` says (its workers start on the first page only).
    Once *stop* is set, partners not started yet report "stopped"; to cut the fetches and
    scrapes in flight too, pass your own *fetcher* and *pages* and abort them.
    """
    partners = _chosen(config, partner_ids)
    own = fetcher is None
    client = fetcher or Fetcher(config.fetch)
    own_pages = pages is None
    page_pool = pages or scrape_pool(config)
    ingester = Ingester(config, store, client, clock=clock, pages=page_pool, stop=stop)
    if len(partners) > 1:
        ingester.prefetch(memos=not force)
    try:
        size = workers or config.scheduler.workers
        with ThreadPoolExecutor(max_workers=max(1, size), thread_name_prefix="partner") as pool:
            reports = []
            for report in pool.map(lambda p: ingester.partner(p, force=force), partners):
                log_report(report)
                if on_report is not None:
                    on_report(report)
                reports.append(report)
        return reports
    finally:
        if own:
            client.close()
        if own_pages:
            page_pool.close()


def _chosen(config: Config, partner_ids: Sequence[str] | None) -> list[PartnerFeed]:
    """The enabled partners, or the named ones (enabled or not)."""
    partners = [p for p in config.partners if p.enabled or partner_ids]
    if partner_ids is not None:
        wanted = set(partner_ids)
        partners = [p for p in partners if p.id in wanted]
    return partners


def scrape_pool(config: Config) -> ScrapePool:
    """The page-scraping pool `[scheduler]` asks for (workers start on first use)."""
    processes = config.scheduler.scrape_processes
    return ScrapePool(
        default_processes() if processes is None else processes,
        timeout=config.scheduler.scrape_timeout,
        niceness=config.scheduler.scrape_niceness,
    )


def log_report(report: IngestReport) -> None:
    level = logging.WARNING if report.status == "failed" else logging.INFO
    text = (
        f"{report.status}: {report.new} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.failures)} item failures "
        f"in {report.duration:.2f}s"
    )
    if report.next_poll is not None:
        text = f"deferred: not due until {report.next_poll.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}Z"
    if report.error:
        text += f": {report.error}"
    log.log(
        level,
        text,
        extra={
            "partner": report.partner_id,
            "status": report.status,
            "new": report.new,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "duration": round(report.duration, 3),
        },
    )
