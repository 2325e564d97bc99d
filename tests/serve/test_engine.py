"""serve.engine, our waitress extensions: keep-alive after 304, pipelining, large bodies,
slow readers beside fast ones, store reads off the I/O thread."""

from __future__ import annotations

import http.client
from pathlib import Path
from typing import Any

import pytest

from syndication.serve import FeedServer
from syndication.store import open_store
from tests.support.factories import (
    ATOM,
    JSONFEED,
    RSS,
    etag_of,
    make_serve_config,
    raw,
    start,
    write,
)


def _read_response(sock: Any, buffered: bytearray, head_only: bool = False) -> tuple[bytes, bytes]:
    """One response (head, body) from a raw socket; `buffered` keeps leftover bytes."""
    while b"\r\n\r\n" not in buffered:
        chunk = sock.recv(65536)
        assert chunk, "server closed the connection"
        buffered += chunk
    end = buffered.index(b"\r\n\r\n")
    head = bytes(buffered[:end])
    del buffered[: end + 4]
    length = 0
    status = int(head[9:12])
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length" and status != 304 and not head_only:
            length = int(value)
    while len(buffered) < length:
        chunk = sock.recv(1 << 20)
        assert chunk, "server closed the connection mid-body"
        buffered += chunk
    body = bytes(buffered[:length])
    del buffered[:length]
    return head, body


def test_304_keeps_the_connection_open(server: FeedServer) -> None:
    import socket

    etag = etag_of(server)
    request = (f"GET /main.rss.xml HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n").encode()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        buffered = bytearray()
        for _ in range(3):  # waitress alone would close after the first 304
            sock.sendall(request)
            head, body = _read_response(sock, buffered)
            assert head.startswith(b"HTTP/1.1 304 ")
            assert b"connection: close" not in head.lower()
            assert body == b""
        sock.sendall(b"GET /main.atom.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _read_response(sock, buffered)[1] == ATOM


def test_pipelined_requests_answer_in_order(server: FeedServer) -> None:
    import socket

    raw(server, "/main.atom.xml")  # cached: answered by the I/O thread
    sequence = [
        ("GET", "/main.atom.xml", 200, ATOM),
        ("HEAD", "/main.atom.xml", 200, b""),
        ("GET", "/main.json", 200, JSONFEED),  # not cached yet: a worker thread reads it
        ("GET", "/nope.json", 404, b"not found\n"),
        ("GET", "/main.atom.xml", 200, ATOM),
    ]
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(
            b"".join(f"{m} {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for m, p, _, _ in sequence)
        )
        buffered = bytearray()
        for method, _, status, body in sequence:
            head, got = _read_response(sock, buffered, head_only=method == "HEAD")
            assert int(head[9:12]) == status
            assert got == body
        assert buffered == b""


def test_large_feed_served_whole_many_times(tmp_path: Path, feeds: Path) -> None:
    big = RSS * (700_000 // len(RSS))  # well above the zero-copy threshold
    write(feeds / "big.rss.xml", big)
    with start(make_serve_config(tmp_path)) as s:
        conn = http.client.HTTPConnection(s.host, s.port, timeout=10)
        try:
            for method in ("GET", "GET", "HEAD", "GET"):
                conn.request(method, "/big.rss.xml")
                resp = conn.getresponse()
                body = resp.read()
                assert resp.status == 200
                assert resp.getheader("Content-Length") == str(len(big))
                assert body == (b"" if method == "HEAD" else big)
        finally:
            conn.close()


@pytest.mark.parametrize("size", [3_000_000, 8_000_000])  # I/O thread; worker thread
def test_slow_reader_does_not_stall_other_clients(tmp_path: Path, feeds: Path, size: int) -> None:
    import socket

    big = RSS * (size // len(RSS))  # more than the kernel buffers between us hold
    write(feeds / "big.rss.xml", big)
    with start(make_serve_config(tmp_path)) as s:
        for path in ("/big.rss.xml", "/main.rss.xml", "/main.json"):
            raw(s, path)  # cached now
        with socket.create_connection((s.host, s.port), timeout=20) as slow:
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            slow.sendall(b"GET /big.rss.xml HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
            buffered = bytearray(slow.recv(1))  # sending has begun and is now blocked on us
            # Meanwhile others are served in full, by the loop and by the workers.
            for path in (
                "/main.rss.xml",
                "/main.atom.xml",
                "/main.json",
                "/metrics",
                "/big.rss.xml",
            ):
                assert raw(s, path)[0] == 200
            for _ in range(2):  # the pipelined second answer waited behind the first
                head, body = _read_response(slow, buffered)
                assert head.startswith(b"HTTP/1.1 200")
                assert body == big


def test_store_is_queried_off_the_io_thread(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    import threading

    threads: list[str] = []

    def factory() -> Any:
        threads.append(threading.current_thread().name)
        return open_store(sqlite_url)

    with start(make_serve_config(tmp_path), store_factory=factory) as s:
        raw(s, "/main.rss.xml")
        raw(s, "/healthz")
        loop_thread = f"serve:{s.port}"
    assert threads and loop_thread not in threads
