"""Ingestion peer: lemon24/reader 3.x polling the same simulated partners in the same run.

    python -m benchmarks.run --only reader          # 1,000 feeds × 50 entries
    python -m benchmarks.run --only reader --quick  # 100 feeds × 20 entries

Both sides poll the same simulator (tests/support/simulator.py) and keep their own SQLite
file; ours runs a feed-only ingest (partners with scrape = false, no article pages), which
is what reader does: it stores the feed's entries and never fetches the pages. Scenarios:

  first     every feed new: N × items entries stored
  unchanged nothing changed: half the partners answer 304 to the ETag sent, half send the
            same bytes again without validators (as the cycles section's (a))
  changed   new bytes (lastBuildDate moved), every entry the same (as (b))

Each at CYCLE_WORKERS threads on both sides, then at 2 threads. reader is in the bench
extra (pip install -e '.[bench]'); without it the section says so and is skipped.
"""

from __future__ import annotations

import statistics
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndication.store import Store, open_store
from tests.support.simulator import Simulator

SCENARIOS = ("first", "unchanged", "changed")


@dataclass
class Pass:
    """One timed poll of every feed by one side."""

    seconds: float
    statuses: Counter[str]


@dataclass
class PeerResult:
    """What one comparison measured: rates per scenario and what each side saw."""

    feeds: int
    workers: int
    ours: dict[str, list[float]] = field(default_factory=dict)  # scenario → partners/s
    reader: dict[str, list[float]] = field(default_factory=dict)
    ours_statuses: dict[str, Counter[str]] = field(default_factory=dict)
    reader_statuses: dict[str, Counter[str]] = field(default_factory=dict)
    ours_articles: int = 0
    reader_entries: int = 0
    reader_304: int = 0  # 304s the simulator sent to reader in its unchanged passes

    def rate(self, side: str, scenario: str) -> float:
        rates = (self.ours if side == "ours" else self.reader)[scenario]
        return statistics.median(rates)


class ReaderSide:
    """reader with its own SQLite file, subscribed to the simulated feeds."""

    def __init__(self, path: Path, urls: list[str], workers: int) -> None:
        from reader import make_reader

        self.reader = make_reader(str(path))
        self.workers = workers
        for url in urls:
            self.reader.add_feed(url)

    def poll(self) -> Pass:
        from reader import UpdatedFeed

        statuses: Counter[str] = Counter()
        start = time.perf_counter()
        # scheduled=False: every feed now, as our cycles poll every partner that is due.
        for result in self.reader.update_feeds_iter(scheduled=False, workers=self.workers):
            value = result.value
            if value is None:  # the server said 304
                statuses["not_modified"] += 1
            elif isinstance(value, UpdatedFeed):
                statuses["new" if value.new else "modified" if value.modified else "ok"] += 1
            else:
                statuses[f"error: {type(value).__name__}: {value}"] += 1
        return Pass(time.perf_counter() - start, statuses)

    def entries(self) -> int:
        return int(self.reader.get_entry_counts().total or 0)

    def close(self) -> None:
        self.reader.close()


class OurSide:
    """Our feed-only ingest (no article pages) with its own SQLite store."""

    def __init__(self, sim: Simulator, n: int, base: Path, workers: int) -> None:
        from benchmarks.run import Clock, make_config, sim_partners

        self.config = make_config(base, sim_partners(sim, n, scrape=False), workers=workers)
        self.store: Store = open_store(self.config.storage_url)
        self.clock = Clock()
        self.workers = workers

    def poll(self) -> Pass:
        from benchmarks.run import timed_cycle

        took, reports = timed_cycle(self.config, self.store, self.clock, workers=self.workers)
        return Pass(took, Counter(r.status for r in reports))

    def articles(self) -> int:
        return self.store.count_articles()

    def close(self) -> None:
        self.store.close()


def compare(sim: Simulator, n: int, work: Path, *, workers: int, rounds: int) -> PeerResult:
    """Both sides through the three scenarios against `sim` (its first `n` partners).

    Passes alternate between the sides (which goes first swaps every round), so both see
    the same moments of a shared machine and the same simulator state.
    """
    work.mkdir(parents=True, exist_ok=True)
    result = PeerResult(feeds=n, workers=workers)
    ours = OurSide(sim, n, work / "ours", workers)
    peer = ReaderSide(work / "reader.sqlite", [sim.feed_url(p) for p in sim.pids(n)], workers)
    try:
        sides: dict[str, Any] = {"ours": ours, "reader": peer}

        def one(scenario: str, order: tuple[str, ...]) -> None:
            for side in order:
                before = sim.stats()["feed_304"] if side == "reader" else 0
                done = sides[side].poll()
                rates = result.ours if side == "ours" else result.reader
                rates.setdefault(scenario, []).append(n / done.seconds)
                seen = result.ours_statuses if side == "ours" else result.reader_statuses
                seen.setdefault(scenario, Counter()).update(done.statuses)
                if side == "reader" and scenario == "unchanged":
                    result.reader_304 += sim.stats()["feed_304"] - before

        warm(sim, n)
        one("first", ("reader", "ours"))
        result.ours_articles, result.reader_entries = ours.articles(), peer.entries()
        for i in range(rounds):
            one("unchanged", ("ours", "reader") if i % 2 else ("reader", "ours"))
        for i in range(rounds):
            sim.touch(sim.pids(n))  # new bytes for both sides: neither has polled them yet
            one("changed", ("ours", "reader") if i % 2 else ("reader", "ours"))
    finally:
        ours.close()
        peer.close()
    return result


def warm(sim: Simulator, n: int) -> None:
    """Every feed requested once, untimed and without validators: the simulator builds a
    feed's bytes on its first request, which would otherwise land in the first side's
    first poll."""
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda pid: urllib.request.urlopen(sim.feed_url(pid)).read(), sim.pids(n)))


def print_rows(result: PeerResult) -> None:
    from benchmarks.run import row

    for scenario in SCENARIOS:
        base = result.rate("reader", scenario)
        theirs = _short(result.reader_statuses[scenario])
        mine = _short(result.ours_statuses[scenario])
        row(f"{scenario}: reader ({theirs})", base, "partners/s")
        row(
            f"{scenario}: ours ({mine})",
            result.rate("ours", scenario),
            "partners/s",
            "reader",
            base,
        )


def _short(statuses: Counter[str]) -> str:
    """Statuses summed over the rounds, 304s spelled as such: "304 10, ok 10"."""
    names = {"not_modified": "304"}
    return ", ".join(f"{names.get(k, k)} {v}" for k, v in sorted(statuses.items()))


def bench_reader(n: int, items: int, rounds: int, work: Path, workers: tuple[int, ...]) -> None:
    print(f"\n== ingestion peer: lemon24/reader, {n:,} feeds × {items} entries, feeds only ==")
    try:
        import reader  # the bench extra: pip install -e '.[bench]'
    except ImportError:
        print("  reader not installed (pip install -e '.[bench]'): peer skipped")
        return
    print(f"  reader {reader.__version__}; both sides SQLite, no article pages")
    with Simulator.start(n, items, etag_every=2) as sim:  # every other partner sends ETags
        for w in workers:
            print(f"  -- {w} threads each --")
            result = compare(sim, n, work / f"reader-peer-{w}", workers=w, rounds=rounds)
            print(
                f"  stored: ours {result.ours_articles:,} articles, "
                f"reader {result.reader_entries:,} entries; "
                f"reader got {result.reader_304:,} × 304 while unchanged"
            )
            print_rows(result)
