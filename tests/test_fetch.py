"""fetch.Fetcher against a real HTTP server on 127.0.0.1 (tests.httpsite)."""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
import itertools
import os
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from syndication.errors import FetchError
from syndication.fetch import AddressRefused, Fetcher, parse_retry_after, ping_hub, vet_host
from syndication.model import FetchSettings
from tests.support.httpsite import Request, Route, Site

FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    "<title>وكالة الشريك</title></channel></rss>"
).encode()

# The test server is on 127.0.0.1, so every test except the address-policy ones opts in.
LOCAL = FetchSettings(allow_private_networks=True, min_host_interval=0.0)


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(LOCAL) as f:
        yield f


def settings(**changes: Any) -> FetchSettings:
    return dataclasses.replace(LOCAL, **changes)


# --- plain responses ------------------------------------------------------------------


def test_200_returns_body_headers_and_validators(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/feed.xml", Route(FEED, etag=True, headers={"Last-Modified": "x"}))
    got = fetcher.get(url, partner_id="p1")
    assert got.status == 200
    assert got.body == FEED
    assert got.final_url == url
    assert got.etag and got.etag.startswith('"')
    assert got.last_modified == "x"
    assert got.header("Content-Type") == "application/rss+xml; charset=utf-8"
    assert not got.not_modified


def test_sends_user_agent_accept_and_encoding(site: Site) -> None:
    url = site.add("/feed.xml", Route(FEED))
    with Fetcher(settings(user_agent="NewsroomBot/2.0 (+https://newsroom.example/bot)")) as f:
        f.get(url)
    sent = site.hits("/feed.xml")[0].headers
    assert sent["user-agent"] == "NewsroomBot/2.0 (+https://newsroom.example/bot)"
    assert sent["accept-encoding"] == "gzip, deflate"
    assert "application/rss+xml" in sent["accept"]


def test_a_cookie_one_answer_sets_is_never_sent_back(site: Site, fetcher: Fetcher) -> None:
    """No cookie jar: a partner's Set-Cookie (a tracker, a consent flag) does not follow
    us into the next request, to it or to any other partner on a shared connection."""
    cookie = {"Set-Cookie": "visitor=abc123; Path=/"}
    first = site.add("/a/feed.xml", Route(FEED, headers=cookie))
    second = site.add("/b/feed.xml", Route(FEED))
    fetcher.get(first, partner_id="p1")
    fetcher.get(first, partner_id="p1")
    fetcher.get(second, partner_id="p2")
    sent = [*site.hits("/a/feed.xml"), *site.hits("/b/feed.xml")]
    assert len(sent) == 3
    assert all("cookie" not in hit.headers for hit in sent)


def test_gzip_body_is_decoded(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/feed.xml", Route(FEED, gzip=True))
    assert fetcher.get(url).body == FEED


# --- conditional GET ------------------------------------------------------------------


def test_304_with_if_none_match(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/feed.xml", Route(FEED, etag=True))
    first = fetcher.get(url)
    second = fetcher.get(url, etag=first.etag)
    assert second.not_modified and second.status == 304 and second.body == b""
    assert second.etag == first.etag
    assert site.hits("/feed.xml")[1].headers["if-none-match"] == first.etag


def test_304_with_if_modified_since(site: Site, fetcher: Fetcher) -> None:
    stamp = "Sun, 10 Mar 2024 08:00:00 GMT"

    def answer(req: Request) -> Route:
        if req.headers.get("if-modified-since") == stamp:
            return Route(status=304)
        return Route(FEED, headers={"Last-Modified": stamp})

    url = site.add("/feed.xml", Route(handler=answer))
    first = fetcher.get(url)
    assert first.last_modified == stamp and not first.not_modified
    second = fetcher.get(url, last_modified=first.last_modified)
    assert second.not_modified and second.last_modified == stamp


# --- time and size limits -------------------------------------------------------------


def test_server_that_never_answers_times_out(site: Site) -> None:
    url = site.add("/hang", Route(FEED, hang=30))
    with Fetcher(settings(read_timeout=0.3)) as f, pytest.raises(FetchError) as info:
        f.get(url, partner_id="slowpoke")
    assert "no response within 0.3 s" in str(info.value)
    assert "partner slowpoke" in str(info.value) and url in str(info.value)


def test_slow_drip_is_cut_at_the_deadline(site: Site) -> None:
    url = site.add("/drip", Route(b"x" * 100, drip=0.2))
    with Fetcher(settings(deadline=1.0, read_timeout=5.0)) as f, pytest.raises(FetchError) as info:
        f.get(url, partner_id="drip")
    assert "deadline" in str(info.value)


def test_body_over_the_cap_is_refused_from_content_length(site: Site) -> None:
    url = site.add("/big", Route(b"<rss>" + b" " * 5_000_000 + b"</rss>"))
    with Fetcher(settings(max_bytes=1_000_000)) as f, pytest.raises(FetchError) as info:
        f.get(url, partner_id="big")
    assert "Content-Length" in str(info.value) and "1,000,000" in str(info.value)


def test_lying_content_length_cannot_pass_more_than_declared(site: Site) -> None:
    # A smaller Content-Length than the body: we read what was declared, no more.
    url = site.add("/liar", Route(b"a" * 5000, headers={"Content-Length": "10"}))
    with Fetcher(settings(max_bytes=1000)) as f:
        assert f.get(url).body == b"a" * 10


def test_gzip_bomb_is_stopped_at_the_cap(site: Site) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    url = site.add(
        "/bomb",
        Route(bomb, headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml"),
    )
    with Fetcher(settings(max_bytes=1_000_000)) as f, pytest.raises(FetchError) as info:
        f.get(url, partner_id="bomb")
    assert "after decompression" in str(info.value)


# --- redirects ------------------------------------------------------------------------


def moved(location: str, status: int = 301) -> Route:
    return Route(status=status, headers={"Location": location}, content_type="text/plain")


def test_redirect_loop_is_refused(site: Site, fetcher: Fetcher) -> None:
    site.add("/a", moved("/b", 302))
    url = site.add("/b", moved("/a", 302))
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert "redirect loop" in str(info.value)


def test_too_many_redirects(site: Site) -> None:
    for i in range(6):
        site.add(f"/r{i}", moved(f"/r{i + 1}", 302))
    site.add("/r6", Route(FEED))
    with Fetcher(settings(max_redirects=3)) as f, pytest.raises(FetchError) as info:
        f.get(site.url("/r0"))
    assert "too many redirects" in str(info.value)
    with Fetcher(settings(max_redirects=6)) as f:
        assert f.get(site.url("/r0")).body == FEED


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_reports_the_new_url(site: Site, fetcher: Fetcher, status: int) -> None:
    site.add("/old.xml", moved("/mid.xml", status))
    site.add("/mid.xml", moved("/new.xml", 301))
    site.add("/new.xml", Route(FEED))
    got = fetcher.get(site.url("/old.xml"))
    assert got.body == FEED
    assert got.final_url == site.url("/new.xml")
    assert got.permanent_redirect == site.url("/new.xml")
    page = fetcher.get(site.url("/old.xml"), kind="page")
    assert page.permanent_redirect is None  # only feeds move their stored URL


def test_temporary_hop_makes_the_redirect_not_permanent(site: Site, fetcher: Fetcher) -> None:
    site.add("/old.xml", moved("/mid.xml", 301))
    site.add("/mid.xml", moved("/new.xml", 302))
    site.add("/new.xml", Route(FEED))
    got = fetcher.get(site.url("/old.xml"))
    assert got.body == FEED and got.permanent_redirect is None


def test_redirect_to_another_scheme_is_refused(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/sneaky", moved("file:///etc/passwd", 302))
    with pytest.raises(FetchError, match="non-http"):
        fetcher.get(url)


# --- address policy -------------------------------------------------------------------


def test_loopback_refused_unless_allowed(site: Site) -> None:
    url = site.add("/feed.xml", Route(FEED))
    with Fetcher(FetchSettings()) as f, pytest.raises(FetchError) as info:
        f.get(url, partner_id="p")
    assert "loopback" in str(info.value)
    assert "allow_private_networks" in str(info.value)
    assert site.requests == []  # refused before connecting


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/feed",
        "http://[::ffff:10.0.0.1]/",
    ],
)
def test_redirect_to_private_address_refused(site: Site, target: str) -> None:
    url = site.add("/go", moved(target, 302))
    # 127.0.0.1 is trusted so the first hop is allowed; the redirect target is not.
    with Fetcher(FetchSettings(), trusted_hosts=["127.0.0.1"]) as f:
        with pytest.raises(FetchError) as info:
            f.get(url, partner_id="p")
    assert "refused to connect" in str(info.value)
    assert target in str(info.value)
    assert len(site.hits("/go")) == 1


def test_trusted_host_connects_through_the_vetting_adapter(site: Site) -> None:
    url = site.add("/feed.xml", Route(FEED))
    with Fetcher(FetchSettings(), trusted_hosts=["127.0.0.1"]) as f:
        assert f.get(url).body == FEED


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.1.1",
        "224.0.0.1",
        "0.0.0.0",
        "::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_vet_host_refuses_non_public_addresses(host: str) -> None:
    with pytest.raises(AddressRefused):
        vet_host(host, 80)


def test_vet_host_accepts_a_public_literal() -> None:
    assert vet_host("93.184.216.34", 80) == "93.184.216.34"


# --- statuses -------------------------------------------------------------------------


def test_410_gone(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/gone", Route(b"", status=410))
    with pytest.raises(FetchError) as info:
        fetcher.get(url, partner_id="p")
    assert info.value.gone and info.value.status == 410


def test_429_retry_after_seconds(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/slow", Route(b"", status=429, headers={"Retry-After": "120"}))
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert info.value.status == 429 and info.value.retry_after == 120.0


def test_429_retry_after_http_date(site: Site, fetcher: Fetcher) -> None:
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = site.add("/slow", Route(b"", status=429, headers={"Retry-After": when}))
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert info.value.retry_after is not None and 3500 < info.value.retry_after <= 3600


def test_503_without_retry_after(site: Site, fetcher: Fetcher) -> None:
    url = site.add("/down", Route(b"", status=503))
    with pytest.raises(FetchError) as info:
        fetcher.get(url)
    assert info.value.status == 503 and info.value.retry_after is None and not info.value.gone


def test_404_names_partner_and_url(site: Site, fetcher: Fetcher) -> None:
    url = site.url("/missing")
    with pytest.raises(FetchError) as info:
        fetcher.get(url, partner_id="p9")
    assert info.value.status == 404
    assert "partner p9" in str(info.value) and url in str(info.value)


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


# --- per-host politeness for pages ----------------------------------------------------


def test_pages_per_host_concurrency_is_limited(site: Site) -> None:
    cond = threading.Condition()
    state = {"active": 0, "max": 0}
    limit = 2

    def answer(req: Request) -> Route:
        with cond:
            state["active"] += 1
            state["max"] = max(state["max"], state["active"])
            cond.notify_all()
            # Hold the request until more than `limit` are inside (a violation) or 0.3 s pass.
            cond.wait_for(lambda: state["active"] > limit, timeout=0.3)
            state["active"] -= 1
        return Route(b"<html></html>", content_type="text/html")

    site.add("/page", Route(handler=answer))
    with Fetcher(settings(max_per_host=limit, min_host_interval=0.0)) as f:
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = list(
                pool.map(lambda i: f.get(site.url(f"/page?i={i}"), kind="page"), range(6))
            )
    assert len(results) == 6
    assert state["max"] <= limit
    assert state["max"] == limit  # the limit is reached, not serialised to 1


def test_pages_to_one_host_are_spaced(site: Site) -> None:
    arrivals: list[float] = []
    lock = threading.Lock()

    def answer(req: Request) -> Route:
        with lock:
            arrivals.append(time.monotonic())
        return Route(b"<html></html>", content_type="text/html")

    site.add("/page", Route(handler=answer))
    interval = 0.2
    with Fetcher(settings(max_per_host=4, min_host_interval=interval)) as f:
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda i: f.get(site.url(f"/page?i={i}"), kind="page"), range(4)))
    arrivals.sort()
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert len(gaps) == 3
    assert min(gaps) >= interval * 0.9  # our limiter's spacing, measured where requests land


def test_robots_txt_disallow_is_respected_and_fetched_once(site: Site) -> None:
    site.add(
        "/robots.txt",
        Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
    )
    site.add("/public/a", Route(b"<html>ok</html>", content_type="text/html"))
    site.add("/private/b", Route(FEED))
    with Fetcher(settings(respect_robots=True)) as f:
        assert f.get(site.url("/public/a"), kind="page").body == b"<html>ok</html>"
        with pytest.raises(FetchError, match=r"disallowed by robots\.txt"):
            f.get(site.url("/private/b"), kind="page", partner_id="p")
        f.get(site.url("/public/a"), kind="page")
        # feeds are not subject to robots.txt
        assert f.get(site.url("/private/b"), kind="feed").body == FEED
    assert len(site.hits("/robots.txt")) == 1
    assert len(site.hits("/private/b")) == 1  # only the feed request reached the server


def test_missing_robots_txt_allows_everything(site: Site) -> None:
    site.add("/private/b", Route(b"<html/>", content_type="text/html"))
    with Fetcher(settings(respect_robots=True)) as f:
        assert f.get(site.url("/private/b"), kind="page").status == 200


# --- file: URLs -----------------------------------------------------------------------


def test_file_url_inside_root_with_conditional_get(tmp_path: Path) -> None:
    root = tmp_path / "drop"
    root.mkdir()
    (root / "feed.xml").write_bytes(FEED)
    url = (root / "feed.xml").as_uri()
    with Fetcher(settings(allow_file_urls=True)) as f:
        got = f.get(url, file_root=str(root))
        assert got.status == 200 and got.body == FEED
        assert got.header("content-type") == "application/xml"
        again = f.get(url, file_root=str(root), etag=got.etag)
        assert again.not_modified and again.body == b""
        by_date = f.get(url, file_root=str(root), last_modified=got.last_modified)
        assert by_date.not_modified
        os.utime(root / "feed.xml", ns=(1, 1))
        changed = f.get(url, file_root=str(root), etag=got.etag)
        assert not changed.not_modified and changed.body == FEED


def test_file_url_outside_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "drop"
    root.mkdir()
    secret = tmp_path / "secret.xml"
    secret.write_bytes(FEED)
    (root / "link.xml").symlink_to(secret)
    with Fetcher(settings(allow_file_urls=True)) as f:
        for url in (
            secret.as_uri(),
            (root / "link.xml").as_uri(),
            (root / ".." / "secret.xml").as_uri(),
        ):
            with pytest.raises(FetchError, match="outside the allowed folder"):
                f.get(url, file_root=str(root))


def test_file_url_needs_the_setting(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_bytes(FEED)
    with (
        Fetcher(settings(allow_file_urls=False)) as f,
        pytest.raises(FetchError, match="file: URLs are not allowed"),
    ):
        f.get((tmp_path / "feed.xml").as_uri(), file_root=str(tmp_path))


# --- connections and hub pings --------------------------------------------------------


def test_threads_that_come_and_go_reuse_the_connections_others_kept_alive(site: Site) -> None:
    """Page threads live for one partner's poll; their requests must go out on the
    connections earlier threads kept alive, not each on a connection of its own that is
    then left open until the fetcher closes."""
    url = site.add("/feed.xml", Route(FEED))
    held = site.gate("/held.xml", Route(FEED))
    statuses: list[int] = []
    with Fetcher(LOCAL) as fetcher:

        def get(target: str) -> None:
            statuses.append(fetcher.get(target).status)

        # Two requests in flight at once need two connections…
        first = threading.Thread(target=get, args=(site.url("/held.xml"),))
        first.start()
        assert held.arrived.wait(10)
        get(url)
        held.release()
        first.join()
        # …after which eight threads, one after another, need no new one.
        for _ in range(8):
            thread = threading.Thread(target=get, args=(url,))
            thread.start()
            thread.join()
    assert statuses == [200] * 10
    clients = {r.client for r in site.requests}
    assert len(site.requests) == 10 and len(clients) == 2, clients


def test_connections_themselves_refuse_unvetted_addresses(site: Site) -> None:
    # The DNS-rebinding defence: even a request that skipped the pre-check (as a name that
    # changed its address between check and connect would) cannot open a socket to loopback.
    import requests

    from syndication.fetch import _VettedAdapter

    url = site.add("/x", Route(FEED))
    session = requests.Session()
    session.mount("http://", _VettedAdapter(frozenset()))
    with pytest.raises(requests.ConnectionError) as info:
        session.get(url, timeout=5)
    session.close()
    assert "loopback" in str(info.value)
    assert site.requests == []


def test_ping_hub_posts_publish_with_every_url() -> None:
    seen: list[bytes] = []

    class Hub(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            seen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204 if len(seen) == 1 else 500)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hub = f"http://127.0.0.1:{server.server_address[1]}/hub"
    try:
        ping_hub(
            hub, ["https://news.example/feeds/main.rss.xml", "https://news.example/u.xml"], LOCAL
        )
        with pytest.raises(FetchError, match="HTTP 500"):
            ping_hub(hub, ["https://news.example/feeds/main.rss.xml"], LOCAL)
        with pytest.raises(FetchError, match="loopback"):
            ping_hub(hub, ["https://news.example/x"], FetchSettings())
    finally:
        server.shutdown()
        server.server_close()
    form = urllib.parse.parse_qs(seen[0].decode())
    assert form["hub.mode"] == ["publish"]
    assert form["hub.url"] == [
        "https://news.example/feeds/main.rss.xml",
        "https://news.example/u.xml",
    ]
    assert len(seen) == 2


def _get_in_thread(
    fetcher: Fetcher, url: str, s: FetchSettings
) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(fetcher.get(url, settings=s, kind="page"))
        except FetchError as e:
            outcome.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("stage", ["headers", "body"])
@pytest.mark.parametrize("private", [True, False], ids=["private-allowed", "vetted"])
def test_abort_ends_a_request_in_flight_and_refuses_new_ones(
    site: Site, stage: str, private: bool
) -> None:
    """A stop must not wait for a slow partner: the request waiting for its headers, or in
    the middle of a body, ends at once although its timeouts are far away."""
    slow = settings(read_timeout=60.0, deadline=120.0, allow_private_networks=private)
    fetcher = Fetcher(slow, trusted_hosts=() if private else ("127.0.0.1",))
    try:
        if stage == "headers":  # the server holds its answer back
            gate = site.gate("/page.html", Route(b"<html></html>", content_type="text/html"))
            url, arrived = site.url("/page.html"), gate.arrived
        else:  # headers at once, then one byte every half second
            arrived = threading.Event()
            drip = Route(b"x" * 10_000, content_type="text/html", drip=0.5)

            def announce(request: Request) -> Route:
                arrived.set()
                return drip

            url = site.add("/page.html", Route(handler=announce))
        thread, outcome = _get_in_thread(fetcher, url, slow)
        assert arrived.wait(30)
        fetcher.abort()
        thread.join(timeout=10)  # the harness's bound, far below the read timeout
        assert not thread.is_alive()
        (error,) = outcome
        assert isinstance(error, FetchError) and "shutting down" in str(error)
        with pytest.raises(FetchError, match="shutting down"):
            fetcher.get(url, settings=slow, kind="page")
    finally:
        fetcher.close()


def test_abort_releases_pages_queued_behind_the_host_gate(site: Site) -> None:
    """max_per_host = 1: the second page waits for the first one's slot; a stop ends both."""
    one = settings(read_timeout=60.0, deadline=120.0, max_per_host=1)
    fetcher = Fetcher(one)
    gate = site.gate("/a.html", Route(b"<html></html>", content_type="text/html"))
    site.add("/b.html", Route(b"<html></html>", content_type="text/html"))
    try:
        first, first_outcome = _get_in_thread(fetcher, site.url("/a.html"), one)
        assert gate.arrived.wait(30)
        second, second_outcome = _get_in_thread(fetcher, site.url("/b.html"), one)
        fetcher.abort()
        for thread in (first, second):
            thread.join(timeout=10)
            assert not thread.is_alive()
        for outcome in (first_outcome, second_outcome):
            assert isinstance(outcome[0], FetchError) and "shutting down" in str(outcome[0])
        assert site.hits("/b.html") == []  # the queued page never went out
    finally:
        fetcher.close()
