"""serve.conditional: If-None-Match, If-Modified-Since and Accept-Encoding, header by header.

test_app.py checks the same rules through the real server; these pin each rule alone.
"""

from __future__ import annotations

import email.utils

import pytest

from syndication.serve.conditional import accepts_gzip, none_match, not_modified_since

ETAGS = ('"abc"', '"abc-gz"')
MTIME = 1_700_000_000  # 2023-11-14T22:13:20Z


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ('"abc"', True),
        ('W/"abc"', True),  # weak comparison
        ('w/"abc-gz"', True),
        ('"old", "abc"', True),  # a list
        (' "old" ,W/"abc-gz" ', True),
        ("*", True),
        (" * ", True),
        ('"ab"', False),
        ('"abc-gz-2"', False),
        ("abc", False),  # not quoted: not our tag
        ("", False),
        (",", False),
    ],
)
def test_if_none_match(header: str, match: bool) -> None:
    assert none_match(header, ETAGS) is match


@pytest.mark.parametrize(
    ("header", "not_modified"),
    [
        (email.utils.formatdate(MTIME, usegmt=True), True),  # the same second
        (email.utils.formatdate(MTIME + 3600, usegmt=True), True),
        (email.utils.formatdate(MTIME - 1, usegmt=True), False),
        ("Tue, 14 Nov 2023 22:13:20 -0000", True),  # RFC 2822 "unknown zone" is GMT
        ("Tue Nov 14 22:13:20 2023", True),  # asctime, no zone: GMT
        ("Tue, 14 Nov 2023 23:13:19 +0100", False),  # an offset is honoured
        ("yesterday", False),
        ("", False),
    ],
)
def test_if_modified_since(header: str, not_modified: bool) -> None:
    assert not_modified_since(header, MTIME) is not_modified


@pytest.mark.parametrize(
    ("header", "gzip"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, *", False),  # gzip named explicitly decides, * does not override
        ("*", True),
        ("*;q=0", False),
        ("br, deflate", False),
        ("gzip;q=abc", False),  # an unreadable q refuses rather than guesses
        ("identity", False),
        ("", False),
        (None, False),
    ],
)
def test_accept_encoding(header: str | None, gzip: bool) -> None:
    assert accepts_gzip(header) is gzip
