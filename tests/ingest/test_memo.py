"""The fast path's decision (`Memo.skip`), one reason at a time, without a store: the
stored item hashes are a dict the test holds. `remember`, `load` and `dump` beside it."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from syndication.ingest.ids import fast_ids
from syndication.ingest.memo import Memo, Skip, memo_context
from syndication.model import Fetched, PartnerFeed
from syndication.parse import ItemScan, scan_items

PARTNER = PartnerFeed(id="p", name="شريك", feed_url="https://p.example/feed.xml")
CONTEXT = "c" * 32


def feed(*items: tuple[str, str], ttl: int | None = 5) -> bytes:
    entries = "".join(
        f"<item><title>{title}</title><link>https://p.example/{guid}</link>"
        f'<guid isPermaLink="false">{guid}</guid></item>'
        for guid, title in items
    )
    channel = f"<ttl>{ttl}</ttl>" if ttl is not None else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>شريك</title>'
        f"{channel}{entries}</channel></rss>"
    ).encode()


BODY = feed(("a1", "البنك المركزي يبقي الفائدة"), ("a2", "افتتاح معرض الكتاب"))


class Stored:
    """The store's item hashes by article id, and the lookups asked of it."""

    def __init__(self, hashes: Mapping[str, str]) -> None:
        self.hashes = dict(hashes)
        self.asked: list[list[str]] = []

    def __call__(self, ids: Collection[str]) -> Mapping[str, str]:
        self.asked.append(list(ids))
        return {i: self.hashes[i] for i in ids if i in self.hashes}


def remembered(body: bytes = BODY, partner: PartnerFeed = PARTNER) -> tuple[Memo, Stored]:
    """The memo a full parse of *body* leaves, and a store holding its items as stored."""
    scan = scan_items(body)
    assert scan is not None
    plan = fast_ids(partner, scan)
    assert plan is not None
    ids, identity = plan
    hashes = {key: f"hash-{key}" for key, _ in ids}
    memo = Memo.remember(None, partner, scan, CONTEXT, identity, hashes)
    assert memo is not None
    return memo, Stored(hashes)


def skip(
    memo: Memo,
    stored: Stored,
    body: bytes = BODY,
    *,
    partner: PartnerFeed = PARTNER,
    context: str = CONTEXT,
    by_url: bool = False,
) -> Skip | None:
    return memo.skip(partner, context, body, by_url=by_url, stored=stored)


def test_every_item_known_and_untouched_skips_with_count_identity_and_ttl() -> None:
    memo, stored = remembered()
    assert skip(memo, stored) == Skip(items=2, identity="guid", ttl=5)
    assert len(stored.asked) == 1 and len(stored.asked[0]) == 2  # one lookup for all


def test_new_channel_bytes_around_the_same_items_still_skip() -> None:
    memo, stored = remembered()
    body = BODY.replace(b"<ttl>5</ttl>", b"<ttl>30</ttl><lastBuildDate>x</lastBuildDate>")
    assert skip(memo, stored, body) == Skip(items=2, identity="guid", ttl=30)


def test_a_tombstoned_item_counts_as_untouched() -> None:
    memo, stored = remembered()
    stored.hashes[next(iter(stored.hashes))] = ""  # deleted by us: stays deleted
    assert skip(memo, stored) is not None


def test_no_when_the_context_changed_and_the_store_is_not_asked() -> None:
    memo, stored = remembered()
    assert skip(memo, stored, context="d" * 32) is None
    assert stored.asked == []


def test_no_for_an_unknown_digest() -> None:
    memo, stored = remembered()
    body = feed(("a1", "البنك المركزي يبقي الفائدة"), ("a2", "افتتاح معرض الكتاب"), ("a3", "جديد"))
    assert skip(memo, stored, body) is None
    assert stored.asked == []


def test_no_for_an_edited_item() -> None:
    memo, stored = remembered()
    body = feed(("a1", "البنك المركزي يرفع الفائدة"), ("a2", "افتتاح معرض الكتاب"))
    assert skip(memo, stored, body) is None


