"""Article ids and item hashes: how an item is named, and how an edit is recognised.

Identity: articles are named by guid, or by canonical URL once a feed's guids are missing
or repeated, and from then on for good (`PartnerState.identity`): a feed whose repeated
guid comes and goes would otherwise rename every article at each switch, fetching every
page again and storing every story twice.

Edits: an item is edited when its `item_hash` changes. Tracking parameters in its link
(utm_*, fbclid, …) are left out of that hash, as they are of the article id: partners
rotate them (per campaign, per day, per request), and counting that as an edit would
fetch and scrape the page again on every poll, forever.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Literal

from ..model import FeedItem, PartnerFeed
from ..parse import ItemScan, guid_values_unreliable
from ..urls import canonical_url, without_tracking

Identity = Literal["guid", "url"]


def article_id(partner_id: str, item: FeedItem, identity: str = "guid") -> str:
    """Stable id: partner + guid, else canonical URL, else a hash of the item's content."""
    if (identity == "guid" and item.guid) or item.url:
        return _keyed_id(partner_id, item.guid, item.url, identity)
    return _hashed_id(partner_id, "hash:" + item_hash(item))


def entry_id(partner_id: str, ref: str, identity: str) -> str:
    """The article id of a feed entry named only by `ref` (an RFC 6721 deleted-entry)."""
    return _keyed_id(partner_id, ref, ref, identity)


def _keyed_id(partner_id: str, guid: str | None, url: str | None, identity: str) -> str:
    """`article_id` of an item with a guid (under guid identity) or a URL."""
    if identity == "guid" and guid:
        return _hashed_id(partner_id, "guid:" + guid.strip())
    return _hashed_id(partner_id, "url:" + canonical_url(url or ""))


def _hashed_id(partner_id: str, key: str) -> str:
    return hashlib.sha256(f"{partner_id}\x00{key}".encode()).hexdigest()[:32]


def fast_ids(
    partner: PartnerFeed, scan: ItemScan, *, by_url: bool = False
) -> tuple[list[tuple[str, str]], Identity] | None:
    """[(article id, item digest)] (first copy of a repeated id wins) and the identity the
    full path would choose for the same feed; None when only the full path can tell.
    `by_url`: the partner is identified by URL already, whatever these guids look like.

    More items than `max_items`: which ones the full path keeps depends on their dates,
    which the scan does not read; a guid-less item without a link gets a content-hash id.
    Works on the (guid, link) pairs directly: a FeedItem per item cost more than the ids.
    """
    if len(scan.keys) > partner.max_items:
        return None
    unreliable = by_url or guid_values_unreliable(guid for guid, _ in scan.keys)
    identity: Identity = "url" if unreliable else "guid"
    ids: dict[str, str] = {}
    for (guid, url), digest in zip(scan.keys, scan.digests, strict=True):
        if not (guid if identity == "guid" else None) and not url:
            return None
        ids.setdefault(_keyed_id(partner.id, guid, url, identity), digest)
    return list(ids.items()), identity


def item_hash(item: FeedItem) -> str:
    """What the partner's feed says about an item; a change means the article was edited.

    Not the link's tracking parameters (see the module doc). Without any, the link is the
    same string as before, so stored hashes stay valid.
    """
    payload = [
        item.title,
        without_tracking(item.url) if item.url else item.url,
        item.summary,
        item.content_html,
        item.updated.isoformat() if item.updated else None,
        item.urgent,
        list(item.categories),
        [[i.url, i.caption, i.credit] for i in item.images],
    ]
    if item.embargo is not None:  # only when set: every other item keeps its stored hash
        payload.append(item.embargo.isoformat())
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def unedited(stored: str | None, ihash: str) -> bool:
    """The one test of both paths: the item is known and unedited, or deleted by us.

    `stored` is the store's item hash for the id (None: unknown; "": a tombstone).
    """
    return stored is not None and (stored == "" or stored == ihash)


def dedupe(pairs: Iterable[tuple[str, FeedItem]]) -> list[tuple[str, FeedItem]]:
    seen: dict[str, FeedItem] = {}
    for key, item in pairs:
        seen.setdefault(key, item)  # the first (newest) copy of a repeated item wins
    return list(seen.items())
