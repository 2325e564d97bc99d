"""The cluster scheduler: advisory locks on PostgreSQL, a standby taking over leadership, and
dispatch enqueuing each due partner once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from syndication.cluster.app import make_celery
from syndication.cluster.scheduler import ClusterScheduler
from syndication.model import PartnerState
from syndication.store import open_store
from syndication.store.locks import _LOCK_NAMED_CLASS, lock_key
from tests.support import REDIS_URL
from tests.support.factories import build_config, cluster_config

# --- advisory locks and leadership --------------------------------------------------------


def _terminate_holder(pg_url: str, name: str) -> None:
    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            pids = (
                conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = :c "
                        "AND objid = :o AND objsubid = 2 AND granted"
                    ),
                    {"c": _LOCK_NAMED_CLASS, "o": lock_key(name) & 0xFFFFFFFF},
                )
                .scalars()
                .all()
            )
            assert len(pids) == 1
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pids[0]})
            conn.commit()
    finally:
        engine.dispose()


def test_advisory_lock_is_exclusive_and_freed_when_the_session_dies(pg_url: str) -> None:
    with open_store(pg_url) as a, open_store(pg_url, migrate=False) as b:
        lock = a.try_advisory_lock("x")
        assert lock is not None and lock.alive()
        assert b.try_advisory_lock("x") is None
        other = b.try_advisory_lock("y")  # another name is independent
        assert other is not None
        other.release()
        lock.release()
        again = b.try_advisory_lock("x")
        assert again is not None
        # The holder's session is killed (a crashed or vanished node): the lock is free.
        _terminate_holder(pg_url, "x")
        assert not again.alive()
        taken = a.try_advisory_lock("x")
        assert taken is not None
        taken.release()


def test_advisory_lock_needs_postgresql(sqlite_url: str) -> None:
    from syndication.errors import StorageError

    with open_store(sqlite_url) as store, pytest.raises(StorageError, match="PostgreSQL"):
        store.try_advisory_lock("x")


def test_standby_scheduler_takes_over(tmp_path: Path, pg_url: str, prefix: str) -> None:
    cfg = cluster_config(build_config(tmp_path, [], storage_url=pg_url), prefix)
    client = redis.Redis.from_url(REDIS_URL)
    with open_store(pg_url) as s1, open_store(pg_url, migrate=False) as s2:
        app = make_celery(cfg)
        a = ClusterScheduler(cfg, s1, app, client)
        b = ClusterScheduler(cfg, s2, app, client)
        assert a.step() is True
        assert b.step() is False  # standing by
        assert b.step() is False
        a.leadership.release()  # a clean stop; a killed session is the test above
        assert b.step() is True
        assert a.step() is False
        b.leadership.release()
    client.close()


def test_dispatch_enqueues_due_partners_once(tmp_path: Path, pg_url: str, prefix: str) -> None:
    partners = [(p, f"http://127.0.0.1:9/{p}.xml") for p in ("p1", "p2", "p3", "p4")]
    cfg = cluster_config(build_config(tmp_path, partners, storage_url=pg_url, jitter=0), prefix)
    now = dt.datetime(2025, 10, 1, 12, 0, tzinfo=dt.UTC)
    client = redis.Redis.from_url(REDIS_URL)
    with open_store(pg_url) as store:
        store.save_partner_state(PartnerState("p2", next_check_at=now + dt.timedelta(hours=1)))
        store.save_partner_state(PartnerState("p3", disabled_reason="feed gone"))
        store.save_partner_state(PartnerState("p4", next_check_at=now - dt.timedelta(hours=1)))
        sched = ClusterScheduler(cfg, store, make_celery(cfg), client, clock=lambda: now)
        assert sched.due(now) == ["p1", "p4"]
        assert sched.dispatch() == 2
        queued = [json.loads(m) for m in client.lrange(f"{prefix}:{prefix}", 0, -1)]
        polls = [m for m in queued if m["headers"]["task"] == "syndication.poll_partner"]
        assert sorted(m["headers"]["argsrepr"] for m in polls) == ["['p1']", "['p4']"]
        # Not due again before their interval, even though the store says nothing new.
        assert sched.due(now + dt.timedelta(seconds=10)) == []
        later = now + dt.timedelta(seconds=cfg.partners[0].interval + 1)
        assert sched.due(later) == ["p1", "p4"]
        # A standby taking over reads the same dispatch times from Redis.
        other = ClusterScheduler(cfg, store, make_celery(cfg), client, clock=lambda: now)
        other._load_due()
        assert other.due(now) == []
    client.close()
