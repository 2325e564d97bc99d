"""Fast path: page chrome that boilerplate.py is certain to remove is never built in bs4.

Building the BeautifulSoup tree is most of a scrape's cost, and on a news page most of the
tree is chrome: mega menus, footers, asides, related-story grids. ``plan`` parses the page
once with lxml (C, a millisecond) and picks the elements whose removal is certain and
invisible to every step that runs before it:

* structural chrome (``nav``/``aside``/``footer``/``marquee``/``body > header``) that
  the structural pass removes: no ancestor or descendant is judged by that pass before
  it (their judgement would have read its text);
* class chrome (``.related``, ``.share``… see rules.JUNK_CLASS_*) that the class pass
  removes: the structural and class passes judge no ancestor or descendant of it, and
  no string in it starts the "read also" pass;
* teaser grids (boilerplate.py's last pass), only whole: every card is class chrome in
  all but its name, mostly link text, with nothing inside it the class pass judges, and
  no ancestor is judged or is itself a card of a possible grid (:class:`_Grids`);
* for all: ``holds_content`` is false (computed here with bs4's text rules: the strings
  ``get_text`` reads, cleaned with ``clean_text``), and nothing in them is read before
  boilerplate removal (``<meta>``/``<title>``/JSON-LD, breadcrumbs, ``articleSection``,
  ``h1``/``h2`` for the headline search; no ``<template>``/ruby text either).

The last two tests, which walk the element's subtree in Python, are kept per process by
the bytes of the subtree (:class:`Verdicts`): a site's menus and footers are the same
markup on every page, so they are walked once, not on every page.

What depends on the whole tree is checked after the fact: a :class:`Plan` answers the
questions of page.Pruning, and the page goes down the full path (page.FullTreeNeeded)
when it cannot be shown to be unchanged: which element is text-densest
(``densest_doubt``: from the pruned tree's scores and upper bounds of the text each
pruned element held), and any "read also" judgement of an element that held class chrome
(``chrome_holders``, boilerplate.py). ``TreeBuilder`` builds the soup from the tree the
plan parsed (no second parse, and nothing left out is ever visited) and also leaves out
comments and scripts and styles other than JSON-LD, which boilerplate removes before
anything but the metadata reader (JSON-LD only) looks at the tree. :data:`PRUNER` is
what the package drives: which pages to plan (per site, :class:`SiteOdds`) and their soups.
Everything it shares with the whole-tree steps (text counts, candidates, chrome names,
thresholds) comes from scoring.py. tests/scrape/test_prune.py checks that both paths give
identical records.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import cast
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Tag
from lxml import etree

from ..model import ScrapeRules
from .page import PrunedSoup
from .rules import BOILERPLATE_SELECTORS, READ_ALSO_RE
from .scoring import (
    BLOCKS,
    CANDIDATES,
    DIV_TEXT_MIN,
    MAX_DEPTH,
    NEVER_BY_CLASS,
    OWN_STRINGS,
    SCORED,
    TEASER_NAMES,
    TEASER_RUN,
    holds_article_text,
    is_junk_label,
    is_teaser,
    junk_names,
    words,
)
from .soup import DoctypeInfo, Parsed, ScrapeSoupBuilder, parse_tree

Element = etree._Element  # lxml's element (comments and PIs too: their tag is not a str)

# The names whose structural selector matches on the name alone ("body > header" aside).
_PRUNABLE = frozenset({"nav", "aside", "footer", "marquee"})


def _loose_keys() -> tuple[dict[str, int], dict[str | bytes, int]]:
    """{tag name: first position}, {attribute: first position} of BOILERPLATE_SELECTORS.

    Read loosely from each selector's last compound ("body > header" → any header,
    "[role=navigation]" → any role, "ins.adsbygoogle" → any ins): an element that may
    match gets a position no later than the pass really treats it at.
    """
    names: dict[str, int] = {}
    attrs: dict[str | bytes, int] = {}  # lxml types attribute names as str | bytes
    for position, selector in enumerate(BOILERPLATE_SELECTORS):
        last = re.split(r"[\s>+~]+", selector.strip())[-1]
        m = re.match(r"([.#\[]?)([A-Za-z][\w-]*)", last)
        if m is None:
            raise ValueError(f"boilerplate selector {selector!r} has no name or attribute")
        kind, word = m.group(1), m.group(2).lower()
        if kind == "":
            names.setdefault(word, position)
        else:
            key = {"[": word, ".": "class", "#": "id"}[kind]
            attrs.setdefault(key, position)
    return names, attrs


_NAME_AT, _ATTR_AT = _loose_keys()
_LATE = len(BOILERPLATE_SELECTORS)


def _first_turn(el: Element) -> int:
    """The earliest position in BOILERPLATE_SELECTORS that may match *el*."""
    turn = _NAME_AT.get(el.tag, _LATE)
    for attr in el.attrib:
        turn = min(turn, _ATTR_AT.get(attr, _LATE))
    return turn


def _removal_turn(el: Element) -> int:
    """The latest position at which the structural pass removes the chrome element *el*."""
    if el.tag == "header":
        return BOILERPLATE_SELECTORS.index("body > header")
    return BOILERPLATE_SELECTORS.index(el.tag)


# Read before boilerplate removal (metadata, headline search) or with their own text rules.
_READ_EARLY = frozenset(
    {"html", "head", "body", "meta", "link", "base", "title", "h1", "h2", "template", "rt", "rp"}
)
_NON_SPACE = re.compile(r"\S+")
_MAX_DEPTH = MAX_DEPTH - 10  # a margin below the depth page.py unwraps at
_WORTH = 0.25  # share of the page's elements the chrome left out must reach


@dataclass
class Pruned:
    """One element left out of the soup: where it was and how much text it held at most."""

    name: str
    inner: int  # no element inside it scores more than this in densest.py
    counted: int  # nor does its text make an ancestor score more than this more
    blocks: bool  # it holds a p/div/section/ul/table
    by_class: bool  # removed after the "read also" pass (class or teaser pass), not structural
    parent: Tag | None = None  # set by the builder


def _read_early(el: Element) -> bool:
    """Does a reader that runs before boilerplate removal look at *el*?"""
    if el.tag in _READ_EARLY or "itemprop" in el.attrib or "itemtype" in el.attrib:
        return True
    if el.tag == "script" and "type" in el.attrib:
        return True  # JSON-LD (any typed script, to be safe)
    attrib = el.attrib
    return (
        "breadcrumb" in str(attrib.get("class", "")).lower()
        or "breadcrumb" in str(attrib.get("aria-label", "")).lower()
    )


@cache
def _seen_keys(turn: int) -> tuple[frozenset[str], frozenset[str | bytes]]:
    """The tag names and attributes that make an element read early (_read_early) or
    judged at or before *turn* (_first_turn <= turn), scripts and styles aside."""
    names = {n for n, at in _NAME_AT.items() if at <= turn and n not in ("script", "style")}
    attrs = {a for a, at in _ATTR_AT.items() if at <= turn}
    return frozenset(_READ_EARLY | names), frozenset(attrs | {"itemprop", "itemtype"})


def _seen_inside(el: Element, turn: int) -> bool:
    """Is an element under *el* read early or judged at or before *turn* (scripts and
    styles: read early only)? _read_early and _first_turn of each descendant, written out
    over set lookups: this loop runs over every element of a page's chrome."""
    names, attrs = _seen_keys(turn)
    for d in el.iterdescendants():
        tag = d.tag
        if tag in names:
            return True
        if not isinstance(tag, str):
            continue  # a comment or processing instruction
        keys = d.keys()
        if not keys:
            continue
        if tag == "script" or tag == "style":
            if "itemprop" in keys or "itemtype" in keys or (tag == "script" and "type" in keys):
                return True
        elif not attrs.isdisjoint(keys):
            return True
        if "class" in keys and "breadcrumb" in str(d.get("class")).lower():
            return True
        if "aria-label" in keys and "breadcrumb" in str(d.get("aria-label")).lower():
            return True
    return False


