"""Process trees from /proc (Linux): which processes a run started, and whether they are gone.

A process is named by (pid, start time), so a pid the kernel hands to someone else after
ours ended is not mistaken for ours. A zombie counts as gone: it has exited and holds no
memory, it only waits for whichever process adopted it to collect its status.
"""

from __future__ import annotations

import os
from pathlib import Path

Proc = tuple[int, int]  # (pid, start time in clock ticks since boot)

PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of `pid`, or None when it does not exist."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> list[Proc]:
    """Every live process below `root` (children, their children, …) at this moment."""
    children: dict[int, list[Proc]] = {}
    for entry in os.listdir(PROC):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is not None and stat[1] != "Z":
            children.setdefault(stat[0], []).append((int(entry), stat[2]))
    found: list[Proc] = []
    todo = [root]
    while todo:
        for proc in children.get(todo.pop(), []):
            found.append(proc)
            todo.append(proc[0])
    return found


def running(proc: Proc) -> bool:
    """True while this very process (same pid and start time) exists and is not a zombie."""
    stat = _stat(proc[0])
    return stat is not None and stat[2] == proc[1] and stat[1] != "Z"


def command(proc: Proc) -> str:
    try:
        raw = (PROC / str(proc[0]) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:160]