def test_no_when_the_id_was_remembered_with_another_digest() -> None:
    memo, stored = remembered()
    key = next(iter(memo.items))
    items = dict(memo.items)
    items[key] = ("another digest", items[key][1])
    assert skip(Memo(memo.context, items, memo.keys), stored) is None


def test_no_when_the_stored_item_hash_differs_or_is_gone() -> None:
    memo, stored = remembered()
    key = next(iter(stored.hashes))
    stored.hashes[key] = "edited behind the memo's back"
    assert skip(memo, stored) is None
    del stored.hashes[key]  # unknown to the store
    assert skip(memo, stored) is None


def test_no_over_max_items() -> None:
    memo, stored = remembered()
    few = PartnerFeed(id="p", name="شريك", feed_url=PARTNER.feed_url, max_items=1)
    assert skip(memo, stored, partner=few) is None


def test_no_without_items_or_for_a_document_the_scan_refuses() -> None:
    memo, stored = remembered()
    assert skip(memo, stored, feed()) is None
    assert skip(memo, stored, b"not a feed") is None


def test_by_url_names_the_items_by_their_links() -> None:
    scan = scan_items(BODY)
    assert scan is not None
    plan = fast_ids(PARTNER, scan, by_url=True)
    assert plan is not None and plan[1] == "url"
    hashes = {key: "h" for key, _ in plan[0]}
    memo = Memo.remember(None, PARTNER, scan, CONTEXT, "url", hashes)
    assert memo is not None
    stored = Stored(hashes)
    assert skip(memo, stored, by_url=True) == Skip(items=2, identity="url", ttl=5)
    assert skip(memo, stored) is None  # by guid the ids are others


def test_remember_writes_only_what_changed() -> None:
    memo, _ = remembered()
    scan = scan_items(BODY)
    assert scan is not None
    hashes = {key: record[1] for key, record in memo.items.items()}
    assert Memo.remember(memo, PARTNER, scan, CONTEXT, "guid", hashes) is None
    moved = Memo.remember(memo, PARTNER, scan, "d" * 32, "guid", hashes)
    assert moved is not None and moved.context == "d" * 32
    # Nothing to remember (only the full path can name guid- and link-less items): no row.
    unnamed = ItemScan(((None, None), (None, None)), scan.digests, scan.ttl)
    assert Memo.remember(None, PARTNER, unnamed, CONTEXT, "guid", {}) is None
    # …but a stale memo is replaced by the empty one.
    assert Memo.remember(memo, PARTNER, unnamed, CONTEXT, "guid", {}) == Memo(CONTEXT, {}, {})


def test_load_reads_what_dump_wrote_and_refuses_junk() -> None:
    memo, _ = remembered()
    assert Memo.load(memo.dump()) == memo
    assert Memo.load(None) is None and Memo.load("") is None
    assert Memo.load("{not json") is None and Memo.load("[]") is None
    # A malformed entry is left out, so its item takes the full path.
    junk = Memo.load('{"context": "c", "items": {"x": "y"}, "keys": {"d": [1]}}')
    assert junk == Memo("c", {}, {})


def test_the_context_covers_the_partner_the_final_url_and_the_content_type() -> None:
    fetched = Fetched(
        url=PARTNER.feed_url,
        final_url=PARTNER.feed_url,
        status=200,
        headers=(("content-type", "application/rss+xml"),),
        body=BODY,
    )
    base = memo_context(PARTNER, fetched)
    assert base == memo_context(PARTNER, fetched)
    moved = Fetched(fetched.url, "https://p.example/other.xml", 200, fetched.headers, BODY)
    assert memo_context(PARTNER, moved) != base
    retyped = Fetched(fetched.url, fetched.final_url, 200, (("content-type", "text/xml"),), BODY)
    assert memo_context(PARTNER, retyped) != base
    other = PartnerFeed(id="p", name="شريك", feed_url=PARTNER.feed_url, max_items=7)
    assert memo_context(other, fetched) != base
