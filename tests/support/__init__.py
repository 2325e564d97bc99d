"""What the tests share besides fixtures: test servers, the partner simulator, factories.

The benchmarks import from here too (never the other way round), so everything here runs
from the checkout root as ``python -m tests.support.<module>`` or is imported as
``tests.support.<module>``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout
DATA = ROOT / "tests" / "data"  # golden files, corpora, configs

# CI sets this; on a developer machine the local PostgreSQL of the dev setup is used.
PG_URL = os.environ.get(
    "SYNDICATION_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
# Cluster tests give every test its own key prefix, so one shared Redis database is enough.
REDIS_URL = os.environ.get("SYNDICATION_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
