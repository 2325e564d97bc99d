"""Publishing: the store's articles → feeds/*.rss.xml, *.atom.xml, *.json, index.html.

    publish_all(config, store)
      private feeds' files found where only public ones belong (feeds/, or under their
        public name in the store), and files in the private directory of feeds no longer
        private, are removed first
      every feed's stamp, read in one query (store.feed_stamps) before any articles
      for each FeedSpec (configured + one per category + one per partner):
        stamp unchanged, no item aged out and no embargo ended since,
          files present → skip (no render, no write)
        select(FeedSpec) → [Article] newest first, ≤ limit, within max_item_age, none
          killed or still under embargo (docs/editorial.md)
          (a per-run store read per distinct selection and stamp: select.SelectionReads;
          a feed showing each story once reads places first, then only what it shows)
        → render_rss / render_atom / render_json (templates over pre-serialised items,
          byte for byte feedgen's output: reference.py); each
          article's item is rendered once per format and reused by every feed carrying
          it, in this run and the next ones while it is unchanged (items.ItemCache)
        → drop oldest items until the file is under publish.max_bytes
        → write: unchanged bytes → untouched; changed → temp file + fsync + os.replace;
                 one directory fsync per feed, then its files' copies with their ETags
                 (stateless serving nodes) and its stamp, in one store transaction
        → urgent feeds: RFC 5005 archive pages, one per UTC day, <key>.archive-DAY.atom.xml
        → <key>.ninjs.json beside them: IPTC ninjs 3.0, the same items plus take-down
          notices (pubStatus canceled) of the selection's kills of the last 48 h
      → news-sitemap.xml (Google News, last 48 h, the only articles read for it), when
        the store or the window changed
      → feed.xsl (package data), index.html (autodiscovery, public feeds only)
      → WebSub ping of the hub with the changed public feed URLs

Private feeds ([[feeds]] private = true) are written only to [publish] private_dir
(0700, files 0600) and saved in the store as PRIVATE_STORE_PREFIX + name: nothing that
serves the public directory or the store's public names (nginx, an older serving node)
can hand them out. Only `syndication serve` reads them, after checking the token.

Failures: an unwritable output directory raises PublishError before anything is written.
One feed failing does not stop the others; after all feeds are done, a PublishError names
every feed that failed (so the CLI exits non-zero). Database errors (StorageError) are
fatal and propagate.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from syndication import metrics
from syndication.config import Config, PublishSettings
from syndication.errors import PublishError, StorageError
from syndication.model import ALL_FORMATS, Article, FeedFormat, FeedSpec, Published
from syndication.publish import archive, ninjs, sitemap, websub, write
from syndication.publish import select as sel
from syndication.publish.index import render_index
from syndication.publish.items import ItemCache, shared_cache
from syndication.publish.jsonfeed import render_json
from syndication.publish.render import History, render_atom, render_rss
from syndication.publish.select import StoreReader, feed_specs

# Read by `syndication serve` for /healthz (the age of the last complete publish).
LAST_PUBLISH_KEY = "last_publish_at"
STAMP_PREFIX = "feed_stamp:"  # + feed key: what the feed's files were rendered from
# Store name of a private feed file: a "/" never passes serve's file-name check, so a
# private file cannot be asked for by its public name.
PRIVATE_STORE_PREFIX = "private/"

log = logging.getLogger(__name__)

# Bump when the output of the renderers changes, so every feed is rendered again once.
RENDER_VERSION = "2"  # 2: ninjs files
STATIC_FILES = ("feed.xsl",)

Renderer = Callable[..., bytes]
RENDERERS: dict[FeedFormat, Renderer] = {
    "rss": render_rss,
    "atom": render_atom,
    "json": render_json,
}


def output_dir(config: Config) -> Path:
    return Path(config.base_dir) / config.publish.out_dir


def private_output_dir(config: Config) -> Path:
    return Path(config.base_dir) / config.publish.private_dir


def store_name(name: str, *, private: bool) -> str:
    """The name a feed file is saved under in the store."""
    return PRIVATE_STORE_PREFIX + name if private else name


def publish_all(
    config: Config,
    store: StoreReader,
    *,
    now: dt.datetime | None = None,
    force: bool = False,
    ping: websub.Ping | None = None,
) -> list[Published]:
    """Render and write every feed whose selection changed (all of them with force=True).

    `ping(hub_url, urls)` is called once with the self URLs of the changed feed files when
    [publish] hub_url is set.
    """
    started = time.monotonic()
    now = now or dt.datetime.now(dt.UTC)
    settings = config.publish
    out_dir = output_dir(config)
    write.prepare_dir(out_dir)
    specs = feed_specs(config, store)
    private_dir = private_output_dir(config)
    if any(spec.private for spec in specs):
        write.prepare_dir(private_dir, mode=write.PRIVATE_DIR_MODE, setting="private_dir")
    # Before rendering: a feed just made private must leave the public places even if
    # its rendering then fails.
    etags = _remove_misplaced(store, specs, out_dir, private_dir)
    # One article is in several feeds (and in the next run): its items are rendered once.
    # force trusts nothing kept from earlier runs: every item is rendered again (once).
    cache = shared_cache(settings, fresh=force)
    reads = sel.SelectionReads()
    # Every feed's recorded stamp in one query (not one per feed).
    stamps = store.meta_with_prefix(STAMP_PREFIX)
    # And every feed's current stamp in another, read before any feed's articles: an
    # ingest during the run then leaves a feed with an older stamp than its content,
    # which only makes the next run render it again.
    stored = store.categories()
    selections = [sel.selection(config, store, spec, stored) for spec in specs]
    current = sel.stamps(store, selections)
    # An embargo ending changes what a feed shows without any write to the store: each
    # feed records the next one, and is rendered again once it has passed.
    embargo_next = store.next_embargo(now)
    # Kills the ninjs files announce (pubStatus canceled), read once for every feed.
    kills = store.killed_since(now - dt.timedelta(hours=ninjs.KILL_NOTICE_HOURS), limit=500)

    copies = _Copies(store, etags)
    results: list[Published] = []
    beside = 0  # ninjs files and archive pages written beside the feeds
    failures: list[PublishError] = []
    changed_urls: list[str] = []
    try:
        for spec, selected, stamp in zip(specs, selections, current, strict=True):
            try:
                published, extra = _publish_one(
                    config,
                    store,
                    spec,
                    private_dir if spec.private else out_dir,
                    selected=selected,
                    stamp=stamp,
                    copies=copies,
                    now=now,
                    force=force,
                    cache=cache,
                    reads=reads,
                    recorded=_load_meta(stamps.get(STAMP_PREFIX + spec.key)),
                    embargo_next=embargo_next,
                    kills=kills,
                )
            except (StorageError, KeyboardInterrupt):
                raise
            except PublishError as e:
                log.error("%s", e)
                failures.append(e)
                continue
            except Exception as e:  # a renderer bug must not stop the other feeds; loud
                log.exception("feed %s: rendering failed", spec.key)
                error = PublishError("rendering failed", feed_key=spec.key)
                error.__cause__ = e
                failures.append(error)
                continue
            results.extend(published)
            beside += extra
            if not spec.private:  # the hub is public: it must not learn private URLs
                changed_urls.extend(
                    sel.self_url(settings, sel.file_name(spec, p.format))
                    for p in published
                    if p.changed
                )
    finally:
        cache.end_run(spec.key for spec in specs)  # drop the items no feed carries

    written = sum(1 for p in results if p.changed) + beside
    written += _publish_sitemap(config, store, out_dir, now=now, embargo_next=embargo_next)
    for name in STATIC_FILES:
        data = resources.files(__package__).joinpath(name).read_bytes()
        written += _write(store, out_dir / name, data, feed_key=name)
    index = render_index(specs, settings)
    written += _write(store, out_dir / "index.html", index, feed_key="index")

    websub.notify(ping, settings.hub_url, changed_urls)
    duration = time.monotonic() - started

    if failures:
        metrics.record_publish(store, duration, written, None)
        keys = ", ".join(e.feed_key for e in failures)
        raise PublishError(
            f"{len(failures)} of {len(specs)} feeds failed: " + "; ".join(str(e) for e in failures),
            feed_key=keys,
            path=str(out_dir),
            hint="the other feeds were published; fix the named feeds and publish again",
        )
    # /healthz reports the age of this mark; only a fully successful publish sets it.
    finished = dt.datetime.now(dt.UTC)
    metrics.record_publish(store, duration, written, finished)
    # Everything this process counted since its last write goes in the same transaction.
    with metrics.carried(store) as deltas:
        store.set_meta(LAST_PUBLISH_KEY, finished.isoformat(), metrics=deltas)
    return results


def _publish_one(
    config: Config,
    store: StoreReader,
    spec: FeedSpec,
    directory: Path,  # out_dir, or private_dir for a private feed
    *,
    selected: sel.Selection,
    stamp: str,  # the selection's, read before its articles
    copies: _Copies,
    now: dt.datetime,
    force: bool,
    cache: ItemCache,
    reads: sel.SelectionReads,
    recorded: dict[str, object],
    embargo_next: dt.datetime | None = None,
    kills: list[Article] | None = None,
) -> tuple[list[Published], int]:
    """The feed's documents, and how many files beside them (ninjs, archive pages)
    changed."""
    settings = config.publish
    if not sel.is_safe_key(spec.key):
        raise PublishError(
            "feed key is not a safe file name",
            feed_key=spec.key,
            hint="use lowercase ASCII letters, digits and '-' in [[feeds]] key",
        )
    paths = {fmt: directory / sel.file_name(spec, fmt) for fmt in spec.formats}
    # ninjs goes to agency systems of public feeds only: a private feed keeps to the
    # formats its token holders were given.
    ninjs_path = None if spec.private else directory / (spec.key + ninjs.FILE_SUFFIX)
    mode = write.PRIVATE_FILE_MODE if spec.private else write.FILE_MODE
    meta_key = STAMP_PREFIX + spec.key
    fingerprint = _fingerprint(config, spec)
    if (
        not force
        and recorded.get("stamp") == stamp
        and recorded.get("config") == fingerprint
        and not _aged_out(recorded.get("ages_out"), now)
        and not _embargo_ended(recorded.get("embargo_next"), now)
        and all(p.is_file() for p in paths.values())
        and (ninjs_path is None or ninjs_path.is_file())
    ):
        entries = recorded.get("entries")
        known = entries if isinstance(entries, dict) else {}
        unchanged = [
            Published(spec.key, fmt, str(path), False, int(known.get(fmt, 0)))
            for fmt, path in paths.items()
        ]
        return unchanged, 0

    copies.mend = recorded.get("stamp") != stamp
    # Filter here once, so a skipped article is logged once, not once per format.
    selected_articles = sel.select(
        config, store, spec, selected=selected, reads=reads, stamp=stamp, now=now
    )
    articles = sel.publishable(spec, sel.within_age(spec, selected_articles, now))
    ages_out = sel.ages_out_at(spec, articles)
    cache.hold(spec.key, (a.id for a in articles))
    # RFC 5005: the public urgent feed's Atom document links to its archive pages.
    days: dict[dt.date, list[Article]] | None = None
    history = None
    if spec.kind == "urgent" and not spec.private and "atom" in spec.formats:
        everything = store.latest(limit=archive.MAX_ARCHIVED, urgent=True, visible_at=now)
        days = archive.by_day(everything)
        history = archive.subscription_history(spec, settings, days)
    out: list[Published] = []
    counts: dict[str, int] = {}
    for fmt, path in paths.items():
        url = sel.self_url(settings, path.name)
        body, count = _fit(
            fmt,
            spec,
            articles,
            settings,
            self_url=url,
            now=now,
            cache=cache,
            history=history if fmt == "atom" else None,
        )
        changed = copies.write(path, body, feed_key=spec.key, mode=mode, private=spec.private)
        if changed:
            log.info(
                "feed %s: wrote %s (%d items, %d bytes)", spec.key, path.name, count, len(body)
            )
        counts[fmt] = count
        out.append(Published(spec.key, fmt, str(path), changed, count))
    beside = 0
    if ninjs_path is not None:
        # Notices for the kills the feed could have carried (its selection and age).
        killed = sel.within_age(
            spec, [a for a in kills or () if ninjs.matches(a, spec, selected.category_slug)], now
        )
        body = ninjs.render_ninjs(spec, articles, killed, settings, now=now, cache=cache)
        ninjs_changed = copies.write(ninjs_path, body, feed_key=spec.key)
        beside += ninjs_changed
        if ninjs_changed:
            log.info("feed %s: wrote %s (%d items)", spec.key, ninjs_path.name, len(articles))
    if days is not None:
        beside += archive.write_pages(
            spec,
            days,
            settings,
            directory,
            now=now,
            cache=cache,
            write=lambda path, body: copies.write(path, body, feed_key=spec.key),
            remove=lambda path: _remove_file(store, path, spec.key),
        )
    if beside or any(p.changed for p in out):
        # One directory fsync for the feed's files, before its stamp is recorded: a crash
        # must not leave old files under a new stamp (they would never be rewritten).
        write.sync_dir(directory)
    record = {
        "stamp": stamp,
        "config": fingerprint,
        "entries": counts,
        "ages_out": ages_out.isoformat() if ages_out is not None else None,
        "embargo_next": embargo_next.isoformat() if embargo_next is not None else None,
    }
    # The store's copies of the files and the stamp commit together.
    copies.save(meta=(meta_key, json.dumps(record, sort_keys=True)))
    return out, beside


def _aged_out(recorded: object, now: dt.datetime) -> bool:
    """Whether an item of the feed as last rendered is now older than its max_item_age
    (then the feed is rendered although the store did not change)."""
    if recorded is None:
        return False
    try:
        moment = dt.datetime.fromisoformat(str(recorded))
    except ValueError:
        return True  # unreadable: render, which records a good value
    return sel.ceiling(now) > moment


def _remove_file(store: StoreReader, path: Path, feed_key: str) -> bool:
    """A published file that must go (an archive day no longer kept), here and in the
    store's copies."""
    gone = write.remove(path, feed_key=feed_key)
    store.delete_feed_files([path.name])
    return gone


