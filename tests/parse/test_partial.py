"""`parse_feed_items` (feedparser over some items, the others cut out of the bytes) against
`parse_feed` over the whole document: wherever it answers, the items it returns are exactly
the whole parse's items at the indices kept, and the feed's own fields are the same.

Inputs: every multi-item document of feedparser's corpus and of tests/data/feeds, the
simulator's partner feeds, and documents built so that cutting an item would take other
markup with it or change how the bytes are read (those must be refused).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Collection

import pytest

from syndication.errors import FeedParseError
from syndication.model import Fetched, PartnerFeed
from syndication.parse import ItemScan, cut_items, parse_feed, parse_feed_items, scan_items
from tests.support import DATA
from tests.support import simulator as sim
from tests.support.factories import FILES, fetched_for

BASE = "http://127.0.0.1:8080"
OUR_FEEDS = sorted(p for p in (DATA / "feeds").iterdir() if p.suffix in (".xml", ".rdf"))


def _partner(url: str, **settings: object) -> PartnerFeed:
    options: dict[str, object] = {"max_items": 10**6, "scrape": False, **settings}
    return PartnerFeed(id="p1", name="شريك", feed_url=url, **options)  # type: ignore[arg-type]


def _fetched(body: bytes, content_type: str = "application/rss+xml; charset=utf-8") -> Fetched:
    url = "https://partner.example/feed.xml"
    headers = (("content-type", content_type),)
    return Fetched(url=url, final_url=url, status=200, headers=headers, body=body)


def _drops(n: int, *, rng: random.Random) -> list[tuple[int, ...]]:
    """Which items to leave out: all but the last, every other one, the first, a random set."""
    return [
        tuple(range(n - 1)),
        tuple(range(0, n - 1, 2)),
        (0,),
        tuple(sorted(rng.sample(range(n - 1), rng.randint(1, n - 1)))),
    ]


def _compare(fetched: Fetched, partner: PartnerFeed, drop: Collection[int]) -> bool:
    """True when parse_feed_items answered (and agreed); False when it declined."""
    scan = scan_items(fetched.body)
    assert scan is not None
    partial = parse_feed_items(fetched, partner, scan, drop)
    if partial is None:
        return False
    whole = parse_feed(fetched, partner)
    assert len(whole.items) == len(scan.keys), fetched.url
    kept = tuple(item for i, item in enumerate(whole.items) if i not in set(drop))
    assert partial.items == kept, (fetched.url, drop)
    assert dataclasses.replace(partial, items=()) == dataclasses.replace(whole, items=()), (
        fetched.url
    )
    return True


def _tally(
    documents: list[Fetched], drops: Callable[[ItemScan], list[tuple[int, ...]]]
) -> tuple[int, int]:
    """(answered, declined) over each multi-item document and each of its `drops`; every
    answer is checked against the whole parse."""
    answered = declined = 0
    for fetched in documents:
        partner = _partner(fetched.url)
        scan = _multi_item(fetched, partner)
        if scan is None:
            continue
        for drop in drops(scan):
            if _compare(fetched, partner, drop):
                answered += 1
            else:
                declined += 1
    print(f"answered {answered}, declined {declined}")
    return answered, declined


def _multi_item(fetched: Fetched, partner: PartnerFeed) -> ItemScan | None:
    scan = scan_items(fetched.body)
    if scan is None or len(scan.keys) < 2:
        return None
    try:
        parse_feed(fetched, partner)
    except FeedParseError:
        return None
    return scan


def test_partial_parse_gives_the_whole_parses_items_on_the_corpus_and_our_feeds() -> None:
    rng = random.Random(17)
    documents = [fetched_for(path) for path in FILES if path.suffix == ".xml"]
    documents += [_fetched(path.read_bytes()) for path in OUR_FEEDS]
    answered, declined = _tally(documents, lambda scan: _drops(len(scan.keys), rng=rng))
    # Most corpus files hold one item; the multi-item ones and ours are compared.
    assert answered >= 20, (answered, declined)


def _tripled(fetched: Fetched) -> Fetched | None:
    """A one-item document with its item written three times over, or None."""
    scan = scan_items(fetched.body)
    if scan is None or scan.starts is None or len(scan.keys) != 1:
        return None
    body, start = fetched.body, scan.starts[0]
    name = body[start + 1 :].split(b">", 1)[0].split()[0].rstrip(b"/")
    end = body.rfind(b"</" + name + b">")
    if end < start:
        return None  # self-closed
    item = body[start : end + len(name) + 3]
    return dataclasses.replace(
        fetched, body=body[:start] + item + b"\n" + item + b"\n" + body[start:]
    )


def test_partial_parse_gives_the_whole_parses_items_on_each_corpus_item_tripled() -> None:
    """Each one-item corpus document tests one element of an item: written three times
    over, the first one or two are cut, and the rest must be what the whole parse gives."""
    tripled = [_tripled(fetched_for(path)) for path in FILES if path.suffix == ".xml"]
    documents = [fetched for fetched in tripled if fetched is not None]
    answered, declined = _tally(documents, lambda _scan: [(0,), (0, 1), (1,)])
    assert answered >= 500, (answered, declined)


@pytest.mark.parametrize("n", [2, 5, 50])
def test_partial_parse_gives_the_whole_parses_items_on_partner_feeds(n: int) -> None:
    rng = random.Random(n)
    body = sim.feed(BASE, "p0001", sim.feed_items(BASE, "p0001", range(n - 1, -1, -1), {1}), 0)
    fetched = _fetched(body)
    partner = _partner(fetched.url)
    for drop in _drops(n, rng=rng):
        assert _compare(fetched, partner, drop), drop


def _rss(items: str, encoding: str = "utf-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>أخبار</title><link>https://news.example/</link>{items}</channel></rss>"
    ).encode(encoding)


def _item(n: int) -> str:
    return (
        f"<item><title>خبر رقم {n}</title><link>https://news.example/{n}</link>"
        f"<guid>https://news.example/{n}</guid></item>"
    )


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("a comment after the item", _rss(_item(1) + "<!-- c -->" + _item(2) + _item(3))),
        ("a channel element after the item", _rss(_item(1) + "<ttl>5</ttl>" + _item(2) + _item(3))),
        ("a self-closed item", _rss("<item/>" + _item(2) + _item(3))),
        ("an end tag spelt with a space", _rss(_item(1).replace("</item>", "</item >") + _item(2))),
    ],
)
def test_an_item_that_cannot_be_cut_alone_is_refused(label: str, body: bytes) -> None:
    scan = scan_items(body)
    assert scan is not None, label
    assert cut_items(body, scan, [0]) is None, label
    assert parse_feed_items(_fetched(body), _partner("https://partner.example/"), scan, [0]) is None


def test_what_decides_the_reading_of_the_bytes_is_never_cut() -> None:
    items = "".join(_item(n) for n in range(3))
    # A legacy charset: the bytes would be re-encoded, or guessed from what is left.
    legacy = _rss(items, "windows-1256")
    scan = scan_items(legacy)
    assert scan is not None
    fetched = _fetched(legacy, "application/rss+xml")
    assert parse_feed_items(fetched, _partner(fetched.url), scan, [0]) is None
    # The last item carries the end of the document; a forced charset; a date cut.
    plain = _rss(items)
    scan = scan_items(plain)
    assert scan is not None
    fetched = _fetched(plain)
    assert cut_items(plain, scan, [2]) is None
    assert parse_feed_items(fetched, _partner(fetched.url), scan, [2]) is None
    assert parse_feed_items(fetched, _partner(fetched.url, encoding="utf-8"), scan, [0]) is None
    assert parse_feed_items(fetched, _partner(fetched.url, max_items=2), scan, [0]) is None
    # And the one that can: the other two items, as the whole parse has them.
    assert _compare(fetched, _partner(fetched.url), [0, 1])
