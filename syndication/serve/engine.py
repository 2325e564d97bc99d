"""Our two extensions of waitress, both through its (undocumented) class hooks.

1. Keep-alive after 304 (and 204). waitress 3.0 closes the connection after any HTTP/1.1
   response without a Content-Length header, 304 Not Modified included, although a 304
   has no body and ends with its header block (RFC 9112 §6.3). For a feed server the 304
   is the common answer, and a new TCP connection per poll costs more than the answer.
   `KeepAliveTask` declines waitress's request to close in exactly that case.

2. Inline fast path. waitress hands every request from its I/O thread to a worker thread
   and back (a condition variable, a GIL hand-off and a pipe write per request). Serving a
   file that is already in our cache takes a few microseconds and never blocks, so
   `InlineDispatcher` lets the I/O thread answer such requests itself; anything that may
   block (`/healthz` queries the store, a file not yet cached is read and hashed) still
   goes to the worker threads. Writes never block the loop: what the socket does not take
   stays in the channel's buffer and waitress's loop sends it as the client reads. Only
   bodies up to `app.INLINE_MAX_BYTES` on a connection with nothing queued are answered
   inline, far below waitress's 16 MB output high-watermark, where a writer would wait
   for the loop (a deadlock if the writer were the loop).

The hooks used are `HTTPChannel.task_class`, the server's `channel_class`, the dispatcher
passed to `waitress.create_server(_dispatcher=...)`, and `WSGITask.set_close_on_finish`.
Tests in tests/serve/test_engine.py (keep-alive after 304, pipelining, slow clients alongside
fast ones) fail loudly if a waitress upgrade changes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.task import ThreadedTaskDispatcher, WSGITask


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


class FeedChannel(HTTPChannel):  # type: ignore[misc]
    task_class = KeepAliveTask
    _inline = False  # set by InlineDispatcher.add_task: service me from the I/O thread

    def received(self, data: bytes) -> bool:
        result: bool = super().received(data)
        # super() holds requests_lock while it queues work; service() takes it too, so
        # the inline service runs here, after it returned. service() itself queues the
        # next pipelined request through add_task, which may set _inline again.
        while self._inline:
            self._inline = False
            self.service()
        return result


class InlineDispatcher(ThreadedTaskDispatcher):  # type: ignore[misc]
    """Worker threads for slow requests; the I/O thread answers fast ones itself."""

    def __init__(self, is_fast: Callable[[str, str], bool]) -> None:
        super().__init__()
        self.is_fast = is_fast  # (method, path) → may the I/O thread answer it?
        self.loop_thread: threading.Thread | None = None

    def add_task(self, task: Any) -> None:
        if (
            isinstance(task, FeedChannel)
            and threading.current_thread() is self.loop_thread
            # Output still queued means a slow reader: its next answer goes to a worker,
            # so waitress's high-watermark wait can never happen on the I/O thread.
            and not task.total_outbufs_len
            and task.requests
            and not task.requests[0].error
            and self.is_fast(task.requests[0].command, task.requests[0].path)
        ):
            task._inline = True
            return
        super().add_task(task)


def listeners(server: Any) -> list[BaseWSGIServer]:
    """The listening servers inside what `waitress.create_server` returned."""
    socket_map = server.map if isinstance(server, MultiSocketServer) else server._map
    return [s for s in socket_map.values() if isinstance(s, BaseWSGIServer)]


def install(server: Any, dispatcher: InlineDispatcher) -> None:
    """Make every listener of `server` use FeedChannel and skip needless wake-ups."""
    for listener in listeners(server):
        listener.channel_class = FeedChannel
        listener.pull_trigger = _waker(listener.pull_trigger, dispatcher)


def _waker(pull: Callable[[], None], dispatcher: InlineDispatcher) -> Callable[[], None]:
    # service() wakes the I/O loop so it re-checks which channels have output. When the
    # loop itself ran service() (inline), it re-checks anyway on its next turn: skip the
    # pipe write and the extra poll round it would cause.
    def pull_trigger() -> None:
        if threading.current_thread() is not dispatcher.loop_thread:
            pull()

    return pull_trigger
