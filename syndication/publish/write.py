"""Files under feeds/: atomic replace, and no write at all when the bytes are the same.

A reader (the web server, a partner's fetch) must never see a half-written feed, and an
unchanged feed must keep its mtime (Last-Modified) and bytes (ETag). So: compare with the
file on disk; if different, write a temporary file in the same directory (same file
system, so the rename is atomic), flush + fsync, then ``os.replace`` over the old one.
The directory fsync that makes the renames durable may be left to the caller, once for
several files (``sync_dir=False``, then ``sync_dir(path)``): the publisher does it once
per feed, before it records the feed's stamp.

A process killed between creating its temporary file and the rename leaves that file
behind. Temporary names carry the writer's pid, and `prepare_dir` (the start of every
publish) removes those whose writer is gone, so killed runs do not pile them up.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from syndication.errors import PublishError

FILE_MODE = 0o644  # public feeds are read by the web server's user
PRIVATE_FILE_MODE = 0o600  # private feeds: only our user (the token-checking server)
PRIVATE_DIR_MODE = 0o700
# Temporary files: ".<file name>.<pid>.<random>.tmp" and ".probe-<pid>-<random>.tmp".
_TEMP = re.compile(r"\.(?:.+\.(\d+)\.|probe-(\d+)-)[^.]+\.tmp")
# Temporary names from before they carried a pid: the writer is unknown, so only removed
# when much older than any write takes.
_UNOWNED_TEMP = re.compile(r"\.(?:.+\.|probe-)[^.]+\.tmp")
UNOWNED_TEMP_AGE = 3600.0  # seconds


def etag(body: bytes) -> str:
    """Strong ETag of a file's bytes (what serve sends and the store keeps)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def prepare_dir(
    path: Path, *, feed_key: str = "*", mode: int | None = None, setting: str = "out_dir"
) -> None:
    """Create the output directory and prove we can create files in it.

    With `mode`, the directory gets exactly that mode, also when it already existed (an
    operator's `mkdir` gives 0755, which would let anyone list the private feeds)."""
    try:
        if mode is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.mkdir(mode=mode, parents=True, exist_ok=True)  # never wider than `mode`
            if path.stat().st_mode & 0o7777 != mode:
                os.chmod(path, mode)
        fd, probe = tempfile.mkstemp(dir=path, prefix=f".probe-{os.getpid()}-", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise PublishError(
            "cannot write to the feed output directory",
            feed_key=feed_key,
            path=str(path),
            hint=f"create it and make it writable by this user, or set [publish] {setting}",
        ) from e
    remove_stale_temp_files(path)


def remove_stale_temp_files(path: Path) -> list[str]:
    """Remove the temporary files in `path` whose writing process is gone; their names."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(path))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(".") and name.endswith(".tmp")):
            continue
        owned = _TEMP.fullmatch(name)
        if owned is not None:
            if _running(int(owned.group(1) or owned.group(2))):
                continue
        elif _UNOWNED_TEMP.fullmatch(name) is None:
            continue
        else:
            try:
                if now - entry.stat().st_mtime < UNOWNED_TEMP_AGE:
                    continue
            except OSError:
                continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(name)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


def write_if_changed(
    path: Path, body: bytes, *, feed_key: str, sync_dir: bool = True, mode: int = FILE_MODE
) -> bool:
    """Atomically replace `path` with `body`; leave it untouched if it already holds it.

    The file has `mode` from its creation on: the temporary file is set to it before a
    byte is written, so no reader ever finds a wider mode. Returns True when written.
    """
    try:
        if path.read_bytes() == body:
            if path.stat().st_mode & 0o777 != mode:
                os.chmod(path, mode)  # same bytes, but a mode someone else left
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
        # mkstemp creates 0600 (less under a strict umask); set the exact mode first.
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp"
        )
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
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


def remove(path: Path, *, feed_key: str) -> bool:
    """Delete a published file (a feed that moved to the other directory). True if it was
    there."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as e:
        raise PublishError(
            "cannot remove the stale feed file",
            feed_key=feed_key,
            path=str(path),
            hint="remove it by hand and check the directory's permissions",
        ) from e
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
