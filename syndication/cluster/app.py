"""The Celery application built from `[cluster]`, and the `syndication worker` process.

Delivery settings, and why:

- `task_acks_late` + `task_reject_on_worker_lost`: a task is acknowledged after it ran,
  so a worker that dies mid-poll (SIGKILL, lost machine) leaves its task to be delivered
  again. With Redis as broker "again" means after `visibility_timeout`, which the workers
  sweep for every few seconds; a killed pool child is re-queued at once.
- `worker_prefetch_multiplier = 1`: a worker reserves one task per pool slot, so a dead
  worker strands at most that many, and a slow partner does not hold others hostage.
- `task_time_limit` below `visibility_timeout`: a hung poll is killed before the broker
  would hand the same message to a second worker.
- `global_keyprefix`: every broker key lives under `[cluster] key_prefix`, so several
  deployments (or test runs) can share one Redis.

Tasks are idempotent (see tasks.py), so a redelivery never does harm.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery import Celery

from syndication.config import ClusterSettings, Config
from syndication.errors import ConfigError

log = logging.getLogger(__name__)

POOLS = ("prefork", "threads", "solo")


def require_cluster(config: Config) -> ClusterSettings:
    """The [cluster] settings; ConfigError unless cluster mode is on (with PostgreSQL)."""
    if not config.cluster.enabled:
        raise ConfigError(
            "cluster mode is off",
            path=config.path,
            key="cluster.enabled",
            hint="set enabled = true in [cluster] (with a PostgreSQL store), "
            "or use `syndication run` for the single-process daemon",
        )
    if not config.storage_url.startswith("postgresql"):
        raise ConfigError(
            "cluster mode needs PostgreSQL as the shared store",
            path=config.path,
            key="storage.url",
            hint="use postgresql+psycopg://user@host/db",
        )
    return config.cluster


def redis_url(settings: ClusterSettings) -> str:
    return settings.redis_url or settings.broker_url


def redis_client(settings: ClusterSettings) -> redis.Redis:
    """A client for our own keys (limiter, debounce, dispatch times); short timeouts so an
    unreachable Redis is an error to log, not a hang."""
    return redis.Redis.from_url(
        redis_url(settings),
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
    )


def transport_options(settings: ClusterSettings) -> dict[str, Any]:
    if not settings.broker_url.startswith(("redis", "rediss")):
        return {}
    return {
        "visibility_timeout": settings.visibility_timeout,
        "global_keyprefix": f"{settings.key_prefix}:",
        # Look for abandoned messages often enough that redelivery follows the timeout
        # closely (kombu's default sweep is every ~100 s).
        "unacked_restore_interval": max(1, min(10, settings.visibility_timeout // 5)),
        "unacked_restore_throttle": 1,
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
    }


def make_celery(config: Config) -> Celery:
    """A Celery app for `config` with our tasks registered (tasks.register)."""
    from syndication.cluster import tasks

    settings = config.cluster
    app = Celery(
        "syndication",
        broker=settings.broker_url,
        backend=settings.result_backend,
        set_as_current=False,
    )
    app.conf.update(
        task_default_queue=settings.queue,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=settings.task_time_limit,
        task_ignore_result=settings.result_backend is None,
        result_expires=3600,
        broker_transport_options=transport_options(settings),
        result_backend_transport_options={"global_keyprefix": f"{settings.key_prefix}:"},
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        enable_utc=True,
        timezone="UTC",
        broker_connection_retry_on_startup=True,
        # A worker that loses the broker cancels what it runs: acks_late re-delivers it.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=False,  # keep our log format (text or JSON lines)
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
    )
    tasks.register(app, config)
    return app


def run_worker(
    config: Config,
    *,
    concurrency: int | None = None,
    pool: str = "prefork",
    hostname: str | None = None,
    loglevel: str = "INFO",
) -> int:
    """Run a Celery worker consuming our queue until SIGTERM/SIGINT; returns its exit code."""
    from syndication.store import open_store

    settings = require_cluster(config)
    if pool not in POOLS:
        raise ConfigError(
            f"unknown pool {pool!r}", path=config.path, hint=f"use one of {', '.join(POOLS)}"
        )
    # Migrate once here (an advisory lock serialises concurrent starters), then let every
    # pool process open its own connections after the fork.
    open_store(config.storage_url).close()
    app = make_celery(config)
    options: dict[str, Any] = {
        "pool_cls": pool,
        "queues": [settings.queue],
        "loglevel": loglevel,
        "quiet": True,
        "without_gossip": True,  # we coordinate through PostgreSQL, not worker chatter
        "without_mingle": True,
        "without_heartbeat": True,
    }
    if concurrency is not None:
        options["concurrency"] = concurrency
    if hostname:
        options["hostname"] = hostname
    worker = app.Worker(**options)
    log.info(
        "worker starting: queue %s on %s, pool %s×%s",
        settings.queue,
        _safe(settings.broker_url),
        pool,
        concurrency or "cpu",
    )
    worker.start()
    code = getattr(worker, "exitcode", 0)
    return int(code or 0)


def _safe(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


__all__ = [
    "POOLS",
    "make_celery",
    "redis_client",
    "redis_url",
    "require_cluster",
    "run_worker",
    "transport_options",
]
