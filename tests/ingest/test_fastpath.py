"""The ingest fast path (lxml scan + remembered item digests) against the full feedparser
path, on the whole corpus: the same article ids, and the same decision about every feed.

For each document the fast path answers for, with a real SQLite store:

1. ids: `fast_ids` (from the scan) == the ids the full path derives from `parse_feed`;
2. first poll (full path) stores every item and remembers its digests;
3. the same bytes again: the full path finds nothing to do, and the memo's `skip` skips
   feedparser with the same count of unchanged items;
4. one stored article edited behind our back: the full path finds work (an update), and
   `skip` refuses.

The memo's decisions one by one are in test_memo.py.

Plus end-to-end polls over the `site` fixture: new bytes with known items skip
feedparser and save the new validators; an edited item goes through feedparser.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syndication.errors import FeedParseError
from syndication.fetch import Fetcher
from syndication.ingest import Ingester, article_id, fast_ids, poll
from syndication.ingest.ids import dedupe
from syndication.ingest.memo import Memo, Skip, memo_context
from syndication.ingest.poll import Quick
from syndication.model import Fetched, IngestReport, ParsedFeed, PartnerFeed, PartnerState
from syndication.parse import (
    guids_unreliable,
    parse_feed,
    parse_feed_items,
    scan_digests,
    scan_items,
)
from syndication.store import Store, open_store
from tests.support import DATA
from tests.support.factories import CORPUS, FILES, build_config, fetched_for
from tests.support.httpsite import Route, Site

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
AREAS = ["wellformed", "illformed", "encoding", "entities", "json"]
OUR_FEEDS = sorted(p for p in (DATA / "feeds").iterdir() if p.suffix in (".xml", ".rdf", ".json"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("fastpath") / "store.db"
    s = open_store(f"sqlite:///{path}")
    yield s
    s.close()


def _partner(n: int, url: str) -> PartnerFeed:
    # scrape off: the decisions under test are about feed items, not pages
    return PartnerFeed(id=f"c{n}", name="corpus", feed_url=url, max_items=10**6, scrape=False)


def _full(ingester: Ingester, partner: PartnerFeed, parsed: ParsedFeed) -> IngestReport:
    """The full path's items and store stages; the report, asserting every item taken."""
    stored = ingester._store(
        partner, ingester._items(partner, PartnerState(partner.id), parsed), NOW
    )
    assert stored.complete
    return stored.report


def _skip(ingester: Ingester, partner: PartnerFeed, memo: Memo, fetched: Fetched) -> Skip | None:
    context = memo_context(partner, fetched)
    known = ingester.store.known_item_hashes
    return memo.skip(partner, context, fetched.body, by_url=False, stored=known)


def _check(ingester: Ingester, partner: PartnerFeed, fetched: Fetched) -> str:
    """Run the four steps for one document; returns "skipped" or why it was not compared."""
    scan = scan_items(fetched.body)
    if scan is None:
        return "unsure"
    # The hot path reads digests only; they must be the very digests the full scan takes.
    digests = scan_digests(fetched.body)
    assert digests is not None and digests.digests == scan.digests, fetched.url
    assert digests.ttl == scan.ttl, fetched.url
    try:
        parsed = parse_feed(fetched, partner)
    except FeedParseError:
        # The fast path only runs with a memo, and a memo only follows a successful parse.
        return "rejected"
    items = list(parsed.items)
    identity = "url" if guids_unreliable(items) else "guid"
    full_ids = [key for key, _ in dedupe((article_id(partner.id, i, identity), i) for i in items)]
    plan = fast_ids(partner, scan)
    if plan is None:
        return "no ids"  # guid-less, link-less items: only the full path can name them
    # 1. the same ids, in the same order, with the same identity
    assert [key for key, _ in plan[0]] == full_ids, partner.feed_url
    assert plan[1] == identity, partner.feed_url

    # 2. first poll, full path: everything new
    named = ingester._items(partner, PartnerState(partner.id), parsed)
    stored = ingester._store(partner, named, NOW)
    assert stored.complete and stored.report.new == len(full_ids)
    context = memo_context(partner, fetched)
    ingester._remember(partner, scan, Quick(None, None, context), named)
    if not full_ids:
        return "empty"
    memo = ingester._memo(partner.id)
    assert memo is not None and memo.context == context

    # 3. the same document again: both paths see nothing to do
    report = _full(ingester, partner, parsed)
    assert report.new == report.updated == 0 and report.unchanged == len(full_ids)
    skip = Skip(len(full_ids), identity, digests.ttl)
    assert _skip(ingester, partner, memo, fetched) == skip

    # 4. an article edited behind our back: the full path updates it, the fast path refuses
    first = ingester.store.get_article(full_ids[0])
    assert first is not None
    tampered = dataclasses.replace(
        first, title=first.title + " (edited)", content_hash="tampered", item_hash="tampered"
    )
    assert ingester.store.upsert_article(tampered) == "updated"
    assert _skip(ingester, partner, memo, fetched) is None
    report = _full(ingester, partner, parsed)
    assert report.updated == 1 and report.unchanged == len(full_ids) - 1
    assert _skip(ingester, partner, memo, fetched) == skip
    return "skipped"


