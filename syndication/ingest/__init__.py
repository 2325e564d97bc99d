"""The ingest orchestrator: one partner at a time through every stage.

    cli|schedule → ingest(PartnerFeed): fetch → Fetched → parse → [FeedItem]
        → fetch(page) → decode → scrape → Scraped → normalize(arabic, sanitize) → Article → store
        ⇢ publish: select(FeedSpec) → render → write feeds/*.xml → serve

Partners run in parallel (a thread pool in `run_ingest`); inside one partner, article pages
are fetched in parallel up to the partner's per-host limit, which the fetcher enforces.
Stages never import each other; only this package composes them, one topic a module:

    run     the run: partners in parallel, one report each
    poll    the Ingester: one poll, stage by stage, and stopping (SIGTERM)
    memo    the fast path: feedparser skipped when every item is known and untouched
    ids     identity (guid or URL) and edits (item hashes)
    pages   one item's page fetched, scraped and normalized; a failed page keeps the item
    states  partner states read once per run, written in batches
    outcome the state a poll leaves: next poll, validators, the failure policy

Each poll is counted in `metrics` and noted in `health` (in memory); both ride along in the
next batch's transaction.
"""

from .ids import article_id, fast_ids, item_hash
from .poll import Ingester, utcnow
from .run import log_report, run_ingest, scrape_pool
from .states import STATE_BATCH

__all__ = [
    "STATE_BATCH",
    "Ingester",
    "article_id",
    "fast_ids",
    "item_hash",
    "log_report",
    "run_ingest",
    "scrape_pool",
    "utcnow",
]
