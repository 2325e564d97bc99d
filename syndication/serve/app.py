"""The WSGI application: routes, per-file headers, conditional GET, gzip, tokens.

    GET /            → feeds/index.html
    GET /<name>      → feeds/<name> for allowed names only (see files.py)
    GET /healthz     → JSON, 200 or 503 (see health.py)
    GET /metrics     → Prometheus text (syndication.metrics): this server's requests and
                       the pipeline's series, read from the store on each scrape
    GET /status…     → the partner health page, for token holders (see status.py)
    anything but GET/HEAD → 405 with `Allow: GET, HEAD`

Order for a file: method → name → token for private feeds (401) → file (404/503) →
conditional (304) → 200. The token comes before the file and the validators, so a request
without it reads nothing of a private feed and an ETag probe learns nothing. Private feeds
are read from their own directory ([publish] private_dir) or store names, never from
`feeds/`, and public ones never from there (files.FeedDirs, storefiles.py).

Header values that depend only on the file and the config (Cache-Control, Link, ETag,
Last-Modified) are computed once per file version and reused, so a 304 or a cached 200 is
a dictionary lookup, one `lstat` and a list of tuples.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from syndication import metrics
from syndication.config import Config
from syndication.model import FeedSpec
from syndication.publish import output_dir, private_output_dir
from syndication.serve import conditional
from syndication.serve.auth import Tokens, redact_query
from syndication.serve.files import (
    BytesReader,
    Entry,
    FeedDirs,
    FeedsUnavailable,
    classify,
    feed_key,
)
from syndication.serve.health import Health
from syndication.serve.status import StatusPages, is_status_path
from syndication.serve.storefiles import StoreFileCache

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from syndication.store import Store

log = logging.getLogger(__name__)
access_log = logging.getLogger("syndication.serve.access")

Headers = list[tuple[str, str]]

INDEX_MAX_AGE = 60
STYLESHEET_MAX_AGE = 3600
DEFAULT_FEED_MAX_AGE = FeedSpec(key="_", title="_", kind="main").max_age
ALLOW = "GET, HEAD"
ZERO_COPY_MIN = 64 * 1024  # below this one copy costs less than the wrapper
INLINE_MAX_BYTES = 4 * 1024 * 1024  # larger files are answered by worker threads

_STATUS = {
    200: "200 OK",
    303: "303 See Other",
    304: "304 Not Modified",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not Found",
    405: "405 Method Not Allowed",
    500: "500 Internal Server Error",
    503: "503 Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class _Variant:
    """Ready-made headers for one file version in one content coding."""

    etag: str
    body: bytes
    ok: Headers  # 200, without Content-Length (HEAD shares it)
    not_modified: Headers


@dataclass(frozen=True, slots=True)
class _Prepared:
    entry: Entry
    identity: _Variant
    gzip: _Variant | None
    etags: tuple[str, ...]  # both codings: If-None-Match may carry either


class FeedsApp:
    """A WSGI callable over one Config; thread-safe (waitress calls it from its pool)."""

    def __init__(
        self,
        config: Config,
        store_factory: Callable[[], Store] | None = None,
        *,
        from_store: bool = False,
    ) -> None:
        self.config = config
        self.tokens = Tokens(config.serve.tokens)
        self.specs = {spec.key: spec for spec in config.feeds}
        self.private_keys = frozenset(spec.key for spec in config.feeds if spec.private)
        if store_factory is None:
            store_factory = _default_store_factory(config)
        # Health, metrics and (on a stateless node) the files share one Store.
        self._store = store_factory = _SharedStore(store_factory)
        self.files: FeedDirs | StoreFileCache
        if from_store:
            self.files = StoreFileCache(store_factory)
        else:
            self.files = FeedDirs(str(output_dir(config)), str(private_output_dir(config)))
        self.health = Health(store_factory, config.serve.stale_after)
        self.status = StatusPages(config, store_factory)
        self.metrics = metrics.ServeMetrics(
            store_factory, [p.id for p in config.partners], health=self.status.assess
        )
        self._prepared: dict[str, _Prepared] = {}

    def is_fast(self, method: str, path: str) -> bool:
        """Whether the answer cannot block: no store query and no file to read from disk.

        The I/O thread answers such requests itself (see engine.py); a cached file that
        changed since is re-read there once, which is the price of not stat-ing twice.
        """
        if path in ("/healthz", "/metrics") or is_status_path(path):
            return False  # all query the store
        if method not in ("GET", "HEAD"):
            return True
        name = "index.html" if path == "/" else path[1:]
        if classify(name) is None:
            return True  # a 404 without touching the disk
        size = self.files.cached_size(name, private=self._is_private(name))
        return size is not None and size <= INLINE_MAX_BYTES

    def _is_private(self, name: str) -> bool:
        key = feed_key(name)
        return key is not None and key in self.private_keys

    def close(self) -> None:
        """Release the store's connections (the server calls this when it stops)."""
        self._store.close()

    # --- WSGI -----------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start = time.perf_counter()
        user: str | None = None
        try:
            status, headers, body, user = self._dispatch(environ)
        except Exception:
            # A bug must not show the client a traceback; the log gets it.
            log.exception("serve: unexpected error for %s", _loggable_path(environ))
            status, headers, body = _text(500, "internal server error\n")
        payload: Iterable[bytes]
        if environ.get("REQUEST_METHOD") == "HEAD" or not body:
            payload = []
        elif len(body) >= ZERO_COPY_MIN and "wsgi.file_wrapper" in environ:
            # A file wrapper over the cached bytes lets waitress send slices of them
            # instead of copying the whole body into its output buffer first.
            payload = environ["wsgi.file_wrapper"](BytesReader(body))
        else:
            payload = [body]
        start_response(_STATUS[status], headers)
        self.metrics.request(status)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s %d %d %.1fms%s",
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD"),
                _loggable_path(environ),
                status,
                len(body),
                (time.perf_counter() - start) * 1000,
                f" partner={user}" if user else "",
            )
        return payload

    def _dispatch(self, environ: WSGIEnvironment) -> tuple[int, Headers, bytes, str | None]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            status, headers, body = _text(405, "only GET and HEAD are allowed\n")
            headers.append(("Allow", ALLOW))
            return status, headers, body, None
        path = environ.get("PATH_INFO") or "/"
        if path == "/healthz":
            return (*self._healthz(), None)
        if is_status_path(path):
            (status, headers, body), user = self.status.answer(environ, path)
            return status, headers, body, user
        if path == "/metrics":
            body, content_type = self.metrics.render(environ.get("HTTP_ACCEPT"))
            return (
                200,
                [
                    ("Content-Type", content_type),
                    ("Cache-Control", "no-store"),
                    ("Content-Length", str(len(body))),
                ],
                body,
                None,
            )
        name = "index.html" if path == "/" else path[1:]
        return self._file(name, environ)

    # --- files ----------------------------------------------------------------------

    def _file(self, name: str, environ: WSGIEnvironment) -> tuple[int, Headers, bytes, str | None]:
        user: str | None = None
        private = self._is_private(name)
        if private:
            user = self.tokens.who(environ)
            if user is None:
                status, headers, body = _text(401, "this feed needs a partner token\n")
                headers.append(("WWW-Authenticate", 'Bearer realm="feeds"'))
                return status, headers, body, None
        try:
            entry = self.files.lookup(name, private=private)
        except FeedsUnavailable as e:
            log.error("serve: feeds unavailable: %s", e)
            status, headers, body = _text(
                503,
                "feeds are temporarily unavailable: the feeds directory is missing or "
                "unreadable on the server (run `syndication publish`, check permissions)\n",
            )
            headers.append(("Retry-After", "30"))
            return status, headers, body, None
        if entry is None:
            self._prepared.pop(name, None)
            return (*_text(404, "not found\n"), None)

        prepared = self._prepare(entry, self._spec(entry))
        variant = prepared.identity
        if prepared.gzip is not None and conditional.accepts_gzip(
            environ.get("HTTP_ACCEPT_ENCODING")
        ):
            variant = prepared.gzip

        inm = environ.get("HTTP_IF_NONE_MATCH")
        if inm is not None:
            if conditional.none_match(inm, prepared.etags):
                return 304, variant.not_modified, b"", user
        else:
            ims = environ.get("HTTP_IF_MODIFIED_SINCE")
            if ims is not None and conditional.not_modified_since(ims, entry.mtime):
                return 304, variant.not_modified, b"", user
        headers = [*variant.ok, ("Content-Length", str(len(variant.body)))]
        if _is_xml_feed(entry) and _for_browser(environ):
            headers = [
                ("Content-Type", "application/xml; charset=utf-8")
                if k == "Content-Type"
                else (k, v)
                for k, v in headers
            ]
        return 200, headers, variant.body, user

    def _spec(self, entry: Entry) -> FeedSpec | None:
        key = feed_key(entry.name)
        return None if key is None else self.specs.get(key)

    def _prepare(self, entry: Entry, spec: FeedSpec | None) -> _Prepared:
        prepared = self._prepared.get(entry.name)
        if prepared is not None and prepared.entry is entry:
            return prepared
        common = self._common_headers(entry, spec)
        identity = _variant(entry, entry.etag, entry.data, common, gzip=False)
        gz_bytes = entry.gzipped()
        gz = None
        if gz_bytes is not None:
            gz = _variant(entry, entry.gz_etag, gz_bytes, common, gzip=True)
        prepared = _Prepared(entry, identity, gz, (entry.etag, entry.gz_etag))
        # A plain dict store: two threads racing build equal values.
        self._prepared[entry.name] = prepared
        return prepared

    def _common_headers(self, entry: Entry, spec: FeedSpec | None) -> Headers:
        if entry.kind == "page":
            max_age = INDEX_MAX_AGE
        elif entry.kind == "stylesheet":
            max_age = STYLESHEET_MAX_AGE
        else:
            max_age = spec.max_age if spec is not None else DEFAULT_FEED_MAX_AGE
        # Shared caches must not hand a private feed to someone without a token.
        scope = "private" if spec is not None and spec.private else "public"
        headers = [("Cache-Control", f"{scope}, max-age={max_age}")]
        hub = self.config.publish.hub_url
        # The hub is never told about private feeds (publish_all), so none is advertised.
        if hub and entry.kind == "feed" and scope == "public":
            self_url = urljoin(self.config.publish.base_url, entry.name)
            headers.append(("Link", f'<{hub}>; rel="hub", <{self_url}>; rel="self"'))
        return headers

    # --- health ---------------------------------------------------------------------

    def _healthz(self) -> tuple[int, Headers, bytes]:
        healthy, report = self.health.check()
        body = (json.dumps(report, ensure_ascii=False) + "\n").encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(body))),
        ]
        return (200 if healthy else 503), headers, body


