"""FeedSpec → the articles it publishes, and what of an article is fit to publish.

Owns: the store protocol the publisher reads through, the list of feeds (configured plus
one per category and per partner), the selection filters of each feed kind, and the
clean-up every output format shares (XML-illegal characters, bidi/zero-width marks,
title length, stable ids, dates, the RTL body wrapper).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import math
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Protocol
from urllib.parse import urljoin, urlsplit

from syndication.arabic.slug import assign_slugs, is_safe_slug, slugify
from syndication.config import Config, PublishSettings
from syndication.model import (
    Article,
    Category,
    FeedFormat,
    FeedSpec,
    Image,
    MetricDelta,
    StoryMember,
    StorySource,
)

log = logging.getLogger(__name__)

TITLE_MAX = 300  # characters; partners want ≤150, but we never cut a real headline short
SUMMARY_MAX = 1000
URGENT_LABEL = "عاجل"
URGENT_TERM = "urgent"
RTL_LANGUAGES = frozenset({"ar", "fa", "ur", "he", "ps", "ckb", "yi", "dv", "ug", "sd"})

FILE_SUFFIX: dict[FeedFormat, str] = {"rss": ".rss.xml", "atom": ".atom.xml", "json": ".json"}
MIME_TYPE: dict[FeedFormat, str] = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}

# Characters XML 1.0 forbids (lxml raises on them) plus the non-characters U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Bidi controls and zero-width characters: partners strip or mis-render them in plain text.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
_SPACE = re.compile(r"\s+")
_IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
}


class StoreReader(Protocol):
    """The read side of `syndication.store.Store` that publishing uses (and the mark it
    writes, with the metrics pending for the database at `url`)."""

    url: str

    def latest(
        self,
        *,
        limit: int,
        urgent: bool | None = None,
        category_slug: str | None = None,
        partner_id: str | None = None,
        visible_at: dt.datetime | None = None,
        since: dt.datetime | None = None,
    ) -> list[Article]: ...

    def latest_keys(
        self,
        *,
        limit: int,
        urgent: bool | None = None,
        category_slug: str | None = None,
        partner_id: str | None = None,
        visible_at: dt.datetime | None = None,
        after: tuple[dt.datetime, str] | None = None,
    ) -> list[tuple[dt.datetime, str]]: ...

    def get_articles(self, article_ids: Sequence[str]) -> dict[str, Article]: ...

    def next_embargo(self, after: dt.datetime) -> dt.datetime | None: ...

    def killed_since(self, since: dt.datetime, *, limit: int = 100) -> list[Article]: ...

    def feed_stamp(
        self,
        *,
        urgent: bool | None = None,
        category_slug: str | None = None,
        partner_id: str | None = None,
    ) -> str: ...

    def feed_stamps(
        self, selections: Sequence[tuple[bool | None, str | None, str | None]]
    ) -> list[str]: ...

    def categories(self) -> list[Category]: ...

    def story_members(self, article_ids: Collection[str]) -> dict[str, tuple[StoryMember, ...]]: ...

    def get_meta(self, key: str) -> str | None: ...

    def meta_with_prefix(self, prefix: str) -> dict[str, str]: ...

    def set_meta(self, key: str, value: str, *, metrics: Sequence[MetricDelta] = ()) -> None: ...

    def save_feed_file(self, name: str, body: bytes, etag: str) -> None: ...

    def save_feed_files(
        self, files: Sequence[tuple[str, bytes, str]], *, meta: tuple[str, str] | None = None
    ) -> None: ...

    def feed_file_etags(self) -> dict[str, str]: ...

    def delete_feed_files(self, names: Collection[str]) -> int: ...


# --- which feeds ---------------------------------------------------------------------


_SAFE_KEY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.))*")


def is_safe_key(key: str) -> bool:
    """A feed key becomes a file name and a URL segment: ASCII letters, digits, "-", "_"
    and single dots; never a path separator, "..", or a leading dot."""
    return len(key) <= 120 and _SAFE_KEY.fullmatch(key) is not None


def feed_specs(config: Config, store: StoreReader) -> list[FeedSpec]:
    """Configured [[feeds]], then one feed per stored category and per partner when enabled.

    Auto feeds are keyed "category-<slug>" / "partner-<id>"; a configured feed selecting
    the same category or partner wins, and a key already taken gets "-2", "-3"… so two
    categories whose names transliterate alike still get two files.
    """
    settings = config.publish
    stored = store.categories()
    specs: list[FeedSpec] = list(config.feeds)
    keys = {s.key for s in specs}
    covered = {_identity(config, stored, s) for s in specs}

    def add(spec: FeedSpec) -> None:
        identity = _identity(config, stored, spec)
        if identity in covered:
            return
        key, n = spec.key, 2
        while key in keys:
            key, n = f"{spec.key}-{n}", n + 1
        keys.add(key)
        covered.add(identity)
        specs.append(replace(spec, key=key))

    if settings.per_category:
        by_slug: dict[str, str] = {}  # store slug → first label (aliases share a slug)
        for cat in sorted(stored, key=lambda c: (c.slug, c.label)):
            by_slug.setdefault(cat.slug, cat.label)
        file_slugs = category_file_slugs(config, by_slug)
        for slug, label in by_slug.items():
            add(
                FeedSpec(
                    key=f"category-{file_slugs[slug]}",
                    title=f"{settings.title}: {label}",
                    kind="category",
                    value=label,
                    limit=settings.default_limit,
                    description=f"{settings.description} — {label}",
                )
            )
    if settings.per_partner:
        for partner in config.partners:
            if not partner.enabled:
                continue
            add(
                FeedSpec(
                    key=f"partner-{partner.id}",
                    title=f"{settings.title}: {partner.name}",
                    kind="partner",
                    value=partner.id,
                    limit=settings.default_limit,
                    description=f"{settings.description} — {partner.name}",
                )
            )
    return specs


def category_file_slugs(config: Config, by_slug: dict[str, str]) -> dict[str, str]:
    """store slug → distinct safe file slug.

    A configured CategoryDef.slug wins; a store slug that is not a safe file name (it came
    from a partner) is replaced by the transliteration of its label; two categories never
    share a file (the later one is numbered).
    """
    configured: dict[str, str] = {}
    for cat in config.categories:
        for label in (cat.label, *cat.aliases):
            configured.setdefault(label, cat.slug)
    labels = list(by_slug.values())
    pinned: dict[str, str] = {}
    for label in labels:  # one label per configured slug, or assign_slugs refuses
        if label in configured and configured[label] not in pinned.values():
            pinned[label] = configured[label]
    try:
        assigned = assign_slugs(labels, configured=pinned)
    except ValueError:  # a bad configured slug; config check reports it, we still publish
        assigned = assign_slugs(labels)
    seen: set[str] = set()
    out: dict[str, str] = {}
    for slug, label in by_slug.items():
        candidate = pinned.get(label) or (slug if is_safe_slug(slug) else "")
        if not candidate:
            candidate = assigned.get(label) or slugify(label)
        if not is_safe_key(candidate):
            candidate = "category"
        base, n = candidate, 2
        while candidate in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate)
        out[slug] = candidate
    return out


def _identity(config: Config, stored: list[Category], spec: FeedSpec) -> tuple[str, str]:
    """What a feed selects; an auto feed selecting what a configured one does is not added."""
    if spec.kind == "category":
        return (spec.kind, category_slug(config, stored, spec.value or ""))
    if spec.kind == "partner":
        return (spec.kind, spec.value or "")
    return (spec.kind, spec.key)


def category_slug(config: Config, stored: list[Category], value: str) -> str:
    """The store slug of a category named by label, alias or slug in a FeedSpec."""
    for cat in config.categories:
        if value == cat.slug or value == cat.label or value in cat.aliases:
            return cat.slug
    for known in stored:
        if value in (known.label, known.slug):
            return known.slug
    return slugify(value)


@dataclass(frozen=True, slots=True)
class Selection:
    """The store filters of one feed (keyword arguments of latest / feed_stamp)."""

    urgent: bool | None = None
    category_slug: str | None = None
    partner_id: str | None = None
    dedupe: bool = False  # one item per story (not a store filter: see deduplicate)


def selection(
    config: Config, store: StoreReader, spec: FeedSpec, stored: list[Category] | None = None
) -> Selection:
    """What the feed selects; `stored` is store.categories() when already read."""
    dedupe = spec.deduplicated
    if spec.kind == "urgent":
        return Selection(urgent=True, dedupe=dedupe)
    if spec.kind == "category":
        known = store.categories() if stored is None else stored
        slug = category_slug(config, known, spec.value or "")
        return Selection(category_slug=slug, dedupe=dedupe)
    if spec.kind == "partner":
        return Selection(partner_id=spec.value or "", dedupe=dedupe)
    return Selection(dedupe=dedupe)


def stamps(store: StoreReader, selections: Sequence[Selection]) -> list[str]:
    """The stamp of each selection, read in one query."""
    return store.feed_stamps([(s.urgent, s.category_slug, s.partner_id) for s in selections])


def select(
    config: Config,
    store: StoreReader,
    spec: FeedSpec,
    *,
    selected: Selection | None = None,
    reads: SelectionReads | None = None,
    stamp: str | None = None,
    now: dt.datetime | None = None,
) -> list[Article]:
    """Newest first, at most spec.limit (the store sorts; we re-sort to be sure); only
    what is public at `now` (no killed article, none still under embargo).

    With `reads` and the `stamp` read just before, feeds of one publish run that select
    the same articles share one store read (see SelectionReads)."""
    selected = selected or selection(config, store, spec)
    limit = max(spec.limit, 0)
    if reads is not None and stamp is not None:
        known = reads.get(selected, stamp, limit)
        if known is not None:
            return known[:limit]
    if selected.dedupe:
        articles = _deduplicated(config, store, selected, limit, now)
    else:
        articles = _read(store, selected, limit, now)
    if reads is not None and stamp is not None:
        reads.put(selected, stamp, limit, articles)
    return articles


def _read(
    store: StoreReader, selected: Selection, limit: int, now: dt.datetime | None
) -> list[Article]:
    return newest_first(
        store.latest(
            limit=limit,
            urgent=selected.urgent,
            category_slug=selected.category_slug,
            partner_id=selected.partner_id,
            visible_at=now,
        )
    )[:limit]


MAX_READ_FACTOR = 8  # a deduplicated feed reads at most this many times its limit


def _deduplicated(
    config: Config, store: StoreReader, selected: Selection, limit: int, now: dt.datetime | None
) -> list[Article]:
    """The newest `limit` stories of the selection, each as its first article with the
    story's other sources.

    Later wires of a story drop out, so more than `limit` places are read: first only
    their (published, id), on from where the last read stopped until `limit` stories
    are found or the store has no more, and then the articles that lead their stories,
    the only ones shown. Whether an article leads its story does not depend on what else
    was read (its story's members come whole from the store), so the reads add up to
    one read as deep as all of them."""
    leads: dict[str, tuple[StoryMember, ...]] = {}  # article id → the story's others
    depth, total = limit, 0
    after: tuple[dt.datetime, str] | None = None
    while True:
        keys = store.latest_keys(
            limit=depth,
            urgent=selected.urgent,
            category_slug=selected.category_slug,
            partner_id=selected.partner_id,
            visible_at=now,
            after=after,
        )
        total += len(keys)
        members = store.story_members([article_id for _, article_id in keys])
        for _, article_id in keys:
            others = _others_if_lead(selected, article_id, members)
            if others is not None:
                leads.setdefault(article_id, others)  # an edit between reads moved it
        budget = limit * MAX_READ_FACTOR - total
        if len(leads) >= limit or len(keys) < depth or budget <= 0:
            break
        after = keys[-1]
        # As many more as the stories found so far take per story, and a quarter more,
        # so a feed of 4-wire stories reads about 4 × limit in two reads, not four.
        wanted = (limit - len(leads)) * total / max(len(leads), 1) * 1.25
        depth = min(budget, max(limit, math.ceil(wanted)))
    shown = list(leads)[:limit]
    found = store.get_articles(shown)
    # One gone since (killed between the two reads) is left out; the stamp it changed
    # renders the feed again.
    return newest_first(
        [
            _with_sources(config, found[article_id], leads[article_id])
            for article_id in shown
            if article_id in found and found[article_id].killed_at is None
        ]
    )


def deduplicate(
    config: Config,
    selected: Selection,
    articles: list[Article],
    members: dict[str, tuple[StoryMember, ...]],
) -> list[Article]:
    """One item per story: the story's first article that this feed selects (the one
    readers saw first; a later wire never replaces it, so the item keeps its id), with
    every other member as a source. An article whose story's first selected member is
    older than the read is dropped too: that story is already further down the feed, or
    was in it before."""
    out: list[Article] = []
    for article in articles:
        others = _others_if_lead(selected, article.id, members)
        if others is not None:
            out.append(_with_sources(config, article, others))
    return out


def _others_if_lead(
    selected: Selection, article_id: str, members: dict[str, tuple[StoryMember, ...]]
) -> tuple[StoryMember, ...] | None:
    """The other members of the article's story if it leads the story in this feed (no
    others when it is a story of its own); None when another member leads."""
    story = members.get(article_id)
    if not story:
        return ()
    eligible = [m for m in story if _selects(selected, m)]
    if not eligible or eligible[0].article_id != article_id:
        return None
    return tuple(m for m in story if m.article_id != article_id)


def _with_sources(config: Config, article: Article, others: tuple[StoryMember, ...]) -> Article:
    if not others:
        return article
    return replace(article, sources=tuple(_source(config, m) for m in others))


def _selects(selected: Selection, member: StoryMember) -> bool:
    if selected.urgent is not None and member.urgent != selected.urgent:
        return False
    if selected.category_slug is not None and selected.category_slug not in (member.category_slugs):
        return False
    return selected.partner_id is None or member.partner_id == selected.partner_id


def _source(config: Config, member: StoryMember) -> StorySource:
    partner = config.partner(member.partner_id)
    name = partner.name if partner is not None else member.partner_id
    return StorySource(
        partner_id=member.partner_id,
        name=name,
        url=member.url,
        title=member.title,
        feed_url=self_url(config.publish, f"partner-{member.partner_id}{FILE_SUFFIX['rss']}"),
    )


class SelectionReads:
    """One publish run's store reads, by selection: a second feed selecting the same
    articles (several main feeds, a configured category feed and …) takes a prefix of
    the first read instead of reading and decoding the same rows again.

    Reused only when the selection's stamp is the one read before that read: a stamp read
    later that differs means an ingest changed the selection in between, and the store is
    read again (else a feed could record a new stamp over old content). The order
    (published, then id) is total, so the first n of a longer read are the read of n."""

    def __init__(self) -> None:
        self._reads: dict[Selection, tuple[str, int, list[Article]]] = {}

    def get(self, selected: Selection, stamp: str, limit: int) -> list[Article] | None:
        found = self._reads.get(selected)
        if found is None or found[0] != stamp or found[1] < limit:
            return None
        return found[2]

    def put(self, selected: Selection, stamp: str, limit: int, articles: list[Article]) -> None:
        found = self._reads.get(selected)
        if found is None or found[0] != stamp or found[1] < limit:
            self._reads[selected] = (stamp, limit, articles)


def newest_first(articles: list[Article]) -> list[Article]:
    # Ties broken by id so the order (and the bytes) never depend on the query plan.
    ordered = sorted(articles, key=lambda a: a.id)
    return sorted(ordered, key=lambda a: a.published, reverse=True)


def within_age(spec: FeedSpec, articles: list[Article], now: dt.datetime) -> list[Article]:
    """The articles published at most spec.max_item_age hours before `now` (all of them
    when the feed sets no age).

    Publication time, not the last edit: a correction to a story a year old must not put
    it back into the urgent feed. The store returns the newest first by publication, so
    what is kept is a prefix: the newest `limit` within the age, as if the store had
    filtered (which keeps the store query, and its index, unchanged)."""
    if spec.max_item_age is None:
        return articles
    cutoff = ceiling(now) - dt.timedelta(hours=spec.max_item_age)
    return [a for a in articles if instant(a.published) >= cutoff]


def ages_out_at(spec: FeedSpec, articles: list[Article]) -> dt.datetime | None:
    """The moment the first of `articles` (as kept by within_age) becomes too old for the
    feed; None when none ever does. Publishing after it must render the feed again even if
    the store has not changed."""
    if spec.max_item_age is None or not articles:
        return None
    oldest = min(instant(a.published) for a in articles)
    return oldest + dt.timedelta(hours=spec.max_item_age)


# --- what of an article we publish ---------------------------------------------------


def publishable(spec: FeedSpec, articles: list[Article]) -> list[Article]:
    """The items of a feed: newest first, at most spec.limit; an article without an
    http(s) link is skipped, with the reason logged."""
    out: list[Article] = []
    for article in newest_first(articles)[: max(spec.limit, 0)]:
        if not is_web_url(article.url):
            log.warning(
                "feed %s: skipped article %s: its URL %r is not an absolute http(s) URL",
                spec.key,
                article.id,
                article.url,
            )
            continue
        out.append(article)
    return out


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (NUL, C0 controls, lone surrogates)."""
    return _XML_ILLEGAL.sub("", text)


