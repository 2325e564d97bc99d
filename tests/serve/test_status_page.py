"""`/status` over a real socket: token rules, the table, a partner's page, JSON, /metrics."""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from syndication.config import ServeSettings
from syndication.model import HealthNote
from syndication.serve import FeedServer, create_server
from syndication.store import open_store
from tests.support.healthsim import PARTNER_TOKEN, STATUS_TOKEN, Newsroom, build
from tests.support.httpsite import Site


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Newsroom]:
    with Site() as site:
        yield build(site, tmp_path_factory.mktemp("newsroom"))


@pytest.fixture
def server(newsroom: Newsroom) -> Iterator[FeedServer]:
    with create_server(newsroom.config, "127.0.0.1", 0) as srv:
        srv.start()
        yield srv


def get(
    server: FeedServer, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    host, port = server.url.split("//", 1)[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


BEARER = {"Authorization": f"Bearer {STATUS_TOKEN}"}


def test_refused_without_a_token(server: FeedServer) -> None:
    for path in ("/status", "/status/nour", "/status.json"):
        status, headers, body = get(server, path)
        assert status == 401, path
        assert headers["www-authenticate"] == 'Bearer realm="status"'
        assert b"needs a token" in body and b"nour" not in body
    assert get(server, "/status", {"Authorization": "Bearer wrong-token-0123456789"})[0] == 401


def test_off_when_no_token_is_configured(newsroom: Newsroom) -> None:
    config = dataclasses.replace(newsroom.config, serve=ServeSettings())
    with create_server(config, "127.0.0.1", 0) as srv:
        srv.start()
        status, _, body = get(srv, "/status", BEARER)
    assert status == 403 and b"[serve] status_token" in body


def test_the_table_flags_the_quiet_the_failing_and_the_badly_scraped(server: FeedServer) -> None:
    status, headers, raw = get(server, "/status", BEARER)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert "script-src" not in headers["content-security-policy"]  # default-src 'none'
    page = raw.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "<script" not in page
    assert "<title>(3) حالة الشركاء — غرفة الأخبار</title>" in page
    rows = dict(re.findall(r'data-partner="([a-z]+)" data-status="([a-z_]+)"', page))
    assert rows == {"nour": "failing", "sahel": "quiet", "raqim": "poor_pages", "wafa": "ok"}
    # Problems first, in the order failing, quiet, poor pages; then the healthy.
    assert list(rows) == ["nour", "sahel", "raqim", "wafa"]
    assert "6 محاولات فاشلة متتالية (الحد 5)" in page
    assert "يجيب بلا أخبار جديدة منذ 7 س" in page and "(الحد 6 س)" in page
    assert "100% من آخر 6 خبرًا بنص قصير أو فارغ" in page
    assert "<code>FetchError (HTTP 500)</code>" in page
    assert page.count('<svg class="spark"') == 4
    assert '<a href="/status/sahel"><bdi>صحيفة الساحل</bdi></a>' in page


def test_a_partner_token_opens_it_too(server: FeedServer) -> None:
    status, _, _ = get(server, "/status", {"Authorization": f"Bearer {PARTNER_TOKEN}"})
    assert status == 200


def test_a_token_in_the_address_becomes_a_cookie(server: FeedServer) -> None:
    status, headers, _ = get(server, f"/status/sahel?token={STATUS_TOKEN}")
    assert status == 303
    assert headers["location"] == "/status/sahel"  # the token leaves the address bar
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/status" in cookie
    pair = cookie.split(";", 1)[0]
    status, _, body = get(server, "/status/sahel", {"Cookie": pair})
    assert status == 200 and "صحيفة الساحل".encode() in body
    assert get(server, "/status", {"Cookie": "syndication_status=forged-0123456789abc"})[0] == 401


def test_a_partner_page_lists_its_articles_and_failures(server: FeedServer) -> None:
    status, _, raw = get(server, "/status/raqim", BEARER)
    assert status == 200
    page = raw.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert page.count('data-kind="article"') == 6 and page.count('data-kind="page_failed"') == 6
    assert "<code>ScrapeError</code>" in page and "no article body found" in page
    status, _, raw = get(server, "/status/nour", BEARER)
    assert raw.decode().count('data-kind="poll_failed"') == 6
    assert get(server, "/status/nobody", BEARER)[0] == 404


def test_json_has_the_figures_partners_status_prints(server: FeedServer) -> None:
    status, _, raw = get(server, "/status.json", BEARER)
    assert status == 200
    doc = json.loads(raw)
    assert doc["flagged"] == ["sahel", "nour", "raqim"]
    wafa = next(p for p in doc["partners"] if p["partner_id"] == "wafa")
    assert wafa["items_24h"] == 2 and wafa["items_7d"] == 8 and len(wafa["hourly"]) == 168
    assert wafa["median_page_seconds"] > 0 and wafa["short_share"] == 0.0


def test_metrics_carry_the_flags(server: FeedServer) -> None:
    _, _, raw = get(server, "/metrics")
    text = raw.decode()
    assert 'syndication_partner_alert{alert="quiet",partner="sahel"} 1.0' in text
    assert 'syndication_partner_alert{alert="failing",partner="nour"} 1.0' in text
    assert 'syndication_partner_alert{alert="poor_pages",partner="raqim"} 1.0' in text
    assert 'syndication_partner_alert{alert="quiet",partner="wafa"} 0.0' in text
    assert 'syndication_partner_short_body_ratio{partner="raqim"} 1.0' in text
    assert 'syndication_partner_last_new_item_timestamp_seconds{partner="sahel"}' in text


def test_partner_text_is_escaped(site: Site, tmp_path: Path) -> None:
    newsroom = build(site, tmp_path)  # its own: this one gets hostile text
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    with open_store(newsroom.config.storage_url) as store:
        store.add_health(
            [
                HealthNote(
                    "wafa",
                    newsroom.now,
                    "page_failed",
                    url="javascript:alert(3)",
                    error_class="ScrapeError",
                    message=evil,
                ),
                HealthNote(
                    "wafa",
                    newsroom.now,
                    "article",
                    url="javascript:alert(4)",
                    title=evil,
                    body_chars=0,
                ),
            ]
        )
    with create_server(newsroom.config, "127.0.0.1", 0) as srv:
        srv.start()
        page = get(srv, "/status/wafa", BEARER)[2].decode()
        table = get(srv, "/status", BEARER)[2].decode()
    for html in (page, table):
        assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in page
