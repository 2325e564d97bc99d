"""The worker's tasks: poll one partner, publish. Both are safe to run twice.

    scheduler ──poll_partner(id)──▶ worker: partner lock → Ingester.partner → store
                                       └─ changed? → request_publish (debounced in Redis)
              ──publish()────────▶ worker: publish lock → publish_all → feeds/ + store

Idempotence, so a redelivered or duplicated task changes nothing:

- articles are upserted by `Article.id` (partner + guid/URL), one transaction each, so an
  article stored before a worker died is "unchanged" when the poll runs again;
- a poll holds the partner's advisory lock: a second poll of the same partner, running
  at the same time on another worker, returns "busy" at once; one arriving later finds
  the partner's `next_check_at` in the future and returns "deferred";
- publishing holds the publish lock; a publish that finds it held retries a moment
  later, so a change stored during a running publish is never left out.

Why no separate scrape task: a partner's article pages are fetched inside its poll, in
parallel up to the partner's per-host limit, and spaced across the cluster by the Redis
limiter. Polls spread over workers partner by partner; splitting pages into tasks of their
own would need the ingest stages outside `Ingester`, for no gain in politeness.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, Task, signals
from kombu.exceptions import OperationalError

from syndication import metrics
from syndication.cluster import leader
from syndication.cluster.connections import redis_client
from syndication.cluster.limiter import HostLimiter
from syndication.config import Config
from syndication.errors import PublishError, StorageError
from syndication.fetch import Fetcher, ping_hub
from syndication.ingest import Ingester, log_report
from syndication.publish import publish_all
from syndication.store import Store, open_store

log = logging.getLogger(__name__)

POLL_TASK = "syndication.poll_partner"
PUBLISH_TASK = "syndication.publish"
PENDING_TTL = 120  # seconds a publish request is remembered if its task is lost


def pending_key(config: Config) -> str:
    return f"{config.cluster.key_prefix}:publish-pending"


@dataclass
class _Parts:
    pid: int
    store: Store
    fetcher: Fetcher
    ingester: Ingester
    redis: redis.Redis


class Runtime:
    """What tasks need in one worker process, built on first use after the pool forks
    (connections must never be shared between processes)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._parts: _Parts | None = None
        self._lock = threading.Lock()

    def parts(self) -> _Parts:
        with self._lock:
            parts = self._parts
            if parts is None or parts.pid != os.getpid():
                parts = self._parts = self._build()
            return parts

    def _build(self) -> _Parts:
        settings = self.config.cluster
        client = redis_client(settings)
        gate = None
        if settings.host_rate_limit > 0:
            limiter = HostLimiter(client, rate=settings.host_rate_limit, prefix=settings.key_prefix)
            gate = limiter.slot
        store = open_store(self.config.storage_url, migrate=False, stories=self.config.stories)
        fetcher = Fetcher(self.config.fetch, host_gate=gate)
        # Pages are scraped in this (Celery worker) process: Celery scales by processes
        # already, and its pool's children may not start processes of their own.
        ingester = Ingester(self.config, store, fetcher)
        return _Parts(os.getpid(), store, fetcher, ingester, client)

    def flush_metrics(self, **_signal: Any) -> None:
        """Save the metrics this process counted that no write carried yet (polls that
        wrote nothing). Connected to the worker's shutdown signals by `register`."""
        with self._lock:
            parts = self._parts
        if parts is not None and parts.pid == os.getpid():
            metrics.flush(parts.store)

    def close(self) -> None:
        with self._lock:
            parts, self._parts = self._parts, None
        if parts is not None and parts.pid == os.getpid():
            parts.fetcher.close()
            parts.store.close()
            parts.redis.close()


