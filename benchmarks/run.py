"""The performance suite: every stage and the whole pipeline, each beside a baseline.

    python -m benchmarks.run            # the full run (11 to 25 minutes on 2 cores, plus
                                        # about 30 for the reader section)
    python -m benchmarks.run --quick    # under a minute: smaller inputs, fewer rounds
    python -m benchmarks.run --tiny     # seconds: every code path once (tests run this)

From the checkout root: the benchmarks package imports tests.support.

It generates its own inputs: a partner simulator (tests/support/simulator.py) on 127.0.0.1
serves N Arabic partner feeds (~1.1 KB an item) and their ~110 KB article pages, in its own
process. Stores are SQLite files in a temporary directory. Every figure is the median over
the rounds, printed beside a baseline measured in the same run on the same input:

  stages   feedparser.parse (bare) vs parse_feed vs the lxml scan vs lxml parsing (floor);
           BeautifulSoup(page, "lxml") vs scrape(); scrape() vs trafilatura on the
           corpus pages (tests/data/pages); feedgen's own render vs ours;
           `syndication serve` vs Python's http.server (benchmarks/serve_bench.py)
  cycles   (a) unchanged feeds: half 304, half the same bytes without validators;
           (b) changed feeds whose items are all known (fast path), vs the same cycle
               through feedparser (fast path off) and a fetch-only cycle (floor)
  articles (c) new items → page fetch → scrape → store, pages scraped in the polling
               threads and in worker processes, vs BeautifulSoup alone in one process
               per core (the ceiling of anything that builds each page's tree)
  publish  (d) one new article in a large store (affected feeds only), and a full
               rebuild of 30 feeds × 100 items × 3 formats vs feedgen's render time
  fresh    (e) the daemon against the simulator: urgent item → our urgent feed
  memory   (f) peak RSS of a child process ingesting 2,000 partners (100,000 articles)
               and publishing, then RSS across 50 further cycles
  reader   lemon24/reader 3.x on the same feeds (first poll, unchanged, changed bytes),
           feed-only on both sides (benchmarks/reader_peer.py)

Each target is printed as met / NOT MET with the gap. The ratio to the baseline is the
figure to quote: absolute rates depend on the machine and on what else it runs.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import io
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from syndication.config import (
    Config,
    PublishSettings,
    SchedulerSettings,
    ServeSettings,
)
from syndication.fetch import Fetcher
from syndication.ingest import Ingester, article_id, item_hash, run_ingest
from syndication.model import (
    Article,
    FeedSpec,
    Fetched,
    FetchSettings,
    IngestReport,
    PartnerFeed,
    ScrapeRules,
    StorySettings,
)
from syndication.store import Store, open_store
from tests.support import ROOT
from tests.support import simulator as sim_mod
from tests.support.simulator import Simulator

CYCLE_WORKERS = 16  # threads per poll cycle, as in the reference figures


# --- scale ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    name: str
    rounds: int
    stage_feeds: int  # feeds parsed per stage round
    stage_pages: int
    partners: int  # poll cycles (a)/(b)
    items: int
    article_partners: int  # (c)
    new_per_partner: int
    publish_rounds: int
    rebuild_feeds: int
    rebuild_items: int
    fresh_interval: int  # seconds; 0 = skipped
    fresh_rounds: int
    memory_partners: int
    memory_items: int
    memory_cycles: int
    serve_seconds: float  # 0 = skipped


FULL = Scale("full", 5, 20, 10, 1000, 50, 40, 5, 5, 30, 100, 5, 5, 2000, 50, 50, 3.0)
QUICK = Scale("quick", 3, 5, 4, 100, 20, 6, 3, 3, 30, 100, 2, 1, 60, 20, 6, 1.0)
TINY = Scale("tiny", 1, 1, 1, 8, 5, 2, 1, 1, 3, 5, 0, 0, 6, 5, 2, 0.0)


# --- results --------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    value: float
    unit: str
    limit: float
    higher_is_better: bool
    note: str = ""

    @property
    def met(self) -> bool:
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    def line(self) -> str:
        op = "≥" if self.higher_is_better else "≤"
        status = "met" if self.met else "NOT MET"
        if not self.met:
            gap = (
                self.limit / self.value
                if self.higher_is_better and self.value
                else self.value / self.limit
                if self.limit
                else float("inf")
            )
            status += f" (gap {gap:.1f}×)"
        text = (
            f"  {self.name:<58} {self.value:>10,.2f} {self.unit:<11} {op} {self.limit:,g}  {status}"
        )
        return text + (f"  [{self.note}]" if self.note else "")


TARGETS: list[Target] = []


def target(
    name: str, value: float, unit: str, limit: float, *, higher: bool = True, note: str = ""
) -> None:
    t = Target(name, value, unit, limit, higher, note)
    TARGETS.append(t)
    print(t.line())


def row(
    label: str,
    value: float,
    unit: str,
    base_label: str = "",
    base: float | None = None,
    *,
    higher: bool = True,
) -> None:
    text = f"  {label:<44} {value:>12,.1f} {unit:<10}"
    if base is not None and base > 0 and value > 0:
        ratio = value / base if higher else base / value
        text += (
            f"  vs {base_label} {base:,.1f}: {ratio:.2f}× {'faster' if ratio >= 1 else 'slower'}"
        )
    print(text)


def median_time(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm-up: imports, caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- configuration --------------------------------------------------------------------------

FETCH = FetchSettings(
    allow_private_networks=True,  # the simulator is on 127.0.0.1
    connect_timeout=5.0,
    read_timeout=10.0,
    deadline=20.0,
    min_host_interval=0.0,
    max_per_host=16,  # every simulated partner shares one host; real ones do not
)


def make_config(
    base: Path,
    partners: tuple[PartnerFeed, ...],
    *,
    feeds: tuple[FeedSpec, ...] | None = None,
    per_category: bool = True,
    workers: int = CYCLE_WORKERS,
    storage: str | None = None,
) -> Config:
    return Config(
        path=str(base / "config.toml"),
        base_dir=str(base),
        storage_url=storage or f"sqlite:///{base / 'store.db'}",
        fetch=FETCH,
        publish=PublishSettings(out_dir="feeds", per_category=per_category, per_partner=False),
        scheduler=SchedulerSettings(workers=workers, publish_debounce=0.1, publish_interval=3600),
        serve=ServeSettings(),
        partners=partners,
        feeds=feeds
        or (
            FeedSpec(key="main", title="الرئيسية", kind="main"),
            FeedSpec(key="urgent", title="عاجل", kind="urgent"),
        ),
    )


def sim_partners(
    sim: Simulator, n: int, *, scrape: bool, interval: int = 1
) -> tuple[PartnerFeed, ...]:
    return tuple(
        PartnerFeed(
            id=pid,
            name=f"شريك {pid}",
            feed_url=sim.feed_url(pid),
            interval=interval,
            jitter=0,
            scrape=scrape,
            fetch=FETCH,
        )
        for pid in sim.pids(n)
    )


class CountingStore(Store):
    """A Store that counts the statements that change data (to show a cycle wrote nothing).

    Counted at the engine, not per Store method, so a new write path cannot slip past.
    """

    writes: Counter[str]

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.writes = Counter()
        sa.event.listen(self._engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.lstrip().split(None, 3)
        verb = words[0].upper() if words else ""
        if verb in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            table = (
                words[2]
                if verb in ("INSERT", "DELETE", "REPLACE") and len(words) > 2
                else (words[1] if len(words) > 1 else "?")
            )
            self.writes[table.strip('"').lower()] += 1


def counting_store(url: str) -> CountingStore:
    open_store(url).close()  # creates and migrates
    return CountingStore(url)


class Clock:
    """A clock the cycles move forward by hand: every partner is due at each cycle, and
    (cycles being seconds apart) no state write is forced by age."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, seconds: float = 2.0) -> None:
        self.now += dt.timedelta(seconds=seconds)


