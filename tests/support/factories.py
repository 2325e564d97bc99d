"""Test inputs shared by test modules, one section per area: configs, published and stored
articles, rendered feeds, feedparser's corpus, page text, a served feeds directory, cluster
settings.

They build real model objects and real files (no mocks), with realistic Arabic content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import http.client
import json
import os
import re
from pathlib import Path
from typing import Any

import feedparser

from syndication.config import (
    CategoryDef,
    ClusterSettings,
    Config,
    PublishSettings,
    SchedulerSettings,
    ServeSettings,
)
from syndication.model import (
    Article,
    Block,
    Category,
    FeedSpec,
    Fetched,
    FetchSettings,
    Image,
    PartnerFeed,
)
from syndication.publish import render_atom, render_rss
from syndication.serve import FeedServer, create_server
from tests.support import DATA, REDIS_URL

# --- configuration ------------------------------------------------------------------------


def build_config(
    tmp_path: Path,
    partners: list[tuple[str, str]] | None = None,
    *,
    storage_url: str | None = None,
    **partner_overrides: object,
) -> Config:
    """A Config for tests: partners (id, feed_url) on the local site, feeds in tmp_path."""
    fetch = FetchSettings(
        allow_private_networks=True,  # the test site is on 127.0.0.1
        connect_timeout=2.0,
        read_timeout=3.0,
        deadline=5.0,
        min_host_interval=0.0,
        max_per_host=4,
    )
    out = tmp_path / "feeds"
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=storage_url or f"sqlite:///{tmp_path / 'store.db'}",
        fetch=fetch,
        publish=PublishSettings(base_url="http://127.0.0.1:8080/", out_dir=str(out)),
        scheduler=SchedulerSettings(publish_debounce=0.2, workers=4),
        serve=ServeSettings(),
        partners=tuple(
            PartnerFeed(
                id=pid,
                name=f"شريك {pid}",
                feed_url=url,
                fetch=fetch,
                **partner_overrides,  # type: ignore[arg-type]
            )
            for pid, url in (partners or [])
        ),
        feeds=(
            FeedSpec(key="main", title="الرئيسية", kind="main"),
            FeedSpec(key="urgent", title="عاجل", kind="urgent", ttl=1, max_age=60),
        ),
        categories=(),
    )


# --- published articles (publish, serve) --------------------------------------------------

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
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


# --- rendered feeds (publish) ---------------------------------------------------------------


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
    """The feed as feedparser reads it, which must find nothing malformed."""
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


# --- feedparser's test corpus (parse, ingest fast path) -----------------------------------

CORPUS = DATA / "feedparser-tests"
HEADER = re.compile(rb"^Header:\s*Content-type:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".xml", ".json"))


def fetched_for(path: Path) -> Fetched:
    body = path.read_bytes()
    match = HEADER.search(body[:2048])
    headers: tuple[tuple[str, str], ...] = ()
    if match:  # the file's simulated HTTP header, as feedparser's own runner uses it
        headers = (("content-type", match.group(1).decode("latin-1")),)
    url = "http://example.com/" + path.relative_to(CORPUS).as_posix()
    return Fetched(url=url, final_url=url, status=200, headers=headers, body=body)


# --- article page text (scrape) ------------------------------------------------------------

TITLE = "الحكومة تعلن خطة جديدة لدعم المزارعين"
PARA = (
    "أعلنت الحكومة اليوم خطة جديدة لدعم المزارعين في المحافظات الجنوبية، تشمل قروضا ميسرة "
    "وتوزيع بذور محسنة على آلاف الأسر الريفية خلال الموسم المقبل."
)
PARA2 = (
    "وقال وزير الزراعة في مؤتمر صحفي إن الخطة ستنفذ على ثلاث مراحل، تبدأ الأولى مطلع الشهر "
    "المقبل وتستمر حتى نهاية العام الجاري بتمويل من الموازنة العامة."
)


# --- stored articles (store) -------------------------------------------------------------

CAIRO = dt.timezone(dt.timedelta(hours=3))
T0 = dt.datetime(2026, 5, 10, 9, 30, 15, 123456, tzinfo=CAIRO)


def make_stored_article(
    n: int,
    *,
    partner_id: str = "ahram",
    urgent: bool = False,
    categories: tuple[Category, ...] = (POLITICS,),
    published: dt.datetime | None = None,
    title: str | None = None,
    item_hash: str | None = None,
) -> Article:
    """A realistic normalized article; content_hash covers what an edit would change."""
    published = published or T0 + dt.timedelta(minutes=n)
    title = title or f"وزير الخارجية يبحث مع نظيره الأردني تطورات الأوضاع في المنطقة ({n})"
    blocks = (
        Block("p", "بحث وزير الخارجية اليوم الأحد مع نظيره الأردني آخر التطورات الإقليمية."),
        Block("h2", "تنسيق مشترك"),
        Block("p", "وأكد الجانبان أهمية مواصلة التنسيق والتشاور بين البلدين الشقيقين."),
        Block("quote", "«نعمل معاً من أجل الاستقرار»"),
    )
    images = (
        Image(
            url=f"https://www.example-news.eg/media/{n}/main.jpg",
            caption="وزير الخارجية خلال اللقاء",
            credit="تصوير: أحمد حسن",
            alt="لقاء الوزيرين",
            width=1200,
            height=675,
            mime_type="image/jpeg",
            length=183_204,
        ),
        Image(url=f"https://www.example-news.eg/media/{n}/second.jpg"),
    )
    body_html = (
        '<div dir="rtl" lang="ar">'
        + "".join(f"<{b.kind}>{b.text}</{b.kind}>" for b in blocks)
        + "</div>"
    )
    content = "|".join([title, body_html, *(i.url for i in images), str(urgent)]) + "|".join(
        c.slug for c in categories
    )
    return Article(
        id=hashlib.sha256(f"{partner_id}:{n}".encode()).hexdigest()[:32],
        partner_id=partner_id,
        url=f"https://www.example-news.eg/news/{n}",
        guid=f"urn:example-news:{n}",
        title=title,
        summary="بحث الوزيران تطورات الأوضاع في المنطقة.",
        body_html=body_html,
        blocks=blocks,
        images=images,
        urgent=urgent,
        published=published,
        updated=published,
        author="محمد علي",
        categories=categories,
        language="ar",
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        item_hash=item_hash or f"item-{n}",
    )


# --- a published feeds directory and the server over it (serve) ---------------------------

MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z: a fixed, known file time
TOKENS = (("alpha", "tok-alpha-0123456789"), ("beta", "tok-beta-9876543210"))
SECRET = b"TOP-SECRET-OUTSIDE-FEEDS"
RSS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    "<title>أخبار</title><language>ar</language>"
    + "".join(
        f"<item><title>خبر رقم {i}: عاجل من العاصمة</title><guid>id-{i}</guid></item>"
        for i in range(30)
    )
    + "</channel></rss>\n"
).encode()
ATOM = b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"/>'
STALE_PRIVATE = b"<rss><channel><title>an old private copy in feeds/</title></channel></rss>"
JSONFEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": []}).encode()
INDEX = "<!doctype html><html lang=ar dir=rtl><title>الخلاصات</title></html>".encode()
XSL = b'<?xml version="1.0"?><xsl:stylesheet version="1.0"/>'
FEEDS = (
    FeedSpec(key="main", title="الرئيسية", kind="main"),
    FeedSpec(key="urgent", title="عاجل", kind="urgent", max_age=60),
    FeedSpec(key="partner-x", title="شريك", kind="partner", value="x", private=True),
)


def make_serve_config(tmp_path: Path, *, hub: str | None = None, **serve: Any) -> Config:
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=f"sqlite:///{tmp_path / 'store.db'}",
        fetch=FetchSettings(),
        publish=PublishSettings(
            out_dir="feeds", base_url="https://feeds.example.org/ar/", hub_url=hub
        ),
        scheduler=SchedulerSettings(),
        serve=ServeSettings(**{"tokens": TOKENS, **serve}),
        partners=(),
        feeds=FEEDS,
    )


def write(path: Path, data: bytes, mtime: int = MTIME) -> None:
    """Replace atomically, as the publisher does (new inode)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)


def start(config: Config, **kw: Any) -> FeedServer:
    server = create_server(config, "127.0.0.1", 0, **kw)
    server.start()
    return server


def raw(
    server: FeedServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


def etag_of(server: FeedServer, path: str = "/main.rss.xml") -> str:
    return raw(server, path)[1]["ETag"]


# --- cluster mode (cluster) -----------------------------------------------------------------


def cluster_config(cfg: Config, prefix: str, **changes: Any) -> Config:
    settings = ClusterSettings(
        enabled=True, broker_url=REDIS_URL, queue=prefix, key_prefix=prefix, **changes
    )
    return dataclasses.replace(cfg, cluster=settings)


def edited_article(article: Article, **changes: object) -> Article:
    """The same story, edited: new content hash, later `updated`, a different `published`
    (partners do move it; we must not)."""
    new = dataclasses.replace(article, **changes)  # type: ignore[arg-type]
    return dataclasses.replace(
        new,
        content_hash=hashlib.sha256((article.content_hash + repr(changes)).encode()).hexdigest(),
        updated=article.updated + dt.timedelta(hours=1),
        published=article.published + dt.timedelta(hours=2),
    )


class Clock:
    """A controllable clock, so back-off, deferral and embargoes are tested without waiting."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
