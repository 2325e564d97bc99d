"""Connections to the cluster's services, from `[cluster]`: the one place both the Celery
app (app.py) and the tasks (tasks.py) take them from, so neither imports the other for it.
"""

from __future__ import annotations

from typing import Any

import redis

from syndication.config import ClusterSettings, Config
from syndication.errors import ConfigError


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


def safe_url(url: str) -> str:
    """*url* with its credentials masked, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return url


__all__ = ["redis_client", "redis_url", "require_cluster", "safe_url", "transport_options"]
