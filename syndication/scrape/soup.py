"""The BeautifulSoup tree of a page, built straight from lxml's tree.

bs4's lxml builder is driven by the parser's events: for every tag and string it goes
through ``handle_starttag``/``endData``/``object_was_parsed``, which check parse filters,
namespaces, the open-tag counter and relink the tree, all in Python. That was over a third
of a scrape. Here libxml2 builds its own tree (C, a millisecond or two a page) and the
bs4 objects are made from it directly, each field set to the value bs4's builder would
have given it: the same classes (``Script``, ``Stylesheet``, ``TemplateString``, ruby
strings, ``Comment``…), the same attribute dict and split ``class``/``rel`` lists, the
charset substitutions in ``<meta>``, whitespace-only strings collapsed outside
``<pre>``/``<textarea>``, and the same next/previous element and sibling links.

What the parser reports and lxml's tree does not keep (a page's whitespace after
``</html>``; a bare boolean attribute's value: "" from the parser, its name in the tree)
is read by no scraping step. tests/scrape/test_soup.py compares both builds node by node
and the records scraped from them on every test page.

``TreeSoupBuilder.leave_out`` is the hook the scrape's build (``scrape_soup``: no comments,
scripts or styles) and the pruned build (prune.py, chrome too) use to skip elements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from bs4 import BeautifulSoup, Tag
from bs4.builder._lxml import LXMLTreeBuilder
from bs4.element import (
    AttributeValueList,
    Comment,
    NavigableString,
    PageElement,
    ProcessingInstruction,
)
from lxml import etree

from .scoring import INLINE

Element = etree._Element  # lxml's element (comments and PIs too: their tag is not a str)
# The parser's doctype report: (name, public id, system URL); the ids may be None.
DoctypeInfo = tuple[str, str | None, str | None]
# A page as parse_tree gives it: lxml's tree and the doctype.
Parsed = tuple[Element, DoctypeInfo | None]

_DOCTYPE = re.compile(r"<!doctype", re.IGNORECASE)
_NON_SPACE = re.compile(r"\S+")  # bs4's nonwhitespace_re: how it splits class="a  b"
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"  # BeautifulSoup.ASCII_SPACES


def parse_tree(text: str, utf8: bytes | None = None) -> Parsed | None:
    """lxml's tree of *text* and the doctype the parser would report; None when lxml
    refuses the page. *utf8*, when given, is *text* in UTF-8 (decode.utf8_source): the
    parser reads it instead, the same tree about a fifth sooner."""
    if utf8 is None:
        parser = etree.HTMLParser(recover=True, huge_tree=False)
    else:
        # The encoding given, libxml2 ignores a <meta charset>, as it does for a str.
        parser = etree.HTMLParser(recover=True, huge_tree=False, encoding="utf-8")
    try:
        parser.feed(text if utf8 is None else utf8)
        root: Element | None = parser.close()
    except (etree.ParserError, ValueError):
        return None
    if root is None:
        return None
    doctype = None
    if _DOCTYPE.search(text, 0, 4096):
        # The tree holds a default DTD when the page has none; the parser reports only a
        # real one, and bs4 keeps what it reports.
        info = root.getroottree().docinfo
        system_url: str | None = info.system_url  # type: ignore[attr-defined]  # not in lxml-stubs
        doctype = (info.root_name or "", info.public_id, system_url)
    return root, doctype


@dataclass
class Made:
    """The tags and comments a build made, in document order, and the tags by name,
    attribute, class and id (lower-cased), as tagindex.TagIndex files them."""

    tags: list[Tag] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    order: dict[int, int] = field(default_factory=dict)  # id(tag) → place in tags
    names: dict[str, list[Tag]] = field(default_factory=dict)
    attrs: dict[str, list[Tag]] = field(default_factory=dict)
    classes: dict[str, list[Tag]] = field(default_factory=dict)
    ids: dict[str, list[Tag]] = field(default_factory=dict)
    deepest: int = 0  # nesting depth of the deepest tag (the soup's children: 1)


class TreeSoupBuilder(LXMLTreeBuilder):
    """Makes the soup's objects from an lxml tree, as bs4's lxml builder would from the
    parse of the same page (``BeautifulSoup(text, builder=TreeSoupBuilder(root, doctype))``).
    """

    # Leave out layout whitespace: a string of ASCII spaces whose parent is not inline
    # (scoring.INLINE) and holds no text or inline element before it. Every reader of
    # the soup's text joins strings with a space and cleans the result, except the body
    # walk (body.py), which joins an inline run as written; such a string can only lead
    # a run there (whatever comes before it in its parent flushes the run or adds
    # nothing), and clean_text strips it. Most strings of a news page are this kind.
    drop_layout_space = False

    def __init__(self, root: Element, doctype: DoctypeInfo | None) -> None:
        super().__init__()
        self.root, self.doctype_info = root, doctype
        # What the build made, in document order, keyed as the page's tag index keys
        # tags: the index takes these instead of walking the finished soup (tagindex.py).
        self.made = Made()

    def leave_out(self, el: Element, parent: Tag) -> bool:
        """Is *el* (a tag, comment or PI under *parent*) left out of the soup? Its tail
        is kept, as a string of its own. Nothing is, here; prune.py leaves out chrome."""
        return False

    def feed(self, markup: Any) -> None:
        soup = self.soup
        assert soup is not None
        if self.doctype_info is not None:
            # The parser passes None for a missing id too, which bs4 handles.
            self.doctype(*self.doctype_info)  # type: ignore[arg-type]
        root = self.root
        before = reversed(list(root.itersiblings(preceding=True)))
        self._build(soup, [*before, root, *root.itersiblings()])

    def _build(self, soup: BeautifulSoup, top: list[Element]) -> None:
        builder_attrs = self.attribute_dict_class
        cdata = self.cdata_list_attributes or {}
        universal = cdata.get("*", set())
        containers = self.string_containers
        empty = self.empty_element_tags or set()
        keep_space = self.preserve_whitespace_tags or set()
        main_types = Tag.MAIN_CONTENT_STRING_TYPES
        # What Tag.__init__ sets alike on every tag this builder makes.
        common = {
            "parser_class": soup.__class__,
            "namespace": None,
            "_namespaces": self.active_namespace_prefixes[-1],
            "prefix": None,
            "sourceline": None,
            "sourcepos": None,
            "attribute_value_list_class": self.attribute_value_list_class,
            "known_xml": self.is_xml,
            "hidden": False,
            "cdata_list_attributes": self.cdata_list_attributes,
            "preserve_whitespace_tags": self.preserve_whitespace_tags,
            "next_element": None,
            "next_sibling": None,
        }
        new_tag = Tag.__new__
        new_string = str.__new__
        leave_out = self.leave_out
        made = self.made
        tags, order = made.tags, made.order
        by_name, by_attr, by_class, by_id = made.names, made.attrs, made.classes, made.ids
        deepest = 0
        drop_space = self.drop_layout_space
        inline = INLINE
        # ids of the tags holding text or an inline element so far (drop_layout_space).
        texted: set[int] = set()
        split = _NON_SPACE.findall
        value_list = AttributeValueList
        last: PageElement | None = soup._most_recent_element

        def add_string(cls: type[NavigableString], text: str, parent: Tag, raw: bool) -> None:
            """The rare strings (comments, PIs, tails of left-out elements); the loop
            below adds texts and tails itself, the same way."""
            nonlocal last
            if raw:
                pass
            elif text.strip(_ASCII_SPACES):
                texted.add(id(parent))
            else:
                if (
                    drop_space
                    and cls is NavigableString
                    and parent.name not in inline
                    and id(parent) not in texted
                ):
                    return  # layout whitespace, as in the loop below
                text = "\n" if "\n" in text else " "
            s = new_string(cls, text)
            siblings = parent.contents
            previous = siblings[-1] if siblings else None
            s.__dict__ = {
                "hidden": False,
                "parent": parent,
                "previous_element": last,
                "next_element": None,
                "previous_sibling": previous,
                "next_sibling": None,
            }
            if last is not None:
                last.next_element = s
            if previous is not None:
                previous.next_sibling = s
            siblings.append(s)
            last = s

        # Work items: (element, the tag it goes under, the string class for text there,
        # inside <pre>/<textarea>, depth of its tag); depth 0: closing, the element's tag
        # is built and its children are, so its tail (a string of the tag's parent) comes
        # next. Pushed only when there is a tail.
        Item = tuple[Element, Tag, type[NavigableString], bool, int]
        stack: list[Item] = [(el, soup, NavigableString, False, 1) for el in reversed(top)]
        pop, push = stack.pop, stack.append
        while stack:
            el, parent, cls, raw, depth = pop()
            if not depth:
                text: str = el.tail  # type: ignore[assignment]  # pushed only with a tail
                holder = parent.parent
                assert holder is not None
            else:
                name = el.tag
                if leave_out(el, parent):
                    if el.tail:
                        add_string(cls, el.tail, parent, raw)
                    continue
                if not isinstance(name, str):
                    if isinstance(el, etree._ProcessingInstruction):
                        # LXMLTreeBuilder.pi: "target data", whitespace rules as any string.
                        data = f"{el.target} {el.text or ''}"
                        add_string(ProcessingInstruction, data, parent, raw)
                    else:
                        add_string(Comment, el.text or "", parent, raw)
                        made.comments.append(cast(Comment, last))
                    if el.tail:
                        add_string(cls, el.tail, parent, raw)
                    continue
                # One dict built from lxml's (name, value) pairs; class/rel… split as bs4
                # splits them. Values are str, which XMLAttributeDict stores unchanged.
                tag = new_tag(Tag)
                key = id(tag)
                order[key] = len(tags)
                tags.append(tag)
                if depth > deepest:
                    deepest = depth
                filed = by_name.get(name)
                if filed is None:
                    by_name[name] = [tag]
                else:
                    filed.append(tag)
                # The HTML parser gives str, not bytes; no cast(): this line runs for every
                # tag, and cast's subscripted type argument is built at each call.
                items: list[tuple[str, str]] = el.items()  # type: ignore[assignment]
                if items:
                    specific = cdata.get(name.lower()) or ()
                    pairs: list[tuple[str, str | AttributeValueList]] = []
                    for k, v in items:
                        by_attr.setdefault(k, []).append(tag)
                        if k in universal or k in specific:
                            values = value_list(split(v))
                            pairs.append((k, values))
                            if k == "class":
                                for c in values:
                                    by_class.setdefault(c.lower(), []).append(tag)
                        else:
                            pairs.append((k, v))
                            if k == "id" and v:
                                by_id.setdefault(v.lower(), []).append(tag)
                    attrs = builder_attrs(pairs)
                else:
                    attrs = builder_attrs()
                siblings = parent.contents
                previous = siblings[-1] if siblings else None
                container = containers.get(name)
                tag.__dict__ = {
                    **common,
                    "name": name,
                    "attrs": attrs,
                    "contents": [],
                    "parent": parent,
                    "previous_element": last,
                    "previous_sibling": previous,
                    "can_be_empty_element": name in empty,
                    "interesting_string_types": {container} if container else main_types,
                }
                if last is not None:
                    last.next_element = tag
                if previous is not None:
                    previous.next_sibling = tag
                siblings.append(tag)
                last = tag
                if name in inline:
                    texted.add(id(parent))
                if name == "meta":
                    self.set_up_substitutions(tag)
                if el.tail:
                    push((el, tag, cls, raw, 0))
                cls = container or cls
                raw = raw or name in keep_space
                depth += 1
                stack += [(child, tag, cls, raw, depth) for child in reversed(el)]
                text = el.text  # type: ignore[assignment]
                if not text:
                    continue
                holder = tag
            # The string: add_string's steps, written out (tens of thousands a page).
            if raw:
                pass
            elif text.strip(_ASCII_SPACES):
                texted.add(id(holder))
            else:
                if (
                    drop_space
                    and cls is NavigableString
                    and holder.name not in inline
                    and id(holder) not in texted
                ):
                    continue  # layout whitespace (ScrapeSoupBuilder)
                text = "\n" if "\n" in text else " "
            s = new_string(cls, text)
            siblings = holder.contents
            previous = siblings[-1] if siblings else None
            s.__dict__ = {
                "hidden": False,
                "parent": holder,
                "previous_element": last,
                "next_element": None,
                "previous_sibling": previous,
                "next_sibling": None,
            }
            if last is not None:
                last.next_element = s
            if previous is not None:
                previous.next_sibling = s
            siblings.append(s)
            last = s
        soup._most_recent_element = last
        made.deepest = max(made.deepest, deepest)


class ScrapeSoupBuilder(TreeSoupBuilder):
    """The soup the scrape reads: the whole tree but comments, and scripts and styles
    other than JSON-LD. Boilerplate removal drops those first, before anything but the
    metadata reader (JSON-LD only) looks at the tree, so building them is wasted (a
    tenth of the build on news pages, and their removal). tests/scrape/test_soup.py
    checks the record is the one scraped from bs4's own soup of the page."""

    drop_layout_space = True

    def leave_out(self, el: Element, parent: Tag) -> bool:
        tag = el.tag
        if not isinstance(tag, str):
            return not isinstance(el, etree._ProcessingInstruction)  # a comment
        return (tag == "script" or tag == "style") and not_metadata(tag, el.get("type"))


