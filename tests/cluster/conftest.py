"""Fixtures of the cluster tests: a Redis key prefix and queue of each test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.support import REDIS_URL


@pytest.fixture
def prefix() -> Iterator[str]:
    """A Redis key prefix (and queue name) of this test's own; its keys go afterwards."""
    name = "synd-test-" + uuid.uuid4().hex[:10]
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
