"""Partner health: what ingest notes about each partner, and the flags an editor acts on.

    ingest ── note_seen / note_poll / note_article / note_failure ──▶ Pending (memory)
           ── carried into the next partner-state batch ──▶ store (partner_health,
              partner_hours, partner_events)
    assess(config, store, now) ──▶ [PartnerHealth]  ──▶ `partners status`, /status, /metrics

Flags (thresholds in `[health]`, per partner `idle_alert` / `failure_alert`):

- quiet: the feed answers (last poll succeeded) but no new item for longer than
  `idle_alert`, counted from the last new item, or from when we started watching it;
- failing: `failure_alert` failed polls in a row, or the feed is gone (HTTP 410);
- poor_pages: at least `poor_share` of the latest articles (once `poor_sample` were built)
  ended with a body shorter than `short_body` letters, or none: the page changed and the
  scraper no longer finds the text.

Like metrics, the notes ride along in a transaction ingest makes anyway, so the hot path
(nothing new) writes nothing more. `PartnerHealth` is computed on read with an injected
clock, so tests need no sleeping.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, Protocol

from syndication.config import Config
from syndication.errors import FetchError, PartnerError
from syndication.model import Article, HealthNote, HealthRecord, IngestReport, PartnerState

WEEK_HOURS = 7 * 24
RECENT_ARTICLES = 100  # median page time and short-body share are over this many
Flag = Literal["quiet", "failing", "poor_pages"]
Status = Literal["ok", "quiet", "failing", "erroring", "poor_pages", "disabled", "waiting"]
FLAGS: tuple[Flag, ...] = ("quiet", "failing", "poor_pages")


# --- noting (the ingesting processes) ---------------------------------------------------


class Pending:
    """Notes of this process not yet in the store; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: list[HealthNote] = []
        self._seen: set[str] = set()  # partners whose "seen" note this process made
        self._urgent = False  # something beyond "seen" waits: worth a write of its own

    def add(self, note: HealthNote) -> None:
        with self._lock:
            if note.kind == "seen":
                if note.partner_id in self._seen:
                    return
                self._seen.add(note.partner_id)
            else:
                self._urgent = True
            self._notes.append(note)

    def drain(self) -> list[HealthNote]:
        with self._lock:
            notes, self._notes, self._urgent = self._notes, [], False
        return notes

    def restore(self, notes: Sequence[HealthNote]) -> None:
        with self._lock:
            self._notes[:0] = notes
            self._urgent = self._urgent or any(n.kind != "seen" for n in notes)

    @property
    def urgent(self) -> bool:
        return self._urgent


class _Keyed(Protocol):
    url: str


_pending: dict[str, Pending] = {}
_pending_lock = threading.Lock()


def pending(store: _Keyed) -> Pending:
    """The notes waiting for `store`'s database (per URL, like metrics.pending)."""
    with _pending_lock:
        return _pending.setdefault(store.url, Pending())


def note_poll(store: _Keyed, report: IngestReport, at: dt.datetime) -> None:
    """One poll's report: the partner is watched from now on; new items are counted."""
    if report.status in ("deferred", "disabled"):
        return
    target = pending(store)
    target.add(HealthNote(report.partner_id, at, "seen"))
    if report.new:
        target.add(HealthNote(report.partner_id, at, "new", count=report.new))


def note_article(
    store: _Keyed,
    article: Article,
    at: dt.datetime,
    *,
    seconds: float | None,
) -> None:
    """An article built from a feed item (and its page unless `seconds` is None)."""
    chars = sum(len(block.text) for block in article.blocks)
    pending(store).add(
        HealthNote(
            article.partner_id,
            at,
            "article",
            url=article.url,
            title=article.title,
            seconds=seconds,
            body_chars=chars,
        )
    )


def note_failure(
    store: _Keyed,
    partner_id: str,
    error: BaseException,
    at: dt.datetime,
    *,
    page: str | None = None,
    message: str | None = None,
) -> None:
    """A failed poll, or (with `page`, its URL) a failed article page."""
    pending(store).add(
        HealthNote(
            partner_id,
            at,
            "page_failed" if page else "poll_failed",
            url=page,
            error_class=error_class(error),
            message=(message or str(error))[:500],
        )
    )


def error_class(error: BaseException) -> str:
    """FetchError (HTTP 503), FeedParseError, … ; `bug: KeyError` for our own mistakes."""
    name = type(error).__name__
    if isinstance(error, FetchError) and error.status:
        return f"{name} (HTTP {error.status})"
    return name if isinstance(error, PartnerError) else f"bug: {name}"


@contextmanager
def carried(store: _Keyed) -> Iterator[list[HealthNote]]:
    """The pending notes, to write in the `with` block's transaction; given back when
    the block raises."""
    target = pending(store)
    notes = target.drain()
    try:
        yield notes
    except BaseException:
        target.restore(notes)
        raise


# --- assessing (the reading processes) --------------------------------------------------


class HealthStore(_Keyed, Protocol):
    """What this module reads from `syndication.store.Store`."""

    def partner_states(self) -> list[PartnerState]: ...

    def health_records(
        self,
        *,
        since: dt.datetime,
        recent: int = ...,
        partner_ids: Collection[str] | None = ...,
    ) -> dict[str, HealthRecord]: ...


