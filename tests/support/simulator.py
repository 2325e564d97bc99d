"""A local partner simulator for the benchmarks: N Arabic partner feeds and their article pages.

    python -m tests.support.simulator --partners 100   # from the checkout root: a smoke run

    sim = Simulator.start(partners=1000, items=50)      # its own process, 127.0.0.1:<port>
    sim.feed_url("p0001")  →  http://127.0.0.1:<port>/p/p0001/feed.xml
    sim.configure(etag=[...], fault={...})               # per partner
    sim.touch(pids)          # new bytes (lastBuildDate), every item still known
    sim.add(pids, n, urgent=False)  # n new items on top of each feed
    sim.stats() / sim.close()

Content comes from `tests/support/partnersim.py` (realistic feed items, article pages with a
ticker, share bar, related links, figure with caption and credit); here each item is padded
to ~1.2 KB and each page to ~110 KB with the chrome real news sites carry (inline scripts
and JSON-LD, mega menus, related-story lists, footers), so parsing costs are realistic.

The server is a small HTTP/1.1 server on raw sockets (one thread per keep-alive
connection, TCP_NODELAY, pre-built response bytes), in a separate process, so it costs a
fraction of what the ingester under test spends per request and never holds its GIL.

Per partner: `etag` (send a strong ETag and answer If-None-Match with 304; without it the
same bytes come back each time, no validators), and `fault` for the soak: "timeout" (never
answers), "500", "invalid" (malformed XML), "gzipbomb" (a small gzip body that inflates
past any sane cap).

It lives in tests/support because the scraper tests use its pages too
(tests/scrape/test_prune.py); the benchmarks import it from here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import hashlib
import html
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from tests.support import ROOT
from tests.support.partnersim import PARAGRAPH, TOPICS, SimArticle, SimPartner, page

HOST = "127.0.0.1"
FAULTS = ("timeout", "500", "invalid", "gzipbomb")
EPOCH = dt.datetime(2025, 9, 26, 12, 0, tzinfo=dt.UTC)
PAGE_BYTES = 110_000
HANG_SECONDS = 60.0  # a "timeout" partner holds the connection this long, then closes


# --- content ---------------------------------------------------------------------------


# Words the story texts are drawn from: those of the shared paragraph and the headlines.
WORDS = tuple(sorted({w for text in (PARAGRAPH, *(h for _, h in TOPICS)) for w in text.split()}))
# Partners that carry each story (a wire item picked up by a few sites). Were every
# partner's article n the same text, as it once was, all N partners would form one story
# per n and each newcomer would re-mark every earlier member: a first poll quadratic in N.
STORY_PARTNERS = 4


@functools.lru_cache(maxsize=4096)
def _story_text(story: int, n: int) -> tuple[str, str]:
    """(headline, lead) of one story: words drawn by a generator seeded with the story."""
    rng = random.Random(f"{story}:{n}")
    return " ".join(rng.choices(WORDS, k=9)), " ".join(rng.choices(WORDS, k=45))


def article(pid: str, n: int, *, urgent: bool = False) -> SimArticle:
    """Article number `n` of partner `pid` (higher n = newer), the same bytes every time;
    the same story as article `n` of the other partners of its group of STORY_PARTNERS."""
    category, _ = TOPICS[n % len(TOPICS)]
    group = int(pid[1:]) // STORY_PARTNERS if pid[1:].isdigit() else zlib.crc32(pid.encode())
    headline, lead = _story_text(group, n)
    return SimArticle(
        slug=str(n),
        title=f"{headline} ({pid}-{n})",
        category=category,
        published=EPOCH + dt.timedelta(minutes=7 * n),
        paragraphs=(
            f"{lead}. {PARAGRAPH}",
            PARAGRAPH.replace("الخطة", "المبادرة"),
            PARAGRAPH[:120],
        ),
        image=f"https://img.{pid}.example/{n}.jpg",
        caption=f"صورة من موقع الحدث رقم {n}",
        credit="تصوير: وكالة الأنباء",
        urgent=urgent,
        guid=f"urn:{pid}:{n}",
    )


def _item(base: str, partner: SimPartner, a: SimArticle) -> str:
    esc = html.escape
    title = ("عاجل: " if a.urgent else "") + a.title
    return (
        f"<item><title>{esc(title)}</title>"
        f"<link>{base}{partner.page_path(a)}</link>"
        f'<guid isPermaLink="false">{esc(a.guid or "")}</guid>'
        f"<pubDate>{format_datetime(a.published)}</pubDate>"
        f"<dc:creator>أحمد علي</dc:creator>"
        f"<category>{esc(a.category)}</category>"
        f"<description>{esc(a.paragraphs[0][:300])}</description>"
        f'<media:content url="{a.image}" medium="image" type="image/jpeg" width="1200" '
        f'height="800"><media:description>{esc(a.caption or "")}</media:description>'
        f"<media:credit>{esc(a.credit or '')}</media:credit></media:content></item>"
    )


def feed_items(base: str, pid: str, numbers: Iterable[int], urgent: set[int]) -> str:
    partner = SimPartner(pid)
    return "".join(_item(base, partner, article(pid, n, urgent=n in urgent)) for n in numbers)


def feed(base: str, pid: str, items: str, build: int) -> bytes:
    built = format_datetime(EPOCH + dt.timedelta(seconds=build))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>شريك {pid}</title><link>{base}/p/{pid}/</link>"
        f"<description>آخر الأخبار</description><language>ar</language>"
        f"<lastBuildDate>{built}</lastBuildDate>{items}</channel></rss>"
    ).encode()


def _chrome(target: int) -> tuple[str, str, str]:
    """(head, nav, aside) padding that brings a partnersim page to about `target` bytes:
    about half scripts and JSON, half markup, as on real Arabic news sites."""
    script = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":'
        '"Organization","name":"شبكة الأخبار","sameAs":['
        + ",".join(f'"https://social{i}.example/news"' for i in range(120))
        + "]}</script>"
        + "<script>window.__CONFIG__ = "
        + json.dumps(
            {
                "ads": [
                    {"slot": f"div-gpt-{i}", "sizes": [[300, 250], [728, 90]]} for i in range(200)
                ]
            }
        )
        + ";</script><style>"
        + "".join(f".c{i}{{margin:{i}px;padding:{i % 7}px;color:#{i:06x}}}" for i in range(600))
        + "</style>"
    )
    menu = "".join(
        f'<li class="menu-item"><a href="/section/{i}">قسم الأخبار {i}</a>'
        f'<ul class="sub">{"".join(f"<li><a href=/s/{i}/{j}>فرعي {j}</a></li>" for j in range(6))}'
        "</ul></li>"
        for i in range(40)
    )

    def card(i: int) -> str:
        return (
            f'<div class="card"><a href="/n/{i}"><img src="https://img.example/t{i}.jpg" '
            f'width="300" height="200" alt="صورة"></a><h4><a href="/n/{i}">'
            f'{TOPICS[i % len(TOPICS)][1]}</a></h4><span class="time">منذ {i} دقيقة</span></div>'
        )

    related = "".join(card(i) for i in range(100))
    head, nav, aside = (
        script,
        f'<ul class="mega">{menu}</ul>',
        f'<div class="related">{related}</div>',
    )
    # Scale the markup parts so the whole page lands near the target.
    base = len(page("http://127.0.0.1:1", SimPartner("p0001"), article("p0001", 1)))
    size = base + len(head.encode()) + len(nav.encode()) + len(aside.encode())
    extra = 100
    while size < target:
        more = card(extra)
        aside += more
        size += len(more.encode())
        extra += 1
    return head, nav, aside


_CHROME: tuple[str, str, str] | None = None


def article_page(base: str, pid: str, n: int, urgent: bool = False) -> bytes:
    global _CHROME
    if _CHROME is None:
        _CHROME = _chrome(PAGE_BYTES)
    head, nav, aside = _CHROME
    text = page(base, SimPartner(pid), article(pid, n, urgent=urgent)).decode()
    text = text.replace("</head>", head + "</head>", 1)
    text = text.replace("</nav>", nav + "</nav>", 1)
    text = text.replace("</main>", aside + "</main>", 1)
    return text.encode()


# --- server state ----------------------------------------------------------------------


@dataclass
class _Partner:
    head: int  # number of the newest article
    items: int
    etag: bool = True
    fault: str | None = None
    build: int = 0  # lastBuildDate offset: bumping it changes the bytes, not the items
    urgent: set[int] = field(default_factory=set)
    cached: tuple[tuple[int, int, int], bytes, str] | None = None
    # The items' XML, kept across "touch": only the envelope changes then (cheap).
    items_xml: tuple[tuple[int, int], str] | None = None


class _State:
    def __init__(self, partners: int, items: int, etag_every: int, empty: bool = False) -> None:
        self.lock = threading.Lock()
        self.base = ""
        self.partners = {
            pid_of(i): _Partner(
                head=-1 if empty else items - 1,
                items=items,
                etag=(etag_every > 0 and i % etag_every == 0),
            )
            for i in range(partners)
        }
        self.counts: dict[str, int] = {"feed": 0, "feed_304": 0, "page": 0, "fault": 0}
        self.bomb = gzip.compress(b"\0" * 64_000_000, 9)  # ~62 KB that inflate to 64 MB

    def feed_response(self, pid: str, if_none_match: str | None) -> tuple[bytes, str, bytes] | None:
        """(status line, extra headers, body) or None for "hang"."""
        p = self.partners.get(pid)
        if p is None:
            return b"404 Not Found", "", b"no such partner"
        if p.fault == "timeout":
            return None
        if p.fault == "500":
            return b"500 Internal Server Error", "", b"oops"
        if p.fault == "invalid":
            return (
                b"200 OK",
                "Content-Type: application/rss+xml\r\n",
                (
                    b'<?xml version="1.0"?><rss><channel><title>x</title><item><title>a & b'
                    b"</item></chan"
                ),
            )
        if p.fault == "gzipbomb":
            return (
                b"200 OK",
                "Content-Type: application/rss+xml\r\nContent-Encoding: gzip\r\n",
                self.bomb,
            )
        with self.lock:
            key = (p.head, p.build, len(p.urgent))
            if p.cached is None or p.cached[0] != key:
                if p.items_xml is None or p.items_xml[0] != key[:1] + key[2:]:
                    numbers = range(p.head, max(p.head - p.items, -1), -1)
                    p.items_xml = (
                        (p.head, len(p.urgent)),
                        feed_items(self.base, pid, numbers, p.urgent),
                    )
                body = feed(self.base, pid, p.items_xml[1], p.build)
                tag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
                p.cached = (key, body, tag)
            _, body, tag = p.cached
            self.counts["feed"] += 1
        headers = "Content-Type: application/rss+xml; charset=utf-8\r\n"
        if p.etag:
            headers += f"ETag: {tag}\r\n"
            if if_none_match == tag:
                with self.lock:
                    self.counts["feed_304"] += 1
                return b"304 Not Modified", headers, b""
        return b"200 OK", headers, body

    def page_response(self, pid: str, n: int) -> tuple[bytes, str, bytes]:
        p = self.partners.get(pid)
        if p is None or n > p.head or n < 0:
            return b"404 Not Found", "", b"no such article"
        with self.lock:
            self.counts["page"] += 1
            urgent = n in p.urgent
        body = article_page(self.base, pid, n, urgent)
        return b"200 OK", "Content-Type: text/html; charset=utf-8\r\n", body

    def control(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command.get("op")
        pids = command.get("pids")
        targets = list(self.partners) if pids is None else [p for p in pids if p in self.partners]
        with self.lock:
            if op == "touch":
                for pid in targets:
                    self.partners[pid].build += 1
            elif op == "add":
                count = int(command.get("n", 1))
                for pid in targets:
                    p = self.partners[pid]
                    p.head += count
                    if command.get("urgent"):
                        p.urgent.update(range(p.head - count + 1, p.head + 1))
            elif op == "configure":
                for pid in targets:
                    p = self.partners[pid]
                    if "etag" in command:
                        p.etag = bool(command["etag"])
                    if "fault" in command:
                        p.fault = command["fault"]
                    if "items" in command:
                        p.items = int(command["items"])
            elif op == "reset_counts":
                self.counts = dict.fromkeys(self.counts, 0)
            elif op != "stats":
                return {"error": f"unknown op {op!r}"}
            heads = (
                {pid: p.head for pid, p in self.partners.items()} if command.get("heads") else {}
            )
            return {"counts": dict(self.counts), "heads": heads}


def pid_of(i: int) -> str:
    return f"p{i:04d}"


# --- the HTTP server -------------------------------------------------------------------


def _serve_connection(conn: socket.socket, state: _State) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            head, _, buf = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = [*lines[0].split(" "), "", ""][:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0") or 0)
            while len(buf) < length:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
            payload, buf = buf[:length], buf[length:]
            answer = _route(state, method, target, headers, payload)
            if answer is None:  # a hanging partner: hold the connection, then drop it
                time.sleep(HANG_SECONDS)
                return
            status, extra, body = answer
            close = headers.get("connection", "").lower() == "close"
            head_out = (
                b"HTTP/1.1 "
                + status
                + b"\r\n"
                + extra.encode("latin-1")
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n"
                + (b"Connection: close\r\n" if close else b"")
                + b"\r\n"
            )
            conn.sendall(
                head_out + body if method != "HEAD" and not status.startswith(b"304") else head_out
            )
            if close:
                return
    except OSError:
        return
    finally:
        conn.close()


def _route(
    state: _State, method: str, target: str, headers: dict[str, str], payload: bytes
) -> tuple[bytes, str, bytes] | None:
    path = target.split("?", 1)[0]
    if path == "/_ctl" and method == "POST":
        reply = state.control(json.loads(payload or b"{}"))
        return b"200 OK", "Content-Type: application/json\r\n", json.dumps(reply).encode()
    parts = path.split("/")
    # /p/<pid>/feed.xml   /p/<pid>/news/<n>.html
    if len(parts) == 4 and parts[1] == "p" and parts[3] == "feed.xml":
        return state.feed_response(parts[2], headers.get("if-none-match"))
    if len(parts) == 5 and parts[1] == "p" and parts[3] == "news" and parts[4].endswith(".html"):
        try:
            n = int(parts[4][:-5])
        except ValueError:
            n = -1
        return state.page_response(parts[2], n)
    return b"404 Not Found", "Content-Type: text/plain\r\n", b"not found"


def _exit_with_parent() -> None:
    sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    os._exit(0)


def serve(port: int, partners: int, items: int, etag_every: int, empty: bool = False) -> None:
    state = _State(partners, items, etag_every, empty)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port))
    listener.listen(1024)
    state.base = f"http://{HOST}:{listener.getsockname()[1]}"
    print(listener.getsockname()[1], flush=True)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_serve_connection, args=(conn, state), daemon=True).start()


# --- the client side: start, control, stop ---------------------------------------------


class Simulator:
    """Handle on a simulator process. `etag_every=2`: every other partner sends ETags."""

    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.base = f"http://{HOST}:{port}"

    @classmethod
    def start(
        cls, partners: int, items: int = 50, *, etag_every: int = 1, empty: bool = False
    ) -> Simulator:
        """`empty`: feeds start with no items (`add` brings them); `items` is the window."""
        command = [
            sys.executable,
            "-m",
            "tests.support.simulator",
            "--serve",
            "--partners",
            str(partners),
            "--items",
            str(items),
            "--etag-every",
            str(etag_every),
        ]
        # stdin: the child exits when this pipe closes, so a crashed benchmark leaves no
        # server behind; stderr is not inherited, so the child never holds our pipes open.
        proc = subprocess.Popen(
            command + (["--empty"] if empty else []),
            cwd=ROOT,  # where the tests package is importable
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.strip().isdigit():
            proc.kill()
            raise RuntimeError("the partner simulator did not start")
        return cls(proc, int(line))

    def pids(self, n: int) -> list[str]:
        return [pid_of(i) for i in range(n)]

    def feed_url(self, pid: str) -> str:
        return f"{self.base}/p/{pid}/feed.xml"

    def page_url(self, pid: str, n: int) -> str:
        return f"{self.base}/p/{pid}/news/{n}.html"

    def _ctl(self, **command: Any) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base + "/_ctl", data=json.dumps(command).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            reply: dict[str, Any] = json.loads(response.read())
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def touch(self, pids: list[str] | None = None) -> None:
        self._ctl(op="touch", pids=pids)

    def add(self, pids: list[str] | None = None, n: int = 1, *, urgent: bool = False) -> None:
        self._ctl(op="add", pids=pids, n=n, urgent=urgent)

    def configure(self, pids: list[str] | None = None, **settings: Any) -> None:
        self._ctl(op="configure", pids=pids, **settings)

    def stats(self) -> dict[str, int]:
        counts: dict[str, int] = self._ctl(op="stats")["counts"]
        return counts

    def heads(self) -> dict[str, int]:
        heads: dict[str, int] = self._ctl(op="stats", heads=True)["heads"]
        return heads

    def reset_counts(self) -> None:
        self._ctl(op="reset_counts")

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.simulator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--serve", action="store_true", help="run the server (prints its port)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--partners", type=int, default=100)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--etag-every", type=int, default=1, help="0: no partner sends ETags")
    parser.add_argument("--empty", action="store_true", help="feeds start without items")
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.port, args.partners, args.items, args.etag_every, args.empty)
        return 0
    with Simulator.start(args.partners, args.items, etag_every=args.etag_every) as sim:
        body = urllib.request.urlopen(sim.feed_url(pid_of(0))).read()
        page_body = urllib.request.urlopen(sim.page_url(pid_of(0), 1)).read()
        print(
            f"simulator on {sim.base}: feed {len(body):,} bytes "
            f"({len(body) / args.items:,.0f} per item), page {len(page_body):,} bytes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
