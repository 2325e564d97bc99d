"""The fast path in front of feedparser: one lxml pass that lists each item's (guid, link)
and a digest of its XML, and answers None whenever it cannot be sure it agrees with
`parse_feed`. ingest uses it to skip feedparser when every item is known and untouched.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Collection
from dataclasses import dataclass

from lxml import etree

from .common import absolute_url, ttl_minutes
from .xmltree import ATOM_NAMESPACES, ITEM_NAMESPACES, RDF_ABOUT, items, qname, safe_parser

Key = tuple[str | None, str | None]  # (guid, link) of one item


@dataclass(frozen=True, slots=True)
class ItemScan:
    """What `scan_items` read: each item's key, a digest of its XML, and the feed's TTL."""

    keys: tuple[Key, ...]  # as scan_item_keys
    digests: tuple[str, ...]  # per item: sha256 of its raw bytes (or its XML), see below
    ttl: int | None  # RSS <ttl> minutes, as ParsedFeed.ttl
    # Byte offset of each item's start tag, then the body's length: item i's raw bytes run
    # from starts[i] to starts[i + 1]. None when the digests were taken by serializing.
    starts: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class ItemDigests:
    """What `scan_digests` read: the digests of `scan_items` without the keys."""

    digests: tuple[str, ...]
    ttl: int | None


def scan_item_keys(body: bytes) -> list[Key] | None:
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
    root, keys, elements = scanned
    digests, ttl, starts = _digests_and_ttl(body, root, elements)
    bounds = None if starts is None else (*starts, len(body))
    return ItemScan(keys=tuple(keys), digests=digests, ttl=ttl, starts=bounds)


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
    root, elements = scanned
    digests, ttl, _ = _digests_and_ttl(body, root, elements)
    return ItemDigests(digests, ttl)


def cut_items(body: bytes, scan: ItemScan, drop: Collection[int]) -> bytes | None:
    """*body* without the items at the indices *drop* (as in `scan`, which read *body*);
    None unless each can be cut out exactly.

    An item is cut with the bytes up to the next item's start tag, so those must be its
    own end tag and whitespace: nothing else of the document goes with it. The last item
    is never cut (what follows it is the rest of the document). Every item's bytes stay
    as they were, so `parse_feed` reads each item left exactly as it would in *body*.
    """
    bounds = scan.starts
    if bounds is None or not drop:
        return None
    pieces: list[memoryview] = []
    view = memoryview(body)
    kept_from = 0
    for index in sorted(drop):
        if not 0 <= index < len(bounds) - 2:
            return None  # out of range, or the last item
        chunk = view[bounds[index] : bounds[index + 1]]
        name = _TAG_NAME.match(chunk)
        if name is None or not bytes(chunk).rstrip().endswith(b"</" + name[1] + b">"):
            return None  # a self-closed item, or something else between it and the next
        pieces.append(view[kept_from : bounds[index]])
        kept_from = bounds[index + 1]
    pieces.append(view[kept_from:])
    return b"".join(pieces)


_TAG_NAME = re.compile(rb"<([^\s>/]+)")


# --- the tree -------------------------------------------------------------------------


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
        root = etree.fromstring(body, safe_parser(recover=False, strip_cdata=strip_cdata))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if qname(root).localname.lower() not in ("rss", "rdf", "feed"):
        return None
    return root, list(items(root))


def _scan(
    body: bytes, *, strip_cdata: bool
) -> tuple[etree._Element, list[Key], list[etree._Element]] | None:
    scanned = _scan_tree(body, strip_cdata=strip_cdata)
    if scanned is None:
        return None
    root, elements = scanned
    keys: list[Key] = []
    for element in elements:
        key = _scan_item(element)
        if key is None:
            return None
        keys.append(key)
    return root, keys, elements


# --- one item's key -------------------------------------------------------------------


def _scan_item(item: etree._Element) -> Key | None:
    """The item's (guid, link) as `parse_feed` would give them, or None when unsure."""
    atom = qname(item).namespace in ATOM_NAMESPACES
    guid: str | None = item.get(RDF_ABOUT)
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
        name = qname(child)
        if name.localname == "link":
            if name.namespace not in ITEM_NAMESPACES:
                return None  # atom:link inside RSS and the like: feedparser mixes them in
            if atom and child.get("href") is None:
                return None  # feedparser then reads the element's text as the link
            link = _atom_link(child) if atom else child.text or ""
            if link is not None:
                links.append(link)
        elif name.localname in ("guid", "id") and name.namespace in ITEM_NAMESPACES:
            if guid is not None and item.get(RDF_ABOUT) is None:
                return None  # two ids: which one feedparser keeps is order-dependent
            guid = (child.text or "").strip() or None
            guid_is_link = child.get("isPermaLink", "true") == "true"
    return _key(guid, guid_is_link, links)


