"""Memo of rendered items: an article is rendered once per format, not once per feed.

An article sits in several feeds (main, its category, its partner, maybe urgent), _fit may
render a feed again with fewer items, and the next publish run re-renders the feeds a new
article joined, which carry mostly the same articles: the item's bytes are the same every
time, so the renderers build them once and splice them into each feed document.

Correctness: an item is found by (format, article id) and served only when
- the stored Article equals the one asked for (every field of the frozen dataclass), so an
  edited article — any field different, not only those in content_hash — is rendered again;
- the publish settings are those the cache was made for (``for_run`` / ``shared_cache`` hand out
  another cache otherwise);
- `now` gives the same dates: items clamp future dates to `now` (select.utc), so an item is
  reused at another `now` only when no date of the article was clamped, then or now.

Memory: the process cache used by publish_all keeps the items of the articles in the
feeds as last rendered (publish_all says which with ``hold``; items of articles that left
every feed, or of feeds no longer configured, are dropped at once), and at most about
`budget` bytes of them (least recently used dropped first): a long-running daemon keeps
the items of its current feeds, not of every article it has seen.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar, cast

from syndication.config import PublishSettings
from syndication.model import Article
from syndication.publish import select as sel

ItemFormat = Literal["rss", "atom", "json"]
# "prep": what the formats share (fragments.Prepared), cleaned once per article; "ninjs":
# an item of the ninjs file beside the feeds (one JSON object a line).
Kind = Literal["rss", "atom", "json", "prep", "ninjs"]
Fragment = bytes | str
T = TypeVar("T")

# Items plus the bodies of the Articles they keep alive, in bytes (characters for JSON).
DEFAULT_BUDGET = 16_000_000
FORMATS: tuple[ItemFormat, ...] = ("rss", "atom", "json")
KINDS: tuple[Kind, ...] = (*FORMATS, "prep", "ninjs")


@dataclass(slots=True)
class _Entry:
    article: Article
    made: object  # a Fragment, or a fragments.Prepared
    ceiling: dt.datetime  # `now` (whole seconds, UTC) the item was rendered at
    cost: int  # bytes (characters) it and the body of its Article keep alive


class ItemCache:
    """Rendered items by (format, article id), for one PublishSettings (see the module)."""

    def __init__(self, settings: PublishSettings, *, budget: int = DEFAULT_BUDGET) -> None:
        self.settings = settings
        self.budget = budget
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[Kind, str], _Entry] = OrderedDict()
        self._feeds: dict[str, frozenset[str]] = {}  # feed key → article ids it holds
        self._holders: dict[str, int] = {}  # article id → how many feeds hold it
        self._lock = threading.Lock()

    def xml(
        self,
        fmt: Literal["rss", "atom"],
        article: Article,
        now: dt.datetime,
        build: Callable[[Article], bytes],
    ) -> bytes:
        """The item's bytes as they appear inside the feed document."""
        return cast(bytes, self._get(fmt, article, now, build))

    def json(self, article: Article, now: dt.datetime, build: Callable[[Article], str]) -> str:
        """The item's JSON text, indented for its place in the items list."""
        return cast(str, self._get("json", article, now, build))

    def xml_all(
        self,
        fmt: Literal["rss", "atom"],
        articles: Sequence[Article],
        now: dt.datetime,
        build: Callable[[list[Article]], list[bytes]],
    ) -> list[bytes]:
        """`xml` for a feed's articles at once; `build` makes the items not held."""
        return cast(list[bytes], self._get_all(fmt, articles, now, build))

    def json_all(
        self,
        articles: Sequence[Article],
        now: dt.datetime,
        build: Callable[[list[Article]], list[bytes]],
    ) -> list[bytes]:
        """The items' JSON, UTF-8 encoded (the single-item `json` keeps text: the
        reference renderer's)."""
        return cast(list[bytes], self._get_all("json", articles, now, build))

    def ninjs_all(
        self,
        articles: Sequence[Article],
        now: dt.datetime,
        build: Callable[[list[Article]], list[str]],
    ) -> list[str]:
        """The articles' ninjs objects, each serialized on one line."""
        return cast(list[str], self._get_all("ninjs", articles, now, build))

    def prepared_all(
        self,
        articles: Sequence[Article],
        now: dt.datetime,
        build: Callable[[list[Article]], list[T]],
    ) -> list[T]:
        return cast(list[T], self._get_all("prep", articles, now, build))

    def hold(self, feed_key: str, article_ids: Iterable[str]) -> None:
        """Feed `feed_key` now carries these articles; an article no feed carries any
        more loses its items."""
        ids = frozenset(article_ids)
        with self._lock:
            old = self._feeds.pop(feed_key, frozenset())
            if ids:
                self._feeds[feed_key] = ids
            for article_id in ids - old:
                self._holders[article_id] = self._holders.get(article_id, 0) + 1
            for article_id in old - ids:
                self._holders[article_id] -= 1
                if not self._holders[article_id]:
                    del self._holders[article_id]
                    self._drop(article_id)

    def end_run(self, feed_keys: Iterable[str]) -> None:
        """After a publish run over these feeds: forget feeds no longer configured, and
        items no feed holds (of feeds that failed, or cut by the size limit)."""
        keep = set(feed_keys)
        with self._lock:
            gone = [k for k in self._feeds if k not in keep]
        for key in gone:
            self.hold(key, ())
        with self._lock:
            for fmt, article_id in [k for k in self._items if k[1] not in self._holders]:
                self._drop(article_id, (fmt,))

    def _drop(self, article_id: str, formats: tuple[Kind, ...] = KINDS) -> None:
        for fmt in formats:
            entry = self._items.pop((fmt, article_id), None)
            if entry is not None:
                self.size -= entry.cost

    def _get(
        self,
        fmt: Kind,
        article: Article,
        now: dt.datetime,
        build: Callable[[Article], object],
    ) -> object:
        return self._get_all(fmt, [article], now, lambda missing: [build(a) for a in missing])[0]

    def _get_all(
        self,
        kind: Kind,
        articles: Sequence[Article],
        now: dt.datetime,
        build: Callable[[list[Article]], Sequence[object]],
    ) -> list[object]:
        """The entries of `articles` in order; those not held (or stale) built by one call
        of `build` with the list of them. One lock round per feed, not per item: the
        per-item bookkeeping was a fifth of a cold render."""
        ceiling = sel.ceiling(now)
        items = self._items
        out: list[object] = []
        missing: list[int] = []
        with self._lock:
            for i, article in enumerate(articles):
                key = (kind, article.id)
                found = items.get(key)
                if found is not None and _fits(found, article, ceiling):
                    items.move_to_end(key)
                    out.append(found.made)
                else:
                    out.append(None)
                    missing.append(i)
            if kind in FORMATS:  # the counters count items of the feed formats
                self.hits += len(articles) - len(missing)
        if not missing:
            return out
        todo = [articles[i] for i in missing]
        made = build(todo)  # outside the lock: rendering is the slow part
        with self._lock:
            if kind in FORMATS:
                self.misses += len(todo)
            for i, article, value in zip(missing, todo, made, strict=True):
                out[i] = value
                key = (kind, article.id)
                entry = _Entry(article, value, ceiling, len(value) + len(article.body_html))  # type: ignore[arg-type]
                old = items.pop(key, None)
                if old is not None:
                    self.size -= old.cost  # an edited article, or another `now`
                items[key] = entry
                self.size += entry.cost
            while self.size > self.budget and len(items) > 1:
                _, dropped = items.popitem(last=False)
                self.size -= dropped.cost
        return out

    def __len__(self) -> int:
        """Items of the feed formats held (not the shared Prepared records of their
        articles, nor their ninjs objects)."""
        return sum(1 for kind, _ in self._items if kind in FORMATS)


def _fits(entry: _Entry, article: Article, ceiling: dt.datetime) -> bool:
    if entry.article is not article and entry.article != article:
        return False
    if entry.ceiling == ceiling:
        return True
    # Rendered at another `now`: the same bytes only if no date was clamped then or now.
    latest = max(sel.instant(article.published), sel.instant(article.updated))
    return latest <= entry.ceiling and latest <= ceiling


def for_run(cache: ItemCache | None, settings: PublishSettings) -> ItemCache:
    """`cache` when it was made for these settings, else a new one (so a renderer called
    alone, or with other settings, takes the same code path)."""
    if cache is not None and cache.settings == settings:
        return cache
    return ItemCache(settings)


_shared: ItemCache | None = None
_shared_lock = threading.Lock()


def shared_cache(settings: PublishSettings, *, fresh: bool = False) -> ItemCache:
    """The process's cache for publish_all: the next run after one new article renders
    one new item per format, not the items of every affected feed again. `fresh` starts
    an empty one (a forced publish renders everything again)."""
    global _shared
    with _shared_lock:
        if fresh or _shared is None or _shared.settings != settings:
            _shared = ItemCache(settings)
        return _shared
