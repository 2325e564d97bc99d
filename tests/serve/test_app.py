"""`syndication serve` against the real waitress server on 127.0.0.1:0, in a thread.

Raw requests go through http.client so the request line is sent exactly as written
(requests/urllib3 would normalise `..` and encodings before they reach the server).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import http.client
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from syndication.config import Config, PublishSettings, SchedulerSettings, ServeSettings
from syndication.model import FeedSpec, FetchSettings
from syndication.serve import FeedServer, create_server
from syndication.serve.files import FileCache
from syndication.store import open_store
from tests.support import ROOT

MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z: a fixed, known file time
TOKENS = (("alpha", "tok-alpha-0123456789"), ("beta", "tok-beta-9876543210"))
SECRET = b"TOP-SECRET-OUTSIDE-FEEDS"

RSS = (
    '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
    "<title>أخبار</title><language>ar</language>"
    + "".join(
        f"<item><title>خبر رقم {i}: عاجل من العاصمة</title><guid>id-{i}</guid></item>"
        for i in range(30)
    )
    + "</channel></rss>\n"
).encode()
ATOM = b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"/>'
STALE_PRIVATE = b"<rss><channel><title>an old private copy in feeds/</title></channel></rss>"
JSONFEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": []}).encode()
INDEX = "<!doctype html><html lang=ar dir=rtl><title>الخلاصات</title></html>".encode()
XSL = b'<?xml version="1.0"?><xsl:stylesheet version="1.0"/>'

FEEDS = (
    FeedSpec(key="main", title="الرئيسية", kind="main"),
    FeedSpec(key="urgent", title="عاجل", kind="urgent", max_age=60),
    FeedSpec(key="partner-x", title="شريك", kind="partner", value="x", private=True),
)


def make_config(tmp_path: Path, *, hub: str | None = None, **serve: Any) -> Config:
    return Config(
        path=str(tmp_path / "config.toml"),
        base_dir=str(tmp_path),
        storage_url=f"sqlite:///{tmp_path / 'store.db'}",
        fetch=FetchSettings(),
        publish=PublishSettings(
            out_dir="feeds", base_url="https://feeds.example.org/ar/", hub_url=hub
        ),
        scheduler=SchedulerSettings(),
        serve=ServeSettings(**{"tokens": TOKENS, **serve}),
        partners=(),
        feeds=FEEDS,
    )


def write(path: Path, data: bytes, mtime: int = MTIME) -> None:
    """Replace atomically, as the publisher does (new inode)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.utime(tmp, (mtime, mtime))
    os.replace(tmp, path)


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    d = tmp_path / "feeds"
    d.mkdir()
    for name, data in {
        "main.rss.xml": RSS,
        "main.atom.xml": ATOM,
        "main.json": JSONFEED,
        "urgent.rss.xml": RSS,
        # What a version that wrote private feeds here left: never served, token or not.
        "partner-x.rss.xml": STALE_PRIVATE,
        "cat-sport.rss.xml": RSS,  # an automatic feed not listed in [[feeds]]
        "index.html": INDEX,
        "feed.xsl": XSL,
        "notes.txt": b"not a feed",
    }.items():
        write(d / name, data)
    private = tmp_path / "feeds-private"  # [publish] private_dir's default
    private.mkdir(mode=0o700)
    write(private / "partner-x.rss.xml", RSS)
    write(private / "main.rss.xml", SECRET)  # a public feed is never read from here
    (tmp_path / "outside.rss.xml").write_bytes(SECRET)
    (tmp_path / "config.toml").write_bytes(SECRET)
    return d


def start(config: Config, **kw: Any) -> FeedServer:
    server = create_server(config, "127.0.0.1", 0, **kw)
    server.start()
    return server


@pytest.fixture
def server(tmp_path: Path, feeds: Path) -> Iterator[FeedServer]:
    with start(make_config(tmp_path, hub="https://hub.example.org/")) as s:
        yield s


