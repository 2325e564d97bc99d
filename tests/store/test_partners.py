"""store.partners: partner state, meta values and stored feed files, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

from syndication.model import PartnerState
from syndication.store import Store
from tests.support.factories import T0

# --- partners, meta, feed files ---------------------------------------------------------


def test_partner_state_round_trip(store: Store) -> None:
    assert store.get_partner_state("ahram") is None
    state = PartnerState(
        partner_id="ahram",
        feed_url="https://gate.example-news.eg/rss/الأخبار",
        etag='W/"5f3c-abc"',
        last_modified="Sun, 10 May 2026 06:00:00 GMT",
        body_hash="a" * 64,
        next_check_at=T0 + dt.timedelta(minutes=5),
        consecutive_errors=2,
        last_error="partner ahram: timed out: انتهت المهلة",
        last_attempt_at=T0,
        last_success_at=T0 - dt.timedelta(days=1),
        disabled_reason=None,
        identity="url",
        warnings=("guid مكرر في 3 عناصر", "undeclared windows-1256"),
    )
    store.save_partner_state(state)
    assert store.get_partner_state("ahram") == state
    recovered = dataclasses.replace(state, consecutive_errors=0, last_error=None, warnings=())
    store.save_partner_state(recovered)
    store.save_partner_state(PartnerState(partner_id="aawsat"))
    assert store.get_partner_state("ahram") == recovered
    assert store.partner_states() == [PartnerState(partner_id="aawsat"), recovered]


def test_partner_states_saved_in_one_batch(store: Store) -> None:
    old = PartnerState(partner_id="ahram", etag='"1"', consecutive_errors=3)
    store.save_partner_state(old)
    newer = dataclasses.replace(old, etag='"2"', consecutive_errors=0, last_success_at=T0)
    others = [PartnerState(partner_id=f"p{i:03d}", etag=f'"e{i}"') for i in range(70)]
    # The last state of a partner wins, inside a batch as across calls.
    store.save_partner_states([dataclasses.replace(old, etag='"stale"'), *others, newer])
    assert store.get_partner_state("ahram") == newer
    assert store.partner_states() == [newer, *others]
    store.save_partner_states([])
    assert len(store.partner_states()) == 71


def test_meta(store: Store) -> None:
    assert store.get_meta("last_publish") is None
    store.set_meta("last_publish", "2026-05-10T06:30:00+00:00")
    store.set_meta("last_publish", "2026-05-10T06:35:00+00:00")
    store.set_meta("note", "ملاحظة")
    assert store.get_meta("last_publish") == "2026-05-10T06:35:00+00:00"
    assert store.get_meta("note") == "ملاحظة"


def test_feed_files(store: Store) -> None:
    assert store.get_feed_file("main.rss.xml") is None
    assert store.feed_file_etags() == {}
    body = '<?xml version="1.0" encoding="utf-8"?><rss><channel><title>الرئيسية</title>'.encode()
    store.save_feed_file("main.rss.xml", body, '"v1"')
    store.save_feed_file("main.rss.xml", body + b"\x00\xff</channel></rss>", '"v2"')
    store.save_feed_file("urgent.atom.xml", b"<feed/>", '"u1"')
    assert store.get_feed_file("main.rss.xml") == (body + b"\x00\xff</channel></rss>", '"v2"')
    assert store.feed_file_etags() == {"main.rss.xml": '"v2"', "urgent.atom.xml": '"u1"'}


def test_delete_feed_files(store: Store) -> None:
    for name in ("main.rss.xml", "vip.rss.xml", "private/vip.rss.xml", "private/old.json"):
        store.save_feed_file(name, b"<rss/>", f'"{name}"')
    assert store.delete_feed_files([]) == 0
    assert store.delete_feed_files(["vip.rss.xml", "private/old.json", "never.json"]) == 2
    assert sorted(store.feed_file_etags()) == ["main.rss.xml", "private/vip.rss.xml"]
    assert store.get_feed_file("vip.rss.xml") is None
