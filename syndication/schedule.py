"""The daemon: the only APScheduler user.

One interval job per partner (id = partner id, its own interval and jitter, coalesced, never
two at once), a debounced publish after any ingest that changed the store, a slow
fallback publish, and a publish at the moment the next embargo ends (re-armed after every
publish), so an embargoed story goes out in the first cycle after its time. After each
poll the partner's next run follows its state: back-off after failures, Retry-After, and
Cache-Control/TTL floors, all computed by ingest into `PartnerState.next_check_at`.

SIGTERM/SIGINT set a stop event: no new jobs start, a running partner finishes the article
it is writing and skips the rest (they are picked up on the next start), then we exit 0.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from .config import Config
from .errors import StorageError, SyndicationError
from .fetch import Fetcher
from .ingest import Ingester, log_report, scrape_pool, utcnow
from .model import PartnerFeed
from .pollpolicy import is_due
from .publish import publish_all
from .store import Store, open_store

log = logging.getLogger("syndication.schedule")

PUBLISH_JOB = "publish"
PUBLISH_SOON_JOB = "publish-soon"
EMBARGO_JOB = "publish-embargo"


class Daemon:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        stop: threading.Event | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock  # publishing's idea of "now" (embargoes); tests inject one
        self.stop = stop or threading.Event()
        self.fetcher = Fetcher(config.fetch)
        self.pages = scrape_pool(config)  # workers live as long as the daemon
        self.ingester = Ingester(config, store, self.fetcher, stop=self.stop, pages=self.pages)
        self.fatal: BaseException | None = None
        self._publish_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(config.scheduler.workers)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": config.scheduler.misfire_grace,
            },
            timezone=dt.UTC,
        )

    def add_jobs(self) -> None:
        now = utcnow()
        for partner in self.config.partners:
            if not partner.enabled:
                continue
            self.scheduler.add_job(
                self.poll,
                IntervalTrigger(
                    seconds=partner.interval, jitter=partner.jitter or None, timezone=dt.UTC
                ),
                id=partner.id,
                name=f"poll {partner.id}",
                args=[partner],
                next_run_time=now,  # first poll at start-up; its state may defer it
                replace_existing=True,
            )
        self.scheduler.add_job(
            self.publish,
            IntervalTrigger(seconds=self.config.scheduler.publish_interval, timezone=dt.UTC),
            id=PUBLISH_JOB,
            name="fallback publish",
            next_run_time=now,
            replace_existing=True,
        )

    def poll(self, partner: PartnerFeed) -> None:
        if self.stop.is_set():
            return
        try:
            report = self.ingester.partner(partner)
        except StorageError as e:
            self._die(e)
            return
        if report.status != "deferred":
            log_report(report)
        if report.changed:
            self.publish_soon()
        self._follow_state(partner)

    def _follow_state(self, partner: PartnerFeed) -> None:
        """Move the partner's next run to what its state asks (back-off, Retry-After, TTL)."""
        try:
            state = self.store.get_partner_state(partner.id)
        except StorageError as e:
            self._die(e)
            return
        if state is None or state.next_check_at is None or self.stop.is_set():
            return
        job = self.scheduler.get_job(partner.id)
        if job is None or job.next_run_time is None:
            return
        # The same early allowance as the poll's own check: a regular poll's next check is
        # a few milliseconds after the next tick, and moving the job for that would drift it.
        if not is_due(state, partner.interval, job.next_run_time):
            try:
                self.scheduler.modify_job(partner.id, next_run_time=state.next_check_at)
            except JobLookupError:
                pass  # removed during shutdown

    def publish_soon(self) -> None:
        """Debounced: the first change schedules one publish; later ones ride along."""
        if self.scheduler.get_job(PUBLISH_SOON_JOB) is not None:
            return
        when = utcnow() + dt.timedelta(seconds=self.config.scheduler.publish_debounce)
        try:
            self.scheduler.add_job(
                self.publish,
                "date",
                run_date=when,
                id=PUBLISH_SOON_JOB,
                name="publish after change",
            )
        except Exception:  # ConflictingIdError when two partners race here: one job is enough
            log.debug("publish already scheduled")

    def publish(self) -> None:
        if self.stop.is_set():
            return
        with self._publish_lock:
            try:
                now = self.clock()
                published = publish_all(self.config, self.store, now=now)
                self._arm_embargo(now)
            except StorageError as e:
                self._die(e)
                return
            except SyndicationError as e:
                log.error("publish failed: %s", e)
                return
        changed = [p for p in published if p.changed]
        if changed:
            log.info("published %d changed feed files", len(changed))

    def _arm_embargo(self, now: dt.datetime) -> None:
        """A publish job at the end of the next embargo (replacing any earlier one)."""
        if not self.scheduler.running:
            return  # the last publish of a shutdown
        when = self.store.next_embargo(now)
        job = self.scheduler.get_job(EMBARGO_JOB)
        if when is None:
            if job is not None:
                try:
                    self.scheduler.remove_job(EMBARGO_JOB)
                except JobLookupError:
                    pass  # it has just started running
            return
        if job is not None and job.next_run_time == when:
            return
        self.scheduler.add_job(
            self.publish,
            "date",
            run_date=when,
            id=EMBARGO_JOB,
            name="publish when an embargo ends",
            replace_existing=True,
            misfire_grace_time=None,  # late is still better than never
        )
        log.info("next embargo ends at %s: publishing then", when.isoformat())

    def _die(self, error: BaseException) -> None:
        log.error("fatal: %s", error)
        self.fatal = error
        self.stop.set()

    def run(self) -> int:
        self.add_jobs()
        self.scheduler.start()
        log.info(
            "daemon started: %d partners, publish every %ss",
            sum(1 for p in self.config.partners if p.enabled),
            self.config.scheduler.publish_interval,
        )
        try:
            self.stop.wait()
        finally:
            log.info("stopping: finishing running jobs")
            self.scheduler.shutdown(wait=True)
            if self.fatal is None:
                # What the last jobs stored must reach the feeds before we go.
                self.stop.clear()
                self.publish()
                self.stop.set()
            self.fetcher.close()
            self.pages.close()
        return 2 if self.fatal is not None else 0


def run_daemon(config: Config) -> int:
    store = open_store(config.storage_url)
    daemon = Daemon(config, store)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        daemon.stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    started = time.monotonic()
    try:
        return daemon.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        store.close()
        log.info("daemon stopped after %.0fs", time.monotonic() - started)
