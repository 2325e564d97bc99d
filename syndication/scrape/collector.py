"""The cyclic garbage collector held back while pages are scraped.

A page's tree is tens of thousands of linked Python objects, alive for the whole scrape:
with the default thresholds the collector traverses them again and again as they are
built (gen 0 every 700 new objects), a quarter of a scrape's time, and finds nothing to
free. Each soup is freed by reference counting once its record is out (soup.release), so
the collector has nothing of ours to do meanwhile; it still runs for the rest of the
process, every 100,000 new objects instead of 700.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Process-wide and counted: concurrent scrapes in the polling threads share one setting,
# and the last one out restores what was there.
_QUIET_GEN0 = 100_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Gen 0 waits for _QUIET_GEN0 new objects while any caller is inside."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            first, second, third = _gc_saved
            if first:  # 0 means the collector is off: leave it so
                gc.set_threshold(max(first, _QUIET_GEN0), second, third)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)
