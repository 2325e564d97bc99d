"""The parsed page every field finder works on: soup, metadata, URLs, rules, time zone.

Owns the HTML parse (BeautifulSoup + lxml, the only parser we use) and URL resolution.
Relative URLs resolve against ``<base href>``, then the canonical / ``og:url`` URL, then
the caller's ``base_url``, then the URL the page was fetched from; each of those is itself
resolved against the ones after it, so a relative ``<base href="/ar/">`` still works.

The soup may have been built without chrome certain to be removed (a fast path the package
wires in); :class:`Pruning` is what the extraction asks about what was left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar, Protocol
from urllib.parse import urljoin, urlsplit

import soupsieve
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString
from soupsieve import SoupSieve

from ..arabic.text import clean_text
from ..errors import ScrapeError
from ..model import ScrapeRules
from .meta import PageMeta, collect_meta
from .scoring import MAX_DEPTH
from .soup import whole_soup

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


class FullTreeNeeded(Exception):
    """The soup was built without some chrome and a step cannot show that its answer is
    the whole tree's: the page is scraped again from the whole tree."""


class Pruning(Protocol):
    """Chrome left out of the soup (it was certain to be removed), as the main path asks.

    Two steps read text the left-out chrome held: the densest-element search (densest.py)
    and the "read also" pass (boilerplate.py). Each asks whether its answer on this soup
    is the whole tree's and raises FullTreeNeeded when that cannot be shown.
    """

    def densest_doubt(
        self, body: Tag, best: Tag | None, threshold: int, score_of: Callable[[Tag], int | None]
    ) -> str | None:
        """Why the whole tree's densest element under *body* may not be *best*; None when
        it is. *score_of(tag)* is a tag's score in this soup (None: not a candidate),
        *threshold* the score of *best* (or the lowest accepted score when there is none).
        """
        ...

    def chrome_holders(self) -> Set[int]:
        """ids of the tags, as the tree is now, whose text held chrome left out for the
        class pass: the "read also" pass must not judge them."""
        ...


# A soup built without some chrome, and what was left out.
PrunedSoup = tuple[BeautifulSoup, Pruning]
# Per page: id(string) → (the string, its scoring.words). Strings outlive boilerplate
# removal, so the second densest search reads the first one's counts; holding the string
# keeps its id from being reused.
WordCounts = dict[int, tuple[NavigableString, int, int]]


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
    pruning: Pruning | None = None  # chrome left out of the soup; None: the whole tree
    word_counts: WordCounts = field(default_factory=dict)

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
            compiled = compile_css(selector, self.soup)
            keys = selector_keys(selector)
            found = None if keys is None else _keyed_select(scope, compiled, keys)
            return list(compiled.select(scope)) if found is None else found
        except Exception as exc:
            raise ScrapeError(
                f"bad CSS selector {selector!r} in the scrape rules",
                url=self.url,
                hint="fix the partner's [partners.rules] in config.toml",
            ) from exc

    def select_each(
        self, selectors: tuple[str, ...], root: Tag | None = None
    ) -> dict[str, list[Tag]]:
        """``{s: self.select(s, root)}`` for built-in *selectors*, from one walk of the tree
        under *root* (the whole page by default)."""
        scope = root if root is not None else self.soup
        keys = [selector_keys(s) for s in selectors]
        if None in keys:
            return {s: self.select(s, root) for s in selectors}
        checks = [(s, k, compile_css(s, self.soup)) for s, k in zip(selectors, keys, strict=True)]
        union = SelectorKeys(
            *(frozenset().union(*(getattr(k, f) for k in keys)) for f in SelectorKeys.FIELDS)
        )
        found: dict[str, list[Tag]] = {s: [] for s in selectors}
        stack = list(reversed(scope.contents))
        while stack:
            el = stack.pop()
            if not isinstance(el, Tag):
                continue
            if el.name.lower() == "template":
                return {s: self.select(s, root) for s in selectors}
            if union.may_match(el):
                for selector, key, sieve in checks:
                    if key is not None and key.may_match(el) and sieve.match(el):
                        found[selector].append(el)
            if el.contents:
                stack.extend(reversed(el.contents))
        return found


def compile_css(selector: str, soup: BeautifulSoup) -> SoupSieve:
    """*selector* compiled for *soup*'s namespaces, once per process.

    ``soup.css.compile`` compiled the selector again on every call (bs4 hands soupsieve a
    namespace dict its cache does not recognise): a tenth of a page's scrape time.
    """
    namespaces = getattr(soup, "_namespaces", None) or {}
    return _compiled(selector, tuple(sorted(namespaces.items())))


@lru_cache(maxsize=1024)
def _compiled(selector: str, namespaces: tuple[tuple[str, str], ...]) -> SoupSieve:
    return soupsieve.compile(selector, namespaces=dict(namespaces))


