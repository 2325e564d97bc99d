"""Partner health rows (`partner_health`, `partner_hours`, `partner_events`).

Written with the partner-state batches ingest makes anyway (see syndication/health.py),
read by the status page, `partners status` and `/metrics`. Events and hours older than a
week are pruned by the writes of the same partner, so the tables stay a week deep.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from syndication.model import EVENT_KINDS, HealthNote, HealthRecord
from syndication.store import db
from syndication.store.schema import partner_events, partner_health, partner_hours

KEEP = dt.timedelta(days=7)  # events and hours older than this (from the newest) go
_KEEP_HOURS = KEEP + dt.timedelta(hours=1)  # a whole week of sparkline, both ends
_COLUMNS = ("first_seen_at", "last_new_item_at", "last_error_at", "last_error_class", "last_error")
_UPSERT: dict[str, Any] = {}  # dialect → the partner_health merge, built once


def hour_of(at: dt.datetime) -> dt.datetime:
    """The UTC hour `at` falls in (the sparkline's buckets)."""
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def write(conn: Connection, notes: Sequence[HealthNote]) -> None:
    if not notes:
        return
    rows: dict[str, dict[str, Any]] = {}
    hours: dict[tuple[str, dt.datetime], int] = {}
    events: list[dict[str, Any]] = []
    newest: dict[str, dt.datetime] = {}
    for note in notes:
        row = rows.setdefault(note.partner_id, dict.fromkeys(_COLUMNS))
        row["partner_id"] = note.partner_id
        newest[note.partner_id] = max(newest.get(note.partner_id, note.at), note.at)
        if note.kind == "seen":
            first = row["first_seen_at"]
            row["first_seen_at"] = note.at if first is None else min(first, note.at)
        elif note.kind == "new":
            last = row["last_new_item_at"]
            row["last_new_item_at"] = note.at if last is None else max(last, note.at)
            key = (note.partner_id, hour_of(note.at))
            hours[key] = hours.get(key, 0) + note.count
        if note.kind in ("page_failed", "poll_failed") and (
            row["last_error_at"] is None or note.at >= row["last_error_at"]
        ):
            row["last_error_at"] = note.at
            row["last_error_class"] = note.error_class
            row["last_error"] = note.message
        if note.kind in EVENT_KINDS:
            events.append(_event_row(note))
    # Rows in partner order, so concurrent cluster writers take row locks in one order.
    merged = [rows[pid] for pid in sorted(rows)]
    conn.execute(_merge_statement(conn.dialect.name), merged[0] if len(merged) == 1 else merged)
    if hours:
        db.upsert(
            conn,
            partner_hours,
            [{"partner_id": p, "hour": h, "new_items": n} for (p, h), n in sorted(hours.items())],
            ["partner_id", "hour"],
            add=["new_items"],
        )
    if events:
        conn.execute(sa.insert(partner_events), events)
    _prune(conn, newest)


def _event_row(note: HealthNote) -> dict[str, Any]:
    return {
        "partner_id": note.partner_id,
        "at": note.at,
        "kind": note.kind,
        "url": note.url,
        "title": note.title,
        "seconds": note.seconds,
        "body_chars": note.body_chars,
        "error_class": note.error_class,
        "message": note.message,
    }


def _merge_statement(dialect: str) -> Any:
    """Upsert of partner_health that keeps the earliest first_seen_at, the latest
    last_new_item_at and the latest error, whatever order processes write in."""
    stmt = _UPSERT.get(dialect)
    if stmt is not None:
        return stmt
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    base = insert(partner_health)
    old, new = partner_health.c, base.excluded

    def pick(column: str, when: str, newer_than: str) -> Any:
        """The new value when the new `when` is given and beats the stored one."""
        if newer_than == "earlier":
            better = old[when] > new[when]
        else:
            better = old[when] <= new[when]
        takes = sa.and_(new[when].is_not(None), sa.or_(old[when].is_(None), better))
        return sa.case((takes, new[column]), else_=old[column])

    stmt = base.on_conflict_do_update(
        index_elements=["partner_id"],
        set_={
            "first_seen_at": pick("first_seen_at", "first_seen_at", "earlier"),
            "last_new_item_at": pick("last_new_item_at", "last_new_item_at", "later"),
            "last_error_at": pick("last_error_at", "last_error_at", "later"),
            "last_error_class": pick("last_error_class", "last_error_at", "later"),
            "last_error": pick("last_error", "last_error_at", "later"),
        },
    )
    _UPSERT[dialect] = stmt
    return stmt


def _prune(conn: Connection, newest: dict[str, dt.datetime]) -> None:
    for pid in sorted(newest):
        at = newest[pid]
        conn.execute(
            sa.delete(partner_events).where(
                partner_events.c.partner_id == pid, partner_events.c.at < at - KEEP
            )
        )
        conn.execute(
            sa.delete(partner_hours).where(
                partner_hours.c.partner_id == pid, partner_hours.c.hour < hour_of(at) - KEEP
            )
        )


def records(
    conn: Connection, *, since: dt.datetime, recent: int, partner_ids: Iterable[str] | None = None
) -> dict[str, HealthRecord]:
    """partner id → its record: hours and the latest `recent` articles from `since` on."""
    wanted = None if partner_ids is None else sorted(set(partner_ids))
    found: dict[str, dict[str, Any]] = {}

    def entry(pid: str) -> dict[str, Any]:
        return found.setdefault(pid, {"hourly": [], "page_seconds": [], "body_chars": []})

    query = sa.select(partner_health)
    if wanted is not None:
        query = query.where(partner_health.c.partner_id.in_(wanted))
    for row in conn.execute(query).mappings():
        entry(row["partner_id"]).update({c: row[c] for c in _COLUMNS})

    hq = sa.select(partner_hours).where(partner_hours.c.hour >= hour_of(since))
    if wanted is not None:
        hq = hq.where(partner_hours.c.partner_id.in_(wanted))
    for row in conn.execute(hq.order_by(partner_hours.c.hour)).mappings():
        entry(row["partner_id"])["hourly"].append((row["hour"], int(row["new_items"])))

    # The latest `recent` articles of each partner in one query (window functions exist
    # on both backends: SQLite since 3.25).
    rank = (
        sa.func.row_number()
        .over(
            partition_by=partner_events.c.partner_id,
            order_by=(partner_events.c.at.desc(), partner_events.c.id.desc()),
        )
        .label("rank")
    )
    inner = sa.select(
        partner_events.c.partner_id,
        partner_events.c.seconds,
        partner_events.c.body_chars,
        partner_events.c.at,
        partner_events.c.id,
        rank,
    ).where(partner_events.c.kind == "article", partner_events.c.at >= since)
    if wanted is not None:
        inner = inner.where(partner_events.c.partner_id.in_(wanted))
    ranked = inner.subquery()
    latest = (
        sa.select(ranked.c.partner_id, ranked.c.seconds, ranked.c.body_chars)
        .where(ranked.c.rank <= recent)
        .order_by(ranked.c.partner_id, ranked.c.rank)
    )
    for pid, seconds, chars in conn.execute(latest):
        item = entry(str(pid))
        if seconds is not None:
            item["page_seconds"].append(float(seconds))
        if chars is not None:
            item["body_chars"].append(int(chars))

    return {
        pid: HealthRecord(
            partner_id=pid,
            first_seen_at=values.get("first_seen_at"),
            last_new_item_at=values.get("last_new_item_at"),
            last_error_at=values.get("last_error_at"),
            last_error_class=values.get("last_error_class"),
            last_error=values.get("last_error"),
            hourly=tuple(values["hourly"]),
            page_seconds=tuple(values["page_seconds"]),
            body_chars=tuple(values["body_chars"]),
        )
        for pid, values in found.items()
    }


def events(conn: Connection, partner_id: str, *, limit: int) -> list[HealthNote]:
    """The partner's latest events (articles and failures), newest first."""
    rows = conn.execute(
        sa.select(partner_events)
        .where(partner_events.c.partner_id == partner_id)
        .order_by(partner_events.c.at.desc(), partner_events.c.id.desc())
        .limit(limit)
    ).mappings()
    return [
        HealthNote(
            partner_id=row["partner_id"],
            at=row["at"],
            kind=row["kind"],
            url=row["url"],
            title=row["title"],
            seconds=row["seconds"],
            body_chars=row["body_chars"],
            error_class=row["error_class"],
            message=row["message"],
        )
        for row in rows
    ]


__all__ = ["KEEP", "events", "hour_of", "records", "write"]
