"""Test inputs shared by test modules: configs, articles, corpus files, page text.

Each builds real model objects (no mocks); the values are realistic Arabic news content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any

from syndication.config import (
    CategoryDef,
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
from tests.support import DATA

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
