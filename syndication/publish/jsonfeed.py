"""JSON Feed 1.1 bytes for one feed (https://jsonfeed.org/version/1.1).

Same items, ids, dates and cleaning as the XML feeds (select.py); each item's text is
pre-serialised (fragments.json_item) and cached per article (items.py). Our extensions, named
with a leading underscore as the spec asks: ``_urgent`` (bool) and ``_images`` (every image
with caption, credit and size, which ``attachments`` cannot carry).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec
from syndication.publish import fragments
from syndication.publish import select as sel
from syndication.publish.items import ItemCache, for_run

VERSION = "https://jsonfeed.org/version/1.1"


def feed_object(spec: FeedSpec, settings: PublishSettings, self_url: str) -> dict[str, Any]:
    """The feed's own members (no items), in the order they are written."""
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
    return feed


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
    feed = feed_object(spec, settings, self_url)

    def build(todo: list[Article]) -> list[bytes]:
        # Encoded once per item: the cached bytes are joined into every feed they are in.
        return [fragments.json_item(p).encode() for p in fragments.cached(memo, todo, now)]

    items = memo.json_all(sel.publishable(spec, articles), now, build)
    feed["items"] = []
    text = _dumps(feed)
    if not items:
        return (text + "\n").encode("utf-8")
    # Each item was serialized once per run (items.py); splice them into the list.
    # Raw newlines in JSON text are only indentation, so this is the one place.
    empty = '\n "items": []'
    at = text.index(empty)
    parts = [text[:at].encode(), b'\n "items": [\n  ', b",\n  ".join(items), b"\n ]"]
    parts += (text[at + len(empty) :].encode(), b"\n")
    return b"".join(parts)


def _dumps(value: object) -> str:
    # Sorted keys and fixed separators: the same store gives the same bytes.
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
