"""The article body: which element holds it, and its blocks in reading order.

``find_body_roots`` owns the container fallback order: the partner's ``body`` selector →
the text-densest element (densest.py) → widened to a known body container
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
from bs4.element import Comment, NavigableString

from ..arabic.text import clean_text, matching_key
from ..model import Block, BlockKind
from .densest import densest
from .images import FoundImages
from .page import Page, classes_and_id, named, text_of
from .rules import (
    ARTICLE_BODY_SELECTORS,
    BYLINE_PREFIX_RE,
    DISCLAIMER_RE,
    FOLLOW_MAX_WORDS,
    FOLLOW_RE,
    META_CLASS_TOKENS,
    READ_ALSO_RE,
)
from .scoring import INLINE, TOKEN_SPLIT, is_junk_label
from .siblings import sibling_run

log = logging.getLogger(__name__)

_BOLD = frozenset({"b", "strong"})
_SKIP = frozenset({"noscript", "head", "title", "meta", "link", "audio", "video", "source"})
_HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h3", "h5": "h3", "h6": "h3"}
# Letters (any script), spaces, quotes and a question mark: what a subheading is made of.
_HEADLINE_CHARS = re.compile(r"[^\W\d_]+(?:[\s«»\"'’]+[^\W\d_]+)*\s*[?؟]?", re.UNICODE)
_MAX_DEPTH = 150
_SUBHEADING_MAX_CHARS = 120
_SUBHEADING_MAX_WORDS = 16


@dataclass(frozen=True, slots=True)
class ImageRef:
    index: int


Part = Block | ImageRef


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
    run = sibling_run(best)  # text blocks interleaved with image blocks (siblings.py)
    return [*_lead_before(run[0]), *run]


def _lead_before(root: Tag) -> list[Tag]:
    """A lead paragraph kept next to the body (sputnik's div.b-article__lead)."""
    previous = root.find_previous_sibling()
    if previous is None or previous.name not in ("div", "p", "section"):
        return []
    names = classes_and_id(previous)
    if previous.find(["img", "picture", "figure"]) is not None:
        return []  # a "lead-image" block: its text is the caption, read with the image
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
            elif name in INLINE and child.find(["p", "div", "br", "ul", "table", "h2"]) is None:
                self.walk(child, depth + 1, bold or name in _BOLD, link or name == "a")
            elif name in INLINE and name in _BOLD:
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
    tokens = set(TOKEN_SPLIT.split(names))
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
