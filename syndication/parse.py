"""The only feedparser user: `Fetched` → `ParsedFeed` of cleaned `FeedItem`s; owns the bozo policy.

    parse_feed(fetched, partner)
      ├─ empty / HTML page / entity bomb?          → FeedParseError (before any parser runs)
      ├─ JSON Feed 1.0/1.1                         → our own small reader (feedparser has none)
      ├─ decode.feed_to_utf8                       → UTF-8 bytes, declaration rewritten
      ├─ feedparser.parse(bytes, response_headers) → entries; never a URL, never HTTP
      ├─ lxml re-read of the same bytes            → raw guids + Media RSS bound per image
      └─ FeedItem per entry; the partner's `max_items` newest kept

Bozo policy: a problem feedparser recovered from (wrong charset label, undeclared namespace,
mismatched tags with entries recovered) becomes a warning on `ParsedFeed.warnings`; a
document with nothing usable is a `FeedParseError` for that partner only.

Identity: `FeedItem.guid` is the guid exactly as the partner wrote it (stripped). feedparser
resolves a relative-looking guid against the feed URL, which would change every id when a
feed moves, so the raw text from the lxml pass wins.

`scan_item_keys` is the fast path in front of all this: one lxml pass that lists each item's
(guid, link) and answers None whenever it cannot be sure it agrees with `parse_feed`;
`scan_items` adds a digest of each item's XML, so ingest can skip feedparser when every
item is known and untouched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import json
import re
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import feedparser
from lxml import etree
from lxml import html as lxml_html

from .arabic.dates import parse_date
from .arabic.text import clean_text, is_urgent_label, strip_urgent_prefix
from .decode import feed_to_utf8
from .errors import FeedParseError
from .model import FeedItem, Fetched, Image, ParsedFeed, PartnerFeed

# Defence in depth: normalize runs our own sanitizer later, but feedparser's stays on.
feedparser.SANITIZE_HTML = True
feedparser.RESOLVE_RELATIVE_URIS = True

MEDIA_NS_PREFIX = "http://search.yahoo.com/mrss"
_ITEM_NAMESPACES = frozenset(
    {
        None,
        "",
        "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2",
        "http://www.w3.org/2005/Atom",
        "http://purl.org/atom/ns#",
    }
)
_ATOM_NAMESPACES = frozenset({"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"})
_RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg")

# Entity declarations: a handful of short, flat ones are harmless (feedparser keeps those);
# anything nested, external, parametric or able to expand past this is an "entity bomb".
_MAX_ENTITY_EXPANSION = 1_000_000
_MAX_ENTITIES = 64
_PROLOG_END = re.compile(rb"<[A-Za-z_]")
_ENTITY_OPEN = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ENTITY_DECL = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(?:(SYSTEM|PUBLIC)\b|\"([^\"]*)\"|'([^']*)')",
    re.IGNORECASE,
)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?xml[^>]*>|<!--.*?-->|<!doctype[^>]*>)*<html[\s>]",
    re.IGNORECASE | re.DOTALL,
)


# --- entry point ----------------------------------------------------------------------


def parse_feed(fetched: Fetched, partner: PartnerFeed) -> ParsedFeed:
    """Parse one fetched feed for `partner`; raise FeedParseError when it is unusable."""
    body = fetched.body
    url = fetched.final_url
    if not body.strip():
        raise _error(partner, url, "the feed is empty (no bytes)", "check the feed URL")
    content_type = fetched.header("content-type") or ""
    mime, charset = _split_content_type(content_type)
    if _looks_like_json(mime, body):
        return _parse_json_feed(body, partner, url)
    if _HTML_START.match(body[:4096]):
        raise _error(
            partner,
            url,
            "an HTML page was served instead of a feed",
            "the feed URL probably moved; find the site's current RSS/Atom link",
        )
    data, source_encoding = feed_to_utf8(body, charset, partner.encoding)
    warnings = _refuse_entity_bombs(data, partner, url)

    # No Content-Type at all (file drops, bare servers) is not worth a warning: assume XML.
    headers = {"content-location": url, "content-type": content_type or "application/xml"}
    if source_encoding is not None:
        headers["content-type"] = f"{_xml_mime(mime)}; charset=utf-8"
    try:
        result = feedparser.parse(
            io.BytesIO(data),  # bytes, never a string: feedparser opens strings as paths/URLs
            response_headers=headers,
            resolve_relative_uris=True,
            sanitize_html=True,
        )
    except RecursionError as e:  # absurdly deep nesting
        raise _error(partner, url, "the feed nests elements too deeply", _ASK) from e

    entries: list[Any] = list(result.get("entries") or [])
    feed: Mapping[str, Any] = result.get("feed") or {}
    version = str(result.get("version") or "")
    feed_title = _text(feed, "title")
    warnings += _bozo_warnings(result, entries, version, feed_title, partner, url, mime)

    raw_items = _read_items(data)
    matched = raw_items if raw_items is not None and len(raw_items) == len(entries) else None
    items = [
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
        link=_absolute(_raw(feed, "link"), url),
        items=tuple(_newest(items, partner.max_items)),
        ttl=_ttl(feed),
        warnings=tuple(warnings),
        encoding=source_encoding or "utf-8",
    )


def guids_unreliable(items: Iterable[FeedItem]) -> bool:
    """True when some item has no guid or two items share one (identity must use URLs)."""
    return guid_values_unreliable(item.guid for item in items)


def guid_values_unreliable(guids: Iterable[str | None]) -> bool:
    """`guids_unreliable` over the guids alone (the fast path has no FeedItems)."""
    seen: set[str] = set()
    for guid in guids:
        if not guid or guid in seen:
            return True
        seen.add(guid)
    return False


# --- bozo policy ----------------------------------------------------------------------

_ASK = "ask the partner to fix their feed; other partners are not affected"


def _bozo_warnings(
    result: Mapping[str, Any],
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
        raise _error(partner, url, what, "check the feed URL; " + _ASK)
    if problem is None:
        return []
    return [f"{type(problem).__name__}: {problem}"]


def _refuse_entity_bombs(data: bytes, partner: PartnerFeed, url: str) -> list[str]:
    """Refuse entity declarations that could expand without bound (billion laughs & co).

    feedparser drops nested ones, but its strict parser still expands the "safe" flat ones,
    so one 1 MB entity referenced a million times would still be a terabyte. External
    entities are never fetched (feedparser strips them, and no parser here has network or
    file access), so they only earn a warning.
    """
    end = _PROLOG_END.search(data)
    prolog = data[: end.start()] if end else data
    opened = len(_ENTITY_OPEN.findall(prolog))
    if not opened:
        return []
    declarations = _ENTITY_DECL.findall(prolog)
    warnings: list[str] = []
    problem: str | None = None
    if len(declarations) != opened:
        problem = "an entity declaration we cannot read"
    elif opened > _MAX_ENTITIES:
        problem = f"{opened} entity declarations"
    else:
        body = data[len(prolog) :]
        expansion = 0
        for _parameter, name, external, dq, sq in declarations:
            value = dq or sq
            if external:
                warnings.append(f"ignored external entity {name.decode('ascii', 'replace')!r}")
                continue
            if b"&" in value or b"%" in value:
                problem = f"entity {name.decode('ascii', 'replace')!r} refers to other entities"
                break
            expansion += len(value) * body.count(b"&" + name + b";")
        if problem is None and expansion > _MAX_ENTITY_EXPANSION:
            problem = f"entities that expand to {expansion:,} bytes"
    if problem is not None:
        raise _error(
            partner,
            url,
            f"refused an XML entity bomb: the DOCTYPE declares {problem}",
            "ask the partner to remove the DOCTYPE's entity declarations",
        )
    return warnings


# --- one entry ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RawItem:
    """What the lxml pass read of one item, in document order."""

    guid: str | None
    link: str | None  # raw text/href of the first usable link, unresolved
    images: tuple[Image, ...]


def _item(
    entry: Mapping[str, Any], raw: _RawItem | None, partner: PartnerFeed, base: str
) -> FeedItem:
    title, urgent = strip_urgent_prefix(clean_text(_plain(entry, "title") or ""))
    categories = _categories(entry)
    urgent_labels = {clean_text(c) for c in partner.urgent_categories}
    urgent = (
        urgent
        or any(is_urgent_label(c) for c in categories)
        or any(c in urgent_labels for c in categories)
    )
    # feedparser mangles relative links under a file: base (file://dir/… loses a slash), so
    # the unresolved link from our own lxml pass is preferred when we have it.
    link = _raw(entry, "link")
    if base.lower().startswith("file:") and raw is not None and raw.link:
        link = raw.link
    link = _absolute(link, base)
    guid = raw.guid if raw is not None else _guid(entry)
    images = _dedupe(
        [
            *(raw.images if raw is not None else _feedparser_media(entry)),
            *_enclosure_images(entry),
        ],
        base,
        title,
    )
    return FeedItem(
        partner_id=partner.id,
        guid=guid,
        url=link,
        title=title,
        published=_date(entry, "published", partner.timezone),
        updated=_date(entry, "updated", partner.timezone),
        summary=_plain(entry, "summary") or None,
        content_html=_content_html(entry),
        author=clean_text(_text(entry, "author") or "") or None,
        categories=categories,
        images=images,
        urgent=urgent,
    )


def _raw(d: Mapping[str, Any], key: str) -> Any:
    # dict.get, not FeedParserDict.get: its key aliases ("updated" → "published") warn.
    if isinstance(d, dict):
        return dict.get(d, key)
    return d.get(key)


def _text(d: Mapping[str, Any], key: str) -> str | None:
    value = _raw(d, key)
    return value if isinstance(value, str) and value.strip() else None


def _guid(entry: Mapping[str, Any]) -> str | None:
    value = _text(entry, "id")
    return value.strip() if value else None


def _plain(entry: Mapping[str, Any], key: str) -> str:
    """The field as one line of plain text, whatever markup the partner put in it."""
    value = _text(entry, key)
    if value is None:
        return ""
    detail = _raw(entry, f"{key}_detail") or {}
    if _raw(detail, "type") == "text/plain" or ("<" not in value and "&" not in value):
        return clean_text(value)
    return html_to_text(value)


_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, blocks separated, entities decoded."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_text(html.unescape(re.sub(r"<[^>]*>", " ", fragment)))
    for element in root.iter():
        if element.tag in _BLOCK_TAGS:
            element.tail = " " + (element.tail or "")
        elif element.tag in ("script", "style"):
            element.text = ""
    return clean_text(root.text_content())


def _content_html(entry: Mapping[str, Any]) -> str | None:
    contents = _raw(entry, "content") or []
    best: Mapping[str, Any] | None = None
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


def _categories(entry: Mapping[str, Any]) -> tuple[str, ...]:
    labels: list[str] = []
    for tag in _raw(entry, "tags") or []:
        label = clean_text(str(_raw(tag, "term") or _raw(tag, "label") or ""))
        if label and label not in labels:
            labels.append(label)
    return tuple(labels)


def _date(entry: Mapping[str, Any], key: str, tz: str) -> dt.datetime | None:
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


def _ttl(feed: Mapping[str, Any]) -> int | None:
    value = str(_raw(feed, "ttl") or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**6 else None


def _newest(items: list[FeedItem], limit: int) -> list[FeedItem]:
    """The `limit` newest items, in document order (undated feeds: the first ones)."""
    if len(items) <= limit:
        return items
    dated: list[tuple[dt.datetime, int]] = []
    for index, item in enumerate(items):
        when = item.published or item.updated
        if when is None:
            return items[:limit]
        dated.append((when, -index))  # equal dates: earlier in the document counts as newer
    keep = {-index for _, index in sorted(dated, reverse=True)[:limit]}
    return [item for i, item in enumerate(items) if i in keep]


def _absolute(link: Any, base: str) -> str | None:
    """An absolute http(s) URL, or None for anything else (javascript:, mailto:, junk)."""
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        # Absolute links ignore the base, so the fast path (which has none) agrees.
        parts = urllib.parse.urlsplit(link.strip())
        if not parts.scheme:
            parts = urllib.parse.urlsplit(urllib.parse.urljoin(base, link.strip()))
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme == "file" and base.lower().startswith("file:"):
        # Only a file: feed (drop folder, the bundled demo) may point at local pages; the
        # fetcher still confines them to the feed's own folder.
        return urllib.parse.urlunsplit(parts._replace(scheme="file"))
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    return urllib.parse.urlunsplit(parts._replace(scheme=scheme))


# --- images ---------------------------------------------------------------------------


def _enclosure_images(entry: Mapping[str, Any]) -> Iterator[Image]:
    # feedparser's "enclosures" key is computed from links on access: read the links.
    for enclosure in _raw(entry, "links") or []:
        if _raw(enclosure, "rel") != "enclosure":
            continue
        href = _raw(enclosure, "href")
        mime = str(_raw(enclosure, "type") or "").lower()
        if not isinstance(href, str):
            continue
        if mime.startswith("image/") or (not mime and _image_path(href)):
            yield Image(url=href, mime_type=mime or None, length=_int(_raw(enclosure, "length")))


def _feedparser_media(entry: Mapping[str, Any]) -> Iterator[Image]:
    """Fallback when the lxml pass could not be matched: no per-image captions here."""
    for media in _raw(entry, "media_content") or []:
        url = _raw(media, "url")
        if isinstance(url, str) and _is_image(
            str(_raw(media, "medium") or ""), str(_raw(media, "type") or ""), url
        ):
            yield Image(
                url=url,
                width=_int(_raw(media, "width")),
                height=_int(_raw(media, "height")),
                mime_type=_raw(media, "type") or None,
            )
    for thumb in _raw(entry, "media_thumbnail") or []:
        url = _raw(thumb, "url")
        if isinstance(url, str):
            yield Image(
                url=url, width=_int(_raw(thumb, "width")), height=_int(_raw(thumb, "height"))
            )


def _dedupe(images: list[Image], base: str, title: str) -> tuple[Image, ...]:
    """Absolute URLs, one Image per URL (later duplicates only fill gaps), no title-captions."""
    by_url: dict[str, Image] = {}
    for image in images:
        url = _absolute(image.url, base)
        if url is None:
            continue
        if image.caption and clean_text(image.caption) == title:
            image = replace(image, caption=None)  # the headline repeated is not a caption
        image = replace(image, url=url)
        known = by_url.get(url)
        if known is None:
            by_url[url] = image
            continue
        by_url[url] = replace(
            known,
            **{
                name: getattr(image, name)
                for name in ("caption", "credit", "alt", "width", "height", "mime_type", "length")
                if getattr(known, name) is None and getattr(image, name) is not None
            },
        )
    return tuple(by_url.values())


def _is_image(medium: str, mime: str, url: str) -> bool:
    medium, mime = medium.lower(), mime.lower()
    if medium:
        return medium == "image"
    if mime:
        return mime.startswith("image/")
    return _image_path(url)


def _image_path(url: str) -> bool:
    return urllib.parse.urlsplit(url).path.lower().endswith(_IMAGE_EXTENSIONS)


def _int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


# --- the lxml pass: raw guids and Media RSS bound to each image ------------------------


def _safe_parser(recover: bool, *, strip_cdata: bool = True) -> etree.XMLParser:
    return etree.XMLParser(
        recover=recover,
        strip_cdata=strip_cdata,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _read_items(data: bytes) -> list[_RawItem] | None:
    try:
        root = etree.fromstring(data, _safe_parser(recover=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    return [_raw_item(element) for element in _items(root)]


@dataclass(frozen=True, slots=True)
class _QName:
    namespace: str | None
    localname: str


def _qname(element: etree._Element) -> _QName:
    """Like etree.QName, but never raises: a recovered tree can hold "prefix:name" tags."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return _QName(namespace, local)
    return _QName(None, tag)


