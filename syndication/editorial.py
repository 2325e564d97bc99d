"""What the editors' commands (`syndication articles …`) share besides the store: who is
acting, the times they type, and how an article's editorial state reads in a table.

See docs/editorial.md for the whole of editorial control (kills, corrections, urgent
overrides, embargoes) and where each part lives.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re

from .model import Article

_RELATIVE = re.compile(r"([+-]?)(\d{1,6})\s*([mhd])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def actor() -> str:
    """Who is acting: $USER (what the log of decisions records), else the login name."""
    name = os.environ.get("USER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no passwd entry in a container: still record the action
            name = ""
    return name or "unknown"


def parse_moment(text: str, now: dt.datetime, *, ago: bool) -> dt.datetime:
    """An aware UTC time from what an editor types.

    `2026-12-05T14:00+02:00` or `…Z` (an offset is required: a bare clock time on a
    newsroom spanning time zones is how embargoes get broken); a bare date
    `2026-12-05` is midnight UTC; `90m`, `2h`, `1d` count back from `now` when `ago`
    (--since), forward otherwise (an embargo). Raises ValueError with what to type.
    """
    value = text.strip()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        sign, amount, unit = relative.groups()
        delta = dt.timedelta(**{_UNITS[unit]: int(amount)})
        backwards = ago if sign != "-" else not ago
        return (now - delta if backwards else now + delta).astimezone(dt.UTC)
    try:
        when = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: use ISO 8601 with an offset "
            "(2026-12-05T14:00+02:00 or 2026-12-05T12:00Z), a date (2026-12-05), "
            "or a duration such as 90m, 2h, 1d"
        ) from None
    if when.tzinfo is None:
        if len(value) == 10:  # a bare date
            return when.replace(tzinfo=dt.UTC)
        raise ValueError(
            f"{text!r} has no time zone: add one, e.g. {value}+02:00 (Cairo) or {value}Z (UTC)"
        )
    return when.astimezone(dt.UTC)


def state_of(article: Article, now: dt.datetime) -> str:
    """One word or two for an editor's table: killed, embargoed until …, urgent, live."""
    parts: list[str] = []
    if article.killed_at is not None:
        parts.append("killed")
    if article.embargo_until is not None and article.embargo_until > now:
        parts.append("embargo→" + article.embargo_until.astimezone(dt.UTC).strftime("%m-%d %H:%MZ"))
    if article.urgent:
        parts.append("urgent")
    return ",".join(parts) or "live"


__all__ = ["actor", "parse_moment", "state_of"]
