"""JSON Feed 1.1 bytes for one feed (https://jsonfeed.org/version/1.1).

Same items, ids, dates and cleaning as the XML feeds (select.py). Our extensions, named
with a leading underscore as the spec asks: ``_urgent`` (bool) and ``_images`` (every image
with caption, credit and size, which ``attachments`` cannot carry).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec
from syndication.publish import select as sel
from syndication.publish.items import ItemCache, for_run

VERSION = "https://jsonfeed.org/version/1.1"


def render_json(
    spec: FeedSpec,
    articles: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    cache: ItemCache | None = None,
) -> bytes:
    memo = for_run(cache, settings)
    title = sel.plain(spec.title, limit=sel.TITLE_MAX) or sel.plain(settings.title) or spec.key
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": title,
        "home_page_url": settings.site_url,
        "feed_url": self_url,
        "description": sel.plain(spec.description) or sel.plain(settings.description),
        "language": settings.language,
        "authors": [{"name": sel.plain(settings.title) or "syndication"}],
    }
    if settings.logo_url and sel.is_web_url(settings.logo_url):
        feed["icon"] = settings.logo_url
    if settings.hub_url and not spec.private:  # private feeds are never pinged (a public hub)
        feed["hubs"] = [{"type": "WebSub", "url": settings.hub_url}]
    items = [
        memo.json(a, now, lambda a: _item_text(a, settings, now))
        for a in sel.publishable(spec, articles)
    ]
    feed["items"] = []
    text = _dumps(feed)
    if items:
        # Each item was serialized once per run (items.py); splice them into the list.
        # Raw newlines in JSON text are only indentation, so this is the one place.
        empty = '\n "items": []'
        at = text.index(empty)
        listed = '\n "items": [\n  ' + ",\n  ".join(items) + "\n ]"
        text = text[:at] + listed + text[at + len(empty) :]
    return (text + "\n").encode("utf-8")


def _dumps(value: object) -> str:
    # Sorted keys and fixed separators: the same store gives the same bytes.
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def _item_text(article: Article, settings: PublishSettings, now: dt.datetime) -> str:
    """The item as json.dumps of the whole feed writes it at depth 2 of the document."""
    return _dumps(_item(article, settings, now)).replace("\n", "\n  ")


def _item(article: Article, settings: PublishSettings, now: dt.datetime) -> dict[str, Any]:
    images = sel.images_of(article)
    tags = [c.label for c in sel.categories_of(article)]
    if article.urgent:
        tags.append(sel.URGENT_LABEL)
    item: dict[str, Any] = {
        "id": sel.item_id(article, settings),
        "url": article.url,
        "title": sel.title_of(article),
        "content_html": sel.body_of(article, settings),
        "summary": sel.summary_of(article),
        "date_published": sel.rfc3339(sel.published_of(article, now)),
        "date_modified": sel.rfc3339(sel.updated_of(article, now)),
        "tags": tags,
        "language": sel.language_of(article, settings),
        "_urgent": bool(article.urgent),
        "_images": [
            {
                "url": i.url,
                "caption": i.caption,
                "credit": i.credit,
                "width": i.width,
                "height": i.height,
            }
            for i in images
        ],
    }
    sources = sel.sources_of(article)
    if sources:
        # The story's other wires (a deduplicated feed shows the story once).
        item["_also_in"] = [
            {"partner": s.partner_id, "name": s.name, "url": s.url, "title": s.title}
            for s in sources
        ]
    author = sel.author_of(article)
    if author:
        item["authors"] = [{"name": author}]
    if images:
        item["image"] = images[0].url
        attachments = []
        for i in images:
            attachment: dict[str, Any] = {"url": i.url, "mime_type": sel.image_type(i)}
            if i.caption:
                attachment["title"] = i.caption
            if i.length:
                attachment["size_in_bytes"] = i.length
            attachments.append(attachment)
        item["attachments"] = attachments
    return item
