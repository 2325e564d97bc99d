"""The helpers around one article page: the -v summary of a scrape and file: feeds' root.

Building articles from pages (failures kept as the feed's text, edits, stopping) is
tested end to end in test_poll.py and test_health_notes.py."""

from __future__ import annotations

from pathlib import Path

from syndication.ingest.pages import _charset, file_root, found_fields
from syndication.model import Block, Image, Scraped


def test_found_fields_counts_what_a_wrong_rule_would_lose() -> None:
    scraped = Scraped(
        url="https://a.example/x",
        title="عنوان",
        urgent=False,
        published=None,
        updated=None,
        author=None,
        categories=(),
        summary=None,
        blocks=(Block("p", "نص"), Block("h2", "عنوان فرعي"), Block("p", "نص آخر")),
        images=(Image("https://a.example/i.jpg", caption="صورة"),),
        body_html="",
        language="ar",
    )
    assert found_fields(scraped) == (
        "title yes, 2 paragraphs, 1 subheading, 1 image, 1 caption, date no, urgent no"
    )


def test_a_file_feed_reaches_only_its_own_folder() -> None:
    assert file_root("https://a.example/feed.xml") is None
    assert file_root((Path("/srv/feeds") / "a" / "feed.xml").as_uri()) == str(Path("/srv/feeds/a"))


def test_the_charset_of_a_content_type() -> None:
    assert _charset('text/html; charset="windows-1256"; x=y') == "windows-1256"
    assert _charset("text/html") is None and _charset("text/html; charset=") is None