def not_metadata(tag: str, kind: str | None) -> bool:
    """Is the element *tag* (script or style) of type *kind* nothing the scrape reads?"""
    return tag == "style" or (tag == "script" and "ld+json" not in str(kind or "").lower())


def release(soup: BeautifulSoup) -> None:
    """Break the reference cycles of *soup*, built here, so that reference counting frees
    its objects at once; the soup is unusable afterwards. Left to the cyclic collector,
    a page's tens of thousands of linked objects were traversed again and again while
    they lived and once more to be found dead (a quarter of a scrape's time)."""
    builder = soup.builder
    if not isinstance(builder, TreeSoupBuilder):
        return
    for node in (soup, *builder.made.tags):
        for child in node.contents:
            if not isinstance(child, Tag):
                child.__dict__.clear()
        node.__dict__.clear()
    builder.made = Made()


def scrape_soup(
    text: str, parsed: Parsed | None = None, *, layout_space: bool = False
) -> BeautifulSoup:
    """The soup of *text* for scraping (ScrapeSoupBuilder), from its lxml tree *parsed*
    when the caller has it, with its layout whitespace if *layout_space*; when lxml
    refuses the page, bs4's own (boilerplate removal then drops what this build leaves
    out; the whitespace is harmless)."""
    parsed = parsed or parse_tree(text)
    if parsed is None:
        return BeautifulSoup(text, "lxml")
    builder = ScrapeSoupBuilder(*parsed)
    builder.drop_layout_space = not layout_space
    return BeautifulSoup(text, builder=builder)


def whole_soup(text: str) -> BeautifulSoup:
    """The soup of *text* (the whole page), as ``BeautifulSoup(text, "lxml")`` builds it;
    that is the build when lxml refuses the page."""
    parsed = parse_tree(text)
    if parsed is None:
        return BeautifulSoup(text, "lxml")
    return BeautifulSoup(text, builder=TreeSoupBuilder(*parsed))
