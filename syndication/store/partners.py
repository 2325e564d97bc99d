"""Partner polling state (`PartnerState`), plus the small key/value and feed-file tables.

One row per partner, replaced whole on every save: every poll attempt, whatever its
outcome, writes the state it ends in (validators, next poll time, error streak).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from syndication.model import PartnerState
from syndication.store import db
from syndication.store.schema import feed_files, meta, partner_states


def _row(state: PartnerState) -> dict[str, Any]:
    return {
        "partner_id": state.partner_id,
        "feed_url": state.feed_url,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "body_hash": state.body_hash,
        "next_check_at": state.next_check_at,
        "consecutive_errors": state.consecutive_errors,
        "last_error": state.last_error,
        "last_attempt_at": state.last_attempt_at,
        "last_success_at": state.last_success_at,
        "disabled_reason": state.disabled_reason,
        "identity": state.identity,
        "warnings": json.dumps(list(state.warnings), ensure_ascii=False),
    }


def _state(row: RowMapping) -> PartnerState:
    identity = row["identity"]
    return PartnerState(
        partner_id=row["partner_id"],
        feed_url=row["feed_url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        next_check_at=row["next_check_at"],
        consecutive_errors=row["consecutive_errors"],
        last_error=row["last_error"],
        last_attempt_at=row["last_attempt_at"],
        last_success_at=row["last_success_at"],
        disabled_reason=row["disabled_reason"],
        identity="url" if identity == "url" else "guid",
        warnings=tuple(json.loads(row["warnings"])),
    )


def get(conn: Connection, partner_id: str) -> PartnerState | None:
    row = (
        conn.execute(sa.select(partner_states).where(partner_states.c.partner_id == partner_id))
        .mappings()
        .first()
    )
    return None if row is None else _state(row)


def save(conn: Connection, state: PartnerState) -> None:
    db.upsert(conn, partner_states, [_row(state)], ["partner_id"])


def save_many(conn: Connection, states: Sequence[PartnerState]) -> None:
    db.upsert(conn, partner_states, [_row(state) for state in states], ["partner_id"])


def all_states(conn: Connection) -> list[PartnerState]:
    rows = conn.execute(sa.select(partner_states).order_by(partner_states.c.partner_id))
    return [_state(row) for row in rows.mappings()]


# --- meta -------------------------------------------------------------------------------


def get_meta(conn: Connection, key: str) -> str | None:
    value = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()
    return None if value is None else str(value)


def meta_with_prefix(conn: Connection, prefix: str) -> dict[str, str]:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        sa.select(meta.c.key, meta.c.value).where(meta.c.key.like(escaped + "%", escape="\\"))
    )
    return {str(key): str(value) for key, value in rows}


def set_meta(conn: Connection, key: str, value: str) -> None:
    db.upsert(conn, meta, [{"key": key, "value": value}], ["key"])


# --- published feed files (stateless serving nodes read them from here) ----------------


def save_feed_file(conn: Connection, name: str, body: bytes, etag: str, now: dt.datetime) -> None:
    db.upsert(
        conn, feed_files, [{"name": name, "body": body, "etag": etag, "saved_at": now}], ["name"]
    )


def save_feed_files(
    conn: Connection, files: Sequence[tuple[str, bytes, str]], now: dt.datetime
) -> None:
    """Several (name, body, etag) at once."""
    rows = [{"name": n, "body": b, "etag": e, "saved_at": now} for n, b, e in files]
    if rows:
        db.upsert(conn, feed_files, rows, ["name"])


def get_feed_file(conn: Connection, name: str) -> tuple[bytes, str] | None:
    row = conn.execute(
        sa.select(feed_files.c.body, feed_files.c.etag).where(feed_files.c.name == name)
    ).first()
    return None if row is None else (bytes(row.body), str(row.etag))


def delete_feed_files(conn: Connection, names: Collection[str]) -> int:
    if not names:
        return 0
    result = conn.execute(sa.delete(feed_files).where(feed_files.c.name.in_(sorted(names))))
    return int(result.rowcount or 0)


def feed_file_etags(conn: Connection) -> dict[str, str]:
    rows = conn.execute(sa.select(feed_files.c.name, feed_files.c.etag))
    return {str(name): str(etag) for name, etag in rows}


def feed_file_versions(conn: Connection) -> dict[str, tuple[str, dt.datetime]]:
    rows = conn.execute(sa.select(feed_files.c.name, feed_files.c.etag, feed_files.c.saved_at))
    return {str(name): (str(etag), saved_at) for name, etag, saved_at in rows}


__all__ = [
    "all_states",
    "delete_feed_files",
    "feed_file_etags",
    "feed_file_versions",
    "get",
    "get_feed_file",
    "get_meta",
    "meta_with_prefix",
    "save",
    "save_feed_file",
    "save_feed_files",
    "save_many",
    "set_meta",
]
