"""media:description is an image's caption: never an item's body or summary.

feedparser files it as a second <description>; a feed-only article (no page scraped) then
took the caption for its body. Wherever the caption sits (item level, in media:content,
in media:group, before or after the description), the body comes from content:encoded or
the description, and the caption stays with its image.
"""

from __future__ import annotations

import datetime as dt

import pytest

from syndication.model import FeedItem, Fetched, PartnerFeed
from syndication.normalize import to_article
from syndication.parse import parse_feed, scan_item_keys

PARTNER = PartnerFeed(id="wafa", name="وكالة الشريك", feed_url="https://partner.example/rss")
DESCRIPTION = "أعلنت الحكومة اليوم خطة جديدة لتحسين الخدمات العامة في المدن"
CAPTION = "صورة من موقع الحدث في وسط المدينة"
BODY = "<p>النص الكامل للخبر كما نشره الشريك على موقعه</p>"
IMAGE = '<media:content url="https://img.partner.example/1.jpg" medium="image">'
CAPTIONED = f"{IMAGE}<media:description>{CAPTION}</media:description></media:content>"
ITEM_CAPTION = (
    f'{IMAGE}</media:content><media:description type="plain">{CAPTION}</media:description>'
)
GROUP = (
    f"<media:group>{IMAGE}</media:content>"
    f"<media:description>{CAPTION}</media:description></media:group>"
)


def parse(item: str) -> FeedItem:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        "<channel><title>الشريك</title><item><title>خبر</title>"
        f"<link>https://partner.example/news/1</link><guid>n-1</guid>{item}"
        "</item></channel></rss>"
    ).encode()
    url = PARTNER.feed_url
    fetched = Fetched(
        url=url,
        final_url=url,
        status=200,
        headers=(("content-type", "application/rss+xml"),),
        body=body,
    )
    [parsed] = parse_feed(fetched, PARTNER).items
    # The fast path reads keys only; it must still agree on this item.
    assert scan_item_keys(body) == [(parsed.guid, parsed.url)]
    return parsed


def description() -> str:
    return f"<description>{DESCRIPTION}</description>"


PLACES = {
    "in media:content, after the description": description() + CAPTIONED,
    "in media:content, before the description": CAPTIONED + description(),
    "at item level, after the description": description() + ITEM_CAPTION,
    "at item level, before the description": ITEM_CAPTION + description(),
    "in media:group, after the description": description() + GROUP,
    "in media:group, before the description": GROUP + description(),
}


@pytest.mark.parametrize("place", PLACES)
def test_the_caption_is_neither_content_nor_summary(place: str) -> None:
    item = parse(PLACES[place])
    assert item.content_html is None
    assert item.summary == DESCRIPTION
    assert [i.caption for i in item.images] == [CAPTION]


@pytest.mark.parametrize("place", PLACES)
def test_content_encoded_stays_the_content(place: str) -> None:
    encoded = "<content:encoded><![CDATA[" + BODY + "]]></content:encoded>"
    for xml in (PLACES[place] + encoded, encoded + PLACES[place]):
        item = parse(xml)
        assert item.content_html == BODY
        assert item.summary == DESCRIPTION
        assert [i.caption for i in item.images] == [CAPTION]


def test_a_feed_only_article_takes_its_body_from_the_description() -> None:
    item = parse(CAPTIONED + description())
    article = to_article(
        PARTNER,
        item,
        None,
        article_id="a",
        item_hash="h",
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert DESCRIPTION in article.body_html
    assert CAPTION not in article.body_html
    assert [i.caption for i in article.images] == [CAPTION]
