"""The reader peer (benchmarks/reader_peer.py) at tiny scale against the real simulator.

No timing is asserted: what could break is the comparison itself (reader not storing the
entries, or not being answered 304, would make its figures those of another workload).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("reader", reason="the test extra: pip install -e '.[test]'")

from benchmarks.reader_peer import PeerResult, compare
from tests.support.simulator import Simulator

FEEDS, ITEMS = 6, 4


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> PeerResult:
    work: Path = tmp_path_factory.mktemp("reader-peer")
    with Simulator.start(FEEDS, ITEMS, etag_every=2) as sim:
        return compare(sim, FEEDS, work, workers=2, rounds=2)


def test_both_sides_stored_every_entry(result: PeerResult) -> None:
    assert result.reader_entries == FEEDS * ITEMS
    assert result.ours_articles == FEEDS * ITEMS
    assert result.reader_statuses["first"] == {"new": FEEDS}


def test_reader_got_304s_for_the_partners_with_etags(result: PeerResult) -> None:
    # Half the partners send ETags; reader's conditional requests must be answered 304.
    assert result.reader_304 == 2 * FEEDS // 2
    assert result.reader_statuses["unchanged"]["not_modified"] == 2 * FEEDS // 2
    assert result.ours_statuses["unchanged"]["not_modified"] == 2 * FEEDS // 2


def test_changed_bytes_brought_no_new_entries(result: PeerResult) -> None:
    assert result.reader_statuses["changed"] == {"ok": 2 * FEEDS}
    assert result.ours_statuses["changed"] == {"ok": 2 * FEEDS}
    for side in ("ours", "reader"):
        for scenario in ("first", "unchanged", "changed"):
            assert result.rate(side, scenario) > 0