# Selectors whose shape the key reader below does not follow: pseudo-classes, namespaces,
# quoted values and escapes go to soupsieve's own select.
_UNKEYED = frozenset(":|\\\"'()")


@dataclass(frozen=True)
class SelectorKeys:
    """What a tag must carry for a selector to match it: one of these names/attributes."""

    names: frozenset[str]
    attrs: frozenset[str]
    classes: frozenset[str]  # lower-cased; compared with the tag's lower-cased classes
    ids: frozenset[str]  # lower-cased

    FIELDS: ClassVar[tuple[str, ...]] = ("names", "attrs", "classes", "ids")

    def may_match(self, tag: Tag) -> bool:
        if tag.name in self.names:
            return True
        attrs = tag.attrs
        if not attrs:
            return False  # most tags: nothing below can match
        if not self.attrs.isdisjoint(attrs):
            return True
        if self.classes:
            cls = attrs.get("class")
            if cls and any(str(c).lower() in self.classes for c in cls):
                return True
        ident = attrs.get("id")
        return bool(self.ids and ident and str(ident).lower() in self.ids)


@lru_cache(maxsize=512)
def selector_keys(selector: str) -> SelectorKeys | None:
    """The keys of *selector*: a tag without any of them cannot match it; None = any tag.

    Read from the first simple selector of the last compound of each comma-separated
    part ("nav a.x" → name a; ".x" → class x; "[itemprop=y]" → attribute itemprop).
    """
    if not selector.strip() or any(c in _UNKEYED for c in selector):
        return None
    keys: dict[str, set[str]] = {"": set(), "[": set(), ".": set(), "#": set()}
    depth = 0
    parts: list[str] = []
    current: list[str] = []
    for c in selector:
        depth += c == "["
        depth -= c == "]"
        if c == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    parts.append("".join(current))
    for part in parts:
        part = part.strip()
        start = len(part)  # the last compound starts after the last top-level combinator
        depth = 0
        while start > 0:
            c = part[start - 1]
            depth += c == "]"
            depth -= c == "["
            if depth == 0 and (c.isspace() or c in ">+~"):
                break
            start -= 1
        m = _SIMPLE.match(part, start)
        if not part or m is None:
            return None
        keys[m.group(1)].add(m.group(2).lower())
    return SelectorKeys(*(frozenset(keys[k]) for k in ("", "[", ".", "#")))


_SIMPLE = re.compile(r"([.#\[]?)([A-Za-z_][\w-]*)")


def _keyed_select(scope: Tag, compiled: SoupSieve, keys: SelectorKeys) -> list[Tag] | None:
    """``compiled.select(scope)`` walking only the tags that carry one of the keys.

    soupsieve's select walks every descendant (never into <template>) and asks match() of
    each; this is the same walk, with match() skipped where it cannot succeed. None when
    the scope holds a <template> (soupsieve's rules for those stay soupsieve's).
    """
    out: list[Tag] = []
    stack = list(reversed(scope.contents))
    while stack:
        el = stack.pop()
        if not isinstance(el, Tag):
            continue
        if el.name.lower() == "template":
            return None
        if keys.may_match(el) and compiled.match(el):
            out.append(el)
        if el.contents:
            stack.extend(reversed(el.contents))
    return out


def _flatten(soup: BeautifulSoup) -> None:
    """Unwrap elements nested deeper than MAX_DEPTH.

    No article is nested that deep; a hostile page that is would make every "text under
    this element" question quadratic (5,000 nested divs took seconds).
    """
    depth: dict[int, int] = {id(soup): 0}
    for tag in soup.find_all(True):
        parent = tag.parent
        level = depth.get(id(parent), 0) + 1 if parent is not None else 0
        if level > MAX_DEPTH and parent is not None:
            tag.unwrap()  # its children now hang on the parent, at this same level
        else:
            depth[id(tag)] = level


def parse_page(
    text: str,
    url: str,
    rules: ScrapeRules,
    timezone: str,
    base_url: str | None,
    *,
    pruned: PrunedSoup | None = None,
) -> Page:
    """The parsed page of *text*: the whole tree, or *pruned*'s soup built from it."""
    soup, pruning = (whole_soup(text), None) if pruned is None else pruned
    _flatten(soup)
    meta = collect_meta(soup)
    return Page(
        soup=soup,
        url=url,
        meta=meta,
        rules=rules,
        timezone=timezone,
        base_url=base_url,
        pruning=pruning,
    )


def named(root: Tag, *names: str, limit: int | None = None) -> list[Tag]:
    """``root.find_all(names, limit=limit)``: the same tags in the same order, without
    bs4's general matcher, which costs about five times as much per element."""
    wanted = frozenset(names)
    out: list[Tag] = []
    for node in root.descendants:
        if isinstance(node, Tag) and node.name in wanted:
            out.append(node)
            if limit is not None and len(out) >= limit:
                break
    return out


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
    cls: str | list[str] = attrs.get("class") or []
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