def _atom_link(link: etree._Element) -> str | None:
    """The href of an Atom link to the story's HTML page; None for other links."""
    rel = link.get("rel", "alternate")
    mime = link.get("type", "text/html")
    if rel == "alternate" and mime in ("text/html", "application/xhtml+xml"):
        return link.get("href") or ""
    return None


def _key(guid: str | None, guid_is_link: bool, links: list[str]) -> Key | None:
    """The key from the item's ids and links, or None when only parse_feed could tell."""
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
    return guid, absolute_url(link_text, "")


# --- digests --------------------------------------------------------------------------


def _digests_and_ttl(
    body: bytes, root: etree._Element, elements: list[etree._Element]
) -> tuple[tuple[str, ...], int | None, list[int] | None]:
    """The items' digests, the feed's TTL, and the items' start tags (`_start_tags`)."""
    starts = _start_tags(body, elements) if elements else []
    raw = None if starts is None else _raw_digests(body, root, elements, starts)
    digests = raw if raw is not None else tuple(_serialized_digest(e) for e in elements)
    ttl_element = root.find("channel/ttl") if qname(root).localname == "rss" else None
    ttl = ttl_minutes(ttl_element.text or "") if ttl_element is not None else None
    return digests, ttl, starts


def _serialized_digest(item: etree._Element) -> str:
    return hashlib.sha256(etree.tostring(item, with_tail=False)).hexdigest()[:32]


def _raw_digests(
    body: bytes, root: etree._Element, elements: list[etree._Element], starts: list[int]
) -> tuple[str, ...] | None:
    """Digests of the raw bytes from each item's start tag (`starts`, from `_start_tags`)
    to the next one's (the last: to the end), or None when an item has no parent.

    Every real start tag is markup, so it is found; when the count equals the items lxml
    saw, no fake one (in CDATA or a comment) was, so the chunks tile the bytes from the
    first item to the end of the document: no change there can leave every digest equal.
    The document's encoding and the namespaces in scope are part of each digest, since
    they decide what the same bytes mean: those the item inherits from its parent, as
    any the item declares itself are in its own bytes (one salt per parent, not per item:
    building an element's nsmap is the costly part).
    """
    if not elements:
        return ()
    encoding = (root.getroottree().docinfo.encoding or "").lower().encode()
    bounds = [*starts, len(body)]
    out = []
    view = memoryview(body)  # chunks hashed in place, not copied
    parent: etree._Element | None = None
    salted = hashlib.sha256()
    for i, item in enumerate(elements):
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


def _start_tags(body: bytes, elements: list[etree._Element]) -> list[int] | None:
    """Byte offsets of the items' start tags, or None unless there is one per item (then
    the caller serializes each element to digest it, which costs 15 µs an item)."""
    first = elements[0]
    name = (f"{first.prefix}:" if first.prefix else "") + qname(first).localname
    if any(item.tag != first.tag or item.prefix != first.prefix for item in elements):
        return None
    starts = [m.start() for m in re.finditer(b"<" + re.escape(name.encode()) + rb"[\s>/]", body)]
    return starts if len(starts) == len(elements) else None


__all__ = [
    "ItemDigests",
    "ItemScan",
    "Key",
    "cut_items",
    "scan_digests",
    "scan_item_keys",
    "scan_items",
]
