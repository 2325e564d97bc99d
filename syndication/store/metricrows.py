"""Stored metric series (`metric_values`): counters added to, gauges raised to a maximum.

Written inside the transactions the pipeline makes anyway (a partner-state batch, the
publish mark), read by `syndication serve` on every scrape of `/metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from syndication.model import MetricDelta
from syndication.store import db
from syndication.store.schema import metric_values

_KEYS = ["name", "labels"]
_RAISE: dict[str, Any] = {}  # dialect → the "raise to the maximum" upsert, built once


def add(conn: Connection, deltas: Sequence[MetricDelta]) -> None:
    """Apply `deltas`, rows in (name, labels) order.

    The order matters on PostgreSQL: cluster workers update the same series (the scrape
    histogram) in their own transactions, and taking the row locks in one global order
    makes them queue instead of deadlocking.
    """
    added: dict[tuple[str, str], float] = {}
    raised: dict[tuple[str, str], float] = {}
    for delta in deltas:
        key = (delta.name, delta.labels)
        if delta.mode == "add":
            added[key] = added.get(key, 0.0) + delta.value
        else:
            raised[key] = max(raised.get(key, delta.value), delta.value)
    if added:
        rows = [{"name": n, "labels": lb, "value": v} for (n, lb), v in sorted(added.items())]
        db.upsert(conn, metric_values, rows, _KEYS, add=["value"])
    if raised:
        rows = [{"name": n, "labels": lb, "value": v} for (n, lb), v in sorted(raised.items())]
        stmt = _raise_statement(conn.dialect.name)
        conn.execute(stmt, rows[0] if len(rows) == 1 else rows)


def _raise_statement(dialect: str) -> Any:
    stmt = _RAISE.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            pg = postgresql.insert(metric_values)
            higher = sa.func.greatest(metric_values.c.value, pg.excluded.value)
            stmt = pg.on_conflict_do_update(index_elements=_KEYS, set_={"value": higher})
        else:
            lite = sqlite.insert(metric_values)
            # SQLite's max() with two arguments is the scalar maximum, not the aggregate.
            higher = sa.func.max(metric_values.c.value, lite.excluded.value)
            stmt = lite.on_conflict_do_update(index_elements=_KEYS, set_={"value": higher})
        _RAISE[dialect] = stmt
    return stmt


def all_values(conn: Connection) -> list[tuple[str, str, float]]:
    rows = conn.execute(
        sa.select(metric_values.c.name, metric_values.c.labels, metric_values.c.value)
    )
    return [(str(name), str(labels), float(value)) for name, labels, value in rows]


__all__ = ["add", "all_values"]
