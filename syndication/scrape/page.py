"""The parsed page every field finder works on: soup, metadata, URLs, rules, time zone.

Owns the HTML parse (BeautifulSoup + lxml, the only parser we use) and URL resolution.
Relative URLs resolve against ``<base href>``, then the canonical / ``og:url`` URL, then
the caller's ``base_url``, then the URL the page was fetched from; each of those is itself
resolved against the ones after it, so a relative ``<base href="/ar/">`` still works.

The soup may have been built without chrome certain to be removed (a fast path the package
wires in); :class:`Pruning` is what the extraction asks about what was left out.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass, field
from typing import Protocol, cast
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PageElement
from soupsieve import SoupSieve

from ..arabic.text import clean_text
from ..errors import ScrapeError
from ..model import ScrapeRules
from .meta import PageMeta, collect_meta
from .scoring import MAX_DEPTH, words
from .selectors import SelectorKeys, compile_css, selector_keys, subject_test
from .soup import Parsed, TreeSoupBuilder, scrape_soup
from .tagindex import TagIndex

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
    _tags: TagIndex | None = None
    # densest.py's measure of the tree (its own type: page.py only holds it), kept for
    # its next call, and the tags whose subtrees changed since (drop() marks them): that
    # call re-measures only those.
    measured: object = None
    changed: dict[int, Tag] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fallback = _absolute(self.base_url, self.url) or self.url
        own = _absolute(self.meta.canonical, fallback) or _absolute(self.meta.og_url, fallback)
        self.canonical = own or self.url
        chain = own or fallback
        self.base = _absolute(self.meta.base_href, chain) or chain

    def drop(self, node: PageElement) -> None:
        """Remove *node* (a tag: decomposed; a string: extracted) from the tree, and mark
        its ancestors changed. Boilerplate removal removes through this, so that the next
        densest() re-measures only the changed part of the tree."""
        if self.measured is not None:  # before the first measure nothing is kept
            changed = self.changed
            for parent in node.parents:
                changed[id(parent)] = parent
        if isinstance(node, Tag):
            node.decompose()
        else:
            node.extract()

    def resolve(self, href: str | None) -> str | None:
        """An absolute http(s) URL for *href*, or None (data:, javascript:, garbage)."""
        return _absolute(href, self.base)

    def index(self) -> None:
        """Record document order once the tree is final (after boilerplate removal).

        The tag index's places: removal since it was built leaves the survivors' order.
        """
        self._order = self.tag_index().order

    def tag_index(self) -> TagIndex:
        """The page's tags by name, attribute, class and id (built on first use)."""
        if self._tags is None:
            self._tags = TagIndex(self.soup)
        return self._tags

    def named(self, *names: str) -> list[Tag]:
        """``soup.find_all(names)``, answered from the tag index."""
        return self.tag_index().named(*names)

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
            found = None if keys is None else self._keyed(keys, root)
            if found is None:
                return list(compiled.select(scope))
            return _matching(selector, compiled, found)
        except Exception as exc:
            raise ScrapeError(
                f"bad CSS selector {selector!r} in the scrape rules",
                url=self.url,
                hint="fix the partner's [partners.rules] in config.toml",
            ) from exc

    def select_each(
        self, selectors: tuple[str, ...], root: Tag | None = None
    ) -> dict[str, list[Tag]]:
        """``{s: self.select(s, root)}``: each answered from the tag index."""
        return {s: self.select(s, root) for s in selectors}

    def _keyed(self, keys: SelectorKeys, root: Tag | None) -> list[Tag] | None:
        """The tags under *root* that carry one of *keys*, in document order (None: ask
        soupsieve, see TagIndex.candidates)."""
        return self.tag_index().candidates(keys.names, keys.attrs, keys.classes, keys.ids, root)


def _matching(selector: str, compiled: SoupSieve, tags: list[Tag]) -> list[Tag]:
    """The *tags* *selector* matches: the subject test first, soupsieve where it is not
    exact."""
    subject = subject_test(selector)
    if subject is None:
        return [tag for tag in tags if compiled.match(tag)]
    if subject.exact:
        return [tag for tag in tags if subject.test(tag)]
    return [tag for tag in tags if subject.test(tag) and compiled.match(tag)]


def _flatten(soup: BeautifulSoup) -> None:
    """Unwrap elements nested deeper than MAX_DEPTH.

    No article is nested that deep; a hostile page that is would make every "text under
    this element" question quadratic (5,000 nested divs took seconds).
    """
    depth: dict[int, int] = {id(soup): 0}
    for tag in [node for node in soup.descendants if isinstance(node, Tag)]:
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
    parsed: Parsed | None = None,
) -> Page:
    """The parsed page of *text*: the scrape's soup of it (soup.scrape_soup; from lxml's
    tree *parsed* when the caller has it), or *pruned*'s."""
    soup, pruning = (scrape_soup(text, parsed), None) if pruned is None else pruned
    builder = soup.builder
    tags = TagIndex(soup, builder.made if isinstance(builder, TreeSoupBuilder) else None)
    if tags.depth > MAX_DEPTH:
        if isinstance(builder, TreeSoupBuilder) and builder.drop_layout_space:
            # Flattening moves children up next to other text, where layout whitespace
            # the build left out would count (soup.TreeSoupBuilder.drop_layout_space).
            if pruning is not None:
                raise FullTreeNeeded(f"nested over {MAX_DEPTH} deep")
            soup = scrape_soup(text, parsed, layout_space=True)
        _flatten(soup)
        tags = TagIndex(soup)
    meta = collect_meta(soup, tags)
    return Page(
        soup=soup,
        url=url,
        meta=meta,
        rules=rules,
        timezone=timezone,
        base_url=base_url,
        pruning=pruning,
        _tags=tags,
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


def strings(root: Tag) -> list[NavigableString]:
    """``root.find_all(string=True)`` (every string below *root*, comments and scripts
    too, in document order) without bs4's matcher, which cost a twentieth of a scrape."""
    return [node for node in root.descendants if isinstance(node, NavigableString)]


def text_of(node: Tag | NavigableString | None) -> str:
    """Visible text of *node*, cleaned (clean_text), words separated by one space."""
    if node is None:
        return ""
    if isinstance(node, NavigableString):
        return clean_text(str(node))
    # get_text(" ") without its generator layers (a tenth of the time text_of took):
    # the strings of the types the tag finds interesting, as bs4 picks them.
    types = node.interesting_string_types or Tag.MAIN_CONTENT_STRING_TYPES
    if isinstance(types, type):
        return clean_text(" ".join([str(s) for s in node.descendants if type(s) is types]))
    return clean_text(" ".join([str(s) for s in node.descendants if type(s) in types]))


def text_length(node: Tag, limit: int) -> int:
    """``len(text_of(node))`` when that is at most *limit*; otherwise a number above
    *limit*: the walk stops there (a label's block climbing into the whole page need
    not read the page). Counted per string with scoring.words, as densest.py counts."""
    types = node.interesting_string_types or Tag.MAIN_CONTENT_STRING_TYPES
    kinds = (types,) if isinstance(types, type) else types
    chars = count = 0
    for s in node.descendants:
        if type(s) in kinds:
            c, w = words(cast(NavigableString, s))
            chars += c
            count += w
            if chars + count - 1 > limit:
                break
    return chars + count - 1 if count else 0


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