@dataclass
class _Survey:
    """What one walk of a chrome element's subtree finds: the text get_text() reads in it
    (its strings, length, links' and p/div descendants' lengths) and the upper bounds
    densest.py's scores may reach (_bounds)."""

    pieces: list[str]  # the strings get_text() reads, in order (text and tails)
    length: int  # len(page.text_of(el)), as densest._measure reads it
    linked: int  # the summed lengths of the links under it
    paragraphs: list[int]  # the lengths of its p/div descendants in document order
    inner: int  # no element inside it scores more than this in densest.py
    counted: int  # nor does its text make an ancestor score more than this more
    blocks: bool  # it holds a p/div/section/ul/table

    def labels(self) -> bool:
        """Does a string in it start the "read also"/widget-label pass's work?"""
        for piece in self.pieces:
            raw = piece.strip()
            if not raw or len(raw) > 60:
                continue
            if is_junk_label(raw):
                return True
            m = READ_ALSO_RE.match(raw)
            if m is not None and not raw[m.end() :].strip():
                return True
        return False

    def holds_content(self) -> bool:
        """boilerplate.holds_content for its tag."""
        if self.length == 0:
            return False
        density = min(1.0, self.linked / self.length)
        return holds_article_text(self.length, density, self.paragraphs)


def _survey(el: Element) -> _Survey:
    """Walks *el*'s subtree once for every measure the plan takes of it.

    The text measures (``get_text()``'s strings: text and tails, not inside
    OWN_STRINGS elements below *el*) are per element and exact; the score bounds are
    densest._scored's, read generously: densest._scored counts a tag's direct strings
    and, per child, the text not inside links (inline children, paragraphs, divs without
    blocks from DIV_TEXT_MIN on): at most the child's non-link strings plus one separator
    per link. Links and other children count nothing; every child but a link and a
    div/section is taken as counting here, which can only raise the bound. What the
    element's own text adds to an ancestor's score is likewise its non-link text: at
    most its non-link strings plus one separator per link, and one more (``counted``).
    """
    pieces: list[str] = []
    paragraphs: list[int] = []
    linked = 0
    best = 0

    def measure(piece: str) -> tuple[int, int, int]:
        chars, count = words(piece)
        # bound: len(clean_text(piece)) + 1
        return chars, count, max(len(piece.strip()), chars + count)

    def walk(node: Element, in_link: bool, read: bool) -> tuple[int, int, int, int, int, bool]:
        """(characters in words, words) get_text() reads in *node*; (all text, non-link
        text, links, holds blocks) bounds under *node*; scores *node*."""
        nonlocal best, linked
        chars = count = own = 0
        text = node.text
        if text:
            chars, count, own = measure(text)
            if read:
                pieces.append(text)
        total = score = own
        nonlink = 0 if in_link else own
        anchors = 0
        blocks = False
        for child in node:
            tag = child.tag
            if not isinstance(tag, str):
                if child.text:
                    total += measure(child.text)[2]  # a comment: counted, to be safe
            else:
                is_link = tag == "a"
                slot = -1
                if tag == "p" or tag == "div":
                    slot = len(paragraphs)
                    paragraphs.append(0)
                reads = tag not in OWN_STRINGS
                c_chars, c_count, c_total, c_nonlink, c_anchors, c_blocks = walk(
                    child, in_link or is_link, read and reads
                )
                length = c_chars + c_count - 1 if c_count else 0
                if slot >= 0:
                    paragraphs[slot] = length
                if is_link:
                    linked += length
                if reads:
                    chars += c_chars
                    count += c_count
                total += c_total
                nonlink += c_nonlink
                anchors += c_anchors + is_link
                blocks = blocks or c_blocks or tag in BLOCKS
                if not is_link:
                    counted = c_nonlink + c_anchors
                    if tag == "div" or tag == "section":
                        score += counted if not c_blocks and counted >= DIV_TEXT_MIN else 0
                    else:
                        score += counted
            tail = child.tail
            if tail:
                t_chars, t_count, bound = measure(tail)
                chars += t_chars
                count += t_count
                total += bound
                score += bound
                nonlink += 0 if in_link else bound
                if read:
                    pieces.append(tail)
        if node.tag in CANDIDATES:
            best = max(best, score)
        return chars, count, total, nonlink, anchors, blocks

    chars, count, _, nonlink, anchors, blocks = walk(el, el.tag == "a", True)
    length = chars + count - 1 if count else 0
    return _Survey(pieces, length, linked, paragraphs, best, nonlink + anchors + 1, blocks)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the plan keeps of a chrome element it leaves out (see Pruned)."""

    inner: int
    counted: int
    blocks: bool
    elements: int  # elements inside it
    teaser: bool  # a teaser card's text (scoring.is_teaser), nothing inside it class chrome


class Verdicts:
    """The last step of judging a chrome element, kept by the bytes of its subtree.

    A site's menus, footers and share bars are the same markup on every page, and
    judging one (``_seen_inside`` and ``_survey``: a walk in Python over each of its
    elements) cost more than serializing it in C and hashing the bytes. Both are
    functions of the subtree alone (tags, attributes, texts, the tails inside it) and of
    the selector position: equal bytes give the same verdict. What depends on the
    element's place in the page (its ancestors) is judged before this, on every page.
    The digest is BLAKE2b, so a hostile page cannot make its chrome collide with
    another's. Bounded: when full, it starts over (forgetting costs a walk, nothing more).
    Shared by a process's threads; a lost race recomputes the same verdict.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._kept: dict[tuple[bytes, int, bool], Verdict | None] = {}

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()

    def judge(self, el: Element, turn: int, *, labels: bool) -> Verdict | None:
        """*el*'s verdict if nothing in it is seen by a step at or before *turn* and it
        holds no article text (nor, with *labels*, a "read also"/widget label)."""
        # UTF-8: ASCII output would write every Arabic letter as a character reference.
        markup = etree.tostring(el, encoding="utf-8", with_tail=False)
        key = (hashlib.blake2b(markup, digest_size=16).digest(), turn, labels)
        kept = self._kept
        verdict = kept.get(key, _UNSEEN)
        if verdict is not _UNSEEN:
            return verdict
        verdict = _verdict(el, turn, labels=labels)
        if len(kept) >= self.max_entries:
            kept.clear()
        kept[key] = verdict
        return verdict


