"""Per-host politeness shared by every worker process, kept in Redis.

Each process's Fetcher already spaces its own requests to a host; with many worker
machines that is not enough, so page requests also pass `HostLimiter.slot(host)`. One Lua
script reserves the next free start time for the host atomically, on the Redis server's
clock (machines' clocks may differ): a caller gets `start = max(now, next)` and moves
`next` to `start + 1/rate`, then sleeps until its start. Reservations are served in
arrival order, so however many workers ask, the host sees at most `rate` requests per
second from the whole cluster.

When Redis does not answer, the limiter lets the request through with a warning: the
per-process gate still holds, and an outage must not stop ingestion.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import redis

log = logging.getLogger(__name__)

# KEYS[1]: the host's key. ARGV[1]: spacing in ms. Returns {start_ms, now_ms} (server clock).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(now, nxt)
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], start + spacing, 'PX', start - now + spacing + 1000)
return {start, now}
"""
_WARN_EVERY = 60.0  # seconds between two "Redis unreachable" warnings


class HostLimiter:
    """At most `rate` page requests per second to one host, across every process."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        rate: float,
        prefix: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive (0 means: do not use a limiter)")
        self.client = client
        self.spacing_ms = max(1, round(1000 / rate))
        self.prefix = prefix
        self._sleep = sleep
        self._script: Any = client.register_script(_RESERVE)
        self._warned = 0.0
        self._lock = threading.Lock()

    def key(self, host: str) -> str:
        return f"{self.prefix}:limit:{host}"

    def reserve(self, host: str) -> tuple[int, float]:
        """(reserved start in ms on the Redis clock, seconds to wait for it)."""
        start, now = self._script(keys=[self.key(host)], args=[self.spacing_ms])
        return int(start), max(0.0, (int(start) - int(now)) / 1000)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        """Wait for this host's next free start, then run the block (a Fetcher host_gate)."""
        try:
            _, wait = self.reserve(host)
        except redis.RedisError as e:
            self._warn(host, e)
            wait = 0.0
        if wait > 0:
            self._sleep(wait)
        yield

    def _warn(self, host: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._warned < _WARN_EVERY and self._warned:
                return
            self._warned = now
        log.warning(
            "shared host limiter unavailable (Redis: %s); %s is limited per process only "
            "until Redis is back",
            error,
            host,
        )


__all__ = ["HostLimiter"]
