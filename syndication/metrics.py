"""Prometheus metrics: what the pipeline counts, where it is kept, and `GET /metrics`.

The only user of prometheus_client. Ingest and publish report what happened
(`record_poll`, `observe_scrape`, `record_publish`); `syndication serve` renders
`ServeMetrics` for `/metrics`. Every name and help text is in this module.

Where the numbers live. The process that serves `/metrics` is not the one that polls:
cron starts `run --once` every few minutes, the daemon runs beside `serve`, cluster workers
run on other machines. Counters in process memory would die with each cron run, and
prometheus_client's multiprocess mode shares a directory on one machine only. So the
pipeline's series are kept in the store, which every one of those processes writes, in
one small table (name, labels, value); `serve` reads it at scrape time, together with
the partner states it already has (consecutive failures, last success). Counters survive
restarts and are the sums over every process, cluster workers included. Histograms are
kept the same way, as their cumulative bucket counts, sum and count.

Cheap writes. Reporting only adds to an in-memory `Pending` (one per database); the
changes reach the store inside a transaction the process makes anyway: the next batch of
partner states, or the publish's last-publish mark, or at the end of a command (`flush`).
A poll that writes nothing today (304, the same bytes) still writes nothing. A process
killed with SIGKILL loses what it had pending: at most the polls since its last write.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from syndication.errors import StorageError
from syndication.health import FLAGS, PartnerHealth
from syndication.model import IngestReport, MetricDelta, PartnerState

log = logging.getLogger(__name__)

# `_created` series would double the output of every counter; nothing here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# --- names ------------------------------------------------------------------------------

POLLS = "syndication_partner_polls_total"
ARTICLES = "syndication_partner_articles_total"
PAGE_FAILURES = "syndication_partner_page_failures_total"
LAST_SUCCESS = "syndication_partner_last_success_timestamp_seconds"
CONSECUTIVE_FAILURES = "syndication_partner_consecutive_failures"
PUBLISH_DURATION = "syndication_publish_duration_seconds"
FILES_WRITTEN = "syndication_publish_files_written_total"
LAST_PUBLISH = "syndication_publish_last_success_timestamp_seconds"
SCRAPE_DURATION = "syndication_scrape_duration_seconds"
STORE_UP = "syndication_metrics_store_up"
HTTP_REQUESTS = "syndication_http_requests_total"
ALERT = "syndication_partner_alert"
LAST_NEW_ITEM = "syndication_partner_last_new_item_timestamp_seconds"
SHORT_BODIES = "syndication_partner_short_body_ratio"

HELP = {
    POLLS: "Polls of a partner's feed by outcome (ok, not_modified, unchanged, failed).",
    ARTICLES: "Articles stored from a partner, by result (new, updated).",
    PAGE_FAILURES: "Article pages of a partner that could not be fetched or scraped "
    "(the feed's own text was kept).",
    LAST_SUCCESS: "Unix time of a partner's last successful poll.",
    CONSECUTIVE_FAILURES: "Failed polls of a partner since its last success.",
    PUBLISH_DURATION: "Time one publish run took (successful or not).",
    FILES_WRITTEN: "Feed files (and index, stylesheet) written because their bytes changed.",
    LAST_PUBLISH: "Unix time the last fully successful publish finished.",
    SCRAPE_DURATION: "Time scraping one article page took (after its fetch).",
    STORE_UP: "1 when the store answered this scrape; the pipeline series come from it.",
    HTTP_REQUESTS: "Requests answered by this `syndication serve` process, by status code.",
    ALERT: "1 when the status page flags a partner: quiet (answers, no new item for longer "
    "than idle_alert), failing (failure_alert failed polls in a row, or gone), poor_pages "
    "(too many short or empty article bodies).",
    LAST_NEW_ITEM: "Unix time a partner last sent an item we did not have.",
    SHORT_BODIES: "Share of a partner's latest articles whose body came out short or empty.",
}

OUTCOMES = ("ok", "not_modified", "unchanged", "failed")
ARTICLE_RESULTS = ("new", "updated")
PUBLISH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
SCRAPE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HISTOGRAMS = {PUBLISH_DURATION: PUBLISH_BUCKETS, SCRAPE_DURATION: SCRAPE_BUCKETS}
_WARN_EVERY = 60.0  # seconds between two "store unavailable" warnings of one server


def _le(bound: float) -> str:
    return repr(float(bound))  # "0.5", "1.0": how Prometheus clients write a bucket bound


def labels(**values: str) -> str:
    """The stored form of a label set: compact JSON with sorted keys (one per series)."""
    return json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


NO_LABELS = labels()
# Each histogram's (bound, stored labels) per bucket, +Inf last: built once, not per page.
_BUCKETS = {
    name: [*((b, labels(le=_le(b))) for b in bounds), (float("inf"), labels(le="+Inf"))]
    for name, bounds in HISTOGRAMS.items()
}


# --- pending changes (the counting processes) --------------------------------------------


class Pending:
    """Metric changes of this process not yet in the store; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._added: dict[tuple[str, str], float] = {}
        self._raised: dict[tuple[str, str], float] = {}

    def apply(
        self,
        added: Iterable[tuple[str, str, float]] = (),
        raised: Iterable[tuple[str, str, float]] = (),
    ) -> None:
        """Add to counters and raise gauges, each given as (name, labels, value)."""
        with self._lock:
            for name, key, value in added:
                self._added[name, key] = self._added.get((name, key), 0.0) + value
            for name, key, value in raised:
                old = self._raised.get((name, key))
                self._raised[name, key] = value if old is None else max(old, value)

    def observe(self, name: str, value: float) -> None:
        """One observation of the histogram `name` (cumulative buckets, sum, count)."""
        series = f"{name}_bucket"
        buckets = [(series, key, 1.0) for bound, key in _BUCKETS[name] if value <= bound]
        self.apply([*buckets, (f"{name}_sum", NO_LABELS, value), (f"{name}_count", NO_LABELS, 1.0)])

    def drain(self) -> list[MetricDelta]:
        """Everything pending, which is forgotten here (give it back with `restore`)."""
        with self._lock:
            added, self._added = self._added, {}
            raised, self._raised = self._raised, {}
        return [MetricDelta(n, k, v, "add") for (n, k), v in added.items()] + [
            MetricDelta(n, k, v, "max") for (n, k), v in raised.items()
        ]

    def restore(self, deltas: Iterable[MetricDelta]) -> None:
        """Take drained changes back (their write failed): they go with the next one."""
        deltas = list(deltas)
        self.apply(
            [(d.name, d.labels, d.value) for d in deltas if d.mode == "add"],
            [(d.name, d.labels, d.value) for d in deltas if d.mode == "max"],
        )

    def __bool__(self) -> bool:
        return bool(self._added or self._raised)