def _variant(entry: Entry, etag: str, body: bytes, common: Headers, *, gzip: bool) -> _Variant:
    validators = [("ETag", etag), ("Last-Modified", entry.last_modified)]
    # XML feeds change Content-Type for browsers (see _for_browser), so caches key on Accept.
    vary = [("Vary", "Accept-Encoding, Accept" if _is_xml_feed(entry) else "Accept-Encoding")]
    coding = [("Content-Encoding", "gzip")] if gzip else []
    ok = [("Content-Type", entry.content_type), *coding, *validators, *common, *vary]
    not_modified = [*validators, *common[:1], *vary]  # Cache-Control, not Link
    return _Variant(etag, body, ok, not_modified)


def _is_xml_feed(entry: Entry) -> bool:
    return entry.kind == "feed" and entry.name.endswith(".xml")


def _for_browser(environ: WSGIEnvironment) -> bool:
    """A person opening the feed in a browser (Accept names text/html).

    Browsers show application/rss+xml as raw source or a download; served as
    application/xml they apply the feed's <?xml-stylesheet?> and show the RTL page.
    Feed readers and partner platforms do not ask for text/html and keep the exact type.
    """
    return "text/html" in (environ.get("HTTP_ACCEPT") or "")


def _text(status: int, message: str) -> tuple[int, Headers, bytes]:
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


def _loggable_path(environ: WSGIEnvironment) -> str:
    path = str(environ.get("PATH_INFO", ""))
    query = str(environ.get("QUERY_STRING", ""))
    return f"{path}?{redact_query(query)}" if query else path


def _default_store_factory(config: Config) -> Callable[[], Store]:
    def factory() -> Store:
        from syndication.store import open_store

        # The server only reads: migrating is the job of `run`/`publish`, and two
        # processes racing to upgrade the schema is worse than a 503 until one has.
        return open_store(config.storage_url, migrate=False)

    return factory


class _SharedStore:
    """`factory`, called at most once successfully; every caller gets that one Store."""

    def __init__(self, factory: Callable[[], Store]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._made: list[Store] = []

    def __call__(self) -> Store:
        with self._lock:
            if not self._made:
                self._made.append(self._factory())
            return self._made[0]

    def close(self) -> None:
        with self._lock:
            made, self._made = self._made, []
        for store in made:
            store.close()


def make_app(config: Config, store_factory: Callable[[], Store] | None = None) -> WSGIApplication:
    """The WSGI application serving `config`'s feeds directory, /healthz and /metrics."""
    return FeedsApp(config, store_factory)
