"""The Ingester: one partner's poll, stage by stage (see `Ingester._poll`).

Stopping (the `stop` event, set on SIGTERM): a partner not started yet is not polled, an
article whose page is still being fetched or scraped is dropped (the caller aborts the
fetcher and the scrape pool, so that happens at once), an article already built is stored,
and a poll cut short leaves the partner's state as it was, not failed. Everything skipped
is picked up on the next start, as new.

Failures (see outcome): a partner's own are values in its IngestReport; an unexpected
exception in one partner is logged with its traceback and marked on that partner, never
stopping the others. A StorageError is fatal for the run (the database is shared by
everyone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from .. import health, metrics, withdraw
from ..config import Config
from ..errors import PartnerError, StorageError
from ..fetch import Fetcher
from ..model import (
    Fetched,
    IngestReport,
    IngestStatus,
    ItemFailure,
    ParsedFeed,
    PartnerFeed,
    PartnerState,
)
from ..parse import (
    ItemScan,
    deleted_entries,
    guids_unreliable,
    parse_feed,
    parse_feed_items,
    scan_items,
)
from ..pollpolicy import due_at, is_due
from ..scrapepool import ScrapePool
from ..store import Store
from . import outcome
from .ids import Identity, article_id, dedupe, entry_id, item_hash, unedited
from .memo import MEMO_PREFIX, Memo, Vouched, memo_context
from .pages import Pages, Todo, file_root
from .states import States

log = logging.getLogger("syndication.ingest")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Quick:
    """What the quick checks decided: the poll's report when they ended it; else, for the
    full path, the memo read and the context to remember the items under."""

    report: IngestReport | None
    memo: Memo | None = None
    context: str = ""
    listed: tuple[str, ...] | None = None  # ids in the feed, when its new bytes were read


@dataclass(frozen=True)
class Items:
    """A parsed feed's items, named: those to build, and what the memo will remember."""

    identity: Identity
    hashes: dict[str, str]  # article id → item hash, for every item kept
    todo: list[Todo]  # new or edited
    unchanged: int  # known and unedited, or deleted by us


@dataclass(frozen=True)
class Stored:
    report: IngestReport
    complete: bool  # every item taken: no page failed, none cut short by a stop