def raw(
    server: FeedServer, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


# --- content types, validators, cache headers -------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/main.rss.xml", "application/rss+xml; charset=utf-8", RSS),
        ("/main.atom.xml", "application/atom+xml; charset=utf-8", ATOM),
        ("/main.json", "application/feed+json; charset=utf-8", JSONFEED),
        ("/", "text/html; charset=utf-8", INDEX),
        ("/index.html", "text/html; charset=utf-8", INDEX),
        ("/feed.xsl", "text/xsl; charset=utf-8", XSL),
    ],
)
def test_content_type_and_body(
    server: FeedServer, path: str, content_type: str, body: bytes
) -> None:
    status, headers, data = raw(server, path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert data == body
    assert headers["Content-Length"] == str(len(body))


def test_strong_etag_and_last_modified(server: FeedServer) -> None:
    _, headers, _ = raw(server, "/main.rss.xml")
    etag = headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert len(etag) > 18
    assert headers["Last-Modified"] == email.utils.formatdate(MTIME, usegmt=True)
    # Same bytes, same tag: the urgent feed holds identical content.
    assert raw(server, "/urgent.rss.xml")[1]["ETag"] == etag
    assert raw(server, "/main.atom.xml")[1]["ETag"] != etag


@pytest.mark.parametrize(
    ("path", "cache_control"),
    [
        ("/main.rss.xml", "public, max-age=300"),
        ("/main.json", "public, max-age=300"),
        ("/urgent.rss.xml", "public, max-age=60"),
        ("/cat-sport.rss.xml", "public, max-age=300"),
        ("/", "public, max-age=60"),
    ],
)
def test_cache_control_per_feed(server: FeedServer, path: str, cache_control: str) -> None:
    assert raw(server, path)[1]["Cache-Control"] == cache_control


def test_link_headers_when_hub_configured(server: FeedServer) -> None:
    _, headers, _ = raw(server, "/urgent.rss.xml")
    assert headers["Link"] == (
        '<https://hub.example.org/>; rel="hub", '
        '<https://feeds.example.org/ar/urgent.rss.xml>; rel="self"'
    )
    assert raw(server, "/")[1]["Link"] is None  # the index is not a feed


def test_no_link_header_without_hub(tmp_path: Path, feeds: Path) -> None:
    with start(make_config(tmp_path)) as s:
        status, headers, _ = raw(s, "/main.rss.xml")
    assert status == 200
    assert headers["Link"] is None


# --- conditional requests ----------------------------------------------------------------


def etag_of(server: FeedServer, path: str = "/main.rss.xml") -> str:
    return raw(server, path)[1]["ETag"]


@pytest.mark.parametrize(
    "header",
    [
        "{etag}",
        "W/{etag}",
        '"nope", {etag}',
        '"a",W/"b" ,  {etag}  ',
        "*",
    ],
)
def test_if_none_match_gives_304(server: FeedServer, header: str) -> None:
    etag = etag_of(server)
    status, headers, body = raw(
        server, "/main.rss.xml", headers={"If-None-Match": header.format(etag=etag)}
    )
    assert status == 304
    assert body == b""
    assert headers["ETag"] == etag
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Vary"] == "Accept-Encoding, Accept"


def test_if_none_match_mismatch_gives_200(server: FeedServer) -> None:
    status, _, body = raw(server, "/main.rss.xml", headers={"If-None-Match": '"other", W/"x"'})
    assert status == 200
    assert body == RSS


def test_if_none_match_wins_over_if_modified_since(server: FeedServer) -> None:
    fresh_date = email.utils.formatdate(MTIME + 3600, usegmt=True)
    assert raw(server, "/main.rss.xml", headers={"If-Modified-Since": fresh_date})[0] == 304
    status, _, body = raw(
        server,
        "/main.rss.xml",
        headers={"If-None-Match": '"stale"', "If-Modified-Since": fresh_date},
    )
    assert status == 200
    assert body == RSS


@pytest.mark.parametrize(
    ("since", "status"),
    [
        (email.utils.formatdate(MTIME, usegmt=True), 304),
        (email.utils.formatdate(MTIME + 60, usegmt=True), 304),
        ("Tue Nov 14 22:13:20 2023", 304),  # asctime form, GMT by definition
        (email.utils.formatdate(MTIME - 1, usegmt=True), 200),
        ("yesterday", 200),
    ],
)
def test_if_modified_since(server: FeedServer, since: str, status: int) -> None:
    got, _, body = raw(server, "/main.rss.xml", headers={"If-Modified-Since": since})
    assert got == status
    assert body == (b"" if status == 304 else RSS)


def test_head_has_headers_and_no_body(server: FeedServer) -> None:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("HEAD", "/main.rss.xml")
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read() == b""
        assert resp.getheader("Content-Length") == str(len(RSS))
        assert resp.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
        assert resp.getheader("ETag") == etag_of(server)
        # The keep-alive connection is still in sync: no stray body bytes were sent.
        conn.request("GET", "/main.atom.xml")
        follow = conn.getresponse()
        assert follow.status == 200
        assert follow.read() == ATOM
    finally:
        conn.close()


# --- gzip --------------------------------------------------------------------------------


def test_gzip_when_accepted(server: FeedServer) -> None:
    plain_etag = etag_of(server)
    status, headers, body = raw(server, "/main.rss.xml", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Vary"] == "Accept-Encoding, Accept"
    assert headers["ETag"] == plain_etag[:-1] + '-gz"'
    assert gzip.decompress(body) == RSS
    assert len(body) < len(RSS)
    assert headers["Content-Length"] == str(len(body))


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        ("*;q=0", False),
        ("br", False),
    ],
)
def test_accept_encoding_negotiation(server: FeedServer, accept: str, gzipped: bool) -> None:
    _, headers, body = raw(server, "/main.rss.xml", headers={"Accept-Encoding": accept})
    assert (headers["Content-Encoding"] == "gzip") is gzipped
    assert (gzip.decompress(body) if gzipped else body) == RSS


