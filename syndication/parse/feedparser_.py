"""RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 → `ParsedFeed`: the only feedparser user.

    feedparser.parse(bytes, response_headers) → entries; never a URL, never HTTP
    lxml re-read of the same bytes            → raw guids + Media RSS bound per image
    FeedItem per entry                        → the partner's `max_items` newest kept

Bozo policy: a problem feedparser recovered from (wrong charset label, undeclared namespace,
mismatched tags with entries recovered) becomes a warning on `ParsedFeed.warnings`; a
document with nothing usable is a `FeedParseError` for that partner only.

Identity: `FeedItem.guid` is the guid exactly as the partner wrote it (stripped). feedparser
resolves a relative-looking guid against the feed URL, which would change every id when a
feed moves, so the raw text from the lxml pass wins.

The bytes arrive UTF-8 and already cleared of entity bombs by the package's dispatcher.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import feedparser
from feedparser.namespaces import mediarss
from lxml import etree

from ..arabic.dates import parse_date
from ..arabic.text import clean_text, strip_urgent_prefix
from ..model import FeedItem, Image, ParsedFeed, PartnerFeed
from .common import (
    ASK_PARTNER,
    absolute_url,
    dedupe_images,
    feed_error,
    html_to_text,
    image_path,
    is_image,
    is_urgent,
    newest,
    to_int,
    ttl_minutes,
)
from .xmltree import ATOM_NAMESPACES, ITEM_NAMESPACES, RDF_ABOUT, items, qname, safe_parser

# Defence in depth: normalize runs our own sanitizer later, but feedparser's stays on.
feedparser.SANITIZE_HTML = True
feedparser.RESOLVE_RELATIVE_URIS = True


# feedparser files media:description (an image's caption) as a second description: after
# the item's <description> it becomes the entry's content, before it the summary, so a
# feed-only article got a caption for its body. Captions are read by our lxml pass (bound
# to their image); feedparser is told to keep the element's text under a key of its own.
def _start_media_description(parser: Any, _attrs: Any) -> None:
    parser.push("media_description", 1)


def _end_media_description(parser: Any) -> None:
    parser.pop("media_description")


mediarss.Namespace._start_media_description = _start_media_description
mediarss.Namespace._end_media_description = _end_media_description

MEDIA_NS_PREFIX = "http://search.yahoo.com/mrss"

# feedparser's results are FeedParserDicts of whatever the document held: untyped.
Entry = Mapping[str, Any]


def parse_xml_feed(
    data: bytes,
    partner: PartnerFeed,
    url: str,
    *,
    content_type: str,
    mime: str,
    source_encoding: str | None,
) -> ParsedFeed:
    """Parse UTF-8 feed bytes for `partner`; raise FeedParseError when nothing is usable.

    `source_encoding` is the charset the bytes were converted from (None: they were UTF-8
    already), `content_type` the HTTP header as served and `mime` its media type.
    """
    result = _feedparser(data, partner, url, content_type, mime, source_encoding)
    entries: list[Any] = list(result.get("entries") or [])
    feed: Entry = result.get("feed") or {}
    feed_title = _text(feed, "title")
    version = str(result.get("version") or "")
    warnings = _bozo_warnings(result, entries, version, feed_title, partner, url, mime)

    raw_items = _read_items(data)
    matched = raw_items if raw_items is not None and len(raw_items) == len(entries) else None
    parsed = [
        _item(entry, matched[i] if matched else None, partner, url)
        for i, entry in enumerate(entries)
    ]
    if raw_items is not None and matched is None:
        warnings.append(
            f"media: {len(raw_items)} items in the XML but {len(entries)} entries parsed; "
            "image captions taken from feedparser only"
        )
    return ParsedFeed(
        partner_id=partner.id,
        title=feed_title,
        link=absolute_url(_raw(feed, "link"), url),
        items=tuple(newest(parsed, partner.max_items)),
        ttl=ttl_minutes(str(_raw(feed, "ttl") or "")),
        warnings=tuple(warnings),
        encoding=source_encoding or "utf-8",
    )


def _feedparser(
    data: bytes,
    partner: PartnerFeed,
    url: str,
    content_type: str,
    mime: str,
    source_encoding: str | None,
) -> Entry:
    # No Content-Type at all (file drops, bare servers) is not worth a warning: assume XML.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    if source_encoding is not None:
        headers["content-type"] = f"{_xml_mime(mime)}; charset=utf-8"
    try:
        result: Entry = feedparser.parse(
            io.BytesIO(data),  # bytes, never a string: feedparser opens strings as paths/URLs
            response_headers=headers,
            resolve_relative_uris=True,
            sanitize_html=True,
        )
    except RecursionError as e:  # absurdly deep nesting
        raise feed_error(partner, url, "the feed nests elements too deeply", ASK_PARTNER) from e
    return result


def _xml_mime(mime: str) -> str:
    return mime if mime and ("xml" in mime or mime.startswith("text/")) else "application/xml"


def _bozo_warnings(
    result: Entry,
    entries: list[Any],
    version: str,
    feed_title: str | None,
    partner: PartnerFeed,
    url: str,
    mime: str,
) -> list[str]:
    problem = result.get("bozo_exception") if result.get("bozo") else None
    if not entries and not version and not feed_title:
        what = "not a feed: no RSS/Atom structure found"
        if problem is not None:
            what += f" ({type(problem).__name__}: {problem})"
        if mime in ("text/html", "application/xhtml+xml"):
            what = "an HTML page was served instead of a feed"
        raise feed_error(partner, url, what, "check the feed URL; " + ASK_PARTNER)
    if problem is None:
        return []
    return [f"{type(problem).__name__}: {problem}"]


# --- one entry ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RawItem:
    """What the lxml pass read of one item, in document order."""

    guid: str | None
    link: str | None  # raw text/href of the first usable link, unresolved
    images: tuple[Image, ...]


def _item(entry: Entry, raw: _RawItem | None, partner: PartnerFeed, base: str) -> FeedItem:
    title, prefixed = strip_urgent_prefix(clean_text(_plain(entry, "title") or ""))
    categories = _categories(entry)
    return FeedItem(
        partner_id=partner.id,
        guid=raw.guid if raw is not None else _guid(entry),
        url=_link(entry, raw, base),
        title=title,
        published=_date(entry, "published", partner.timezone),
        updated=_date(entry, "updated", partner.timezone),
        summary=_plain(entry, "summary") or None,
        content_html=_content_html(entry),
        author=clean_text(_text(entry, "author") or "") or None,
        categories=categories,
        images=_images(entry, raw, base, title),
        urgent=is_urgent(prefixed, categories, partner),
        embargo=_embargo(entry, partner),
    )


def _embargo(entry: Entry, partner: PartnerFeed) -> dt.datetime | None:
    """The partner's embargo field: feedparser keys a namespaced element "prefix_name"."""
    if not partner.embargo_field:
        return None
    text = _text(entry, partner.embargo_field.replace(":", "_"))
    when = parse_date(text, tz=partner.timezone) if text else None
    return when.astimezone(dt.UTC) if when is not None else None