@pytest.mark.parametrize("area", AREAS)
def test_fast_path_and_feedparser_path_agree_on_the_corpus(store: Store, area: str) -> None:
    config = build_config(Path("/nonexistent"))
    ingester = Ingester(config, store, Fetcher(config.fetch))
    outcomes: dict[str, int] = {}
    for n, path in enumerate(FILES):
        if path.relative_to(CORPUS).parts[0] != area:
            continue
        fetched = fetched_for(path)
        outcome = _check(ingester, _partner(n, fetched.url), fetched)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if area == "wellformed":
        # Most corpus files test one element of an item with neither guid nor link ("no ids"),
        # or have no item at all; the rest are compared in full.
        assert outcomes.get("skipped", 0) >= 50, outcomes


def test_fast_path_and_feedparser_path_agree_on_our_feeds(store: Store) -> None:
    config = build_config(Path("/nonexistent"))
    ingester = Ingester(config, store, Fetcher(config.fetch))
    outcomes = []
    for n, path in enumerate(OUR_FEEDS):
        url = "https://partner.example/" + path.name
        headers = (("content-type", "application/rss+xml; charset=utf-8"),)
        fetched = Fetched(
            url=url, final_url=url, status=200, headers=headers, body=path.read_bytes()
        )
        outcomes.append(_check(ingester, _partner(10_000 + n, url), fetched))
    assert outcomes.count("skipped") >= 2, outcomes


def test_digests_change_with_the_item_and_only_with_it() -> None:
    body = (DATA / "feeds" / "rss2_ar.xml").read_bytes()
    before = scan_items(body)
    assert before is not None and len(before.digests) >= 2
    # New channel-level bytes (a build date) leave every item's digest alone…
    channel = body.replace(
        b"<channel>", b"<channel><lastBuildDate>Sun, 01 Mar 2026 12:00:00 GMT</lastBuildDate>", 1
    )
    same = scan_items(channel)
    assert same is not None and same.digests == before.digests
    # …an edited title changes that item's digest and no other.
    first_title = body.index(b"<title>", body.index(b"<item"))
    edited = body[: first_title + 7] + b"X" + body[first_title + 7 :]
    after = scan_items(edited)
    assert after is not None
    assert after.digests[0] != before.digests[0] and after.digests[1:] == before.digests[1:]
    # The same item bytes under another namespace binding mean something else.
    rebound = body.replace(
        b'xmlns:media="http://search.yahoo.com/mrss/"',
        b'xmlns:media="http://example.com/other/"',
        1,
    )
    if rebound != body:
        other = scan_items(rebound)
        assert other is not None and other.digests != before.digests


# --- end to end over HTTP ---------------------------------------------------------------------


def _feed(items: list[tuple[str, str]], build: int) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://news.example/{guid}</link>"
        f'<guid isPermaLink="false">{guid}</guid><description>نص الخبر {guid}</description></item>'
        for guid, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>شريك</title>'
        f"<link>https://news.example/</link><description>أخبار</description>"
        f"<lastBuildDate>Sun, 01 Mar 2026 12:{build:02d}:00 GMT</lastBuildDate>{entries}"
        "</channel></rss>"
    ).encode()


