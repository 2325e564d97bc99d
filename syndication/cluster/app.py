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

from celery import Celery

from syndication.cluster import tasks
from syndication.cluster.connections import require_cluster, safe_url, transport_options
from syndication.config import Config
from syndication.errors import ConfigError
from syndication.store import open_store

log = logging.getLogger(__name__)

POOLS = ("prefork", "threads", "solo")


def make_celery(config: Config) -> Celery:
    """A Celery app for `config` with our tasks registered (tasks.register)."""
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
        safe_url(settings.broker_url),
        pool,
        concurrency or "cpu",
    )
    worker.start()
    code = getattr(worker, "exitcode", 0)
    return int(code or 0)


__all__ = ["POOLS", "make_celery", "run_worker"]
