"""HTTP request-header logic: conditional requests (RFC 9110 §13) and content coding.

Pure functions over header strings, so the rules can be read in one place:

- `If-None-Match` uses the weak comparison (§13.1.2: `W/"x"` matches `"x"`), accepts a
  list and `*`, and when present decides alone: `If-Modified-Since` is then ignored
  (§13.2.2), so a stale ETag with a fresh date still gets a 200.
- `If-Modified-Since` alone gives a 304 when the file's whole-second mtime is not newer
  than the date; an unparsable date is ignored.
- gzip is chosen when `Accept-Encoding` lists `gzip` (or `*`) with q > 0.
"""

from __future__ import annotations

import datetime as dt
import email.utils


def _opaque(tag: str) -> str:
    tag = tag.strip()
    if tag[:2] in ("W/", "w/"):
        tag = tag[2:]
    return tag


def none_match(header: str, etags: tuple[str, ...]) -> bool:
    """True when If-None-Match `header` matches any of our `etags` (weak comparison)."""
    if header in etags:  # the common case: the client echoes the tag we sent
        return True
    header = header.strip()
    if header == "*":
        return True
    ours = {_opaque(e) for e in etags}
    # Entity tags cannot contain commas unquoted; ours never contain one at all.
    return any(_opaque(part) in ours for part in header.split(",") if part.strip())


def not_modified_since(header: str, mtime: int) -> bool:
    """True when If-Modified-Since `header` is a valid date not older than `mtime`."""
    try:
        since = email.utils.parsedate_to_datetime(header.strip())
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:  # asctime and "-0000" forms: HTTP dates are always GMT
        since = since.replace(tzinfo=dt.UTC)
    return mtime <= since.timestamp()


def accepts_gzip(header: str | None) -> bool:
    """Whether `Accept-Encoding` allows gzip (q-values honoured, `*` counts)."""
    if not header:
        return False
    star: float | None = None
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding in ("gzip", "x-gzip"):
            return q > 0
        if coding == "*":
            star = q
    return star is not None and star > 0
