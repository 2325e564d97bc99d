"""Article pages scraped in worker processes, beside the threads that fetch them.

Why processes: building the BeautifulSoup tree and reading the article out of it is CPU
work in Python, and bs4's lxml builder calls back into Python for every tag, so ingest
threads scraping side by side hand the interpreter lock back and forth thousands of times
a page. Measured on 2 cores: 16 threads spent about twice the CPU a page that one thread
did, and the new-article cycle ran at a third of the rate of two worker processes. Page
fetches stay in the threads (they wait on the network); only the page's bytes go to a
worker, and the frozen :class:`~syndication.model.Scraped` record comes back.

The pool also bounds what one hostile page can cost: a scrape that runs past its time limit
has its worker killed, the page fails like any other failed page (the ingester keeps the
feed's own text and tries the page again on the next poll), and fresh workers take over.
A worker that dies (out of memory, a crash in a C parser) fails the pages it was working
on the same way; each of those is tried once more on the new workers first, because only
one of them may have been the cause.

``processes = 0`` scrapes in the calling thread: for a one-core machine and for Celery
workers, which are processes already.

Stopping: :meth:`ScrapePool.abort` (SIGTERM) makes every thread waiting for a worker give
up at once, and :meth:`~ScrapePool.close` then kills workers still busy instead of waiting
for them. A worker also exits by itself when the process that started the pool is gone,
however it died (SIGKILL included): its parent is the fork server, not that process, and
nothing else would end it, nor the fork server and the resource tracker, which stay as
long as a worker holds their pipes open.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from .errors import ScrapeError
from .model import Scraped, ScrapeRules
from .scrape import scrape

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0  # seconds; a real page takes well under one
# Added to a worker's niceness: the process that started the pool holds what every page
# waits on at some point (the store's write lock and its one interpreter lock; the daemon's
# HTTP server too), while the workers keep pages queued and take whatever CPU is left. On
# 2 cores the new-article cycle kept the cores 88 % busy instead of 84 %, its last tenth
# 79–87 % instead of 59–62 % (docs/performance.md, (c)).
WORKER_NICENESS = 10
ORPHAN_EXIT = 75  # a worker's exit status when the process that started its pool is gone
_ORPHAN_POLL = 1.0  # seconds between checks where the kernel cannot tell us (no pidfd)


@dataclass(frozen=True, slots=True)
class PageJob:
    """One fetched article page and what scraping it needs."""

    body: bytes
    url: str
    rules: ScrapeRules
    timezone: str = "UTC"
    http_charset: str | None = None
    base_url: str | None = None


def run_job(job: PageJob) -> Scraped:
    """Scrape *job* in this thread."""
    return scrape(
        job.body,
        job.url,
        job.rules,
        timezone=job.timezone,
        http_charset=job.http_charset,
        base_url=job.base_url,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a worker sends back: the record or the ScrapeError's parts, and its log lines.

    A ScrapeError is sent as parts, not pickled: its cause would come back wrapped in the
    worker's traceback text, and the message must read the same as an in-thread scrape's.
    """

    scraped: Scraped | None
    error: tuple[str, str | None] | None = None  # (message with its cause, hint)
    logs: tuple[tuple[str, int, str], ...] = ()  # (logger name, level, message)
    seconds: float = 0.0  # the scrape itself, measured in the worker


