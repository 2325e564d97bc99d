"""The ingest orchestrator: one partner at a time through every stage.

    cli|schedule → ingest(PartnerFeed): fetch → Fetched → parse → [FeedItem]
        → fetch(page) → decode → scrape → Scraped → normalize(arabic, sanitize) → Article → store
        ⇢ publish: select(FeedSpec) → render → write feeds/*.xml → serve

Partners run in parallel (a thread pool in `run_ingest`); inside one partner, article pages
are fetched in parallel up to the partner's per-host limit, which the fetcher enforces.
Stages never import each other; only this module composes them.

Fast path (the hot loop of a large newsroom is "the feed changed, its items did not"):

    Fetched ─ 304? ─ same body hash? ─ scan_digests (lxml) ─ every item's digest
        remembered (→ its key, so its id), digest and item hash as remembered by id, and
        the stored item hash unedited?
        → save the new validators, done (feedparser never runs)
        else → the full path above; afterwards remember (digest, item hash) per id

The memo lives in the store's meta table (one row per partner) and carries a fingerprint
of everything else that decides the FeedItem (partner settings, final URL, Content-Type),
so an equal digest means an equal FeedItem: an edited item still reaches the full path.

Partner states are queued and written in batches, one transaction per STATE_BATCH polls
and whenever the last poll in flight ends (see `Ingester._save_state`). Each poll is
counted in `metrics` (in memory); the counts ride along in the next batch's transaction.

Failure policy: a partner's expected failures (FetchError, FeedParseError) are values in
its IngestReport and push its next poll back; an article page that fails keeps the feed
item's own title and summary so the story is not lost; an unexpected exception in one
partner is logged with its traceback and marked on that partner, never stopping the others.
A StorageError is fatal for the run (the database is shared by everyone).

Stopping (the `stop` event, set on SIGTERM): a partner not started yet is not polled, an
article whose page is still being fetched or scraped is dropped (the caller aborts the
fetcher and the scrape pool, so that happens at once), an article already built is stored,
and a poll cut short leaves the partner's state as it was, not failed. Everything skipped
is picked up on the next start, as new.

Identity: articles are named by guid, or by canonical URL once a feed's guids are missing
or repeated, and from then on for good (`PartnerState.identity`): a feed whose repeated
guid comes and goes would otherwise rename every article at each switch, fetching every
page again and storing every story twice.

Edits: an item is edited when its `item_hash` changes. Tracking parameters in its link
(utm_*, fbclid, …) are left out of that hash, as they are of the article id: partners
rotate them (per campaign, per day, per request), and counting that as an edit would
fetch and scrape the page again on every poll, forever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from urllib.request import url2pathname

from . import health, metrics, withdraw
from .config import Config
from .errors import FetchError, PartnerError, StorageError
from .fetch import Fetcher
from .model import (
    Article,
    FeedItem,
    Fetched,
    IngestReport,
    IngestStatus,
    ItemFailure,
    ParsedFeed,
    PartnerFeed,
    PartnerState,
    Scraped,
)
from .normalize import to_article
from .parse import (
    ItemDigests,
    ItemScan,
    deleted_entries,
    guid_values_unreliable,
    guids_unreliable,
    parse_feed,
    scan_digests,
    scan_items,
)
from .pollpolicy import backoff_delay, due_at, is_due, next_poll_floor, ttl_floor
from .scrapepool import PageJob, ScrapePool, default_processes, run_job
from .store import Store
from .urls import canonical_url, without_tracking

log = logging.getLogger("syndication.ingest")

# Marks a stored article built from the feed alone because its page failed: the next poll
# sees a different item hash and tries the page again.
PARTIAL = "partial:"
MAX_ERROR_TEXT = 500
STATE_REFRESH = dt.timedelta(minutes=10)
STATE_BATCH = 64  # partner states written per transaction (see Ingester._save_state)
MEMO_PREFIX = "itemscan:"  # meta key of a partner's fast-path memo
MEMO_VERSION = "2"  # bump when parse_feed would read the same XML differently, or the
# memo's layout or the digests change


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Ingester:
    """Shared by every partner of a run: config, store, one HTTP client, a clock."""

    config: Config
    store: Store
    fetcher: Fetcher
    clock: Callable[[], dt.datetime] = utcnow
    rand: random.Random | None = None
    stop: threading.Event | None = None  # set on SIGTERM: finish the current article, skip the rest
    # States read in one query before a run (run_ingest); each is used once, then dropped.
    prefetched: dict[str, PartnerState] | None = None
    prefetched_memos: dict[str, str] | None = None  # meta key → fast-path memo, same rule
    fast_path: bool = True  # skip feedparser when every item is known (tests turn it off)
    pages: ScrapePool | None = None  # worker processes for scraping; None: in this thread
    # Held around the CPU-bound end of a poll that needs no feedparser (hash, scan, known-id
    # lookup, state write): the GIL runs one thread at a time there anyway, and 16 threads
    # taking turns inside it cost ~30 % more CPU per partner (GIL and lock hand-offs, more
    # SQLite connections in play) than queueing here. Network waits stay outside.
    _cpu: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    # Partner states waiting to be written together (see _save_state), and polls running.
    _pending: dict[str, PartnerState] = field(default_factory=dict, init=False, repr=False)
    _pending_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _flush_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _in_flight: int = field(default=0, init=False, repr=False)
    # Article ids of each partner's feed as just read, for the withdrawal check (editorial).
    _listed: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    def partner(self, partner: PartnerFeed, *, force: bool = False) -> IngestReport:
        """Poll one partner; never raises for the partner's own problems.

        The states this poll (and those running beside it) end in are written before the
        last poll in flight returns: a caller that has its reports has them stored.
        """
        with self._pending_lock:
            self._in_flight += 1
        try:
            return self._partner(partner, force)
        finally:
            with self._pending_lock:
                self._in_flight -= 1
                idle = self._in_flight == 0
            if idle:
                self.flush()

    def flush(self) -> None:
        """Write the partner states waiting for a batch (one transaction)."""
        with self._flush_lock:  # batches reach the store in the order they were cut
            with self._pending_lock:
                batch, self._pending = self._pending, {}
            if batch or health.pending(self.store).urgent:
                # The metrics and health notes pending for this database go in the same
                # transaction: no write of their own, none while no state needs writing.
                with metrics.carried(self.store) as deltas, health.carried(self.store) as notes:
                    self.store.save_partner_states(
                        list(batch.values()), metrics=deltas, health=notes
                    )

    def _save_state(self, state: PartnerState) -> None:
        """Queue a partner's state for the next batch write.

        One transaction per STATE_BATCH partners instead of one each: on the hot path
        (new bytes, every item known) that write was the costliest store call of a poll.
        Durability: a crash before the batch is written loses only validators and poll
        times, so those partners are fetched and scanned again; nothing is lost.
        """
        with self._pending_lock:
            self._pending[state.partner_id] = state
            full = len(self._pending) >= STATE_BATCH
        if full:
            self.flush()

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
        state = self._state(partner.id)
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

    def _state(self, partner_id: str) -> PartnerState:
        with self._pending_lock:
            pending = self._pending.get(partner_id)
        if pending is not None:
            return pending  # newer than anything prefetched or stored
        if self.prefetched is not None:
            state = self.prefetched.pop(partner_id, None)
            if state is not None:
                return state
        return self.store.get_partner_state(partner_id) or PartnerState(partner_id)

    # -- the stages ------------------------------------------------------------------

    def _poll(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        now: dt.datetime,
        started: float,
        force: bool,
    ) -> IngestReport:
        url = state.feed_url or partner.feed_url
        fetched = self.fetcher.get(
            url,
            partner_id=partner.id,
            etag=None if force else state.etag,
            last_modified=None if force else state.last_modified,
            settings=partner.fetch,
            file_root=_file_root(url),
            kind="feed",
        )
        if fetched.permanent_redirect and fetched.permanent_redirect != url:
            log.warning(
                "feed moved permanently to %s; using the new URL from now on (update config.toml)",
                fetched.permanent_redirect,
                extra={"partner": partner.id},
            )
        # Once per poll: the quick checks and the state saved after a full parse both use it.
        body_hash = "" if fetched.not_modified else hashlib.sha256(fetched.body).hexdigest()
        with self._cpu:
            quick, memo, context = self._quick(
                partner, state, fetched, now, started, force, body_hash
            )
        if quick is not None:
            self._check_withdrawn(partner, fetched, state.identity, now)
            return quick
        fast = self.fast_path and not partner.encoding
        scan = scan_items(fetched.body) if fast else None
        parsed = parse_feed(fetched, partner)
        report, complete, identity, hashes = self._items(partner, state, parsed, now)
        if scan is not None:
            self._remember(partner, scan, context, identity, hashes, memo)
        self._check_withdrawn(partner, fetched, identity, now)
        if not complete:
            # Forget hash and validators, so the next poll re-reads the feed and retries
            # the pages that failed instead of getting a 304.
            fetched = replace(fetched, etag=None, last_modified=None)
        self._succeeded(
            partner,
            replace(state, identity=identity),
            fetched,
            parsed,
            now,
            body_hash=body_hash if complete else None,
        )
        return replace(report, duration=time.monotonic() - started)

    def _quick(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        fetched: Fetched,
        now: dt.datetime,
        started: float,
        force: bool,
        body_hash: str,
    ) -> tuple[IngestReport | None, dict[str, object] | None, str]:
        """The poll's end when nothing needs feedparser (304, same bytes, every item known
        and untouched), else (None, the memo, the context) for the full path."""
        if fetched.not_modified:
            self._succeeded(partner, state, fetched, None, now, body_hash=state.body_hash)
            return self._report(partner, "not_modified", started), None, ""
        if not force and body_hash == state.body_hash:
            # Same bytes without validators: recognised by hash, never parsed.
            self._succeeded(partner, state, fetched, None, now, body_hash=body_hash)
            return self._report(partner, "unchanged", started), None, ""
        context = _context(partner, fetched)
        memo = self._memo(partner.id) if self.fast_path and not partner.encoding else None
        if memo is None or memo.get("context") != context:
            return None, memo, context
        # Digests only: the keys come from the memo (an item's key is a function of its
        # digest), which halves the scan on the hot path.
        digests = scan_digests(fetched.body)
        skipped = (
            self._all_known(partner, digests, memo, by_url=state.identity == "url")
            if digests is not None
            else None
        )
        if skipped is None or digests is None:
            return None, memo, context
        count, identity = skipped
        self._succeeded(
            partner,
            replace(state, identity=identity),
            fetched,
            None,
            now,
            body_hash=body_hash,
            ttl=digests.ttl,
        )
        report = IngestReport(
            partner.id, "ok", unchanged=count, duration=time.monotonic() - started
        )
        return report, memo, context

    # -- the fast path ---------------------------------------------------------------

    def _memo(self, partner_id: str) -> dict[str, object] | None:
        key = MEMO_PREFIX + partner_id
        if self.prefetched_memos is not None:
            raw = self.prefetched_memos.pop(key, None)
        else:
            raw = self.store.get_meta(key)
        if not raw:
            return None
        try:
            memo = json.loads(raw)
        except ValueError:
            return None
        return memo if isinstance(memo, dict) else None

    def _all_known(
        self,
        partner: PartnerFeed,
        scan: ItemDigests,
        memo: dict[str, object],
        *,
        by_url: bool = False,
    ) -> tuple[int, Literal["guid", "url"]] | None:
        """(items, identity) when every item is known and untouched, else None.
        `by_url`: the partner is identified by URL already (see `fast_ids`)."""
        remembered, keys = memo.get("items"), memo.get("keys")
        if not isinstance(remembered, dict) or not isinstance(keys, dict):
            return None
        found: list[tuple[str | None, str | None]] = []
        for digest in scan.digests:
            key = keys.get(digest)
            if not isinstance(key, list) or len(key) != 2:
                return None  # an item not seen before (or seen edited): the full path
            found.append((key[0], key[1]))
        plan = fast_ids(partner, ItemScan(tuple(found), scan.digests, scan.ttl), by_url=by_url)
        if plan is None:
            return None
        ids, identity = plan
        if not ids:
            return None
        for key, digest in ids:
            record = remembered.get(key)
            if not isinstance(record, list) or len(record) != 2 or record[0] != digest:
                return None
        # Still needed: an article edited or removed behind the memo's back (another
        # process, the CLI) must reach the full path, which repairs it.
        known = self.store.known_item_hashes([key for key, _ in ids])
        for key, _ in ids:
            stored = known.get(key)
            # The same test as the full path: known and unedited, or deleted by us.
            if stored is None or not (stored == "" or stored == remembered[key][1]):
                return None
        self._listed[partner.id] = [key for key, _ in ids]
        return len(ids), identity

    def _remember(
        self,
        partner: PartnerFeed,
        scan: ItemScan,
        context: str,
        identity: str,
        hashes: dict[str, str],
        old: dict[str, object] | None,
    ) -> None:
        """Record, for the next poll's fast path, each item's key by digest and (digest,
        item hash) by article id."""
        plan = fast_ids(partner, scan, by_url=identity == "url")
        items: dict[str, list[str]] = {}
        keys: dict[str, list[str | None]] = {}
        if plan is not None and plan[1] == identity:
            items = {key: [digest, hashes[key]] for key, digest in plan[0] if key in hashes}
            for (guid, url), digest in zip(scan.keys, scan.digests, strict=True):
                keys.setdefault(digest, [guid, url])
        memo = {"context": context, "items": items, "keys": keys}
        if old == memo:
            return
        if not items and old is None:
            return  # nothing to remember, nothing stale to replace
        self.store.set_meta(MEMO_PREFIX + partner.id, json.dumps(memo, sort_keys=True))

    def _items(
        self, partner: PartnerFeed, state: PartnerState, parsed: ParsedFeed, now: dt.datetime
    ) -> tuple[IngestReport, bool, Literal["guid", "url"], dict[str, str]]:
        items = list(parsed.items[: partner.max_items])
        by_url = state.identity == "url" or guids_unreliable(items)  # see the module doc
        identity: Literal["guid", "url"] = "url" if by_url else "guid"
        if identity == "url" and state.identity != "url":
            log.warning(
                "guids are missing or repeated in this feed: identifying articles by URL",
                extra={"partner": partner.id},
            )
        keyed = _dedupe((article_id(partner.id, item, identity), item) for item in items)
        self._listed[partner.id] = [key for key, _ in keyed]
        known = self.store.known_item_hashes([key for key, _ in keyed])
        todo: list[tuple[str, FeedItem, str]] = []
        unchanged = 0
        hashes: dict[str, str] = {}
        for key, item in keyed:
            ihash = hashes[key] = item_hash(item)
            stored = known.get(key)
            if stored is not None and (stored == "" or stored == ihash):
                unchanged += 1  # known and unedited, or deleted by us (tombstone)
                continue
            todo.append((key, item, ihash))
        new = updated = 0
        failures: list[ItemFailure] = []
        workers = max(1, min(partner.fetch.max_per_host, len(todo)))
        skipped = 0
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"page-{partner.id}"
        ) as pool:
            # Results arrive in feed order while later pages are still being fetched; each
            # article is stored (one transaction) as soon as it is built.
            for entry in pool.map(
                lambda t: self._article(partner, t[0], t[1], t[2], known, now), todo
            ):
                if entry is None:
                    skipped += 1  # shutting down: these items are taken on the next poll
                    continue
                article, failure = entry
                if failure is not None:
                    failures.append(failure)
                result = self.store.upsert_article(article)
                if result == "new":
                    new += 1
                elif result == "updated":
                    updated += 1
                else:
                    unchanged += 1
        report = IngestReport(
            partner.id,
            "ok",
            new=new,
            updated=updated,
            unchanged=unchanged,
            failures=tuple(failures),
        )
        return report, not failures and not skipped, identity, hashes

    def _article(
        self,
        partner: PartnerFeed,
        key: str,
        item: FeedItem,
        ihash: str,
        known: dict[str, str],
        now: dt.datetime,
    ) -> tuple[Article, ItemFailure | None] | None:
        if self._stopping():
            return None
        scraped: Scraped | None = None
        failure: ItemFailure | None = None
        page_started = time.monotonic()
        if partner.scrape and item.url:
            try:
                scraped = self._scrape(partner, item.url)
            except PartnerError as e:
                if self._stopping():
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
            article_id=key,
            item_hash=(PARTIAL + ihash) if failure else ihash,
            categories=self.config.categories,
            now=now,
        )
        if key in known:
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
            file_root=_file_root(partner.feed_url),
            kind="page",
        )
        content_type = page.header("content-type") or ""
        charset = None
        if "charset=" in content_type:
            charset = content_type.split("charset=", 1)[1].split(";")[0].strip(" \"'") or None
        job = PageJob(
            page.body,
            page.final_url,
            partner.rules,
            timezone=partner.timezone,
            http_charset=charset,
            base_url=partner.site_url,
        )

        def timed(seconds: float) -> None:
            metrics.observe_scrape(self.store, seconds)

        started = time.monotonic()
        if self.pages is not None:
            scraped = self.pages.scrape(job, timed=timed)
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

    def _check_withdrawn(
        self, partner: PartnerFeed, fetched: Fetched, identity: str, now: dt.datetime
    ) -> None:
        """After new feed bytes were read: what the partner withdrew becomes a kill."""
        listed = self._listed.pop(partner.id, None)
        if listed is None:
            return  # 304 or the same bytes: nothing can have left the feed
        deleted = [
            _keyed_id(partner.id, ref, ref, identity) for ref in deleted_entries(fetched.body)
        ]
        withdraw.check(
            self.store,
            self.fetcher,
            partner,
            listed,
            deleted,
            now,
            file_root=_file_root(partner.feed_url),
        )

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
        next_check = now + dt.timedelta(seconds=partner.interval)
        ttl = parsed.ttl if parsed else ttl
        floors = [next_poll_floor(fetched, now), ttl_floor(ttl, now)]
        for floor in floors:
            if floor is not None and floor > next_check:
                next_check = floor
        new_state = replace(
            state,
            feed_url=fetched.permanent_redirect or state.feed_url,
            etag=fetched.etag or (state.etag if fetched.not_modified else None),
            last_modified=fetched.last_modified
            or (state.last_modified if fetched.not_modified else None),
            body_hash=body_hash,
            consecutive_errors=0,
            last_error=None,
            last_success_at=now,
            last_attempt_at=now,
            next_check_at=next_check,
            warnings=parsed.warnings[:20] if parsed else state.warnings,
        )
        if _persisted_differs(state, new_state, now):
            self._save_state(new_state)

    def _failed(
        self,
        partner: PartnerFeed,
        state: PartnerState,
        now: dt.datetime,
        started: float,
        error: Exception,
    ) -> IngestReport:
        errors = state.consecutive_errors + 1
        delay = backoff_delay(errors, base=partner.interval, rand=self.rand)
        disabled = None
        if isinstance(error, FetchError):
            if error.retry_after:
                delay = max(delay, error.retry_after)
            if error.gone:
                disabled = f"feed gone (HTTP 410) at {now.isoformat()}: {error}"
                log.error("partner disabled: %s", disabled, extra={"partner": partner.id})
        text = (
            str(error)
            if isinstance(error, PartnerError)
            else f"bug: {type(error).__name__}: {error}"
        )
        health.note_failure(self.store, partner.id, error, now, message=text)
        self._save_state(
            replace(
                state,
                consecutive_errors=errors,
                last_error=text[:MAX_ERROR_TEXT],
                last_attempt_at=now,
                next_check_at=now + dt.timedelta(seconds=delay),
                disabled_reason=disabled or state.disabled_reason,
            )
        )
        return self._report(partner, "failed", started, error=text)

    def _report(
        self,
        partner: PartnerFeed,
        status: IngestStatus,
        started: float,
        error: str | None = None,
    ) -> IngestReport:
        return IngestReport(partner.id, status, error=error, duration=time.monotonic() - started)


def article_id(partner_id: str, item: FeedItem, identity: str = "guid") -> str:
    """Stable id: partner + guid, else canonical URL, else a hash of the item's content."""
    if (identity == "guid" and item.guid) or item.url:
        return _keyed_id(partner_id, item.guid, item.url, identity)
    return _hashed_id(partner_id, "hash:" + item_hash(item))