_UNSEEN = Verdict(-1, -1, False, -1, False)  # no verdict kept (None is one)


def _verdict(el: Element, turn: int, *, labels: bool) -> Verdict | None:
    """Verdicts.judge, worked out."""
    if _seen_inside(el, turn):
        return None
    survey = _survey(el)
    if (labels and survey.labels()) or survey.holds_content():
        return None
    return Verdict(
        survey.inner,
        survey.counted,
        survey.blocks,
        _count(el, "count(.//*)"),
        # The class pass runs before the teaser pass: chrome it removes inside a card
        # would change the card's text, so such a card is not judged here at all.
        is_teaser(survey.length, survey.linked) and not _class_chrome_inside(el),
    )


def _class_chrome_inside(el: Element) -> bool:
    """Does the class pass judge an element under *el* (its class or id, or a style)?"""
    return any(_junk_by_class(d) or _maybe_hidden(d) for d in el.iterdescendants(_ELEMENTS))


VERDICTS = Verdicts()  # process-wide, as SITES


def _prunable(el: Element) -> Verdict | None:
    """What the plan keeps of *el* if it is chrome the structural pass certainly
    removes, unseen by any other step; else None."""
    parent = el.getparent()
    if el.tag not in _PRUNABLE and not (
        el.tag == "header" and parent is not None and parent.tag == "body"
    ):
        return None
    ancestors = list(el.iterancestors())
    if len(ancestors) > _MAX_DEPTH or _read_early(el):
        return None
    turn = _removal_turn(el)
    # An ancestor judged before it (by its text, which holds this element's) or a
    # descendant removed before it (which changes its text) would see a different tree.
    if any(isinstance(a.tag, str) and _first_turn(a) <= turn for a in ancestors):
        return None
    return VERDICTS.judge(el, turn, labels=False)


