"""SIGTERM and SIGINT: the first one stops the run gently, a second one ends it at once.

    with StopSignals() as signals:          # handlers installed here, restored on exit
        signals.on_stop(fetcher.abort)      # runs once, in a thread of ours, at the signal
        ... work that checks signals.event ...

The first signal sets `event` and runs the `on_stop` actions (cut the requests in flight,
release the threads waiting for a scraping worker), so the work running finishes or drops
the article it is writing and the run ends within a fetch deadline. A second signal calls
``os._exit(EXIT_ABORTED)`` from the handler itself: an operator sends it because the
process is stuck, so it must not depend on any other thread. Nothing half-written survives
that either: an article is one database transaction, rolled back when its connection dies,
and feed files are replaced by rename.

Why the handler does so little: Python runs it in the main thread between two bytecodes,
maybe while that thread holds a lock (an Event's, the fetcher's) that stopping needs, and
taking it there again would deadlock. So it only counts the signal and writes a byte to a
pipe; a thread of ours reads the byte and does the rest.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

log = logging.getLogger("syndication")

EXIT_ABORTED = 143  # 128 + SIGTERM: what a shell shows for a process that a signal ended
_CLOSE = b"\0"  # written by __exit__: the watching thread ends


class StopSignals:
    """Turns SIGTERM/SIGINT into `event` (first) and an immediate exit (second)."""

    def __init__(
        self,
        event: threading.Event | None = None,
        signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
    ) -> None:
        self.event = event or threading.Event()
        self.received: str | None = None  # name of the first signal, once it came
        self._signals = signals
        self._actions: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._fired = False
        self._count = 0  # touched by the handler only (main thread)
        self._previous: dict[signal.Signals, Any] = {}
        self._read_fd = self._write_fd = -1
        self._thread: threading.Thread | None = None

    def on_stop(self, action: Callable[[], None]) -> None:
        """Run `action` at the first signal (at once, in this thread, if it already came)."""
        with self._lock:
            if not self._fired:
                self._actions.append(action)
                return
        action()

    def __enter__(self) -> StopSignals:
        self._read_fd, self._write_fd = os.pipe()
        self._thread = threading.Thread(target=self._watch, name="stop-signals", daemon=True)
        self._thread.start()
        for sig in self._signals:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()
        os.write(self._write_fd, _CLOSE)
        if self._thread is not None:
            self._thread.join()
        os.close(self._read_fd)
        os.close(self._write_fd)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self._count += 1
        if self._count > 1:
            log.warning("received %s again: exiting at once", signal.Signals(signum).name)
            os._exit(EXIT_ABORTED)
        os.write(self._write_fd, bytes([signum]))

    def _watch(self) -> None:
        while True:
            data = os.read(self._read_fd, 1)
            if not data or data == _CLOSE:
                return
            self.received = signal.Signals(data[0]).name
            log.info(
                "received %s: finishing the articles being written, then stopping "
                "(send it again to stop at once)",
                self.received,
            )
            with self._lock:
                self._fired = True
                actions, self._actions = self._actions, []
            self.event.set()
            for action in actions:
                try:
                    action()
                except Exception:  # one failed clean-up must not keep the others from running
                    log.exception("error while stopping")
