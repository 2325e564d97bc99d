"""Frozen value types passed between the pipeline stages.

Each stage takes one type and hands the next stage another, so no stage can reach into
another's half-built state:

    PartnerFeed → fetch → Fetched → parse → ParsedFeed[FeedItem]
    FeedItem + Fetched(page) → scrape → Scraped → normalize → Article → store
    FeedSpec + store → publish → Published

No I/O here and nothing but the standard library. Collections are tuples so every value
is hashable and cannot be mutated after it leaves the stage that built it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

FeedKind = Literal["main", "urgent", "category", "partner"]
FeedFormat = Literal["rss", "atom", "json"]
Dedupe = Literal["cluster", "none"]
BlockKind = Literal["p", "h2", "h3", "quote"]
# "stopped": the run was stopping, so the partner was not polled (or its poll was cut
# short before its feed was read); it is polled again on the next start.
IngestStatus = Literal[
    "ok", "not_modified", "unchanged", "failed", "disabled", "deferred", "stopped"
]
UpsertResult = Literal["new", "updated", "unchanged", "tombstoned"]

ALL_FORMATS: tuple[FeedFormat, ...] = ("rss", "atom", "json")


# --- configuration values -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScrapeRules:
    """Per-partner CSS selectors; None means "use the generic chain" for that field."""

    title: str | None = None
    body: str | None = None
    images: str | None = None
    caption: str | None = None
    credit: str | None = None
    urgent: str | None = None
    published: str | None = None
    updated: str | None = None
    author: str | None = None
    categories: str | None = None
    drop: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How we talk to partner servers ([fetch] in config.toml, overridable per partner)."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 30.0  # total seconds for one response, so a slow drip cannot hold a worker
    max_bytes: int = 5_000_000  # after decompression
    max_redirects: int = 5
    user_agent: str = "syndication/0.1 (+https://example.invalid/bot)"
    allow_private_networks: bool = False
    allow_file_urls: bool = False  # file: feeds (drop folders, the bundled demo)
    max_per_host: int = 2
    min_host_interval: float = 0.5  # seconds between two requests to one host
    respect_robots: bool = False


@dataclass(frozen=True, slots=True)
class PartnerFeed:
    id: str
    name: str
    feed_url: str
    site_url: str | None = None
    interval: int = 300  # seconds between polls
    jitter: int = 30
    enabled: bool = True
    timezone: str = "UTC"  # for page dates written without an offset
    encoding: str | None = None  # override when the partner lies about its charset
    max_items: int = 50
    scrape: bool = True  # follow each new item to its article page
    rules: ScrapeRules = field(default_factory=ScrapeRules)
    # partner category label → our category label
    category_map: tuple[tuple[str, str], ...] = ()
    urgent_categories: tuple[str, ...] = ()
    fetch: FetchSettings = field(default_factory=FetchSettings)
    # Status page ([health] gives the defaults): seconds without a new item before the
    # partner is flagged quiet, failed polls in a row before it is flagged failing.
    idle_alert: int | None = None
    failure_alert: int | None = None
    # The feed element (as the partner writes it, "prefix:name") or JSON Feed key holding
    # an item's embargo time: the story stays out of every output until then.
    embargo_field: str | None = None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One published feed ([[feeds]] in config.toml)."""

    key: str  # safe file stem: feeds/<key>.rss.xml
    title: str
    kind: FeedKind
    value: str | None = None  # category label or partner id
    limit: int = 50
    formats: tuple[FeedFormat, ...] = ALL_FORMATS
    ttl: int = 5  # minutes, RSS <ttl>
    max_age: int = 300  # seconds, HTTP Cache-Control
    description: str = ""
    private: bool = False  # served only with a token, from its own directory
    # Hours: an item published longer ago leaves the feed. None: no limit. config.toml
    # gives urgent feeds 48 when the key is absent (old breaking news is not breaking).
    max_item_age: float | None = None
    # "cluster": one item per story (its first article, with the other sources listed);
    # "none": every article. None: "none" for partner feeds, "cluster" for the others.
    dedupe: Dedupe | None = None

    @property
    def deduplicated(self) -> bool:
        if self.dedupe is None:
            return self.kind != "partner"
        return self.dedupe == "cluster"