def _link(entry: Entry, raw: _RawItem | None, base: str) -> str | None:
    # feedparser mangles relative links under a file: base (file://dir/… loses a slash), so
    # the unresolved link from our own lxml pass is preferred when we have it.
    link = _raw(entry, "link")
    if base.lower().startswith("file:") and raw is not None and raw.link:
        link = raw.link
    return absolute_url(link, base)


def _images(entry: Entry, raw: _RawItem | None, base: str, title: str) -> tuple[Image, ...]:
    media = raw.images if raw is not None else _feedparser_media(entry)
    return dedupe_images([*media, *_enclosure_images(entry)], base, title)


def _raw(d: Entry, key: str) -> Any:
    # dict.get, not FeedParserDict.get: its key aliases ("updated" → "published") warn.
    if isinstance(d, dict):
        return dict.get(d, key)
    return d.get(key)


def _text(d: Entry, key: str) -> str | None:
    value = _raw(d, key)
    return value if isinstance(value, str) and value.strip() else None


def _guid(entry: Entry) -> str | None:
    value = _text(entry, "id")
    return value.strip() if value else None


def _plain(entry: Entry, key: str) -> str:
    """The field as one line of plain text, whatever markup the partner put in it."""
    value = _text(entry, key)
    if value is None:
        return ""
    detail = _raw(entry, f"{key}_detail") or {}
    if _raw(detail, "type") == "text/plain" or ("<" not in value and "&" not in value):
        return clean_text(value)
    return html_to_text(value)


