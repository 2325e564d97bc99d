"""Feed files served from the store instead of `feeds/`: stateless web nodes.

Private feeds are saved under their own names (publish.store_name), read only with
`private=True`, which the application passes after checking the token.

The publisher writes every changed file with its ETag into the store as well as into
`feeds/` (publish/__init__.py). A node started with `serve --from-store` (or with
`[cluster] enabled`) keeps the bytes in memory and, at most once per `refresh` seconds,
asks the store for every file's (ETag, saved_at) in one query; only files whose ETag
changed are read again. So any number of nodes behind a load balancer serve identical
bytes with identical validators (the ETag and Last-Modified come from the store), and
none of them needs a shared filesystem.

When the store does not answer, the node keeps serving what it has in memory (logged);
only a node that has never reached the store answers 503.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from syndication.errors import StorageError
from syndication.publish import store_name
from syndication.serve.files import Entry, FeedsUnavailable, classify

if TYPE_CHECKING:
    from syndication.store import Store

log = logging.getLogger(__name__)

DEFAULT_REFRESH = 1.0  # seconds between two version checks against the store
_WARN_EVERY = 60.0


class StoreFileCache:
    """The FileCache interface (`lookup`, `cached_size`, `len`) over the store's feed files."""

    def __init__(
        self,
        store_factory: Callable[[], Store],
        *,
        refresh: float = DEFAULT_REFRESH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = store_factory
        self._refresh = refresh
        self._clock = clock
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._versions: dict[str, tuple[str, dt.datetime]] | None = None
        self._checked = float("-inf")
        self._entries: dict[str, Entry] = {}
        self._warned = float("-inf")

    def _get_store(self) -> Store:
        if self._store is None:
            self._store = self._factory()
        return self._store

    def _current(self) -> dict[str, tuple[str, dt.datetime]]:
        """name → (etag, saved_at), re-read from the store when older than `refresh`."""
        with self._lock:
            now = self._clock()
            if self._versions is not None and now - self._checked < self._refresh:
                return self._versions
            try:
                self._versions = self._get_store().feed_file_versions()
            except StorageError as e:
                if self._versions is None:
                    raise FeedsUnavailable(f"the store is unavailable: {e.message}") from e
                if now - self._warned >= _WARN_EVERY:
                    self._warned = now
                    log.warning("serve: store unavailable, serving the cached files: %s", e)
            self._checked = now  # after a failure too: retry next period, not per request
            return self._versions

    def lookup(self, name: str, *, private: bool = False) -> Entry | None:
        """The entry for `name`, or None (404). Raises FeedsUnavailable (503).

        `private`: the file of a private feed, which the publisher saves under another
        name (publish.store_name); its public name finds nothing, as on disk."""
        kind = classify(name)
        if kind is None:
            return None
        saved_as = store_name(name, private=private)
        version = self._current().get(saved_as)
        if version is None:
            self._entries.pop(saved_as, None)
            return None
        etag, saved_at = version
        entry = self._entries.get(saved_as)
        if entry is not None and entry.etag == _quoted(etag):
            return entry
        try:
            found = self._get_store().get_feed_file(saved_as)
        except StorageError as e:
            if entry is not None:
                return entry  # stale but better than nothing while the store is away
            raise FeedsUnavailable(f"the store is unavailable: {e.message}") from e
        if found is None:
            return None
        body, stored_etag = found
        if stored_etag != etag:
            saved_at = dt.datetime.now(dt.UTC)  # replaced since the version check
        mtime = int(saved_at.timestamp())
        entry = Entry(
            name=name,
            content_type=kind[0],
            kind=kind[1],
            data=body,
            etag=_quoted(stored_etag),
            last_modified=email.utils.formatdate(mtime, usegmt=True),
            mtime=mtime,
            version=(0, int(saved_at.timestamp() * 1e9), len(body)),
        )
        self._entries[saved_as] = entry
        return entry

    def cached_size(self, name: str, *, private: bool = False) -> int | None:
        """Size of the cached bytes when answering needs no store query, else None."""
        if self._versions is None or self._clock() - self._checked >= self._refresh:
            return None  # a version check is due: that queries the store, off the I/O thread
        saved_as = store_name(name, private=private)
        entry = self._entries.get(saved_as)
        version = self._versions.get(saved_as)
        if entry is None or version is None or _quoted(version[0]) != entry.etag:
            return None
        return len(entry.data)

    def __len__(self) -> int:
        return len(self._entries)


def _quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'


__all__ = ["DEFAULT_REFRESH", "StoreFileCache"]
