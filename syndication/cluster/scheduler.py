"""`syndication scheduler`: decide what is due and enqueue it; one active, others standing by.

    loop every dispatch_interval:
      not leader? → try the leadership lock (every leader_poll s); no → stand by
      leader      → lock still alive? → scan partners → enqueue poll_partner(id) for the due
                  → every publish_interval: enqueue a fallback publish

A partner is due when its own interval has passed since we last enqueued it (plus its
jitter) and its `PartnerState.next_check_at`, which workers write (back-off, Retry-After,
TTL), has passed too. The enqueue times live in a Redis hash beside the queue, so a
standby taking over continues the same rhythm instead of polling everything at once.

Due-ness lives in the store and in Redis, not in per-partner timer jobs in memory: the
workers move `next_check_at`, and a new leader must see exactly what the old one saw.
A plain scan of one table per second does that for thousands of partners.

Failures: PostgreSQL unreachable → leadership is dropped (its session is gone anyway)
and retried; the broker or Redis unreachable → the round is logged and retried, and the
partners stay due. Nothing is lost: all state is in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

import redis
from celery import Celery
from kombu.exceptions import OperationalError

from syndication.cluster.app import make_celery
from syndication.cluster.connections import redis_client, require_cluster
from syndication.cluster.leader import Leadership
from syndication.cluster.tasks import POLL_TASK, request_publish
from syndication.config import Config
from syndication.errors import StorageError
from syndication.store import Store, open_store

log = logging.getLogger(__name__)

_BROKER_ERRORS = (OperationalError, redis.RedisError, OSError)
_QUIET = 30.0  # seconds between two identical "still failing" log lines


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def next_due_key(config: Config) -> str:
    return f"{config.cluster.key_prefix}:next-due"


class ClusterScheduler:
    def __init__(
        self,
        config: Config,
        store: Store,
        app: Celery,
        client: redis.Redis,
        *,
        stop: threading.Event | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        rand: random.Random | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.app = app
        self.redis = client
        self.stop = stop or threading.Event()
        self.clock = clock
        self.rand = rand or random.Random()
        self.leadership = Leadership(store)
        self.next_due: dict[str, float] = {}  # partner id → epoch seconds
        self.last_publish = 0.0
        self._standby_logged = False
        self._last_warning: dict[str, float] = {}

    # -- one round ---------------------------------------------------------------------

    def due(self, now: dt.datetime) -> list[str]:
        """Ids of the partners to enqueue now."""
        states = {s.partner_id: s for s in self.store.partner_states()}
        ts = now.timestamp()
        out = []
        for partner in self.config.partners:
            if not partner.enabled:
                continue
            state = states.get(partner.id)
            if state is not None:
                if state.disabled_reason:
                    continue
                if state.next_check_at is not None and state.next_check_at > now:
                    continue
            if self.next_due.get(partner.id, 0.0) > ts:
                continue
            out.append(partner.id)
        return out

    def dispatch(self) -> int:
        """Enqueue every due partner (and the periodic publish); how many polls were sent."""
        now = self.clock()
        ts = now.timestamp()
        sent: dict[str, float] = {}
        try:
            for pid in self.due(now):
                self.app.send_task(POLL_TASK, args=[pid], queue=self.config.cluster.queue)
                partner = self.config.partner(pid)
                assert partner is not None
                jitter = self.rand.uniform(0, partner.jitter) if partner.jitter else 0.0
                sent[pid] = ts + partner.interval + jitter
            if ts - self.last_publish >= self.config.scheduler.publish_interval or (
                self._embargo_ended(now)
            ):
                # The debounce key also covers this one: no extra publish when one is pending.
                request_publish(self.app, self.config, self.redis)
                self.last_publish = ts
        finally:
            if sent:
                self.next_due.update(sent)
                self._save_due(sent)
                log.debug("enqueued %d polls", len(sent))
        return len(sent)

    def _embargo_ended(self, now: dt.datetime) -> bool:
        """Whether an embargo has ended since the last publish request: the story goes
        out on this tick instead of waiting for the periodic publish (docs/editorial.md)."""
        since = dt.datetime.fromtimestamp(self.last_publish, dt.UTC)
        upcoming = self.store.next_embargo(since)
        return upcoming is not None and upcoming <= now

    def _save_due(self, sent: dict[str, float]) -> None:
        try:
            self.redis.hset(next_due_key(self.config), mapping=sent)  # type: ignore[arg-type]
        except redis.RedisError as e:
            self._warn("redis", f"cannot record dispatch times in Redis: {e}")

    def _load_due(self) -> None:
        try:
            raw = self.redis.hgetall(next_due_key(self.config))
        except redis.RedisError as e:
            self._warn("redis", f"cannot read dispatch times from Redis: {e}")
            return
        self.next_due = {
            k.decode() if isinstance(k, bytes) else str(k): float(v) for k, v in raw.items()
        }

    # -- the loop ----------------------------------------------------------------------

    def step(self) -> bool:
        """One turn of the loop: try to lead, or dispatch. True when we are the leader."""
        settings = self.config.cluster
        try:
            if not self.leadership.leading:
                if not self.leadership.try_acquire():
                    if not self._standby_logged:
                        log.info(
                            "standing by: another scheduler is active "
                            "(retrying the leadership lock every %gs)",
                            settings.leader_poll,
                        )
                        self._standby_logged = True
                    return False
                log.info("active: this scheduler holds the leadership lock")
                self._standby_logged = False
                self._load_due()
                self.last_publish = 0.0  # publish once on taking over
            if not self.leadership.check():
                log.warning("leadership lost (database session ended); standing by")
                return False
            self.dispatch()
            return True
        except StorageError as e:
            self._warn("storage", f"store unavailable, pausing: {e}")
            self.leadership.release()
            return False
        except _BROKER_ERRORS as e:
            self._warn("broker", f"cannot enqueue (broker or Redis unreachable), retrying: {e}")
            return self.leadership.leading

    def run(self) -> int:
        settings = self.config.cluster
        log.info(
            "scheduler started: %d partners, queue %s",
            sum(1 for p in self.config.partners if p.enabled),
            settings.queue,
        )
        try:
            while not self.stop.is_set():
                leading = self.step()
                self.stop.wait(settings.dispatch_interval if leading else settings.leader_poll)
        finally:
            self.leadership.release()
        return 0

    def _warn(self, kind: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last_warning.get(kind, -_QUIET) >= _QUIET:
            self._last_warning[kind] = now
            log.error("%s", message)


def run_scheduler(config: Config) -> int:
    """The `syndication scheduler` process: until SIGTERM/SIGINT."""
    settings = require_cluster(config)
    store = open_store(config.storage_url, stories=config.stories)
    client = redis_client(settings)
    app = make_celery(config)
    scheduler = ClusterScheduler(config, store, app, client)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("received %s", signal.Signals(signum).name)
        scheduler.stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return scheduler.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        client.close()
        store.close()


__all__ = ["ClusterScheduler", "next_due_key", "run_scheduler"]