def plain(text: str | None, *, limit: int | None = None) -> str:
    """Plain text for titles, summaries, captions, credits, labels: NFC, no markup-like tags,
    no bidi/zero-width marks, no control characters, single spaces, cut with "…"."""
    if not text:
        return ""
    return _plain(text, limit)


# The same title or caption is cleaned for every format of every feed the article is in
# (main, urgent, category, partner × RSS, Atom, JSON): remember the last few thousand.
@functools.lru_cache(maxsize=4096)
def _plain(text: str, limit: int | None) -> str:
    text = unicodedata.normalize("NFC", xml_safe(text))
    text = _INVISIBLE.sub("", text)
    text = _TAG.sub(" ", text)
    text = _SPACE.sub(" ", text).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def title_of(article: Article) -> str:
    return plain(article.title, limit=TITLE_MAX) or plain(article.summary, limit=120) or "—"


def summary_of(article: Article) -> str:
    return (
        plain(article.summary, limit=SUMMARY_MAX)
        or plain(article.body_text, limit=300)
        or title_of(article)
    )


def author_of(article: Article) -> str | None:
    return plain(article.author, limit=200) or None


def tag_host(settings: PublishSettings) -> str:
    return (urlsplit(settings.site_url).hostname or "syndication.invalid").lower()


