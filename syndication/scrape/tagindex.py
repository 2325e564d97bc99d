"""Every tag of a page by name, attribute, class and id, with its place in the document.

The extraction asks ~200 CSS questions of each page; answering each by walking the
whole tree (soupsieve's select, or our keyed walk) was an eighth of the scrape. The index
is built in one walk once the tree's shape is final (after the parse and the flattening
of over-deep nesting); from then on the scrape only removes tags (``decompose``), so a
question is answered from the few tags that carry the selector's key, minus those since
removed, and soupsieve still decides each match.
"""

from __future__ import annotations

from collections.abc import Iterable

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment

from .soup import Made

_MISSING = 1 << 30


class TagIndex:
    """The tags of *soup* as it is now, each once, by what a selector can key on."""

    def __init__(self, soup: BeautifulSoup, made: Made | None = None) -> None:
        """*made*: what the soup's builder made and filed (soup.TreeSoupBuilder), when
        the soup is unchanged since; else one walk of the soup files its tags."""
        if made is None:
            made = _walk(soup)
        tags = made.tags
        self.order = made.order  # id(tag) → its place in document order
        self._end: dict[int, int] = {}  # id(tag) → the place of its last descendant tag
        self._names = made.names
        self._attrs = made.attrs
        self._classes = made.classes  # lower-cased
        self._ids = made.ids  # lower-cased
        self._comments = made.comments
        ids_of = id
        # Reverse document order meets a tag's descendants before the tag, and the first
        # of them it meets is the last one: that is where the tag's subtree ends.
        end = self._end
        pending: dict[int, int] = {}
        for place in range(len(tags) - 1, -1, -1):
            tag = tags[place]
            key = ids_of(tag)
            last = pending.pop(key, place)
            end[key] = last
            parent = tag.parent
            if parent is not None:
                pending.setdefault(ids_of(parent), last)
        self._templates = bool(self._names.get("template"))
        # Nesting depth, so the parse can tell an over-deep (hostile) page without a walk
        # of its own.
        self.depth = made.deepest  # of the deepest tag (the soup's children: 1)

    def candidates(
        self,
        names: Iterable[str] = (),
        attrs: Iterable[str] = (),
        classes: Iterable[str] = (),
        ids: Iterable[str] = (),
        root: Tag | None = None,
    ) -> list[Tag] | None:
        """The live tags under *root* (the whole page by default, never *root* itself)
        carrying one of these names / attributes / classes / ids, in document order.

        None when the question must go to soupsieve: the page holds a <template> (whose
        contents soupsieve's select never enters), or *root* is not an indexed tag.
        """
        if self._templates and any(_alive(t) for t in self._names["template"]):
            return None
        lo, hi = -1, _MISSING
        if root is not None and not isinstance(root, BeautifulSoup):
            place = self.order.get(id(root))
            if place is None:
                return None
            lo, hi = place, self._end[id(root)]
        return self._gather(
            [
                *(self._names.get(k, ()) for k in names),
                *(self._attrs.get(k, ()) for k in attrs),
                *(self._classes.get(k, ()) for k in classes),
                *(self._ids.get(k, ()) for k in ids),
            ],
            lo,
            hi,
        )

    def named(self, *names: str) -> list[Tag]:
        """``soup.find_all(names)``: the live tags with one of *names*, in document order
        (<template> contents included, as find_all does)."""
        return self._gather([self._names.get(n, ()) for n in names], -1, _MISSING)

    def keyed(
        self, attrs: Iterable[str] = (), classes: Iterable[str] = (), ids: Iterable[str] = ()
    ) -> list[Tag]:
        """The live tags carrying one of *attrs*, *classes* or *ids* (lower-cased), in
        document order (<template> contents included, as find_all does)."""
        return self._gather(
            [
                *(self._attrs.get(a, ()) for a in attrs),
                *(self._classes.get(c, ()) for c in classes),
                *(self._ids.get(i, ()) for i in ids),
            ],
            -1,
            _MISSING,
        )

    def class_keys(self) -> list[str]:
        """Every class name on the page, lower-cased, once."""
        return list(self._classes)

    def id_keys(self) -> list[str]:
        """Every id on the page, lower-cased, once."""
        return list(self._ids)

    def comments(self) -> list[Comment]:
        """The comments still in the tree, in document order."""
        return [c for c in self._comments if _alive(c)]

    def _gather(self, lists: list[Iterable[Tag]], lo: int, hi: int) -> list[Tag]:
        order = self.order
        found: dict[int, Tag] = {}
        for tags in lists:
            for tag in tags:
                place = order[id(tag)]
                if lo < place <= hi and _alive(tag):
                    found[place] = tag
        return [found[p] for p in sorted(found)]


def _walk(soup: BeautifulSoup) -> Made:
    """The tags and comments of *soup* in document order, filed as a build files them."""
    made = Made()
    order, names, attrs_by, classes, ids = (
        made.order,
        made.names,
        made.attrs,
        made.classes,
        made.ids,
    )
    depths: dict[int, int] = {id(soup): 0}
    for node in soup.descendants:
        if not isinstance(node, Tag):
            if isinstance(node, Comment):
                made.comments.append(node)
            continue
        order[id(node)] = len(made.tags)
        made.tags.append(node)
        level = depths[id(node.parent)] + 1
        depths[id(node)] = level
        made.deepest = max(made.deepest, level)
        names.setdefault(node.name, []).append(node)
        node_attrs = node.attrs
        if not node_attrs:
            continue
        for attr in node_attrs:
            attrs_by.setdefault(attr, []).append(node)
        cls = node_attrs.get("class")
        if cls:
            for c in cls if isinstance(cls, list) else str(cls).split():
                classes.setdefault(str(c).lower(), []).append(node)
        ident = node_attrs.get("id")
        if ident:
            ids.setdefault(str(ident).lower(), []).append(node)
    return made


def _alive(tag: Tag | Comment) -> bool:
    # Read __dict__: a decomposed tag has lost its attributes, and bs4's __getattr__
    # would turn `tag.decomposed` into a subtree search.
    attrs = tag.__dict__
    return not attrs.get("_decomposed", False) and attrs.get("parent") is not None
