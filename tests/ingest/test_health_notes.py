"""What ingest notes for the status page: new items per poll, each article built (page
time, body length), failed pages and polls with their class, written with the poll's state
batch; a poll with nothing new adds no write.

Real HTTP (the `site` fixture), a real SQLite file, an injected clock.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from syndication import health
from syndication.ingest import run_ingest
from syndication.store import open_store
from tests.support.factories import build_config
from tests.support.httpsite import Route, Site
from tests.support.partnersim import SimPartner, make_articles, serve_partner

NOW = dt.datetime(2026, 12, 5, 9, 15, tzinfo=dt.UTC)


def test_articles_failures_and_new_items_are_noted(site: Site, tmp_path: Path) -> None:
    partner = SimPartner("ahram", make_articles("ahram", 3))
    feed = serve_partner(site, partner)
    missing = partner.page_path(partner.articles[1])
    site.add(missing, Route(b"gone", status=404, content_type="text/html"))
    broken = site.add(
        "/broken/feed.xml", Route(b"<html>not a feed</html>", content_type="text/html")
    )
    config = build_config(tmp_path, [("ahram", feed), ("broken", broken)])
    with open_store(config.storage_url) as store:
        run_ingest(config, store, clock=lambda: NOW)
        records = store.health_records(since=NOW - dt.timedelta(days=7))
        events = store.health_events("ahram")
        broken_events = store.health_events("broken")

    ahram = records["ahram"]
    assert ahram.first_seen_at == NOW and ahram.last_new_item_at == NOW
    assert ahram.hourly == ((NOW.replace(minute=0), 3),)
    kinds = sorted(e.kind for e in events)
    assert kinds == ["article", "article", "article", "page_failed"]
    failed = next(e for e in events if e.kind == "page_failed")
    assert failed.error_class == "FetchError (HTTP 404)"
    assert failed.url is not None and failed.url.endswith(missing)
    articles = {e.url: e for e in events if e.kind == "article"}
    assert len(articles) == 3 and all(e.seconds is not None for e in articles.values())
    scraped = [e for e in articles.values() if not e.url or not e.url.endswith(missing)]
    # Scraped pages: the three paragraphs of the simulator's article; the failed page
    # kept only the feed's summary.
    assert all(e.body_chars and e.body_chars > 300 for e in scraped)
    assert ahram.last_error_class == "FetchError (HTTP 404)"

    (poll_failure,) = broken_events
    assert poll_failure.kind == "poll_failed"
    assert poll_failure.error_class == "FeedParseError"
    assert records["broken"].last_error == poll_failure.message


def test_a_poll_with_nothing_new_adds_no_write(site: Site, tmp_path: Path) -> None:
    partner = SimPartner("ahram", make_articles("ahram", 2))
    config = build_config(tmp_path, [("ahram", serve_partner(site, partner))], interval=60)
    with open_store(config.storage_url) as store:
        run_ingest(config, store, clock=lambda: NOW)
        later = NOW + dt.timedelta(minutes=5)
        (report,) = run_ingest(config, store, clock=lambda: later)
        assert report.status == "not_modified"
        # Nothing waits that would need a write of its own, and nothing more was stored.
        assert not health.pending(store).urgent
        record = store.health_records(since=NOW - dt.timedelta(days=7))["ahram"]
        assert record.last_new_item_at == NOW
        assert len(store.health_events("ahram")) == 2
