"""parse.parse_feed / scan_item_keys over the Arabic feeds in tests/data/feeds and hostile input."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from syndication.errors import FeedParseError
from syndication.model import FeedItem, Fetched, PartnerFeed
from syndication.parse import guids_unreliable, parse_feed, scan_item_keys
from tests.support import DATA

FEEDS = DATA / "feeds"
PARTNER = PartnerFeed(id="wafa", name="وكالة الشريك", feed_url="https://partner.example/rss")


def fetched(
    body: bytes,
    content_type: str | None = "application/rss+xml",
    url: str = "https://partner.example/rss",
) -> Fetched:
    headers = (("content-type", content_type),) if content_type else ()
    return Fetched(url=url, final_url=url, status=200, headers=headers, body=body)


def parse_file(name: str, content_type: str | None = None, **partner: object):  # type: ignore[no-untyped-def]
    p = dataclasses.replace(PARTNER, **partner)  # type: ignore[arg-type]
    return parse_feed(fetched((FEEDS / name).read_bytes(), content_type), p)


def rss(items: str, extra: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>الشريك</title>'
        f"{extra}{items}</channel></rss>"
    ).encode()


# --- formats --------------------------------------------------------------------------


def test_rss2_arabic_items_dates_and_ttl() -> None:
    feed = parse_file("rss2_ar.xml")
    assert feed.title == "وكالة الأنباء الشريكة - آخر الأخبار"
    assert feed.ttl == 15 and feed.warnings == ()
    assert len(feed.items) == 10
    first = feed.items[0]
    assert first.guid == "partner-news-10231"
    assert first.url == "https://partner.example/news/2024/03/10/earthquake-south"
    assert first.published == dt.datetime(2024, 3, 10, 5, 15, tzinfo=dt.UTC)
    assert first.summary is not None and first.summary.startswith("أعلن المركز الوطني")
    assert "<b>" not in first.summary and "5.2" in first.summary
    assert first.author == "قسم الأخبار"
    assert first.categories == ("محليات",)


def test_media_captions_and_credits_stay_with_their_own_image() -> None:
    first = parse_file("rss2_ar.xml").items[0]
    by_url = {image.url: image for image in first.images}
    assert list(by_url) == [
        "https://cdn.partner.example/img/quake-map.jpg",
        "https://cdn.partner.example/img/quake-street.jpg",
    ]
    quake_map = by_url["https://cdn.partner.example/img/quake-map.jpg"]
    street = by_url["https://cdn.partner.example/img/quake-street.jpg"]
    assert quake_map.caption == "خريطة توضح موقع مركز الزلزال جنوب البلاد"
    assert quake_map.credit == "المركز الوطني للرصد الزلزالي"
    assert (quake_map.width, quake_map.height, quake_map.mime_type) == (1200, 800, "image/jpeg")
    assert street.caption == "مواطنون يتجمعون في أحد الشوارع بعد الهزة"
    assert street.credit == "تصوير: سامر الخطيب"


def test_media_group_enclosure_and_thumbnail() -> None:
    items = {i.guid: i for i in parse_file("rss2_ar.xml").items}
    enclosure = items["partner-news-10230"].images
    assert [(i.url, i.mime_type, i.length) for i in enclosure] == [
        ("https://cdn.partner.example/img/finance-minister.jpg", "image/jpeg", 84213)
    ]
    (group,) = items["partner-news-10227"].images  # one picture in several sizes
    assert group.url == "https://cdn.partner.example/img/final-large.jpg"
    assert group.caption == "لاعبو المنتخب يحتفلون بالتأهل إلى النهائي"
    assert group.credit == "تصوير: ليلى حداد"
    (thumb,) = items["partner-news-10226"].images
    assert (thumb.url, thumb.width) == ("https://cdn.partner.example/img/gold-thumb.jpg", 150)


def test_images_are_deduplicated_by_url() -> None:
    body = rss(
        "<item><title>خبر</title><link>https://p.example/1</link><guid>1</guid>"
        '<media:content url="https://p.example/a.jpg" medium="image">'
        "<media:description>تعليق الصورة</media:description></media:content>"
        '<media:thumbnail url="https://p.example/a.jpg" width="100"/>'
        '<enclosure url="https://p.example/a.jpg" type="image/jpeg" length="10"/>'
        "</item>"
    )
    (image,) = parse_feed(fetched(body), PARTNER).items[0].images
    assert image.caption == "تعليق الصورة" and image.width == 100 and image.length == 10


def test_atom_10() -> None:
    feed = parse_file(
        "atom_ar.xml", "application/atom+xml", feed_url="https://daily.partner.example/atom.xml"
    )
    first, second, third = feed.items
    assert first.guid == "tag:daily.partner.example,2024:article-5501"
    assert first.title == "إغلاق الطريق الساحلي بسبب الأمطار الغزيرة" and first.urgent
    assert first.published == dt.datetime(2024, 3, 10, 6, 30, tzinfo=dt.UTC)
    assert first.updated == dt.datetime(2024, 3, 10, 6, 45, tzinfo=dt.UTC)
    assert first.author == "مراسلنا في المدينة الساحلية"
    assert first.content_html is not None and "الطرق البديلة" in first.content_html
    assert [i.url for i in first.images] == ["https://daily.partner.example/img/5501.jpg"]
    assert second.title == "رئيس الوزراء يستقبل وفدا اقتصاديا <رفيع المستوى>"
    assert not second.urgent
    # relative link resolved against the feed's final URL
    assert third.url == "https://partner.example/article/5499"
    assert third.published is None and third.updated is not None


def test_rss_10() -> None:
    feed = parse_file("rss1_ar.rdf", "application/rdf+xml")
    assert [(i.guid, i.url) for i in feed.items] == [
        ("https://rdf.partner.example/n/1", "https://rdf.partner.example/n/1"),
        ("https://rdf.partner.example/n/2", "https://rdf.partner.example/n/2"),
    ]
    assert feed.items[0].title == "البنك المركزي يبقي أسعار الفائدة دون تغيير"
    assert feed.items[0].categories == ("اقتصاد",)


def test_json_feed_11() -> None:
    feed = parse_file("jsonfeed_ar.json", "application/feed+json")
    first, second = feed.items
    assert first.guid == "7781" and first.urgent
    assert first.title == "انطلاق أعمال القمة العربية في دورتها الجديدة"
    assert first.published == dt.datetime(2024, 3, 10, 6, 0, tzinfo=dt.UTC)
    assert first.author == "أحمد السالم"
    assert first.categories == ("سياسة", "القمة العربية")
    assert [(i.url, i.caption) for i in first.images] == [
        ("https://json.partner.example/img/7781.jpg", None),
        ("https://json.partner.example/img/7781-hall.jpg", "قاعة القمة قبيل الجلسة الافتتاحية"),
    ]
    assert second.guid == "7780"
    assert second.url == "https://partner.example/news/7780"
    assert second.content_html == "<p>أظهرت بيانات الإحصاء تراجع التضخم إلى 3.1 في المئة.</p>"


def test_json_feed_detected_without_content_type() -> None:
    feed = parse_feed(fetched((FEEDS / "jsonfeed_ar.json").read_bytes(), None), PARTNER)
    assert len(feed.items) == 2


# --- encodings ------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False])
def test_windows_1256_feed(declared: bool) -> None:
    text = (FEEDS / "rss2_ar.xml").read_text("utf-8")
    if declared:
        text = text.replace('encoding="utf-8"', 'encoding="windows-1256"')
    else:
        text = text.replace('<?xml version="1.0" encoding="utf-8"?>', "")
    feed = parse_feed(fetched(text.encode("cp1256"), "text/xml"), PARTNER)
    assert feed.encoding == "cp1256"
    assert feed.title == "وكالة الأنباء الشريكة - آخر الأخبار"
    assert feed.items[3].title == "النائب العام يصدر قرار عاجل بفتح تحقيق في حادث انهيار المبنى"


def test_partner_encoding_override() -> None:
    body = rss("<item><title>خبر عن الاقتصاد</title><guid>1</guid></item>")
    lying = body.decode().replace("utf-8", "iso-8859-1").encode("cp1256")
    feed = parse_feed(
        fetched(lying, "text/xml; charset=utf-8"), dataclasses.replace(PARTNER, encoding="cp1256")
    )
    assert feed.items[0].title == "خبر عن الاقتصاد"


# --- urgent, categories, guids, links, limits -----------------------------------------


def test_urgent_prefix_and_urgent_category() -> None:
    items = {i.guid: i for i in parse_file("rss2_ar.xml").items}
    prefixed = items["partner-news-10231"]
    assert prefixed.urgent and prefixed.title.startswith("زلزال بقوة")
    assert items["partner-news-10229"].urgent  # category "أخبار عاجلة"
    adjective = items["partner-news-10228"]  # "قرار عاجل" inside a sentence
    assert not adjective.urgent and "قرار عاجل" in adjective.title
    assert not items["partner-news-10225"].urgent


def test_partner_urgent_categories() -> None:
    feed = parse_file("rss2_ar.xml", urgent_categories=("رياضة",))
    items = {i.guid: i for i in feed.items}
    assert items["partner-news-10227"].urgent


def test_missing_and_duplicated_guids() -> None:
    body = rss(
        "<item><title>أ</title><link>https://p.example/1</link></item>"
        "<item><title>ب</title><link>https://p.example/2</link><guid>same</guid></item>"
        "<item><title>ج</title><link>https://p.example/3</link><guid>same</guid></item>"
    )
    items = parse_feed(fetched(body), PARTNER).items
    assert [i.guid for i in items] == [None, "same", "same"]
    assert guids_unreliable(items)
    assert not guids_unreliable(parse_file("rss2_ar.xml").items)


def test_guid_is_kept_as_written_not_resolved() -> None:
    body = rss("<item><title>أ</title><guid>abc-17</guid><link>/news/17</link></item>")
    (item,) = parse_feed(fetched(body, url="https://partner.example/feeds/main.xml"), PARTNER).items
    assert item.guid == "abc-17"
    assert item.url == "https://partner.example/news/17"


def test_unsafe_links_are_dropped() -> None:
    body = rss("<item><title>أ</title><guid>1</guid><link>javascript:alert(1)</link></item>")
    assert parse_feed(fetched(body), PARTNER).items[0].url is None


def test_html_in_titles_is_removed() -> None:
    body = rss("<item><title>&lt;b&gt;عنوان&lt;/b&gt; مهم</title><guid>1</guid></item>")
    assert parse_feed(fetched(body), PARTNER).items[0].title == "عنوان مهم"


def test_arabic_dates_fall_back_to_the_arabic_parser() -> None:
    body = rss(
        "<item><title>أ</title><guid>1</guid><pubDate>الأحد، 10 مارس 2024 08:15 ص</pubDate></item>"
    )
    partner = dataclasses.replace(PARTNER, timezone="Asia/Riyadh")
    item = parse_feed(fetched(body), partner).items[0]
    assert item.published == dt.datetime(2024, 3, 10, 5, 15, tzinfo=dt.UTC)


def test_max_items_keeps_the_newest() -> None:
    dates = [
        "Sat, 09 Mar 2024 10:00:00 GMT",
        "Sun, 10 Mar 2024 10:00:00 GMT",
        "Fri, 08 Mar 2024 10:00:00 GMT",
        "Sun, 10 Mar 2024 12:00:00 GMT",
    ]
    body = rss(
        "".join(
            f"<item><title>{n}</title><guid>{n}</guid><pubDate>{d}</pubDate></item>"
            for n, d in enumerate(dates)
        )
    )
    items = parse_feed(fetched(body), dataclasses.replace(PARTNER, max_items=2)).items
    assert [i.guid for i in items] == ["1", "3"]  # the two newest, in document order
    assert len(parse_file("rss2_ar.xml", max_items=4).items) == 4


# --- unusable and hostile documents ---------------------------------------------------


def test_recoverable_broken_xml_is_a_warning() -> None:
    body = rss(
        "<item><title>خبر أول</title><guid>1</guid><description>نص <b>غامق</description></item>"
        "<item><title>خبر ثان</title><guid>2</guid></item>"
    )
    feed = parse_feed(fetched(body), PARTNER)
    assert [i.title for i in feed.items] == ["خبر أول", "خبر ثان"]
    assert feed.warnings and "SAXParseException" in feed.warnings[0]


def test_undeclared_namespace_is_a_warning() -> None:
    body = rss("<item><title>أ</title><guid>1</guid><itunes:author>س</itunes:author></item>")
    feed = parse_feed(fetched(body), PARTNER)
    assert len(feed.items) == 1 and feed.warnings


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "application/rss+xml", "empty"),
        (b"  \n ", "application/rss+xml", "empty"),
        (b"this is not a feed at all <<< >>>", "text/plain", "not a feed"),
        (
            b"<!DOCTYPE html><html><head><title>Home</title></head><body>hi</body></html>",
            "text/html",
            "HTML page",
        ),
        (b"<html><head><title>Home</title></head></html>", "application/rss+xml", "HTML page"),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "title": 1}',
            "application/feed+json",
            "JSON",
        ),
        (b"{not json", "application/json", "invalid JSON"),
        (b"[" * 100_000, "application/json", "JSON"),
    ],
)
def test_unusable_documents_raise(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(FeedParseError) as info:
        parse_feed(fetched(body, content_type), PARTNER)
    text = str(info.value)
    assert message in text
    assert "partner wafa" in text and "https://partner.example/rss" in text


def test_feed_without_items_is_empty_not_an_error() -> None:
    feed = parse_feed(fetched(rss("")), PARTNER)
    assert feed.title == "الشريك" and feed.items == ()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>
"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(FeedParseError, match="entity bomb"):
        parse_feed(fetched(BILLION_LAUGHS), PARTNER)


def test_quadratic_blowup_is_refused() -> None:
    big = b"A" * 50_000
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + big + b'">]>'
        b'<rss version="2.0"><channel><title>' + b"&a;" * 1000 + b"</title></channel></rss>"
    )
    with pytest.raises(FeedParseError, match="entity bomb"):
        parse_feed(fetched(body), PARTNER)


def test_small_flat_entities_are_allowed() -> None:
    body = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY agency "وكالة">\n]>\n'
        '<rss version="2.0"><channel><title>&agency;</title>'
        "<item><title>x</title><guid>1</guid></item></channel></rss>"
    ).encode()
    feed = parse_feed(fetched(body), PARTNER)
    assert feed.title == "وكالة" and len(feed.items) == 1


# --- fast path ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rss2_ar.xml", "rss1_ar.rdf"])
def test_scan_item_keys_agrees_with_the_full_parse(name: str) -> None:
    body = (FEEDS / name).read_bytes()
    keys = scan_item_keys(body)
    assert keys is not None
    assert keys == [(i.guid, i.url) for i in parse_feed(fetched(body), PARTNER).items]


@pytest.mark.parametrize(
    "body",
    [
        b"<rss><channel><item><title>broken</item></channel></rss>",  # not well-formed
        BILLION_LAUGHS,
        (FEEDS / "atom_ar.xml").read_bytes(),  # a relative link needs the feed URL
        (FEEDS / "jsonfeed_ar.json").read_bytes(),
        rss(
            "<item><guid>1</guid><link>https://a.example/</link><link>https://b.example/</link></item>"
        ),
    ],
)
def test_scan_item_keys_is_none_when_unsure(body: bytes) -> None:
    assert scan_item_keys(body) is None


def test_guids_unreliable_on_empty_and_clean_lists() -> None:
    assert not guids_unreliable([])
    item = FeedItem(partner_id="p", guid="g", url=None, title="t")
    assert guids_unreliable([item, item])