def test_if_none_match_accepts_either_coding_etag(server: FeedServer) -> None:
    plain = etag_of(server)
    gz = plain[:-1] + '-gz"'
    # A client that cached the gzip variant, asking without gzip (and vice versa).
    status, headers, _ = raw(server, "/main.rss.xml", headers={"If-None-Match": gz})
    assert (status, headers["ETag"]) == (304, plain)
    status, headers, _ = raw(
        server, "/main.rss.xml", headers={"If-None-Match": plain, "Accept-Encoding": "gzip"}
    )
    assert (status, headers["ETag"]) == (304, gz)


def test_head_with_gzip_reports_compressed_length(server: FeedServer) -> None:
    _, _, body = raw(server, "/main.rss.xml", headers={"Accept-Encoding": "gzip"})
    status, headers, head_body = raw(
        server, "/main.rss.xml", method="HEAD", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert head_body == b""
    assert headers["Content-Length"] == str(len(body))


def test_requests_client_decodes_gzip(server: FeedServer) -> None:
    resp = requests.get(server.url + "main.rss.xml", timeout=10)
    assert resp.headers["Content-Encoding"] == "gzip"
    assert resp.content == RSS


# --- the file cache ------------------------------------------------------------------------


def test_changed_file_is_served_at_once(server: FeedServer, feeds: Path) -> None:
    old_etag = etag_of(server)
    new = RSS.replace(b"id-0<", b"id-X<")  # same size, same mtime: only the inode differs
    write(feeds / "main.rss.xml", new)
    status, headers, body = raw(server, "/main.rss.xml", headers={"If-None-Match": old_etag})
    assert status == 200
    assert body == new
    assert headers["ETag"] != old_etag


def test_in_place_rewrite_with_new_mtime_is_seen(server: FeedServer, feeds: Path) -> None:
    raw(server, "/main.atom.xml")
    path = feeds / "main.atom.xml"
    path.write_bytes(ATOM.replace(b"feed", b"FEED"))  # same inode, same size
    os.utime(path, (MTIME + 5, MTIME + 5))
    _, headers, body = raw(server, "/main.atom.xml")
    assert body == ATOM.replace(b"feed", b"FEED")
    assert headers["Last-Modified"] == email.utils.formatdate(MTIME + 5, usegmt=True)


def test_deleted_file_is_404(server: FeedServer, feeds: Path) -> None:
    assert raw(server, "/main.json")[0] == 200
    (feeds / "main.json").unlink()
    assert raw(server, "/main.json")[0] == 404


def test_cache_hit_reuses_the_entry(feeds: Path) -> None:
    cache = FileCache(str(feeds))
    first = cache.lookup("main.rss.xml")
    second = cache.lookup("main.rss.xml")
    assert first is not None
    assert second is first  # no re-read, no re-hash
    write(feeds / "main.rss.xml", RSS + b" ")
    third = cache.lookup("main.rss.xml")
    assert third is not first and third is not None
    assert third.data == RSS + b" "


# --- path confinement --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../config.toml",
        "/../outside.rss.xml",
        "/%2e%2e/outside.rss.xml",
        "/%2E%2E%2Foutside.rss.xml",
        "/..%2foutside.rss.xml",
        "/%252e%252e%252foutside.rss.xml",
        "/..%5coutside.rss.xml",
        "/..\\outside.rss.xml",
        "/feeds/../outside.rss.xml",
        "//outside.rss.xml",
        "/" + "%2F" + "etc%2Fpasswd",
        "/etc/passwd",
        "/main.rss.xml%00.html",
        "/main.rss.xml/",
        "/.main.rss.xml",
        "/notes.txt",
        "/config.toml",
        "/rss.xml",
        "/.rss.xml",
        "/nope.rss.xml",
        "http://127.0.0.1/../outside.rss.xml",
    ],
)
def test_traversal_and_unknown_names_are_404(server: FeedServer, path: str) -> None:
    status, _, body = raw(server, path)
    assert status == 404
    assert SECRET not in body
    assert b"Traceback" not in body