def _junk_by_class(el: Element) -> bool:
    """boilerplate._is_junk_by_class of *el*'s tag."""
    if el.tag in NEVER_BY_CLASS:
        return False
    return _junk_names(str(el.get("class") or ""), str(el.get("id") or ""))


@lru_cache(maxsize=4096)  # a page has thousands of class attributes but few distinct ones
def _junk_names(cls: str, ident: str) -> bool:
    # page.classes_and_id: bs4 splits class on whitespace runs, then adds the id.
    parts = _NON_SPACE.findall(cls)
    if ident:
        parts.append(ident)
    return junk_names(" ".join(parts).lower())


def _maybe_hidden(el: Element) -> bool:
    style = str(el.get("style") or "").lower()
    return "none" in style or "hidden" in style


def _prunable_by_class(el: Element, judged_above: dict[Element, bool]) -> Verdict | None:
    """What the plan keeps of *el* if it is chrome the class pass certainly removes,
    unseen by any other step; else None.

    The structural pass must not touch it, its ancestors or its descendants; the class
    pass must judge no ancestor of it (they are judged first, with its text); nothing in
    it may start the "read also" pass. What that pass does from outside (climbing to an
    ancestor, taking a next sibling) is watched in boilerplate.py (chrome_holders).
    *judged_above*: per element of the page, whether the structural or class pass
    judges it (its descendants cannot be pruned), filled as the plan goes.
    """
    if not _junk_by_class(el) or not _unseen(el):
        return None
    if not _none_judged(list(el.iterancestors()), judged_above):
        return None
    return VERDICTS.judge(el, _LATE - 1, labels=True)


