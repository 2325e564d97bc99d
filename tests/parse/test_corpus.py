"""parse_feed over every file of feedparser's own test corpus: no unhandled exception, and
the lxml fast path (scan_item_keys) agrees with the full parse wherever it answers."""

from __future__ import annotations

from collections import Counter

import pytest

from syndication.errors import FeedParseError
from syndication.model import PartnerFeed
from syndication.parse import parse_feed, scan_item_keys
from tests.support.factories import CORPUS, FILES, fetched_for

PARTNER = PartnerFeed(
    id="corpus", name="feedparser corpus", feed_url="http://example.com/feed", max_items=10**6
)


def test_corpus_is_complete() -> None:
    assert len(FILES) == 2107


def test_every_file_parses_or_is_rejected_with_a_named_error() -> None:
    outcomes: Counter[str] = Counter()
    unhandled: list[str] = []
    for path in FILES:
        try:
            parse_feed(fetched_for(path), PARTNER)
        except FeedParseError:
            outcomes["rejected"] += 1
        except Exception as e:  # what this test exists to catch
            unhandled.append(f"{path.relative_to(CORPUS)}: {type(e).__name__}: {e}")
        else:
            outcomes["parsed"] += 1
    print(f"\nfeedparser corpus: {dict(outcomes)}, unhandled {len(unhandled)}")
    assert unhandled == []
    assert outcomes["parsed"] + outcomes["rejected"] == len(FILES)
    # Pinned floor: almost all of feedparser's own test feeds are usable documents.
    assert outcomes["parsed"] >= 2090


@pytest.mark.parametrize("area", ["wellformed", "illformed", "encoding", "entities", "json"])
def test_fast_path_agrees_with_the_full_parse(area: str) -> None:
    answered = 0
    disagreed: list[str] = []
    for path in FILES:
        if path.relative_to(CORPUS).parts[0] != area:
            continue
        fetched = fetched_for(path)
        keys = scan_item_keys(fetched.body)
        if keys is None:
            continue
        try:
            items = parse_feed(fetched, PARTNER).items
        except FeedParseError:
            disagreed.append(f"{path.name}: fast path answered, full parse rejected")
            continue
        answered += 1
        if keys != [(i.guid, i.url) for i in items]:
            disagreed.append(path.name)
    assert disagreed == []
    if area == "wellformed":
        assert answered > 1000  # the fast path is not simply always "unsure"
