"""`syndication serve` against the real waitress server on 127.0.0.1:0, in a thread.

Raw requests go through http.client so the request line is sent exactly as written
(requests/urllib3 would normalise `..` and encodings before they reach the server).
"""

from __future__ import annotations

import email.utils
import gzip
import http.client
from pathlib import Path

import pytest
import requests

from syndication.serve import FeedServer
from tests.support.factories import (
    ATOM,
    INDEX,
    JSONFEED,
    MTIME,
    RSS,
    SECRET,
    XSL,
    etag_of,
    make_serve_config,
    raw,
    start,
)

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
    with start(make_serve_config(tmp_path)) as s:
        status, headers, _ = raw(s, "/main.rss.xml")
    assert status == 200
    assert headers["Link"] is None


# --- conditional requests ----------------------------------------------------------------


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


# --- failures ----------------------------------------------------------------------------


def test_missing_feeds_dir_is_503(tmp_path: Path) -> None:
    with start(make_serve_config(tmp_path)) as s:
        status, headers, body = raw(s, "/main.rss.xml")
        assert status == 503
        assert b"feeds directory is missing or unreadable" in body
        assert headers["Retry-After"] == "30"
        assert raw(s, "/")[0] == 503


def test_feeds_path_not_a_directory_is_503(tmp_path: Path) -> None:
    (tmp_path / "feeds").write_bytes(SECRET)
    with start(make_serve_config(tmp_path)) as s:
        status, _, body = raw(s, "/main.rss.xml")
    assert status == 503
    assert SECRET not in body
    assert str(tmp_path).encode() not in body  # no server paths to clients


# --- browsers ----------------------------------------------------------------------------


def test_browsers_get_xml_so_the_stylesheet_renders(server: FeedServer) -> None:
    url = server.url + "/main.rss.xml"
    browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    browser = requests.get(url, headers={"Accept": browser_accept}, timeout=5)
    reader = requests.get(url, headers={"Accept": "application/rss+xml, */*"}, timeout=5)
    assert browser.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert reader.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert "Accept" in reader.headers["Vary"]
    assert browser.content == reader.content
