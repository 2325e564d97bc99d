"""`/status`: the partner health page, for token holders only.

    GET /status              → the table of every partner (statushtml.overview)
    GET /status/<partner id> → one partner: figures, recent articles and failures
    GET /status.json         → the same figures as `syndication partners status --json`

Who may look: a `[serve] status_token`, or any `[serve.tokens]` token, sent as
`Authorization: Bearer …` or once as `?token=…`. A token in the query string is answered
with a redirect to the same page without it and an HttpOnly, SameSite=Strict cookie (path
/status), so the token leaves the address bar and browser history, and links on the page
work without carrying it. No token configured: the page is off (403).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from syndication import health
from syndication.config import Config
from syndication.errors import StorageError
from syndication.serve import statushtml
from syndication.serve.auth import Tokens, presented

if TYPE_CHECKING:
    from syndication.store import Store

log = logging.getLogger(__name__)

COOKIE = "syndication_status"
COOKIE_MAX_AGE = 30 * 86400
EVENTS = 60  # recent events on a partner's page
Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]

# No script may run and nothing may be loaded from elsewhere: the page needs neither.
SECURITY_HEADERS: Headers = [
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"),
    ("Referrer-Policy", "no-referrer"),  # links to partner pages must not leak our URL
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
]


def is_status_path(path: str) -> bool:
    return path in ("/status", "/status/", "/status.json") or path.startswith("/status/")


class StatusPages:
    """Answers the /status paths of one config; thread-safe (reads only)."""

    def __init__(
        self,
        config: Config,
        store_factory: Callable[[], Store],
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.config = config
        serve = config.serve
        pairs = serve.tokens + ((("status", serve.status_token),) if serve.status_token else ())
        self.tokens = Tokens(pairs)
        self._store = store_factory
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def answer(self, environ: Mapping[str, object], path: str) -> tuple[Answer, str | None]:
        """(status, headers, body) and who asked (the token's name, for the access log)."""
        if not self.tokens:
            return _text(
                403,
                "the status page is off: set [serve] status_token in config.toml "
                "(or [serve.tokens]) and restart `syndication serve`\n",
            ), None
        user = self.tokens.who(environ)
        from_query = user is not None and _in_query(environ)
        if user is None:
            user = self._cookie_user(environ)
        if user is None:
            status, headers, body = _text(
                401,
                "the status page needs a token: send Authorization: Bearer <token>, or "
                "open /status?token=<token> once in the browser\n",
            )
            headers.append(("WWW-Authenticate", 'Bearer realm="status"'))
            return (status, headers, body), None
        if from_query:
            return self._remember(environ, path), user
        try:
            return self._page(path), user
        except StorageError as e:
            log.error("status: store unavailable: %s", e)
            answer = _text(503, "the store does not answer; the status page needs it\n")
            answer[1].append(("Retry-After", "30"))
            return answer, user

    def assess(self) -> list[health.PartnerHealth]:
        """Every partner's health now (for /metrics too)."""
        return health.assess(self.config, self._store(), self._clock())

    def _cookie_user(self, environ: Mapping[str, object]) -> str | None:
        raw = environ.get("HTTP_COOKIE")
        if not isinstance(raw, str) or COOKIE not in raw:
            return None
        try:
            jar = SimpleCookie(raw)
        except CookieError:
            return None
        morsel = jar.get(COOKIE)
        if morsel is None or not morsel.value:
            return None
        token = unquote(morsel.value)
        return self.tokens.who({"HTTP_AUTHORIZATION": f"Bearer {token}"})

    def _remember(self, environ: Mapping[str, object], path: str) -> Answer:
        # Percent-encoded: a token may hold characters a cookie value cannot (; , space).
        token = quote(presented(environ) or b"", safe="")
        cookie = (
            f"{COOKIE}={token}; Path=/status; Max-Age={COOKIE_MAX_AGE}; HttpOnly; SameSite=Strict"
        )
        # Behind an HTTPS proxy: trusting the header costs nothing, Secure only restricts.
        if "https" in (environ.get("wsgi.url_scheme"), environ.get("HTTP_X_FORWARDED_PROTO")):
            cookie += "; Secure"
        body = b"see the page without the token in its address\n"
        return (
            303,
            [
                ("Location", path),
                ("Set-Cookie", cookie),
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("Content-Length", str(len(body))),
            ],
            body,
        )

    def _page(self, path: str) -> Answer:
        now = self._clock()
        store = self._store()
        title = self.config.publish.title
        rows = health.assess(self.config, store, now)
        if path == "/status.json":
            doc = {
                "at": now.isoformat().replace("+00:00", "Z"),
                "flagged": [r.partner_id for r in rows if r.flags],
                "partners": [r.as_json() for r in rows],
            }
            body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
            return _ok(body, "application/json; charset=utf-8")
        if path in ("/status", "/status/"):
            return _ok(statushtml.overview(rows, now, title), "text/html; charset=utf-8")
        pid = unquote(path[len("/status/") :])
        row = next((r for r in rows if r.partner_id == pid), None)
        if row is None:
            return _text(404, f"no partner with id {pid!r} in the configuration\n")
        events = store.health_events(pid, limit=EVENTS)
        page = statushtml.partner_page(row, events, now, title)
        return _ok(page, "text/html; charset=utf-8")


def _in_query(environ: Mapping[str, object]) -> bool:
    auth = environ.get("HTTP_AUTHORIZATION")
    if isinstance(auth, str) and auth.strip().lower().startswith("bearer "):
        return False  # the header was used; a query token (if any) is ignored
    query = environ.get("QUERY_STRING")
    return isinstance(query, str) and "token=" in query


def _ok(body: bytes, content_type: str) -> Answer:
    headers = [
        ("Content-Type", content_type),
        *SECURITY_HEADERS,
        ("Content-Length", str(len(body))),
    ]
    return 200, headers, body


def _text(status: int, message: str) -> Answer:
    body = message.encode()
    return (
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ],
        body,
    )


__all__ = ["StatusPages", "is_status_path"]
