"""Partner health rows in the store, on SQLite and PostgreSQL (`store_url`)."""

from __future__ import annotations

import datetime as dt

import pytest

from syndication.model import HealthNote, PartnerState
from syndication.store import open_store

T0 = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
CAIRO = dt.timezone(dt.timedelta(hours=2))


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_merges_keep_first_seen_last_new_item_and_latest_error(store_url: str) -> None:
    with open_store(store_url) as store:
        store.add_health(
            [
                HealthNote("ahram", at(2), "seen"),
                HealthNote("ahram", at(2), "new", count=3),
                HealthNote(
                    "ahram",
                    at(3),
                    "poll_failed",
                    error_class="FetchError (HTTP 503)",
                    message="HTTP 503 من الخادم",
                ),
            ]
        )
        # A slower process writes older facts afterwards: nothing moves back.
        store.add_health(
            [
                HealthNote("ahram", at(1), "seen"),
                HealthNote("ahram", at(1).astimezone(CAIRO), "new", count=1),
                HealthNote(
                    "ahram",
                    at(0),
                    "page_failed",
                    error_class="ScrapeError",
                    message="old",
                    url="https://ahram.example/a/1",
                ),
            ]
        )
        record = store.health_records(since=at(-1))["ahram"]
    assert record.first_seen_at == at(1)
    assert record.last_new_item_at == at(2)
    assert record.last_error_at == at(3)
    assert record.last_error_class == "FetchError (HTTP 503)"
    assert record.last_error == "HTTP 503 من الخادم"
    # Hours are UTC buckets; both writes' counts are added.
    assert record.hourly == (
        (dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC), 1),
        (dt.datetime(2026, 12, 1, 11, tzinfo=dt.UTC), 3),
    )


def test_latest_articles_per_partner_and_events_newest_first(store_url: str) -> None:
    notes = [
        HealthNote(
            "ahram",
            at(i / 10),
            "article",
            url=f"https://ahram.example/{i}",
            title=f"خبر {i}",
            seconds=0.1 * (i + 1),
            body_chars=100 * i,
        )
        for i in range(8)
    ]
    notes.append(
        HealthNote(
            "masry",
            at(0),
            "article",
            url="https://masry.example/1",
            title="خبر",
            seconds=None,
            body_chars=0,
        )
    )
    with open_store(store_url) as store:
        store.save_partner_states([PartnerState("ahram")], health=notes)
        records = store.health_records(since=at(-1), recent=3)
        events = store.health_events("ahram", limit=2)
    assert records["ahram"].body_chars == (700, 600, 500)  # newest first, three of them
    assert records["ahram"].page_seconds == pytest.approx((0.8, 0.7, 0.6))
    assert records["masry"].page_seconds == ()  # not scraped: no page time
    assert records["masry"].body_chars == (0,)
    assert [e.title for e in events] == ["خبر 7", "خبر 6"]
    assert events[0].kind == "article" and events[0].url == "https://ahram.example/7"


def test_a_week_is_kept(store_url: str) -> None:
    with open_store(store_url) as store:
        store.add_health(
            [
                HealthNote("ahram", at(0), "new", count=2),
                HealthNote(
                    "ahram",
                    at(0),
                    "poll_failed",
                    error_class="FeedParseError",
                    message="ليست خلاصة",
                ),
            ]
        )
        store.add_health([HealthNote("ahram", at(24 * 8), "new", count=1)])
        record = store.health_records(since=at(-1))["ahram"]
        events = store.health_events("ahram")
    assert [count for _, count in record.hourly] == [1]
    assert events == []  # the failure of eight days ago is gone …
    assert record.last_error == "ليست خلاصة"  # … its summary is not