def _unseen(el: Element) -> bool:
    """Is *el* unseen by every step before the class pass (style, early reads, the
    structural selectors)?"""
    return not (_maybe_hidden(el) or _read_early(el) or _first_turn(el) < _LATE)


def _none_judged(ancestors: list[Element], judged_above: dict[Element, bool]) -> bool:
    """Do the structural and class passes judge none of *ancestors* (at most
    _MAX_DEPTH of them)? *judged_above* keeps each element's answer for the page."""
    if len(ancestors) > _MAX_DEPTH:
        return False
    for a in ancestors:
        # Many candidates share ancestors: each one's verdict is worked out once a page.
        judged = judged_above.get(a)
        if judged is None:
            judged = _first_turn(a) < _LATE or _junk_by_class(a) or _maybe_hidden(a)
            judged_above[a] = judged
        if judged:
            return False
    return True


@dataclass
class Plan:
    """The chrome a page's soup is built without; answers page.Pruning's questions."""

    root: Element  # the lxml tree the plan was made on; TreeBuilder builds the soup from it
    skip: dict[Element, Pruned]  # lxml element → the record of it left out
    elements: int  # elements in the page
    left_out: int  # elements in the left-out chrome
    # As the parser reports it: the ids may be None.
    doctype: DoctypeInfo | None = None

    def worth_it(self) -> bool:
        """Is enough chrome left out to pay for the pruning builder (and for the full
        parse when the check fails)? Measured: a few per cent of the tree is not."""
        return self.left_out >= _WORTH * self.elements

    def densest_doubt(
        self, body: Tag, best: Tag | None, threshold: int, score_of: Callable[[Tag], int | None]
    ) -> str | None:
        """Why the whole tree's densest element may not be *best* (page.Pruning).

        An element inside a pruned one scores at most its ``inner`` bound. An ancestor
        scores at most its pruned score plus, for each pruned element under it, what that
        element's non-link text (``counted``) can add to the child on the way to it (the
        element itself or that child): all of it if inline or a paragraph; if a
        div/section without blocks, whose text counts from DIV_TEXT_MIN characters on,
        the element itself adds it only from DIV_TEXT_MIN on and a child holding it at
        most DIV_TEXT_MIN more; nothing otherwise. A pruned element under *best* may
        lower *best*'s own score: no proof then.
        """
        extra: dict[int, int] = {}
        holders: dict[int, Tag] = {}
        for item in self.skip.values():
            if item.inner >= threshold or item.parent is None:
                return f"<{item.name}> may hold the densest element"
            child: Tag | None = None  # the child of `node` on the way down to the item
            node: Tag | None = item.parent
            while node is not None and node is not body:
                if node is best:
                    return "the densest element held pruned chrome"
                name = item.name if child is None else child.name
                # The child on the way holds blocks if the pruned element does or is one.
                blocks = item.blocks or (child is not None and item.name in BLOCKS)
                if name in SCORED:
                    added = item.counted
                elif name in ("div", "section") and not blocks:
                    # The element itself counts from DIV_TEXT_MIN on; a div on the way
                    # may reach DIV_TEXT_MIN with its text and count what it held before.
                    if child is None:
                        added = item.counted if item.counted >= DIV_TEXT_MIN else 0
                    else:
                        added = item.counted + DIV_TEXT_MIN
                else:
                    added = 0
                extra[id(node)] = extra.get(id(node), 0) + added
                holders[id(node)] = node
                child, node = node, node.parent
            if node is None:
                return "pruned chrome outside the body"
        for key, tag in holders.items():
            score = score_of(tag)
            if score is not None and score + extra[key] >= threshold:
                return f"<{tag.name}> may be densest with its chrome"
        return None

    def chrome_holders(self) -> set[int]:
        """ids of the tags whose text held chrome left out for the class pass: the
        parents of such chrome and their ancestors, as the tree is now (page.Pruning)."""
        out: set[int] = set()
        for item in self.skip.values():
            if item.by_class and item.parent is not None:
                out.add(id(item.parent))
                out.update(id(p) for p in item.parent.parents)
        return out