def _keyed_id(partner_id: str, guid: str | None, url: str | None, identity: str) -> str:
    """`article_id` of an item with a guid (under guid identity) or a URL."""
    if identity == "guid" and guid:
        return _hashed_id(partner_id, "guid:" + guid.strip())
    return _hashed_id(partner_id, "url:" + canonical_url(url or ""))


def _hashed_id(partner_id: str, key: str) -> str:
    return hashlib.sha256(f"{partner_id}\x00{key}".encode()).hexdigest()[:32]


def fast_ids(
    partner: PartnerFeed, scan: ItemScan, *, by_url: bool = False
) -> tuple[list[tuple[str, str]], Literal["guid", "url"]] | None:
    """[(article id, item digest)] (first copy of a repeated id wins) and the identity the
    full path would choose for the same feed; None when only the full path can tell.
    `by_url`: the partner is identified by URL already, whatever these guids look like.

    More items than `max_items`: which ones the full path keeps depends on their dates,
    which the scan does not read; a guid-less item without a link gets a content-hash id.
    Works on the (guid, link) pairs directly: a FeedItem per item cost more than the ids.
    """
    if len(scan.keys) > partner.max_items:
        return None
    unreliable = by_url or guid_values_unreliable(guid for guid, _ in scan.keys)
    identity: Literal["guid", "url"] = "url" if unreliable else "guid"
    ids: dict[str, str] = {}
    for (guid, url), digest in zip(scan.keys, scan.digests, strict=True):
        if not (guid if identity == "guid" else None) and not url:
            return None
        ids.setdefault(_keyed_id(partner.id, guid, url, identity), digest)
    return list(ids.items()), identity


