"""One ``find_<field>`` per text field of the record, each owning its fallback order.

* title: partner selector → JSON-LD ``headline`` → ``og:title``/``twitter:title`` → the
  ``h1`` nearest the body (the first ``h1`` is often the logo) → ``<title>``; site names
  ("… - اليوم السابع", "المدينة نيوز - …") are removed from whichever wins.
* author: partner selector → JSON-LD ``author`` name(s) → ``author`` metas → byline
  elements → a byline line at the top of the body; "كتب"/"بقلم"/"حوار:" stripped.
* categories: partner selector → JSON-LD ``articleSection`` → ``article:section`` →
  ``article:tag`` → breadcrumbs, without "الرئيسية"/"Home" and the headline itself.
* summary: JSON-LD ``description`` → ``og:description`` → ``description`` metas.
* language: ``<html lang>`` unless the text's script contradicts it, else detection.
* urgent: a badge of the article itself, a title prefix, a partner urgent selector or an
  urgent section/category; never tickers, menus, related links or the adjective.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag

from ..arabic.text import clean_text, detect_language, is_urgent_label, matching_key
from .meta import types_of, unescape
from .page import Page, text_length, text_of
from .rules import (
    BYLINE_PREFIX_RE,
    BYLINE_SELECTORS,
    HOME_CRUMBS,
    NOT_CATEGORIES,
    SITE_SUFFIX_SEPARATORS,
)

_MAX_AUTHOR = 80
_NOT_A_BYLINE = re.compile(r"(?:developed|designed|powered|created|made)\s+by\b", re.IGNORECASE)
_MAX_CATEGORY_WORDS = 6
_MAX_CATEGORIES = 20
NOT_CATEGORY_KEYS = frozenset(matching_key(c) for c in NOT_CATEGORIES)
_ARABIC_SCRIPT = frozenset({"ar", "fa", "ur", "ps", "ku", "ckb", "sd", "ug"})
_SEP_CHARS = " -|–—:«»·•/\u00a0"


# --- title ---------------------------------------------------------------------------------


def site_names(page: Page, headlines: Iterable[str]) -> list[str]:
    """Names the site puts around its headlines: og:site_name, publisher, <title> affixes."""
    declared = (page.meta.first("og:site_name"), page.meta.first("application-name"))
    names: list[str] = [clean_text(value) for value in declared if value]
    for obj in page.meta.articles:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(clean_text(publisher["name"]))
    full = clean_text(page.meta.title_tag or "")
    for headline in headlines:
        h = clean_text(headline)
        if not h or not full or h == full:
            continue
        if full.startswith(h):
            names.append(full[len(h) :].strip(_SEP_CHARS))
        elif full.endswith(h):
            names.append(full[: -len(h)].strip(_SEP_CHARS))
    return [n for n in dict.fromkeys(names) if n]


def strip_site_name(title: str, names: list[str]) -> str:
    title = clean_text(title)
    for _ in range(3):
        before = title
        for name in names:
            key = matching_key(name)
            for sep in SITE_SUFFIX_SEPARATORS:
                head, _, tail = title.rpartition(sep.strip())
                if head and matching_key(tail) == key:
                    title = head.strip(_SEP_CHARS + " ")
                lead, _, rest = title.partition(sep.strip())
                if rest and matching_key(lead) == key:
                    title = rest.strip(_SEP_CHARS + " ")
        if title == before:
            break
    return title


def nearest_h1(page: Page, roots: list[Tag]) -> Tag | None:
    """The h1 closest before the body (or inside it); logos and empty h1s are skipped."""
    if not roots:
        return None
    start = page.position(roots[0])
    best: Tag | None = None
    after: Tag | None = None
    for h1 in page.named("h1"):
        text = text_of(h1)
        if not text or (h1.find("img") is not None and len(text) < 15):
            continue
        link = h1.find_parent("a") or h1.find("a")
        if isinstance(link, Tag) and urlsplit(str(link.get("href") or "")).path in ("", "/"):
            if len(text.split()) <= 3:
                continue  # the site logo as a home link
        pos = page.position(h1)
        if pos <= start:
            best = h1
        elif after is None:
            after = h1
    return best or after


def _title_candidates(page: Page, h1: Tag | None) -> list[tuple[str, Tag | None]]:
    out: list[tuple[str, Tag | None]] = []
    if page.rules.title:
        for tag in page.select(page.rules.title):
            if text_of(tag):
                out.append((text_of(tag), tag))
                break
    headline = page.meta.ld("headline") or page.meta.ld("name")
    if isinstance(headline, str):
        out.append((unescape(headline), h1))
    for key in ("og:title", "twitter:title"):
        value = page.meta.first(key)
        if value:
            out.append((value, h1))
    if h1 is not None:
        out.append((_title_text(h1), h1))
    if page.meta.title_tag:
        out.append((page.meta.title_tag, h1))
    return out


def _title_text(h1: Tag) -> str:
    """The h1's text without an urgent badge inside it (<h1><span>عاجل</span> …</h1>)."""
    parts = [
        text_of(child) if isinstance(child, Tag) else clean_text(str(child))
        for child in h1.children
    ]
    kept = [p for p in parts if p and not is_urgent_label(p)]
    return clean_text(" ".join(kept))


