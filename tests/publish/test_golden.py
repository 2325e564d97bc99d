"""Every render case is byte-identical to its golden file (tests/data/publish)."""

from __future__ import annotations

import pytest

from syndication.publish.items import ItemCache
from tests.support.factories import SETTINGS
from tests.support.rendercases import GOLDEN, RenderCase, cases

CASES = cases()


def test_the_cases_cover_every_format_and_feed_kind() -> None:
    assert {c.fmt for c in CASES} == {"rss", "atom", "json"}
    assert {c.spec.kind for c in CASES} >= {"main", "urgent", "category", "partner"}
    assert len({c.file_name for c in CASES}) == len(CASES)
    assert sorted(p.name for p in GOLDEN.iterdir() if p.name != "README.md") == sorted(
        c.file_name for c in CASES
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_render_equals_golden(case: RenderCase) -> None:
    assert case.render() == (GOLDEN / case.file_name).read_bytes()


def test_a_cache_shared_by_every_case_gives_the_golden_bytes() -> None:
    cache = ItemCache(SETTINGS)
    for case in CASES:
        if case.settings == SETTINGS:
            assert case.render(cache=cache) == (GOLDEN / case.file_name).read_bytes()
    assert cache.hits > 0