def _context(partner: PartnerFeed, fetched: Fetched) -> str:
    """Everything besides an item's own XML that decides the FeedItem parse_feed builds."""
    text = repr((MEMO_VERSION, partner, fetched.final_url, fetched.header("content-type")))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def item_hash(item: FeedItem) -> str:
    """What the partner's feed says about an item; a change means the article was edited.

    Not the link's tracking parameters (see the module doc). Without any, the link is the
    same string as before, so stored hashes stay valid.
    """
    payload = [
        item.title,
        without_tracking(item.url) if item.url else item.url,
        item.summary,
        item.content_html,
        item.updated.isoformat() if item.updated else None,
        item.urgent,
        list(item.categories),
        [[i.url, i.caption, i.credit] for i in item.images],
    ]
    if item.embargo is not None:  # only when set: every other item keeps its stored hash
        payload.append(item.embargo.isoformat())
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


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
    partners = [p for p in config.partners if p.enabled or partner_ids]
    if partner_ids is not None:
        wanted = set(partner_ids)
        partners = [p for p in partners if p.id in wanted]
    own = fetcher is None
    client = fetcher or Fetcher(config.fetch)
    own_pages = pages is None
    page_pool = pages or scrape_pool(config)
    ingester = Ingester(config, store, client, clock=clock, pages=page_pool, stop=stop)
    if len(partners) > 1:
        # One query instead of one per partner: each poll of this run reads its own once.
        ingester.prefetched = {s.partner_id: s for s in store.partner_states()}
        if not force:
            ingester.prefetched_memos = store.meta_with_prefix(MEMO_PREFIX)
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