def h1_badge(h1: Tag | None) -> bool:
    if h1 is None:
        return False
    return any(isinstance(c, Tag) and is_urgent_label(text_of(c)) for c in h1.children)


def find_title(page: Page, h1: Tag | None) -> tuple[str | None, Tag | None]:
    candidates = _title_candidates(page, h1)
    names = site_names(page, [c for c, _ in candidates[:-1]])
    for raw, element in candidates:
        title = strip_site_name(unescape(raw), names)
        if title and raw is page.meta.title_tag and title == clean_text(raw):
            title = _cut_suffix(title)
        if title:
            return title, element
    return None, h1


def _cut_suffix(title: str) -> str:
    """``<title>`` is the last resort: drop a short last segment ("… - موقع الأخبار")."""
    for sep in SITE_SUFFIX_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and head and len(tail.split()) <= 4 and len(head.split()) >= 3:
            return head.strip()
    return title


# --- author --------------------------------------------------------------------------------


def _clean_author(value: str, page: Page, names: list[str]) -> str | None:
    text = clean_text(unescape(value))
    m = BYLINE_PREFIX_RE.match(text)
    if m is not None:
        text = text[m.end() :]
    text = text.strip(" :-–|()")
    if not text or len(text) > _MAX_AUTHOR or "://" in text or text.startswith("www."):
        return None
    if _NOT_A_BYLINE.match(text):
        return None
    key = matching_key(text)
    host = (urlsplit(page.canonical).hostname or "").lower()
    if key in {matching_key(n) for n in names} or (" " not in text and key in host):
        return None  # the site's own name is not a byline
    return text