class _Keyed(Protocol):
    url: str  # the database the pending changes belong to


class MetricStore(_Keyed, Protocol):
    """What this module needs of `syndication.store.Store` (a protocol: the store is a
    pipeline stage, and publish, which uses this module, must not depend on it)."""

    def add_metrics(self, metrics: Sequence[MetricDelta]) -> None: ...

    def metric_values(self) -> list[tuple[str, str, float]]: ...

    def partner_states(self) -> list[PartnerState]: ...


_pending: dict[str, Pending] = {}
_pending_lock = threading.Lock()


def pending(store: _Keyed) -> Pending:
    """The changes waiting for `store`'s database (kept per database URL, so two Store
    objects on one database share them and tests with their own databases never mix)."""
    found = _pending.get(store.url)
    if found is None:
        with _pending_lock:
            found = _pending.setdefault(store.url, Pending())
    return found


def record_poll(store: _Keyed, report: IngestReport, at: dt.datetime) -> None:
    """Count one partner poll from its report; `at` is when it started (its success time)."""
    if report.status not in OUTCOMES:
        return  # deferred or disabled: no request was made
    partner = report.partner_id
    added = [(POLLS, labels(partner=partner, outcome=report.status), 1.0)]
    if report.new:
        added.append((ARTICLES, labels(partner=partner, result="new"), float(report.new)))
    if report.updated:
        added.append((ARTICLES, labels(partner=partner, result="updated"), float(report.updated)))
    if report.failures:
        added.append((PAGE_FAILURES, labels(partner=partner), float(len(report.failures))))
    raised = []
    if report.status != "failed":
        raised.append((LAST_SUCCESS, labels(partner=partner), at.timestamp()))
    pending(store).apply(added, raised)


