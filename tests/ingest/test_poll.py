"""End to end over a real HTTP site: partners → fetch → parse → scrape → store → feeds/."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
import pytest

from syndication.config import Config
from syndication.ingest import run_ingest
from syndication.model import IngestReport
from syndication.publish import publish_all
from syndication.store import Store
from tests.support.factories import Clock, build_config
from tests.support.httpsite import Route, Site
from tests.support.partnersim import SimPartner, edited, make_articles, rss, serve_partner

NOW = dt.datetime(2025, 9, 26, 13, 0, tzinfo=dt.UTC)


def ingest(config: Config, store: Store, clock: Clock, **kw: Any) -> dict[str, IngestReport]:
    return {r.partner_id: r for r in run_ingest(config, store, clock=clock, **kw)}


def test_partners_to_feeds_one_broken_partner_does_not_stop_the_others(
    site: Site, store: Store, tmp_path: Path
) -> None:
    good = SimPartner("good", make_articles("good", 4))
    good.articles[0] = edited(good.articles[0], urgent=True)
    url = serve_partner(site, good)
    bad_url = site.add("/broken.xml", Route(b"<rss><channel><item>", status=500))
    config = build_config(tmp_path, [("good", url), ("bad", bad_url)])
    clock = Clock(NOW)

    reports = ingest(config, store, clock)
    assert reports["good"].status == "ok" and reports["good"].new == 4
    assert reports["bad"].status == "failed" and "500" in (reports["bad"].error or "")

    published = publish_all(config, store, now=NOW)
    assert any(p.key == "main" and p.changed for p in published)
    feeds = Path(config.publish.out_dir)
    main = feedparser.parse((feeds / "main.rss.xml").read_bytes())
    assert not main.bozo and len(main.entries) == 4
    urgent = feedparser.parse((feeds / "urgent.atom.xml").read_bytes())
    assert [e.title for e in urgent.entries] == [good.articles[0].title]  # prefix stripped
    body = (feeds / "main.rss.xml").read_text(encoding="utf-8")
    for junk in (
        "تم نسخ الرابط",
        "زلزال بقوة",
        "الأكثر قراءة",
        "أضف تعليق",
        "pixel.gif",
        "<script",
    ):
        assert junk not in body
    # the caption stays bound to its image
    entry = main.entries[-1]
    assert "صورة من موقع الحدث" in entry.content[0].value

    state = store.get_partner_state("bad")
    assert state is not None and state.consecutive_errors == 1
    assert state.next_check_at is not None and state.next_check_at > NOW


def test_unchanged_feed_costs_no_parse_and_304_is_used(
    site: Site, store: Store, tmp_path: Path
) -> None:
    partner = SimPartner("p", make_articles("p", 3))
    url = serve_partner(site, partner, etag=True)
    config = build_config(tmp_path, [("p", url)], interval=60)
    clock = Clock(NOW)
    assert ingest(config, store, clock)["p"].new == 3
    clock.advance(minutes=2)
    report = ingest(config, store, clock)["p"]
    assert report.status == "not_modified"
    assert site.hits("/p/p/feed.xml")[-1].headers.get("if-none-match")

    # same bytes, no validators: recognised by hash, not parsed
    site.routes["/p/p/feed.xml"].etag = False
    clock.advance(minutes=2)
    assert ingest(config, store, clock)["p"].status == "unchanged"


def test_edit_updates_once_under_the_same_id(site: Site, store: Store, tmp_path: Path) -> None:
    partner = SimPartner("p", make_articles("p", 2))
    url = serve_partner(site, partner)
    config = build_config(tmp_path, [("p", url)], interval=60)
    clock = Clock(NOW)
    ingest(config, store, clock)
    first = store.latest(limit=10)
    original = {a.id: a for a in first}

    partner.articles[1] = edited(partner.articles[1], title="عنوان معدل بعد التحديث")
    serve_partner(site, partner)
    clock.advance(minutes=5)
    report = ingest(config, store, clock)["p"]
    assert (report.new, report.updated) == (0, 1)
    after = {a.id: a for a in store.latest(limit=10)}
    assert after.keys() == original.keys()
    changed = [a for a in after.values() if a.title == "عنوان معدل بعد التحديث"]
    assert len(changed) == 1
    before = original[changed[0].id]
    assert changed[0].published == before.published
    assert changed[0].updated > before.updated

    clock.advance(minutes=5)
    site.routes["/p/p/feed.xml"].etag = False
    serve_partner(site, partner, etag=False)
    again = ingest(config, store, clock, force=True)["p"]
    assert (again.new, again.updated) == (0, 0)


def test_deleted_article_does_not_come_back(site: Site, store: Store, tmp_path: Path) -> None:
    partner = SimPartner("p", make_articles("p", 2))
    url = serve_partner(site, partner)
    config = build_config(tmp_path, [("p", url)])
    clock = Clock(NOW)
    ingest(config, store, clock)
    victim = store.latest(limit=10)[0]
    assert store.delete_article(victim.id, "legal request")
    clock.advance(hours=1)
    report = ingest(config, store, clock, force=True)["p"]
    assert report.new == 0
    assert victim.id not in {a.id for a in store.latest(limit=10)}


def test_missing_guids_switch_to_url_identity(site: Site, store: Store, tmp_path: Path) -> None:
    articles = [replace(a, guid=None) for a in make_articles("p", 3)]
    articles[1] = replace(articles[1], guid="same")
    articles[2] = replace(articles[2], guid="same")
    partner = SimPartner("p", articles)
    url = serve_partner(site, partner)
    config = build_config(tmp_path, [("p", url)])
    report = ingest(config, store, Clock(NOW))["p"]
    assert report.new == 3  # the repeated guid did not merge two stories
    state = store.get_partner_state("p")
    assert state is not None and state.identity == "url"


def test_failed_page_keeps_feed_text_and_is_retried(
    site: Site, store: Store, tmp_path: Path
) -> None:
    partner = SimPartner("p", make_articles("p", 1))
    url = serve_partner(site, partner)
    page_path = partner.page_path(partner.articles[0])
    good_page = site.routes[page_path]
    site.add(page_path, Route(b"oops", status=503))
    config = build_config(tmp_path, [("p", url)], interval=60)
    clock = Clock(NOW)
    report = ingest(config, store, clock)["p"]
    assert report.new == 1 and len(report.failures) == 1
    stored = store.latest(limit=1)[0]
    assert stored.title == partner.articles[0].title  # the story is not lost
    assert stored.item_hash.startswith("partial:")

    site.add(page_path, good_page)
    clock.advance(minutes=2)
    retry = ingest(config, store, clock)["p"]
    assert retry.updated == 1 and not retry.failures
    assert not store.latest(limit=1)[0].item_hash.startswith("partial:")


def test_urgent_prefix_versus_adjective(site: Site, store: Store, tmp_path: Path) -> None:
    articles = make_articles("p", 2)
    articles[0] = replace(articles[0], urgent=True)
    articles[1] = replace(articles[1], title="الحكومة تصدر قرار عاجل بشأن أسعار الخبز")
    partner = SimPartner("p", articles)
    url = serve_partner(site, partner)
    config = build_config(tmp_path, [("p", url)])
    ingest(config, store, Clock(NOW))
    by_title = {a.title: a for a in store.latest(limit=10)}
    assert by_title[articles[0].title].urgent is True
    assert by_title["الحكومة تصدر قرار عاجل بشأن أسعار الخبز"].urgent is False


def test_gone_disables_and_retry_after_defers(site: Site, store: Store, tmp_path: Path) -> None:
    gone = site.add("/gone.xml", Route(b"", status=410))
    busy = site.add("/busy.xml", Route(b"", status=429, headers={"Retry-After": "7200"}))
    config = build_config(tmp_path, [("gone", gone), ("busy", busy)], interval=60)
    clock = Clock(NOW)
    ingest(config, store, clock)
    gone_state = store.get_partner_state("gone")
    busy_state = store.get_partner_state("busy")
    assert gone_state is not None and gone_state.disabled_reason
    assert busy_state is not None and busy_state.next_check_at is not None
    assert busy_state.next_check_at >= NOW + dt.timedelta(seconds=7200)
    clock.advance(minutes=5)
    reports = ingest(config, store, clock)
    assert reports["gone"].status == "disabled"
    assert reports["busy"].status == "deferred"
    assert len(site.hits("/busy.xml")) == 1  # deferred means no request at all


def test_backoff_grows_then_first_success_resets(site: Site, store: Store, tmp_path: Path) -> None:
    route = site.add("/flaky.xml", Route(b"", status=503))
    config = build_config(tmp_path, [("f", route)], interval=60)
    clock = Clock(NOW)
    delays = []
    for _ in range(4):
        ingest(config, store, clock, force=True)
        state = store.get_partner_state("f")
        assert state is not None and state.next_check_at is not None
        delays.append(state.next_check_at - clock.now)
        clock.advance(hours=7)
    assert store.get_partner_state("f").consecutive_errors == 4  # type: ignore[union-attr]
    assert all(d <= dt.timedelta(hours=6) for d in delays)
    partner = SimPartner("f", make_articles("f", 1))
    site.add("/flaky.xml", Route(serve_and_get(site, partner)))
    ingest(config, store, clock, force=True)
    state = store.get_partner_state("f")
    assert state is not None and state.consecutive_errors == 0 and state.last_error is None


def serve_and_get(site: Site, partner: SimPartner) -> bytes:
    serve_partner(site, partner)
    return site.routes[partner.feed_path()].body


def test_permanent_redirect_updates_the_feed_url(site: Site, store: Store, tmp_path: Path) -> None:
    partner = SimPartner("p", make_articles("p", 1))
    new_url = serve_partner(site, partner)
    old = site.add("/old.xml", Route(b"", status=301, headers={"Location": new_url}))
    config = build_config(tmp_path, [("p", old)])
    ingest(config, store, Clock(NOW))
    state = store.get_partner_state("p")
    assert state is not None and state.feed_url == new_url


def test_the_next_tick_a_moment_early_still_polls(site: Site, store: Store, tmp_path: Path) -> None:
    """The previous poll started a little after its tick, so the next tick comes a moment
    before `next_check_at`: that must poll, not slip a whole interval. Far too early, or
    after a failure, it must not."""
    partner = SimPartner("p", make_articles("p", 2))
    url = serve_partner(site, partner)
    config = build_config(tmp_path, [("p", url)], interval=60)
    clock = Clock(NOW)
    assert ingest(config, store, clock)["p"].status == "ok"
    state = store.get_partner_state("p")
    assert state is not None and state.next_check_at == NOW + dt.timedelta(seconds=60)

    clock.advance(seconds=30)  # half an interval: not due
    assert ingest(config, store, clock)["p"].status == "deferred"
    clock.advance(seconds=29.9)  # the next tick, 0.1 s before next_check_at
    assert ingest(config, store, clock)["p"].status != "deferred"
    assert len(site.hits(partner.feed_path())) == 2

    # After a failure the back-off is kept to the letter.
    site.add(partner.feed_path(), Route(b"", status=503))
    clock.advance(seconds=60)
    assert ingest(config, store, clock)["p"].status == "failed"
    state = store.get_partner_state("p")
    assert state is not None and state.next_check_at is not None
    clock.now = state.next_check_at - dt.timedelta(seconds=0.1)
    assert ingest(config, store, clock)["p"].status == "deferred"
    clock.now = state.next_check_at
    assert ingest(config, store, clock)["p"].status == "failed"


def _quirky_feed(site: Site, partner: SimPartner, poll: int, change: str) -> str:
    """The partner's feed with tracking parameters on every link; with change "trivial",
    each poll's bytes differ: a new lastBuildDate and new values of those parameters
    (partners stamp them per campaign, per day or per request)."""
    stamp = poll if change == "trivial" else 0
    body = rss(site.url(""), partner).decode()
    body = body.replace(
        ".html</link>",
        f".html?utm_source=rss&amp;utm_medium=feed&amp;utm_campaign=c{stamp}"
        f"&amp;fbclid=IwAR{stamp}x</link>",
    )
    # The story listed twice (the last item) came from another place on the partner's site.
    head, tail = body.rsplit("utm_source=rss", 1)
    body = head + "utm_source=homepage" + tail
    if change == "trivial":
        body = body.replace("<language>", f"<lastBuildDate>build {poll}</lastBuildDate><language>")
    return site.add(partner.feed_path(), Route(body.encode(), etag=True))


@pytest.mark.parametrize("force", [True, False], ids=["forced", "due"])
@pytest.mark.parametrize("change", ["none", "trivial"])
def test_a_stored_item_never_has_its_page_fetched_again(
    site: Site, store: Store, tmp_path: Path, change: str, force: bool
) -> None:
    """Duplicate guids, a missing guid, a story listed twice and tracking parameters in
    every link: once stored, an item's page is not fetched again while the feed says the
    same (forced polls skip validators and the same-bytes check; "due" ones follow the
    interval)."""
    articles = make_articles("p", 4)
    articles[0] = replace(articles[0], guid="urn:p:shared")
    articles[1] = replace(articles[1], guid="urn:p:shared")
    articles[2] = replace(articles[2], guid=None)
    articles.append(articles[0])  # the first story again: same page and guid
    partner = SimPartner("p", articles)
    serve_partner(site, partner)
    config = build_config(tmp_path, [("p", _quirky_feed(site, partner, 0, change))], interval=60)
    clock = Clock(NOW)

    def page_requests() -> int:
        pages = {partner.page_path(a) for a in articles}
        return sum(1 for r in site.requests if r.path.split("?", 1)[0] in pages)

    first = ingest(config, store, clock, force=force)["p"]
    assert (first.status, first.new, first.failures) == ("ok", 4, ())
    assert page_requests() == 4
    for poll in (1, 2):
        clock.advance(minutes=5)
        _quirky_feed(site, partner, poll, change)
        report = ingest(config, store, clock, force=force)["p"]
        assert report.status in ("ok", "unchanged", "not_modified"), report
        assert (report.new, report.updated, report.failures) == (0, 0, ())
        assert page_requests() == 4, f"poll {poll + 1} fetched stored pages again"
    assert store.count_articles() == 4


def test_identity_by_url_stays_when_the_repeated_guid_goes(
    site: Site, store: Store, tmp_path: Path
) -> None:
    """A story listed twice (its guid repeated) comes and goes: switching back to guid
    identity when it goes would rename every article, fetch every page again and store
    every story a second time."""
    articles = make_articles("p", 3)
    partner = SimPartner("p", [*articles, articles[0]])
    url = serve_partner(site, partner)
    config = build_config(tmp_path, [("p", url)])
    clock = Clock(NOW)
    assert ingest(config, store, clock, force=True)["p"].new == 3
    pages = {partner.page_path(a) for a in articles}
    fetched = sum(1 for r in site.requests if r.path in pages)
    for listed_twice in (False, True, False):
        partner.articles = [*articles, articles[0]] if listed_twice else list(articles)
        serve_partner(site, partner)
        clock.advance(minutes=5)
        report = ingest(config, store, clock, force=True)["p"]
        assert (report.status, report.new, report.updated) == ("ok", 0, 0)
    assert sum(1 for r in site.requests if r.path in pages) == fetched == 3
    assert store.count_articles() == 3
    state = store.get_partner_state("p")
    assert state is not None and state.identity == "url"