def _content_html(entry: Entry) -> str | None:
    contents = _raw(entry, "content") or []
    best: Entry | None = None
    for content in contents:
        if _raw(content, "type") in ("text/html", "application/xhtml+xml"):
            best = content
            break
        best = best or content
    if best is None:
        return None
    value = _raw(best, "value")
    if not isinstance(value, str) or not value.strip():
        return None
    if _raw(best, "type") == "text/plain":
        return "<p>" + html.escape(value) + "</p>"
    return value


def _categories(entry: Entry) -> tuple[str, ...]:
    labels: list[str] = []
    for tag in _raw(entry, "tags") or []:
        label = clean_text(str(_raw(tag, "term") or _raw(tag, "label") or ""))
        if label and label not in labels:
            labels.append(label)
    return tuple(labels)


def _date(entry: Entry, key: str, tz: str) -> dt.datetime | None:
    parsed = _raw(entry, f"{key}_parsed")
    if isinstance(parsed, time.struct_time):
        try:  # feedparser's struct_time is UTC
            return dt.datetime(*parsed[:6], tzinfo=dt.UTC)
        except (ValueError, OverflowError):
            pass
    text = _text(entry, key)
    if text:  # Arabic month names and digits that feedparser does not know
        when = parse_date(text, tz=tz)
        if when is not None:
            return when.astimezone(dt.UTC)
    return None


def _enclosure_images(entry: Entry) -> Iterator[Image]:
    # feedparser's "enclosures" key is computed from links on access: read the links.
    for enclosure in _raw(entry, "links") or []:
        if _raw(enclosure, "rel") != "enclosure":
            continue
        href = _raw(enclosure, "href")
        mime = str(_raw(enclosure, "type") or "").lower()
        if not isinstance(href, str):
            continue
        if mime.startswith("image/") or (not mime and image_path(href)):
            yield Image(url=href, mime_type=mime or None, length=to_int(_raw(enclosure, "length")))


def _feedparser_media(entry: Entry) -> Iterator[Image]:
    """Fallback when the lxml pass could not be matched: no per-image captions here."""
    for media in _raw(entry, "media_content") or []:
        url = _raw(media, "url")
        if isinstance(url, str) and is_image(
            str(_raw(media, "medium") or ""), str(_raw(media, "type") or ""), url
        ):
            yield Image(
                url=url,
                width=to_int(_raw(media, "width")),
                height=to_int(_raw(media, "height")),
                mime_type=_raw(media, "type") or None,
            )
    for thumb in _raw(entry, "media_thumbnail") or []:
        url = _raw(thumb, "url")
        if isinstance(url, str):
            yield Image(
                url=url, width=to_int(_raw(thumb, "width")), height=to_int(_raw(thumb, "height"))
            )


# --- the lxml pass: raw guids and Media RSS bound to each image ------------------------