def plan(text: str, rules: ScrapeRules, parsed: Parsed | None = None) -> Plan | None:
    """The elements to leave out of the soup (of lxml's tree *parsed*, when the caller
    has it); None when the page is not a candidate (partner rules that read or drop
    chrome, or lxml refuses it)."""
    if rules.drop or rules.categories:
        return None
    parsed = parsed or parse_tree(text)
    if parsed is None:
        return None
    root, doctype = parsed
    skip: dict[Element, Pruned] = {}
    left_out = 0
    judged_above: dict[Element, bool] = {}
    grids = _Grids(judged_above)
    elements = 0
    # One walk in document order (ancestors first) over the elements, comments left
    # out: in C, lxml's iterator costs less than an XPath union of the candidates, which
    # merges six node-sets.
    for el in _document(root):
        elements += 1
        tag = el.tag
        cls = el.get("class")
        by_class = tag not in _STRUCTURAL
        if cls is None:
            if by_class and el.get("id") is None:
                continue  # three in four elements: no name to judge, no grid to file
        elif tag in TEASER_NAMES and cls:
            grids.file(el, tag, cls)
        if by_class and (
            tag in NEVER_BY_CLASS or not _junk_names(str(cls or ""), str(el.get("id") or ""))
        ):
            continue  # most elements (_junk_by_class, written out)
        if skip and any(a in skip for a in el.iterancestors()):
            continue  # inside chrome already left out
        verdict = _prunable_by_class(el, judged_above) if by_class else _prunable(el)
        if verdict is None:
            continue
        skip[el] = Pruned(el.tag, verdict.inner, verdict.counted, verdict.blocks, by_class)
        left_out += 1 + verdict.elements
    for cards, verdicts in grids.prunable(skip):
        for el, verdict in zip(cards, verdicts, strict=True):
            skip[el] = Pruned(el.tag, verdict.inner, verdict.counted, verdict.blocks, True)
            left_out += 1 + verdict.elements
    return Plan(root, skip, elements, left_out, doctype)


def _count(el: Element, xpath: str) -> int:
    return int(cast(float, el.xpath(xpath)))  # an XPath count() is a float


def _document(root: Element) -> Iterator[Element]:
    """The document's elements in order: *root*'s and those of its siblings (markup
    after ``</html>`` can start a second top-level element), as the builder walks them."""
    for top in (*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()):
        yield from top.iter(_ELEMENTS)


# Judged by the structural pass whatever their attributes (header: under the body only).
_STRUCTURAL = _PRUNABLE | {"header"}
_ELEMENTS = cast(str, etree.Element)  # iter()'s filter for elements (stubs want a name)


@lru_cache(maxsize=4096)  # a page repeats a few class attributes hundreds of times
def _class_names(cls: str) -> str:
    """The class attribute *cls* as bs4 splits it, one space apart."""
    return " ".join(_NON_SPACE.findall(cls))


class _Grids:
    """Teaser grids (boilerplate._remove_teasers) the plan can leave out: every card of
    the grid is class chrome in all but its name (unseen by the structural and class
    passes, no label inside, no ancestor judged) and a teaser by its text; no ancestor
    is itself a card of some grid (judged with this grid's text).

    Cards are filed as the plan's walk over the elements with a class meets them
    (:meth:`file`), by parent, name and class as bs4 splits it.
    """

    def __init__(self, judged_above: dict[Element, bool]) -> None:
        self.judged_above = judged_above
        self._filed: dict[tuple[Element, str, str], list[Element]] = {}

    def file(self, el: Element, tag: str, cls: str) -> None:
        """File *el*, a TEASER_NAMES element with class attribute *cls*."""
        names = _class_names(cls)
        parent = el.getparent()
        if names and parent is not None:
            self._filed.setdefault((parent, tag, names), []).append(el)

    def prunable(
        self, skip: dict[Element, Pruned]
    ) -> Iterator[tuple[list[Element], list[Verdict]]]:
        """The grids that may be left out, each card with its verdict."""
        grids = self._filed
        carded = {el for cards in grids.values() if len(cards) >= TEASER_RUN for el in cards}
        for (parent, _, _), cards in grids.items():
            if len(cards) < TEASER_RUN or not self._clear_above(parent, skip, carded):
                continue
            verdicts = []
            for el in cards:
                verdict = self._card(el, skip)
                if verdict is None:
                    break
                verdicts.append(verdict)
            else:
                yield cards, verdicts

    def _clear_above(
        self, parent: Element, skip: dict[Element, Pruned], carded: set[Element]
    ) -> bool:
        ancestors = [parent, *parent.iterancestors()]
        if any(a in skip or a in carded for a in ancestors):
            return False
        return _none_judged(ancestors, self.judged_above)

    def _card(self, el: Element, skip: dict[Element, Pruned]) -> Verdict | None:
        if el in skip or _junk_by_class(el) or not _unseen(el):
            return None
        verdict = VERDICTS.judge(el, _LATE - 1, labels=True)
        return verdict if verdict is not None and verdict.teaser else None


