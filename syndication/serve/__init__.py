"""`syndication serve`: the HTTP endpoint partners poll, serving `feeds/` with waitress.

    make_app(config)            → the WSGI application (app.py): routes, headers, 304, gzip, tokens
    create_server(config, h, p) → a FeedServer bound to (h, p); port 0 picks a free port
    serve(config, h, p)         → blocking; SIGTERM/SIGINT stop it cleanly (the CLI uses this)

    app.py          routing, per-file headers, conditional GET, gzip, private feeds
    files.py        which names may be served (confinement) and the in-memory file cache
    conditional.py  If-None-Match / If-Modified-Since / Accept-Encoding rules
    auth.py         partner tokens (constant time, never logged)   health.py  /healthz
    engine.py       our waitress extensions: keep-alive after 304, cached files answered
                    by the I/O thread

Why waitress and not gunicorn: waitress runs inside our process, so a test binds port 0,
runs the server in a thread against a real socket and closes it; there is no fork model,
no worker processes and no pid file to manage. Its asyncore I/O loop buffers each
connection's output, so a slow or stalled partner holds a buffer, not a worker (gunicorn's
sync workers are tied up by slow clients unless a buffering proxy sits in front). It is
pure Python with no C dependencies and has been production-grade for a decade. This
package is its only user. Its ceiling (one Python process) is measured by
`benchmarks/serve_bench.py`; beyond it, let nginx serve `feeds/` directly.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Any

import waitress
from waitress import wasyncore
from waitress.server import MultiSocketServer

from syndication.config import Config
from syndication.errors import ConfigError
from syndication.serve import engine
from syndication.serve.app import FeedsApp, make_app

if TYPE_CHECKING:
    from syndication.store import Store

log = logging.getLogger(__name__)

# waitress adjustments we change from its defaults, and why.
ADJUSTMENTS: dict[str, Any] = {
    "threads": 4,  # the work per request is tiny; more threads only fight over the GIL
    "connection_limit": 1000,  # hundreds of partners may keep a connection open
    "channel_timeout": 60,  # idle keep-alive connections are dropped after a minute
    "ident": "syndication",  # Server header without a version
    "expose_tracebacks": False,
    "asyncore_use_poll": True,  # select() cannot watch more than 1024 descriptors
    # That filter strips X-Forwarded-* for apps that trust them; ours reads none, and the
    # wrapper costs a pass over the environ on every request.
    "clear_untrusted_proxy_headers": False,
}
# Set on every accepted connection (an Adjustments attribute, not a keyword).
SOCKET_OPTIONS = [
    (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),  # waitress's default, kept
    # waitress sends at most SO_SNDBUF bytes per send() call (16 KB by default): a larger
    # buffer sends a 500 KB feed in a few syscalls instead of dozens.
    (socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20),
]


class FeedServer:
    """A bound waitress server: `run()` blocks, `start()` runs it in a thread, `close()` stops.

    Usable as a context manager; `url` is the base URL (with the real port when bound to 0).
    """

    def __init__(self, server: Any, app: FeedsApp) -> None:
        self.server = server  # waitress's TcpWSGIServer, or MultiSocketServer for several
        self.app = app
        multi = isinstance(server, MultiSocketServer)
        self._map: dict[int, Any] = server.map if multi else server._map
        listeners = engine.listeners(server)
        self.host: str = listeners[0].effective_host
        self.port: int = listeners[0].effective_port
        self._trigger = listeners[0].trigger  # any trigger in the map wakes the loop
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def run(self) -> None:
        """Serve until close() is called (from another thread or a signal handler)."""
        self.server.task_dispatcher.loop_thread = threading.current_thread()
        self.server.run()

    def start(self) -> threading.Thread:
        """Serve from a daemon thread; the socket is already listening, so no wait is needed."""
        thread = threading.Thread(target=self.run, name=f"serve:{self.port}", daemon=True)
        self._thread = thread
        thread.start()
        return thread

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the requests in progress, then make the I/O loop close every socket and
        return. Call from any thread but the loop's (a signal handler starts a thread)."""
        # Workers first: a task finishing after the loop closed would pull a dead trigger.
        self.server.task_dispatcher.shutdown(timeout=timeout)
        socket_map = self._map
        # The thunk runs inside the loop, so it never polls a descriptor closed under it.
        try:
            self._trigger.pull_trigger(lambda: wasyncore.close_all(socket_map))
        except OSError as e:
            # The wake-up pipe is gone (seen once in CI, cause unknown): the thunk would
            # never run and the loop would serve on. Close from here instead; the loop
            # finds its map empty when its poll returns (a second at most) and exits.
            log.warning("server wake-up pipe unusable (%s): closing its sockets directly", e)
            wasyncore.close_all(socket_map, ignore_all=True)
            # The trigger's close stopped at the dead descriptor, before its own copy of
            # the read end: left open, it would be closed at garbage collection, by number,
            # possibly under whatever reused that number by then. (When the number was
            # reused before close_all ran, the trigger closed completely: nothing left.)
            wrapper = self._trigger.socket
            if wrapper is not None:
                wrapper.close()

    def close(self, timeout: float = 5.0) -> None:
        """Stop serving and release the port; returns when the loop has exited. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            self.stop(timeout)
            thread.join(timeout)
        else:  # the loop is not running (never started, or run() already returned)
            self.server.task_dispatcher.shutdown(timeout=timeout)
            wasyncore.close_all(self._map)
        self.app.close()  # no request runs any more: its store can go

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_server(
    config: Config,
    host: str,
    port: int,
    *,
    store_factory: Callable[[], Store] | None = None,
    from_store: bool = False,
    **adjustments: Any,
) -> FeedServer:
    """Bind (host, port) and return the server, not yet running.

    `adjustments` override waitress settings in ADJUSTMENTS (e.g. `threads=8`).
    `from_store`: serve the feed files the publisher saved in the store, not `feeds/`
    (stateless nodes, see storefiles.py).
    """
    app = FeedsApp(config, store_factory, from_store=from_store)
    options = {**ADJUSTMENTS, **adjustments}
    dispatcher = engine.InlineDispatcher(app.is_fast)
    dispatcher.set_thread_count(options["threads"])
    # "Task queue depth is N" fires whenever more requests are in flight than threads;
    # with sub-millisecond requests that is normal under load, not a problem to log.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    socket_map: dict[int, Any] = {}
    try:
        server = waitress.create_server(
            app, socket_map, host=host, port=port, _dispatcher=dispatcher, **options
        )
    except OSError as e:
        # waitress registered its socket and wake-up pipe in the map before bind failed.
        wasyncore.close_all(socket_map, ignore_all=True)
        dispatcher.shutdown(timeout=1)
        raise ConfigError(
            f"cannot listen on {host}:{port}: {e.strerror or e}",
            path=config.path,
            key="serve.port",
            hint="choose a free port (--port) or stop the process that holds it",
        ) from e
    engine.install(server, dispatcher)
    server.adj.socket_options = SOCKET_OPTIONS  # one Adjustments shared by all listeners
    return FeedServer(server, app)


def serve(config: Config, host: str, port: int, *, from_store: bool = False) -> None:
    """Serve until SIGTERM or SIGINT; returns normally so the CLI can exit 0."""
    server = create_server(config, host, port, from_store=from_store)
    source = (
        "the store's feed files"
        if from_store
        else f"{config.publish.out_dir} (private feeds: {config.publish.private_dir})"
    )
    log.info("serving %s on %s", source, server.url)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("serve: signal %d, shutting down", signum)
        # The trigger takes a lock the interrupted loop may hold: pull it from a thread.
        threading.Thread(target=server.stop, name="serve-stop", daemon=True).start()

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, on_signal)
    try:
        server.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        server.close()


__all__ = ["ADJUSTMENTS", "FeedServer", "create_server", "make_app", "serve"]