class _Collect(logging.Handler):
    """Keeps a worker's log records for the parent to emit (its handlers live there)."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


_collect = _Collect()


def _init_worker(level: int, owner: int, niceness: int) -> None:
    threading.Thread(target=_exit_with, args=(owner,), name="owner-watch", daemon=True).start()
    _lower_priority(niceness)
    # A page's soup is tens of thousands of objects that live for one job and are freed
    # together: the default collector threshold (700) runs the cyclic GC many times a
    # page over them and over the imported modules. Imports are frozen out of its sight,
    # and it runs about once a page (measured: ~6 % less CPU a page).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    root = logging.getLogger("syndication")
    root.handlers[:] = [_collect]
    root.setLevel(level)
    root.propagate = False


def _lower_priority(niceness: int) -> None:
    if niceness <= 0:
        return
    try:
        os.nice(niceness)
    except (AttributeError, OSError) as exc:  # no nice() (Windows), or a sandbox refuses it
        log.warning("scrape worker left at its priority: %s", exc)


def _exit_with(owner: int) -> None:
    """Exit as soon as process `owner` (the one that started the pool) has ended.

    A pidfd becomes readable when its process ends, whoever its parent is (Linux 5.3+);
    elsewhere the process is looked for once a second. Runs in a daemon thread of the
    worker, so a page being scraped cannot delay it by more than a GIL switch interval.
    """
    try:
        fd = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(ORPHAN_EXIT)  # gone before this worker even started
    except (AttributeError, OSError):  # no pidfd here (another OS, an old kernel, a sandbox)
        while _alive(owner):
            threading.Event().wait(_ORPHAN_POLL)
    else:
        select.select([fd], [], [])
    os._exit(ORPHAN_EXIT)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else (cannot be ours, but do not guess)
    return True


def _ready() -> bool:
    return True


def work(job: PageJob) -> Outcome:
    """Runs in a worker: scrape *job*, never raising for the page's own problems."""
    _collect.records.clear()
    started = time.perf_counter()
    try:
        scraped = run_job(job)
    except ScrapeError as exc:
        took = time.perf_counter() - started
        return Outcome(None, (exc.detail, exc.hint), tuple(_collect.records), took)
    return Outcome(scraped, logs=tuple(_collect.records), seconds=time.perf_counter() - started)


