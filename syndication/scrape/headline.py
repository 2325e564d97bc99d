"""The headline element of a page that has no usable ``<h1>``.

Older Arabic portals (table layouts, ASP pages in windows-1256) write the headline in a
``div.newstitle``, an ``h2``, a ``td`` — anything but ``h1`` — and their ``<title>`` is
"Site - Headline" or "Site :: Headline". Without the element, the title falls back to
``<title>`` with the site name glued to the front, and nothing anchors the search for
the visible byline date or the lead image next to the headline.

The element is found by the text ``<title>`` already gives us: the first text node
before the body whose whole text is ``<title>`` or one of its separator-delimited parts
(three words or more, compared folded), outside links (a teaser links away).
"""

from __future__ import annotations

from bs4 import Tag
from bs4.element import NavigableString

from ..arabic.text import clean_text, matching_key
from .page import Page, strings
from .rules import SITE_SUFFIX_SEPARATORS

_MIN_WORDS = 3
_NOT_HEADLINES = frozenset({"title", "script", "style", "a", "option", "button", "label"})


def _title_parts(title: str) -> set[str]:
    parts = [title]
    for sep in SITE_SUFFIX_SEPARATORS:
        parts.extend(p for part in list(parts) for p in part.split(sep))
    return {matching_key(p) for p in parts if len(p.split()) >= _MIN_WORDS}


def headline_element(page: Page, roots: list[Tag]) -> Tag | None:
    """The element holding the headline that ``<title>`` names, before the body; None
    when there is no ``<title>`` or no such element."""
    raw = page.meta.title_tag
    if not raw:
        return None
    wanted = _title_parts(clean_text(raw))
    if not wanted:
        return None
    start = page.position(roots[0]) if roots else 1 << 30
    for string in strings(page.soup):
        if type(string) is not NavigableString:  # comments, CDATA, doctype
            continue
        text = clean_text(str(string))
        if len(text.split()) < _MIN_WORDS or matching_key(text) not in wanted:
            continue
        element = string.parent
        if element is None or element.name in _NOT_HEADLINES:
            continue
        if any(parent.name in ("a", "head") for parent in element.parents):
            continue
        if page.position(element) >= start:
            return None  # the headline comes before the article text
        return element
    return None
