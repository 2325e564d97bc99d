"""`/healthz`: is the store reachable, and how old is the last successful publish.

The publisher records `last_publish_at` (ISO 8601) in the store's meta table after every
successful run; the check fails (503) when the store does not answer or that moment is
older than `serve.stale_after` seconds, so a load balancer or an uptime probe notices a
stuck pipeline even while the server keeps answering from old files.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from syndication.errors import StorageError
from syndication.publish import LAST_PUBLISH_KEY
from syndication.store import Store

log = logging.getLogger(__name__)


class Health:
    """Opens the store once (lazily, retried after a failure) and answers health checks."""

    def __init__(self, store_factory: Callable[[], Store], stale_after: float) -> None:
        self._factory = store_factory
        self._stale_after = stale_after
        self._store: Store | None = None
        self._lock = threading.Lock()

    def _get_store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = self._factory()
            return self._store

    def check(self, now: dt.datetime | None = None) -> tuple[bool, dict[str, Any]]:
        """(healthy, report) where report is the JSON body."""
        now = now or dt.datetime.now(dt.UTC)
        report: dict[str, Any] = {"store": "ok", "last_publish": None, "age_seconds": None}
        try:
            store = self._get_store()
            store.ping()
            raw = store.get_meta(LAST_PUBLISH_KEY)
        except StorageError as e:
            # Our own message (it names the redacted URL); the cause stays in the log.
            log.warning("healthz: store unavailable: %s", e)
            report["store"] = f"error: {e.message}"
            return False, report
        if raw is None:
            report["error"] = "nothing published yet"
            return False, report
        try:
            published = dt.datetime.fromisoformat(raw)
        except ValueError:
            report["error"] = f"unreadable {LAST_PUBLISH_KEY} in the store"
            return False, report
        if published.tzinfo is None:
            published = published.replace(tzinfo=dt.UTC)
        age = (now - published).total_seconds()
        report["last_publish"] = published.isoformat()
        report["age_seconds"] = round(age, 3)
        if age > self._stale_after:
            report["error"] = f"last publish is older than {self._stale_after:g} s"
            return False, report
        return True, report