def _read_items(data: bytes) -> list[_RawItem] | None:
    try:
        root = etree.fromstring(data, safe_parser(recover=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    return [_raw_item(element) for element in items(root)]


def _raw_item(item: etree._Element) -> _RawItem:
    guid: str | None = item.get(RDF_ABOUT)
    link: str | None = None
    atom = qname(item).namespace in ATOM_NAMESPACES
    for child in item:
        if not isinstance(child.tag, str):
            continue
        name = qname(child)
        if name.localname in ("guid", "id") and name.namespace in ITEM_NAMESPACES:
            guid = (child.text or "").strip() or guid
        elif name.localname == "link" and link is None:
            link = (child.get("href") if atom else child.text) or None
    images = tuple(_media_images(item))
    return _RawItem(guid=guid.strip() if guid else None, link=link, images=images)


def _is_media(element: etree._Element, localname: str) -> bool:
    if not isinstance(element.tag, str):
        return False
    name = qname(element)
    return name.localname == localname and (name.namespace or "").startswith(MEDIA_NS_PREFIX)


@dataclass(frozen=True, slots=True)
class _Meta:
    caption: str | None = None
    credit: str | None = None

    def under(self, parent: _Meta) -> _Meta:
        """More specific wins (Media RSS: content > group > item)."""
        return _Meta(self.caption or parent.caption, self.credit or parent.credit)


def _meta(element: etree._Element, *, titles: bool) -> _Meta:
    caption = title = None
    credits: list[str] = []
    for child in element:
        if _is_media(child, "description"):
            caption = caption or _media_text(child)
        elif _is_media(child, "title") and titles:
            title = title or _media_text(child)
        elif _is_media(child, "credit"):
            text = _media_text(child)
            if text and text not in credits:
                credits.append(text)
    return _Meta(caption or title, "، ".join(credits) or None)


def _media_text(element: etree._Element) -> str | None:
    text = "".join(str(t) for t in element.itertext())
    if element.get("type") == "html":
        text = html_to_text(text)
    return clean_text(text) or None


def _media_images(item: etree._Element) -> Iterator[Image]:
    # An item-level media:title is the headline, not a caption: only descriptions count.
    item_meta = _meta(item, titles=False)
    found: list[tuple[etree._Element, _Meta]] = []
    for child in item:
        if _is_media(child, "content") or _is_media(child, "thumbnail"):
            found.append((child, _Meta()))
        elif _is_media(child, "group"):
            group_meta = _meta(child, titles=True)
            chosen = _group_choice(child)
            if chosen is not None:
                found.append((chosen, group_meta))
    if len(found) != 1:
        # One item-level description cannot say which of several images it describes.
        item_meta = _Meta(None, item_meta.credit)
    for element, parent in found:
        yield from _element_images(element, parent.under(item_meta))


def _group_choice(group: etree._Element) -> etree._Element | None:
    """Alternates of one picture: the default, else the widest image, else a thumbnail."""
    images = [
        c
        for c in group
        if _is_media(c, "content")
        and is_image(c.get("medium") or "", c.get("type") or "", c.get("url") or "")
    ]
    for content in images:
        if content.get("isDefault", "").lower() == "true":
            return content
    if images:
        return max(images, key=lambda c: to_int(c.get("width")) or 0)
    thumbs = [c for c in group if _is_media(c, "thumbnail")]
    return thumbs[0] if thumbs else None


def _element_images(element: etree._Element, inherited: _Meta) -> Iterator[Image]:
    meta = _meta(element, titles=True).under(inherited)
    url = element.get("url")
    if _is_media(element, "thumbnail"):
        if url:
            yield _image(element, url, meta, None)
        return
    mime = element.get("type") or ""
    if url and is_image(element.get("medium") or "", mime, url):
        yield _image(element, url, meta, mime or None)
        return
    for thumb in element:  # a video's poster frame is an image of the same thing
        if _is_media(thumb, "thumbnail") and thumb.get("url"):
            yield _image(thumb, thumb.get("url") or "", meta, None)


def _image(element: etree._Element, url: str, meta: _Meta, mime: str | None) -> Image:
    return Image(
        url=url.strip(),
        caption=meta.caption,
        credit=meta.credit,
        width=to_int(element.get("width")),
        height=to_int(element.get("height")),
        mime_type=mime,
        length=to_int(element.get("fileSize")),
    )


__all__ = ["MEDIA_NS_PREFIX", "parse_xml_feed"]
