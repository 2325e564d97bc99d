"""Memory the daemon's polls and publishes are done with, handed back once a minute.

Two things kept it (docs/performance.md, "(f) Memory"). A run leaves a few hundred
objects in reference cycles (closures, SQLAlchemy statements) that hold its buffers; the
cyclic collector frees them only at a full collection, which comes rarely once the
process holds many long-lived objects, so resident memory rose by megabytes a run
between collections. And glibc keeps what the polling threads free in its heaps and
rarely returns it, even after runs in which nothing changed. So the daemon runs a full
collection and `malloc_trim(0)` (glibc only; elsewhere the trim does nothing) once a
minute, as a job of its own.
"""

from __future__ import annotations

import ctypes
import functools
import gc
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
    """Free the run's garbage cycles, then ask the C library to return its free heap
    memory; False where it cannot (the collection is done all the same)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