# The tags `_items` looks for, so lxml filters in C instead of us asking each element.
_ITEM_TAGS = tuple(
    f"{{{namespace}}}{local}" if namespace else local
    for namespace in _ITEM_NAMESPACES
    for local in ("item", "entry")
)


def _items(root: etree._Element) -> Iterator[etree._Element]:
    """item/entry elements (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) in document order."""
    yield from root.iter(*_ITEM_TAGS)


def _raw_item(item: etree._Element) -> _RawItem:
    guid: str | None = item.get(_RDF_ABOUT)
    link: str | None = None
    atom = _qname(item).namespace in _ATOM_NAMESPACES
    for child in item:
        if not isinstance(child.tag, str):
            continue
        name = _qname(child)
        if name.localname in ("guid", "id") and name.namespace in _ITEM_NAMESPACES:
            guid = (child.text or "").strip() or guid
        elif name.localname == "link" and link is None:
            link = (child.get("href") if atom else child.text) or None
    images = tuple(_media_images(item))
    return _RawItem(guid=guid.strip() if guid else None, link=link, images=images)


def _is_media(element: etree._Element, localname: str) -> bool:
    if not isinstance(element.tag, str):
        return False
    name = _qname(element)
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
        and _is_image(c.get("medium") or "", c.get("type") or "", c.get("url") or "")
    ]
    for content in images:
        if content.get("isDefault", "").lower() == "true":
            return content
    if images:
        return max(images, key=lambda c: _int(c.get("width")) or 0)
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
    if url and _is_image(element.get("medium") or "", mime, url):
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
        width=_int(element.get("width")),
        height=_int(element.get("height")),
        mime_type=mime,
        length=_int(element.get("fileSize")),
    )


