"""The state a poll leaves: validators and next poll after a success, backoff and
disabling after a failure; pure functions of the old state, the response and the clock."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

from syndication.errors import FeedParseError, FetchError
from syndication.ingest.outcome import MAX_ERROR_TEXT, failed, failure_text, succeeded
from syndication.model import Fetched, PartnerFeed, PartnerState

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
PARTNER = PartnerFeed(id="p", name="شريك", feed_url="https://p.example/feed.xml", interval=300)
OLD = PartnerState("p", etag='"old"', last_modified="Sat, 28 Feb 2026 12:00:00 GMT")
BASE = Fetched(url=PARTNER.feed_url, final_url=PARTNER.feed_url, status=200, headers=(), body=b"")


def test_a_304_keeps_the_validators_a_200_takes_the_new_ones() -> None:
    kept = succeeded(
        PARTNER,
        OLD,
        replace(BASE, not_modified=True, status=304),
        NOW,
        body_hash="b",
        ttl=None,
        warnings=None,
    )
    assert (kept.etag, kept.last_modified) == (OLD.etag, OLD.last_modified)
    new = succeeded(
        PARTNER, OLD, replace(BASE, etag='"new"'), NOW, body_hash="b", ttl=None, warnings=()
    )
    assert (new.etag, new.last_modified, new.body_hash) == ('"new"', None, "b")
    assert new.next_check_at == NOW + dt.timedelta(seconds=PARTNER.interval)
    assert new.last_success_at == new.last_attempt_at == NOW


def test_success_resets_errors_and_the_ttl_and_cache_headers_are_floors() -> None:
    broken = PartnerState("p", consecutive_errors=3, last_error="boom")
    state = succeeded(PARTNER, broken, BASE, NOW, body_hash=None, ttl=60, warnings=None)
    assert (state.consecutive_errors, state.last_error) == (0, None)
    assert state.next_check_at == NOW + dt.timedelta(minutes=60)
    cached = replace(BASE, headers=(("cache-control", "max-age=900"),))
    state = succeeded(PARTNER, broken, cached, NOW, body_hash=None, ttl=None, warnings=None)
    assert state.next_check_at == NOW + dt.timedelta(seconds=900)


def test_warnings_are_replaced_by_a_parse_and_kept_without_one() -> None:
    old = PartnerState("p", warnings=("old",))
    parsed = succeeded(PARTNER, old, BASE, NOW, body_hash=None, ttl=None, warnings=("w",) * 30)
    assert parsed.warnings == ("w",) * 20
    kept = succeeded(PARTNER, old, BASE, NOW, body_hash=None, ttl=None, warnings=None)
    assert kept.warnings == ("old",)


def test_a_failure_backs_off_at_least_as_long_as_retry_after() -> None:
    state = failed(PARTNER, OLD, NOW, FeedParseError("not a feed"), random.Random(1))
    assert state.consecutive_errors == 1 and state.last_error == "not a feed"
    assert state.next_check_at is not None and state.next_check_at > NOW
    assert state.disabled_reason is None
    later = failed(PARTNER, OLD, NOW, FetchError("busy", retry_after=7200), random.Random(1))
    assert later.next_check_at == NOW + dt.timedelta(seconds=7200)


def test_gone_disables_and_a_bug_says_so() -> None:
    gone = failed(PARTNER, OLD, NOW, FetchError("410", status=410, gone=True), None)
    assert gone.disabled_reason is not None and gone.disabled_reason.startswith("feed gone")
    bug = failed(PARTNER, OLD, NOW, KeyError("x" * 1000), None)
    assert bug.last_error is not None and bug.last_error.startswith("bug: KeyError: ")
    assert len(bug.last_error) == MAX_ERROR_TEXT
    assert failure_text(FetchError("timeout")) == "timeout"
