"""Partner withdrawals become kills.

A partner takes a story down in one of two ways we can see:

- the item leaves its feed *and* its page answers 404 or 410 (an item that merely rolled
  off the bottom of the feed still has its page, and stays published);
- the feed lists it as an RFC 6721 `<at:deleted-entry ref="…">` (parse.deleted_entries).

Either way the article is killed exactly as an editor's `articles kill` would (tombstone,
out of every output at the next publish, logged with actor `partner:<id>`).

Which items "left the feed" needs the previous poll's list: it is kept in the store's
meta table (LISTED_PREFIX + partner id), rewritten only when it changes. Called by
ingest after a poll that read new feed bytes, fast path or full path alike.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence

from .errors import FetchError
from .fetch import Fetcher
from .model import PartnerFeed
from .store import Store

log = logging.getLogger("syndication.withdraw")

LISTED_PREFIX = "listed:"
GONE_STATUSES = frozenset({404, 410})
MAX_CHECKS = 20  # pages checked per poll: a feed emptied by mistake must not hammer its site


def check(
    store: Store,
    fetcher: Fetcher,
    partner: PartnerFeed,
    listed: Sequence[str],
    deleted: Sequence[str],
    now: dt.datetime,
    *,
    stored: str | None,
    file_root: str | None = None,
) -> list[str]:
    """Kill what the partner withdrew; returns the ids killed. `listed`: the article ids
    of the items in the feed now; `deleted`: ids of its RFC 6721 deleted entries;
    `stored`: the meta value under `listed_key` as read before (ingest reads every
    partner's in one query for a run)."""
    previous = _load(stored)
    current = sorted(set(listed))
    if previous != current:
        store.set_meta(listed_key(partner.id), json.dumps(current))
    reason = "withdrawn by the partner (deleted-entry in its feed)"
    actor = f"partner:{partner.id}"
    killed = [
        article_id
        for article_id in dict.fromkeys(deleted)
        if store.kill_article(article_id, reason, actor, now)
    ]
    if previous is None:
        return killed  # first poll with this list: nothing to compare with
    still = set(current)
    gone = [article_id for article_id in previous if article_id not in still]
    for article_id in gone[:MAX_CHECKS]:
        article = store.get_article(article_id)
        if article is None or article.killed_at is not None:
            continue
        status = _page_status(fetcher, partner, article.url, file_root)
        if status in GONE_STATUSES and store.kill_article(
            article_id,
            f"withdrawn by the partner: left its feed and its page answers {status}",
            actor,
            now,
        ):
            killed.append(article_id)
    for article_id in killed:
        log.warning(
            "article %s withdrawn by the partner: killed", article_id, extra={"partner": partner.id}
        )
    return killed


def listed_key(partner_id: str) -> str:
    """The meta key of the partner's feed as last read (its article ids)."""
    return LISTED_PREFIX + partner_id


def _page_status(
    fetcher: Fetcher, partner: PartnerFeed, url: str, file_root: str | None
) -> int | None:
    """The page's HTTP status, or None when we could not tell (network trouble is not a
    withdrawal: the story stays)."""
    try:
        page = fetcher.get(
            url, partner_id=partner.id, settings=partner.fetch, file_root=file_root, kind="page"
        )
    except FetchError as e:
        return e.status
    return page.status


def _load(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    return [str(item) for item in value]


__all__ = ["GONE_STATUSES", "LISTED_PREFIX", "MAX_CHECKS", "check", "listed_key"]
