"""Serve benchmark: `syndication serve` (waitress) against Python's http.server and nginx.

    python -m benchmarks.serve_bench [--quick] [--rounds 3] [--duration 4] [--connections 16]

It writes a ~500 KB Arabic RSS file into a temporary feeds/ directory and serves that same
file from each server, each in its own process on 127.0.0.1:

- ours:        syndication.serve.create_server (waitress + our engine.py, default settings);
- http.server: ThreadingHTTPServer + SimpleHTTPRequestHandler, speaking HTTP/1.1 so
               keep-alive works, with a listen backlog of 128 (the default 5 drops SYNs
               when 16 clients connect at once); it answers If-Modified-Since with 304;
- nginx:       when `nginx` is on PATH; one worker process, sendfile on, access log off.

The load generator is a separate process (`--client-procs`, default 1): a selector loop
over 16 keep-alive connections that parses only the status line and Content-Length, so
the client costs far less than any server (`--client http.client` uses http.client in
threads instead, which saturates a core well below nginx's rate). Scenarios: a full 200
(no Accept-Encoding), a 304 (each server gets the validator it honours: If-None-Match when
it sends an ETag, else If-Modified-Since) and, for servers that compress, a gzip 200.
Servers take turns within each round; every figure is the median over the rounds.

Client and servers share the machine's cores, so req/s depends on whatever else runs.
The CPU µs/request column (the server's own user + system time, from /proc) does not,
and is the fairer ratio on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing as mp
import os
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FEED = "main.rss.xml"
HOST = "127.0.0.1"


# --- input ---------------------------------------------------------------------------


def make_feed(target: int = 500_000) -> bytes:
    """An RSS 2.0 document of about `target` bytes with Arabic items."""
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>الأخبار الرئيسية</title><link>https://example.invalid/</link>"
        "<description>أخبار الشركاء</description><language>ar</language>\n"
    )
    parts = [head]
    size = len(head.encode())
    i = 0
    while size < target:
        item = (
            f"<item><title>عاجل: وزير الخارجية يلتقي نظيره في العاصمة رقم {i}</title>"
            f"<link>https://example.invalid/news/{i}</link><guid>urn:news:{i}</guid>"
            f"<pubDate>Tue, 14 Nov 2023 22:{i % 60:02d}:00 GMT</pubDate>"
            "<description><![CDATA[<p>قال المتحدث باسم الوزارة إن اللقاء تناول العلاقات "
            "الثنائية وسبل تعزيز التعاون في المجالات الاقتصادية والثقافية، إضافة إلى "
            f"آخر التطورات الإقليمية والدولية ذات الاهتمام المشترك. ({i})</p>]]></description>"
            "<category>سياسة</category></item>\n"
        )
        parts.append(item)
        size += len(item.encode())
        i += 1
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


# --- servers (each runs in its own process) --------------------------------------------


def _run_ours(base_dir: str, ready: Any, adjust: dict[str, Any]) -> None:
    from syndication.config import Config, PublishSettings, SchedulerSettings, ServeSettings
    from syndication.model import FeedSpec, FetchSettings
    from syndication.serve import create_server

    config = Config(
        path=os.path.join(base_dir, "config.toml"),
        base_dir=base_dir,
        storage_url=f"sqlite:///{os.path.join(base_dir, 'store.db')}",
        fetch=FetchSettings(),
        publish=PublishSettings(out_dir="feeds"),
        scheduler=SchedulerSettings(),
        serve=ServeSettings(),
        partners=(),
        feeds=(FeedSpec(key="main", title="main", kind="main"),),
    )
    server = create_server(config, HOST, 0, **adjust)
    ready.send(server.port)
    server.run()


class _QuietHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the other servers

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops SYNs when 16 clients connect at once


def _run_stdlib(base_dir: str, ready: Any) -> None:
    handler = partial(_QuietHandler, directory=os.path.join(base_dir, "feeds"))
    server = _Server((HOST, 0), handler)
    server.daemon_threads = True
    ready.send(server.server_address[1])
    server.serve_forever()


class Server:
    """A server process (or an nginx subprocess) listening on 127.0.0.1:port."""

    def __init__(self, name: str, base_dir: str, adjust: dict[str, Any]) -> None:
        self.name = name
        self.adjust = adjust
        self.base_dir = base_dir
        self.proc: Any = None
        self.port = 0

    def __enter__(self) -> Server:
        if self.name == "nginx":
            self._start_nginx()
        else:
            parent, child = mp.Pipe()
            if self.name == "ours":
                target: Any = partial(_run_ours, adjust=self.adjust)
            else:
                target = _run_stdlib
            self.proc = mp.get_context("spawn").Process(
                target=target, args=(self.base_dir, child), daemon=True
            )
            self.proc.start()
            if not parent.poll(30):
                raise RuntimeError(f"{self.name} did not start")
            self.port = parent.recv()
        return self

    def _start_nginx(self) -> None:
        with socket.socket() as s:  # a free port; nginx cannot report one it chose
            s.bind((HOST, 0))
            self.port = s.getsockname()[1]
        prefix = os.path.join(self.base_dir, "nginx")
        os.makedirs(prefix, exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = os.path.join(prefix, "nginx.conf")
        Path(conf).write_text(
            f"""{user}daemon off; worker_processes 1; pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  types {{ application/rss+xml xml; }}
  server {{ listen {HOST}:{self.port}; root {self.base_dir}/feeds; etag on; }}
}}
"""
        )
        self.proc = subprocess.Popen(
            ["nginx", "-c", conf, "-p", prefix, "-e", f"{prefix}/error.log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:  # nginx gives no readiness signal; poll the port briefly
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"nginx did not start; see {prefix}/error.log") from None
                time.sleep(0.05)

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    def __exit__(self, *exc: object) -> None:
        if self.name == "nginx":
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(10)
        else:
            self.proc.terminate()
            self.proc.join(10)


# --- load generator ---------------------------------------------------------------------


def _client_proc(
    port: int,
    headers: dict[str, str],
    threads: int,
    duration: float,
    max_requests: int,
    start_at: float,
    out: Any,
) -> None:
    """`threads` keep-alive connections hammering one URL until the deadline."""
    results: list[tuple[int, list[float], int]] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        lat: list[float] = []
        errors = 0
        while time.time() < start_at:  # all processes begin together
            time.sleep(0.001)
        end = start_at + duration
        n = 0
        while n < max_requests:
            t0 = time.perf_counter()
            if time.time() >= end:
                break
            try:
                conn.request("GET", "/" + FEED, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status not in (200, 304):
                    errors += 1
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            lat.append(time.perf_counter() - t0)
            n += 1
        conn.close()
        with lock:
            results.append((n, lat, errors))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.send(results)


def _raw_client_proc(
    port: int,
    headers: dict[str, str],
    threads: int,
    duration: float,
    max_requests: int,
    start_at: float,
    out: Any,
) -> None:
    """`threads` keep-alive connections driven by one selector loop, no HTTP library.

    It parses only the status line and Content-Length, and counts body bytes into one
    reused buffer, so the client's cost per request stays far below any server's.
    """
    lines = [f"GET /{FEED} HTTP/1.1", f"Host: {HOST}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    sel = selectors.DefaultSelector()
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    state: dict[socket.socket, list[Any]] = {}
    for _ in range(threads):
        sock = socket.create_connection((HOST, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        # [header bytes so far, body bytes left (-1: in headers), t0, status]
        state[sock] = [b"", -1, 0.0, 0]
        sel.register(sock, selectors.EVENT_READ)
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + duration
    lat: list[float] = []
    errors = 0
    n = 0
    for sock, st in state.items():
        st[2] = time.perf_counter()
        sock.sendall(request)
    while state and n < max_requests:
        for key, _ in sel.select(timeout=5):
            sock = key.fileobj  # type: ignore[assignment]
            st = state[sock]
            got = sock.recv_into(buf)
            if not got:
                raise RuntimeError("server closed a keep-alive connection")
            if st[1] < 0:
                st[0] += bytes(view[:got])
                head_end = st[0].find(b"\r\n\r\n")
                if head_end < 0:
                    continue
                head = st[0][:head_end].lower()
                st[3] = int(head[9:12])
                length = 0
                at = head.find(b"\r\ncontent-length:")
                if at >= 0 and st[3] != 304:
                    eol = head.find(b"\r", at + 2)
                    length = int(head[at + 17 : eol if eol > 0 else len(head)])
                st[1] = length - (len(st[0]) - head_end - 4)
            else:
                st[1] -= got
            if st[1] > 0:
                continue
            now = time.perf_counter()
            lat.append(now - st[2])
            n += 1
            if st[3] not in (200, 304):
                errors += 1
            if time.time() >= end:
                sel.unregister(sock)
                sock.close()
                del state[sock]
                continue
            st[0], st[1], st[2] = b"", -1, now
            sock.sendall(request)
    out.send([(n, lat, errors)])


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float = float("nan")  # server CPU time (user + system) per request


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree(pid: int) -> list[int]:
    """pid and its descendants (nginx: master + worker), from /proc."""
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    pids += _tree(int(child))
    except OSError:
        pass
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a server's processes (Linux; else NaN)."""
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / _TICK


