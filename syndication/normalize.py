"""FeedItem (+ Scraped page) + partner settings → Article.

One small `find_<field>` function per output field, each owning its fallback order:

    url        page canonical (http/https) → feed link; tracking parameters removed
    title      page title → feed title; "عاجل" prefix stripped, bidi/zero-width removed
    urgent     feed flag (prefix / urgent category) → page badge or section → partner's
               urgent categories among the item's categories
    published  feed date → page date → now; never in the future
    updated    latest of feed/page updated and published
    author     page byline → feed author
    categories feed + page labels → partner category_map → our [[categories]] (label or alias)
    summary    feed summary → page summary → first paragraph; plain text, ≤ 400 chars
    body       page blocks and figures → feed content → summary; sanitized last, RTL-wrapped
    images     page figures, then feed media the page did not show; merged by URL

The sanitizer runs last on every HTML string that leaves this module.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
from dataclasses import replace

from .arabic.slug import assign_slugs
from .arabic.text import clean_text, detect_language, is_urgent_label, strip_urgent_prefix
from .config import CategoryDef
from .model import Article, Block, Category, FeedItem, Image, PartnerFeed, Scraped
from .sanitize import html_to_paragraphs, html_to_text, sanitize_html, wrap_rtl
from .urls import canonical_url, is_web_url

SUMMARY_MAX = 400
TITLE_MAX = 300
_FUTURE_SLACK = dt.timedelta(minutes=5)


def to_article(
    partner: PartnerFeed,
    item: FeedItem,
    scraped: Scraped | None,
    *,
    article_id: str,
    item_hash: str,
    categories: tuple[CategoryDef, ...] = (),
    now: dt.datetime,
) -> Article:
    url = find_url(item, scraped)
    title = find_title(item, scraped)
    labels = find_categories(partner, item, scraped, categories)
    images = find_images(item, scraped)
    blocks = find_blocks(item, scraped)
    published = find_published(item, scraped, now)
    body_html = find_body_html(item, scraped, blocks, url)
    article = Article(
        id=article_id,
        partner_id=partner.id,
        url=url,
        guid=item.guid,
        title=title,
        summary=find_summary(item, scraped, blocks),
        body_html=body_html,
        blocks=blocks,
        images=images,
        urgent=find_urgent(partner, item, scraped),
        published=published,
        updated=find_updated(item, scraped, published, now),
        author=find_author(item, scraped),
        categories=labels,
        language=find_language(scraped, title, blocks),
        content_hash="",
        item_hash=item_hash,
        embargo_until=item.embargo,
    )
    return with_content_hash(article)


def with_content_hash(article: Article) -> Article:
    return replace(article, content_hash=content_hash(article))


def content_hash(article: Article) -> str:
    """Hash of what readers see; dates and ids are left out so a re-poll is "unchanged"."""
    payload = {
        "title": article.title,
        "summary": article.summary,
        "body": article.body_html,
        "images": [[i.url, i.caption, i.credit, i.width, i.height] for i in article.images],
        "urgent": article.urgent,
        "categories": [c.slug for c in article.categories],
        "author": article.author,
        "url": article.url,
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def find_url(item: FeedItem, scraped: Scraped | None) -> str:
    for candidate in (scraped.url if scraped else None, item.url):
        if candidate and is_web_url(candidate):
            return canonical_url(candidate)
    return item.url or (scraped.url if scraped else "")


def find_title(item: FeedItem, scraped: Scraped | None) -> str:
    for candidate in (scraped.title if scraped else None, item.title):
        if candidate:
            title, _ = strip_urgent_prefix(clean_text(candidate))
            if title:
                return _truncate(title, TITLE_MAX)
    return "(بدون عنوان)"


def find_urgent(partner: PartnerFeed, item: FeedItem, scraped: Scraped | None) -> bool:
    if item.urgent or (scraped is not None and scraped.urgent):
        return True
    urgent_labels = {clean_text(c) for c in partner.urgent_categories}
    labels = [*item.categories, *(scraped.categories if scraped else ())]
    return any(clean_text(label) in urgent_labels for label in labels)


def find_published(item: FeedItem, scraped: Scraped | None, now: dt.datetime) -> dt.datetime:
    for candidate in (item.published, scraped.published if scraped else None, item.updated):
        if candidate is not None:
            # A partner clock in the future would pin the story to the top for days.
            return min(candidate, now + _FUTURE_SLACK).astimezone(dt.UTC)
    return now.astimezone(dt.UTC)


def find_updated(
    item: FeedItem, scraped: Scraped | None, published: dt.datetime, now: dt.datetime
) -> dt.datetime:
    candidates = [published, item.updated, scraped.updated if scraped else None]
    latest = max(c for c in candidates if c is not None)
    return min(latest, now + _FUTURE_SLACK).astimezone(dt.UTC)


def find_author(item: FeedItem, scraped: Scraped | None) -> str | None:
    for candidate in (scraped.author if scraped else None, item.author):
        if candidate and clean_text(candidate):
            return _truncate(clean_text(candidate), 200)
    return None


def find_categories(
    partner: PartnerFeed,
    item: FeedItem,
    scraped: Scraped | None,
    ours: tuple[CategoryDef, ...],
) -> tuple[Category, ...]:
    mapping = dict(partner.category_map)
    by_label: dict[str, CategoryDef] = {}
    for cat in ours:
        for name in (cat.label, *cat.aliases):
            by_label[name] = cat
    labels: list[str] = []
    for raw in [*item.categories, *(scraped.categories if scraped else ())]:
        label = clean_text(raw)
        if not label or is_urgent_label(label) or label in partner.urgent_categories:
            continue  # urgency is a flag, not a topic
        label = mapping.get(label, label)
        if ours:
            # With a taxonomy configured, unknown partner tags must not spawn feeds.
            if label not in by_label:
                continue
            label = by_label[label].label
        if label not in labels:
            labels.append(label)
    configured = {c.label: c.slug for c in ours}
    slugs = assign_slugs(labels, configured)
    return tuple(Category(label=label, slug=slugs[label]) for label in labels)


def find_blocks(item: FeedItem, scraped: Scraped | None) -> tuple[Block, ...]:
    if scraped is not None and scraped.blocks:
        return scraped.blocks
    # One block per paragraph of the feed's content: a story whose page failed keeps its
    # paragraphs, not one wall of text.
    paragraphs = html_to_paragraphs(sanitize_html(item.content_html)) if item.content_html else []
    if not paragraphs and item.summary:
        paragraphs = html_to_paragraphs(item.summary)
    return tuple(Block("p", text) for p in paragraphs if (text := clean_text(p)))


def find_summary(item: FeedItem, scraped: Scraped | None, blocks: tuple[Block, ...]) -> str:
    for candidate in (item.summary, scraped.summary if scraped else None):
        if candidate:
            text = clean_text(html_to_text(sanitize_html(candidate)))
            if text:
                return _truncate(text, SUMMARY_MAX)
    for block in blocks:
        if block.kind == "p":
            return _truncate(block.text, SUMMARY_MAX)
    return ""


def find_images(item: FeedItem, scraped: Scraped | None) -> tuple[Image, ...]:
    merged: dict[str, Image] = {}
    for image in [*(scraped.images if scraped else ()), *item.images]:
        if not is_web_url(image.url):
            continue
        seen = merged.get(image.url)
        if seen is None:
            merged[image.url] = _clean_image(image)
        else:
            # The feed's media:description may caption what the page left bare.
            merged[image.url] = Image(
                url=seen.url,
                caption=seen.caption or _clean_opt(image.caption),
                credit=seen.credit or _clean_opt(image.credit),
                alt=seen.alt or _clean_opt(image.alt),
                width=seen.width or image.width,
                height=seen.height or image.height,
                mime_type=seen.mime_type or image.mime_type,
                length=seen.length or image.length,
            )
    return tuple(merged.values())


def find_body_html(
    item: FeedItem, scraped: Scraped | None, blocks: tuple[Block, ...], base_url: str
) -> str:
    if scraped is not None and scraped.body_html.strip():
        body = scraped.body_html
    elif item.content_html:
        body = item.content_html
    else:
        body = "".join(_block_html(b) for b in blocks)
    return wrap_rtl(sanitize_html(body, base_url=base_url or None))


def find_language(scraped: Scraped | None, title: str, blocks: tuple[Block, ...]) -> str:
    if scraped is not None and scraped.language:
        return scraped.language
    sample = " ".join([title, *(b.text for b in blocks[:5])])
    return detect_language(sample) or "ar"


def _block_html(block: Block) -> str:
    tag = {"p": "p", "h2": "h2", "h3": "h3", "quote": "blockquote"}[block.kind]
    return f"<{tag}>{html.escape(block.text)}</{tag}>"


def _clean_image(image: Image) -> Image:
    return Image(
        url=image.url,
        caption=_clean_opt(image.caption),
        credit=_clean_opt(image.credit),
        alt=_clean_opt(image.alt),
        width=image.width,
        height=image.height,
        mime_type=image.mime_type,
        length=image.length,
    )


def _clean_opt(value: str | None) -> str | None:
    cleaned = clean_text(value) if value else ""
    return cleaned or None


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
