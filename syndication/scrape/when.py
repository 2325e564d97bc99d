"""Publication and update dates of the article, as aware datetimes.

Fallback order of ``find_published``: partner ``published`` selector → JSON-LD
``datePublished`` → ``article:published_time`` and the other date metas → ``<time
datetime>`` in the article → visible date text near the title/byline (Arabic month names,
Arabic-Indic digits, ص/م… via ``arabic.dates``). Every machine value goes through
``parse_date`` too, because partners put non-ISO text in ISO fields (akhbarelyom's
``article:published_time`` is "الأربعاء، 07 أكتوبر 2020 - 12:09 م"). A time without an
offset is in the partner's time zone.

``find_updated`` follows the same order with the "modified" names and never returns a
time before the publication time (albayan's ``modified_time`` predates its
``published_time``).
"""

from __future__ import annotations

import datetime as dt

from bs4 import Tag
from bs4.element import NavigableString

from ..arabic.dates import parse_date
from .page import Page, text_of
from .rules import DATE_SELECTORS

_PUBLISHED_METAS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "article.published",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dc.date",
    "sailthru.date",
    "parsely-pub-date",
    "datecreated",
    "date",
)
_UPDATED_METAS = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
    "article.updated",
)
_MAX_DATE_TEXT = 200
_NEAR_LINES = 12  # lines read after the headline
_LINES_BEFORE = 6  # and before it: a date above a headline sits right above it


def _parse(value: object, page: Page) -> dt.datetime | None:
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        return None
    return parse_date(value.strip()[:_MAX_DATE_TEXT], page.timezone)


def _from_element(tag: Tag, page: Page) -> dt.datetime | None:
    for attr in ("datetime", "content", "data-date", "title"):
        value = tag.get(attr)
        if isinstance(value, str):
            found = _parse(value, page)
            if found is not None:
                return found
    text = text_of(tag)
    return _parse(text, page) if len(text) <= _MAX_DATE_TEXT else None


def _from_rule(selector: str | None, page: Page) -> dt.datetime | None:
    if not selector:
        return None
    for tag in page.select(selector):
        found = _from_element(tag, page)
        if found is not None:
            return found
    return None


def _in_scope(page: Page, scope: list[Tag], selectors: tuple[str, ...]) -> dt.datetime | None:
    # One walk per container for all the selectors (they are tried selector by selector).
    matches = [page.select_each(selectors, container) for container in scope]
    for selector in selectors:
        for found_in in matches:
            for tag in found_in[selector]:
                found = _from_element(tag, page)
                if found is not None:
                    return found
    return None


def _near_title(page: Page, title_el: Tag | None, roots: list[Tag]) -> dt.datetime | None:
    """A date in the short text lines right after (then right before) the headline.

    Lines are the page's non-empty strings, so the window is the same whether the page
    is indented or minified (the soup leaves layout whitespace out, soup.py)."""
    if title_el is None:
        return None
    start = roots[0] if roots else None
    after: list[str] = []
    for node in title_el.next_elements:
        if not isinstance(node, NavigableString):
            continue
        if start is not None and any(p is start for p in node.parents):
            break
        text = str(node).strip()
        if text:
            after.append(text)
            if len(after) >= _NEAR_LINES:
                break
    before: list[str] = []
    for node in title_el.previous_elements:
        if isinstance(node, NavigableString) and (text := str(node).strip()):
            before.append(text)
            if len(before) >= _LINES_BEFORE:
                break
    for text in [*after, *before]:
        if 6 <= len(text) <= _MAX_DATE_TEXT:
            found = parse_date(text, page.timezone)
            if found is not None:
                return found
    return None


def find_published(
    page: Page, scope: list[Tag], title_el: Tag | None = None, roots: list[Tag] | None = None
) -> dt.datetime | None:
    found = _from_rule(page.rules.published, page)
    if found is None:
        found = _parse(page.meta.ld("datePublished"), page)
    for key in _PUBLISHED_METAS:
        if found is not None:
            break
        for value in page.meta.all(key):
            found = _parse(value, page)
            if found is not None:
                break
    if found is None:
        found = _in_scope(page, scope, ("time[itemprop=datePublished]", "time[datetime]"))
    if found is None:
        found = _in_scope(page, scope, DATE_SELECTORS)
    if found is None:
        # Site-specific date classes anywhere (the generic "[class*=date]" ones would pick
        # up the date of a sidebar teaser here).
        found = _in_scope(page, [page.soup], DATE_SELECTORS[:6])
    if found is None:
        found = _near_title(page, title_el, roots or [])
    return found


def find_updated(page: Page, scope: list[Tag], published: dt.datetime | None) -> dt.datetime | None:
    found = _from_rule(page.rules.updated, page)
    if found is None:
        found = _parse(page.meta.ld("dateModified"), page)
    for key in _UPDATED_METAS:
        if found is not None:
            break
        for value in page.meta.all(key):
            found = _parse(value, page)
            if found is not None:
                break
    if found is None:
        found = _in_scope(page, scope, ("time[itemprop=dateModified]", "time.updated"))
    if found is not None and published is not None and found < published:
        return None
    return found
