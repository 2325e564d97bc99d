"""Known junk removed from the tree before the body and images are extracted.

Four passes, cheapest first:

1. the partner's ``drop`` selectors and HTML comments;
2. structural chrome: script/style/iframe/form…, nav, footers, asides, ad slots, and any
   element whose class or id names chrome (share bars, tickers, related and most-read
   lists, comments, newsletter boxes, screen-reader-only helpers — see ``rules.py``);
3. text-labelled junk: "اقرأ أيضا" / "ذات صلة" / "الأكثر قراءة" blocks (with the links
   they head, also inline in the body) and widget labels such as "تم نسخ الرابط";
4. teaser grids: four or more cards of one name and class under one parent, every one
   mostly link text ("more news" grids whose class names nothing we know;
   scoring.is_teaser).

An element that holds the article (much non-link text) is never removed by pass 2 or 3
(nor by 4: a card is mostly links):
ASP.NET sites wrap the whole page in a <form>, WordPress themes put "related" in the
<body> class. Metadata (JSON-LD, meta, breadcrumbs) is read before this runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Set
from typing import cast

from bs4 import Tag
from bs4.element import NavigableString

from ..arabic.text import matching_key
from .densest import densest
from .meta import unescape
from .page import FullTreeNeeded, Page, classes_and_id, named, strings, text_length, text_of
from .rules import BOILERPLATE_SELECTORS, READ_ALSO_RE
from .scoring import (
    CONTENT_CHARS,
    NEVER_BY_CLASS,
    PARAGRAPHS_READ,
    TEASER_NAMES,
    TEASER_RUN,
    holds_article_text,
    is_junk_label,
    is_teaser,
    junk_names,
    words,
)

# Removed unconditionally: never content, whatever they contain.
_ALWAYS = frozenset({"script", "style", "template", "iframe", "object", "embed", "svg", "canvas"})
# Removed only when they hold no image: a play button or aria-hidden wrapper around a
# video poster (Guardian) is the only copy of that picture.
_KEEP_IMAGES = frozenset({"[aria-hidden=true]", "button"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_MAX_LABEL_BLOCK = 1500


def link_density(tag: Tag) -> tuple[int, float]:
    """(text length, share of that text inside <a>) of *tag*."""
    total, linked = _text_and_links(tag)
    return (total, min(1.0, linked / total)) if total else (0, 0.0)


def _text_and_links(tag: Tag) -> tuple[int, int]:
    """(text length, summed text length of its <a> elements) of *tag*; links are not
    read when it has no text."""
    total = len(text_of(tag))
    return total, sum(len(text_of(a)) for a in named(tag, "a")) if total else 0


class _TooLong(Exception):
    pass


_MAIN_TYPES = frozenset(Tag.MAIN_CONTENT_STRING_TYPES)


def link_density_within(tag: Tag, limit: int) -> tuple[int, float] | None:
    """``link_density(tag)`` when its text is at most *limit* long; None when longer,
    found without reading further (a label's block climbing into the whole page).

    One walk for the text and the links' text, counted per string with scoring.words
    as text_length counts (an <a> inside an <a> counts in both, as in link_density)."""
    if frozenset(tag.interesting_string_types or ()) != _MAIN_TYPES:
        if text_length(tag, limit) > limit:
            return None
        return link_density(tag)
    seen = [0, 0]  # characters and words so far, to stop at the limit
    linked = 0

    def walk(node: Tag) -> tuple[int, int]:
        nonlocal linked
        chars = count = 0
        for child in node.contents:
            kind = type(child)
            if kind is Tag:
                element = cast(Tag, child)
                c, w = walk(element)
                if element.name == "a" and w:
                    linked += c + w - 1
            elif kind in _MAIN_TYPES:
                c, w = words(cast(NavigableString, child))
                seen[0] += c
                seen[1] += w
                if seen[0] + seen[1] - 1 > limit:
                    raise _TooLong
            else:
                continue
            chars += c
            count += w
        return chars, count

    try:
        chars, count = walk(tag)
    except _TooLong:
        return None
    total = chars + count - 1 if count else 0
    if total == 0:
        return 0, 0.0
    return total, min(1.0, linked / total)


def holds_content(tag: Tag) -> bool:
    """True when *tag* carries article-like text: long paragraphs that are not links."""
    total = len(text_of(tag))
    if total < CONTENT_CHARS:
        return False  # holds_article_text's first test, before the links are read
    linked = sum(len(text_of(a)) for a in named(tag, "a"))
    return holds_article_text(total, min(1.0, linked / total), _paragraph_lengths(tag))


def _paragraph_lengths(tag: Tag) -> Iterator[int]:
    # A generator: the p/div walk happens only if the verdict reads paragraphs.
    for p in named(tag, "p", "div", limit=PARAGRAPHS_READ):
        yield len(text_of(p))


def _is_junk_by_class(tag: Tag) -> bool:
    return tag.name not in NEVER_BY_CLASS and junk_names(classes_and_id(tag))


def _alive(tag: Tag) -> bool:
    # Read __dict__ directly: a decomposed Tag has lost its attributes, and bs4's
    # __getattr__ turns `tag.parent` / `tag.decomposed` into a subtree search for a
    # child element of that name (quadratic on big pages).
    attrs = tag.__dict__
    return not attrs.get("_decomposed", False) and attrs.get("parent") is not None


def _protected(page: Page) -> set[int]:
    """Ancestors of the text-densest element: wrappers of the article, never chrome.

    ASP.NET pages wrap everything in one <form>, and a link-heavy page makes even that
    wrapper look like navigation by link density alone.
    """
    keep: set[int] = set()
    best = densest(page, check=True)  # the whole tree's, or FullTreeNeeded
    if best is not None:
        keep.update(id(p) for p in best.parents)
    # The headline's wrappers too: sputnik's article header carries class "breakingnews".
    headline = page.meta.ld("headline") or page.meta.first("og:title")
    if isinstance(headline, str) and headline.strip():
        key = matching_key(unescape(headline))
        for h in page.named("h1", "h2")[:50]:
            text = matching_key(text_of(h))
            if text and (text == key or (len(text) > 15 and text in key)):
                keep.add(id(h))
                keep.update(id(p) for p in h.parents)
                break
    return keep


def _remove_comments(page: Page) -> None:
    for comment in page.tag_index().comments():
        page.drop(comment)


def _structural_matches(page: Page) -> dict[str, list[Tag]]:
    """Every built-in boilerplate selector's matches, in document order, from the tag
    index (one walk for all ~30 selectors, not one each). None of these selectors depends
    on siblings or position, so removing tags while walking the lists changes no later
    match."""
    return page.select_each(BOILERPLATE_SELECTORS)


def _remove_structural(page: Page, keep: set[int]) -> None:
    for selector in page.rules.drop:
        for tag in page.select(selector):
            if not _alive(tag) or (id(tag) in keep and tag.name not in _ALWAYS):
                continue
            if selector in _KEEP_IMAGES and tag.find("img") is not None:
                continue
            page.drop(tag)
    matches = _structural_matches(page)
    for selector in BOILERPLATE_SELECTORS:
        for tag in matches[selector]:
            if not _alive(tag) or (id(tag) in keep and tag.name not in _ALWAYS):
                continue
            is_rule = selector in page.rules.drop
            if is_rule or tag.name in _ALWAYS or not holds_content(tag):
                if selector in _KEEP_IMAGES and tag.find("img") is not None:
                    continue
                page.drop(tag)


def _remove_by_class(page: Page, keep: set[int]) -> None:
    # Only a tag with a style, or a class or id naming chrome, can be judged here. A tag's
    # names are chrome when one of them is (no chrome word spans a space: scoring.py), so
    # the index's distinct class and id keys are judged, not each tag's.
    index = page.tag_index()
    for tag in index.keyed(
        attrs=("style",),
        classes=[k for k in index.class_keys() if junk_names(k)],
        ids=[k for k in index.id_keys() if junk_names(k)],
    ):
        if not _alive(tag) or id(tag) in keep:
            continue
        style = tag.get("style")
        hidden = isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))
        if (hidden or _is_junk_by_class(tag)) and not holds_content(tag):
            page.drop(tag)


def _remove_teasers(page: Page, keep: set[int]) -> None:
    """Remove the teaser grids (scoring.TEASER_RUN cards or more, all teasers)."""
    # Grouped by parent, name and class, whatever stands between them: which cards form
    # a grid does not depend on other removals (prune.py leaves such grids out unbuilt).
    index = page.tag_index()
    groups: dict[tuple[int, str, str], list[Tag]] = {}
    for tag in index.keyed(classes=index.class_keys()):
        parent = tag.__dict__.get("parent")
        if tag.name in TEASER_NAMES and parent is not None:
            names = tag.get("class")  # a list as bs4 splits it (a str from other builders)
            joined = " ".join(names) if isinstance(names, list) else " ".join(str(names).split())
            if joined:
                groups.setdefault((id(parent), tag.name, joined), []).append(tag)
    grids = [
        cards
        for cards in groups.values()
        if len(cards) >= TEASER_RUN and all(is_teaser(*_text_and_links(card)) for card in cards)
    ]
    for cards in grids:  # judged first, removed after: no grid judged without another
        for card in cards:
            if _alive(card) and id(card) not in keep:
                page.drop(card)


def _guard(tag: Tag | None, watch: Set[int]) -> None:
    """A judgement on *tag* would have seen chrome left out of the soup (page.Pruning)."""
    if tag is not None and id(tag) in watch:
        raise FullTreeNeeded(f"the read-also pass judges <{tag.name}>, which held chrome")


def _label_block(label: Tag, watch: Set[int]) -> Tag:
    """The block a "read also" label heads: climb while the parent is mostly links."""
    block = label
    _guard(label, watch)
    own = len(text_of(label))
    for parent in label.parents:
        if parent.name in ("body", "html", "article", "main") or parent.parent is None:
            break
        _guard(parent, watch)
        measured = link_density_within(parent, _MAX_LABEL_BLOCK)
        if measured is None:
            break  # read no further than that: the parent may be the whole page
        total, density = measured
        if total > own + 20 and density < 0.5:
            break
        block = parent
    return block


_NOTHING_LEFT_OUT: frozenset[int] = frozenset()


def _remove_labelled(page: Page, keep: set[int]) -> None:
    body = page.soup.body or page.soup
    watch = page.pruning.chrome_holders() if page.pruning is not None else _NOTHING_LEFT_OUT
    for string in strings(body):
        parent = getattr(string, "parent", None)  # gone with an earlier removed block
        if parent is None or not isinstance(parent, Tag) or not _alive(parent):
            continue
        raw = str(string).strip()
        if not raw or len(raw) > 60:
            continue
        if is_junk_label(raw):
            target = parent
            _guard(target, watch)
            while target.parent is not None and target.parent.name not in ("body", "html"):
                _guard(target.parent, watch)
                if not is_junk_label(text_of(target.parent) or "-"):
                    break
                target = target.parent
            if text_of(target) and is_junk_label(text_of(target)):
                page.drop(target)
            else:
                page.drop(string)
            continue
        m = READ_ALSO_RE.match(raw)
        if m is None or raw[m.end() :].strip():
            continue
        block = _label_block(parent, watch)
        if block is parent:
            # The label stands alone (a heading): the links it heads follow it.
            _guard(parent.parent, watch)  # left-out chrome may have been that sibling
            nxt = parent.find_next_sibling()
            if nxt is not None:
                _, density = link_density(nxt)
                if density > 0.5 and not holds_content(nxt):
                    page.drop(nxt)
        if id(block) not in keep and not holds_content(block):
            page.drop(block)


def remove_boilerplate(page: Page) -> None:
    _remove_comments(page)
    for tag in page.named("script", "style", "template"):
        page.drop(tag)  # before scoring: their text is not the page's
    keep = _protected(page)
    _remove_structural(page, keep)
    _remove_labelled(page, keep)  # before the class pass, which may take a label, not its list
    _remove_by_class(page, keep)
    _remove_teasers(page, keep)