SITEMAP_META = "news_sitemap"


def _publish_sitemap(
    config: Config,
    store: StoreReader,
    out_dir: Path,
    *,
    now: dt.datetime,
    embargo_next: dt.datetime | None,
) -> int:
    """Write news-sitemap.xml when the store changed, an article left the 48-hour window
    or an embargo ended since the last one; returns 1 if the file changed."""
    path = out_dir / sitemap.FILE_NAME
    stamp = store.feed_stamp()
    fingerprint = hashlib.sha256(repr((RENDER_VERSION, config.publish)).encode()).hexdigest()
    recorded = _load_meta(store.get_meta(SITEMAP_META))
    if (
        recorded.get("stamp") == stamp
        and recorded.get("config") == fingerprint[:32]
        and not _embargo_ended(recorded.get("ages_out"), now)
        and not _embargo_ended(recorded.get("embargo_next"), now)
        and path.is_file()
    ):
        return 0
    # Only the window is read: a store of old articles costs nothing here.
    listed = sitemap.window(
        store.latest(limit=sitemap.MAX_URLS, visible_at=now, since=sitemap.cutoff(now)), now
    )
    body = sitemap.render_news_sitemap(listed, config.publish, now=now)
    changed = _write(store, path, body, feed_key="news-sitemap")
    ages_out = sitemap.ages_out_at(listed)
    record = {
        "stamp": stamp,
        "config": fingerprint[:32],
        "ages_out": ages_out.isoformat() if ages_out else None,
        "embargo_next": embargo_next.isoformat() if embargo_next else None,
    }
    store.set_meta(SITEMAP_META, json.dumps(record, sort_keys=True))
    return int(changed)


