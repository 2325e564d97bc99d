"""Named PostgreSQL advisory locks held by one process across many transactions.

Cluster mode uses them for leadership (one active scheduler), for publishing (one worker
at a time) and around each partner poll (never two workers on one partner). They are
session-level locks on a connection of their own, in autocommit mode, so no transaction
stays open while one is held. If the holder dies, even by SIGKILL or with its machine,
PostgreSQL ends the session and the lock is free: no stale lock ever needs cleaning up.

The session also asks the server for short TCP keepalives, so a holder whose machine
vanishes without closing its socket is noticed in about ten seconds, not two hours.
"""

from __future__ import annotations

import hashlib
import logging

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

# First int of the two-int key form; db.py uses ...44 (migrate) and ...45 (articles).
_LOCK_NAMED_CLASS = 0x5359_4E46
# One round trip: the session's keepalive settings, then the lock.
_TRY_LOCK = sa.text(
    "SELECT set_config('tcp_keepalives_idle', '5', false), "
    "set_config('tcp_keepalives_interval', '2', false), "
    "set_config('tcp_keepalives_count', '3', false), "
    "pg_try_advisory_lock(:c, :k)"
)


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for a lock name."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLock:
    """A held lock. `alive()` re-checks it; `release()` (or leaving the `with`) frees it."""

    def __init__(self, name: str, conn: Connection) -> None:
        self.name = name
        self._conn: Connection | None = conn

    def __enter__(self) -> AdvisoryLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def held(self) -> bool:
        return self._conn is not None

    def alive(self) -> bool:
        """True while the session holding the lock is alive (so the lock is still ours).

        Only the holding session can release a session lock, so a live session means a
        held lock; a dead one means PostgreSQL has already released it.
        """
        conn = self._conn
        if conn is None:
            return False
        try:
            conn.exec_driver_sql("SELECT 1")
            return True
        except sa.exc.SQLAlchemyError as e:
            log.warning("lost advisory lock %s: its database session failed: %s", self.name, e)
            self._drop(conn)
            return False

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(
                sa.text("SELECT pg_advisory_unlock(:c, :k)"),
                {"c": _LOCK_NAMED_CLASS, "k": lock_key(self.name)},
            )
            conn.close()
        except sa.exc.SQLAlchemyError:
            self._drop(conn)  # the session is gone, and the lock with it

    @staticmethod
    def _drop(conn: Connection) -> None:
        try:
            conn.invalidate()  # never hand a broken or lock-holding session back to the pool
            conn.close()
        except sa.exc.SQLAlchemyError:
            pass


def try_lock(engine: Engine, name: str) -> AdvisoryLock | None:
    """Take the lock `name` without waiting; None when another session holds it.

    Raises SQLAlchemy errors (the Store translates them into StorageError)."""
    if engine.dialect.name != "postgresql":
        raise sa.exc.ArgumentError("advisory locks need PostgreSQL")
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        got = conn.execute(_TRY_LOCK, {"c": _LOCK_NAMED_CLASS, "k": lock_key(name)}).one()[3]
    except BaseException:
        AdvisoryLock._drop(conn)
        raise
    if not got:
        conn.close()
        return None
    return AdvisoryLock(name, conn)


__all__ = ["AdvisoryLock", "lock_key", "try_lock"]