# --- JSON Feed ------------------------------------------------------------------------


def _looks_like_json(mime: str, body: bytes) -> bool:
    if mime in ("application/feed+json", "application/json") or mime.endswith("+json"):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _parse_json_feed(body: bytes, partner: PartnerFeed, url: str) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _error(partner, url, "invalid JSON Feed", _ASK) from e
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise _error(partner, url, "JSON without a JSON Feed 'items' list", "check the feed URL")
    version = str(document.get("version") or "")
    warnings = []
    if not version.startswith("https://jsonfeed.org/version/1"):
        warnings.append(f"unknown JSON Feed version {version!r}")
    items = [
        _json_item(entry, partner, url) for entry in document["items"] if isinstance(entry, dict)
    ]
    title = document.get("title")
    return ParsedFeed(
        partner_id=partner.id,
        title=clean_text(title) or None if isinstance(title, str) else None,
        link=_absolute(document.get("home_page_url"), url),
        items=tuple(_newest(items, partner.max_items)),
        warnings=tuple(warnings),
        encoding="utf-8",
    )


def _json_item(entry: Mapping[str, Any], partner: PartnerFeed, base: str) -> FeedItem:
    def string(key: str) -> str | None:
        value = entry.get(key)
        return value if isinstance(value, str) and value.strip() else None

    title, urgent = strip_urgent_prefix(clean_text(string("title") or ""))
    tags = _list(entry.get("tags"))
    categories = tuple(
        dict.fromkeys(clean_text(t) for t in tags if isinstance(t, str) and t.strip())
    )
    urgent_labels = {clean_text(c) for c in partner.urgent_categories}
    urgent = urgent or any(is_urgent_label(c) or c in urgent_labels for c in categories)
    raw_id = entry.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, (str, int)) and str(raw_id).strip() else None
    authors = _list(entry.get("authors"))
    if isinstance(entry.get("author"), dict):  # JSON Feed 1.0
        authors = [entry["author"], *authors]
    names = [
        a.get("name") for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    images = [Image(url=u) for u in (string("image"), string("banner_image")) if u]
    for attachment in _list(entry.get("attachments")):
        if not isinstance(attachment, dict) or not isinstance(attachment.get("url"), str):
            continue
        mime = str(attachment.get("mime_type") or "")
        if mime.lower().startswith("image/"):
            caption = attachment.get("title")
            images.append(
                Image(
                    url=attachment["url"],
                    caption=clean_text(caption) or None if isinstance(caption, str) else None,
                    mime_type=mime,
                    length=_int(attachment.get("size_in_bytes")),
                )
            )
    content_html = string("content_html")
    if content_html is None and string("content_text"):
        content_html = "<p>" + html.escape(string("content_text") or "") + "</p>"
    summary = string("summary")
    return FeedItem(
        partner_id=partner.id,
        guid=guid,
        url=_absolute(string("url") or string("external_url"), base),
        title=title,
        published=_json_date(string("date_published"), partner.timezone),
        updated=_json_date(string("date_modified"), partner.timezone),
        summary=html_to_text(summary) if summary else None,
        content_html=content_html,
        author=clean_text(", ".join(n for n in names if n)) or None,
        categories=categories,
        images=_dedupe(images, base, title),
        urgent=urgent,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _json_date(value: str | None, tz: str) -> dt.datetime | None:
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


# --- fast path ------------------------------------------------------------------------


def scan_item_keys(body: bytes) -> list[tuple[str | None, str | None]] | None:
    """Each item's (guid, link) in document order, read with lxml alone; None if unsure.

    The answer equals ``[(i.guid, i.url) for i in parse_feed(...).items]`` before the
    `max_items` cut (a differential test checks this over the feedparser corpus), so a
    poller can skip feedparser when every key is already known. "Unsure" covers anything
    where feedparser could read the document differently: not well-formed XML, a DOCTYPE,
    xml:base, relative or duplicate links, an unknown root, non-ASCII bytes whose charset
    only the HTTP header could tell.
    """
    scanned = _scan(body, strip_cdata=True)
    return None if scanned is None else scanned[1]


@dataclass(frozen=True, slots=True)
class ItemScan:
    """What `scan_items` read: each item's key, a digest of its XML, and the feed's TTL."""

    keys: tuple[tuple[str | None, str | None], ...]  # as scan_item_keys
    digests: tuple[str, ...]  # per item: sha256 of its raw bytes (or its XML), see below
    ttl: int | None  # RSS <ttl> minutes, as ParsedFeed.ttl


@dataclass(frozen=True, slots=True)
class ItemDigests:
    """What `scan_digests` read: the digests of `scan_items` without the keys."""

    digests: tuple[str, ...]
    ttl: int | None


def scan_items(body: bytes) -> ItemScan | None:
    """`scan_item_keys` plus a digest of each item's XML; None when unsure.

    Equal digests mean the same element, namespaces of its names included, so under the
    same feed URL, headers and partner settings `parse_feed` turns it into the same
    FeedItem: a poller that remembers (digest, item hash) per article can tell an edited
    item from an untouched one without running feedparser.
    """
    scanned = _scan(body, strip_cdata=False)
    if scanned is None:
        return None
    root, keys, items = scanned
    digests, ttl = _digests_and_ttl(body, root, items)
    return ItemScan(keys=tuple(keys), digests=digests, ttl=ttl)


def scan_digests(body: bytes) -> ItemDigests | None:
    """The digests and TTL of `scan_items` without reading each item's key (the costly
    half of the scan); None when the document is one `scan_items` would refuse outright.

    An item's key is a function of its digest (the digest covers its bytes and what gives
    them meaning), so a poller that remembers digest → key from an earlier `scan_items`
    gets the same keys from this.
    """
    scanned = _scan_tree(body, strip_cdata=False)
    if scanned is None:
        return None
    root, items = scanned
    return ItemDigests(*_digests_and_ttl(body, root, items))


def _digests_and_ttl(
    body: bytes, root: etree._Element, items: list[etree._Element]
) -> tuple[tuple[str, ...], int | None]:
    digests = _raw_digests(body, root, items) or tuple(
        hashlib.sha256(etree.tostring(item, with_tail=False)).hexdigest()[:32] for item in items
    )
    ttl_element = root.find("channel/ttl") if _qname(root).localname == "rss" else None
    ttl = _ttl({"ttl": ttl_element.text or ""}) if ttl_element is not None else None
    return digests, ttl


def _raw_digests(
    body: bytes, root: etree._Element, items: list[etree._Element]
) -> tuple[str, ...] | None:
    """Digests of the raw bytes from each item's start tag to the next one's (the last: to
    the end), or None when the start tags cannot be found exactly (then the caller
    serializes each element, which costs 15 µs an item).

    Every real start tag is markup, so it is found; when the count equals the items lxml
    saw, no fake one (in CDATA or a comment) was, so the chunks tile the bytes from the
    first item to the end of the document: no change there can leave every digest equal.
    The document's encoding and the namespaces in scope are part of each digest, since
    they decide what the same bytes mean: those the item inherits from its parent, as
    any the item declares itself are in its own bytes (one salt per parent, not per item:
    building an element's nsmap is the costly part).
    """
    if not items:
        return ()
    first = items[0]
    name = (f"{first.prefix}:" if first.prefix else "") + _qname(first).localname
    if any(item.tag != first.tag or item.prefix != first.prefix for item in items):
        return None
    starts = [m.start() for m in re.finditer(b"<" + re.escape(name.encode()) + rb"[\s>/]", body)]
    if len(starts) != len(items):
        return None
    encoding = (root.getroottree().docinfo.encoding or "").lower().encode()
    bounds = [*starts, len(body)]
    out = []
    view = memoryview(body)  # chunks hashed in place, not copied
    parent: etree._Element | None = None
    salted = hashlib.sha256()
    for i, item in enumerate(items):
        up = item.getparent()
        if up is None:
            return None
        if up is not parent:  # lxml hands back the same proxy while we hold it
            parent = up
            salt = encoding + repr(sorted(up.nsmap.items(), key=str)).encode()
            salted = hashlib.sha256(salt + b"\0")
        digest = salted.copy()
        digest.update(view[bounds[i] : bounds[i + 1]])
        out.append(digest.hexdigest()[:32])
    return tuple(out)


def _scan_tree(
    body: bytes, *, strip_cdata: bool
) -> tuple[etree._Element, list[etree._Element]] | None:
    """The parsed document and its items, or None for what the fast path never reads."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<") or b"<!DOCTYPE" in body[:4096].upper():
        return None
    if b"xml:base" in body:
        return None
    try:
        root = etree.fromstring(body, _safe_parser(recover=False, strip_cdata=strip_cdata))
    except (etree.XMLSyntaxError, ValueError):
        return None
    root_name = _qname(root).localname.lower()
    if root_name not in ("rss", "rdf", "feed"):
        return None
    return root, list(_items(root))


def _scan(
    body: bytes, *, strip_cdata: bool
) -> tuple[etree._Element, list[tuple[str | None, str | None]], list[etree._Element]] | None:
    scanned = _scan_tree(body, strip_cdata=strip_cdata)
    if scanned is None:
        return None
    root, items = scanned
    keys: list[tuple[str | None, str | None]] = []
    for item in items:
        key = _scan_item(item)
        if key is None:
            return None
        keys.append(key)
    return root, keys, items


def _scan_item(item: etree._Element) -> tuple[str | None, str | None] | None:
    atom = _qname(item).namespace in _ATOM_NAMESPACES
    guid: str | None = item.get(_RDF_ABOUT)
    guid_is_link = False
    links: list[str] = []
    for child in item:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        # Cheap reject first: most children (title, dates, media…) are none of these.
        local = tag.rpartition("}")[2]
        if local not in ("link", "guid", "id"):
            continue
        name = _qname(child)
        if name.localname == "link":
            if name.namespace not in _ITEM_NAMESPACES:
                return None  # atom:link inside RSS and the like: feedparser mixes them in
            if atom:
                rel = child.get("rel", "alternate")
                mime = child.get("type", "text/html")
                if child.get("href") is None:
                    return None  # feedparser then reads the element's text as the link
                if rel == "alternate" and mime in ("text/html", "application/xhtml+xml"):
                    links.append(child.get("href") or "")
            else:
                links.append(child.text or "")
        elif name.localname in ("guid", "id") and name.namespace in _ITEM_NAMESPACES:
            if guid is not None and item.get(_RDF_ABOUT) is None:
                return None  # two ids: which one feedparser keeps is order-dependent
            guid = (child.text or "").strip() or None
            guid_is_link = child.get("isPermaLink", "true") == "true"
    if len(links) > 1:
        return None
    if links:
        link_text = links[0].strip()
    elif guid is not None and guid_is_link:
        link_text = guid
    else:
        return guid, None
    if not link_text:
        return None
    if not urllib.parse.urlsplit(link_text).scheme:
        return None  # relative: resolved against a base only parse_feed knows
    return guid, _absolute(link_text, "")


# --- small helpers --------------------------------------------------------------------


def _split_content_type(value: str) -> tuple[str, str | None]:
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _xml_mime(mime: str) -> str:
    return mime if mime and ("xml" in mime or mime.startswith("text/")) else "application/xml"


def _error(partner: PartnerFeed, url: str, message: str, hint: str) -> FeedParseError:
    return FeedParseError(message, partner_id=partner.id, url=url, hint=hint)


__all__ = [
    "ItemDigests",
    "ItemScan",
    "guid_values_unreliable",
    "guids_unreliable",
    "html_to_text",
    "parse_feed",
    "scan_digests",
    "scan_item_keys",
    "scan_items",
]
