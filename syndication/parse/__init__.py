"""`Fetched` → `ParsedFeed` of cleaned `FeedItem`s: detect the format, refuse what no parser
should see, hand the bytes to the module for that format.

    parse_feed(fetched, partner)
      ├─ empty / HTML page?                 → FeedParseError (before any parser runs)
      ├─ JSON Feed 1.0/1.1                  → jsonfeed (feedparser has no JSON reader)
      ├─ decode.feed_to_utf8                → UTF-8 bytes, declaration rewritten
      ├─ entity bomb in the DOCTYPE?        → FeedParseError
      └─ RSS 0.9x/1.0/2.0, Atom 0.3/1.0     → feedparser_ (feedparser + Media RSS pass)

    parse_feed_items(fetched, partner, scan, drop) → the same, for only some of the items:
                                            the others cut out of the bytes (scan.cut_items)

    scan_item_keys / scan_items / scan_digests → scan (the lxml fast path in front of all
    this: answers None whenever it cannot be sure it agrees with parse_feed)

`feedparser_`, `jsonfeed` and `scan` never import each other; what they share lives in the
leaves `common` and `xmltree` (import-linter checks both).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Literal

from ..decode import feed_to_utf8
from ..errors import FeedParseError
from ..model import Fetched, ParsedFeed, PartnerFeed
from .common import feed_error, guid_values_unreliable, guids_unreliable, html_to_text
from .feedparser_ import parse_xml_feed
from .jsonfeed import parse_json_feed
from .scan import ItemDigests, ItemScan, cut_items, scan_digests, scan_item_keys, scan_items
from .tombstones import deleted_entries

_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?(?:\s|<\?xml[^>]*>|<!--.*?-->|<!doctype[^>]*>)*<html[\s>]",
    re.IGNORECASE | re.DOTALL,
)


def parse_feed(fetched: Fetched, partner: PartnerFeed) -> ParsedFeed:
    """Parse one fetched feed for `partner`; raise FeedParseError when it is unusable."""
    body = fetched.body
    url = fetched.final_url
    content_type = fetched.header("content-type") or ""
    mime, charset = _split_content_type(content_type)
    if _detect(body, mime, partner, url) == "json":
        return parse_json_feed(body, partner, url)
    data, source_encoding = feed_to_utf8(body, charset, partner.encoding)
    warnings = _refuse_entity_bombs(data, partner, url)
    parsed = parse_xml_feed(
        data,
        partner,
        url,
        content_type=content_type,
        mime=mime,
        source_encoding=source_encoding,
    )
    return replace(parsed, warnings=(*warnings, *parsed.warnings)) if warnings else parsed


def parse_feed_items(
    fetched: Fetched, partner: PartnerFeed, scan: ItemScan, drop: Collection[int]
) -> ParsedFeed | None:
    """`parse_feed` of the same bytes without the items at the indices *drop* (as in
    *scan*, taken of ``fetched.body``); None when that cannot be shown to give exactly
    `parse_feed`'s other items (then call `parse_feed`).

    For a poller that already knows most items of a feed: feedparser costs ~0.5 ms an
    item, so a 50-item feed with 5 new items is read 8× faster. Cut only from UTF-8 bodies
    `feed_to_utf8` leaves as they are (elsewhere the bytes would be re-encoded, or the
    charset guessed from what is left), refused when feedparser has any complaint about
    what is left (its warnings are about the whole document), and checked item by item
    against the scan's (guid, link): each item left must be the one it was in *body*.
    """
    body = fetched.body
    content_type = fetched.header("content-type") or ""
    mime, charset = _split_content_type(content_type)
    if partner.encoding or len(scan.keys) > partner.max_items or _looks_like_json(mime, body):
        return None  # a forced charset, or a cut by date (`newest`) over all the items
    if feed_to_utf8(body, charset, None)[1] is not None:
        return None
    cut = cut_items(body, scan, drop)
    if cut is None:
        return None
    try:
        parsed = parse_feed(replace(fetched, body=cut), partner)
    except FeedParseError:
        return None
    dropped = set(drop)
    expected = [key for i, key in enumerate(scan.keys) if i not in dropped]
    if parsed.warnings or [(i.guid, i.url) for i in parsed.items] != expected:
        return None
    return parsed


def _detect(body: bytes, mime: str, partner: PartnerFeed, url: str) -> Literal["json", "xml"]:
    """The format from the media type and the first bytes; raise for what is no feed."""
    if not body.strip():
        raise feed_error(partner, url, "the feed is empty (no bytes)", "check the feed URL")
    if _looks_like_json(mime, body):
        return "json"
    if _HTML_START.match(body[:4096]):
        raise feed_error(
            partner,
            url,
            "an HTML page was served instead of a feed",
            "the feed URL probably moved; find the site's current RSS/Atom link",
        )
    return "xml"


def _looks_like_json(mime: str, body: bytes) -> bool:
    if mime in ("application/feed+json", "application/json") or mime.endswith("+json"):
        return True
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _split_content_type(value: str) -> tuple[str, str | None]:
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return mime.strip().lower(), charset


# --- entity bombs ---------------------------------------------------------------------
#
# Read from the bytes, not with an XML parser (defusedxml included), on purpose: feedparser
# picks the declarations it re-inserts and expands with regexes over these same bytes, so
# one in a comment or outside the DOCTYPE still expands there although an XML parser never
# sees it. And defusedxml refuses every declaration, while real feeds (feedparser's own
# corpus too) carry small flat ones and the XHTML Latin-1 entity set by reference.

# A handful of short, flat declarations are harmless (feedparser keeps those); anything
# nested, unreadable or able to expand past this is an "entity bomb".
_MAX_ENTITY_EXPANSION = 1_000_000
_MAX_ENTITIES = 64
_PROLOG_END = re.compile(rb"<[A-Za-z_]")
_ENTITY_OPEN = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ENTITY_DECL = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s>]+)\s+(?:(SYSTEM|PUBLIC)\b|\"([^\"]*)\"|'([^']*)')",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Entity:
    """One entity declaration as the bytes spell it."""

    name: bytes
    external: bool
    value: bytes  # as written: character references not expanded

    @property
    def label(self) -> str:
        return repr(self.name.decode("ascii", "replace"))


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
    entities = [
        _Entity(m[2], bool(m[3]), m[4] or m[5] or b"") for m in _ENTITY_DECL.finditer(prolog)
    ]
    problem = _entity_problem(opened, entities, data[len(prolog) :])
    if problem is not None:
        raise feed_error(
            partner,
            url,
            f"refused an XML entity bomb: the DOCTYPE declares {problem}",
            "ask the partner to remove the DOCTYPE's entity declarations",
        )
    return [f"ignored external entity {e.label}" for e in entities if e.external]


def _entity_problem(opened: int, entities: list[_Entity], body: bytes) -> str | None:
    """What makes these declarations a bomb, or None when they are harmless."""
    if len(entities) != opened:
        return "an entity declaration we cannot read"
    if opened > _MAX_ENTITIES:
        return f"{opened} entity declarations"
    expansion = 0
    for entity in entities:
        if entity.external:
            continue
        if b"&" in entity.value or b"%" in entity.value:
            return f"entity {entity.label} refers to other entities"
        expansion += len(entity.value) * body.count(b"&" + entity.name + b";")
    if expansion > _MAX_ENTITY_EXPANSION:
        return f"entities that expand to {expansion:,} bytes"
    return None


__all__ = [
    "ItemDigests",
    "ItemScan",
    "cut_items",
    "deleted_entries",
    "guid_values_unreliable",
    "guids_unreliable",
    "html_to_text",
    "parse_feed",
    "parse_feed_items",
    "scan_digests",
    "scan_item_keys",
    "scan_items",
]
