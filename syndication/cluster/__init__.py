"""Cluster mode (`[cluster] enabled = true`): many machines, one newsroom.

    syndication scheduler (×N, one active) ──Celery/Redis──▶ syndication worker (×M)
        │ leadership: PostgreSQL advisory lock                │ poll_partner(id), publish()
        │ due = interval since last enqueue                   │ partner / publish locks (PG)
        │       and PartnerState.next_check_at                │ host limiter (Redis)
        ▼                                                     ▼
    PostgreSQL: articles, partner state, feed files ◀── syndication serve --from-store (×K)

    app.py        the Celery app from [cluster] (acks_late, prefetch 1, …); `run_worker`
    tasks.py      poll_partner / publish tasks, idempotent; debounced publish requests
    scheduler.py  the dispatch loop with standby take-over; `run_scheduler`
    leader.py     leadership, publish and per-partner locks (PostgreSQL advisory locks)
    limiter.py    per-host politeness shared by every worker (Redis)

The only user of Celery and redis-py. Single-process mode (`syndication run`) does not
import this package.
"""

from __future__ import annotations

from syndication.cluster.app import make_celery, run_worker
from syndication.cluster.scheduler import ClusterScheduler, run_scheduler

__all__ = ["ClusterScheduler", "make_celery", "run_scheduler", "run_worker"]