def _ld_authors(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            if "organization" not in types_of(item) or len(items) == 1:
                out.append(item["name"])
    return out


def find_author(page: Page, body_byline: str | None, title: str | None) -> str | None:
    names = site_names(page, [title] if title else [])
    candidates: list[list[str]] = []
    if page.rules.author:
        candidates.append([text_of(t) for t in page.select(page.rules.author)])
    candidates.append(_ld_authors(page.meta.ld("author")))
    candidates.append(page.meta.all("author", "article:author", "dc.creator", "parsely-author"))
    # One pass over the page for all byline selectors, then grouped in their priority order.
    bylines = page.select(", ".join(BYLINE_SELECTORS))
    candidates.extend(
        [text_of(t) for t in bylines if soupsieve.match(selector, t)][:3]
        for selector in BYLINE_SELECTORS
    )
    candidates.append([body_byline] if body_byline else [])
    for group in candidates:
        found = [a for a in (_clean_author(v, page, names) for v in group) if a]
        if found:
            return ", ".join(dict.fromkeys(found))
    return None


# --- categories ----------------------------------------------------------------------------


def _breadcrumbs(page: Page) -> list[str]:
    out: list[str] = []
    for obj in page.meta.objects:
        if "breadcrumblist" not in types_of(obj):
            continue
        items = obj.get("itemListElement")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            name = item.get("name")
            inner = item.get("item")
            if not isinstance(name, str) and isinstance(inner, dict):
                name = inner.get("name")
            if isinstance(name, str):
                out.append(name)
    if out:
        return out
    for trail in page.select(
        "[itemtype*=BreadcrumbList], .breadcrumb, .breadcrumbs, [aria-label*=breadcrumb i]"
    )[:1]:
        links = trail.find_all("a") or trail.find_all("li")
        out.extend(text_of(t) for t in links)
    return out


def find_categories(page: Page) -> list[str]:
    """Read before boilerplate removal: breadcrumbs live in the navigation."""
    skip = {matching_key(n) for n in site_names(page, [])} | NOT_CATEGORY_KEYS
    raw: list[str] = []
    if page.rules.categories:
        raw.extend(text_of(t) for t in page.select(page.rules.categories))
    section = page.meta.ld("articleSection")
    raw.extend(section if isinstance(section, list) else [section] if section else [])
    raw.extend(page.meta.all("article:section"))
    raw.extend(text_of(t) for t in page.select("[itemprop=articleSection]")[:1])
    for tag in page.meta.all("article:tag"):
        raw.extend(tag.split(",") if "," in tag and tag.count(",") >= 1 else [tag])
    raw.extend(_breadcrumbs(page))
    out: dict[str, str] = {}
    for value in raw:
        if not isinstance(value, str):
            continue
        text = clean_text(unescape(value)).strip(" ›»>/|")
        key = matching_key(text)
        if not text or key in HOME_CRUMBS or key in skip or len(text.split()) > _MAX_CATEGORY_WORDS:
            continue
        out.setdefault(key, text)
    return list(out.values())[:_MAX_CATEGORIES]


# --- summary, language ---------------------------------------------------------------------


def find_summary(page: Page, title: str | None) -> str | None:
    names = {matching_key(n) for n in site_names(page, [title] if title else [])}
    candidates = [page.meta.ld("description")]
    candidates += page.meta.all("og:description", "description", "twitter:description")
    for value in candidates:
        if not isinstance(value, str):
            continue
        text = clean_text(unescape(value))
        key = matching_key(text.strip(_SEP_CHARS))
        if len(text) < 15 or key in names or key == matching_key(title or ""):
            continue
        return text
    return None


def find_language(page: Page, text: str) -> str | None:
    declared = page.meta.lang or page.meta.first("content-language", "og:locale")
    primary = re.split(r"[-_]", declared.strip().lower())[0] if declared else None
    detected = detect_language(text[:5000]) if text else None
    if primary and detected and (primary in _ARABIC_SCRIPT) != (detected in _ARABIC_SCRIPT):
        return detected  # beirutobserver says lang="en-US" over Arabic text
    return primary or detected


# --- urgent --------------------------------------------------------------------------------

_BADGE_MAX_CHARS = 30


def _badge_in(container: Tag, skip: list[Tag]) -> bool:
    skipped = {id(s) for s in skip}
    for tag in _tags_under(container):
        # The length first, read no further than a badge's: most tags are far longer.
        length = text_length(tag, _BADGE_MAX_CHARS)
        if not length or length > _BADGE_MAX_CHARS:
            continue
        if id(tag) in skipped or any(id(p) in skipped for p in tag.parents):
            continue
        text = text_of(tag)
        inner = _tags_under(tag)
        if inner and any(text_of(c) == text for c in inner):
            continue  # judge the innermost element that carries the label
        if tag.name == "a" and any(p.name == "li" for p in tag.parents):
            continue  # a link in a list is navigation, even inside the article
        if is_urgent_label(text):
            return True
    return False


def _tags_under(tag: Tag) -> list[Tag]:
    """``tag.find_all(True)`` without bs4's matcher."""
    return [node for node in tag.descendants if isinstance(node, Tag)]


def find_urgent(
    page: Page,
    *,
    title_prefix: bool,
    h1: Tag | None,
    categories: list[str],
    header: list[Tag],
    roots: list[Tag],
) -> bool:
    if title_prefix or h1_badge(h1):
        return True
    if page.rules.urgent:
        for tag in page.select(page.rules.urgent):
            text = text_of(tag)
            if not text or is_urgent_label(text):
                return True
    sections = [page.meta.ld("articleSection"), *page.meta.all("article:section")]
    for value in [*sections, *categories]:
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and is_urgent_label(v) for v in values):
            return True
    # A badge in the article's own header (boilerplate is gone by now, so tickers and
    # menus cannot answer); the body's paragraphs are not badges.
    return any(_badge_in(container, roots) for container in header)


def soup_text(soup: BeautifulSoup) -> str:
    return text_of(soup.body or soup)
