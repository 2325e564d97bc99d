"""Tokens for private feeds: who may read them, checked in constant time, never logged.

A token arrives as `Authorization: Bearer <token>` or `?token=<token>`. Both sides are
hashed with SHA-256 before `hmac.compare_digest`, so the comparison time does not depend on
the token's length or on how many leading bytes match, and every configured token is
compared (no early exit) so timing does not reveal which partner's token was close.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

REDACTED = "REDACTED"


def _digest(token: bytes) -> bytes:
    return hashlib.sha256(token).digest()


class Tokens:
    """The configured (partner name, token) pairs."""

    def __init__(self, tokens: tuple[tuple[str, str], ...]) -> None:
        # Empty tokens are ignored: `?token=` must never open a private feed.
        self._digests = [(name, _digest(token.encode())) for name, token in tokens if token]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def who(self, environ: Mapping[str, object]) -> str | None:
        """The partner name whose token the request carries, or None."""
        given = presented(environ)
        if not given:
            return None
        digest = _digest(given)
        found: str | None = None
        for name, expected in self._digests:
            # No break: every token costs one comparison whatever matched.
            if hmac.compare_digest(digest, expected):
                found = name
        return found


def presented(environ: Mapping[str, object]) -> bytes | None:
    """The token bytes of a request (Authorization wins over the query string)."""
    auth = environ.get("HTTP_AUTHORIZATION")
    if isinstance(auth, str):
        scheme, _, credentials = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            # WSGI decodes header bytes as latin-1; encoding back gives the sent bytes.
            return credentials.strip().encode("latin-1")
    query = environ.get("QUERY_STRING")
    if isinstance(query, str) and "token" in query:
        for key, value in parse_qsl(query, keep_blank_values=True):
            if key == "token" and value:
                return value.encode()
    return None


def redact_query(query: str) -> str:
    """The query string with any token value replaced, for logs."""
    if "token" not in query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, REDACTED if k == "token" else v) for k, v in pairs])
