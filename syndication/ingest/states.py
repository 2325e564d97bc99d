"""Partner states: read once per run, written in batches.

A run that polls many partners reads every state in one query (`prefetch`); each poll
takes its own from there once. States are queued and written in batches, one transaction
per STATE_BATCH polls and whenever the last poll in flight ends (see `States.save`). The
metrics and health notes pending for the database ride along in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from .. import health, metrics
from ..model import PartnerState
from ..store import Store

STATE_REFRESH = dt.timedelta(minutes=10)
STATE_BATCH = 64  # partner states written per transaction (see States.save)


@dataclass
class States:
    """The partner states of one ingester: prefetched, queued, flushed."""

    store: Store
    # Read in one query before a run; each is used once, then dropped.
    _prefetched: dict[str, PartnerState] | None = field(default=None, init=False)
    # Waiting to be written together (see save), and the polls running.
    _pending: dict[str, PartnerState] = field(default_factory=dict, init=False)
    _pending_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _flush_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _in_flight: int = field(default=0, init=False)

    def prefetch(self, states: Iterable[PartnerState]) -> None:
        self._prefetched = {s.partner_id: s for s in states}

    def get(self, partner_id: str) -> PartnerState:
        """The partner's newest state: queued, else prefetched, else stored, else new."""
        with self._pending_lock:
            pending = self._pending.get(partner_id)
        if pending is not None:
            return pending  # newer than anything prefetched or stored
        if self._prefetched is not None:
            state = self._prefetched.pop(partner_id, None)
            if state is not None:
                return state
        return self.store.get_partner_state(partner_id) or PartnerState(partner_id)

    @contextmanager
    def polling(self) -> Iterator[None]:
        """Around one poll: the states it (and those running beside it) ends in are
        written before the last poll in flight leaves, so a caller that has its reports
        has them stored."""
        with self._pending_lock:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._pending_lock:
                self._in_flight -= 1
                idle = self._in_flight == 0
            if idle:
                self.flush()

    def update(self, old: PartnerState, new: PartnerState, now: dt.datetime) -> None:
        """Queue *new* unless it differs from *old* only in timestamps (see below)."""
        if _persisted_differs(old, new, now):
            self.save(new)

    def save(self, state: PartnerState) -> None:
        """Queue a partner's state for the next batch write.

        One transaction per STATE_BATCH partners instead of one each: on the hot path
        (new bytes, every item known) that write was the costliest store call of a poll.
        Durability: a crash before the batch is written loses only validators and poll
        times, so those partners are fetched and scanned again; nothing is lost.
        """
        with self._pending_lock:
            self._pending[state.partner_id] = state
            full = len(self._pending) >= STATE_BATCH
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the partner states waiting for a batch (one transaction)."""
        with self._flush_lock:  # batches reach the store in the order they were cut
            with self._pending_lock:
                batch, self._pending = self._pending, {}
            if batch or health.pending(self.store).urgent:
                # The metrics and health notes pending for this database go in the same
                # transaction: no write of their own, none while no state needs writing.
                with metrics.carried(self.store) as deltas, health.carried(self.store) as notes:
                    self.store.save_partner_states(
                        list(batch.values()), metrics=deltas, health=notes
                    )


def _persisted_differs(old: PartnerState, new: PartnerState, now: dt.datetime) -> bool:
    """Skip the write when a poll changed nothing but timestamps (the hot, unchanged path).

    The timestamps are still refreshed every few minutes so `partners list` stays honest.
    """
    if old.last_success_at is None or now - old.last_success_at >= STATE_REFRESH:
        return True

    def stable(s: PartnerState) -> PartnerState:
        return replace(s, last_success_at=None, last_attempt_at=None, next_check_at=None)

    return stable(old) != stable(new)