def item_id(article: Article, settings: PublishSettings) -> str:
    """The stable id of an item, used as Atom id, RSS guid and JSON Feed id.

    Not the article URL: a partner may re-slug an article (and Arabic slugs can contain
    "عاجل", e.g. akhbarelyom's), which would make partners see a new article. Article.id is a
    hash of partner + identity that never changes on edit, so a tag URI (RFC 4151) over it
    is stable; RSS marks it isPermaLink="false" and gives the URL in <link>.
    """
    return f"tag:{tag_host(settings)},2026:article/{article.id}"


def feed_id(spec: FeedSpec, settings: PublishSettings) -> str:
    return f"tag:{tag_host(settings)},2026:feed/{spec.key}"


# Asked for every item of every feed and format (and feed_updated scans them all again).
# Equal keys are the same instants (aware datetimes compare by instant), so the same result.
@functools.lru_cache(maxsize=16384)
def utc(value: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Aware UTC, whole seconds, never after `now` (partners drop future-dated items)."""
    return min(instant(value), ceiling(now))


def instant(value: dt.datetime) -> dt.datetime:
    """Aware UTC, whole seconds (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0)


# Asked for every item of every feed and format (the item cache checks each one).
@functools.lru_cache(maxsize=64)
def ceiling(now: dt.datetime) -> dt.datetime:
    """The latest date an item may carry when published at `now`."""
    return now.astimezone(dt.UTC).replace(microsecond=0)


def published_of(article: Article, now: dt.datetime) -> dt.datetime:
    return utc(article.published, now)


def updated_of(article: Article, now: dt.datetime) -> dt.datetime:
    return max(utc(article.updated, now), published_of(article, now))


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def feed_updated(articles: list[Article], now: dt.datetime) -> dt.datetime:
    """Newest article change, never the clock: regenerating must give the same bytes.
    An empty feed gets a fixed date for the same reason."""
    return max((updated_of(a, now) for a in articles), default=EPOCH)


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_web_url(url: str | None) -> bool:
    if not url:
        return False
    return _is_web_url(url)


# Asked for every item and image URL in every format of every feed the article is in.
@functools.lru_cache(maxsize=16384)
def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not _bad_url(url)


def _bad_url(url: str) -> bool:
    return any(c in url for c in '\x00\r\n\t <>"') or bool(_XML_ILLEGAL.search(url))


def images_of(article: Article) -> list[Image]:
    """Images we can publish: absolute http(s) URLs, each once, text fields cleaned."""
    out: list[Image] = []
    seen: set[str] = set()
    for image in article.images:
        if not is_web_url(image.url) or image.url in seen:
            continue
        seen.add(image.url)
        # Built directly: dataclasses.replace was a third of this function's time.
        out.append(
            Image(
                url=image.url,
                caption=plain(image.caption, limit=1000) or None,
                credit=plain(image.credit, limit=300) or None,
                alt=plain(image.alt, limit=300) or None,
                width=image.width if image.width and image.width > 0 else None,
                height=image.height if image.height and image.height > 0 else None,
                mime_type=image.mime_type,
                length=image.length if image.length and image.length > 0 else None,
            )
        )
    return out


_IMAGE_MIME = re.compile(r"image/[a-z0-9.+-]+")


def image_type(image: Image) -> str:
    if image.mime_type and _IMAGE_MIME.fullmatch(image.mime_type.lower()):
        return image.mime_type.lower()
    path = urlsplit(image.url).path.lower()
    for ext, mime in _IMAGE_TYPES.items():
        if path.endswith(ext):
            return mime
    return "image/jpeg"  # the partners' overwhelming default; enclosure type is required


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_DIR_WRAPPER = re.compile(r"<div\b[^>]*\bdir=", flags=re.IGNORECASE)


def language_of(article: Article, settings: PublishSettings) -> str:
    lang = (article.language or settings.language or "ar").strip()
    return lang if _LANGUAGE_TAG.fullmatch(lang) else "ar"


def body_of(
    article: Article, settings: PublishSettings, *, images: Sequence[Image] | None = None
) -> str:
    """The sanitized body in its `<div dir lang>` wrapper, with any image the body does not
    show appended as a figure (partners read captions from figcaption). `images`: the
    article's images_of, when the caller has them already."""
    body = xml_safe(article.body_html or "").strip()
    lang = language_of(article, settings)
    missing = [
        img
        for img in (images_of(article) if images is None else images)
        if img.url not in body and html.escape(img.url, quote=True) not in body
    ]
    figures = "".join(_figure(img) for img in missing) + also_in(article)
    if _DIR_WRAPPER.match(body) and body.endswith("</div>"):
        if not figures:
            return body
        return body[: -len("</div>")] + figures + "</div>"
    return f'<div dir="{direction(lang)}" lang="{lang}">{body}{figures}</div>'


ALSO_IN_LABEL = "أيضا في"


def sources_of(article: Article) -> list[StorySource]:
    """The story's other sources we can link to: an http(s) URL, a clean name, each once."""
    out: list[StorySource] = []
    seen: set[str] = set()
    for source in article.sources:
        if not is_web_url(source.url) or source.url in seen:
            continue
        seen.add(source.url)
        out.append(
            replace(
                source,
                name=plain(source.name, limit=200) or source.partner_id,
                title=plain(source.title, limit=TITLE_MAX),
            )
        )
    return out


def also_in(article: Article) -> str:
    """The "أيضا في: …" line under a story's body: the other wires, linked."""
    sources = sources_of(article)
    if not sources:
        return ""
    links = "، ".join(
        f'<a href="{html.escape(s.url, quote=True)}" title="{html.escape(s.title, quote=True)}">'
        f"{html.escape(s.name)}</a>"
        for s in sources
    )
    return f'<p class="also-in">{ALSO_IN_LABEL}: {links}</p>'


def _figure(image: Image) -> str:
    attrs = f'src="{html.escape(image.url, quote=True)}"'
    if image.alt or image.caption:
        attrs += f' alt="{html.escape(image.alt or image.caption or "", quote=True)}"'
    if image.width:
        attrs += f' width="{image.width}"'
    if image.height:
        attrs += f' height="{image.height}"'
    caption = html.escape(image.caption or "")
    if image.credit:
        caption += f' <span class="copyright">{html.escape(image.credit)}</span>'
    figcaption = f"<figcaption>{caption.strip()}</figcaption>" if caption.strip() else ""
    return f"<figure><img {attrs}/>{figcaption}</figure>"


def categories_scheme(settings: PublishSettings) -> str:
    return _scheme_base(settings) + "categories"


def flags_scheme(settings: PublishSettings) -> str:
    return _scheme_base(settings) + "flags"


def _scheme_base(settings: PublishSettings) -> str:
    base = settings.scheme_base
    return base if base.endswith("/") else base + "/"


def categories_of(article: Article) -> list[Category]:
    """Cleaned categories, each once, without our own urgent flag (it has its own scheme)."""
    out: list[Category] = []
    seen: set[str] = set()
    for cat in article.categories:
        label = plain(cat.label, limit=200)
        slug = plain(cat.slug, limit=200) or slugify(label)
        if not label or not slug or slug in seen or label == URGENT_LABEL:
            continue
        seen.add(slug)
        out.append(Category(label=label, slug=slug))
    return out


def file_name(spec: FeedSpec, fmt: FeedFormat) -> str:
    return spec.key + FILE_SUFFIX[fmt]


def feed_key_of(name: str) -> str | None:
    """`vip.rss.xml` → `vip`; None for a name that is not a feed file's."""
    for suffix in (".ninjs.json", *FILE_SUFFIX.values()):  # before ".json"
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def self_url(settings: PublishSettings, name: str) -> str:
    return _joined(settings.base_url, name)


@functools.lru_cache(maxsize=4096)  # the same few hundred names, every run (urljoin is slow)
def _joined(base_url: str, name: str) -> str:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return urljoin(base, name)
