"""The fast path: skip feedparser when every item of a changed feed is known and untouched.

The hot loop of a large newsroom is "the feed changed, its items did not":

    Fetched ─ 304? ─ same body hash? ─ scan_digests (lxml) ─ every item's digest
        remembered (→ its key, so its id), digest and item hash as remembered by id, and
        the stored item hash unedited?
        → save the new validators, done (feedparser never runs)             (`skip`)
        else → the full path, where feedparser reads only the items the memo cannot
               vouch for in the same way (`vouch`); afterwards remember (digest, item
               hash) per id

The memo lives in the store's meta table (one row per partner) and carries a fingerprint
of everything else that decides the FeedItem (partner settings, final URL, Content-Type),
so an equal digest means an equal FeedItem: an edited item still reaches the full path.

`Memo` only decides; the poll reads and writes the row, and passes the store's lookup of
item hashes in, so each decision is a function of its arguments.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from ..model import Fetched, PartnerFeed
from ..parse import ItemScan, scan_digests
from .ids import Identity, fast_ids, unedited

MEMO_PREFIX = "itemscan:"  # meta key of a partner's fast-path memo
MEMO_VERSION = "2"  # bump when parse_feed would read the same XML differently, or the
# memo's layout or the digests change

Key = tuple[str | None, str | None]  # an item's (guid, link)
# article ids → their stored item hashes ("" for a tombstone), as Store.known_item_hashes
StoredHashes = Callable[[Collection[str]], Mapping[str, str]]


@dataclass(frozen=True)
class Skip:
    """What a poll needs to end early, every item known and untouched."""

    items: int  # reported as unchanged
    identity: Identity  # the partner's identity from now on (as the full path would say)
    ttl: int | None  # the feed's <ttl>, a floor for the next poll
    # The article ids the feed lists (the withdrawal check); not part of the decision.
    ids: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Vouched:
    """The items of a changed feed the memo vouches for, as `skip` would for all of them:
    the full path takes their item hashes from here and parses only the others."""

    identity: Identity  # as the full path would choose it for the whole feed
    ids: tuple[str, ...]  # every item's article id, in document order
    drop: tuple[int, ...]  # the vouched items' indices (never the last item: see cut_items)
    hashes: Mapping[str, str]  # article id → item hash, of the vouched items
    known: Mapping[str, str]  # the store's item hashes of every id (see StoredHashes)


@dataclass(frozen=True)
class Memo:
    """One partner's memo: each item's key by digest, and (digest, item hash) by id."""

    context: str  # `memo_context` of the poll that wrote it
    items: Mapping[str, tuple[str, str]]  # article id → (item digest, item hash)
    keys: Mapping[str, Key]  # item digest → (guid, link)

    @classmethod
    def load(cls, raw: str | None) -> Memo | None:
        """The memo stored as *raw*; None when there is none. A malformed entry is left
        out (its item then takes the full path), never trusted."""
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        context, items, keys = data.get("context"), data.get("items"), data.get("keys")
        return cls(
            context if isinstance(context, str) else "",
            {
                key: (record[0], record[1])
                for key, record in (items.items() if isinstance(items, dict) else ())
                if isinstance(record, list) and len(record) == 2
            },
            {
                digest: (key[0], key[1])
                for digest, key in (keys.items() if isinstance(keys, dict) else ())
                if isinstance(key, list) and len(key) == 2
            },
        )

    def dump(self) -> str:
        """The stored form (the layout MEMO_VERSION names)."""
        items = {key: list(record) for key, record in self.items.items()}
        keys = {digest: list(key) for digest, key in self.keys.items()}
        memo = {"context": self.context, "items": items, "keys": keys}
        return json.dumps(memo, sort_keys=True)

    def skip(
        self,
        partner: PartnerFeed,
        context: str,
        body: bytes,
        *,
        by_url: bool,
        stored: StoredHashes,
    ) -> Skip | None:
        """How the poll of *body* ends without feedparser, or None: the full path.

        `by_url`: the partner is identified by URL already (see `fast_ids`). `stored` is
        asked last, once, for the ids the memo vouches for.
        """
        if context != self.context:
            return None  # the same XML may now make another FeedItem
        # Digests only: the keys come from the memo (an item's key is a function of its
        # digest), which halves the scan on the hot path.
        digests = scan_digests(body)
        if digests is None:
            return None
        found: list[Key] = []
        for digest in digests.digests:
            remembered = self.keys.get(digest)
            if remembered is None:
                return None  # an item not seen before (or seen edited): the full path
            found.append(remembered)
        scan = ItemScan(tuple(found), digests.digests, digests.ttl)
        plan = fast_ids(partner, scan, by_url=by_url)
        if plan is None or not plan[0]:
            return None
        ids, identity = plan
        for key, digest in ids:
            record = self.items.get(key)
            if record is None or record[0] != digest:
                return None
        # Still needed: an article edited or removed behind the memo's back (another
        # process, the CLI) must reach the full path, which repairs it.
        known = stored([key for key, _ in ids])
        if not all(unedited(known.get(key), self.items[key][1]) for key, _ in ids):
            return None
        return Skip(len(ids), identity, digests.ttl, tuple(key for key, _ in ids))

    def vouch(
        self,
        partner: PartnerFeed,
        context: str,
        scan: ItemScan,
        *,
        by_url: bool,
        stored: StoredHashes,
    ) -> Vouched | None:
        """Which items of the changed feed *scan* read need no feedparser (the tests of
        `skip`, item by item); None when none does, or when the ids are not plain (a
        repeated id: which copy the full path keeps depends on the parse).

        `stored` is asked once, for every id: the full path needs the others' hashes too.
        """
        if context != self.context:
            return None
        plan = fast_ids(partner, scan, by_url=by_url)
        if plan is None or len(plan[0]) != len(scan.keys) or len(scan.keys) < 2:
            return None
        pairs, identity = plan
        ids = tuple(key for key, _ in pairs)
        known = stored(ids)
        drop: list[int] = []
        hashes: dict[str, str] = {}
        for index, (key, digest) in enumerate(pairs[:-1]):  # the last one is always read
            record = self.items.get(key)
            if record is not None and record[0] == digest and unedited(known.get(key), record[1]):
                drop.append(index)
                hashes[key] = record[1]
        if not drop:
            return None
        return Vouched(identity, ids, tuple(drop), hashes, known)

    @classmethod
    def remember(
        cls,
        old: Memo | None,
        partner: PartnerFeed,
        scan: ItemScan,
        context: str,
        identity: Identity,
        hashes: Mapping[str, str],
    ) -> Memo | None:
        """The memo to store after a full parse (each item's key by digest, and (digest,
        item hash) by article id), or None when the stored one (*old*) needs no write."""
        plan = fast_ids(partner, scan, by_url=identity == "url")
        items: dict[str, tuple[str, str]] = {}
        keys: dict[str, Key] = {}
        if plan is not None and plan[1] == identity:
            items = {key: (digest, hashes[key]) for key, digest in plan[0] if key in hashes}
            for key, digest in zip(scan.keys, scan.digests, strict=True):
                keys.setdefault(digest, key)
        memo = cls(context, items, keys)
        if old == memo:
            return None
        if not items and old is None:
            return None  # nothing to remember, nothing stale to replace
        return memo


def memo_context(partner: PartnerFeed, fetched: Fetched) -> str:
    """Everything besides an item's own XML that decides the FeedItem parse_feed builds."""
    text = repr((MEMO_VERSION, partner, fetched.final_url, fetched.header("content-type")))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