def test_symlink_out_of_the_directory_is_404(server: FeedServer, feeds: Path) -> None:
    (feeds / "evil.rss.xml").symlink_to(feeds.parent / "outside.rss.xml")
    (feeds / "evil2.rss.xml").symlink_to("../outside.rss.xml")
    for path in ("/evil.rss.xml", "/evil2.rss.xml"):
        status, _, body = raw(server, path)
        assert status == 404
        assert SECRET not in body


def test_symlink_inside_the_directory_is_served(server: FeedServer, feeds: Path) -> None:
    (feeds / "alias.rss.xml").symlink_to("main.rss.xml")
    (feeds / "hidden.json").symlink_to("notes.txt")  # inside, but not a servable name
    assert raw(server, "/alias.rss.xml")[2] == RSS
    assert raw(server, "/hidden.json")[0] == 404


def test_directory_is_404(server: FeedServer, feeds: Path) -> None:
    (feeds / "sub.json").mkdir()
    (feeds / "sub.json" / "main.rss.xml").write_bytes(RSS)
    assert raw(server, "/sub.json")[0] == 404
    assert raw(server, "/sub.json/main.rss.xml")[0] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("path", ["/main.rss.xml", "/", "/healthz", "/metrics", "/nope"])
def test_other_methods_are_405(server: FeedServer, method: str, path: str) -> None:
    status, headers, _ = raw(server, path, method=method, headers={"Content-Length": "0"})
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


# --- private feeds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers_or_query",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dG9rLWFscGhh"}, "?token="],
)
def test_private_feed_without_valid_token_is_401(
    server: FeedServer, headers_or_query: dict[str, str] | str
) -> None:
    query = headers_or_query if isinstance(headers_or_query, str) else ""
    headers = headers_or_query if isinstance(headers_or_query, dict) else {}
    status, resp_headers, body = raw(server, "/partner-x.rss.xml" + query, headers=headers)
    assert status == 401
    assert resp_headers["WWW-Authenticate"].startswith("Bearer")
    assert RSS not in body


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/partner-x.rss.xml", {"Authorization": "Bearer tok-alpha-0123456789"}),
        ("/partner-x.rss.xml", {"Authorization": "bearer   tok-beta-9876543210"}),
        ("/partner-x.rss.xml?token=tok-beta-9876543210", {}),
        ("/partner-x.rss.xml?x=1&token=tok-alpha-0123456789", {}),
    ],
)
def test_private_feed_with_token(server: FeedServer, path: str, headers: dict[str, str]) -> None:
    status, resp_headers, body = raw(server, path, headers=headers)
    assert status == 200
    assert body == RSS
    assert resp_headers["Cache-Control"] == "private, max-age=300"


