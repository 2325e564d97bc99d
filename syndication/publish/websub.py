"""WebSub (https://www.w3.org/TR/websub/): tell the hub which feeds changed.

Publishing does no HTTP itself (fetch owns the HTTP client): the caller passes a
``ping(hub_url, topic_urls)`` callable. A failed ping is logged, not raised — the files are
already published and the hub's subscribers still poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

Ping = Callable[[str, list[str]], None]


def notify(ping: Ping | None, hub_url: str | None, topics: Sequence[str]) -> str | None:
    """Ping the hub about the changed feed URLs. Returns an error message or None."""
    if not ping or not hub_url or not topics:
        return None
    urls = sorted(set(topics))
    try:
        ping(hub_url, urls)
    except Exception as e:  # the caller's transport: any failure is reported, not fatal
        message = f"WebSub hub {hub_url}: ping for {len(urls)} feed(s) failed: {e}"
        log.warning("%s (subscribers will see the change on their next poll)", message)
        return message
    log.info("WebSub hub %s: pinged for %d feed(s)", hub_url, len(urls))
    return None
