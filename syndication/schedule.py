"""The daemon: the only APScheduler user.

One interval job per partner (id = partner id, its own interval and jitter, coalesced, never
two at once), a debounced publish after any ingest that changed the store, a slow
fallback publish, and a publish at the moment the next embargo ends (re-armed after every
publish), so an embargoed story goes out in the first cycle after its time. After each
poll the partner's next run follows its state: back-off after failures, Retry-After, and
Cache-Control/TTL floors, all computed by ingest into `PartnerState.next_check_at`.

SIGTERM/SIGINT (see `stopping`) set the stop event: no new jobs start, the fetches and
scrapes in flight are cut, a running partner stores the articles already built and skips
the rest (picked up on the next start), a last publish runs, and we exit 0 within a fetch
deadline. A second signal exits at once with `EXIT_ABORTED`.

Job threads never wait for the scheduler while it may be shutting down: APScheduler's
`shutdown(wait=True)` holds its job store lock while it waits for running jobs, and a job
that asked for that lock (get_job, add_job) waited for ever, and so did the process. So the
scheduler is shut down without waiting, the daemon counts its running jobs itself, and the
debounced publish after a change is a thread of ours, not a scheduler job.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from . import heap
from .config import Config
from .errors import StorageError, SyndicationError
from .fetch import Fetcher
from .ingest import Ingester, log_report, scrape_pool, utcnow
from .model import PartnerFeed
from .pollpolicy import is_due
from .publish import publish_all
from .stopping import EXIT_ABORTED, StopSignals
from .store import Store, open_store

log = logging.getLogger("syndication.schedule")

PUBLISH_JOB = "publish"
# Garbage cycles and the C library's free heap, given back on a clock (syndication/heap.py):
# a full collection costs tens of milliseconds, too much to add to every poll.
HEAP_JOB = "release-memory"
HEAP_INTERVAL = 60
STOP_MARGIN = 5.0  # seconds past the longest fetch deadline for the running jobs to end
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
        self.stuck = False  # jobs still ran at the end of the stop bound
        self._publish_lock = threading.Lock()
        # Running jobs (polls and publishes), counted by us: see the module doc.
        self._jobs = 0
        self._jobs_done = threading.Condition()
        # The debounced publish: when it is due (time.monotonic()), None when not asked.
        self.publish_due: float | None = None
        self._publisher_wake = threading.Condition()
        self._publisher = threading.Thread(target=self._publish_soon_loop, name="publish-soon")
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
        self.scheduler.add_job(
            heap.release_free_memory,
            IntervalTrigger(seconds=HEAP_INTERVAL, timezone=dt.UTC),
            id=HEAP_JOB,
            name="release memory",
            replace_existing=True,
        )

    def poll(self, partner: PartnerFeed) -> None:
        if not self._job_started():
            return
        try:
            try:
                report = self.ingester.partner(partner)
            except StorageError as e:
                self._die(e)
                return
            if report.status not in ("deferred", "stopped"):
                log_report(report)
            if report.changed:
                self.publish_soon()
            self._follow_state(partner)
        finally:
            self._job_ended()

    def _job_started(self) -> bool:
        with self._jobs_done:
            if self.stop.is_set():
                return False
            self._jobs += 1
            return True

    def _job_ended(self) -> None:
        with self._jobs_done:
            self._jobs -= 1
            self._jobs_done.notify_all()

    def _follow_state(self, partner: PartnerFeed) -> None:
        """Move the partner's next run to what its state asks (back-off, Retry-After, TTL)."""
        try:
            state = self.store.get_partner_state(partner.id)
        except StorageError as e:
            self._die(e)
            return
        if state is None or state.next_check_at is None or self.stop.is_set():
            return
        # The scheduler's lock is free here: shutdown(wait=False) holds it only a moment,
        # and after it these calls find no job.
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
        """Debounced: the first change asks for a publish in `publish_debounce` seconds;
        later ones ride along. Never blocks (it runs in poll jobs)."""
        with self._publisher_wake:
            if self.publish_due is None:
                self.publish_due = time.monotonic() + self.config.scheduler.publish_debounce
                self._publisher_wake.notify()

    def _publish_soon_loop(self) -> None:
        while True:
            with self._publisher_wake:
                while not self.stop.is_set():
                    due = self.publish_due
                    if due is not None and time.monotonic() >= due:
                        break
                    self._publisher_wake.wait(None if due is None else due - time.monotonic())
                if self.stop.is_set():
                    return  # the last publish of the stop covers it
                self.publish_due = None
            self.publish()

    def publish(self) -> None:
        """The fallback publish job, and the debounced one."""
        if not self._job_started():
            return
        try:
            self._publish()
        finally:
            self._job_ended()

    def _publish(self) -> None:
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

    def stop_bound(self) -> float:
        """Seconds the running jobs get to end once stopping: a fetch deadline (the abort
        normally ends them at once) plus a margin for storing and publishing."""
        deadlines = [p.fetch.deadline for p in self.config.partners if p.enabled]
        return max([self.config.fetch.deadline, *deadlines]) + STOP_MARGIN

    def run(self) -> int:
        """Until `stop` is set (a signal, or a fatal error); 0, or 2 after a fatal error.

        Sets `stuck` when jobs were still running at the end of the stop bound: then the
        caller must leave with os._exit, as the interpreter would wait for their threads.
        """
        if not self.stop.is_set():  # a signal during start-up: nothing to start
            self.add_jobs()
            self.scheduler.start()
            self._publisher.start()
            log.info(
                "daemon started: %d partners, publish every %ss",
                sum(1 for p in self.config.partners if p.enabled),
                self.config.scheduler.publish_interval,
            )
            self.stop.wait()
        log.info("stopping: finishing the articles being written")
        try:
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)  # see the module doc
            self.fetcher.abort()
            self.pages.abort()
            with self._publisher_wake:
                self._publisher_wake.notify_all()
            bound = self.stop_bound()
            with self._jobs_done:
                self.stuck = not self._jobs_done.wait_for(lambda: self._jobs == 0, bound)
            if self.stuck:
                log.error("jobs still running %.0f s after the stop: leaving without them", bound)
                return EXIT_ABORTED
            if self._publisher.is_alive():
                self._publisher.join()
            if self.fatal is None:
                self._publish()  # what the last jobs stored reaches the feeds before we go
        finally:
            if not self.stuck:
                self.fetcher.close()
                self.pages.close()
        return 2 if self.fatal is not None else 0


def run_daemon(config: Config, signals: StopSignals | None = None) -> int:
    """The daemon until SIGTERM/SIGINT. `signals`: handlers the caller installed already,
    as early as it could (a SIGTERM while the store migrates must still stop cleanly)."""
    if signals is None:
        with StopSignals() as own:
            return run_daemon(config, own)
    started = time.monotonic()
    store = open_store(config.storage_url, stories=config.stories)
    daemon = Daemon(config, store, stop=signals.event)
    try:
        code = daemon.run()
    finally:
        if not daemon.stuck:
            store.close()
    if daemon.stuck:
        # Their threads would keep the interpreter from exiting; a transaction one of them
        # had open dies with the process (rolled back).
        logging.shutdown()
        os._exit(code)
    log.info("daemon stopped after %.0fs", time.monotonic() - started)
    return code
