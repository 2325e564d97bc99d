"""Publishing: render → re-parse (feedparser, lxml XPath), JSON Feed, and publish_all against
a real SQLite store (byte-identical regeneration, atomic replace, failures, slugs, WebSub)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from syndication.config import (
    CategoryDef,
    Config,
    PublishSettings,
    SchedulerSettings,
    ServeSettings,
)
from syndication.errors import PublishError
from syndication.model import (
    Article,
    Block,
    Category,
    FeedSpec,
    FetchSettings,
    Image,
    PartnerFeed,
)
from syndication.publish import feed_specs, publish_all, render_atom, render_json, render_rss
from syndication.publish import select as sel
from syndication.publish.write import write_if_changed
from syndication.store import Store, open_store

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SETTINGS = PublishSettings(
    base_url="https://feeds.example.org/feeds/",
    site_url="https://news.example.org/",
    title="أخبار الشركاء",
    scheme_base="https://news.example.org/taxonomy/",
    logo_url="https://news.example.org/logo.png",
    hub_url="https://hub.example.org/",
)
MAIN = FeedSpec(key="main", title="الأخبار", kind="main", limit=10, ttl=7)

POLITICS = Category(label="سياسة", slug="politics")
ECONOMY = Category(label="اقتصاد", slug="economy")


def make_article(n: int, **changes: Any) -> Article:
    """Article n: published n hours after 2026-02-01, two captioned images."""
    published = dt.datetime(2026, 2, 1, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    url = f"https://partner.example.com/news/{n}"
    images = (
        Image(
            url=f"https://img.example.com/{n}-lead.jpg",
            caption=f"تعليق الصورة الأولى {n}",
            credit=f"تصوير: أحمد {n}",
            width=1200,
            height=800,
            length=54321,
        ),
        Image(
            url=f"https://img.example.com/{n}-second.png",
            caption=f"تعليق الصورة الثانية {n}",
            credit="وكالة الأنباء",
        ),
    )
    body = (
        '<div dir="rtl" lang="ar">'
        f"<p>الفقرة الأولى من الخبر رقم {n}.</p>"
        f'<figure><img src="{images[0].url}"/><figcaption>{images[0].caption}'
        f' <span class="copyright">{images[0].credit}</span></figcaption></figure>'
        "<h2>عنوان فرعي</h2><p>الفقرة الثانية.</p></div>"
    )
    values: dict[str, Any] = {
        "id": f"art{n:04d}",
        "partner_id": "akhbar",
        "url": url,
        "guid": url,
        "title": f"عنوان الخبر رقم {n} عن تطورات الأحداث في المنطقة",
        "summary": f"ملخص الخبر رقم {n}.",
        "body_html": body,
        "blocks": (Block("p", f"الفقرة الأولى من الخبر رقم {n}."),),
        "images": images,
        "urgent": False,
        "published": published,
        "updated": published + dt.timedelta(minutes=30),
        "author": f"كاتب {n}",
        "categories": (POLITICS,),
        "language": "ar",
        "content_hash": f"hash{n}",
        "item_hash": f"item{n}",
    }
    values.update(changes)
    return Article(**values)


def make_config(tmp_path: Path, **publish: Any) -> Config:
    settings = dataclasses.replace(SETTINGS, out_dir="out/feeds", **publish)
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=f"sqlite:///{tmp_path / 'store.db'}",
        fetch=FetchSettings(),
        publish=settings,
        scheduler=SchedulerSettings(),
        serve=ServeSettings(),
        partners=(PartnerFeed(id="akhbar", name="أخبار اليوم", feed_url="https://p.example/rss"),),
        feeds=(
            FeedSpec(key="main", title="الأخبار", kind="main", limit=20),
            FeedSpec(key="urgent", title="عاجل", kind="urgent", limit=10, ttl=1, max_age=60),
        ),
        categories=(CategoryDef(label="سياسة", slug="politics"),),
    )


def rss(articles: list[Article], spec: FeedSpec = MAIN, **kw: Any) -> bytes:
    settings = dataclasses.replace(SETTINGS, **kw)
    return render_rss(
        spec, articles, settings, self_url=SETTINGS.base_url + "main.rss.xml", now=NOW
    )


def atom(articles: list[Article], spec: FeedSpec = MAIN, **kw: Any) -> bytes:
    settings = dataclasses.replace(SETTINGS, **kw)
    return render_atom(
        spec, articles, settings, self_url=SETTINGS.base_url + "main.atom.xml", now=NOW
    )


def parse(data: bytes) -> Any:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


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
    assert first.find("media:description", NS).get("type") == "plain"
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


def test_order_newest_first_and_limit(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    with open_store(config.storage_url) as store:
        for n in (3, 1, 5, 2, 4):
            store.upsert_article(make_article(n))
        spec = FeedSpec(key="top", title="أحدث", kind="main", limit=3)
        articles = sel.select(config, store, spec)
    assert [a.id for a in articles] == ["art0005", "art0004", "art0003"]
    items = etree.fromstring(rss(articles, spec)).findall("channel/item")
    assert [i.findtext("link") for i in items] == [
        "https://partner.example.com/news/5",
        "https://partner.example.com/news/4",
        "https://partner.example.com/news/3",
    ]


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
    links = [
        (ln.get("rel"), ln.get("type"), ln.get("length")) for ln in entry.findall("atom:link", NS)
    ]
    assert links == [("alternate", "text/html", None), ("enclosure", "image/jpeg", "54321")]
    content = entry.find("atom:content", NS)
    assert content.get("type") == "html"
    assert content.text.startswith('<div dir="rtl" lang="ar">')
    cats = [
        (c.get("term"), c.get("scheme"), c.get("label")) for c in entry.findall("atom:category", NS)
    ]
    assert cats == [
        ("economy", "https://news.example.org/taxonomy/categories", "اقتصاد"),
        ("urgent", "https://news.example.org/taxonomy/flags", "عاجل"),
    ]
    assert not root.findall(".//media:group", NS)
    assert entry.find("media:content/media:credit", NS).text == "تصوير: أحمد 2"
    assert isinstance(root.getprevious(), etree._ProcessingInstruction)


def test_atom_entry_in_another_language_carries_xml_lang() -> None:
    root = etree.fromstring(atom([make_article(1, language="en", body_html="<p>Hello</p>")]))
    entry = root.find("atom:entry", NS)
    assert entry.get(XML_LANG) == "en"
    assert entry.findtext("atom:content", namespaces=NS).startswith('<div dir="ltr" lang="en">')


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


# --- JSON Feed ---------------------------------------------------------------------------


def test_json_feed_structure() -> None:
    articles = [make_article(1), make_article(2, urgent=True, author=None, images=())]
    feed = json.loads(
        render_json(
            MAIN, articles, SETTINGS, self_url="https://feeds.example.org/feeds/main.json", now=NOW
        )
    )
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["language"] == "ar"
    assert feed["home_page_url"] == "https://news.example.org/"
    assert feed["feed_url"] == "https://feeds.example.org/feeds/main.json"
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]
    urgent, normal = feed["items"]
    assert urgent["_urgent"] is True and normal["_urgent"] is False
    assert urgent["tags"] == ["سياسة", "عاجل"]
    assert "authors" not in urgent and "image" not in urgent and urgent["_images"] == []
    assert normal["id"] == "tag:news.example.org,2026:article/art0001"
    assert normal["url"] == "https://partner.example.com/news/1"
    assert normal["date_published"] == "2026-02-01T01:00:00Z"
    assert normal["date_modified"] == "2026-02-01T01:30:00Z"
    assert normal["authors"] == [{"name": "كاتب 1"}]
    assert normal["summary"] == "ملخص الخبر رقم 1."
    assert normal["content_html"].startswith('<div dir="rtl" lang="ar">')
    assert normal["image"] == "https://img.example.com/1-lead.jpg"
    assert normal["attachments"][0] == {
        "url": "https://img.example.com/1-lead.jpg",
        "mime_type": "image/jpeg",
        "title": "تعليق الصورة الأولى 1",
        "size_in_bytes": 54321,
    }
    assert normal["_images"][0] == {
        "url": "https://img.example.com/1-lead.jpg",
        "caption": "تعليق الصورة الأولى 1",
        "credit": "تصوير: أحمد 1",
        "width": 1200,
        "height": 800,
    }


# --- publish_all against a real store ----------------------------------------------------


class Pings:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, hub: str, urls: list[str]) -> None:
        self.calls.append((hub, urls))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    with open_store(config.storage_url) as s:
        s.upsert_article(make_article(1))
        s.upsert_article(make_article(2, urgent=True, categories=(ECONOMY,)))
        yield s


def out_dir(config: Config) -> Path:
    return Path(config.base_dir) / "out/feeds"


def snapshot(path: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(path.iterdir())}


def age_files(path: Path) -> None:
    """Set every mtime an hour back, so an unwanted rewrite cannot hide in the same tick."""
    for p in path.iterdir():
        st = p.stat()
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns - 3_600 * 10**9))


def test_publish_all_writes_every_feed_format_and_index(config: Config, store: Store) -> None:
    pings = Pings()
    published = publish_all(config, store, now=NOW, ping=pings)
    out = out_dir(config)
    keys = {p.key for p in published}
    assert keys == {"main", "urgent", "category-politics", "category-economy", "partner-akhbar"}
    for key in keys:
        for suffix in (".rss.xml", ".atom.xml", ".json"):
            assert (out / f"{key}{suffix}").is_file()
    assert all(p.changed for p in published)
    assert (out / "feed.xsl").read_bytes().startswith(b"<?xml")
    urgent = parse((out / "urgent.rss.xml").read_bytes())
    assert [e.link for e in urgent.entries] == ["https://partner.example.com/news/2"]
    assert urgent.feed.ttl == "1"
    politics = parse((out / "category-politics.atom.xml").read_bytes())
    assert [e.link for e in politics.entries] == ["https://partner.example.com/news/1"]
    # One ping with every changed feed URL.
    [(hub, urls)] = pings.calls
    assert hub == "https://hub.example.org/"
    assert "https://feeds.example.org/feeds/main.rss.xml" in urls
    assert len(urls) == 15
    # Each written file is also in the store with its ETag, for stateless serving.
    saved = store.get_feed_file("main.atom.xml")
    assert saved is not None
    body, etag = saved
    assert body == (out / "main.atom.xml").read_bytes()
    assert etag.startswith('"') and len(etag) == 34


def test_index_html_lists_every_feed_with_autodiscovery(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    page = (out_dir(config) / "index.html").read_bytes()
    root = etree.HTML(page)
    assert root.get("lang") == "ar" and root.get("dir") == "rtl"
    alternates = root.findall("head/link[@rel='alternate']")
    hrefs = {(ln.get("type"), ln.get("href")) for ln in alternates}
    for key in ("main", "urgent", "category-politics", "category-economy", "partner-akhbar"):
        assert ("application/rss+xml", f"https://feeds.example.org/feeds/{key}.rss.xml") in hrefs
        assert ("application/atom+xml", f"https://feeds.example.org/feeds/{key}.atom.xml") in hrefs
        assert root.find(f".//li[@id='feed-{key}']") is not None
    assert all(ln.get("title") for ln in alternates)


def test_regeneration_without_change_is_byte_identical_and_untouched(
    config: Config, store: Store
) -> None:
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    age_files(out)
    before = snapshot(out)
    pings = Pings()
    again = publish_all(config, store, now=NOW + dt.timedelta(hours=1), ping=pings)
    assert snapshot(out) == before
    assert not any(p.changed for p in again)
    assert {p.entries for p in again if p.key == "main"} == {2}
    assert pings.calls == []
    # force renders again; the bytes are the same, so nothing is written either.
    forced = publish_all(config, store, now=NOW + dt.timedelta(hours=2), force=True)
    assert snapshot(out) == before
    assert not any(p.changed for p in forced)


def test_unchanged_stamp_skips_rendering_until_forced(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    path = out_dir(config) / "main.rss.xml"
    original = path.read_bytes()
    path.write_bytes(b"<rss>edited by hand</rss>")
    publish_all(config, store, now=NOW)
    assert path.read_bytes() == b"<rss>edited by hand</rss>"  # not rendered: stamp equal
    path.unlink()
    publish_all(config, store, now=NOW)
    assert path.read_bytes() == original  # a missing file is always rendered
    path.write_bytes(b"<rss>edited by hand</rss>")
    publish_all(config, store, now=NOW, force=True)
    assert path.read_bytes() == original


def test_a_store_change_rewrites_only_the_affected_feeds(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    age_files(out)
    before = snapshot(out)
    store.upsert_article(make_article(3, categories=(ECONOMY,)))
    pings = Pings()
    published = publish_all(config, store, now=NOW, ping=pings)
    after = snapshot(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {
        f"{key}{suffix}"
        for key in ("main", "category-economy", "partner-akhbar")
        for suffix in (".rss.xml", ".atom.xml", ".json", ".ninjs.json")
    }
    assert {p.key for p in published if p.changed} == {"main", "category-economy", "partner-akhbar"}
    [(_, urls)] = pings.calls
    assert sorted(urls) == sorted(
        f"https://feeds.example.org/feeds/{key}{suffix}"
        for key in ("main", "category-economy", "partner-akhbar")
        for suffix in (".rss.xml", ".atom.xml", ".json")
    )
    main = parse(after["main.rss.xml"][0])
    assert main.entries[0].link == "https://partner.example.com/news/3"


def test_index_is_rewritten_only_when_the_feed_set_changes(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    index = out_dir(config) / "index.html"
    age_files(out_dir(config))
    mtime = index.stat().st_mtime_ns
    store.upsert_article(make_article(3))  # same categories: same feeds
    publish_all(config, store, now=NOW)
    assert index.stat().st_mtime_ns == mtime
    store.upsert_article(make_article(4, categories=(Category(label="رياضة", slug="sports"),)))
    publish_all(config, store, now=NOW)
    assert index.stat().st_mtime_ns != mtime
    assert b"category-sports.rss.xml" in index.read_bytes()


def test_atomic_replace_keeps_open_readers_whole_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "main.rss.xml"
    old = b"<rss>old</rss>" * 1000
    path.write_bytes(old)
    with path.open("rb") as reader:
        assert write_if_changed(path, b"<rss>new</rss>", feed_key="main") is True
        assert reader.read() == old  # the reader keeps the complete old file
    assert path.read_bytes() == b"<rss>new</rss>"
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.rss.xml"]
    assert write_if_changed(path, b"<rss>new</rss>", feed_key="main") is False


def test_publish_all_leaves_no_temp_files(config: Config, store: Store) -> None:
    publish_all(config, store, now=NOW)
    store.upsert_article(make_article(3))
    publish_all(config, store, now=NOW)
    assert not [p.name for p in out_dir(config).iterdir() if p.name.startswith(".")]


def test_unwritable_output_directory_raises_publish_error_with_path(
    tmp_path: Path, store: Store
) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output directory should be")
    config = make_config(tmp_path)
    with pytest.raises(PublishError) as info:
        publish_all(config, store, now=NOW)
    assert str(tmp_path / "out/feeds") in str(info.value)
    assert "writable" in str(info.value)


def test_one_bad_feed_does_not_stop_the_others(config: Config, store: Store) -> None:
    bad = FeedSpec(key="../evil", title="شرير", kind="main")
    config = dataclasses.replace(config, feeds=(bad, *config.feeds))
    with pytest.raises(PublishError) as info:
        publish_all(config, store, now=NOW)
    assert "../evil" in str(info.value) and "safe file name" in str(info.value)
    out = out_dir(config)
    assert (out / "main.rss.xml").is_file() and (out / "index.html").is_file()
    assert not (Path(config.base_dir) / "out/evil.rss.xml").exists()


def test_failed_ping_is_reported_not_raised(
    config: Config, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    def ping(hub: str, urls: list[str]) -> None:
        raise ConnectionError("hub down")

    publish_all(config, store, now=NOW, ping=ping)
    assert "hub down" in caplog.text
    assert (out_dir(config) / "main.rss.xml").is_file()


def test_category_slugs_are_safe_and_never_collide(tmp_path: Path) -> None:
    config = make_config(tmp_path, per_partner=False)
    # Two spellings that transliterate alike, and partner slugs that are not safe names.
    cats = [Category(label="سياسة", slug="politics"), Category(label="رياضة", slug="../x")]
    cats.append(Category(label="رياضه", slug="a/b"))
    with open_store(config.storage_url) as store:
        for n, cat in enumerate(cats, 1):
            store.upsert_article(make_article(n, categories=(cat,)))
        specs = feed_specs(config, store)
        keys = [s.key for s in specs if s.kind == "category"]
        assert len(keys) == 3 and len(set(keys)) == 3
        assert "category-politics" in keys  # the configured slug wins
        assert all(sel.is_safe_key(k) and "/" not in k and ".." not in k for k in keys)
        publish_all(config, store, now=NOW)
    names = {p.name for p in (tmp_path / "out/feeds").iterdir()}
    for key in keys:
        assert f"{key}.rss.xml" in names
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["feeds"]


def test_feed_specs_configured_feed_wins_over_auto_feed(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    politics = FeedSpec(key="siyasa", title="سياسة", kind="category", value="سياسة")
    config = dataclasses.replace(config, feeds=(*config.feeds, politics))
    with open_store(config.storage_url) as store:
        store.upsert_article(make_article(1))
        specs = feed_specs(config, store)
    assert [s.key for s in specs] == ["main", "urgent", "siyasa", "partner-akhbar"]


def test_private_feeds_are_not_listed_in_the_index(config: Config, store: Store) -> None:
    secret = FeedSpec(key="vip", title="خاص", kind="main", private=True)
    config = dataclasses.replace(config, feeds=(*config.feeds, secret))
    publish_all(config, store, now=NOW)
    out = out_dir(config)
    # Written only to the private directory (tests/test_private_feeds.py has the rest).
    assert (Path(config.base_dir) / "feeds-private" / "vip.rss.xml").is_file()
    assert not (out / "vip.rss.xml").exists()
    assert b"vip" not in (out / "index.html").read_bytes()


def test_publish_records_its_time_for_healthz(config: Config, store: Store) -> None:
    from syndication.publish import LAST_PUBLISH_KEY

    assert store.get_meta(LAST_PUBLISH_KEY) is None
    publish_all(config, store)
    stamp = store.get_meta(LAST_PUBLISH_KEY)
    assert stamp is not None
    assert dt.datetime.fromisoformat(stamp) <= dt.datetime.now(dt.UTC)
