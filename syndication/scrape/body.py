"""The article body: which element holds it, and its blocks in reading order.

``find_body_roots`` owns the container fallback order: the partner's ``body`` selector →
the text-densest element (each element scores the non-link text of its own paragraphs,
text nodes and div-as-paragraph children) → widened to a known body container
(``[itemprop=articleBody]``, ``#articleBody``, ``.entry-content``…) that holds it.

``find_blocks`` walks the chosen roots and yields paragraphs, subheadings (h2/h3, h4-h6
as h3, bold-only short lines as h3), quotes and image markers, splitting ``<br>``-separated
text and div-based bodies into paragraphs. Inline "اقرأ أيضا" lines and widget labels are
dropped; a leading byline line ("كتب …", "حوار: …") is handed to the author finder.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bs4 import Tag
from bs4.element import CData, Comment, NavigableString

from ..arabic.text import clean_text, matching_key
from ..model import Block, BlockKind
from .boilerplate import is_junk_label
from .images import FoundImages
from .page import Page, classes_and_id, named, text_of
from .prune import check as check_pruned
from .prune import words as _words
from .rules import (
    ARTICLE_BODY_SELECTORS,
    BYLINE_PREFIX_RE,
    DISCLAIMER_RE,
    FOLLOW_MAX_WORDS,
    FOLLOW_RE,
    META_CLASS_TOKENS,
    READ_ALSO_RE,
)

log = logging.getLogger(__name__)

_INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i",
        "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "wbr", "ins", "del", "label", "bannerinjection",
        "controlinjection",
    }
)  # fmt: skip
_BOLD = frozenset({"b", "strong"})
_SKIP = frozenset({"noscript", "head", "title", "meta", "link", "audio", "video", "source"})
_HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h3", "h5": "h3", "h6": "h3"}
_MIN_ROOT_SCORE = 80
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
# Letters (any script), spaces, quotes and a question mark: what a subheading is made of.
_HEADLINE_CHARS = re.compile(r"[^\W\d_]+(?:[\s«»\"'’]+[^\W\d_]+)*\s*[?؟]?", re.UNICODE)
_MAX_DEPTH = 150
_SUBHEADING_MAX_CHARS = 120
_SUBHEADING_MAX_WORDS = 16


@dataclass(frozen=True, slots=True)
class ImageRef:
    index: int


Part = Block | ImageRef


_CANDIDATES = frozenset({"div", "section", "article", "main", "td", "span", "font", "p"})
_BLOCKS = frozenset({"p", "div", "section", "ul", "table"})
_SCORED = frozenset({"p", "blockquote"} | _INLINE)
# Tags whose get_text() reads their own string type (script, style, template, rt, rp):
# their text is not the sum of their children's, so they are measured by text_of.
_OWN_STRINGS = frozenset({"script", "style", "template", "rt", "rp"})


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


# Per page: id(string) → (the string, chars, words). Strings outlive boilerplate removal,
# so the second densest pass reads the first one's measures; holding the string keeps
# its id from being reused.
WordCache = dict[int, tuple[NavigableString, int, int]]


def _measure(
    tag: Tag, nodes: dict[int, _Node], order: list[Tag], cache: WordCache | None = None
) -> _Node:
    """One bottom-up pass: every element's text length, link text and block flags.

    text_of(x) is clean_text of x's strings joined by " ", so its length is the words
    of each string plus one space between words; the strings are each cleaned once here
    instead of once per ancestor (scoring every element re-read all the text under it).
    """
    node = _Node()
    nodes[id(tag)] = node
    if tag.name in _CANDIDATES:
        order.append(tag)
    for child in tag.contents:
        if isinstance(child, Tag):
            sub = _measure(child, nodes, order, cache)
            name = child.name
            if name in _OWN_STRINGS:
                # Their strings are Script/TemplateString/…: not in the parent's text.
                sub = _Node(*_words(child.get_text(" ")), sub.links, sub.blocks, sub.pdiv)
                nodes[id(child)] = sub
            else:
                node.chars += sub.chars
                node.words += sub.words
            node.links += sub.links + (sub.length if name == "a" else 0)
            node.blocks = node.blocks or sub.blocks or name in _BLOCKS
            node.pdiv = node.pdiv or sub.pdiv or name in ("p", "div")
        elif isinstance(child, NavigableString) and type(child) in _TEXT_TYPES:
            hit = cache.get(id(child)) if cache is not None else None
            if hit is not None and hit[0] is child:
                chars, words = hit[1], hit[2]
            else:
                chars, words = _words(child)
                if cache is not None:
                    cache[id(child)] = (child, chars, words)
            node.chars += chars
            node.words += words
    return node


_TEXT_TYPES = (NavigableString, CData)  # the string types get_text() reads in an element


def _scored(tag: Tag, nodes: dict[int, _Node]) -> int:
    """Non-link text *tag* holds directly: text nodes, inline children, <p>s, and divs
    without blocks from 25 characters on (read from the measured nodes)."""
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
            if name in _SCORED:
                score += node.length - node.links
            elif name in ("div", "section") and not node.blocks:
                text = node.length - node.links
                if text >= 25:
                    score += text
    return score


def densest(page: Page, *, check: bool = False) -> Tag | None:
    """The element holding the most non-link text of its own (see ``_scored``).

    With *check*, on a tree built without some chrome (prune.py), raise PruneMismatch
    unless the element is the densest of the full tree too.
    """
    best: Tag | None = None
    best_score = 0
    body = page.soup.body or page.soup
    nodes: dict[int, _Node] = {}
    order: list[Tag] = []
    _measure(body, nodes, order, page.cache.setdefault("words", {}))
    if order and order[0] is body:
        order = order[1:]  # find_all() below the body, not the body itself
    for tag in order:
        node = nodes[id(tag)]
        if tag.name == "p" and not node.pdiv:
            continue  # a paragraph is a block of its container, not a container
        score = _scored(tag, nodes)
        if score > best_score:
            best, best_score = tag, score
    if best_score < _MIN_ROOT_SCORE:
        best = None
    if check and page.pruned:

        def score_of(tag: Tag) -> int | None:
            return _scored(tag, nodes) if tag.name in _CANDIDATES else None

        threshold = best_score if best is not None else _MIN_ROOT_SCORE
        check_pruned(page.pruned, score_of, _SCORED, body, best, threshold)
    return best


def _contains(outer: Tag, inner: Tag) -> bool:
    return outer is inner or any(p is outer for p in inner.parents)


def find_body_roots(page: Page) -> list[Tag]:
    """The element(s) holding the article text, in document order; [] when none."""
    if page.rules.body:
        found = [t for t in page.select(page.rules.body) if text_of(t)]
        # Nested matches (".content, .content p") would repeat text: keep the outermost.
        roots = [t for t in found if not any(o is not t and _contains(o, t) for o in found)]
        if roots:
            return roots
        log.warning("body selector %r matched nothing on %s", page.rules.body, page.url)
    best = densest(page)
    if best is None:
        return []
    best_len = len(text_of(best))
    matches = page.select_each(ARTICLE_BODY_SELECTORS)
    for selector in ARTICLE_BODY_SELECTORS:
        for known in matches[selector]:
            if _contains(known, best) and len(text_of(known)) < 4 * best_len + 2000:
                return [*_lead_before(known), known]
    return [*_lead_before(best), best]


def _lead_before(root: Tag) -> list[Tag]:
    """A lead paragraph kept next to the body (sputnik's div.b-article__lead)."""
    previous = root.find_previous_sibling()
    if previous is None or previous.name not in ("div", "p", "section"):
        return []
    names = classes_and_id(previous)
    if "lead" in names and 40 <= len(text_of(previous)) <= 1500:
        return [previous]
    return []


@dataclass
class _Walker:
    page: Page
    images: FoundImages
    title_key: str
    parts: list[Part] = field(default_factory=list)
    run: list[tuple[str, bool, bool]] = field(default_factory=list)  # (text, bold, linked)
    emitted: set[int] = field(default_factory=set)

    def flush(self, kind: BlockKind | None = None) -> None:
        run, self.run = self.run, []
        text = clean_text("".join(t for t, _, _ in run))
        if not text:
            return
        visible = [(b, a) for t, b, a in run if t.strip()]
        if all(a for _, a in visible):
            return  # a line that is one link is a teaser of another story
        if kind is None:
            kind = "p"
            if all(b for b, _ in visible) and self._short(text):
                kind = "h3"
        self.add(kind, text)

    @staticmethod
    def _short(text: str) -> bool:
        return (
            text[0].isalnum()  # "*question" / "-answer" lines of an interview are not headings
            and len(text) <= _SUBHEADING_MAX_CHARS
            and len(text.split()) <= _SUBHEADING_MAX_WORDS
            and not text.endswith((".", "،", ":"))
        )

    def add(self, kind: BlockKind, text: str) -> None:
        if not text or is_junk_label(text):
            return
        m = READ_ALSO_RE.match(text)
        if m is not None and m.end() > 0:
            return  # an inline "اقرأ أيضا: <other story>" line
        if FOLLOW_RE.match(text) and len(text.split()) <= FOLLOW_MAX_WORDS:
            return
        if DISCLAIMER_RE.search(text) and len(text) < 400:
            return
        if kind != "p" and matching_key(text) == self.title_key:
            return
        self.parts.append(Block(kind=kind, text=text))

    def image(self, tag: Tag) -> None:
        """Emit the markers of the images in *tag* (an img, picture or figure)."""
        index = self.images.tag_index.get(id(tag))
        inner = [tag] if tag.name == "img" else named(tag, "img")
        indices = [self.images.tag_index[id(i)] for i in inner if id(i) in self.images.tag_index]
        if index is not None:
            indices.insert(0, index)
        if not indices:
            return
        self.flush()
        for i in indices:
            if i not in self.emitted:
                self.emitted.add(i)
                self.parts.append(ImageRef(i))

    def walk(self, node: Tag, depth: int = 0, bold: bool = False, link: bool = False) -> None:
        if depth > _MAX_DEPTH:
            log.warning(
                "body nesting deeper than %d on %s; rest ignored", _MAX_DEPTH, self.page.url
            )
            return
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    self.run.append((str(child), bold, link))
                continue
            if not isinstance(child, Tag) or id(child) in self.images.consumed:
                continue
            name = child.name
            if name in _SKIP or _is_meta_line(child):
                continue
            if name in ("img", "figure", "picture"):
                self.image(child)  # a figure's own text is its caption, never body text
                continue
            if name == "br":
                self.flush()
            elif name in _HEADINGS:
                self.flush()
                text = text_of(child)
                linked = "".join(text_of(a) for a in named(child, "a"))
                if text and clean_text(linked) != text:  # a linked heading is a teaser
                    self.add(_HEADINGS[name], text)  # type: ignore[arg-type]
            elif name == "blockquote":
                self.flush()
                self.add("quote", text_of(child))
            elif name in _INLINE and child.find(["p", "div", "br", "ul", "table", "h2"]) is None:
                self.walk(child, depth + 1, bold or name in _BOLD, link or name == "a")
            elif name in _INLINE and name in _BOLD:
                self.walk(child, depth + 1, True, link)
            else:
                self.flush()
                self.walk(child, depth + 1, bold, link)
                self.flush()


def _is_meta_line(tag: Tag) -> bool:
    """A byline/date/source line inside the body container (albayan's div.metadata)."""
    names = classes_and_id(tag)
    if not names or tag.name in ("p", "h2", "h3", "blockquote"):
        return False
    tokens = set(_TOKEN_SPLIT.split(names))
    return bool(tokens & META_CLASS_TOKENS) and len(text_of(tag)) < 200


def _promote_short_lines(parts: list[Part]) -> list[Part]:
    """A short plain line between two long paragraphs is a subheading (alyaum's
    ``<br><br>انتكاسة جديدة<br><br>``): 2-6 words, no digits, no sentence punctuation."""
    blocks = [i for i, p in enumerate(parts) if isinstance(p, Block)]
    out = list(parts)
    for n, i in enumerate(blocks[1:-1], start=1):
        block = parts[i]
        prev, nxt = parts[blocks[n - 1]], parts[blocks[n + 1]]
        assert isinstance(block, Block) and isinstance(prev, Block) and isinstance(nxt, Block)
        words = block.text.split()
        if (
            block.kind == "p"
            and 2 <= len(words) <= 6
            and _HEADLINE_CHARS.fullmatch(block.text)
            and len(prev.text) > 120
            and len(nxt.text) > 120
        ):
            out[i] = Block(kind="h3", text=block.text)
    return out


def _strip_byline(parts: list[Part]) -> tuple[list[Part], str | None]:
    for i, part in enumerate(parts[:3]):
        if not isinstance(part, Block):
            continue
        m = BYLINE_PREFIX_RE.match(part.text)
        if m is not None and len(part.text.split()) <= 8 and not part.text.endswith("."):
            return [*parts[:i], *parts[i + 1 :]], clean_text(part.text[m.end() :])
    return parts, None


def find_blocks(
    page: Page, roots: list[Tag], images: FoundImages, title: str | None
) -> tuple[list[Part], str | None]:
    """Blocks and image markers in reading order, and a byline found at the top (if any)."""
    walker = _Walker(page=page, images=images, title_key=matching_key(title or ""))
    for root in roots:
        walker.flush()
        walker.walk(root)
        walker.flush()
    parts: list[Part] = []
    for part in walker.parts:
        if isinstance(part, Block) and parts and parts[-1] == part:
            continue  # the same line twice in a row (mobile + desktop copies)
        parts.append(part)
    # The headline repeated as the first paragraph.
    if parts and isinstance(parts[0], Block) and matching_key(parts[0].text) == walker.title_key:
        parts = parts[1:]
    return _strip_byline(_promote_short_lines(parts))
