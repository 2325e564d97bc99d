"""serve.files: the file cache sees a publish at once (new inode, rewrite in place, delete)."""

from __future__ import annotations

import email.utils
import os
from pathlib import Path

from syndication.serve import FeedServer
from syndication.serve.files import FileCache
from tests.support.factories import ATOM, MTIME, RSS, etag_of, raw, write

# --- the file cache ------------------------------------------------------------------------


def test_changed_file_is_served_at_once(server: FeedServer, feeds: Path) -> None:
    old_etag = etag_of(server)
    new = RSS.replace(b"id-0<", b"id-X<")  # same size, same mtime: only the inode differs
    write(feeds / "main.rss.xml", new)
    status, headers, body = raw(server, "/main.rss.xml", headers={"If-None-Match": old_etag})
    assert status == 200
    assert body == new
    assert headers["ETag"] != old_etag


def test_in_place_rewrite_with_new_mtime_is_seen(server: FeedServer, feeds: Path) -> None:
    raw(server, "/main.atom.xml")
    path = feeds / "main.atom.xml"
    path.write_bytes(ATOM.replace(b"feed", b"FEED"))  # same inode, same size
    os.utime(path, (MTIME + 5, MTIME + 5))
    _, headers, body = raw(server, "/main.atom.xml")
    assert body == ATOM.replace(b"feed", b"FEED")
    assert headers["Last-Modified"] == email.utils.formatdate(MTIME + 5, usegmt=True)


def test_deleted_file_is_404(server: FeedServer, feeds: Path) -> None:
    assert raw(server, "/main.json")[0] == 200
    (feeds / "main.json").unlink()
    assert raw(server, "/main.json")[0] == 404


def test_cache_hit_reuses_the_entry(feeds: Path) -> None:
    cache = FileCache(str(feeds))
    first = cache.lookup("main.rss.xml")
    second = cache.lookup("main.rss.xml")
    assert first is not None
    assert second is first  # no re-read, no re-hash
    write(feeds / "main.rss.xml", RSS + b" ")
    third = cache.lookup("main.rss.xml")
    assert third is not first and third is not None
    assert third.data == RSS + b" "
