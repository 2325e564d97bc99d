"""The Google News sitemap, `feeds/news-sitemap.xml`: the articles published in the last
48 hours (Google ignores older ones), at most 1,000, each with its publication name and
language (ar), publication date and title, in the sitemaps.org 0.9 `urlset` with
Google's `news:` extension.

Built with lxml so every text is escaped by the serializer; only what `latest` returns
is listed, so a killed or still-embargoed article is never in it. Deterministic bytes:
the same articles give the same file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lxml import etree

from syndication.config import PublishSettings
from syndication.model import Article
from syndication.publish import select as sel

FILE_NAME = "news-sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_AGE_HOURS = 48
MAX_URLS = 1000  # Google's limit per news sitemap


def cutoff(now: dt.datetime) -> dt.datetime:
    """The oldest publication time the sitemap lists at `now` (whole seconds, UTC)."""
    return sel.ceiling(now) - dt.timedelta(hours=MAX_AGE_HOURS)


def window(articles: list[Article], now: dt.datetime) -> list[Article]:
    """The articles a news sitemap lists at `now`: newest first, last 48 h, ≤ 1,000,
    one per URL, web URLs only."""
    oldest = cutoff(now)
    out: list[Article] = []
    seen: set[str] = set()
    for article in sel.newest_first(articles):
        if sel.instant(article.published) < oldest:
            break
        if not sel.is_web_url(article.url) or article.url in seen:
            continue
        seen.add(article.url)
        out.append(article)
        if len(out) >= MAX_URLS:
            break
    return out


def ages_out_at(articles: list[Article]) -> dt.datetime | None:
    """When the oldest listed article leaves the 48-hour window (then render again)."""
    if not articles:
        return None
    return min(sel.instant(a.published) for a in articles) + dt.timedelta(hours=MAX_AGE_HOURS)


def render_news_sitemap(
    articles: list[Article], settings: PublishSettings, *, now: dt.datetime
) -> bytes:
    nsmap: dict[Any, str] = {None: SITEMAP_NS, "news": NEWS_NS}
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=nsmap)
    name = sel.plain(settings.title, limit=200) or "syndication"
    for article in articles:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = article.url
        news = etree.SubElement(url, f"{{{NEWS_NS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = name
        etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = sel.language_of(
            article, settings
        )
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = sel.rfc3339(
            sel.published_of(article, now)
        )
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = sel.xml_safe(sel.title_of(article))
    return etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True)


__all__ = [
    "FILE_NAME",
    "MAX_AGE_HOURS",
    "MAX_URLS",
    "ages_out_at",
    "cutoff",
    "render_news_sitemap",
    "window",
]
