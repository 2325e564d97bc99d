"""JSON Feed 1.0/1.1 → `ParsedFeed`: our own small reader, since feedparser has none.

Anything that is not the type the spec says is treated as absent, so one odd item cannot
fail the feed; a document without an `items` list is a `FeedParseError`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping

from ..arabic.dates import parse_date
from ..arabic.text import clean_text, strip_urgent_prefix
from ..model import FeedItem, Image, ParsedFeed, PartnerFeed
from .common import (
    ASK_PARTNER,
    absolute_url,
    dedupe_images,
    feed_error,
    html_to_text,
    is_urgent,
    newest,
    to_int,
)

Json = Mapping[str, object]  # one JSON object, values unchecked


def parse_json_feed(body: bytes, partner: PartnerFeed, url: str) -> ParsedFeed:
    """Parse a JSON Feed for `partner`; raise FeedParseError when it is not one."""
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise feed_error(partner, url, "invalid JSON Feed", ASK_PARTNER) from e
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise feed_error(
            partner, url, "JSON without a JSON Feed 'items' list", "check the feed URL"
        )
    version = str(document.get("version") or "")
    warnings = []
    if not version.startswith("https://jsonfeed.org/version/1"):
        warnings.append(f"unknown JSON Feed version {version!r}")
    items = [_item(entry, partner, url) for entry in document["items"] if isinstance(entry, dict)]
    title = document.get("title")
    return ParsedFeed(
        partner_id=partner.id,
        title=clean_text(title) or None if isinstance(title, str) else None,
        link=absolute_url(document.get("home_page_url"), url),
        items=tuple(newest(items, partner.max_items)),
        warnings=tuple(warnings),
        encoding="utf-8",
    )


def _item(entry: Json, partner: PartnerFeed, base: str) -> FeedItem:
    title, prefixed = strip_urgent_prefix(clean_text(_string(entry, "title") or ""))
    categories = tuple(
        dict.fromkeys(
            clean_text(t) for t in _list(entry.get("tags")) if isinstance(t, str) and t.strip()
        )
    )
    summary = _string(entry, "summary")
    return FeedItem(
        partner_id=partner.id,
        guid=_guid(entry.get("id")),
        url=absolute_url(_string(entry, "url") or _string(entry, "external_url"), base),
        title=title,
        published=_date(_string(entry, "date_published"), partner.timezone),
        updated=_date(_string(entry, "date_modified"), partner.timezone),
        summary=html_to_text(summary) if summary else None,
        content_html=_content_html(entry),
        author=_author(entry),
        categories=categories,
        images=dedupe_images(_images(entry), base, title),
        urgent=is_urgent(prefixed, categories, partner),
        embargo=_date(_string(entry, partner.embargo_field), partner.timezone)
        if partner.embargo_field
        else None,
    )


def _string(entry: Json, key: str) -> str | None:
    value = entry.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _guid(raw_id: object) -> str | None:
    # Numeric ids are common in JSON Feeds; the spec wants strings, the partner means one.
    if isinstance(raw_id, (str, int)) and str(raw_id).strip():
        return str(raw_id).strip()
    return None


def _author(entry: Json) -> str | None:
    authors = _list(entry.get("authors"))
    author = entry.get("author")
    if isinstance(author, dict):  # JSON Feed 1.0
        authors = [author, *authors]
    names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    return clean_text(", ".join(n for n in names if n)) or None


def _images(entry: Json) -> list[Image]:
    images = [Image(url=u) for u in (_string(entry, "image"), _string(entry, "banner_image")) if u]
    for attachment in _list(entry.get("attachments")):
        if isinstance(attachment, dict):
            image = _attachment_image(attachment)
            if image is not None:
                images.append(image)
    return images


def _attachment_image(attachment: Json) -> Image | None:
    url = attachment.get("url")
    mime = str(attachment.get("mime_type") or "")
    if not isinstance(url, str) or not mime.lower().startswith("image/"):
        return None
    caption = attachment.get("title")
    return Image(
        url=url,
        caption=clean_text(caption) or None if isinstance(caption, str) else None,
        mime_type=mime,
        length=to_int(attachment.get("size_in_bytes")),
    )


def _content_html(entry: Json) -> str | None:
    content_html = _string(entry, "content_html")
    content_text = _string(entry, "content_text")
    if content_html is None and content_text:
        return "<p>" + html.escape(content_text) + "</p>"
    return content_html


def _date(value: str | None, tz: str) -> dt.datetime | None:
    if not value:
        return None
    when: dt.datetime | None
    try:
        when = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        when = parse_date(value, tz=tz)
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


__all__ = ["parse_json_feed"]
