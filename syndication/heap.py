"""Freed heap memory handed back to the operating system after each poll run and publish.

glibc keeps what the polling threads free in its heaps and rarely gives it back: the
daemon's resident size rose with every poll run, even runs in which nothing changed,
while the Python objects alive stayed the same (tracemalloc) and so did SQLite's own
memory; `malloc_trim(0)` after each run held it flat (docs/performance.md, (f) Memory).
On other C libraries (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library this process already runs on
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)  # glibc only
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


def release_free_memory() -> bool:
    """Ask the C library to return its free heap memory; False where it cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
