"""urls: the canonical form of an article URL, which article identity is derived from.

Two spellings of one article must give one canonical URL (else the story is stored twice);
two articles must never share one (else one overwrites the other).
"""

from __future__ import annotations

import pytest

from syndication.urls import canonical_url, is_web_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # scheme and host are case-insensitive; the path is not
        ("HTTPS://News.Example.COM/Ar/Story", "https://news.example.com/Ar/Story"),
        ("  https://news.example/ar/1\n", "https://news.example/ar/1"),
        ("https://news.example:443/ar/1", "https://news.example/ar/1"),
        ("http://news.example:80/ar/1", "http://news.example/ar/1"),
        ("https://news.example", "https://news.example/"),
        ("https://news.example/ar/1#comments", "https://news.example/ar/1"),
    ],
)
def test_spellings_of_one_address_agree(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=rss&utm_medium=feed",
        "UTM_Campaign=x",
        "fbclid=abc",
        "gclid=1&msclkid=2",
        "mtm_kw=a&pk_campaign=b&at_medium=c",
        "_ga=1.2.3&_gl=x&ocid=y&smid=z",
    ],
)
def test_tracking_parameters_are_removed(query: str) -> None:
    assert canonical_url(f"https://news.example/ar/1?{query}") == "https://news.example/ar/1"


def test_identifying_parameters_stay_in_their_order() -> None:
    url = "https://news.example/news.aspx?utm_source=rss&id=15&cat=2&fbclid=x&page=1"
    assert canonical_url(url) == "https://news.example/news.aspx?id=15&cat=2&page=1"
    # A parameter that merely starts like a tracking name is kept.
    assert canonical_url("https://news.example/?reference=7") == "https://news.example/?reference=7"


def test_different_articles_stay_different() -> None:
    urls = [
        "https://news.example/ar/1",
        "https://news.example/ar/2",
        "https://news.example/AR/1",
        "https://news.example/ar/1?id=2",
        "https://news.example:8443/ar/1",
        "http://other.example/ar/1",
    ]
    assert len({canonical_url(u) for u in urls}) == len(urls)


def test_arabic_paths_and_encoded_queries_are_kept_as_written() -> None:
    assert canonical_url("https://news.example/ar/خبر-عاجل?utm_source=x") == (
        "https://news.example/ar/خبر-عاجل"
    )
    assert canonical_url("https://news.example/search?q=%D8%A7") == (
        "https://news.example/search?q=%D8%A7"
    )


def test_unparseable_url_is_returned_stripped() -> None:
    assert canonical_url(" http://[::1 ") == "http://[::1"


def test_a_non_numeric_port_does_not_raise() -> None:
    # A partner's typo must not take the whole poll down: the URL is kept as it is.
    assert canonical_url("https://news.example:abc/ar/1") == "https://news.example:abc/ar/1"


def test_an_ipv6_host_keeps_its_brackets() -> None:
    assert canonical_url("http://[2001:db8::1]:8080/x") == "http://[2001:db8::1]:8080/x"
    assert canonical_url("http://[2001:DB8::1]:80/x#f") == "http://[2001:db8::1]/x"


@pytest.mark.parametrize(
    ("url", "web"),
    [
        ("https://news.example/1", True),
        ("http://news.example/1", True),
        ("HTTP://news.example/1", True),
        ("ftp://news.example/1", False),
        ("javascript:alert(1)", False),
        ("/ar/1", False),
        ("//news.example/1", False),
        ("", False),
        (None, False),
    ],
)
def test_is_web_url(url: str | None, web: bool) -> None:
    assert is_web_url(url) is web