@dataclass
class Ingester:
    """Shared by every partner of a run: config, store, one HTTP client, a clock."""

    config: Config
    store: Store
    fetcher: Fetcher
    clock: Callable[[], dt.datetime] = utcnow
    rand: random.Random | None = None
    stop: threading.Event | None = None  # set on SIGTERM: finish the current article, skip the rest
    fast_path: bool = True  # skip feedparser when every item is known (tests turn it off)
    pages: ScrapePool | None = None  # worker processes for scraping; None: in this thread
    # Held around the CPU-bound end of a poll that needs no feedparser (hash, scan, known-id
    # lookup, state write): the GIL runs one thread at a time there anyway, and 16 threads
    # taking turns inside it cost ~30 % more CPU per partner (GIL and lock hand-offs, more
    # SQLite connections in play) than queueing here. Network waits stay outside.
    _cpu: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    states: States = field(init=False, repr=False)
    _articles: Pages = field(init=False, repr=False)
    # Meta key → fast-path memo, read in one query before a run; each used once, then dropped.
    _memos: dict[str, str] | None = field(default=None, init=False, repr=False)
    # Meta key → each partner's feed as last read (the withdrawal check), same rule.
    _listed: dict[str, str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.states = States(self.store)
        self._articles = Pages(
            self.store, self.fetcher, self.pages, self.config.categories, self._stopping
        )

    def prefetch(self, *, memos: bool = True) -> None:
        """Read every partner's state, fast-path memo and last feed list, each kind in one
        query instead of one per poll: for a run about to poll many partners, each once."""
        self.states.prefetch(self.store.partner_states())
        if memos:
            self._memos = self.store.meta_with_prefix(MEMO_PREFIX)
        self._listed = self.store.meta_with_prefix(withdraw.LISTED_PREFIX)

    def partner(self, partner: PartnerFeed, *, force: bool = False) -> IngestReport:
        """Poll one partner; never raises for the partner's own problems.

        The states this poll (and those running beside it) end in are written before the
        last poll in flight returns: a caller that has its reports has them stored.
        """
        with self.states.polling():
            return self._partner(partner, force)

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _partner(self, partner: PartnerFeed, force: bool) -> IngestReport:
        started = time.monotonic()
        if self._stopping():
            return self._report(partner, "stopped", started)
        now = self.clock()
        report = self._outcome(partner, force, started, now)
        metrics.record_poll(self.store, report, now)
        health.note_poll(self.store, report, now)
        return report

    def _outcome(
        self, partner: PartnerFeed, force: bool, started: float, now: dt.datetime
    ) -> IngestReport:
        state = self.states.get(partner.id)
        if not force and state.disabled_reason:
            return self._report(partner, "disabled", started, error=state.disabled_reason)
        if not force and not is_due(state, partner.interval, now):
            report = self._report(partner, "deferred", started)
            return replace(report, next_poll=due_at(state, partner.interval))
        try:
            return self._poll(partner, state, now, started, force)
        except StorageError:
            raise
        except PartnerError as e:
            if self._stopping():  # most likely cut by the abort: not the partner's fault
                return self._report(partner, "stopped", started)
            return self._failed(partner, state, now, started, e)
        except Exception as e:  # a bug: loud, but the other partners go on
            log.exception("unexpected error while ingesting", extra={"partner": partner.id})
            return self._failed(partner, state, now, started, e)

    # -- the stages ------------------------------------------------------------------

    def _poll(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        now: dt.datetime,
        started: float,
        force: bool,
    ) -> IngestReport:
        """fetch → quick checks (memo) → parse → items → pages → normalize → store → state.

        A partner's expected failures are raised as PartnerError and become its report in
        `_outcome`; everything else that can go wrong with one item is a value here.
        """
        fetched = self._fetch(partner, state, force)
        # Once per poll: the quick checks and the state saved after a full parse both use it.
        body_hash = "" if fetched.not_modified else hashlib.sha256(fetched.body).hexdigest()
        with self._cpu:
            quick = self._quick(partner, state, fetched, now, started, force, body_hash)
        if quick.report is not None:
            if quick.listed is not None:
                self._check_withdrawn(partner, fetched, state.identity, quick.listed, now)
            return quick.report
        scan = scan_items(fetched.body) if self._fast(partner) else None
        parsed, vouched = self._parse(partner, state, fetched, quick, scan)
        items = self._items(partner, state, parsed, vouched)
        stored = self._store(partner, items, now)  # pages fetched, scraped and normalized
        if scan is not None:
            self._remember(partner, scan, quick, items)
        self._check_withdrawn(partner, fetched, items.identity, tuple(items.hashes), now)
        if not stored.complete:
            # Forget hash and validators, so the next poll re-reads the feed and retries
            # the pages that failed instead of getting a 304.
            fetched = replace(fetched, etag=None, last_modified=None)
        self._succeeded(
            partner,
            replace(state, identity=items.identity),
            fetched,
            parsed,
            now,
            body_hash=body_hash if stored.complete else None,
        )
        return replace(stored.report, duration=time.monotonic() - started)

    def _check_withdrawn(
        self,
        partner: PartnerFeed,
        fetched: Fetched,
        identity: str | None,
        listed: tuple[str, ...],
        now: dt.datetime,
    ) -> None:
        """After new feed bytes were read: what the partner withdrew becomes a kill
        (an id gone from the feed whose page answers 404/410, or a deleted-entry)."""
        ident = identity or "guid"
        deleted = [entry_id(partner.id, ref, ident) for ref in deleted_entries(fetched.body)]
        key = withdraw.listed_key(partner.id)
        if self._listed is not None:
            stored = self._listed.pop(key, None)
        else:
            stored = self.store.get_meta(key)
        withdraw.check(
            self.store,
            self.fetcher,
            partner,
            list(listed),
            deleted,
            now,
            stored=stored,
            file_root=file_root(partner.feed_url),
        )

    def _fetch(self, partner: PartnerFeed, state: PartnerState, force: bool) -> Fetched:
        url = state.feed_url or partner.feed_url
        fetched = self.fetcher.get(
            url,
            partner_id=partner.id,
            etag=None if force else state.etag,
            last_modified=None if force else state.last_modified,
            settings=partner.fetch,
            file_root=file_root(url),
            kind="feed",
        )
        if fetched.permanent_redirect and fetched.permanent_redirect != url:
            log.warning(
                "feed moved permanently to %s; using the new URL from now on (update config.toml)",
                fetched.permanent_redirect,
                extra={"partner": partner.id},
            )
        return fetched

    def _quick(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        fetched: Fetched,
        now: dt.datetime,
        started: float,
        force: bool,
        body_hash: str,
    ) -> Quick:
        """The poll's end when nothing needs feedparser: 304, same bytes, or every item
        known and untouched (the memo's `skip`)."""
        if fetched.not_modified:
            self._succeeded(partner, state, fetched, None, now, body_hash=state.body_hash)
            return Quick(self._report(partner, "not_modified", started))
        if not force and body_hash == state.body_hash:
            # Same bytes without validators: recognised by hash, never parsed.
            self._succeeded(partner, state, fetched, None, now, body_hash=body_hash)
            return Quick(self._report(partner, "unchanged", started))
        context = memo_context(partner, fetched)
        memo = self._memo(partner.id) if self._fast(partner) else None
        skip = None
        if memo is not None:
            by_url = state.identity == "url"
            stored = self.store.known_item_hashes
            skip = memo.skip(partner, context, fetched.body, by_url=by_url, stored=stored)
        if skip is None:
            return Quick(None, memo, context)
        self._succeeded(
            partner,
            replace(state, identity=skip.identity),
            fetched,
            None,
            now,
            body_hash=body_hash,
            ttl=skip.ttl,
        )
        duration = time.monotonic() - started
        report = IngestReport(partner.id, "ok", unchanged=skip.items, duration=duration)
        return Quick(report, listed=skip.ids)

    def _parse(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        fetched: Fetched,
        quick: Quick,
        scan: ItemScan | None,
    ) -> tuple[ParsedFeed, Vouched | None]:
        """feedparser over the items the memo cannot vouch for, else over the whole feed.

        A feed whose last parse drew warnings is parsed whole: they are about the whole
        document, and a part of it would not say whether they still hold."""
        if scan is not None and quick.memo is not None and not state.warnings:
            by_url = state.identity == "url"
            stored = self.store.known_item_hashes
            vouched = quick.memo.vouch(partner, quick.context, scan, by_url=by_url, stored=stored)
            if vouched is not None:
                parsed = parse_feed_items(fetched, partner, scan, vouched.drop)
                if parsed is not None:
                    return parsed, vouched
        return parse_feed(fetched, partner), None

    def _items(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        parsed: ParsedFeed,
        vouched: Vouched | None = None,
    ) -> Items:
        """Name the items (see ids) and sort out the new and edited ones; with `vouched`,
        `parsed` holds only the items the memo did not vouch for."""
        items = list(parsed.items[: partner.max_items])
        if vouched is not None:
            identity = vouched.identity
        else:
            by_url = state.identity == "url" or guids_unreliable(items)  # see ids
            identity = "url" if by_url else "guid"
        if identity == "url" and state.identity != "url":
            log.warning(
                "guids are missing or repeated in this feed: identifying articles by URL",
                extra={"partner": partner.id},
            )
        keyed = dedupe((article_id(partner.id, item, identity), item) for item in items)
        if vouched is not None:
            known = vouched.known
        else:
            known = self.store.known_item_hashes([key for key, _ in keyed])
        hashes = {key: item_hash(item) for key, item in keyed}
        todo = [
            Todo(key, item, hashes[key], edited=key in known)
            for key, item in keyed
            if not unedited(known.get(key), hashes[key])
        ]
        unchanged = len(keyed) - len(todo)
        if vouched is not None:  # every item's hash, in document order
            hashes = {key: vouched.hashes.get(key) or hashes[key] for key in vouched.ids}
            unchanged += len(vouched.hashes)
        return Items(identity, hashes, todo, unchanged)

    def _store(self, partner: PartnerFeed, items: Items, now: dt.datetime) -> Stored:
        """Build each new or edited article (pages in parallel) and store it."""
        counts: Counter[str] = Counter()
        failures: list[ItemFailure] = []
        workers = max(1, min(partner.fetch.max_per_host, len(items.todo)))
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"page-{partner.id}"
        ) as pool:
            # Results arrive in feed order while later pages are still being fetched; each
            # article is stored (one transaction) as soon as it is built.
            for entry in pool.map(
                lambda todo: self._articles.article(partner, todo, now), items.todo
            ):
                if entry is None:
                    counts["skipped"] += 1  # shutting down: taken on the next poll
                    continue
                article, failure = entry
                if failure is not None:
                    failures.append(failure)
                counts[self.store.upsert_article(article)] += 1
        report = IngestReport(
            partner.id,
            "ok",
            new=counts["new"],
            updated=counts["updated"],
            # "tombstoned": deleted before, nothing written
            unchanged=items.unchanged + counts["unchanged"] + counts["tombstoned"],
            failures=tuple(failures),
        )
        return Stored(report, complete=not failures and not counts["skipped"])

    # -- the fast path's memo ----------------------------------------------------------

    def _fast(self, partner: PartnerFeed) -> bool:
        # A forced encoding is applied by parse_feed alone: the scan would read other text.
        return self.fast_path and not partner.encoding

    def _memo(self, partner_id: str) -> Memo | None:
        key = MEMO_PREFIX + partner_id
        if self._memos is not None:
            return Memo.load(self._memos.pop(key, None))
        return Memo.load(self.store.get_meta(key))

    def _remember(self, partner: PartnerFeed, scan: ItemScan, quick: Quick, items: Items) -> None:
        memo = Memo.remember(quick.memo, partner, scan, quick.context, items.identity, items.hashes)
        if memo is not None:
            self.store.set_meta(MEMO_PREFIX + partner.id, memo.dump())

    # -- partner state -----------------------------------------------------------------

    def _succeeded(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        fetched: Fetched,
        parsed: ParsedFeed | None,
        now: dt.datetime,
        *,
        body_hash: str | None,
        ttl: int | None = None,
    ) -> None:
        new_state = outcome.succeeded(
            partner,
            state,
            fetched,
            now,
            body_hash=body_hash,
            ttl=parsed.ttl if parsed else ttl,
            warnings=parsed.warnings if parsed else None,
        )
        self.states.update(state, new_state, now)

    def _failed(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        now: dt.datetime,
        started: float,
        error: Exception,
    ) -> IngestReport:
        new_state = outcome.failed(partner, state, now, error, self.rand)
        text = outcome.failure_text(error)
        health.note_failure(self.store, partner.id, error, now, message=text)
        self.states.save(new_state)
        return self._report(partner, "failed", started, error=text)

    def _report(
        self,
        partner: PartnerFeed,
        status: IngestStatus,
        started: float,
        error: str | None = None,
    ) -> IngestReport:
        return IngestReport(partner.id, status, error=error, duration=time.monotonic() - started)
