"""heap.release_free_memory: what freed memory glibc holds goes back to the system.

Run in a fresh interpreter (a real process, its own heap): a thousand 64 KB blocks, each
followed by a small survivor so that free() alone cannot shrink the heap, are freed; the
resident anonymous memory must then drop when, and only when, the C library is glibc."""

from __future__ import annotations

import platform
import subprocess
import sys

from tests.support import ROOT

CHILD = """
from syndication import heap

def rss_anon_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise SystemExit("no RssAnon")

blocks, keep = [], []
for _ in range(1000):
    blocks.append(bytes(65536))  # from the heap: under glibc's mmap threshold
    keep.append(bytes(600))  # a survivor after each block
del blocks
before = rss_anon_kb()
released = heap.release_free_memory()
print(released, before, rss_anon_kb())
"""


def test_freed_heap_memory_goes_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, check=True
    )
    released, before, after = out.stdout.split()
    if platform.libc_ver()[0] != "glibc":
        assert released == "False"
        return
    assert released == "True"
    # 64 MB were freed; without the trim nearly all of it stays resident.
    assert int(before) - int(after) > 32 * 1024, (before, after)