def _embargo_ended(recorded: object, now: dt.datetime) -> bool:
    """Whether the embargo that was next when the feed was last rendered has ended (the
    store shows an article from the moment its embargo_until is reached)."""
    if recorded is None:
        return False
    try:
        moment = dt.datetime.fromisoformat(str(recorded))
    except ValueError:
        return True
    return now >= moment


def _remove_misplaced(
    store: StoreReader, specs: list[FeedSpec], out_dir: Path, private_dir: Path
) -> dict[str, str]:
    """Private feed files out of the public places, stale ones out of the private place;
    returns the store's copies that are left (name → etag), which the run reads once.

    In `out_dir` (and under its public name in the store) no file of a private feed may
    remain: one from before the feed became private, or from a version that wrote private
    feeds there. In `private_dir` (and under PRIVATE_STORE_PREFIX) only the current
    private feeds' files remain: a feed made public is not left behind in two places."""
    safe = [spec for spec in specs if sel.is_safe_key(spec.key)]  # names, never paths
    private_names = {sel.file_name(s, fmt) for s in safe if s.private for fmt in ALL_FORMATS}
    private_names |= {s.key + ninjs.FILE_SUFFIX for s in safe if s.private}
    current = {sel.file_name(s, fmt) for s in safe if s.private for fmt in s.formats}
    touched: set[Path] = set()
    for name in sorted(private_names):
        key = sel.feed_key_of(name) or "*"
        # An interrupted write of an older version may have left its temporary file too.
        for path in [out_dir / name, *sorted(out_dir.glob(f".{name}.*.tmp"))]:
            if write.remove(path, feed_key=key):
                log.warning("feed %s: removed %s: a private feed is not published there", key, path)
                touched.add(out_dir)
    try:
        stale = [
            path
            for path in sorted(private_dir.iterdir())
            if sel.feed_key_of(path.name) is not None
            and path.name not in current
            and not path.is_dir()
        ]
    except FileNotFoundError:
        stale = []  # no private feed was ever published
    except OSError as e:
        raise PublishError(
            "cannot list the private feeds directory",
            feed_key="*",
            path=str(private_dir),
            hint="make it readable by this user, or set [publish] private_dir",
        ) from e
    for path in stale:
        key = sel.feed_key_of(path.name) or "*"
        if write.remove(path, feed_key=key):
            log.info("feed %s: removed %s: the feed is no longer private", key, path)
            touched.add(private_dir)
    for directory in touched:
        write.sync_dir(directory)
    etags = store.feed_file_etags()
    doomed = [
        name
        for name in etags
        if name in private_names
        or (
            name.startswith(PRIVATE_STORE_PREFIX)
            and name[len(PRIVATE_STORE_PREFIX) :] not in current
        )
    ]
    if doomed:
        log.info("removed misplaced feed files from the store: %s", ", ".join(sorted(doomed)))
        store.delete_feed_files(doomed)
    gone = set(doomed)
    return {name: etag for name, etag in etags.items() if name not in gone}