class TreeBuilder(ScrapeSoupBuilder):
    """Builds the soup from the tree `plan` parsed, instead of parsing the page a second
    time (soup.py makes bs4's objects from lxml's tree), for every element but the planned
    ones, comments, and scripts and styles other than JSON-LD. A left-out element ends the
    text before it, as removing it from the tree would (the strings on either side stay
    two). tests/scrape/test_prune.py checks the soup is the one a parser-driven builder
    makes.
    """

    def __init__(self, planned: Plan) -> None:
        super().__init__(planned.root, planned.doctype)
        self.planned = planned

    def leave_out(self, el: Element, parent: Tag) -> bool:
        planned = self.planned.skip.get(el)
        if planned is not None:
            planned.parent = parent
            return True
        return super().leave_out(el, parent)


class SiteOdds:
    """Per site, whether planning has been paying off.

    One site's pages share a template: where a few pages in a row had too little chrome to
    leave out (or the check fell back to the full tree), the lxml parse that planning costs
    (2–15 ms on real pages) is wasted on the next ones too. Such a site is planned only on
    every `retry`-th page afterwards, so a redesign that adds chrome is noticed. The record
    is the same either way; only the time differs.
    """

    def __init__(self, patience: int = 3, retry: int = 20, max_sites: int = 10_000) -> None:
        self.patience, self.retry, self.max_sites = patience, retry, max_sites
        self._sites: dict[str, list[int]] = {}  # site → [misses in a row, pages skipped since]
        self._lock = threading.Lock()

    def should_plan(self, url: str) -> bool:
        with self._lock:
            counts = self._sites.get(_site(url))
            if counts is None or counts[0] < self.patience:
                return True
            counts[1] += 1
            if counts[1] >= self.retry:
                counts[1] = 0
                return True
            return False

    def record(self, url: str, paid: bool) -> None:
        site = _site(url)
        with self._lock:
            if paid:
                self._sites.pop(site, None)
                return
            if len(self._sites) >= self.max_sites and site not in self._sites:
                self._sites.clear()  # a bound, not an eviction policy: forgetting is safe
            self._sites.setdefault(site, [0, 0])[0] += 1


def _site(url: str) -> str:
    return urlsplit(url).netloc.lower()


SITES = SiteOdds()  # process-wide: the ingester's threads share what they learn


class Pruner:
    """The fast path as the package drives it: a page's soup without certain chrome.

    Planning costs an lxml parse of the page; *odds* learns per site whether it pays.
    """

    def __init__(self, odds: SiteOdds) -> None:
        self.odds = odds

    def build(
        self,
        text: str,
        url: str,
        rules: ScrapeRules,
        *,
        force: bool = False,
        parsed: Parsed | None = None,
    ) -> PrunedSoup | None:
        """The soup of *text* (from lxml's tree *parsed*, when the caller has it) without
        certain chrome, and its plan; None when the whole tree is to be built: the
        site's pages have not been paying (unless *force*), or this page has too little
        chrome to leave out."""
        if not force and not self.odds.should_plan(url):
            return None
        planned = plan(text, rules, parsed)
        if planned is None or not planned.worth_it():
            self.odds.record(url, False)
            return None
        # Whether it paid is known once the page is scraped: paid() or missed().
        return BeautifulSoup(text, builder=TreeBuilder(planned)), planned

    def paid(self, url: str) -> None:
        """The pruned soup of *url*'s page gave its record."""
        self.odds.record(url, True)

    def missed(self, url: str) -> None:
        """The pruned soup of *url*'s page could not answer (page.FullTreeNeeded): the
        page was built twice. A site whose pages keep doing this stops being planned."""
        self.odds.record(url, False)


PRUNER = Pruner(SITES)