def observe_scrape(store: _Keyed, seconds: float) -> None:
    pending(store).observe(SCRAPE_DURATION, seconds)


def record_publish(
    store: _Keyed, seconds: float, files_written: int, finished: dt.datetime | None
) -> None:
    """One publish run; `finished` only when it fully succeeded."""
    target = pending(store)
    target.observe(PUBLISH_DURATION, seconds)
    raised = [] if finished is None else [(LAST_PUBLISH, NO_LABELS, finished.timestamp())]
    target.apply([(FILES_WRITTEN, NO_LABELS, float(files_written))], raised)


@contextmanager
def carried(store: _Keyed) -> Iterator[list[MetricDelta]]:
    """The pending changes, to write in the transaction of the `with` block; given back
    when the block raises, so a failed write loses nothing."""
    target = pending(store)
    deltas = target.drain()
    try:
        yield deltas
    except BaseException:
        target.restore(deltas)
        raise


def flush(store: MetricStore) -> None:
    """Write what is pending in a transaction of its own (none when nothing is pending).

    For the end of a command. A failure is logged, not raised: counts are not worth an
    exit code, and this often runs while another error is on its way out.
    """
    if not pending(store):
        return
    try:
        with carried(store) as deltas:
            store.add_metrics(deltas)
    except StorageError as e:
        log.warning("metrics not saved (they are kept for the next write): %s", e)


@contextmanager
def flushed(store: MetricStore) -> Iterator[None]:
    """`flush(store)` when the block ends, however it ends."""
    try:
        yield
    finally:
        flush(store)


# --- the server side ------------------------------------------------------------------------


class StoreCollector(Collector):
    """Builds the pipeline's metric families from the store, on every scrape."""

    def __init__(
        self, store_factory: Callable[[], MetricStore], partner_ids: Collection[str]
    ) -> None:
        self._factory = store_factory
        # Configured partners only: one removed from config.toml stops being reported,
        # and every configured one has its series from the start (zeros before a poll).
        self._partners = sorted(set(partner_ids))
        self._warned = float("-inf")

    def describe(self) -> Iterable[Metric]:
        return []  # the registry must not query the store when the collector is added

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(STORE_UP, HELP[STORE_UP])
        try:
            store = self._factory()
            stored = store.metric_values()
            states = {s.partner_id: s for s in store.partner_states()}
        except StorageError as e:
            now = time.monotonic()
            if now - self._warned >= _WARN_EVERY:
                self._warned = now
                log.warning("metrics: store unavailable, exposing serve's own only: %s", e)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        values: dict[str, dict[str, float]] = {}
        for name, key, value in stored:
            values.setdefault(name, {})[key] = value
        return [up, *self._partner_families(values, states), *self._pipeline_families(values)]

    def _partner_families(
        self, values: dict[str, dict[str, float]], states: dict[str, PartnerState]
    ) -> list[Metric]:
        polls = CounterMetricFamily(POLLS, HELP[POLLS], labels=["partner", "outcome"])
        articles = CounterMetricFamily(ARTICLES, HELP[ARTICLES], labels=["partner", "result"])
        pages = CounterMetricFamily(PAGE_FAILURES, HELP[PAGE_FAILURES], labels=["partner"])
        failures = GaugeMetricFamily(
            CONSECUTIVE_FAILURES, HELP[CONSECUTIVE_FAILURES], labels=["partner"]
        )
        success = GaugeMetricFamily(LAST_SUCCESS, HELP[LAST_SUCCESS], labels=["partner"])
        for partner in self._partners:
            for outcome in OUTCOMES:
                key = labels(partner=partner, outcome=outcome)
                polls.add_metric([partner, outcome], values.get(POLLS, {}).get(key, 0.0))
            for result in ARTICLE_RESULTS:
                key = labels(partner=partner, result=result)
                articles.add_metric([partner, result], values.get(ARTICLES, {}).get(key, 0.0))
            key = labels(partner=partner)
            pages.add_metric([partner], values.get(PAGE_FAILURES, {}).get(key, 0.0))
            state = states.get(partner)
            failures.add_metric([partner], float(state.consecutive_errors if state else 0))
            # The state's time is written at most every few minutes on an unchanged feed;
            # the stored gauge follows every poll. Whichever is later is the truth.
            last = state.last_success_at if state else None
            times = [values.get(LAST_SUCCESS, {}).get(key), last.timestamp() if last else None]
            known = [t for t in times if t is not None]
            if known:
                success.add_metric([partner], max(known))
        return [polls, articles, pages, failures, success]

    def _pipeline_families(self, values: dict[str, dict[str, float]]) -> list[Metric]:
        out: list[Metric] = []
        for name, bounds in HISTOGRAMS.items():
            counts = values.get(f"{name}_bucket", {})
            buckets = [
                (le, counts.get(labels(le=le), 0.0)) for le in [*(_le(b) for b in bounds), "+Inf"]
            ]
            total = values.get(f"{name}_sum", {}).get(NO_LABELS, 0.0)
            out.append(HistogramMetricFamily(name, HELP[name], buckets=buckets, sum_value=total))
        out.append(
            CounterMetricFamily(
                FILES_WRITTEN,
                HELP[FILES_WRITTEN],
                value=values.get(FILES_WRITTEN, {}).get(NO_LABELS, 0.0),
            )
        )
        published = values.get(LAST_PUBLISH, {}).get(NO_LABELS)
        if published is not None:
            out.append(GaugeMetricFamily(LAST_PUBLISH, HELP[LAST_PUBLISH], value=published))
        return out


