"""publish.render: RSS 2.0 and Atom 1.0 rendered, then re-read (feedparser, lxml XPath), and
the item rules every format shares (ids, titles, hostile input, images, dates, size)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from syndication.model import Category
from syndication.publish import publish_all, render_json
from syndication.publish import select as sel
from syndication.store import open_store
from tests.support.factories import (
    ECONOMY,
    MAIN,
    NOW,
    POLITICS,
    SETTINGS,
    atom,
    make_article,
    make_config,
    parse,
    rss,
)

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --- RSS ---------------------------------------------------------------------------------


def test_rss_reparses_with_ids_links_dates_and_enclosure() -> None:
    articles = [make_article(1), make_article(2, urgent=True)]
    parsed = parse(rss(articles))
    assert parsed.version == "rss20"
    assert parsed.feed.language == "ar"
    entries = parsed.entries
    assert [e.link for e in entries] == [
        "https://partner.example.com/news/2",
        "https://partner.example.com/news/1",
    ]
    assert entries[0].id == "tag:news.example.org,2026:article/art0002"
    assert entries[0].guidislink is False
    assert entries[0].title == articles[1].title
    assert entries[0].published == "Sun, 01 Feb 2026 02:00:00 +0000"
    assert entries[0].published_parsed[:5] == (2026, 2, 1, 2, 0)
    assert entries[0].updated_parsed[:5] == (2026, 2, 1, 2, 30)  # dcterms:modified
    assert entries[0].author == "كاتب 2"  # dc:creator
    [enclosure] = entries[0].enclosures
    assert enclosure.href == "https://img.example.com/2-lead.jpg"
    assert enclosure.type == "image/jpeg"
    assert enclosure.length == "54321"
    assert entries[0].summary == "ملخص الخبر رقم 2."
    assert 'dir="rtl"' in entries[0].content[0].value


def test_rss_structure() -> None:
    articles = [make_article(1, categories=(POLITICS, ECONOMY)), make_article(2, urgent=True)]
    data = rss(articles)
    root = etree.fromstring(data)
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("language") == "ar"
    assert channel.findtext("ttl") == "7"
    assert channel.findtext("link") == "https://news.example.org/"
    # The newest article's update time, not the clock (NOW is a month later).
    assert channel.findtext("lastBuildDate") == "Sun, 01 Feb 2026 02:30:00 +0000"
    assert channel.findtext("image/url") == "https://news.example.org/logo.png"
    links = {link.get("rel"): link.get("href") for link in channel.findall("atom:link", NS)}
    assert links == {
        "self": "https://feeds.example.org/feeds/main.rss.xml",
        "hub": "https://hub.example.org/",
    }
    pi = root.getprevious()
    assert isinstance(pi, etree._ProcessingInstruction)
    assert pi.target == "xml-stylesheet" and 'href="feed.xsl"' in (pi.text or "")

    items = channel.findall("item")
    assert [i.findtext("link") for i in items] == [a.url for a in reversed(articles)]
    urgent, plain = items
    guid = plain.find("guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    assert len(plain.findall("enclosure")) == 1
    assert not root.findall(".//media:group", NS)
    assert plain.find("author") is None  # RSS <author> is an e-mail; names go to dc:creator
    assert plain.findtext("dc:creator", namespaces=NS) == "كاتب 1"

    # Each caption and credit sits inside the media:content of its own image.
    contents = plain.findall("media:content", NS)
    assert [c.get("url") for c in contents] == [i.url for i in articles[0].images]
    first, second = contents
    assert first.get("medium") == "image" and first.get("type") == "image/jpeg"
    assert (first.get("width"), first.get("height")) == ("1200", "800")
    assert first.findtext("media:description", namespaces=NS) == "تعليق الصورة الأولى 1"
    description = first.find("media:description", NS)
    assert description is not None and description.get("type") == "plain"
    credit = first.find("media:credit", NS)
    assert credit is not None and credit.text == "تصوير: أحمد 1"
    assert credit.get("role") == "photographer" and credit.get("scheme") == "urn:ebu"
    assert second.get("type") == "image/png" and second.get("width") is None
    assert second.findtext("media:description", namespaces=NS) == "تعليق الصورة الثانية 1"
    assert second.findtext("media:credit", namespaces=NS) == "وكالة الأنباء"

    cats = [(c.get("domain"), c.text) for c in plain.findall("category")]
    assert cats == [
        ("https://news.example.org/taxonomy/categories", "سياسة"),
        ("https://news.example.org/taxonomy/categories", "اقتصاد"),
    ]
    flags = [c.text for c in urgent.findall("category") if c.get("domain", "").endswith("flags")]
    assert flags == ["عاجل"]
    assert not [c for c in plain.findall("category") if c.text == "عاجل"]

    encoded = plain.findtext("content:encoded", namespaces=NS)
    assert encoded is not None and encoded.startswith('<div dir="rtl" lang="ar">')
    assert b"<![CDATA[" in data


def test_rss_without_hub_or_stylesheet() -> None:
    data = rss([make_article(1)], hub_url=None, stylesheet=False)
    root = etree.fromstring(data)
    assert root.getprevious() is None
    rels = [link.get("rel") for link in root.iterfind("channel/atom:link", NS)]
    assert rels == ["self"]


# --- Atom --------------------------------------------------------------------------------


def test_atom_reparses_and_has_rtl_lang_links_categories() -> None:
    articles = [make_article(1), make_article(2, urgent=True, categories=(ECONOMY,))]
    data = atom(articles)
    parsed = parse(data)
    assert parsed.version == "atom10"
    first = parsed.entries[0]
    assert first.id == "tag:news.example.org,2026:article/art0002"
    assert first.link == "https://partner.example.com/news/2"
    assert first.updated == "2026-02-01T02:30:00+00:00"
    assert first.published_parsed[:4] == (2026, 2, 1, 2)
    assert first.author == "كاتب 2"
    assert [(e.href, e.type, e.length) for e in first.enclosures] == [
        ("https://img.example.com/2-lead.jpg", "image/jpeg", "54321")
    ]

    root = etree.fromstring(data)
    assert root.get(XML_LANG) == "ar"
    assert root.findtext("atom:updated", namespaces=NS) == "2026-02-01T02:30:00+00:00"
    feed_links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
    assert feed_links["hub"] == "https://hub.example.org/"
    assert feed_links["self"] == "https://feeds.example.org/feeds/main.atom.xml"
    assert feed_links["alternate"] == "https://news.example.org/"
    entry = root.find("atom:entry", NS)
    assert entry is not None
    links = [
        (ln.get("rel"), ln.get("type"), ln.get("length")) for ln in entry.findall("atom:link", NS)
    ]
    assert links == [("alternate", "text/html", None), ("enclosure", "image/jpeg", "54321")]
    content = entry.find("atom:content", NS)
    assert content is not None and content.get("type") == "html"
    assert (content.text or "").startswith('<div dir="rtl" lang="ar">')
    cats = [
        (c.get("term"), c.get("scheme"), c.get("label")) for c in entry.findall("atom:category", NS)
    ]
    assert cats == [
        ("economy", "https://news.example.org/taxonomy/categories", "اقتصاد"),
        ("urgent", "https://news.example.org/taxonomy/flags", "عاجل"),
    ]
    assert not root.findall(".//media:group", NS)
    credit = entry.find("media:content/media:credit", NS)
    assert credit is not None and credit.text == "تصوير: أحمد 2"
    assert isinstance(root.getprevious(), etree._ProcessingInstruction)


def test_atom_entry_in_another_language_carries_xml_lang() -> None:
    root = etree.fromstring(atom([make_article(1, language="en", body_html="<p>Hello</p>")]))
    entry = root.find("atom:entry", NS)
    assert entry is not None and entry.get(XML_LANG) == "en"
    assert (entry.findtext("atom:content", namespaces=NS) or "").startswith(
        '<div dir="ltr" lang="en">'
    )


# --- shared item rules -------------------------------------------------------------------


def test_id_is_stable_across_edits_and_never_contains_urgent() -> None:
    before = make_article(1)
    after = make_article(
        1,
        url="https://partner.example.com/news/عاجل-1",
        title="عاجل: عنوان معدل",
        urgent=True,
        updated=before.updated + dt.timedelta(hours=1),
    )
    ids = []
    for article in (before, after):
        ids.append(parse(rss([article])).entries[0].id)
        ids.append(parse(atom([article])).entries[0].id)
        feed = json.loads(render_json(MAIN, [article], SETTINGS, self_url="x", now=NOW))
        ids.append(feed["items"][0]["id"])
    assert len(set(ids)) == 1
    assert "عاجل" not in ids[0]


def test_title_is_plain_text_without_bidi_marks() -> None:
    title = "\u202bعنوان\u200f <b>مهم</b>\u200b جداً\ufeff عن الأحداث الجارية\u202c"
    entry = parse(rss([make_article(1, title=title)])).entries[0]
    assert entry.title == "عنوان مهم جداً عن الأحداث الجارية"


def test_hostile_article_keeps_the_feed_valid() -> None:
    hostile = make_article(
        1,
        title="عنوان " * 16000 + "\x00\x07",  # ~96 KB
        summary="ملخص\x0b مع\x1f محارف تحكم",
        body_html='<div dir="rtl" lang="ar"><p>قبل ]]> بعد\x00\x1b</p><p>x]]]]>y</p></div>',
        images=(),
        author=None,
        categories=(Category(label="\x01سياسة", slug="politics"),),
    )
    for data in (rss([hostile, make_article(2)]), atom([hostile, make_article(2)])):
        etree.fromstring(data)  # well-formed
        parsed = parse(data)
        entry = parsed.entries[1]
        assert len(entry.title) <= sel.TITLE_MAX
        assert entry.title.endswith("…")
        body = entry.content[0].value
        assert "قبل ]]> بعد" in body and "x]]]]>y" in body
        assert "\x00" not in body and "\x1b" not in body
        assert entry.summary == "ملخص مع محارف تحكم"
        assert not entry.get("enclosures")
        assert "author" not in entry or entry.author == "أخبار الشركاء"  # Atom: feed author


def test_item_without_http_link_is_skipped_with_a_reason(caplog: pytest.LogCaptureFixture) -> None:
    bad = make_article(1, url="javascript:alert(1)")
    parsed = parse(rss([bad, make_article(2)]))
    assert [e.link for e in parsed.entries] == ["https://partner.example.com/news/2"]
    assert "art0001" in caplog.text and "not an absolute http(s) URL" in caplog.text


def test_images_in_body_are_not_duplicated_missing_ones_are_added() -> None:
    body = sel.body_of(make_article(1), SETTINGS)
    assert body.count("1-lead.jpg") == 1  # already a figure in the scraped body
    assert body.count("1-second.png") == 1  # appended as a figure with its caption
    assert "<figcaption>تعليق الصورة الثانية 1" in body
    assert body.startswith('<div dir="rtl" lang="ar">') and body.endswith("</div>")
    bare = sel.body_of(make_article(1, body_html="<p>نص</p>", images=()), SETTINGS)
    assert bare == '<div dir="rtl" lang="ar"><p>نص</p></div>'


def test_future_dates_are_clamped_to_now() -> None:
    future = make_article(
        1, published=NOW + dt.timedelta(days=3), updated=NOW + dt.timedelta(days=3)
    )
    entry = parse(atom([future])).entries[0]
    assert entry.updated == "2026-03-01T12:00:00+00:00"


def test_oversized_feed_drops_oldest_items(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = make_config(tmp_path, max_bytes=30_000, per_category=False, per_partner=False)
    big = "<p>" + "كلمة " * 800 + "</p>"
    with open_store(config.storage_url) as store:
        for n in range(1, 11):
            store.upsert_article(make_article(n, body_html=f'<div dir="rtl" lang="ar">{big}</div>'))
        published = publish_all(config, store, now=NOW)
    out = tmp_path / "out/feeds"
    for name in ("main.rss.xml", "main.atom.xml", "main.json"):
        assert (out / name).stat().st_size < 30_000
    rss_result = next(p for p in published if p.key == "main" and p.format == "rss")
    assert 0 < rss_result.entries < 10
    links = [e.link for e in parse((out / "main.rss.xml").read_bytes()).entries]
    assert links[0] == "https://partner.example.com/news/10"  # the newest are kept
    assert "dropped the" in caplog.text