# --- stage inputs ---------------------------------------------------------------------------

BASE = "http://127.0.0.1:8000"


def stage_feed(i: int, items: int = 50) -> bytes:
    pid = sim_mod.pid_of(i)
    xml = sim_mod.feed_items(BASE, pid, range(items - 1, -1, -1), {items - 1})
    return sim_mod.feed(BASE, pid, xml, 0)


def fetched(body: bytes, url: str) -> Fetched:
    return Fetched(
        url=url,
        final_url=url,
        status=200,
        headers=(("content-type", "application/rss+xml; charset=utf-8"),),
        body=body,
    )


def sample_articles(n: int) -> list[Article]:
    """n stored-like Articles built by our own pipeline (parse + scrape + normalize)."""
    from syndication.normalize import to_article
    from syndication.parse import parse_feed
    from syndication.scrape import scrape

    partner = PartnerFeed(id="p0000", name="شريك", feed_url=f"{BASE}/p/p0000/feed.xml", max_items=n)
    pid = partner.id
    xml = sim_mod.feed_items(BASE, pid, range(n - 1, -1, -1), {n - 1})
    items = parse_feed(fetched(sim_mod.feed(BASE, pid, xml, 0), partner.feed_url), partner).items
    page = sim_mod.article_page(BASE, pid, 0)
    scraped = scrape(page, f"{BASE}/p/{pid}/news/0.html", ScrapeRules())
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    out = []
    for item in items:
        page_view = replace(scraped, title=item.title, url=item.url or scraped.url)
        out.append(
            to_article(
                partner,
                item,
                page_view,
                article_id=article_id(pid, item),
                item_hash=item_hash(item),
                now=now,
            )
        )
    return out


# --- stages ---------------------------------------------------------------------------------


def bench_parse(scale: Scale) -> None:
    import feedparser
    from lxml import etree

    from syndication.parse import parse_feed, parse_feed_items, scan_items

    print("\n== parse: feeds of 50 items (~56 KB) ==")
    bodies = [stage_feed(i) for i in range(scale.stage_feeds)]
    items = 50 * len(bodies)
    partner = PartnerFeed(id="p", name="p", feed_url=f"{BASE}/feed.xml")

    def bare() -> None:
        for b in bodies:
            feedparser.parse(
                io.BytesIO(b), response_headers={"content-type": "application/rss+xml"}
            )

    def ours() -> None:
        for b in bodies:
            parse_feed(fetched(b, partner.feed_url), partner)

    def lxml_floor() -> None:
        for b in bodies:
            etree.fromstring(b)

    def scan() -> None:
        for b in bodies:
            scan_items(b)

    # A changed feed whose items the memo knows but the 5 newest: feedparser reads those
    # and the last one (it carries the end of the document), the rest are cut out.
    scans = [scan_items(b) for b in bodies]
    known = tuple(range(5, 49))
    inputs = [(fetched(b, partner.feed_url), s) for b, s in zip(bodies, scans, strict=True)]
    assert all(s is not None for s in scans)
    assert all(parse_feed_items(f, partner, s, known) for f, s in inputs if s is not None)

    def partial() -> None:
        for f, s in inputs:
            if s is not None:
                parse_feed_items(f, partner, s, known)

    t_bare = median_time(bare, scale.rounds)
    t_ours = median_time(ours, scale.rounds)
    t_lxml = median_time(lxml_floor, scale.rounds)
    t_scan = median_time(scan, scale.rounds)
    t_partial = median_time(partial, scale.rounds)
    row("feedparser.parse (baseline)", items / t_bare, "items/s")
    row(
        "parse_feed (ours: feedparser + lxml pass)",
        items / t_ours,
        "items/s",
        "feedparser",
        items / t_bare,
    )
    row(
        "scan_items (ours: the lxml fast path)",
        items / t_scan,
        "items/s",
        "feedparser",
        items / t_bare,
    )
    row("lxml etree.fromstring (floor)", items / t_lxml, "items/s", "feedparser", items / t_bare)
    feeds = len(bodies)
    row("parse_feed, the whole feed (baseline)", feeds / t_ours, "feeds/s")
    row(
        "parse_feed_items, 5 new items of 50 (ours)",
        feeds / t_partial,
        "feeds/s",
        "parse_feed",
        feeds / t_ours,
    )