def _fit(
    fmt: FeedFormat,
    spec: FeedSpec,
    articles: list[Article],
    settings: PublishSettings,
    *,
    self_url: str,
    now: dt.datetime,
    cache: ItemCache,
    history: History | None = None,
) -> tuple[bytes, int]:
    """Render; while the file is over max_bytes, drop the oldest items (logged)."""
    render = RENDERERS[fmt]
    if history is not None:  # Atom only: RFC 5005 links
        render = functools.partial(render, history=history)
    items = list(articles)
    body = render(spec, items, settings, self_url=self_url, now=now, cache=cache)
    while len(body) >= settings.max_bytes and items:
        # Shrink in proportion first (one big article should not cost 50 renders).
        keep = min(len(items) - 1, len(items) * settings.max_bytes // max(len(body), 1))
        items = items[: max(keep, 0)]
        body = render(spec, items, settings, self_url=self_url, now=now, cache=cache)
    if len(items) < len(articles):
        log.warning(
            "feed %s (%s): dropped the %d oldest items to stay under %d bytes",
            spec.key,
            fmt,
            len(articles) - len(items),
            settings.max_bytes,
        )
    if len(body) >= settings.max_bytes:
        log.warning(
            "feed %s (%s): %d bytes even without items (limit %d)",
            spec.key,
            fmt,
            len(body),
            settings.max_bytes,
        )
    return body, len([a for a in items if sel.is_web_url(a.url)])


def _write(store: StoreReader, path: Path, body: bytes, *, feed_key: str) -> bool:
    """A public file beside the feeds (sitemap, index, static files), durable at once."""
    changed = write.write_if_changed(path, body, feed_key=feed_key)
    if changed:
        store.save_feed_file(store_name(path.name, private=False), body, write.etag(body))
    return changed


class _Copies:
    """Writes a feed's files and keeps the store's copies of them (what `serve` answers
    from when it serves out of the store) to be saved with the feed's stamp, in one
    transaction rather than one per file.

    A run stopped after writing a feed's files and before saving left the files new,
    the copies old and the stamp unrecorded. So while `mend` is set (the feed's recorded
    stamp is not its current one), a file whose bytes on disk are already right is
    copied too when the store's copy differs from it (`etags`: the copies as the run
    found them)."""

    def __init__(self, store: StoreReader, etags: dict[str, str]) -> None:
        self._store = store
        self._pending: list[tuple[str, bytes, str]] = []
        self._etags = etags
        self.mend = False

    def write(
        self,
        path: Path,
        body: bytes,
        *,
        feed_key: str,
        mode: int = write.FILE_MODE,
        private: bool = False,
    ) -> bool:
        """Write `path` if its bytes changed (the directory fsync is the caller's);
        True if written."""
        changed = write.write_if_changed(path, body, feed_key=feed_key, sync_dir=False, mode=mode)
        if not changed and not self.mend:
            return False
        name, etag = store_name(path.name, private=private), write.etag(body)
        if not changed and self._etags.get(name) == etag:
            return False
        self._pending.append((name, body, etag))
        return changed

    def save(self, *, meta: tuple[str, str]) -> None:
        """Save the copies written since the last save, with `meta` (the feed's stamp)."""
        self._store.save_feed_files(self._pending, meta=meta)
        self._pending = []


def _fingerprint(config: Config, spec: FeedSpec) -> str:
    """What besides the store decides a feed's bytes: its spec, the publish settings, the
    category table and the renderer version. A change of any renders the feed again."""
    text = repr((RENDER_VERSION, spec, config.publish, config.categories))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _load_meta(value: str | None) -> dict[str, object]:
    if not value:
        return {}
    try:
        loaded = json.loads(value)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


__all__ = [
    "PRIVATE_STORE_PREFIX",
    "RENDERERS",
    "StoreReader",
    "feed_specs",
    "output_dir",
    "private_output_dir",
    "publish_all",
    "render_atom",
    "render_json",
    "render_rss",
    "store_name",
]
