"""One run at a time per store: cron overlaps and second daemons are refused, not raced.

An exclusive `flock` on a file beside the SQLite database (or in the feeds directory for a
server database). The kernel drops the lock when the process dies, even by SIGKILL, so a
crashed run never leaves a stale lock behind; the file itself is harmless and reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .config import Config
from .errors import LockError


def lock_path(config: Config) -> Path:
    url = config.storage_url
    if url.startswith("sqlite:///") and ":memory:" not in url:
        return Path(url[len("sqlite:///") :] + ".lock")
    return Path(config.publish.out_dir) / ".syndication.lock"


@contextlib.contextmanager
def run_lock(config: Config, *, wait: bool = False) -> Iterator[Path]:
    path = lock_path(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise LockError(
            f"cannot create the lock file {path}",
            hint="check that the directory exists and is writable by this user",
        ) from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = _read_pid(fd)
            raise LockError(
                f"another syndication process{f' (pid {holder})' if holder else ''} is "
                f"running against this store (lock {path})",
                hint="wait for it to finish; under cron this run is simply skipped",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield path
    finally:
        os.close(fd)  # closing releases the flock


def _read_pid(fd: int) -> str | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode().strip() or None
    except (OSError, UnicodeDecodeError):
        return None
