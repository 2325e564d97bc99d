"""RFC 5005 archived feeds for the urgent feed, so a partner can backfill after an outage.

The subscription document (`urgent.atom.xml`) keeps its 48-hour window and links, with
`rel="prev-archive"`, to the newest archive page. There is one archive page per UTC day
that has urgent stories, `urgent.archive-YYYY-MM-DD.atom.xml`, holding every public urgent
story first published that day (newest first), marked `<fh:archive/>`, linking to the
subscription feed (`current`) and to the pages of the days before and after
(`prev-archive`, `next-archive`). A client walks prev-archive links until it reaches a
page it already has.

Pages are a function of the store alone (never of the clock), so they are rendered when
the urgent selection changes and are otherwise byte-stable; a kill or a correction
rewrites the page of its day, as it must. The newest ARCHIVE_DAYS days with urgent stories
are kept; the page of a day that fell out (or lost its last story) is removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path

from syndication.config import PublishSettings
from syndication.model import Article, FeedSpec
from syndication.publish import select as sel
from syndication.publish.items import ItemCache
from syndication.publish.render import History, render_atom

log = logging.getLogger(__name__)

ARCHIVE_DAYS = 30  # pages (days with urgent stories) kept
MAX_ARCHIVED = 5000  # urgent stories read for the archive pages
_PAGE = re.compile(r"\.archive-(\d{4}-\d{2}-\d{2})\.atom\.xml\Z")


def page_name(spec: FeedSpec, day: dt.date) -> str:
    return f"{spec.key}.archive-{day.isoformat()}.atom.xml"


def by_day(articles: list[Article]) -> dict[dt.date, list[Article]]:
    """The newest ARCHIVE_DAYS UTC days with stories, oldest first, each newest first."""
    days: dict[dt.date, list[Article]] = {}
    for article in sel.newest_first(articles):
        days.setdefault(sel.instant(article.published).date(), []).append(article)
    kept = sorted(days)[-ARCHIVE_DAYS:]
    return {day: days[day] for day in kept}


def subscription_history(
    spec: FeedSpec, settings: PublishSettings, days: dict[dt.date, list[Article]]
) -> History:
    newest = max(days, default=None)
    prev = sel.self_url(settings, page_name(spec, newest)) if newest is not None else None
    return History(prev_archive=prev)


def write_pages(
    spec: FeedSpec,
    days: dict[dt.date, list[Article]],
    settings: PublishSettings,
    directory: Path,
    *,
    now: dt.datetime,
    cache: ItemCache | None,
    write: Callable[[Path, bytes], bool],
    remove: Callable[[Path], bool],
) -> int:
    """Render every page (unchanged bytes are not rewritten by `write`) and remove the
    pages of days no longer kept; returns how many files changed."""
    ordered = sorted(days)
    current = sel.self_url(settings, sel.file_name(spec, "atom"))
    changed = 0
    for i, day in enumerate(ordered):
        items = days[day]
        name = page_name(spec, day)
        history = History(
            current=current,
            prev_archive=sel.self_url(settings, page_name(spec, ordered[i - 1])) if i else None,
            next_archive=(
                sel.self_url(settings, page_name(spec, ordered[i + 1]))
                if i + 1 < len(ordered)
                else None
            ),
            archive=True,
        )
        page_spec = dataclasses.replace(
            spec,
            title=f"{sel.plain(spec.title) or spec.key} — أرشيف {day.isoformat()}",
            limit=len(items),
            max_item_age=None,
        )
        body = render_atom(
            page_spec,
            items,
            settings,
            self_url=sel.self_url(settings, name),
            now=now,
            cache=cache,
            history=history,
        )
        changed += int(write(directory / name, body))
    keep = {page_name(spec, day) for day in ordered}
    for path in sorted(directory.glob(f"{spec.key}.archive-*.atom.xml")):
        if _PAGE.search(path.name) and path.name not in keep and remove(path):
            log.info("feed %s: removed the archive page %s", spec.key, path.name)
            changed += 1
    return changed


__all__ = [
    "ARCHIVE_DAYS",
    "MAX_ARCHIVED",
    "by_day",
    "page_name",
    "subscription_history",
    "write_pages",
]
