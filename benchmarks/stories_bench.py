"""Story clustering at scale: the cost per new article with 50,000 articles stored.

    python -m benchmarks.stories_bench [--stored 50000] [--measured 1000] [--url URL]

Fills a fresh store (SQLite in a temporary directory, or the database at --url, which
must be empty) with `--stored` articles through the store's own upsert and story
assignment (in batches of 1,000 per transaction, so filling does not take hours), then
times `Store.upsert_article` for `--measured` further articles, one transaction each as
ingest does, once with stories on and once, on another set of articles, with them off.
The difference is what clustering costs per article; the sketch alone is timed too.

Articles: Arabic paragraphs of random words drawn from the labelled set's vocabulary
(tests/data/stories/documents.jsonl), one every minute (so the 48-hour window holds
2,880 of them), 10% of them another partner's rewrite of a recent article (a dateline, a
dropped paragraph, spelling variants), so candidate lookups find real matches. Figures
are wall-clock on a shared machine: compare runs on one machine, not across machines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import tempfile
import time

from syndication.model import Article, Block, StorySettings
from syndication.store import Store, open_store
from syndication.store import articles as store_articles
from syndication.store import db as store_db
from syndication.store import stories as store_stories
from syndication.stories import sketch
from tests.support import ROOT

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
PARTNERS = [f"wire{i}" for i in range(12)]


def vocabulary() -> list[str]:
    words: set[str] = set()
    path = ROOT / "tests" / "data" / "stories" / "documents.jsonl"
    for line in path.read_text("utf-8").splitlines():
        words.update(w for w in json.loads(line)["text"].split() if len(w) > 2)
    return sorted(words)


class Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary()
        self.recent: list[tuple[str, list[str]]] = []

    def article(self, n: int) -> Article:
        rng = self.rng
        partner = rng.choice(PARTNERS)
        if self.recent and rng.random() < 0.1:
            _, paragraphs = rng.choice(self.recent[-200:])
            paragraphs = ["القاهرة (رويترز) - " + paragraphs[0], *paragraphs[1:-1]]
            paragraphs = [p.replace("أ", "ا").replace("ة ", "ه ") for p in paragraphs]
        else:
            paragraphs = [
                " ".join(rng.choice(self.words) for _ in range(rng.randint(25, 45)))
                for _ in range(rng.randint(3, 7))
            ]
            self.recent.append((partner, paragraphs))
        title = " ".join(rng.choice(self.words) for _ in range(8))
        published = T0 + dt.timedelta(minutes=n)
        return Article(
            id=f"a{n:07d}",
            partner_id=partner,
            url=f"https://{partner}.example.com/news/{n}",
            guid=None,
            title=title,
            summary="",
            body_html="",
            blocks=tuple(Block("p", p) for p in paragraphs),
            images=(),
            urgent=False,
            published=published,
            updated=published,
            author=None,
            categories=(),
            language="ar",
            content_hash=f"h{n}",
        )


def fill(store: Store, maker: Maker, count: int) -> float:
    started = time.perf_counter()
    for start in range(0, count, 1000):
        batch = [maker.article(n) for n in range(start, min(count, start + 1000))]
        sketches = [sketch(a.title, a.body_text) for a in batch]
        with store_db.write(store._engine) as conn:
            for article, sk in zip(batch, sketches, strict=True):
                if store_articles.upsert(conn, article) == "new":
                    store_stories.assign(conn, article, sk, store.stories)
        if store._engine.dialect.name == "postgresql":
            # What autovacuum does on a live server (a test server may run without it):
            # without statistics the planner scans story_keys instead of probing its index.
            with store._engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        print(f"  stored {min(count, start + 1000):,}", end="\r", flush=True)
    print()
    return time.perf_counter() - started


def timed(store: Store, articles: list[Article]) -> list[float]:
    out = []
    for article in articles:
        started = time.perf_counter()
        store.upsert_article(article)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(label: str, ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[int(len(ordered) * 0.95)]
    return (
        f"{label:<34} mean {statistics.fmean(ms):6.2f} ms   median {statistics.median(ms):6.2f} ms"
        f"   p95 {p95:6.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.stories_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--stored", type=int, default=50_000)
    parser.add_argument("--measured", type=int, default=1_000)
    parser.add_argument("--url", help="an empty database (default: SQLite in a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        maker = Maker(seed=16)
        with open_store(url) as store:
            backend = store._engine.dialect.name
            print(f"{backend}: filling {args.stored:,} articles …")
            seconds = fill(store, maker, args.stored)
            print(f"filled in {seconds:.0f} s ({seconds / args.stored * 1000:.2f} ms per article)")
            on = [maker.article(args.stored + i) for i in range(args.measured)]
            off = [maker.article(args.stored + args.measured + i) for i in range(args.measured)]
            t0 = time.perf_counter()
            for a in on:
                sketch(a.title, a.body_text)
            sketch_ms = (time.perf_counter() - t0) * 1000 / len(on)
            with_stories = timed(store, on)
        with open_store(url, stories=StorySettings(enabled=False)) as store:
            without = timed(store, off)
            stored = store.count_articles()
            joined = len(store.story_members([a.id for a in on]))
    print(
        f"{stored:,} articles stored; {joined} of the {len(on)} timed articles "
        "are in a story of several"
    )
    print(summary("upsert, stories on", with_stories))
    print(summary("upsert, stories off", without))
    print(f"{'sketch alone':<34} mean {sketch_ms:6.2f} ms")
    cost = statistics.fmean(with_stories) - statistics.fmean(without)
    print(f"clustering cost per article: {cost:.2f} ms (target ≤ 5 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
