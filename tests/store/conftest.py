"""Fixtures of the storage tests: an open store on each backend (`store_url`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syndication.store import Store, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()
