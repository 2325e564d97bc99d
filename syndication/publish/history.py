"""RFC 5005 feed paging and archiving: the links an Atom document carries."""

from __future__ import annotations

from dataclasses import dataclass

HISTORY_NS = "http://purl.org/syndication/history/1.0"


@dataclass(frozen=True, slots=True)
class History:
    """RFC 5005 links of an Atom document: the subscription feed names its newest archive
    page (prev-archive); an archive page is marked fh:archive and names the subscription
    feed (current) and its neighbours."""

    current: str | None = None
    prev_archive: str | None = None
    next_archive: str | None = None
    archive: bool = False
