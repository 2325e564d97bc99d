"""One feed item → one Article: its page fetched and scraped, merged by normalize.

Pages are fetched in parallel up to the partner's per-host limit, which the fetcher
enforces; each is scraped in the scrape pool's worker processes (building a page's tree is
CPU work that threads of one interpreter would take turns on), or in this thread when the
ingester has no pool. An article page that fails keeps the feed item's own title and
summary, so the story is not lost; its item hash is marked PARTIAL so the next poll sees
a change and tries the page again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .. import health, metrics
from ..config import CategoryDef
from ..errors import PartnerError
from ..fetch import Fetcher
from ..model import Article, FeedItem, ItemFailure, PartnerFeed, Scraped
from ..normalize import to_article
from ..scrapepool import PageJob, ScrapePool, run_job
from ..store import Store
from .outcome import MAX_ERROR_TEXT

log = logging.getLogger("syndication.ingest")

# Marks a stored article built from the feed alone because its page failed: the next poll
# sees a different item hash and tries the page again.
PARTIAL = "partial:"


@dataclass(frozen=True)
class Todo:
    """A feed item that is new or edited: its article must be built and stored."""

    key: str  # article id
    item: FeedItem
    item_hash: str
    edited: bool  # stored before with another item hash


@dataclass(frozen=True)
class Pages:
    """Builds the articles of one ingester (thread-safe: one call per item)."""

    store: Store
    fetcher: Fetcher
    pool: ScrapePool | None  # worker processes for scraping; None: in this thread
    categories: tuple[CategoryDef, ...]
    stopping: Callable[[], bool]

    def article(
        self, partner: PartnerFeed, todo: Todo, now: dt.datetime
    ) -> tuple[Article, ItemFailure | None] | None:
        """The article and, when its page failed, why; None once stopping (the item is
        taken whole on the next start)."""
        if self.stopping():
            return None
        item = todo.item
        scraped: Scraped | None = None
        failure: ItemFailure | None = None
        page_started = time.monotonic()
        if partner.scrape and item.url:
            try:
                scraped = self._scrape(partner, item.url)
            except PartnerError as e:
                if self.stopping():
                    return None  # cut short by the stop: taken whole on the next start
                failure = ItemFailure(item.guid or item.url, str(e)[:MAX_ERROR_TEXT])
                health.note_failure(self.store, partner.id, e, now, page=item.url)
                log.warning(
                    "article page failed, keeping the feed's own text: %s",
                    e,
                    extra={"partner": partner.id},
                )
        article = to_article(
            partner,
            item,
            scraped,
            article_id=todo.key,
            item_hash=(PARTIAL + todo.item_hash) if failure else todo.item_hash,
            categories=self.categories,
            now=now,
        )
        if todo.edited:
            # An edit: readers and partners detect it by `updated`; the id stays the same.
            article = replace(article, updated=max(article.updated, now))
        tried = partner.scrape and item.url  # a failed page took its time too
        page_seconds = time.monotonic() - page_started if tried else None
        health.note_article(self.store, article, now, seconds=page_seconds)
        return article, failure

    def _scrape(self, partner: PartnerFeed, url: str) -> Scraped:
        page = self.fetcher.get(
            url,
            partner_id=partner.id,
            settings=partner.fetch,
            file_root=file_root(partner.feed_url),
            kind="page",
        )
        job = PageJob(
            page.body,
            page.final_url,
            partner.rules,
            timezone=partner.timezone,
            http_charset=_charset(page.header("content-type") or ""),
            base_url=partner.site_url,
        )

        def timed(seconds: float) -> None:
            metrics.observe_scrape(self.store, seconds)

        started = time.monotonic()
        if self.pool is not None:
            scraped = self.pool.scrape(job, timed=timed)
        else:
            try:
                scraped = run_job(job)
            finally:
                # A page that failed took its time too: it belongs in the histogram.
                timed(time.monotonic() - started)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "scraped %s in %d ms: %s",
                page.final_url,
                (time.monotonic() - started) * 1000,
                found_fields(scraped),
                extra={"partner": partner.id},
            )
        return scraped


def _charset(content_type: str) -> str | None:
    if "charset=" not in content_type:
        return None
    return content_type.split("charset=", 1)[1].split(";")[0].strip(" \"'") or None


def found_fields(scraped: Scraped) -> str:
    """What the scraper found on a page, for -v: the parts a wrong rule would lose."""

    def count(n: int, noun: str) -> str:
        return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

    kinds = [block.kind for block in scraped.blocks]
    parts = [
        f"title {'yes' if scraped.title else 'no'}",
        count(kinds.count("p"), "paragraph"),
        count(kinds.count("h2") + kinds.count("h3"), "subheading"),
        count(len(scraped.images), "image"),
        count(sum(1 for image in scraped.images if image.caption), "caption"),
        f"date {'yes' if scraped.published else 'no'}",
        f"urgent {'yes' if scraped.urgent else 'no'}",
    ]
    return ", ".join(parts)


def file_root(url: str) -> str | None:
    """A file: feed may only reach files in its own folder tree."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return str(Path(url2pathname(parts.path)).parent)
