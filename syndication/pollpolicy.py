"""When to poll a partner next: HTTP caching headers as a floor, and back-off after failures.

Pure functions over a `Fetched` and the clock, shared by the scheduler and ingest. RSS
``<ttl>`` comes from `ParsedFeed.ttl` (see `ttl_floor`); ``Retry-After`` is already parsed
into `FetchError.retry_after` by fetch.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import re

from .model import Fetched, PartnerState

# A partner that says "cache for a year" must still be polled now and then.
MAX_FLOOR = dt.timedelta(days=1)

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


# How early a regular poll may come: a tenth of the interval, at most a minute.
EARLY_FRACTION = 0.1
MAX_EARLY = dt.timedelta(minutes=1)


def is_due(state: PartnerState, interval: float, now: dt.datetime) -> bool:
    """May the partner be polled at *now*?

    `next_check_at` is the previous poll's start plus the interval, and that start comes a
    little after the tick that ran it (a cron run starts up, a thread frees up). Compared
    exactly, the next tick lands a few milliseconds before it and the poll slips by a whole
    interval. A healthy partner is therefore due a tenth of its interval early (at most a
    minute); after a failure (back-off, Retry-After) not a moment before.
    """
    due = due_at(state, interval)
    return due is None or due <= now


def due_at(state: PartnerState, interval: float) -> dt.datetime | None:
    """When `is_due` starts to say yes (None: now)."""
    if state.next_check_at is None:
        return None
    early = dt.timedelta(0)
    if state.consecutive_errors == 0:
        early = min(dt.timedelta(seconds=interval * EARLY_FRACTION), MAX_EARLY)
    return state.next_check_at - early


def next_poll_floor(fetched: Fetched, now: dt.datetime) -> dt.datetime | None:
    """The earliest time the server asked us to come back, from Cache-Control or Expires.

    `max-age` wins over `Expires` (RFC 9111 §5.3); `no-cache`/`no-store` give no floor.
    The floor is capped at `MAX_FLOOR` after `now`. None when the response says nothing.
    """
    cache_control = fetched.header("cache-control") or ""
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return None
    match = _MAX_AGE.search(cache_control)
    if match:
        seconds = min(int(match.group(1)), int(MAX_FLOOR.total_seconds()))
        return now + dt.timedelta(seconds=seconds) if seconds > 0 else None
    expires = fetched.header("expires")
    if expires:
        when = _http_date(expires)
        if when is not None and when > now:
            return min(when, now + MAX_FLOOR)
    return None


def ttl_floor(ttl_minutes: int | None, now: dt.datetime) -> dt.datetime | None:
    """RSS <ttl> (minutes) as a floor on the next poll, capped like the HTTP floor."""
    if not ttl_minutes or ttl_minutes <= 0:
        return None
    return now + min(dt.timedelta(minutes=ttl_minutes), MAX_FLOOR)


def backoff_delay(
    consecutive_errors: int,
    base: float,
    cap: float = 6 * 3600,
    rand: random.Random | None = None,
) -> float:
    """Seconds to wait after `consecutive_errors` failures in a row: exponential, full jitter.

    Full jitter (a uniform draw in (0, base·2^(n-1)]) spreads partners that failed together
    (one outage) over the window instead of retrying in lock-step. The result is never zero
    (a tenth of `base` at least, so a broken partner cannot spin) and never above `cap`; it
    never "gives up": the caller keeps polling at the cap.
    """
    if base <= 0:
        raise ValueError("base must be positive")
    cap = max(cap, base / 10)
    n = max(consecutive_errors, 1)
    # 2**n overflows float for absurd n; the cap is reached long before 64 doublings.
    ceiling = min(cap, base * (2.0 ** min(n - 1, 64)))
    floor = min(base / 10, ceiling)
    draw = (rand or random).uniform(0.0, ceiling)
    return min(cap, max(floor, draw))


def _http_date(value: str) -> dt.datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110: HTTP dates are GMT
        when = when.replace(tzinfo=dt.UTC)
    return when


__all__ = ["MAX_FLOOR", "backoff_delay", "next_poll_floor", "ttl_floor"]
