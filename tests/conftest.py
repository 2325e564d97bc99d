"""Shared fixtures: a real HTTP site on 127.0.0.1, real SQLite and PostgreSQL stores."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.config import Config, PublishSettings, SchedulerSettings, ServeSettings
from syndication.model import FeedSpec, FetchSettings, PartnerFeed
from tests.support.httpsite import Site

DATA = Path(__file__).parent / "data"

# CI sets this; on a developer machine the local PostgreSQL of the dev setup is used.
PG_URL = os.environ.get(
    "SYNDICATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def site() -> Iterator[Site]:
    with Site() as s:
        yield s


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database per test, dropped afterwards."""
    import sqlalchemy as sa

    name = "synd_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Every storage contract test runs on both backends."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(fixture))


def build_config(
    tmp_path: Path,
    partners: list[tuple[str, str]] | None = None,
    *,
    storage_url: str | None = None,
    **partner_overrides: object,
) -> Config:
    """A Config for tests: partners (id, feed_url) on the local site, feeds in tmp_path."""
    fetch = FetchSettings(
        allow_private_networks=True,  # the test site is on 127.0.0.1
        connect_timeout=2.0,
        read_timeout=3.0,
        deadline=5.0,
        min_host_interval=0.0,
        max_per_host=4,
    )
    out = tmp_path / "feeds"
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=storage_url or f"sqlite:///{tmp_path / 'store.db'}",
        fetch=fetch,
        publish=PublishSettings(base_url="http://127.0.0.1:8080/", out_dir=str(out)),
        scheduler=SchedulerSettings(publish_debounce=0.2, workers=4),
        serve=ServeSettings(),
        partners=tuple(
            PartnerFeed(
                id=pid,
                name=f"شريك {pid}",
                feed_url=url,
                fetch=fetch,
                **partner_overrides,  # type: ignore[arg-type]
            )
            for pid, url in (partners or [])
        ),
        feeds=(
            FeedSpec(key="main", title="الرئيسية", kind="main"),
            FeedSpec(key="urgent", title="عاجل", kind="urgent", ttl=1, max_age=60),
        ),
        categories=(),
    )


# --- scrape golden files (tests/test_scrape_golden.py) ------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/data/pages/**/*.golden.json from the current scraper (review the diff)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
