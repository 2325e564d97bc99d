"""The exception hierarchy of syndication.

    SyndicationError                 root; str() = "context: message: CauseType: cause"
    ├── ConfigError(path, key)       bad config.toml; fatal → exit 2
    ├── PartnerError(partner_id, url)  one partner's problem; never stops the others
    │   ├── FetchError               network, timeout, HTTP status, body too large, address refused
    │   ├── FeedParseError           feed unusable (not XML/JSON, no entries container)
    │   └── ScrapeError              one article page unusable; recorded per item
    ├── StorageError                 database failure; fatal for the run
    ├── PublishError(feed_key, path) one output feed failed to render or write
    └── LockError                    another run holds the lock; exit 3 under cron

Expected per-partner failures become values in `IngestReport`; only the CLI maps errors to
exit codes. Foreign exceptions are wrapped where they enter: `raise FetchError(...) from e`.
"""

from __future__ import annotations


class SyndicationError(Exception):
    """Root of every error we raise on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def context(self) -> str:
        return ""

    @property
    def detail(self) -> str:
        """The message and its cause, without context or hint."""
        cause = self.__cause__
        if cause is None:
            return self.message
        return f"{self.message}: {type(cause).__name__}: {cause}"

    def __str__(self) -> str:
        text = ": ".join(p for p in (self.context, self.detail) if p)
        if self.hint:
            text += f" ({self.hint})"
        return text


class ConfigError(SyndicationError):
    """The configuration file is missing or wrong. Names the file and the key path."""

    def __init__(
        self, message: str, *, path: str, key: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.key = key

    @property
    def context(self) -> str:
        return f"{self.path}: {self.key}" if self.key else self.path


class PartnerError(SyndicationError):
    """One partner's problem; the run goes on with the others."""

    def __init__(
        self,
        message: str,
        *,
        partner_id: str | None = None,
        url: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.partner_id = partner_id
        self.url = url

    @property
    def context(self) -> str:
        parts = []
        if self.partner_id:
            parts.append(f"partner {self.partner_id}")
        if self.url:
            parts.append(self.url)
        return ": ".join(parts)


class FetchError(PartnerError):
    """The resource could not be retrieved (network, status, size, policy)."""

    def __init__(
        self,
        message: str,
        *,
        partner_id: str | None = None,
        url: str | None = None,
        hint: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
        gone: bool = False,
    ) -> None:
        super().__init__(message, partner_id=partner_id, url=url, hint=hint)
        self.status = status
        self.retry_after = retry_after  # seconds, from a Retry-After header
        self.gone = gone  # 410: the partner removed the feed for good


class FeedParseError(PartnerError):
    """The feed document is unusable."""


class ScrapeError(PartnerError):
    """An article page yielded no usable article."""


class StorageError(SyndicationError):
    """The database failed or is unreachable."""


class PublishError(SyndicationError):
    def __init__(
        self, message: str, *, feed_key: str, path: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.feed_key = feed_key
        self.path = path

    @property
    def context(self) -> str:
        return f"feed {self.feed_key}" + (f": {self.path}" if self.path else "")


class LockError(SyndicationError):
    """Another syndication process holds the run lock."""


__all__ = [
    "ConfigError",
    "FeedParseError",
    "FetchError",
    "LockError",
    "PartnerError",
    "PublishError",
    "ScrapeError",
    "StorageError",
    "SyndicationError",
]
