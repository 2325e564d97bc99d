"""What the end of a poll does to a partner's state: the next poll, validators, errors.

Failure policy: a partner's expected failures (FetchError, FeedParseError) are values in
its IngestReport and push its next poll back (exponential backoff with jitter, never
before the server's Retry-After); an HTTP 410 disables the partner (`disabled_reason`,
which a forced poll passes by). An unexpected exception is a bug: marked on that partner
the same way, never stopping the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import replace

from ..errors import FetchError, PartnerError
from ..model import Fetched, PartnerFeed, PartnerState
from ..pollpolicy import backoff_delay, next_poll_floor, ttl_floor

log = logging.getLogger("syndication.ingest")

MAX_ERROR_TEXT = 500


def succeeded(
    partner: PartnerFeed,
    state: PartnerState,
    fetched: Fetched,
    now: dt.datetime,
    *,
    body_hash: str | None,
    ttl: int | None,
    warnings: tuple[str, ...] | None,
) -> PartnerState:
    """The state after a poll that read the feed (*warnings*: the parser's, None when the
    feed was not parsed this time)."""
    next_check = now + dt.timedelta(seconds=partner.interval)
    for floor in (next_poll_floor(fetched, now), ttl_floor(ttl, now)):
        if floor is not None and floor > next_check:
            next_check = floor
    return replace(
        state,
        feed_url=fetched.permanent_redirect or state.feed_url,
        etag=fetched.etag or (state.etag if fetched.not_modified else None),
        last_modified=fetched.last_modified
        or (state.last_modified if fetched.not_modified else None),
        body_hash=body_hash,
        consecutive_errors=0,
        last_error=None,
        last_success_at=now,
        last_attempt_at=now,
        next_check_at=next_check,
        warnings=warnings[:20] if warnings is not None else state.warnings,
    )


def failure_text(error: Exception) -> str:
    """The error as the partner's report and state show it; a bug says so."""
    if isinstance(error, PartnerError):
        return str(error)
    return f"bug: {type(error).__name__}: {error}"


def failed(
    partner: PartnerFeed,
    state: PartnerState,
    now: dt.datetime,
    error: Exception,
    rand: random.Random | None,
) -> PartnerState:
    """The state after a failed poll: one more error, the next poll backed off."""
    errors = state.consecutive_errors + 1
    delay = backoff_delay(errors, base=partner.interval, rand=rand)
    disabled = None
    if isinstance(error, FetchError):
        if error.retry_after:
            delay = max(delay, error.retry_after)
        if error.gone:
            disabled = f"feed gone (HTTP 410) at {now.isoformat()}: {error}"
            log.error("partner disabled: %s", disabled, extra={"partner": partner.id})
    return replace(
        state,
        consecutive_errors=errors,
        last_error=failure_text(error)[:MAX_ERROR_TEXT],
        last_attempt_at=now,
        next_check_at=now + dt.timedelta(seconds=delay),
        disabled_reason=disabled or state.disabled_reason,
    )
