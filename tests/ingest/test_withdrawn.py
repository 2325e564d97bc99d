"""Partner withdrawals and corrections, end to end over a real HTTP site and a real store:
an item that leaves the feed with its page answering 404/410, or listed as an RFC 6721
deleted-entry, is killed; an edit is a correction under the same id."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import pytest

from syndication.ingest import run_ingest
from syndication.publish import publish_all
from syndication.store import Store
from tests.support.factories import Clock, build_config
from tests.support.httpsite import Route, Site
from tests.support.partnersim import SimPartner, edited, make_articles, rss, serve_partner

NOW = dt.datetime(2025, 9, 26, 13, 0, tzinfo=dt.UTC)


def ids_by_slug(store: Store, partner: SimPartner, site: Site) -> dict[str, str]:
    by_url = {a.url: a.id for a in store.list_articles(limit=100)}
    return {a.slug: by_url[site.url(partner.page_path(a))] for a in partner.articles}


def live(store: Store, now: dt.datetime) -> set[str]:
    return {a.id for a in store.latest(limit=100, visible_at=now)}


@pytest.mark.parametrize("with_new_item", [False, True], ids=["fast-path", "full-path"])
@pytest.mark.parametrize("status", [404, 410])
def test_an_item_gone_from_the_feed_whose_page_is_gone_is_killed(
    site: Site, store: Store, tmp_path: Path, status: int, with_new_item: bool
) -> None:
    partner = SimPartner("p", make_articles("p", 4))
    config = build_config(tmp_path, [("p", serve_partner(site, partner))], interval=60)
    clock = Clock(NOW)
    run_ingest(config, store, clock=clock)
    ids = ids_by_slug(store, partner, site)
    victim, rolled = partner.articles[1], partner.articles[3]

    # The partner takes one story down (its page now answers 404/410); another item only
    # rolls off the bottom of the feed (its page is still there).
    site.add(partner.page_path(victim), Route(b"not here", status=status))
    partner.articles.remove(victim)
    partner.articles.remove(rolled)
    if with_new_item:  # a new item as well: the poll takes the full path
        partner.articles.insert(0, make_articles("p", 5)[4])
    serve_partner(site, partner)
    clock.advance(minutes=2)
    [report] = run_ingest(config, store, clock=clock)
    assert report.status == "ok"

    assert ids[victim.slug] not in live(store, clock.now)
    assert ids[rolled.slug] in live(store, clock.now)
    killed = store.get_article(ids[victim.slug])
    assert killed is not None and killed.killed_at == clock.now
    assert f"page answers {status}" in (killed.kill_reason or "")
    [event] = store.article_history(ids[victim.slug])
    assert (event.action, event.actor) == ("withdrawn", "partner:p")
    # Each gone item's page is asked once, the rolled-off one included; not again.
    clock.advance(minutes=2)
    site.routes[partner.feed_path()].etag = False
    run_ingest(config, store, clock=clock, force=True)
    assert len(site.hits(partner.page_path(victim))) == 2  # the scrape, then the check


def test_a_deleted_entry_in_the_feed_kills_the_item_even_while_listed(
    site: Site, store: Store, tmp_path: Path
) -> None:
    partner = SimPartner("p", make_articles("p", 3))
    config = build_config(tmp_path, [("p", serve_partner(site, partner))], interval=60)
    clock = Clock(NOW)
    run_ingest(config, store, clock=clock)
    ids = ids_by_slug(store, partner, site)
    target = partner.articles[2]

    body = rss(site.url(""), partner).decode()
    body = body.replace(
        "<rss ", '<rss xmlns:at="http://purl.org/atompub/tombstones/1.0" ', 1
    ).replace(
        "</channel>",
        f'<at:deleted-entry ref="{target.guid}" when="2025-09-26T13:01:00Z">'
        "<at:comment>سحب الخبر</at:comment></at:deleted-entry></channel>",
    )
    site.add(partner.feed_path(), Route(body.encode()))
    clock.advance(minutes=2)
    run_ingest(config, store, clock=clock)
    assert ids[target.slug] not in live(store, clock.now)
    assert live(store, clock.now) == {ids[a.slug] for a in partner.articles[:2]}
    # It stays down although the partner still lists the item.
    clock.advance(minutes=2)
    site.routes[partner.feed_path()].etag = False
    run_ingest(config, store, clock=clock, force=True)
    assert ids[target.slug] not in live(store, clock.now)


def test_a_partner_edit_is_a_correction_under_the_same_id(
    site: Site, store: Store, tmp_path: Path
) -> None:
    partner = SimPartner("p", make_articles("p", 2))
    config = build_config(tmp_path, [("p", serve_partner(site, partner))], interval=60)
    clock = Clock(NOW)
    run_ingest(config, store, clock=clock)
    publish_all(config, store, now=clock.now)
    ids = ids_by_slug(store, partner, site)
    partner.articles[0] = edited(partner.articles[0], title="عنوان مصحح بعد الخطأ")
    serve_partner(site, partner)
    clock.advance(minutes=3)
    [report] = run_ingest(config, store, clock=clock)
    assert (report.new, report.updated) == (0, 1)
    fixed = store.get_article(ids[partner.articles[0].slug])
    assert fixed is not None and fixed.title == "عنوان مصحح بعد الخطأ"
    assert fixed.revision == 2 and fixed.updated == clock.now
    assert store.count_articles() == 2
    assert [e.action for e in store.article_history(fixed.id)] == ["correction"]
    publish_all(config, store, now=clock.now)
    entries = feedparser.parse((tmp_path / "feeds" / "main.atom.xml").read_bytes()).entries
    assert len(entries) == 2  # corrected in place, nothing duplicated
    [entry] = [e for e in entries if e.title == "عنوان مصحح بعد الخطأ"]
    assert entry.updated.startswith(f"{clock.now:%Y-%m-%dT%H:%M:%S}")


def test_an_embargo_from_the_partner_field_holds_the_item_until_its_time(
    site: Site, store: Store, tmp_path: Path
) -> None:
    partner = SimPartner("p", make_articles("p", 2))
    base = site.url("")
    until = NOW + dt.timedelta(hours=1)
    body = rss(base, partner).decode()
    body = body.replace("<rss ", '<rss xmlns:nh="https://newshub.example/ns" ', 1)
    body = body.replace("</item>", f"<nh:embargo>{until.isoformat()}</nh:embargo></item>", 1)
    serve_partner(site, partner)
    site.add(partner.feed_path(), Route(body.encode()))
    config = build_config(
        tmp_path, [("p", site.url(partner.feed_path()))], embargo_field="nh:embargo"
    )
    clock = Clock(NOW)
    run_ingest(config, store, clock=clock)
    held = ids_by_slug(store, partner, site)[partner.articles[0].slug]
    out = tmp_path / "feeds"

    publish_all(config, store, now=clock.now)
    assert partner.articles[0].title not in (out / "main.rss.xml").read_text("utf-8")
    clock.now = until - dt.timedelta(seconds=1)
    publish_all(config, store, now=clock.now)
    assert partner.articles[0].title not in (out / "main.rss.xml").read_text("utf-8")
    clock.now = until
    publish_all(config, store, now=clock.now)
    main = (out / "main.rss.xml").read_text("utf-8")
    assert partner.articles[0].title in main
    assert main.index(partner.articles[0].title) < main.index(partner.articles[1].title)
    assert held in live(store, until)