def bench_scrape(scale: Scale) -> None:
    from bs4 import BeautifulSoup

    from syndication.scrape import scrape

    print("\n== scrape: article pages of ~110 KB ==")
    pages = [
        (sim_mod.article_page(BASE, "p0000", n), f"{BASE}/p/p0000/news/{n}.html")
        for n in range(scale.stage_pages)
    ]
    t_tree = median_time(lambda: [BeautifulSoup(p, "lxml") for p, _ in pages], scale.rounds)
    t_ours = median_time(lambda: [scrape(p, u, ScrapeRules()) for p, u in pages], scale.rounds)
    t_full = median_time(
        lambda: [scrape(p, u, ScrapeRules(), prune=False) for p, u in pages], scale.rounds
    )
    n = len(pages)
    row("BeautifulSoup(page, 'lxml') (baseline)", n / t_tree, "pages/s")
    row("scrape() (ours: tree + extraction)", n / t_ours, "pages/s", "BeautifulSoup", n / t_tree)
    # The default leaves certain chrome out of the soup, so its tree is smaller than the
    # baseline's; the unpruned figure shows what extraction costs over the whole tree.
    row("scrape(prune=False) (whole tree)", n / t_full, "pages/s", "BeautifulSoup", n / t_tree)
    row("  extraction over the whole tree", (t_full - t_tree) / t_tree * 100, "%")
    overhead = (t_ours - t_tree) / t_tree * 100
    target(
        "scrape: extraction overhead over building the tree",
        overhead,
        "%",
        30,
        higher=False,
        note="pruned soup; see docs/performance.md",
    )
    bench_scrape_corpus(scale)


def bench_scrape_corpus(scale: Scale) -> None:
    """scrape() beside trafilatura on the real pages of tests/data/pages, interleaved."""
    from syndication.scrape import scrape

    try:
        import trafilatura  # the bench extra: pip install -e '.[bench]'
    except ImportError:
        print("  trafilatura not installed (pip install -e '.[bench]'): corpus peer skipped")
        return
    pages_dir = ROOT / "tests" / "data" / "pages"
    index = json.loads((pages_dir / "index.json").read_text(encoding="utf-8"))
    pages = [
        ((pages_dir / e["html"]).read_bytes(), e["url"], e.get("timezone", "UTC")) for e in index
    ]
    size = sum(len(p) for p, _, _ in pages) / 1e6
    print(f"\n== scrape: the {len(pages)} corpus pages of tests/data/pages ({size:.1f} MB) ==")

    def ours() -> None:
        for page, url, zone in pages:
            scrape(page, url, timezone=zone)

    def peer() -> None:
        for page, url, _ in pages:
            trafilatura.extract(page, url=url, include_images=True)

    # Interleaved rounds: both see the same moments of a shared machine. A round takes
    # about a second, and single rounds' ratios spread from 1.3 to 2.0 on this machine:
    # three times the suite's rounds keep one slow moment from deciding the median. The
    # first two rounds still teach the pruning plan each site (production pays that on a
    # site's first three pages only); among 15 rounds they weigh less than among 5.
    ours()  # warm-up: imports, caches
    peer()
    t_ours: list[float] = []
    t_peer: list[float] = []
    for _ in range(max(3 * scale.rounds, 3)):
        for fn, times in ((ours, t_ours), (peer, t_peer)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    n = len(pages)
    rate_peer = n / statistics.median(t_peer)
    row("trafilatura.extract(include_images=True) (peer)", rate_peer, "pages/s")
    row("scrape() (ours)", n / statistics.median(t_ours), "pages/s", "trafilatura", rate_peer)
    target(
        "scrape: corpus pages/s vs trafilatura's",
        statistics.median(p / o for o, p in zip(t_ours, t_peer, strict=True)),
        "×",
        1.5,
        note="median of the per-round ratios; quality: docs/extraction.md",
    )


def feedgen_baseline(articles: list[Article]) -> Callable[[], None]:
    """feedgen on its own (plus json.dumps for the JSON Feed) for the same items."""
    from feedgen.feed import FeedGenerator

    def render() -> None:
        fg = FeedGenerator()
        fg.id(BASE + "/")
        fg.title("الرئيسية")
        fg.link(href=BASE + "/", rel="alternate")
        fg.description("أخبار")
        fg.language("ar")
        for a in articles:
            e = fg.add_entry(order="append")
            e.id(a.id)
            e.guid(a.id, permalink=False)
            e.title(a.title)
            e.link(href=a.url)
            e.description(a.summary)
            e.content(a.body_html, type="CDATA")
            e.published(a.published)
            e.updated(a.updated)
            for c in a.categories:
                e.category(term=c.slug, label=c.label)
        fg.rss_str()
        fg.atom_str()
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [
                    {
                        "id": a.id,
                        "url": a.url,
                        "title": a.title,
                        "content_html": a.body_html,
                        "summary": a.summary,
                        "date_published": a.published.isoformat(),
                        "tags": [c.label for c in a.categories],
                    }
                    for a in articles
                ],
            },
            ensure_ascii=False,
        )

    return render


