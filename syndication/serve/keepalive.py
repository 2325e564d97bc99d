"""Keep HTTP/1.1 connections open after 304 (and 204) responses under waitress.

waitress 3.0 closes the connection after any HTTP/1.1 response that has no Content-Length
header, including 304 Not Modified, which by definition has no body and is delimited by
its header block (RFC 9112 §6.3). For a feed server that is the common answer: every
partner poll that hits its ETag would cost a new TCP connection. We measured the 304 rate
roughly double once the connection stays open (benchmarks/serve_bench.py).

The fix is a task class that ignores waitress's request to close for exactly that case
(bodiless status, HTTP/1.1, client did not ask to close) and a channel class that uses it.
These are waitress extension points (`channel_class`, `task_class`), but undocumented; the
test `test_304_keeps_the_connection_open` fails loudly if a waitress upgrade changes them.
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.task import WSGITask


class KeepAliveTask(WSGITask):  # type: ignore[misc]
    _building = False

    def build_response_header(self) -> bytes:
        self._building = True
        try:
            header: bytes = super().build_response_header()
        finally:
            self._building = False
        return header

    def set_close_on_finish(self) -> None:
        if (
            self._building
            and not self.has_body
            and self.version == "1.1"
            and self.request.headers.get("CONNECTION", "").lower() != "close"
        ):
            return  # a 304/204 ends with its headers: the connection can carry the next request
        super().set_close_on_finish()


class KeepAliveChannel(HTTPChannel):  # type: ignore[misc]
    task_class = KeepAliveTask


def install(server: Any) -> None:
    """Make a server returned by `waitress.create_server` use the keep-alive channel."""
    socket_map = server.map if isinstance(server, MultiSocketServer) else server._map
    for listener in socket_map.values():
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = KeepAliveChannel
