"""Partner states written in batches: saved before the run returns (so the next poll gets
a 304), and a run that dies before its batch is written loses nothing but a re-poll.

Real HTTP (the `site` fixture on 127.0.0.1), a real SQLite file, more partners than one
batch holds.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from syndication.fetch import Fetcher
from syndication.ingest import STATE_BATCH, Ingester, run_ingest
from syndication.store import Store, open_store
from tests.support.factories import build_config
from tests.support.httpsite import Route, Site

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
PARTNERS = STATE_BATCH + 6  # one full batch written mid-run, the rest when the run ends


def _feed(pid: str, build: int) -> bytes:
    items = "".join(
        f"<item><title>خبر {n} من {pid}</title><link>https://{pid}.example/{n}</link>"
        f'<guid isPermaLink="false">{pid}-{n}</guid><description>نص الخبر {n}</description></item>'
        for n in range(3)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>شريك</title>'
        f"<link>https://{pid}.example/</link><description>أخبار</description>"
        f"<lastBuildDate>Sun, 01 Mar 2026 12:{build:02d}:00 GMT</lastBuildDate>{items}"
        "</channel></rss>"
    ).encode()


def _publish(site: Site, build: int) -> list[tuple[str, str]]:
    partners = []
    for i in range(PARTNERS):
        pid = f"p{i:03d}"
        url = site.add(f"/{pid}/feed.xml", Route(_feed(pid, build), etag=True))
        partners.append((pid, url))
    return partners


def _etags(store: Store) -> dict[str, str | None]:
    return {s.partner_id: s.etag for s in store.partner_states()}


def test_new_validators_are_saved_by_the_time_the_run_returns(site: Site, tmp_path: Path) -> None:
    config = build_config(tmp_path, _publish(site, 0), scrape=False, interval=60)
    clock = [NOW]
    with open_store(config.storage_url) as store:
        first = run_ingest(config, store, clock=lambda: clock[0])
        assert Counter(r.status for r in first) == {"ok": PARTNERS}
        assert sum(r.new for r in first) == 3 * PARTNERS

        # New bytes (the build date), every item known: the fast path, new ETags saved.
        before = _etags(store)
        _publish(site, 5)
        clock[0] += dt.timedelta(minutes=2)
        second = run_ingest(config, store, clock=lambda: clock[0])
        assert Counter((r.status, r.new, r.unchanged) for r in second) == {("ok", 0, 3): PARTNERS}
        after = _etags(store)
        assert all(after[pid] not in (None, before[pid]) for pid in after), after

        # …so the next poll sends them and every partner answers 304, writing nothing
        # (a commit would append to the write-ahead log).
        wal = tmp_path / "store.db-wal"
        written = (wal.stat().st_size, wal.stat().st_mtime_ns)
        clock[0] += dt.timedelta(minutes=2)
        third = run_ingest(config, store, clock=lambda: clock[0])
        assert Counter(r.status for r in third) == {"not_modified": PARTNERS}
        assert (wal.stat().st_size, wal.stat().st_mtime_ns) == written
        assert store.count_articles() == 3 * PARTNERS


def test_a_run_killed_before_its_batch_is_written_polls_again_without_loss(
    site: Site, tmp_path: Path
) -> None:
    config = build_config(tmp_path, _publish(site, 0), scrape=False, interval=60)
    clock = [NOW]
    with open_store(config.storage_url) as store:
        run_ingest(config, store, clock=lambda: clock[0])
        stored = _etags(store)
        _publish(site, 5)
        clock[0] += dt.timedelta(minutes=2)

        # Polls whose states are only queued (what a process killed before the batch
        # commits leaves behind): `_partner` polls without the flush `partner` ends with.
        with Fetcher(config.fetch) as fetcher:
            doomed = Ingester(config, store, fetcher, clock=lambda: clock[0])
            partners = config.partners[: STATE_BATCH - 1]  # fewer than a batch: none written
            reports = [doomed._partner(p, False) for p in partners]
        assert {r.status for r in reports} == {"ok"}
        assert _etags(store) == stored  # nothing of the dead run reached the store
        del doomed

        # The next run fetches those partners again (200: the old ETag no longer matches),
        # finds every item known, and this time the states are written.
        again = run_ingest(config, store, clock=lambda: clock[0])
        assert Counter((r.status, r.new, r.updated) for r in again) == {("ok", 0, 0): PARTNERS}
        assert store.count_articles() == 3 * PARTNERS
        clock[0] += dt.timedelta(minutes=2)
        last = run_ingest(config, store, clock=lambda: clock[0])
        assert Counter(r.status for r in last) == {"not_modified": PARTNERS}


def test_a_second_poll_before_the_batch_is_written_starts_from_the_queued_state(
    site: Site, tmp_path: Path
) -> None:
    config = build_config(tmp_path, _publish(site, 0)[:1], scrape=False, interval=60)
    clock = [NOW]
    with open_store(config.storage_url) as store, Fetcher(config.fetch) as fetcher:
        ingester = Ingester(config, store, fetcher, clock=lambda: clock[0])
        partner = config.partners[0]
        assert ingester._partner(partner, False).new == 3  # queued, not yet written
        assert store.get_partner_state(partner.id) is None
        clock[0] += dt.timedelta(minutes=2)
        # The queued state (its ETag) is used, not the store's (none).
        assert ingester.partner(partner).status == "not_modified"
        # That poll changed nothing worth a write; the queued state was written when it
        # returned (the last poll in flight).
        state = store.get_partner_state(partner.id)
        assert state is not None and state.etag is not None
        assert state.last_success_at == NOW
