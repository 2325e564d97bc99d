"""errors: what an operator reads. str() is "context: message: CauseType: cause (hint)"."""

from __future__ import annotations

import pytest

from syndication.errors import (
    ConfigError,
    FeedParseError,
    FetchError,
    LockError,
    PartnerError,
    PublishError,
    ScrapeError,
    StorageError,
    SyndicationError,
)


def test_config_error_names_the_file_and_the_key() -> None:
    error = ConfigError("must be positive", path="/etc/syndication.toml", key="fetch.max_bytes")
    assert str(error) == "/etc/syndication.toml: fetch.max_bytes: must be positive"
    assert str(ConfigError("file not found", path="config.toml")) == "config.toml: file not found"


def test_partner_error_names_the_partner_and_the_url_when_known() -> None:
    assert str(PartnerError("boom", partner_id="ahram", url="https://a.example/rss")) == (
        "partner ahram: https://a.example/rss: boom"
    )
    assert str(FeedParseError("not a feed", url="https://a.example/rss")) == (
        "https://a.example/rss: not a feed"
    )
    assert str(ScrapeError("no article", partner_id="ahram")) == "partner ahram: no article"


def test_the_cause_and_the_hint_are_part_of_the_message() -> None:
    try:
        try:
            raise TimeoutError("read timed out")
        except TimeoutError as cause:
            raise FetchError(
                "no answer", partner_id="ahram", hint="the partner is slow; it is retried"
            ) from cause
    except FetchError as error:
        assert error.detail == "no answer: TimeoutError: read timed out"
        assert str(error) == (
            "partner ahram: no answer: TimeoutError: read timed out "
            "(the partner is slow; it is retried)"
        )


def test_fetch_error_carries_what_the_scheduler_needs() -> None:
    error = FetchError("gone", url="https://a.example/rss", status=410, retry_after=None, gone=True)
    assert (error.status, error.retry_after, error.gone) == (410, None, True)
    assert FetchError("busy", status=503, retry_after=120.0).retry_after == 120.0


def test_publish_error_names_the_feed_and_the_path() -> None:
    assert str(PublishError("cannot write", feed_key="main", path="/srv/feeds/main.rss.xml")) == (
        "feed main: /srv/feeds/main.rss.xml: cannot write"
    )
    assert str(PublishError("render failed", feed_key="urgent")) == "feed urgent: render failed"


@pytest.mark.parametrize(
    ("error", "family"),
    [
        (ConfigError("x", path="p"), SyndicationError),
        (FetchError("x"), PartnerError),
        (FeedParseError("x"), PartnerError),
        (ScrapeError("x"), PartnerError),
        (StorageError("x"), SyndicationError),
        (PublishError("x", feed_key="k"), SyndicationError),
        (LockError("x"), SyndicationError),
    ],
)
def test_the_hierarchy_the_cli_maps_to_exit_codes(error: Exception, family: type) -> None:
    assert isinstance(error, family) and isinstance(error, SyndicationError)
    assert not isinstance(error, PartnerError) or family is PartnerError


def test_no_context_no_cause_no_hint_is_just_the_message() -> None:
    assert str(StorageError("database is locked")) == "database is locked"
    assert str(LockError("held", hint="wait")) == "held (wait)"
