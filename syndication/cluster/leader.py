"""Who may act: one active scheduler, one publisher, one poller per partner.

All three are PostgreSQL advisory locks (`Store.try_advisory_lock`): session locks on a
connection of their own, freed by PostgreSQL the moment the holder's session ends, by
exit, crash, SIGKILL or a dead machine (the lock session asks for short TCP keepalives).
PostgreSQL is already the one thing every node must reach, so leadership needs no other
coordinator, and a node that cannot reach it could do nothing useful anyway.

- `Leadership`: the scheduler's lock, re-checked before every dispatch round (`check`).
  A standby calls `try_acquire` every `[cluster] leader_poll` seconds and takes over
  within about that long after the active scheduler's session ends.
- `partner_lock` / `publish_lock`: taken without waiting around one task; a second
  worker that finds it held skips the work (a poll) or retries later (a publish).
"""

from __future__ import annotations

import logging

from syndication.store import AdvisoryLock, Store

log = logging.getLogger(__name__)

SCHEDULER_LOCK = "cluster:scheduler"
PUBLISH_LOCK = "cluster:publish"


def partner_lock_name(partner_id: str) -> str:
    return f"cluster:poll:{partner_id}"


def partner_lock(store: Store, partner_id: str) -> AdvisoryLock | None:
    """The lock one poll of `partner_id` holds; None when another worker is polling it."""
    return store.try_advisory_lock(partner_lock_name(partner_id))


def publish_lock(store: Store) -> AdvisoryLock | None:
    return store.try_advisory_lock(PUBLISH_LOCK)


class Leadership:
    """The scheduler's leadership lock. Not thread-safe: one loop owns it."""

    def __init__(self, store: Store, name: str = SCHEDULER_LOCK) -> None:
        self.store = store
        self.name = name
        self._lock: AdvisoryLock | None = None

    @property
    def leading(self) -> bool:
        return self._lock is not None and self._lock.held

    def try_acquire(self) -> bool:
        """Become the leader if nobody is; True when we are the leader afterwards.

        Raises StorageError when PostgreSQL cannot be reached."""
        if self.leading:
            return True
        self._lock = self.store.try_advisory_lock(self.name)
        return self._lock is not None

    def check(self) -> bool:
        """Still the leader? False (and leadership dropped) when our session died."""
        if self._lock is None:
            return False
        if self._lock.alive():
            return True
        self._lock = None
        return False

    def release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


__all__ = [
    "PUBLISH_LOCK",
    "SCHEDULER_LOCK",
    "Leadership",
    "partner_lock",
    "partner_lock_name",
    "publish_lock",
]