@dataclass(frozen=True, slots=True)
class StorySettings:
    """[stories] in config.toml: when two articles are one story (syndication/stories)."""

    window: float = 48.0  # hours either side of an article's publication time
    threshold: float = 0.4  # containment of the shorter text in the other (0–1]
    enabled: bool = True


# --- pipeline values ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP (or file) response. "Not modified" is a result, not an exception."""

    url: str  # what we asked for
    final_url: str  # after redirects
    status: int
    headers: tuple[tuple[str, str], ...]  # lower-cased names
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    permanent_redirect: str | None = None  # new URL when the feed answered 301/308

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None
    width: int | None = None
    height: int | None = None
    mime_type: str | None = None
    length: int | None = None  # bytes, when the partner told us (enclosure length)


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str


@dataclass(frozen=True, slots=True)
class Category:
    label: str  # Arabic, as shown to readers
    slug: str  # ASCII, stable: file names, URL segments, Atom term


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a partner feed, text already cleaned, dates aware."""

    partner_id: str
    guid: str | None
    url: str | None
    title: str
    published: dt.datetime | None = None
    updated: dt.datetime | None = None
    summary: str | None = None
    content_html: str | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()
    images: tuple[Image, ...] = ()
    urgent: bool = False  # title prefix "عاجل" (already stripped) or urgent category
    embargo: dt.datetime | None = None  # from the partner's embargo_field


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    partner_id: str
    title: str | None
    link: str | None
    items: tuple[FeedItem, ...]
    ttl: int | None = None  # minutes (RSS <ttl>)
    warnings: tuple[str, ...] = ()  # recoverable problems (feedparser bozo etc.)
    encoding: str | None = None


@dataclass(frozen=True, slots=True)
class Scraped:
    """What the article page says, cleaned but not yet merged with the feed item.

    `body_html` is built from the extracted blocks and figures; it is sanitized again in
    normalize (the sanitizer always runs last).
    """

    url: str
    title: str | None
    urgent: bool
    published: dt.datetime | None
    updated: dt.datetime | None
    author: str | None
    categories: tuple[str, ...]
    summary: str | None
    blocks: tuple[Block, ...]
    images: tuple[Image, ...]
    body_html: str
    language: str | None

    @property
    def body_text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


@dataclass(frozen=True, slots=True)
class StorySource:
    """Another partner's article of the same story, as a deduplicated feed lists it."""

    partner_id: str
    name: str  # the partner's name, for readers
    url: str  # the partner's article
    title: str
    feed_url: str  # our feed of that partner (RSS <source url>)


@dataclass(frozen=True, slots=True)
class StoryMember:
    """One stored article of a story, with what a feed selection filters on."""

    article_id: str
    story_id: str  # the id of the story's first article
    partner_id: str
    url: str
    title: str
    published: dt.datetime
    urgent: bool
    category_slugs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """The normalized record we store and publish."""

    id: str  # stable hash of partner + identity; never changes on edit
    partner_id: str
    url: str  # canonical article URL
    guid: str | None  # the partner's guid, as they sent it
    title: str
    summary: str
    body_html: str  # sanitized, wrapped <div dir="rtl" lang="ar">
    blocks: tuple[Block, ...]
    images: tuple[Image, ...]
    urgent: bool
    published: dt.datetime
    updated: dt.datetime  # changes only when content_hash changes
    author: str | None
    categories: tuple[Category, ...]
    language: str
    content_hash: str  # over title, body, images, urgent, categories, author
    item_hash: str = ""  # hash of the partner's feed entry: a change means "re-scrape"
    # Set by the publisher only, for a deduplicated feed: the story's other sources. Not
    # stored, not in content_hash.
    sources: tuple[StorySource, ...] = ()
    # Editorial state (see docs/editorial.md): in no public output before `embargo_until`;
    # a killed article is in none at all. `revision` counts stored versions (corrections).
    embargo_until: dt.datetime | None = None
    killed_at: dt.datetime | None = None
    kill_reason: str | None = None
    # Store bookkeeping, not content: two records of the same story compare equal.
    revision: int = field(default=1, compare=False)

    @property
    def body_text(self) -> str:
        return "\n".join(block.text for block in self.blocks)