def test_private_feed_validators_need_the_token(server: FeedServer) -> None:
    auth = {"Authorization": "Bearer tok-alpha-0123456789"}
    etag = raw(server, "/partner-x.rss.xml", headers=auth)[1]["ETag"]
    status, headers, _ = raw(server, "/partner-x.rss.xml", headers={"If-None-Match": etag})
    assert status == 401
    assert headers["ETag"] is None
    assert raw(server, "/partner-x.rss.xml", headers={**auth, "If-None-Match": etag})[0] == 304


def test_public_feeds_need_no_token(server: FeedServer) -> None:
    assert raw(server, "/main.rss.xml")[0] == 200


def test_private_feed_comes_only_from_the_private_dir(server: FeedServer, feeds: Path) -> None:
    auth = {"Authorization": "Bearer tok-alpha-0123456789"}
    assert raw(server, "/partner-x.rss.xml", headers=auth)[2] == RSS  # not feeds/'s copy
    assert raw(server, "/main.rss.xml", headers=auth)[2] == RSS  # not the private dir's
    (feeds.parent / "feeds-private" / "partner-x.rss.xml").unlink()
    status, _, body = raw(server, "/partner-x.rss.xml", headers=auth)
    assert status == 404 and STALE_PRIVATE not in body
    assert raw(server, "/partner-x.rss.xml")[0] == 401  # without a token: not even a 404


def test_tokens_never_logged(server: FeedServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="syndication.serve.access")
    raw(server, "/partner-x.rss.xml?token=tok-beta-9876543210&x=1")
    raw(server, "/partner-x.rss.xml", headers={"Authorization": "Bearer tok-alpha-0123456789"})
    raw(server, "/partner-x.rss.xml?token=guess-not-a-token")
    text = caplog.text
    assert "/partner-x.rss.xml?token=REDACTED&x=1 200" in text
    assert "partner=beta" in text and "partner=alpha" in text
    assert "tok-beta" not in text and "tok-alpha" not in text and "guess-not" not in text


# --- healthz and metrics -----------------------------------------------------------------


def _health(tmp_path: Path, feeds: Path, **kw: Any) -> tuple[int, dict[str, Any]]:
    with start(make_config(tmp_path, stale_after=3600), **kw) as s:
        resp = requests.get(s.url + "healthz", timeout=10)
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-store"
    return resp.status_code, resp.json()


def test_healthz_ok_when_recently_published(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    published = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30)
    with open_store(sqlite_url) as store:
        store.set_meta("last_publish_at", published.isoformat())
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(sqlite_url))
    assert status == 200
    assert body["store"] == "ok"
    assert body["last_publish"] == published.isoformat()
    assert 29 <= body["age_seconds"] < 3600


def test_healthz_503_when_stale(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    published = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    with open_store(sqlite_url) as store:
        store.set_meta("last_publish_at", published.isoformat())
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(sqlite_url))
    assert status == 503
    assert body["store"] == "ok"
    assert body["age_seconds"] > 7000


def test_healthz_503_when_never_published(tmp_path: Path, feeds: Path, sqlite_url: str) -> None:
    open_store(sqlite_url).close()
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(sqlite_url))
    assert status == 503
    assert body["store"] == "ok"
    assert body["last_publish"] is None


def test_healthz_503_when_store_unreachable(tmp_path: Path, feeds: Path) -> None:
    # Nothing listens on port 1: a real connection refusal, wrapped as StorageError.
    url = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/test"
    status, body = _health(tmp_path, feeds, store_factory=lambda: open_store(url))
    assert status == 503
    assert body["store"].startswith("error: ")
    assert "hunter2" not in json.dumps(body)


