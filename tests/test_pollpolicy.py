"""pollpolicy: when a partner is polled next (HTTP caching floors, RSS ttl, back-off, is_due)."""

from __future__ import annotations

import datetime as dt
import email.utils
import random

import pytest

from syndication.model import Fetched, PartnerState
from syndication.pollpolicy import (
    MAX_EARLY,
    MAX_FLOOR,
    backoff_delay,
    due_at,
    is_due,
    next_poll_floor,
    ttl_floor,
)

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


# --- is_due: a healthy partner a little early, a failing one never ---------------------


def state(next_check_at: dt.datetime | None, errors: int = 0) -> PartnerState:
    return PartnerState(partner_id="p", next_check_at=next_check_at, consecutive_errors=errors)


def test_never_polled_is_due_now() -> None:
    assert due_at(state(None), 300) is None
    assert is_due(state(None), 300, NOW)


def test_healthy_partner_is_due_a_tenth_of_its_interval_early() -> None:
    due = NOW + dt.timedelta(seconds=300)
    assert due_at(state(due), 300) == due - dt.timedelta(seconds=30)
    assert is_due(state(due), 300, due - dt.timedelta(seconds=30))
    assert not is_due(state(due), 300, due - dt.timedelta(seconds=31))


def test_early_is_at_most_a_minute_however_long_the_interval() -> None:
    due = NOW + dt.timedelta(hours=6)
    assert due_at(state(due), 6 * 3600) == due - MAX_EARLY
    assert not is_due(state(due), 6 * 3600, due - MAX_EARLY - dt.timedelta(seconds=1))


def test_after_a_failure_not_a_moment_early() -> None:
    due = NOW + dt.timedelta(seconds=300)
    assert due_at(state(due, errors=1), 300) == due
    assert not is_due(state(due, errors=1), 300, due - dt.timedelta(microseconds=1))
    assert is_due(state(due, errors=1), 300, due)


# --- floors: edge cases of the headers -------------------------------------------------


@pytest.mark.parametrize(
    ("cache_control", "seconds"),
    [
        ("s-maxage=120, public", 120),
        ('max-age="90"', 90),
        ("MAX-AGE=45", 45),
        ("private,max-age=30", 30),
    ],
)
def test_max_age_spellings(cache_control: str, seconds: int) -> None:
    floor = next_poll_floor(response_with(cache_control=cache_control), NOW)
    assert floor == NOW + dt.timedelta(seconds=seconds)


def test_no_floor_from_zero_max_age_no_store_or_a_past_expires() -> None:
    past = email.utils.format_datetime(NOW - dt.timedelta(hours=1), usegmt=True)
    future = email.utils.format_datetime(NOW + dt.timedelta(hours=1), usegmt=True)
    assert next_poll_floor(response_with(cache_control="max-age=0"), NOW) is None
    assert next_poll_floor(response_with(cache_control="no-store", expires=future), NOW) is None
    assert next_poll_floor(response_with(expires=past), NOW) is None


def test_expires_far_ahead_is_capped_and_an_http_date_is_gmt() -> None:
    far = email.utils.format_datetime(NOW + dt.timedelta(days=30), usegmt=True)
    assert next_poll_floor(response_with(expires=far), NOW) == NOW + MAX_FLOOR
    # No zone written: RFC 9110 dates are GMT, not the machine's local time.
    naive = (NOW + dt.timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S")
    assert next_poll_floor(response_with(expires=naive), NOW) == NOW + dt.timedelta(hours=2)


def test_ttl_floor_is_capped_and_ignores_nonsense() -> None:
    assert ttl_floor(60 * 24 * 7, NOW) == NOW + MAX_FLOOR
    assert ttl_floor(0, NOW) is None
    assert ttl_floor(-5, NOW) is None


# --- back-off: bounds ------------------------------------------------------------------


def test_backoff_refuses_a_base_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        backoff_delay(1, 0.0)


def test_backoff_window_doubles_per_error_until_the_cap() -> None:
    class Top(random.Random):
        """Always draws the top of the window, so the window itself is measured."""

        def uniform(self, a: float, b: float) -> float:
            return b

    top = Top()
    assert [backoff_delay(n, 60.0, 600.0, top) for n in range(0, 6)] == [
        60.0,  # no error yet counts as one
        60.0,
        120.0,
        240.0,
        480.0,
        600.0,
    ]
    assert backoff_delay(10**6, 60.0, 600.0, top) == 600.0  # no overflow for absurd counts


def test_backoff_never_below_a_tenth_of_base_even_with_a_tiny_cap() -> None:
    class Bottom(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return a

    assert backoff_delay(3, 60.0, 600.0, Bottom()) == 6.0
    assert backoff_delay(3, 60.0, 1.0, Bottom()) == 6.0  # the cap is raised to the floor