def poll(app: Celery, runtime: Runtime, partner_id: str) -> dict[str, Any]:
    """One poll of one partner, unless another worker is polling it right now."""
    config = runtime.config
    partner = config.partner(partner_id)
    if partner is None or not partner.enabled:
        log.warning(
            "poll of unknown or disabled partner %r ignored (config out of date?)", partner_id
        )
        return {"partner": partner_id, "status": "unknown"}
    parts = runtime.parts()
    lock = leader.partner_lock(parts.store, partner_id)
    if lock is None:
        log.info("already being polled by another worker", extra={"partner": partner_id})
        return {"partner": partner_id, "status": "busy"}
    with lock:
        report = parts.ingester.partner(partner)
    if report.status != "deferred":
        log_report(report)
    if report.changed:
        request_publish(app, config, parts.redis)
    return {
        "partner": partner_id,
        "status": report.status,
        "new": report.new,
        "updated": report.updated,
    }


def request_publish(app: Celery, config: Config, client: redis.Redis) -> bool:
    """Ask for one publish in `publish_debounce` seconds; a burst of changes makes one.

    The first request sets a Redis key and enqueues the task; later ones see the key and
    ride along. The publish task deletes the key as it starts, so a change stored after
    that asks for a publish of its own. True when this call enqueued the task."""
    debounce = config.scheduler.publish_debounce
    try:
        first = client.set(pending_key(config), "1", nx=True, ex=int(debounce) + PENDING_TTL)
    except redis.RedisError as e:
        log.warning(
            "cannot reach Redis to schedule a publish (%s); the scheduler's "
            "periodic publish will pick the change up",
            e,
        )
        return False
    if not first:
        return False
    try:
        app.send_task(PUBLISH_TASK, queue=config.cluster.queue, countdown=debounce)
    except (OperationalError, OSError) as e:
        log.warning(
            "cannot enqueue a publish (%s); the scheduler's periodic publish will "
            "pick the change up",
            e,
        )
        return False
    return True


def publish(runtime: Runtime) -> dict[str, Any] | None:
    """Publish under the publish lock; None when another worker holds it."""
    config = runtime.config
    parts = runtime.parts()
    lock = leader.publish_lock(parts.store)
    if lock is None:
        return None
    with lock:
        try:
            parts.redis.delete(pending_key(config))
        except redis.RedisError:
            pass  # the key expires by itself
        ping = None
        if config.publish.hub_url:

            def ping(hub: str, urls: list[str]) -> None:
                ping_hub(hub, urls, config.fetch)

        try:
            published = publish_all(config, parts.store, ping=ping)
        except PublishError as e:
            log.error("publish failed: %s", e)
            return {"status": "failed", "error": str(e)}
    changed = sum(1 for p in published if p.changed)
    if changed:
        log.info("published %d changed feed files", changed)
    return {"status": "ok", "files": len(published), "changed": changed}


def register(app: Celery, config: Config) -> Runtime:
    """Register our tasks on `app`, bound to `config`; returns their shared runtime."""
    runtime = Runtime(config)
    retry_delay = max(1.0, config.scheduler.publish_debounce)
    # A prefork child sends the first, a solo or threads worker the second. Weak
    # references: the receivers go with the runtime.
    signals.worker_process_shutdown.connect(runtime.flush_metrics)
    signals.worker_shutdown.connect(runtime.flush_metrics)

    @app.task(  # type: ignore[untyped-decorator]
        name=POLL_TASK,
        shared=False,  # this app only: another app in the process has its own config
        bind=True,
        autoretry_for=(StorageError,),  # PostgreSQL away: wait, with back-off
        retry_backoff=2,
        retry_backoff_max=60,
        max_retries=8,
    )
    def poll_partner(self: Task, partner_id: str) -> dict[str, Any]:
        return poll(self.app, runtime, partner_id)

    @app.task(  # type: ignore[untyped-decorator]
        name=PUBLISH_TASK,
        shared=False,  # this app only: another app in the process has its own config
        bind=True,
        autoretry_for=(StorageError,),
        retry_backoff=2,
        retry_backoff_max=60,
        max_retries=8,
    )
    def publish_task(self: Task) -> dict[str, Any]:
        result = publish(runtime)
        if result is None:
            # Someone is publishing; our change may have come too late for it.
            raise self.retry(countdown=retry_delay, max_retries=None)
        return result

    return runtime


__all__ = [
    "POLL_TASK",
    "PUBLISH_TASK",
    "Runtime",
    "pending_key",
    "poll",
    "publish",
    "register",
    "request_publish",
]
