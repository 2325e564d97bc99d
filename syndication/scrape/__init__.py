"""Article page → one clean :class:`~syndication.model.Scraped` record.

    bytes ─ decode_html ─┐
    str ─────────────────┴→ cap size → parse (lxml) → metadata (JSON-LD, meta, links)
      → categories (breadcrumbs live in the chrome) → drop boilerplate (boilerplate.py)
      → body roots (body.py) → h1 nearest the body → title + urgent prefix (extract.py)
      → images, captions, credits (images.py) → blocks (body.py)
      → dates (when.py), author, summary, language, urgent (extract.py)
      → body_html (render.py)

The parse may leave out chrome certain to be removed (prune.py, the fast path): the steps
that read the whole page ask the soup's page.Pruning whether their answer holds, and the
page is scraped again from the whole tree when it cannot be shown to. This module is the
only one that knows prune.py: without it (``PRUNER = None``) every page is built whole,
with the same records.

Per-partner :class:`ScrapeRules` (CSS selectors, from config.toml) come first for every
field they set; the generic chain fills the rest. A page without an article body is a
:class:`~syndication.errors.ScrapeError` naming the URL. An unexpected failure while
reading one optional field (author, images, dates…) is logged with the field name and the
field is left empty, so one odd widget cannot lose a story; the body and title are not
optional.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from bs4 import Tag

from ..arabic.dates import get_tz
from ..arabic.text import strip_urgent_prefix
from ..decode import decode_html, utf8_source
from ..errors import ScrapeError
from ..model import Block, Image, Scraped, ScrapeRules
from .body import ImageRef, Part, find_blocks, find_body_roots
from .boilerplate import remove_boilerplate
from .collector import fewer_collections
from .extract import (
    find_author,
    find_categories,
    find_language,
    find_summary,
    find_title,
    find_urgent,
    nearest_h1,
)
from .headline import headline_element
from .images import FoundImages, find_images
from .page import FullTreeNeeded, Page, PrunedSoup, common_ancestor, parse_page, text_of
from .prune import PRUNER  # the fast path; `PRUNER = None` instead builds every page whole
from .render import body_html
from .rules import SITE_RULES, rules_for_url
from .soup import Parsed, parse_tree, release
from .when import find_published, find_updated

__all__ = ["MAX_PAGE_CHARS", "SITE_RULES", "ScrapeRules", "rules_for_url", "scrape"]

log = logging.getLogger(__name__)

# Pages are cut here before parsing: an article is never this long, and a 10 MB page of
# junk must not hold a worker for minutes in the tree builder.
MAX_PAGE_CHARS = 2_000_000

T = TypeVar("T")


def _optional(field: str, url: str, default: T, fn: Callable[[], T]) -> T:
    try:
        return fn()
    except ScrapeError:
        raise
    except Exception:
        log.warning("scrape %s: reading %s failed; field left empty", url, field, exc_info=True)
        return default


def _cut(data: bytes, limit: int) -> bytes:
    """Cut bytes before a "<" so no multi-byte character is split."""
    if len(data) <= limit:
        return data
    at = data.rfind(b"<", 0, limit)
    return data[: at if at > 0 else limit]


def _text(page: str | bytes, url: str, http_charset: str | None) -> tuple[str, bytes | None]:
    """The page's text, and the same text in UTF-8 when the page's own bytes are that
    (decode.utf8_source): the parser reads those instead."""
    utf8 = None
    if isinstance(page, bytes):
        data = _cut(page, MAX_PAGE_CHARS * 2)
        try:
            text, encoding = decode_html(data, http_charset)
        except Exception as exc:
            raise ScrapeError(
                "page bytes could not be decoded", url=url, hint="set the partner's encoding"
            ) from exc
        utf8 = utf8_source(data, text, encoding)
    else:
        text = page
    if len(text) > MAX_PAGE_CHARS:
        log.warning("scrape %s: page of %d characters cut to %d", url, len(text), MAX_PAGE_CHARS)
        cut = text.rfind("<", 0, MAX_PAGE_CHARS)
        text = text[: cut if cut > 0 else MAX_PAGE_CHARS]
        utf8 = None
    return text, utf8


def _scopes(title_el: Tag | None, roots: list[Tag]) -> tuple[list[Tag], list[Tag]]:
    """(header containers for the urgent badge, containers whose images are the story's).

    The article's own area is the lowest element holding both the headline and the body,
    unless that is the whole page (a headline in the site header): then the headline's
    parent and the body.
    """
    if title_el is None or title_el.parent is None:
        return [], list(roots)
    shared = common_ancestor(title_el, roots[0])
    body_len = sum(len(text_of(r)) for r in roots)
    if (
        shared is not None
        and shared.name not in ("body", "html", "[document]")
        and len(text_of(shared)) <= 2 * body_len + 2000
    ):
        return [shared], [shared, *roots]
    return [title_el.parent], [title_el.parent, *roots]


def _order_images(
    parts: list[Part], images: list[Image]
) -> tuple[list[Image], list[Block | Image]]:
    """Images in the order body_html shows them (lead first) and the parts to render."""
    placed = [p.index for p in parts if isinstance(p, ImageRef)]
    order = [i for i in range(len(images)) if i not in placed] + placed
    ordered = [images[i] for i in order]
    rendered: list[Block | Image] = [images[i] for i in order if i not in placed]
    rendered.extend(images[p.index] if isinstance(p, ImageRef) else p for p in parts)
    return ordered, rendered


def scrape(
    page: str | bytes,
    url: str,
    rules: ScrapeRules | None = None,
    *,
    timezone: str = "UTC",
    http_charset: str | None = None,
    base_url: str | None = None,
    prune: bool | None = None,
) -> Scraped:
    """Extract the article of *page* (fetched from *url*); raise ScrapeError if there is none.

    *timezone* is the partner's zone for times written without an offset. *base_url*
    resolves relative URLs when the page has neither ``<base href>`` nor a canonical URL.
    *prune* leaves chrome that is certain to be removed out of the tree (prune.py); the
    record is the same either way, only the time differs. None (the default) prunes where
    it has been paying off for the page's site (prune.SiteOdds); True and False force it.
    """
    with fewer_collections():
        return _scrape(page, url, rules, timezone, http_charset, base_url, prune)


def _scrape(
    page: str | bytes,
    url: str,
    rules: ScrapeRules | None,
    timezone: str,
    http_charset: str | None,
    base_url: str | None,
    prune: bool | None,
) -> Scraped:
    rules = rules or ScrapeRules()
    try:
        get_tz(timezone)
    except ValueError as exc:
        raise ScrapeError(str(exc), url=url, hint="fix the partner's timezone") from exc
    text, utf8 = _text(page, url, http_charset)
    if not text.strip():
        raise ScrapeError("empty page: no article body found", url=url)
    parsed = parse_tree(text, utf8)  # one lxml parse: the plan and either build read its tree
    if PRUNER is not None and prune is not False:
        pruned = PRUNER.build(text, url, rules, force=prune is True, parsed=parsed)
        if pruned is not None:
            try:
                record = _extract(text, url, rules, timezone, base_url, pruned)
            except FullTreeNeeded as exc:
                PRUNER.missed(url)
                log.debug("scrape %s: full tree needed (%s)", url, exc)
            else:
                PRUNER.paid(url)
                return record
    return _extract(text, url, rules, timezone, base_url, None, parsed)


def _extract(
    text: str,
    url: str,
    rules: ScrapeRules,
    timezone: str,
    base_url: str | None,
    pruned: PrunedSoup | None,
    parsed: Parsed | None = None,
) -> Scraped:
    doc = parse_page(text, url, rules, timezone, base_url, pruned=pruned, parsed=parsed)
    try:
        return _extract_from(doc, url)
    finally:
        release(doc.soup)  # the record holds none of it


def _extract_from(doc: Page, url: str) -> Scraped:
    no_categories: list[str] = []
    categories = _optional("categories", url, no_categories, lambda: find_categories(doc))
    remove_boilerplate(doc)
    doc.index()
    roots = find_body_roots(doc)
    if not roots:
        raise ScrapeError(
            f"no article body found in {url}",
            url=url,
            hint="not an article page, or set a body selector in the partner's rules",
        )
    h1 = _optional("title", url, None, lambda: nearest_h1(doc, roots))
    if h1 is None:  # a headline in a div/h2/td: the element <title> names
        h1 = _optional("title", url, None, lambda: headline_element(doc, roots))
    raw_title, title_el = find_title(doc, h1)
    title, prefixed = strip_urgent_prefix(raw_title) if raw_title else (None, False)
    header, scope = _scopes(title_el, roots)
    found = _optional("images", url, FoundImages(), lambda: find_images(doc, roots, scope, title))
    parts, byline = find_blocks(doc, roots, found, title)
    blocks = [p for p in parts if isinstance(p, Block)]
    if not blocks:
        raise ScrapeError(
            f"no article body found in {url}: the body element has no text",
            url=url,
            hint="not an article page, or set a body selector in the partner's rules",
        )
    images, rendered = _order_images(parts, found.images)
    body_text = "\n".join(b.text for b in blocks)
    published = _optional(
        "published", url, None, lambda: find_published(doc, scope, title_el, roots)
    )
    return Scraped(
        url=doc.canonical,
        title=title or None,
        urgent=_optional(
            "urgent",
            url,
            prefixed,
            lambda: find_urgent(
                doc,
                title_prefix=prefixed,
                h1=h1,
                categories=categories,
                header=header,
                roots=roots,
            ),
        ),
        published=published,
        updated=_optional("updated", url, None, lambda: find_updated(doc, scope, published)),
        author=_optional("author", url, None, lambda: find_author(doc, byline, title)),
        categories=tuple(categories),
        summary=_optional("summary", url, None, lambda: find_summary(doc, title)),
        blocks=tuple(blocks),
        images=tuple(images),
        body_html=body_html(rendered),
        language=_optional("language", url, None, lambda: find_language(doc, body_text)),
    )
