"""serve.auth: private feeds need a valid token, come only from the private directory, and no
token is ever logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from syndication.serve import FeedServer
from tests.support.factories import RSS, STALE_PRIVATE, raw

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