class ScrapePool:
    """Scrapes pages in *processes* worker processes (0: in the calling thread).

    Thread-safe: every ingest thread calls :meth:`scrape`. Workers start on the first page
    and are reused until :meth:`close`. At most *processes* pages are handed over at a
    time, so a page's time limit counts its own scraping, not a queue. Workers run
    *niceness* steps below the process that starts them (WORKER_NICENESS). A multiprocessing
    rule applies to programs that embed this: their entry script needs the
    ``if __name__ == "__main__":`` guard (the console script has it).
    """

    def __init__(
        self,
        processes: int,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        niceness: int = WORKER_NICENESS,
        target: Callable[[PageJob], Outcome] = work,
    ) -> None:
        self.processes = processes
        self.timeout = timeout
        self.niceness = niceness
        self._target = target  # what a worker runs; tests give one that hangs or crashes
        self._slots = threading.BoundedSemaphore(max(1, processes))
        self._alone = threading.Lock()  # held by a page tried again after a worker died
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._generation = 0
        self._closed = False
        # Completed by abort(): every thread waiting for a worker waits on it too.
        self._aborted: Future[None] = Future()
        self.restarts = 0  # times the workers were replaced (killed or died)

    def scrape(self, job: PageJob, *, timed: Callable[[float], None] | None = None) -> Scraped:
        """The page's record; ScrapeError for the page's own problems.

        `timed(seconds)` receives how long the scrape itself took (in the worker, without
        the wait for a free one), also when it failed; a page stopped at the time limit
        counts as the limit.
        """
        if self.processes <= 0:
            started = time.perf_counter()
            try:
                return run_job(job)
            finally:
                if timed is not None:
                    timed(time.perf_counter() - started)
        if self._aborted.done():
            raise _stopped(job)
        with self._slots:
            try:
                return self._run(job, timed)
            except BrokenProcessPool:
                pass  # a worker died: this page, or another one in flight, killed it
        # Tried again alone, with nothing else in flight: a page that kills the workers again
        # fails by itself, and the pages that were only near it go through.
        with self._alone:
            for _ in range(self.processes):
                self._slots.acquire()
            try:
                return self._run(job, timed)
            except BrokenProcessPool:
                raise ScrapeError(
                    "the scraper process died twice while reading this page (out of memory, "
                    "or a crash in a parser)",
                    url=job.url,
                    hint="the feed's own text is kept and the page is tried again on the next "
                    "poll; check the machine's memory and the logs",
                ) from None
            finally:
                for _ in range(self.processes):
                    self._slots.release()

    def _run(self, job: PageJob, timed: Callable[[float], None] | None) -> Scraped:
        executor, generation = self._current()
        if self._aborted.done():  # also while the workers were starting
            raise _stopped(job)
        try:
            future = executor.submit(self._target, job)
            either: list[Future[Any]] = [future, self._aborted]
            done, _ = wait(either, timeout=self.timeout, return_when=FIRST_COMPLETED)
            outcome = future.result() if future in done else None
        except BrokenProcessPool:
            self._replace(generation, kill=False)
            raise
        if outcome is not None:
            if timed is not None:
                timed(outcome.seconds)
            return _unpack(outcome, job)
        if self._aborted in done:
            future.cancel()  # still queued: never started; running: close() kills it
            raise _stopped(job)
        self._replace(generation, kill=True)
        if timed is not None:
            timed(self.timeout)
        raise ScrapeError(
            f"scraping the page took longer than {self.timeout:g} s, so its worker "
            "process was stopped",
            url=job.url,
            hint="the feed's own text is kept and the page is tried again on the next "
            "poll; if this page always does it, set a body selector in the partner's "
            "rules or turn scraping off for the partner",
        )

    def abort(self) -> None:
        """The run is stopping: every scrape waiting for a worker, and every later one,
        raises ScrapeError at once; close() then kills the workers instead of waiting."""
        # Not under self._lock: a thread starting the workers holds it for a second or two.
        with contextlib.suppress(InvalidStateError):  # aborted twice
            self._aborted.set_result(None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is None:
            return
        if not self._aborted.done():
            executor.shutdown(wait=True, cancel_futures=True)
            return
        # A worker may be deep in a page nobody waits for any more: stop it, as for a
        # page over its time limit.
        _stop_workers(executor, kill=True)

    def __enter__(self) -> ScrapePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def worker_pids(self) -> list[int]:
        """The live workers' process ids (for tests and the status page)."""
        with self._lock:
            procs = getattr(self._executor, "_processes", None) or {}
            return [p.pid for p in procs.values() if p.pid is not None]

    def _current(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._closed:
                raise RuntimeError("the scrape pool is closed")
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    self.processes,
                    mp_context=_context(),
                    initializer=_init_worker,
                    initargs=(
                        logging.getLogger("syndication").getEffectiveLevel(),
                        os.getpid(),
                        self.niceness,
                    ),
                )
                # Starting a worker (the first one also starts the fork server, which
                # imports the scraper) must not count against the first page's time limit.
                # Nor hold up a stop: then _run gives up at once, close() kills the worker.
                ready = self._executor.submit(_ready)
                either: list[Future[Any]] = [ready, self._aborted]
                wait(either, return_when=FIRST_COMPLETED)
                if ready.done():
                    ready.result()
            return self._executor, self._generation

    def _replace(self, generation: int, *, kill: bool) -> None:
        """Drop the workers of *generation* (once, whichever thread sees it first)."""
        with self._lock:
            if generation != self._generation or self._executor is None:
                return
            executor, self._executor = self._executor, None
            self._generation += 1
            self.restarts += 1
        _stop_workers(executor, kill=kill)
        log.warning("scraper worker processes %s; starting new ones", "stopped" if kill else "died")


def _stop_workers(executor: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut `executor` down without waiting for its work; `kill`: its workers too."""
    procs = list((getattr(executor, "_processes", None) or {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    # Shut down first, so its manager thread takes the workers' ends as a shutdown, not
    # as a breakage it cleans up itself while this thread does too; then stop a worker
    # stuck in one page (it never returns to read the shutdown request). There is no
    # public way to do that before Python 3.14. Waited for either way: the manager
    # thread closes its pipes, and must be done before those descriptor numbers are
    # handed out again.
    executor.shutdown(wait=False, cancel_futures=True)
    if kill:
        for proc in procs:
            proc.kill()
    if manager is not None:
        manager.join()


def _stopped(job: PageJob) -> ScrapeError:
    return ScrapeError(
        "scraping stopped: the run is shutting down",
        url=job.url,
        hint="the page is scraped on the next start",
    )


def _unpack(outcome: Outcome, job: PageJob) -> Scraped:
    for name, level, message in outcome.logs:
        logging.getLogger(name).log(level, "%s", message)
    if outcome.error is not None:
        message, hint = outcome.error
        raise ScrapeError(message, url=job.url, hint=hint)
    if outcome.scraped is None:  # pragma: no cover - work() sets one or the other
        raise ScrapeError("the scraper process returned nothing", url=job.url)
    return outcome.scraped


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: forking this process (threads, sockets, a database
    pool) is unsafe, and a fresh interpreter per worker would import the scraper each time.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["syndication.scrapepool"])
        return ctx
    return multiprocessing.get_context("spawn")


def default_processes() -> int:
    """One worker per core; none on a single core, where the threads lose nothing."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return cores if cores and cores > 1 else 0