class HealthCollector(Collector):
    """The status page's flags per partner, assessed on every scrape."""

    def __init__(self, assess: Callable[[], Sequence[PartnerHealth]]) -> None:
        self._assess = assess

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        try:
            rows = self._assess()
        except StorageError:
            return []  # StoreCollector reports the store down (and warns) already
        alert = GaugeMetricFamily(ALERT, HELP[ALERT], labels=["partner", "alert"])
        last_new = GaugeMetricFamily(LAST_NEW_ITEM, HELP[LAST_NEW_ITEM], labels=["partner"])
        short = GaugeMetricFamily(SHORT_BODIES, HELP[SHORT_BODIES], labels=["partner"])
        for row in rows:
            for flag in FLAGS:
                alert.add_metric([row.partner_id, flag], 1.0 if flag in row.flags else 0.0)
            if row.last_new_item_at is not None:
                last_new.add_metric([row.partner_id], row.last_new_item_at.timestamp())
            if row.sampled:
                ratio = (row.short_share or 0.0) + (row.empty_share or 0.0)
                short.add_metric([row.partner_id], ratio)
        return [alert, last_new, short]


class ServeMetrics:
    """`/metrics` of one server: its own request counter plus the store's series."""

    def __init__(
        self,
        store_factory: Callable[[], MetricStore],
        partner_ids: Collection[str],
        health: Callable[[], Sequence[PartnerHealth]] | None = None,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._requests = Counter(
            HTTP_REQUESTS, HELP[HTTP_REQUESTS], ["code"], registry=self.registry
        )
        self._by_code: dict[int, Callable[[], None]] = {}
        self.registry.register(StoreCollector(store_factory, partner_ids))
        if health is not None:
            self.registry.register(HealthCollector(health))

    def request(self, code: int) -> None:
        """Count one answered request (on the I/O thread too: a dict lookup and an add)."""
        inc = self._by_code.get(code)
        if inc is None:
            # A plain dict store: two threads racing store the same child's method.
            inc = self._by_code[code] = self._requests.labels(code=str(code)).inc
        inc()

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """(body, Content-Type): the text format, or OpenMetrics when the scraper asks."""
        encode, content_type = choose_encoder(accept or "")
        return encode(self.registry), content_type


__all__ = [
    "HELP",
    "HISTOGRAMS",
    "OUTCOMES",
    "HealthCollector",
    "MetricStore",
    "Pending",
    "ServeMetrics",
    "StoreCollector",
    "carried",
    "flush",
    "flushed",
    "labels",
    "observe_scrape",
    "pending",
    "record_poll",
    "record_publish",
]