def scrape_pool(config: Config) -> ScrapePool:
    """The page-scraping pool `[scheduler]` asks for (workers start on first use)."""
    processes = config.scheduler.scrape_processes
    return ScrapePool(
        default_processes() if processes is None else processes,
        timeout=config.scheduler.scrape_timeout,
    )


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


def _dedupe(pairs: Iterable[tuple[str, FeedItem]]) -> list[tuple[str, FeedItem]]:
    seen: dict[str, FeedItem] = {}
    for key, item in pairs:
        seen.setdefault(key, item)  # the first (newest) copy of a repeated item wins
    return list(seen.items())


def _file_root(url: str) -> str | None:
    """A file: feed may only reach files in its own folder tree."""
    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    return str(Path(url2pathname(parts.path)).parent)


def _persisted_differs(old: PartnerState, new: PartnerState, now: dt.datetime) -> bool:
    """Skip the write when a poll changed nothing but timestamps (the hot, unchanged path).

    The timestamps are still refreshed every few minutes so `partners list` stays honest.
    """
    if old.last_success_at is None or now - old.last_success_at >= STATE_REFRESH:
        return True

    def stable(s: PartnerState) -> PartnerState:
        return replace(s, last_success_at=None, last_attempt_at=None, next_check_at=None)

    return stable(old) != stable(new)