def measure(
    server: Server,
    headers: dict[str, str],
    connections: int,
    procs: int,
    duration: float,
    client: str = "raw",
) -> Sample:
    port = server.port
    # fork: the benchmark's main process runs no threads, and forked clients start in
    # milliseconds, so more of the run is measurement.
    ctx = mp.get_context("fork")
    start_at = time.time() + 0.3  # time for every client to connect before the clock starts
    pipes = []
    workers = []
    per_proc = [connections // procs + (1 if i < connections % procs else 0) for i in range(procs)]
    for threads in per_proc:
        parent, child = ctx.Pipe()
        p = ctx.Process(
            target=_raw_client_proc if client == "raw" else _client_proc,
            args=(port, headers, threads, duration, 10_000_000, start_at, child),
        )
        p.start()
        pipes.append(parent)
        workers.append(p)
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_before = cpu_seconds(server.pid)
    results = [r for pipe in pipes for r in pipe.recv()]
    cpu = cpu_seconds(server.pid) - cpu_before
    for p in workers:
        p.join()
    count = sum(n for n, _, _ in results)
    lat = sorted(x for _, ls, _ in results for x in ls)
    errors = sum(e for _, _, e in results)
    if not lat:
        return Sample(0.0, float("nan"), float("nan"), errors)
    return Sample(
        rps=count / duration,
        p50_ms=lat[len(lat) // 2] * 1000,
        p99_ms=lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        errors=errors,
        cpu_us=cpu / count * 1e6,
    )


def validators(port: int) -> tuple[str | None, str | None, str | None, int]:
    """(ETag, Last-Modified, Content-Encoding with gzip asked, body length) of the feed."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/" + FEED)
    resp = conn.getresponse()
    body = resp.read()
    etag, last_modified = resp.getheader("ETag"), resp.getheader("Last-Modified")
    conn.request("GET", "/" + FEED, headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return etag, last_modified, resp.getheader("Content-Encoding"), len(body)


# --- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.serve_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="1 s per measurement (< 1 min)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=None, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--client-procs", type=int, default=1)
    parser.add_argument("--size", type=int, default=500_000, help="feed size in bytes")
    parser.add_argument(
        "--client",
        choices=("raw", "http.client"),
        default="raw",
        help="load generator: a lean selector loop (default) or http.client in threads",
    )
    parser.add_argument("--threads", type=int, default=None, help="waitress threads (ours)")
    parser.add_argument("--servers", default=None, help="comma-separated subset to run")
    args = parser.parse_args(argv)
    duration = args.duration or (1.0 if args.quick else 4.0)

    names = ["ours", "http.server"] + (["nginx"] if shutil.which("nginx") else [])
    if args.servers:
        names = [n for n in names if n in args.servers.split(",")]
    adjust = {"threads": args.threads} if args.threads else {}
    with tempfile.TemporaryDirectory(prefix="serve-bench-") as base_dir:
        feeds = Path(base_dir, "feeds")
        feeds.mkdir()
        data = make_feed(args.size)
        (feeds / FEED).write_bytes(data)
        print(
            f"feed: {len(data):,} bytes; {args.connections} keep-alive connections "
            f"({args.client_procs} client processes, {args.client} client); "
            f"{args.rounds} rounds × {duration:g} s; "
            f"{os.cpu_count()} CPUs shared by servers and clients\n"
        )
        table: dict[tuple[str, str], list[Sample]] = {}
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(Server(n, base_dir, adjust)) for n in names]
            plans: list[tuple[Server, dict[str, dict[str, str]]]] = []
            for server in servers:
                etag, last_modified, coding, length = validators(server.port)
                assert length == len(data), f"{server.name} served {length} bytes"
                scenarios: dict[str, dict[str, str]] = {"200": {}}
                if etag:
                    scenarios["304"] = {"If-None-Match": etag}
                elif last_modified:
                    scenarios["304"] = {"If-Modified-Since": last_modified}
                if coding == "gzip":
                    scenarios["200 gzip"] = {"Accept-Encoding": "gzip"}
                plans.append((server, scenarios))
            # Servers take turns within each round, so a change in the machine's load
            # (other work on shared cores) hits every server alike.
            for _ in range(args.rounds):
                for server, scenarios in plans:
                    for scenario, headers in scenarios.items():
                        sample = measure(
                            server,
                            headers,
                            args.connections,
                            args.client_procs,
                            duration,
                            args.client,
                        )
                        table.setdefault((server.name, scenario), []).append(sample)
        report(table, names)
    return 0


def report(table: dict[tuple[str, str], list[Sample]], names: list[str]) -> None:
    def med(samples: list[Sample]) -> Sample:
        return Sample(
            statistics.median(s.rps for s in samples),
            statistics.median(s.p50_ms for s in samples),
            statistics.median(s.p99_ms for s in samples),
            sum(s.errors for s in samples),
            statistics.median(s.cpu_us for s in samples),
        )

    header = (
        f"{'scenario':<9} {'server':<11} {'req/s':>7} {'× base':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'CPU µs/req':>10} {'× base':>7} {'err':>4}  rounds (req/s)"
    )
    print(header)
    print("-" * (len(header) + 20))
    for scenario in ("200", "304", "200 gzip"):
        base = table.get(("http.server", scenario))
        base_m = med(base) if base else None
        for name in names:
            samples = table.get((name, scenario))
            if not samples:
                continue
            m = med(samples)
            ratio = f"{m.rps / base_m.rps:.2f}×" if base_m else "n/a"
            # CPU per request: lower is better, so the ratio is base / ours.
            cpu_ratio = f"{base_m.cpu_us / m.cpu_us:.2f}×" if base_m and m.cpu_us else "n/a"
            rounds = ", ".join(f"{s.rps:,.0f}" for s in samples)
            print(
                f"{scenario:<9} {name:<11} {m.rps:>7,.0f} {ratio:>7} {m.p50_ms:>7.2f} "
                f"{m.p99_ms:>7.2f} {m.cpu_us:>10.1f} {cpu_ratio:>7} {m.errors:>4}  {rounds}"
            )
        print()
    print(
        "× base: req/s over http.server's (higher is better); for CPU, http.server's CPU per\n"
        "request over this server's (higher is better). CPU is the server's own user+system\n"
        "time from /proc, so it does not depend on what else the machine is running."
    )


if __name__ == "__main__":
    sys.exit(main())
