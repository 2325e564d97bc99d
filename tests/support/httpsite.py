"""A real HTTP server on 127.0.0.1:0 for tests: partner feeds, article pages, bad servers.

The socket is bound in the constructor, so `site.url(...)` is valid before any request and
no test waits for a server to come up. Routes are plain data; each request is logged so
tests can assert on what we sent (If-None-Match, User-Agent, …).
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: bool = False  # answer If-None-Match with 304 (strong ETag from the bytes)
    gzip: bool = False  # send the body gzip-encoded
    drip: float = 0.0  # seconds between 1-byte chunks (slow-drip server)
    hang: float = 0.0  # seconds to wait before answering at all
    handler: Callable[[Request], Route] | None = None  # dynamic answer
    sent: threading.Event | None = None  # set once the whole body was written


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    client: tuple[str, int] = ("", 0)  # the connection's far end: one per TCP connection


class Gate:
    """A route held back until `release()`, for tests of a client in the middle of a request.

    `arrived` is set when a request for it is waiting, so a test knows where the client is
    without sleeping. Closing the site releases every gate.
    """

    def __init__(self, route: Route) -> None:
        self.route = route
        self.arrived = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def __call__(self, request: Request) -> Route:
        self.arrived.set()
        self._released.wait()
        return self.route


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Tests of timeouts and size caps hang up mid-response on purpose; say nothing then.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class Site:
    """ThreadingHTTPServer in a daemon thread; use as a context manager or call close()."""

    def __init__(self, routes: dict[str, Route] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Request] = []
        self._gates: list[Gate] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out without a 40 ms stall

            def log_message(self, format: str, *args: object) -> None:  # quiet tests
                pass

            def do_GET(self) -> None:
                site._answer(self, head=False)

            def do_HEAD(self) -> None:
                site._answer(self, head=True)

        self.server = _Server((host, 0), Handler)
        bound, self.port = self.server.server_address[:2]
        assert isinstance(bound, str)  # an AF_INET address is (host: str, port)
        self.host = bound
        # A short poll interval makes close() return quickly (shutdown waits one interval).
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def gate(self, path: str, route: Route) -> Gate:
        """Serve `route` at `path` only once the returned gate is released."""
        gate = Gate(route)
        self._gates.append(gate)
        self.add(path, Route(handler=gate))
        return gate

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self._stop.set()
        for gate in self._gates:
            gate.release()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------

    def _answer(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        req = Request(h.command, h.path, headers, (h.client_address[0], h.client_address[1]))
        with self._lock:
            self.requests.append(req)
        route = self.routes.get(h.path) or self.routes.get(h.path.split("?", 1)[0])
        if route is None:
            route = Route(b"not found", status=404, content_type="text/plain")
        if route.handler is not None:
            route = route.handler(req)
        if route.hang and self._stop.wait(route.hang):
            return
        body = route.body
        headers = {"Content-Type": route.content_type, **route.headers}
        status = route.status
        if route.etag:
            tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            headers["ETag"] = tag
            if req.headers.get("if-none-match") == tag:
                status, body = 304, b""
        if route.gzip and body:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        headers.setdefault("Content-Length", str(len(body)))
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            if head or status == 304:
                return
            if route.drip:
                for chunk in _chunks(body, 1):
                    if self._stop.wait(route.drip):
                        return
                    h.wfile.write(chunk)
                    h.wfile.flush()
            else:
                h.wfile.write(body)
            h.wfile.flush()
            if route.sent is not None:
                route.sent.set()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts under test): nothing to report


def _chunks(data: bytes, size: int) -> Iterable[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll a condition (for subprocess tests); returns as soon as it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