def test_healthz_default_store_from_config(tmp_path: Path, feeds: Path) -> None:
    config = make_config(tmp_path)
    with open_store(config.storage_url) as store:
        store.set_meta("last_publish_at", dt.datetime.now(dt.UTC).isoformat())
    with start(config) as s:
        assert requests.get(s.url + "healthz", timeout=10).status_code == 200


def test_metrics_endpoint(server: FeedServer) -> None:
    # The pipeline's series are tested in test_metrics.py; here, serve's own counter.
    raw(server, "/nope.rss.xml")
    resp = requests.get(server.url + "metrics", timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = resp.text
    assert "# TYPE syndication_http_requests_total counter" in text
    assert 'syndication_http_requests_total{code="404"} 1.0' in text


# --- failures ----------------------------------------------------------------------------


def test_missing_feeds_dir_is_503(tmp_path: Path) -> None:
    with start(make_config(tmp_path)) as s:
        status, headers, body = raw(s, "/main.rss.xml")
        assert status == 503
        assert b"feeds directory is missing or unreadable" in body
        assert headers["Retry-After"] == "30"
        assert raw(s, "/")[0] == 503


def test_feeds_path_not_a_directory_is_503(tmp_path: Path) -> None:
    (tmp_path / "feeds").write_bytes(SECRET)
    with start(make_config(tmp_path)) as s:
        status, _, body = raw(s, "/main.rss.xml")
    assert status == 503
    assert SECRET not in body
    assert str(tmp_path).encode() not in body  # no server paths to clients


def test_close_releases_the_port(tmp_path: Path, feeds: Path) -> None:
    s = start(make_config(tmp_path))
    assert raw(s, "/")[0] == 200
    s.close()
    with pytest.raises(OSError):
        raw(s, "/")


def test_serve_exits_cleanly_on_sigterm(tmp_path: Path, feeds: Path) -> None:
    config = make_config(tmp_path)
    code = (
        "import logging, sys\n"
        "from syndication.config import *\n"
        "from syndication.model import *\n"
        "from syndication.serve import serve\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='%(message)s')\n"
        f"serve({config!r}, '127.0.0.1', 0)\n"
        "print('clean exit', flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        url = ""
        for line in proc.stderr:  # blocks until the server logs where it listens
            if line.startswith("serving "):
                url = line.rsplit(" on ", 1)[1].strip()
                break
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "main.json", timeout=10).content == JSONFEED
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert "clean exit" in out


def test_replace_config_keeps_working(tmp_path: Path, feeds: Path) -> None:
    # Feeds marked private later are closed at once after a restart with the new config.
    config = make_config(tmp_path)
    private_main = replace(config, feeds=(replace(FEEDS[0], private=True), *FEEDS[1:]))
    with start(private_main) as s:
        assert raw(s, "/main.rss.xml")[0] == 401
        assert raw(s, "/main.atom.xml")[0] == 401
        assert raw(s, "/urgent.rss.xml")[0] == 200


# --- connection handling (our waitress extensions, engine.py) -----------------------------


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
    with start(make_config(tmp_path)) as s:
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
    with start(make_config(tmp_path)) as s:
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

    with start(make_config(tmp_path), store_factory=factory) as s:
        raw(s, "/main.rss.xml")
        raw(s, "/healthz")
        loop_thread = f"serve:{s.port}"
    assert threads and loop_thread not in threads


def test_port_in_use_is_a_config_error(tmp_path: Path, feeds: Path) -> None:
    from syndication.errors import ConfigError

    config = make_config(tmp_path)
    with start(config) as s, pytest.raises(ConfigError) as info:
        create_server(config, "127.0.0.1", s.port)
    message = str(info.value)
    assert f"cannot listen on 127.0.0.1:{s.port}" in message
    assert "serve.port" in message and "config.toml" in message


def test_browsers_get_xml_so_the_stylesheet_renders(server: FeedServer) -> None:
    url = server.url + "/main.rss.xml"
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    browser = requests.get(url, headers={"Accept": browser_accept}, timeout=5)
    reader = requests.get(url, headers={"Accept": "application/rss+xml, */*"}, timeout=5)
    assert browser.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert reader.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert "Accept" in reader.headers["Vary"]
    assert browser.content == reader.content
