"""The text-densest element: the one holding the most non-link text of its own.

Boilerplate removal protects its wrappers and the body search (body.py) starts from it.
Each candidate (scoring.CANDIDATES) scores the non-link text of its own text nodes,
inline children and paragraphs, and of its div/section children without blocks from
scoring.DIV_TEXT_MIN characters on. One bottom-up pass measures every element first, so
each string is counted once instead of once per ancestor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from bs4 import Tag
from bs4.element import CData, Comment, NavigableString

from .page import FullTreeNeeded, Page, WordCounts
from .scoring import BLOCKS, CANDIDATES, DIV_TEXT_MIN, OWN_STRINGS, SCORED, words

MIN_ROOT_SCORE = 80  # below this the page has no article body


@dataclass(slots=True)
class _Node:
    chars: int = 0  # characters in the words of the element's text
    words: int = 0
    links: int = 0  # sum of len(text_of(a)) over the <a> elements under it (find_all("a"))
    blocks: bool = False  # a p/div/section/ul/table under it
    pdiv: bool = False  # a p/div under it

    @property
    def length(self) -> int:
        """len(text_of(element)): words joined by single spaces (clean_text)."""
        return self.chars + self.words - 1 if self.words else 0


@dataclass(slots=True)
class _Measured:
    """A page's measure, kept for densest's next call on it (Page.measured)."""

    body: Tag
    nodes: dict[int, _Node]
    order: list[Tag]  # the candidates, in document order


def _measure(
    tag: Tag,
    nodes: dict[int, _Node],
    order: list[Tag],
    cache: WordCounts | None = None,
    changed: dict[int, Tag] | None = None,
) -> _Node:
    """One bottom-up pass: every element's text length, link text and block flags.

    text_of(x) is clean_text of x's strings joined by " ", so its length is the words
    of each string plus one space between words; the strings are each cleaned once here
    instead of once per ancestor (scoring every element re-read all the text under it).

    With *changed* (the tags whose subtrees changed since *nodes* was measured), only
    those are walked: a child outside it keeps its node, as its subtree is the same.
    *order* is then left as it is.
    """
    if changed is None and tag.name in CANDIDATES:
        order.append(tag)  # before its descendants: document order
    chars = count = links = 0
    blocks = pdiv = False
    # Exact types: a soup's children are Tags (never the BeautifulSoup itself) and
    # strings of the classes get_text() reads or not (Comment, Script…).
    for child in tag.contents:
        kind = type(child)
        if kind is Tag:
            element = cast(Tag, child)
            name = element.name
            if changed is not None and id(element) not in changed:
                sub = nodes[id(element)]  # as measured, OWN_STRINGS' own text included
                chars += 0 if name in OWN_STRINGS else sub.chars
                count += 0 if name in OWN_STRINGS else sub.words
                links += sub.links + (sub.length if name == "a" else 0)
                blocks = blocks or sub.blocks or name in BLOCKS
                pdiv = pdiv or sub.pdiv or name == "p" or name == "div"
                continue
            sub = _measure(element, nodes, order, cache, changed)
            if name in OWN_STRINGS:
                # Their strings are Script/TemplateString/…: not in the parent's text.
                text = element.get_text(" ")
                sub = _Node(*words(text), sub.links, sub.blocks, sub.pdiv)
                nodes[id(element)] = sub
            else:
                chars += sub.chars
                count += sub.words
            links += sub.links + (sub.length if name == "a" else 0)
            blocks = blocks or sub.blocks or name in BLOCKS
            pdiv = pdiv or sub.pdiv or name == "p" or name == "div"
        elif kind in _TEXT_TYPES:
            hit = cache.get(id(child)) if cache is not None else None
            if hit is not None and hit[0] is child:
                c, w = hit[1], hit[2]
            else:
                string = cast(NavigableString, child)
                c, w = words(string)
                if cache is not None:
                    cache[id(child)] = (string, c, w)
            chars += c
            count += w
    node = nodes[id(tag)] = _Node(chars, count, links, blocks, pdiv)
    return node


_TEXT_TYPES = (NavigableString, CData)  # the string types get_text() reads in an element


def _scored(tag: Tag, nodes: dict[int, _Node]) -> int:
    """Non-link text *tag* holds directly: text nodes, inline children, <p>s, and divs
    without blocks from DIV_TEXT_MIN characters on (read from the measured nodes)."""
    score = 0
    for child in tag.contents:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            score += len(child.strip())
        elif isinstance(child, Tag):
            name = child.name
            if name == "a":
                continue
            node = nodes[id(child)]
            if name in SCORED:
                score += node.length - node.links
            elif name in ("div", "section") and not node.blocks:
                text = node.length - node.links
                if text >= DIV_TEXT_MIN:
                    score += text
    return score


def densest(page: Page, *, check: bool = False) -> Tag | None:
    """The element holding the most non-link text of its own (see ``_scored``).

    With *check*, on a soup built without some chrome (page.pruning), raise
    FullTreeNeeded unless the element is the densest of the whole tree too.
    """
    best: Tag | None = None
    best_score = 0
    body = page.soup.body or page.soup
    kept = page.measured
    if isinstance(kept, _Measured) and kept.body is body:
        # Called again after boilerplate removal: re-measure what it changed (Page.drop
        # marked it); decomposed candidates are out of the order.
        nodes = kept.nodes
        _measure(body, nodes, [], page.word_counts, page.changed)
        order = [t for t in kept.order if not t.__dict__.get("_decomposed")]
    else:
        nodes = {}
        order = []
        _measure(body, nodes, order, page.word_counts)
        if order and order[0] is body:
            order = order[1:]  # find_all() below the body, not the body itself
    page.measured = _Measured(body, nodes, order)
    page.changed = {}
    for tag in order:
        node = nodes[id(tag)]
        if tag.name == "p" and not node.pdiv:
            continue  # a paragraph is a block of its container, not a container
        score = _scored(tag, nodes)
        if score > best_score:
            best, best_score = tag, score
    if best_score < MIN_ROOT_SCORE:
        best = None
    if check and page.pruning is not None:

        def score_of(tag: Tag) -> int | None:
            return _scored(tag, nodes) if tag.name in CANDIDATES else None

        threshold = best_score if best is not None else MIN_ROOT_SCORE
        doubt = page.pruning.densest_doubt(body, best, threshold, score_of)
        if doubt is not None:
            raise FullTreeNeeded(doubt)
    return best
