"""Files under feeds/: atomic replace, and no write at all when the bytes are the same.

A reader (the web server, a partner's fetch) must never see a half-written feed, and an
unchanged feed must keep its mtime (Last-Modified) and bytes (ETag). So: compare with the
file on disk; if different, write a temporary file in the same directory (same file
system, so the rename is atomic), flush + fsync, then ``os.replace`` over the old one.
The directory fsync that makes the renames durable may be left to the caller, once for
several files (``sync_dir=False``, then ``sync_dir(path)``): the publisher does it once
per feed, before it records the feed's stamp.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from syndication.errors import PublishError

FILE_MODE = 0o644  # mkstemp creates 0600; feeds are read by the web server's user


def etag(body: bytes) -> str:
    """Strong ETag of a file's bytes (what serve sends and the store keeps)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def prepare_dir(path: Path, *, feed_key: str = "*") -> None:
    """Create the output directory and prove we can create files in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise PublishError(
            "cannot write to the feed output directory",
            feed_key=feed_key,
            path=str(path),
            hint="create it and make it writable by this user, or set [publish] out_dir",
        ) from e


def write_if_changed(path: Path, body: bytes, *, feed_key: str, sync_dir: bool = True) -> bool:
    """Atomically replace `path` with `body`; leave it untouched if it already holds it.

    Returns True when the file was written.
    """
    try:
        if path.read_bytes() == body:
            return False
    except FileNotFoundError:
        pass
    except OSError as e:
        raise PublishError(
            "cannot read the existing feed file",
            feed_key=feed_key,
            path=str(path),
            hint="check its permissions or remove it",
        ) from e
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
        tmp = None
        if sync_dir:
            _fsync_dir(path.parent)
    except OSError as e:
        raise PublishError(
            "cannot write the feed file",
            feed_key=feed_key,
            path=str(path),
            hint="check free space and that the directory is writable",
        ) from e
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return True


def sync_dir(path: Path) -> None:
    """Make the renames done in directory `path` durable (after sync_dir=False writes)."""
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; not possible on every platform, so best effort.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
