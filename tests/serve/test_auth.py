"""serve.auth: private feeds need a valid token, come only from the private directory, and no
token is ever logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from syndication.serve import FeedServer
from syndication.serve.auth import Tokens, presented, redact_query
from tests.support.factories import RSS, STALE_PRIVATE, TOKENS, raw

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


# --- the token rules alone (serve.auth) ------------------------------------------------


def test_tokens_name_the_partner_from_the_header_or_the_query() -> None:
    tokens = Tokens(TOKENS)
    assert tokens.who({"HTTP_AUTHORIZATION": "Bearer tok-beta-9876543210"}) == "beta"
    assert tokens.who({"HTTP_AUTHORIZATION": "bearer  tok-alpha-0123456789 "}) == "alpha"
    assert tokens.who({"QUERY_STRING": "x=1&token=tok-alpha-0123456789"}) == "alpha"
    assert tokens.who({"QUERY_STRING": "token=tok-alpha"}) is None
    assert tokens.who({"HTTP_AUTHORIZATION": "Basic dG9rLWFscGhh"}) is None
    assert tokens.who({}) is None


def test_the_header_wins_over_the_query_string() -> None:
    environ = {
        "HTTP_AUTHORIZATION": "Bearer tok-beta-9876543210",
        "QUERY_STRING": "token=tok-alpha-0123456789",
    }
    assert Tokens(TOKENS).who(environ) == "beta"


def test_an_empty_token_never_opens_anything() -> None:
    tokens = Tokens((("alpha", ""),))
    assert not tokens
    assert tokens.who({"QUERY_STRING": "token="}) is None
    assert presented({"QUERY_STRING": "token=", "HTTP_AUTHORIZATION": "Bearer "}) is None


def test_redacted_query_keeps_everything_but_the_token() -> None:
    assert redact_query("a=1&token=secret&b=%D8%A7") == "a=1&token=REDACTED&b=%D8%A7"
    assert redact_query("a=1") == "a=1"
