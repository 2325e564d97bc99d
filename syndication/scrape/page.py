"""The parsed page every field finder works on: soup, metadata, URLs, rules, time zone.

Owns the HTML parse (BeautifulSoup + lxml, the only parser we use) and URL resolution.
Relative URLs resolve against ``<base href>``, then the canonical / ``og:url`` URL, then
the caller's ``base_url``, then the URL the page was fetched from; each of those is itself
resolved against the ones after it, so a relative ``<base href="/ar/">`` still works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from ..arabic.text import clean_text
from ..errors import ScrapeError
from ..model import ScrapeRules
from .meta import PageMeta, collect_meta

_WEB = ("http", "https")


def _absolute(href: str | None, against: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    try:
        joined = urljoin(against, href) if against else href
        scheme = urlsplit(joined).scheme.lower()
    except ValueError:
        return None
    return joined if scheme in _WEB else None


@dataclass
class Page:
    soup: BeautifulSoup
    url: str  # the URL we were given
    meta: PageMeta
    rules: ScrapeRules
    timezone: str
    base_url: str | None = None
    canonical: str = ""  # the article's own URL (canonical / og:url / url)
    base: str = ""  # what relative URLs resolve against
    _order: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fallback = _absolute(self.base_url, self.url) or self.url
        own = _absolute(self.meta.canonical, fallback) or _absolute(self.meta.og_url, fallback)
        self.canonical = own or self.url
        chain = own or fallback
        self.base = _absolute(self.meta.base_href, chain) or chain

    def resolve(self, href: str | None) -> str | None:
        """An absolute http(s) URL for *href*, or None (data:, javascript:, garbage)."""
        return _absolute(href, self.base)

    def index(self) -> None:
        """Record document order once the tree is final (after boilerplate removal)."""
        self._order = {id(tag): i for i, tag in enumerate(self.soup.find_all(True))}

    def position(self, tag: Tag) -> int:
        return self._order.get(id(tag), 1 << 30)

    def select(self, selector: str, root: Tag | None = None) -> list[Tag]:
        """CSS *selector* under *root* (the whole page by default).

        A selector soupsieve cannot parse comes from the partner's config, so it is a
        ScrapeError naming the selector, not a crash.
        """
        scope = root if root is not None else self.soup
        try:
            return list(scope.select(selector))
        except Exception as exc:
            raise ScrapeError(
                f"bad CSS selector {selector!r} in the scrape rules",
                url=self.url,
                hint="fix the partner's [partners.rules] in config.toml",
            ) from exc


_MAX_DEPTH = 100


def _flatten(soup: BeautifulSoup) -> None:
    """Unwrap elements nested deeper than _MAX_DEPTH.

    No article is nested that deep; a hostile page that is would make every "text under
    this element" question quadratic (5,000 nested divs took seconds).
    """
    depth: dict[int, int] = {id(soup): 0}
    for tag in soup.find_all(True):
        parent = tag.parent
        level = depth.get(id(parent), 0) + 1 if parent is not None else 0
        if level > _MAX_DEPTH and parent is not None:
            tag.unwrap()  # its children now hang on the parent, at this same level
        else:
            depth[id(tag)] = level


def parse_page(
    text: str, url: str, rules: ScrapeRules, timezone: str, base_url: str | None
) -> Page:
    soup = BeautifulSoup(text, "lxml")
    _flatten(soup)
    meta = collect_meta(soup)
    return Page(soup=soup, url=url, meta=meta, rules=rules, timezone=timezone, base_url=base_url)


def text_of(node: Tag | NavigableString | None) -> str:
    """Visible text of *node*, cleaned (clean_text), words separated by one space."""
    if node is None:
        return ""
    if isinstance(node, NavigableString):
        return clean_text(str(node))
    return clean_text(node.get_text(" "))


def classes_and_id(tag: Tag) -> str:
    """``class`` and ``id`` of *tag*, lower-cased, space-joined (for pattern checks)."""
    attrs = tag.attrs if isinstance(tag.attrs, dict) else {}
    cls: Any = attrs.get("class") or []
    parts = [str(c) for c in cls] if isinstance(cls, list) else [str(cls)]
    ident = attrs.get("id")
    if ident:
        parts.append(str(ident))
    return " ".join(parts).lower()


def common_ancestor(a: Tag, b: Tag) -> Tag | None:
    seen = {id(a)}
    seen.update(id(p) for p in a.parents)
    if id(b) in seen:
        return b
    for parent in b.parents:
        if id(parent) in seen:
            return parent
    return None
