"""The files the server may hand out, and an in-memory cache of their bytes.

Confinement is by construction, not by cleaning: a request path must be exactly one
allowed file name (`[A-Za-z0-9._-]+`, not starting with a dot, ending in a known suffix),
so `..`, any `/` (including a decoded `%2f`), `\\`, `%`, NUL and absolute paths never
reach the file system. A symlink is followed only when its target resolves to a file
directly inside the feeds directory; directories and other non-regular files are refused.

The cache keys each file by path and revalidates it with one `os.lstat` per request on
(inode, mtime_ns, size): the publisher replaces files atomically (new inode), so a change is
always seen, and a hit never re-reads or re-hashes the bytes. The gzip variant is computed
once per content, on first demand.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import re
import stat
import threading
from dataclasses import dataclass, field

# suffix → (Content-Type, kind); the longest suffix is tried first.
CONTENT_TYPES: tuple[tuple[str, str, str], ...] = (
    (".rss.xml", "application/rss+xml; charset=utf-8", "feed"),
    (".atom.xml", "application/atom+xml; charset=utf-8", "feed"),
    # IPTC ninjs has no registered media type of its own: plain JSON (docs/editorial.md).
    (".ninjs.json", "application/json; charset=utf-8", "feed"),
    (".json", "application/feed+json; charset=utf-8", "feed"),
    ("-sitemap.xml", "application/xml; charset=utf-8", "sitemap"),
    (".html", "text/html; charset=utf-8", "page"),
    (".xsl", "text/xsl; charset=utf-8", "stylesheet"),
)
FEED_SUFFIXES = (".rss.xml", ".atom.xml", ".ninjs.json", ".json")

_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}\Z")
GZIP_MIN_BYTES = 256  # below this the gzip header costs more than it saves


class FeedsUnavailable(Exception):
    """The feeds directory is missing or unreadable (503, not 404)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One file's bytes and the validators derived from them."""

    name: str
    content_type: str
    kind: str
    data: bytes
    etag: str  # strong, quoted
    last_modified: str  # HTTP-date
    mtime: int  # whole seconds, for If-Modified-Since
    version: tuple[int, int, int]  # (inode, mtime_ns, size) when read
    gz: list[bytes] = field(default_factory=list, compare=False)  # lazily filled, 0 or 1 item

    @property
    def gz_etag(self) -> str:
        return self.etag[:-1] + '-gz"'

    def gzipped(self) -> bytes | None:
        """The gzip encoding of `data`, or None when the file is too small to be worth it."""
        if len(self.data) < GZIP_MIN_BYTES:
            return None
        if not self.gz:
            # mtime=0 keeps the bytes (and so the ETag's meaning) stable across restarts.
            # A race makes two threads compress the same bytes; the result is identical.
            self.gz[:] = [gzip.compress(self.data, compresslevel=6, mtime=0)]
        return self.gz[0]


def classify(name: str) -> tuple[str, str] | None:
    """(Content-Type, kind) for an allowed file name; None for anything else."""
    if not _NAME.match(name):
        return None
    for suffix, content_type, kind in CONTENT_TYPES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return content_type, kind
    return None


def feed_key(name: str) -> str | None:
    """`main.rss.xml` → `main`; None for files that are not feeds."""
    for suffix in FEED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return None


def _build(name: str, content_type: str, kind: str, data: bytes, st: os.stat_result) -> Entry:
    digest = hashlib.sha256(data).hexdigest()[:32]
    mtime = int(st.st_mtime)
    return Entry(
        name=name,
        content_type=content_type,
        kind=kind,
        data=data,
        etag=f'"{digest}"',
        last_modified=email.utils.formatdate(mtime, usegmt=True),
        mtime=mtime,
        version=(st.st_ino, st.st_mtime_ns, st.st_size),
    )


class FileCache:
    """Bytes of the files under one directory, revalidated by stat on every lookup."""

    def __init__(self, directory: str) -> None:
        self.directory = os.path.abspath(directory)
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}

    def _real_dir(self) -> str:
        try:
            real = os.path.realpath(self.directory, strict=True)
            if not stat.S_ISDIR(os.stat(real).st_mode):
                raise FeedsUnavailable(f"{self.directory} is not a directory")
            return real
        except FeedsUnavailable:
            raise
        except OSError as e:
            raise FeedsUnavailable(f"{self.directory}: {e.strerror or e}") from e

    def _confined(self, path: str) -> str | None:
        """The target of the symlink `path` when it lies directly inside the directory."""
        try:
            target = os.path.realpath(path, strict=True)
        except OSError:
            return None
        inside = os.path.dirname(target) == self._real_dir()
        return target if inside and classify(os.path.basename(target)) else None

    def lookup(self, name: str) -> Entry | None:
        """The entry for `name`, or None (404). Raises FeedsUnavailable (503)."""
        kind = classify(name)
        if kind is None:
            return None
        path = os.path.join(self.directory, name)
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            self._forget(name)
            self._real_dir()  # a missing directory is a 503, a missing file a 404
            return None
        except OSError as e:
            raise FeedsUnavailable(f"{self.directory}: {e.strerror or e}") from e
        if stat.S_ISLNK(st.st_mode):
            target = self._confined(path)
            if target is None:
                return None
            path = target  # open what we checked, not the link (which could change)
            try:
                st = os.stat(path)
            except OSError:
                return None
        if not stat.S_ISREG(st.st_mode):
            return None
        entry = self._entries.get(name)
        if entry is not None and entry.version == (st.st_ino, st.st_mtime_ns, st.st_size):
            return entry
        return self._load(name, path, *kind)

    def _load(self, name: str, path: str, content_type: str, kind: str) -> Entry | None:
        # Read and stat through one descriptor, so bytes and validators always agree even
        # when the publisher replaces the file between our lstat and this open.
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            return None
        except OSError as e:
            raise FeedsUnavailable(f"{name}: {e.strerror or e}") from e
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read()
        except OSError as e:
            raise FeedsUnavailable(f"{name}: {e.strerror or e}") from e
        finally:
            os.close(fd)
        entry = _build(name, content_type, kind, data, st)
        with self._lock:
            self._entries[name] = entry
        return entry

    def _forget(self, name: str) -> None:
        if name in self._entries:
            with self._lock:
                self._entries.pop(name, None)

    def cached_size(self, name: str) -> int | None:
        """The size of the version of `name` in memory (it may be stale), None if none."""
        entry = self._entries.get(name)
        return None if entry is None else len(entry.data)

    def __len__(self) -> int:
        return len(self._entries)


class FeedDirs:
    """The public feeds directory and the private one, each with its own cache.

    A private feed's name is looked up only in the private directory, after the token
    check, and every other name only in the public one: a private file left in the public
    directory is never served, and nothing public is served from the private one."""

    def __init__(self, public: str, private: str) -> None:
        self.public = FileCache(public)
        self.private = FileCache(private)

    def lookup(self, name: str, *, private: bool = False) -> Entry | None:
        return (self.private if private else self.public).lookup(name)

    def cached_size(self, name: str, *, private: bool = False) -> int | None:
        return (self.private if private else self.public).cached_size(name)

    def __len__(self) -> int:
        return len(self.public) + len(self.private)


class BytesReader:
    """A read-only, seekable file over bytes whose reads are zero-copy memoryview slices."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> memoryview:
        end = len(self._view) if size < 0 else min(len(self._view), self._pos + size)
        chunk = self._view[self._pos : end]
        self._pos = end
        return chunk

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, min(len(self._view), base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._pos = len(self._view)  # waitress may still hold slices: let GC free them