@dataclass(frozen=True, slots=True)
class PartnerHealth:
    """One partner's row on the status page."""

    partner_id: str
    name: str
    status: Status  # the worst thing about it, for the colour
    flags: tuple[Flag, ...]
    enabled: bool
    last_attempt_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_new_item_at: dt.datetime | None
    quiet_since: dt.datetime | None  # last new item, else when we started watching
    idle_alert: int  # seconds
    failure_streak: int
    failure_alert: int
    items_24h: int
    items_7d: int
    hourly: tuple[int, ...]  # new items per hour, the last 168 hours, oldest first
    median_page_seconds: float | None
    sampled: int  # articles the shares below are over
    short_share: float | None  # body shorter than [health] short_body, not empty
    empty_share: float | None
    last_error: str | None
    last_error_class: str | None
    last_error_at: dt.datetime | None
    disabled_reason: str | None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out


def assess(config: Config, store: HealthStore, now: dt.datetime) -> list[PartnerHealth]:
    """Every configured partner's health at `now`, in config order."""
    since = now - dt.timedelta(hours=WEEK_HOURS)
    states = {s.partner_id: s for s in store.partner_states()}
    records = store.health_records(
        since=since, recent=RECENT_ARTICLES, partner_ids=[p.id for p in config.partners]
    )
    out = []
    for partner in config.partners:
        state = states.get(partner.id) or PartnerState(partner.id)
        record = records.get(partner.id) or HealthRecord(partner.id)
        out.append(_one(config, partner.id, partner.name, partner.enabled, state, record, now))
    return out


def _one(
    config: Config,
    pid: str,
    name: str,
    enabled: bool,
    state: PartnerState,
    record: HealthRecord,
    now: dt.datetime,
) -> PartnerHealth:
    partner = config.partner(pid)
    settings = config.health
    idle_alert = (partner.idle_alert if partner else None) or settings.idle_alert
    failure_alert = (partner.failure_alert if partner else None) or settings.failure_alert

    hourly = _hourly(record, now)
    quiet_since = record.last_new_item_at or record.first_seen_at
    bodies = record.body_chars
    sampled = len(bodies)
    empty = sum(1 for chars in bodies if chars == 0)
    short = sum(1 for chars in bodies if 0 < chars < settings.short_body)

    flags: list[Flag] = []
    if state.consecutive_errors >= failure_alert or state.disabled_reason:
        flags.append("failing")
    answering = state.last_success_at is not None and state.consecutive_errors == 0
    if (
        enabled
        and answering
        and quiet_since is not None
        and (now - quiet_since).total_seconds() > idle_alert
    ):
        flags.append("quiet")
    if sampled >= settings.poor_sample and (short + empty) / sampled >= settings.poor_share:
        flags.append("poor_pages")

    status: Status
    if not enabled:
        status = "disabled"
    elif flags:
        status = flags[0]
    elif state.consecutive_errors:
        status = "erroring"
    elif state.last_attempt_at is None:
        status = "waiting"
    else:
        status = "ok"
    return PartnerHealth(
        partner_id=pid,
        name=name,
        status=status,
        flags=tuple(flags),
        enabled=enabled,
        last_attempt_at=state.last_attempt_at,
        last_success_at=state.last_success_at,
        last_new_item_at=record.last_new_item_at,
        quiet_since=quiet_since,
        idle_alert=idle_alert,
        failure_streak=state.consecutive_errors,
        failure_alert=failure_alert,
        items_24h=sum(hourly[-24:]),
        items_7d=sum(hourly),
        hourly=hourly,
        median_page_seconds=(
            statistics.median(record.page_seconds) if record.page_seconds else None
        ),
        sampled=sampled,
        short_share=short / sampled if sampled else None,
        empty_share=empty / sampled if sampled else None,
        # The state's error is current; the record keeps the last one after recovery.
        last_error=_without_partner(pid, state.last_error or record.last_error),
        last_error_class=record.last_error_class,
        last_error_at=record.last_error_at,
        disabled_reason=state.disabled_reason,
    )


def _without_partner(pid: str, message: str | None) -> str | None:
    """The message without its "partner <id>: " lead: every place showing it names the
    partner already, and the part that says what went wrong must fit a table cell."""
    prefix = f"partner {pid}: "
    return message[len(prefix) :] if message and message.startswith(prefix) else message


def _hourly(record: HealthRecord, now: dt.datetime) -> tuple[int, ...]:
    """New items per hour for the 168 hours ending with the current one."""
    current = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    counts = [0] * WEEK_HOURS
    for hour, count in record.hourly:
        back = int((current - hour).total_seconds() // 3600)
        if 0 <= back < WEEK_HOURS:
            counts[WEEK_HOURS - 1 - back] += count
    return tuple(counts)


__all__ = [
    "FLAGS",
    "HealthStore",
    "PartnerHealth",
    "Pending",
    "assess",
    "carried",
    "error_class",
    "note_article",
    "note_failure",
    "note_poll",
    "pending",
]