def bench_render(scale: Scale) -> None:
    from syndication.publish import reference, render_atom, render_json, render_rss
    from syndication.publish.items import ItemCache

    print("\n== render: one feed of 100 items, RSS + Atom + JSON ==")
    articles = sample_articles(max(scale.rebuild_items, 5))
    spec = FeedSpec(key="main", title="الرئيسية", kind="main", limit=len(articles))
    settings = PublishSettings()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    url = BASE + "/main.xml"

    def cold() -> None:
        # A fresh cache shared by the three formats, as one publish run uses it: every
        # item rendered, each article cleaned once.
        cache = ItemCache(settings)
        for render in (render_rss, render_atom, render_json):
            render(spec, articles, settings, self_url=url, now=now, cache=cache)

    def alone() -> None:
        for render in (render_rss, render_atom, render_json):
            render(spec, articles, settings, self_url=url, now=now)

    def feedgen_reference() -> None:
        for render in (reference.render_rss, reference.render_atom, reference.render_json):
            render(spec, articles, settings, self_url=url, now=now)

    # A render takes milliseconds: many rounds, the baseline and ours alternating, so a
    # burst of load on the machine falls on both; the target is the median of the
    # per-round ratios.
    rounds = max(scale.rounds * 10, 20)
    base = feedgen_baseline(articles)
    base()
    cold()
    t_bases: list[float] = []
    t_colds: list[float] = []
    for _ in range(rounds):
        for fn, times in ((base, t_bases), (cold, t_colds)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    t_base = statistics.median(t_bases)
    t_cold = statistics.median(t_colds)
    t_alone = median_time(alone, rounds)
    t_ref = median_time(feedgen_reference, scale.rounds)
    # Each on its own, back to back (its caches warm from its previous round): feedgen
    # gains more from that than we do, so this ratio is the lower one; both are shown.
    t_base_b2b = median_time(base, rounds)
    t_cold_b2b = median_time(cold, rounds)
    n = len(articles)
    row("feedgen rss_str+atom_str + json.dumps (baseline)", n / t_base, "items/s")
    row(
        "ours cold, one fresh cache for the 3 formats", n / t_cold, "items/s", "feedgen", n / t_base
    )
    row("ours cold, each format without a cache", n / t_alone, "items/s", "feedgen", n / t_base)
    row("feedgen-based reference renderer", n / t_ref, "items/s", "feedgen", n / t_base)
    row("feedgen, rounds back to back", n / t_base_b2b, "items/s")
    row("ours cold, rounds back to back", n / t_cold_b2b, "items/s", "feedgen", n / t_base_b2b)
    target(
        "cold render RSS+Atom+JSON vs feedgen (items/s ratio)",
        statistics.median(b / c for b, c in zip(t_bases, t_colds, strict=True)),
        "×",
        0.8,
        note=f"median of {rounds} alternating rounds; fresh cache shared by the formats",
    )


def bench_serve(scale: Scale) -> None:
    print("\n== serve: a ~500 KB feed, 16 keep-alive connections ==")
    if not scale.serve_seconds:
        print("  skipped at this scale")
        return
    from benchmarks import serve_bench as sb  # its own servers and load generator

    rounds = 3 if scale.name == "full" else 1
    results: dict[tuple[str, str], list[Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as base_dir:
        feeds = Path(base_dir, "feeds")
        feeds.mkdir()
        (feeds / sb.FEED).write_bytes(sb.make_feed(500_000))
        with contextlib.ExitStack() as stack:
            servers = [
                stack.enter_context(sb.Server(n, base_dir, {})) for n in ("ours", "http.server")
            ]
            plans = []
            for server in servers:
                etag, modified, _coding, _length = sb.validators(server.port)
                cond = {"If-None-Match": etag} if etag else {"If-Modified-Since": modified or ""}
                plans.append((server, {"200": {}, "304": cond}))
            for _ in range(rounds):
                for server, scenarios in plans:
                    for scenario, headers in scenarios.items():
                        sample = sb.measure(server, headers, 16, 2, scale.serve_seconds)
                        results.setdefault((server.name, scenario), []).append(sample)

    def med(name: str, scenario: str, field: str) -> float:
        return float(statistics.median(getattr(s, field) for s in results[(name, scenario)]))

    for scenario in ("200", "304"):
        base = med("http.server", scenario, "rps")
        row(f"http.server {scenario} (baseline)", base, "req/s")
        row(
            f"syndication serve {scenario} (ours)",
            med("ours", scenario, "rps"),
            "req/s",
            "http.server",
            base,
        )
        row(f"  p99 latency {scenario} (ours)", med("ours", scenario, "p99_ms"), "ms")
    ours_304, base_304 = med("ours", "304", "rps"), med("http.server", "304", "rps")
    target("serve: 304 responses vs http.server", ours_304 / base_304, "×", 2)
    target("serve: 304 responses", ours_304, "req/s", 5000)
    target("serve: full 500 KB responses", med("ours", "200", "rps"), "req/s", 3000)
    target(
        "serve: p99 latency (full responses)", med("ours", "200", "p99_ms"), "ms", 25, higher=False
    )


# --- poll cycles ----------------------------------------------------------------------------


def timed_cycle(
    config: Config, store: Store, clock: Clock, **kw: Any
) -> tuple[float, list[IngestReport]]:
    clock.tick()
    start = time.perf_counter()
    reports = run_ingest(config, store, clock=clock, **kw)
    return time.perf_counter() - start, reports


def fetch_only(sim: Simulator, pids: list[str], workers: int) -> float:
    """Every feed fetched once with our Fetcher, nothing else: the floor of a cycle."""
    fetcher = Fetcher(FETCH)
    try:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda p: fetcher.get(sim.feed_url(p)), pids))  # warm connections
            start = time.perf_counter()
            list(pool.map(lambda p: fetcher.get(sim.feed_url(p)), pids))
            return time.perf_counter() - start
    finally:
        fetcher.close()


def bench_cycles(scale: Scale, work: Path) -> tuple[Config, Store, Simulator, Clock]:
    n = scale.partners
    print(f"\n== poll cycles: {n:,} partners × {scale.items} items, {CYCLE_WORKERS} threads ==")
    sim = Simulator.start(n, scale.items, etag_every=2)  # every other partner sends ETags
    partners = sim_partners(sim, n, scrape=False)
    config = make_config(work / "cycles", partners)
    store = counting_store(config.storage_url)
    clock = Clock()
    took, reports = timed_cycle(config, store, clock)
    stored = sum(r.new for r in reports)
    row(f"first poll: {stored:,} articles from feeds (no pages)", n / took, "partners/s")

    floor = statistics.median(
        fetch_only(sim, sim.pids(n), CYCLE_WORKERS) for _ in range(scale.rounds)
    )
    row("fetch only, every feed 200 (floor)", n / floor, "partners/s")

    # (a) nothing changed: half 304, half the same bytes without validators
    rates, writes, statuses = [], Counter[str](), Counter[str]()
    for _ in range(scale.rounds):
        store.writes.clear()
        took, reports = timed_cycle(config, store, clock)
        rates.append(n / took)
        writes.update(store.writes)
        statuses.update(r.status for r in reports)
    rate_a = statistics.median(rates)
    row(f"(a) unchanged: {dict(statuses)}", rate_a, "partners/s", "fetch-only floor", n / floor)
    target("(a) poll cycle, unchanged feeds", rate_a, "partners/s", 1000)
    # The 1,000/s was set where a cycle without parsing ran 1,100–1,500 feeds/s: at least
    # 0.91 of the fetch-only cycle measured here is the same target on a slower day.
    target(
        "(a) unchanged cycle vs the fetch-only cycle",
        rate_a / (n / floor),
        "×",
        0.91,
        note="1,000/s of 1,100/s without parsing",
    )
    target(
        "(a) database writes during unchanged cycles",
        sum(writes.values()),
        "writes",
        0,
        higher=False,
    )

    # (b) new bytes, every item known: fast path vs the same cycle through feedparser
    def changed_cycle(fast: bool) -> float:
        sim.touch()
        took, reports = polled(config, store, clock, fast=fast)
        assert all(r.status == "ok" and not r.new and not r.updated for r in reports), Counter(
            r.status for r in reports
        )
        return n / took

    naive = statistics.median(changed_cycle(False) for _ in range(min(scale.rounds, 3)))
    fast = statistics.median(changed_cycle(True) for _ in range(scale.rounds))
    row("(b) changed, all known: feedparser path (baseline)", naive, "partners/s")
    row("(b) changed, all known: fast path (ours)", fast, "partners/s", "feedparser path", naive)
    row("    fetch-only floor", n / floor, "partners/s")
    for workers in (2, 4):
        sim.touch()
        took, _ = timed_cycle(config, store, clock, workers=workers)
        row(f"    fast path with {workers} threads", n / took, "partners/s")
    sim.touch()
    timed_cycle(config, store, clock)
    store.writes.clear()
    _, reports = timed_cycle(config, store, clock)
    after = Counter(r.status for r in reports)
    row(
        f"    next poll after (b): {dict(after)}",
        float(after["not_modified"] + after["unchanged"]),
        "partners",
    )
    target(
        "(b) poll cycle, changed feeds, items all known",
        fast,
        "partners/s",
        500,
        note=f"{fast / naive:.1f}× the feedparser cycle",
    )
    # 500/s was 3× the naive feedparser cycle where that cycle ran ~150 feeds/s; the same
    # multiple of the feedparser cycle measured here holds on any day (ours reads more
    # than the naive one, so this is the harder comparison).
    target(
        "(b) changed cycle vs the feedparser cycle",
        fast / naive,
        "×",
        3.33,
        note="500/s of ~150/s",
    )
    target(
        "(b) next poll answered 304 / same bytes",
        after["not_modified"] + after["unchanged"],
        "partners",
        n,
    )
    bench_one_new(config, store, sim, clock)
    return config, store, sim, clock


def polled(
    config: Config, store: Store, clock: Clock, *, fast: bool
) -> tuple[float, list[IngestReport]]:
    """Every partner polled once by 16 threads, with the fast path on or off; the seconds
    the polls took (the ingester's set-up left out) and their reports."""
    clock.tick()
    ingester = Ingester(config, store, Fetcher(FETCH), clock=clock, fast_path=fast)
    ingester.prefetch(memos=fast)  # as run_ingest does for a cycle of many partners
    with ThreadPoolExecutor(CYCLE_WORKERS) as pool:
        start = time.perf_counter()
        reports = list(pool.map(ingester.partner, config.partners))
        took = time.perf_counter() - start
    ingester.fetcher.close()
    return took, reports


def bench_one_new(config: Config, store: Store, sim: Simulator, clock: Clock) -> None:
    """Changed feeds with one new item each among the known ones (a busy hour's usual
    poll): feedparser over the new item and the last one, the others vouched for by the
    memo, against the same cycle parsing every item (the fast path off)."""
    n = len(config.partners)

    def cycle(fast: bool) -> float:
        sim.add(None, 1)
        took, reports = polled(config, store, clock, fast=fast)
        assert all(r.status == "ok" and r.new == 1 for r in reports), Counter(
            (r.status, r.new) for r in reports
        )
        return n / took

    naive = statistics.median(cycle(False) for _ in range(2))
    cycle(True)  # the memo catches up with the items the naive cycles stored
    ours = statistics.median(cycle(True) for _ in range(3))
    row("(b') one new item each: every item parsed (baseline)", naive, "partners/s")
    row("(b') one new item each: known items cut (ours)", ours, "partners/s", "every item", naive)


# --- new articles ---------------------------------------------------------------------------


def _build_trees(pages: list[bytes]) -> float:
    """Runs in a worker process: seconds to build every page's BeautifulSoup tree."""
    from bs4 import BeautifulSoup

    start = time.perf_counter()
    for page in pages:
        BeautifulSoup(page, "lxml")
    return time.perf_counter() - start


class TreeCeiling:
    """Pages/s of BeautifulSoup alone in one process per core at once: the most any
    pipeline that builds each page's tree can reach on this machine. Measured right before
    each cycle it is compared with, because a shared machine's speed drifts."""

    def __init__(self, pages: list[bytes], processes: int) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self.pages, self.processes = pages, processes
        self.pool = ProcessPoolExecutor(processes)
        list(self.pool.map(_build_trees, [pages[:2]] * processes))  # start the workers

    def measure(self) -> float:
        start = time.perf_counter()
        list(self.pool.map(_build_trees, [self.pages] * self.processes))
        return len(self.pages) * self.processes / (time.perf_counter() - start)

    def close(self) -> None:
        self.pool.shutdown()


def bench_articles(scale: Scale, work: Path) -> None:
    from syndication.scrapepool import ScrapePool, default_processes

    p, k = scale.article_partners, scale.new_per_partner
    print(f"\n== new articles: {p} partners × {k} new items, page fetch + scrape + store ==")
    cores = os.cpu_count() or 1
    processes = default_processes()
    pages = [sim_mod.article_page(BASE, f"p{i % p:04d}", i) for i in range(max(4, 2 * k))]
    trees = TreeCeiling(pages, cores)
    rates: dict[int, list[float]] = {}
    ceilings: dict[int, list[float]] = {}
    # CPU seconds of this process (polling threads: fetch, feed parse, store) per article:
    # steadier than the rate, which moves with whatever else shares the cores.
    main_cpu: dict[int, list[float]] = {}
    worker_cpu: list[float] = []  # the scraping workers' CPU per article, together
    worker_peaks: list[float] = []
    try:
        for scrapers in (0, processes) if processes else (0,):
            with (
                Simulator.start(p, 50, etag_every=1, empty=True) as sim,
                ScrapePool(scrapers) as pool,
            ):
                partners = sim_partners(sim, p, scrape=True)
                config = make_config(work / f"articles-{scrapers}", partners)
                store = open_store(config.storage_url)
                clock = Clock()
                timed_cycle(config, store, clock, pages=pool)  # empty feeds: state only
                # The pool lives across cycles, as in the daemon.
                for _ in range(max(1, (scale.rounds + 1) // 2)):
                    ceilings.setdefault(scrapers, []).append(trees.measure())
                    sim.add(None, k)
                    cpu, workers = time.process_time(), sum(map(cpu_s, pool.worker_pids()))
                    took, reports = timed_cycle(config, store, clock, pages=pool)
                    cpu = time.process_time() - cpu
                    workers = sum(map(cpu_s, pool.worker_pids())) - workers
                    new = sum(r.new for r in reports)
                    failed = [r.error or r.failures for r in reports if r.error or r.failures]
                    assert new == p * k, f"{new} new of {p * k}: {failed}"
                    rates.setdefault(scrapers, []).append(new / took)
                    main_cpu.setdefault(scrapers, []).append(1000 * cpu / new)
                    if scrapers:
                        worker_cpu.append(1000 * workers / new)
                worker_peaks = [rss_kb(pid)[1] / 1024 for pid in pool.worker_pids()]
                store.close()
    finally:
        trees.close()
    med = statistics.median
    best = processes if processes else 0
    ceiling = med(ceilings[best])
    row(f"BeautifulSoup alone in {cores} processes (ceiling)", ceiling, "pages/s")
    row(
        "(c) pages scraped in the polling threads",
        med(rates[0]),
        "articles/s",
        "ceiling",
        med(ceilings[0]),
    )
    if processes:
        row(
            f"(c) pages scraped in {processes} worker processes (ours)",
            med(rates[processes]),
            "articles/s",
            "ceiling",
            ceiling,
        )
    if processes:
        row("  CPU of the polling process per article", med(main_cpu[processes]), "ms")
        row("  CPU of the scraping workers per article", med(worker_cpu), "ms")
    if processes and worker_peaks:
        row("  peak RSS of a scraping worker process", max(worker_peaks), "MB")
    target(
        "(c) new articles: fetch + scrape + store",
        med(rates[best]),
        "articles/s",
        80,
        note=f"{cores} cores",
    )
    # 80/s is 0.74 of the ceiling the target was set against (54 pages/s per core × 2
    # cores): the same share of the ceiling measured here is its machine-independent form.
    share = med([r / c for r, c in zip(rates[best], ceilings[best], strict=True)])
    target(
        "(c) new articles vs BeautifulSoup's ceiling on this machine",
        share,
        "×",
        0.74,
        note="80/s of 2 × 54 pages/s; each cycle against the ceiling measured just before it",
    )


# --- publish --------------------------------------------------------------------------------


def file_state(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}


def bench_publish(
    scale: Scale, work: Path, config: Config, store: Store, sim: Simulator, clock: Clock
) -> None:
    from syndication.publish import archive, feed_specs, ninjs, publish_all
    from syndication.publish import select as sel

    total = store.count_articles()
    print(f"\n== publish: one new article in a store of {total:,} ==")
    pids = [p.id for p in config.partners]
    explicit = tuple(
        FeedSpec(key=f"partner-{pid}", title=pid, kind="partner", value=pid) for pid in pids[:30]
    )
    pconfig = replace(config, feeds=(*config.feeds, *explicit))
    out = Path(pconfig.base_dir) / pconfig.publish.out_dir
    publish_all(pconfig, store)
    times, wrong = [], []
    for i in range(scale.publish_rounds):
        pid = pids[i % min(30, len(pids))]
        sim.add([pid], 1, urgent=True)
        clock.tick()
        keys_before = {spec.key for spec in feed_specs(pconfig, store)}
        run_ingest(pconfig, store, partner_ids=[pid], clock=clock)
        before = file_state(out)
        start = time.perf_counter()
        publish_all(pconfig, store)
        times.append(time.perf_counter() - start)
        after = file_state(out)
        changed = {name for name, mtime in after.items() if before.get(name) != mtime}
        newest = store.latest(limit=1, partner_id=pid)[0]
        slugs = {c.slug for c in newest.categories}
        expected: set[str] = set()
        for spec in feed_specs(pconfig, store):
            hit = (
                spec.kind == "main"
                or (spec.kind == "urgent" and newest.urgent)
                or (spec.kind == "partner" and spec.value == pid)
                or (
                    spec.kind == "category"
                    and sel.selection(pconfig, store, spec).category_slug in slugs
                )
            )
            if hit:
                expected.update(sel.file_name(spec, fmt) for fmt in spec.formats)
                if not spec.private:  # its ninjs file beside it
                    expected.add(spec.key + ninjs.FILE_SUFFIX)
                if spec.kind == "urgent" and not spec.private and "atom" in spec.formats:
                    # The archive page of the article's day; a new day's page also
                    # changes the next-archive link of the page before it.
                    page = archive.page_name(spec, sel.instant(newest.published).date())
                    expected.add(page)
                    if page not in before:
                        pages = [n for n in before if n.startswith(f"{spec.key}.archive-")]
                        expected.update(sorted(pages)[-1:])
        if {spec.key for spec in feed_specs(pconfig, store)} != keys_before:
            expected.add("index.html")  # a new category feed is listed there
        if changed != expected:
            wrong.append(f"changed {sorted(changed ^ expected)}")
    took = statistics.median(times) * 1000
    row(f"(d) publish after 1 new article ({len(expected)} files)", took, "ms")
    target(
        "(d) publish: affected feeds rewritten after one new article", took, "ms", 150, higher=False
    )
    target(
        "(d) publish: files touched that should not be (or missed)",
        len(wrong),
        "rounds",
        0,
        higher=False,
        note="; ".join(wrong[:2]),
    )

    # Full rebuild: 30 feeds × 100 items × 3 formats, against feedgen's render of the same.
    feeds = tuple(
        FeedSpec(key=f"main-{i:02d}", title=f"الرئيسية {i}", kind="main", limit=scale.rebuild_items)
        for i in range(scale.rebuild_feeds)
    )
    rconfig = replace(
        config, feeds=feeds, publish=replace(config.publish, out_dir="rebuild", per_category=False)
    )
    articles = store.latest(limit=scale.rebuild_items)
    publish_all(rconfig, store, force=True)
    t_ours = median_time(lambda: publish_all(rconfig, store, force=True), scale.rounds)
    base = feedgen_baseline(articles)
    t_base = median_time(lambda: [base() for _ in feeds], scale.rounds)
    row(
        f"feedgen render, {len(feeds)} feeds × {len(articles)} items (baseline)",
        t_base * 1000,
        "ms",
    )
    row(
        "publish_all(force=True), same feeds × 3 formats (ours)",
        t_ours * 1000,
        "ms",
        "feedgen",
        t_base * 1000,
        higher=False,
    )
    target("(d) full rebuild vs feedgen's own render time", t_ours / t_base, "×", 2, higher=False)


# --- freshness ------------------------------------------------------------------------------


def bench_freshness(scale: Scale, work: Path) -> None:
    from syndication.schedule import Daemon

    interval = scale.fresh_interval
    print(f"\n== freshness: the daemon, partners polled every {interval} s ==")
    if not interval:
        print("  skipped at this scale")
        return
    with Simulator.start(4, 10, etag_every=1) as sim:
        partners = sim_partners(sim, 4, scrape=True, interval=interval)
        # Stories off: the simulator's articles all resemble each other, so with stories
        # on the main and urgent feeds show them as one story, and a new urgent item
        # would join it instead of appearing; this measures how fast an item travels.
        config = replace(
            make_config(work / "fresh", partners, workers=4),
            stories=StorySettings(enabled=False),
        )
        store = open_store(config.storage_url, stories=config.stories)
        daemon = Daemon(config, store)
        thread = threading.Thread(target=daemon.run, daemon=True)
        thread.start()
        urgent = Path(config.base_dir, config.publish.out_dir, "urgent.rss.xml")
        try:
            # Steady state first: the start-up ingest of 40 articles stored and published
            # (otherwise the first round also waits for the start-up work).
            main = Path(config.base_dir, config.publish.out_dir, "main.rss.xml")
            wait(lambda: main.exists() and main.read_bytes().count(b"<item>") >= 40, 120)
            latencies = []
            for i in range(scale.fresh_rounds):
                pid = partners[i % len(partners)].id
                sim.add([pid], 1, urgent=True)
                link = f"/p/{pid}/news/{sim.heads()[pid]}.html".encode()
                start = time.monotonic()
                wait(functools.partial(_contains, urgent, link), interval + 30)
                latencies.append(time.monotonic() - start)
        finally:
            daemon.stop.set()
            thread.join(30)
            store.close()
    worst = max(latencies)
    each = ", ".join(f"{x:.1f}" for x in latencies)
    row(f"(e) urgent item → urgent feed, worst of {len(latencies)} ({each})", worst, "s")
    target(
        f"(e) freshness (poll interval {interval} s + 2 s)", worst, "s", interval + 2, higher=False
    )


def _contains(path: Path, data: bytes) -> bool:
    return path.exists() and data in path.read_bytes()


def wait(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.02)


# --- memory ---------------------------------------------------------------------------------


def cpu_s(pid: int | str = "self") -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int | str = "self") -> tuple[int, int]:
    """(current VmRSS, peak VmHWM) of a process (this one by default), in KB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0])
    return fields.get("VmRSS", 0), fields.get("VmHWM", 0)


def memory_child(partners: int, items: int, cycles: int) -> dict[str, Any]:
    """Runs in its own process: ingest + publish, then `cycles` more of both."""
    from syndication import heap
    from syndication.publish import publish_all

    with (
        tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp,
        Simulator.start(partners, items, etag_every=2) as sim,
    ):
        work = Path(tmp)
        config = make_config(work, sim_partners(sim, partners, scrape=False), per_category=True)
        store = open_store(config.storage_url)
        clock = Clock()
        timed_cycle(config, store, clock)
        publish_all(config, store)
        after_load = rss_kb()[0]
        series = []
        pids = sim.pids(partners)
        for c in range(cycles):
            sim.touch(pids[c % 10 :: 10])  # a tenth send new bytes
            sim.add(pids[c % 100 :: 100], 1)  # a hundredth have a new item
            timed_cycle(config, store, clock)
            publish_all(config, store)
            # The daemon's release-memory job, which runs once a minute (syndication/heap.py);
            # the benchmark's cycles stand for a minute of polling each.
            heap.release_free_memory()
            series.append(rss_kb()[0])
        articles = store.count_articles()
        store.close()
    return {
        "articles": articles,
        "after_load_kb": after_load,
        "series_kb": series,
        "peak_kb": rss_kb()[1],
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def bench_memory(scale: Scale) -> None:
    p, k, c = scale.memory_partners, scale.memory_items, scale.memory_cycles
    print(
        f"\n== memory: a child process ingests {p:,} partners × {k} items, publishes, "
        f"then {c} more cycles =="
    )
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--memory-child", str(p), str(k), str(c)],
        cwd=ROOT,  # where the benchmarks package is importable
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    series = result["series_kb"]
    half = series[len(series) // 2 :] or series
    growth = (half[-1] - half[0]) / 1024 if len(half) > 1 else 0.0
    row(f"articles in the store: {result['articles']:,}", result["articles"], "")
    row("RSS after the first ingest + publish", result["after_load_kb"] / 1024, "MB")
    row("peak RSS (VmHWM)", result["peak_kb"] / 1024, "MB")
    row(
        f"RSS over the cycles: first {series[0] / 1024:.0f} MB, last {series[-1] / 1024:.0f} MB",
        series[-1] / 1024,
        "MB",
    )
    target(
        "(f) peak RSS ingesting and publishing", result["peak_kb"] / 1024, "MB", 200, higher=False
    )
    target(
        f"(f) RSS growth over the last {len(half)} of {len(series)} cycles",
        growth,
        "MB",
        5,
        higher=False,
    )


# --- main -----------------------------------------------------------------------------------

SECTIONS = (
    "parse",
    "scrape",
    "render",
    "serve",
    "cycles",
    "publish",
    "articles",
    "freshness",
    "memory",
    "reader",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.splitlines()[0]
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="under a minute")
    mode.add_argument("--tiny", action="store_true", help="seconds: each code path once")
    parser.add_argument(
        "--only",
        metavar="SECTIONS",
        help=f"comma-separated subset of: {', '.join(SECTIONS)} "
        "(publish brings in cycles: it needs its store)",
    )
    parser.add_argument("--memory-child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    only = set(SECTIONS)
    if args.only:
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        unknown = only - set(SECTIONS)
        if unknown:
            parser.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}")
        if "publish" in only:
            only.add("cycles")
    if args.memory_child:
        print(json.dumps(memory_child(*args.memory_child)))
        return 0
    scale = TINY if args.tiny else QUICK if args.quick else FULL
    # The daemon's scheduler reports each skipped overlapping poll; not figures, just noise.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    started = time.perf_counter()
    print(
        f"syndication performance suite ({scale.name}); {os.cpu_count()} CPUs; "
        f"Python {sys.version.split()[0]}; medians of {scale.rounds} rounds"
    )
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        if "parse" in only:
            bench_parse(scale)
        if "scrape" in only:
            bench_scrape(scale)
        if "render" in only:
            bench_render(scale)
        if "serve" in only:
            bench_serve(scale)
        if "cycles" in only:
            config, store, sim, clock = bench_cycles(scale, work)
            try:
                if "publish" in only:
                    bench_publish(scale, work, config, store, sim, clock)
            finally:
                store.close()
                sim.close()
        if "articles" in only:
            bench_articles(scale, work)
        if "freshness" in only:
            bench_freshness(scale, work)
        if "memory" in only:
            bench_memory(scale)
        if "reader" in only:
            from benchmarks.reader_peer import bench_reader

            bench_reader(
                scale.partners, scale.items, scale.rounds, work, workers=(CYCLE_WORKERS, 2)
            )
    print("\n== targets ==")
    for t in TARGETS:
        print(t.line())
    met = sum(t.met for t in TARGETS)
    print(f"\n{met} of {len(TARGETS)} targets met; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
