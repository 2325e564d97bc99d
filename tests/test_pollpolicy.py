"""pollpolicy: when a partner is polled next (HTTP caching floors, RSS ttl, back-off, is_due)."""

from __future__ import annotations

import datetime as dt
import email.utils
import random

from syndication.model import Fetched
from syndication.pollpolicy import MAX_FLOOR, backoff_delay, next_poll_floor, ttl_floor

NOW = dt.datetime(2024, 3, 10, 12, 0, tzinfo=dt.UTC)


def response_with(**headers: str) -> Fetched:
    pairs = tuple((k.replace("_", "-").lower(), v) for k, v in headers.items())
    return Fetched(url="u", final_url="u", status=200, headers=pairs, body=b"")


def test_poll_floor_from_cache_control_and_expires() -> None:
    assert next_poll_floor(response_with(cache_control="public, max-age=600"), NOW) == (
        NOW + dt.timedelta(seconds=600)
    )
    expires = email.utils.format_datetime(NOW + dt.timedelta(hours=2), usegmt=True)
    assert next_poll_floor(response_with(expires=expires), NOW) == NOW + dt.timedelta(hours=2)
    # max-age wins over Expires; no-cache means no floor; a year is capped
    both = response_with(cache_control="max-age=60", expires=expires)
    assert next_poll_floor(both, NOW) == NOW + dt.timedelta(seconds=60)
    assert next_poll_floor(response_with(cache_control="no-cache, max-age=600"), NOW) is None
    assert next_poll_floor(response_with(cache_control="max-age=31536000"), NOW) == NOW + MAX_FLOOR
    assert next_poll_floor(response_with(expires="garbage"), NOW) is None
    assert next_poll_floor(response_with(), NOW) is None
    assert ttl_floor(15, NOW) == NOW + dt.timedelta(minutes=15)
    assert ttl_floor(None, NOW) is None


def test_backoff_grows_with_jitter_never_zero_never_above_cap() -> None:
    rand = random.Random(42)
    base, cap = 60.0, 6 * 3600.0
    for errors in range(0, 40):
        for _ in range(50):
            delay = backoff_delay(errors, base, cap, rand)
            assert base / 10 <= delay <= cap
            assert delay <= base * 2 ** max(errors - 1, 0)
    late = [backoff_delay(30, base, cap, rand) for _ in range(200)]
    assert max(late) > cap / 2  # the window really reaches the cap
    assert len(set(late)) > 100  # jitter, not lock-step