def test_new_bytes_with_known_items_skip_feedparser_and_keep_validators(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = [("a1", "البنك المركزي يبقي الفائدة"), ("a2", "افتتاح معرض الكتاب")]
    url = site.add("/feed.xml", Route(_feed(items, 0), etag=True))
    config = build_config(tmp_path, [("p1", url)], scrape=False, interval=60)
    store = open_store(config.storage_url)
    parses: list[str] = []

    def counted(fetched: Fetched, partner: PartnerFeed) -> ParsedFeed:
        parses.append(partner.id)
        return parse_feed(fetched, partner)

    monkeypatch.setattr(poll, "parse_feed", counted)  # the module whose poll calls it
    clock = [NOW]
    with Fetcher(config.fetch) as fetcher:
        ingester = Ingester(config, store, fetcher, clock=lambda: clock[0])
        partner = config.partners[0]
        first = ingester.partner(partner)
        assert (first.status, first.new, parses) == ("ok", 2, ["p1"])

        # New bytes (the build date), same items: no feedparser, the new ETag saved.
        site.add("/feed.xml", Route(_feed(items, 5), etag=True))
        clock[0] += dt.timedelta(minutes=2)
        second = ingester.partner(partner)
        assert (second.status, second.new, second.unchanged) == ("ok", 0, 2)
        assert parses == ["p1"]
        state = store.get_partner_state("p1")
        assert state is not None and state.etag is not None
        clock[0] += dt.timedelta(minutes=2)
        third = ingester.partner(partner)
        assert third.status == "not_modified"  # the saved validator was sent and honoured
        assert site.hits("/feed.xml")[-1].headers.get("if-none-match") == state.etag

        # An edited item: through feedparser, stored as an update.
        edited = [("a1", "البنك المركزي يرفع الفائدة"), items[1]]
        site.add("/feed.xml", Route(_feed(edited, 9), etag=True))
        clock[0] += dt.timedelta(minutes=2)
        fourth = ingester.partner(partner)
        assert (fourth.updated, fourth.unchanged) == (1, 1)
        assert parses == ["p1", "p1"]
    store.close()


def test_a_feed_with_new_items_among_known_ones_parses_only_the_new_ones(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """feedparser reads the new items (and the last, which carries the document's end);
    the stored articles are those of an ingest that parses every item every time."""
    first = [(f"a{n}", f"خبر رقم {n}") for n in range(6)]
    second = [("b1", "عاجل: خبر جديد"), *first[:2], ("b2", "خبر جديد آخر"), *first[2:]]
    edited = [(g, t + " (محدث)" if g == "a3" else t) for g, t in second]
    feeds = [_feed(first, 0), _feed(second, 5), _feed(edited, 9)]
    read: list[int] = []

    def counted(*args: Any) -> ParsedFeed | None:
        parsed = parse_feed_items(*args)
        read.append(-1 if parsed is None else len(parsed.items))
        return parsed

    monkeypatch.setattr(poll, "parse_feed_items", counted)

    def ingest(fast: bool) -> list[tuple[str, ...]]:
        url = site.add(f"/{fast}/feed.xml", Route(feeds[0], etag=True))
        config = build_config(tmp_path / str(fast), [("p1", url)], scrape=False, interval=60)
        store = open_store(config.storage_url)
        clock = [NOW]
        with Fetcher(config.fetch) as fetcher:
            ingester = Ingester(config, store, fetcher, clock=lambda: clock[0], fast_path=fast)
            reports = []
            for body in feeds:
                site.add(f"/{fast}/feed.xml", Route(body, etag=True))
                reports.append(ingester.partner(config.partners[0]))
                clock[0] += dt.timedelta(minutes=2)
        counts = [(r.status, r.new, r.updated, r.unchanged) for r in reports]
        assert counts == [("ok", 6, 0, 0), ("ok", 2, 0, 6), ("ok", 0, 1, 7)], fast
        articles = store.list_articles()
        store.close()
        return [(a.id, a.title, a.url or "", str(a.urgent), a.item_hash) for a in articles]

    fast, slow = ingest(True), ingest(False)
    # The second poll: b1, b2 and a5 (the last item) read; the third: a3 and a5.
    assert read == [3, 2]
    assert fast == slow and len(fast) == 8


def test_a_feed_whose_last_parse_drew_warnings_is_parsed_whole(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parser warnings are about the whole document: a part of it cannot clear them."""
    first = [(f"a{n}", f"خبر رقم {n}") for n in range(4)]
    url = site.add("/feed.xml", Route(_feed(first, 0), etag=True))
    config = build_config(tmp_path, [("p1", url)], scrape=False, interval=60)
    store = open_store(config.storage_url)
    cut: list[object] = []

    def counted(*args: Any) -> ParsedFeed | None:
        cut.append(args)
        return parse_feed_items(*args)

    monkeypatch.setattr(poll, "parse_feed_items", counted)
    with Fetcher(config.fetch) as fetcher:
        ingester = Ingester(config, store, fetcher, clock=lambda: NOW + dt.timedelta(hours=1))
        assert ingester.partner(config.partners[0]).new == 4
        state = store.get_partner_state("p1")
        assert state is not None
        store.save_partner_state(dataclasses.replace(state, warnings=("SAXParseException",)))
        site.add("/feed.xml", Route(_feed([("b1", "خبر جديد"), *first], 5), etag=True))
        ingester = Ingester(config, store, fetcher, clock=lambda: NOW + dt.timedelta(hours=2))
        report = ingester.partner(config.partners[0])
    assert (report.new, report.unchanged, cut) == (1, 4, [])
    after = store.get_partner_state("p1")
    assert after is not None and after.warnings == ()  # the whole parse had none
    store.close()
