"""What every format reader shares: links made absolute, images deduplicated, the newest-N
cut, HTML reduced to one line of text, the RSS TTL, guid reliability, and the error that
names the partner and what to do about it.

A leaf of the package: it imports no sibling.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import replace

from lxml import etree
from lxml import html as lxml_html

from ..arabic.text import clean_text, is_urgent_label
from ..errors import FeedParseError
from ..model import FeedItem, Image, PartnerFeed

ASK_PARTNER = "ask the partner to fix their feed; other partners are not affected"

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg")
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})
_GAP_FIELDS = ("caption", "credit", "alt", "width", "height", "mime_type", "length")


def feed_error(partner: PartnerFeed, url: str, message: str, hint: str) -> FeedParseError:
    """The error for one partner's unusable feed: what is wrong and what to do."""
    return FeedParseError(message, partner_id=partner.id, url=url, hint=hint)


# --- identity -------------------------------------------------------------------------


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


# --- text, links, numbers -------------------------------------------------------------


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


def absolute_url(link: object, base: str) -> str | None:
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


def to_int(value: object) -> int | None:
    """A non-negative integer from whatever a feed put there, else None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def ttl_minutes(text: str) -> int | None:
    """RSS <ttl> as minutes, or None when it is not a plausible positive number."""
    value = text.strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**6 else None


# --- items and images -----------------------------------------------------------------


def is_urgent(title_prefixed: bool, categories: Iterable[str], partner: PartnerFeed) -> bool:
    """Urgent by its title's prefix, a category that says so, or one the partner uses."""
    if title_prefixed:
        return True
    urgent_labels = {clean_text(c) for c in partner.urgent_categories}
    return any(is_urgent_label(c) or c in urgent_labels for c in categories)


def newest(items: list[FeedItem], limit: int) -> list[FeedItem]:
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


def dedupe_images(images: list[Image], base: str, title: str) -> tuple[Image, ...]:
    """Absolute URLs, one Image per URL (later duplicates only fill gaps), no title-captions."""
    by_url: dict[str, Image] = {}
    for image in images:
        url = absolute_url(image.url, base)
        if url is None:
            continue
        if image.caption and clean_text(image.caption) == title:
            image = replace(image, caption=None)  # the headline repeated is not a caption
        image = replace(image, url=url)
        known = by_url.get(url)
        by_url[url] = image if known is None else _fill_gaps(known, image)
    return tuple(by_url.values())


def _fill_gaps(known: Image, later: Image) -> Image:
    return replace(
        known,
        **{
            name: getattr(later, name)
            for name in _GAP_FIELDS
            if getattr(known, name) is None and getattr(later, name) is not None
        },
    )


def is_image(medium: str, mime: str, url: str) -> bool:
    """Media RSS `medium`, else the MIME type, else the URL's extension says "image"."""
    medium, mime = medium.lower(), mime.lower()
    if medium:
        return medium == "image"
    if mime:
        return mime.startswith("image/")
    return image_path(url)


def image_path(url: str) -> bool:
    """The URL's path ends like an image file."""
    return urllib.parse.urlsplit(url).path.lower().endswith(_IMAGE_EXTENSIONS)