EditorialAction = Literal["kill", "unkill", "urgent", "embargo", "withdrawn", "correction"]


@dataclass(frozen=True, slots=True)
class EditorialEvent:
    """One recorded editorial decision on an article (who, when, what)."""

    article_id: str
    action: EditorialAction
    detail: str
    actor: str  # $USER of an editor, or "partner:<id>" for what ingest detected
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class PartnerState:
    """What we remember about a partner between polls; every attempt updates it."""

    partner_id: str
    feed_url: str | None = None  # current URL after a permanent redirect
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None  # sha256 of the last body we parsed
    next_check_at: dt.datetime | None = None
    consecutive_errors: int = 0
    last_error: str | None = None
    last_attempt_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    disabled_reason: str | None = None  # set on 410 Gone
    identity: Literal["guid", "url"] = "guid"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemFailure:
    ref: str  # guid or URL of the item
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    partner_id: str
    status: IngestStatus
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: tuple[ItemFailure, ...] = ()
    error: str | None = None
    duration: float = 0.0
    next_poll: dt.datetime | None = None  # deferred: when the partner is due again

    @property
    def changed(self) -> bool:
        return self.new > 0 or self.updated > 0


@dataclass(frozen=True, slots=True)
class Published:
    key: str
    format: FeedFormat
    path: str
    changed: bool
    entries: int


@dataclass(frozen=True, slots=True)
class MetricDelta:
    """A change to one stored metric series (see syndication/metrics.py for the names).

    `add` adds `value` to a counter; `max` raises a gauge to `value` if it is higher, so
    processes flushing in any order never move a timestamp back.
    """

    name: str
    labels: str  # canonical encoding of the label set, made by syndication.metrics
    value: float
    mode: Literal["add", "max"] = "add"


# --- partner health (syndication/health.py) ----------------------------------------------

HealthKind = Literal["seen", "new", "article", "page_failed", "poll_failed"]
EVENT_KINDS: tuple[HealthKind, ...] = ("article", "page_failed", "poll_failed")


@dataclass(frozen=True, slots=True)
class HealthNote:
    """One thing the status page needs to know about a partner, noted by ingest.

    "seen" (the first poll of this process: when we started watching), "new" (`count`
    new items in one poll) update the partner's counters; "article" (one article built,
    with its page time and body length), "page_failed" and "poll_failed" are also kept
    as the partner's recent events, for a week.
    """

    partner_id: str
    at: dt.datetime
    kind: HealthKind
    count: int = 0
    url: str | None = None
    title: str | None = None
    seconds: float | None = None  # fetching and scraping the article page
    body_chars: int | None = None  # letters of body text the article ended with
    error_class: str | None = None  # e.g. FetchError, FeedParseError, bug: KeyError
    message: str | None = None


@dataclass(frozen=True, slots=True)
class HealthRecord:
    """What the store keeps about one partner's health (partner_health and friends)."""

    partner_id: str
    first_seen_at: dt.datetime | None = None
    last_new_item_at: dt.datetime | None = None
    last_error_at: dt.datetime | None = None
    last_error_class: str | None = None
    last_error: str | None = None
    hourly: tuple[tuple[dt.datetime, int], ...] = ()  # (UTC hour, new items), oldest first
    page_seconds: tuple[float, ...] = ()  # page times of the latest articles, newest first
    body_chars: tuple[int, ...] = ()  # body lengths of the latest articles, newest first
