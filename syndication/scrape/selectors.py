"""CSS selectors as the extraction asks them: compiled once, keyed, pre-tested.

* :func:`compile_css`: soupsieve's compiled selector, once per process.
* :func:`selector_keys`: what a tag must carry (a name, attribute, class or id) for a
  selector to match it, so the tag index hands soupsieve only those tags.
* :func:`subject_test`: a cheap necessary test of the selector's last compound (the
  subject), so most of those tags are turned away before soupsieve's match, which builds
  a matcher per call; for bare tag names ("script", "h1, h2") the test is the answer.

soupsieve always has the last word where the tests are not exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import soupsieve
from bs4 import BeautifulSoup, Tag
from soupsieve import SoupSieve


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


@dataclass(frozen=True)
class Subject:
    """A test of a selector's subject: False means the selector cannot match the tag;
    when *exact*, True means it does (soupsieve need not be asked)."""

    test: Callable[[Tag], bool]
    exact: bool


# One simple selector of a compound, a combinator, or a comma; anything else (pseudo-
# classes, namespaces, escapes) leaves the selector to soupsieve alone.
_TOKEN = re.compile(
    r"""\s*(?P<comb>[>+~,])\s*
    | (?P<ws>\s+)
    | (?P<name>[A-Za-z_][\w-]*|\*)
    | \.(?P<cls>[\w-]+)
    | \#(?P<id>[\w-]+)
    | \[\s*(?P<attr>[\w-]+)\s*
        (?:(?P<op>[~|^$*]?=)\s*
           (?:"(?P<dq>[^"\\]*)"|'(?P<sq>[^'\\]*)'|(?P<bare>[\w-]+))
           \s*(?:[iIsS]\s*)?
        )?\]""",
    re.VERBOSE,
)

_Check = Callable[[Tag], bool]


@lru_cache(maxsize=512)
def subject_test(selector: str) -> Subject | None:
    """The test of *selector*'s subjects (the last compound of each comma-separated part),
    or None when the selector is not of a shape read here.

    The test compares case-folded names and values, so it never turns away a tag that
    soupsieve (case-sensitive or not, by attribute and document mode) would match.
    """
    parts: list[list[_Check]] = []
    compound: list[_Check] = []
    bare = True  # every part is a lone ASCII tag name so far
    name_only = False  # the current compound is a lone tag name
    pos = 0
    text = selector.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            return None
        pos = m.end()
        if m.group("comb") is not None or m.group("ws") is not None:
            comma = m.group("comb") == ","
            if comma:
                parts.append(compound)
                bare = bare and name_only
            else:
                bare = False  # a combinator: the subject's context is soupsieve's to judge
            compound, name_only = [], False
            continue
        if m.group("name") is not None:
            name = m.group("name")
            name_only = not compound and name != "*" and name.isascii()
            if name != "*":
                compound.append(_name_is(name.lower()))
            continue
        name_only = False
        if m.group("cls") is not None:
            compound.append(_has_class(m.group("cls").casefold()))
        elif m.group("id") is not None:
            compound.append(_id_is(m.group("id").casefold()))
        else:
            value = next((v for v in m.group("dq", "sq", "bare") if v is not None), None)
            compound.append(_attr_test(m.group("attr").lower(), m.group("op"), value))
    parts.append(compound)
    bare = bare and name_only
    if not all(parts):
        return None
    tests = [tuple(p) for p in parts]

    def test(tag: Tag) -> bool:
        return any(all(check(tag) for check in checks) for checks in tests)

    return Subject(test, exact=bare)


def _name_is(name: str) -> _Check:
    return lambda tag: tag.name.isascii() and tag.name.lower() == name


def _has_class(name: str) -> _Check:
    def check(tag: Tag) -> bool:
        value = tag.attrs.get("class")
        if not value:
            return False
        names = value if isinstance(value, list) else str(value).split()
        return any(str(c).casefold() == name for c in names)

    return check


def _id_is(name: str) -> _Check:
    return lambda tag: str(tag.attrs.get("id") or "").casefold() == name


def _attr_value(tag: Tag, name: str) -> str | None:
    attrs = tag.attrs
    value = attrs.get(name)
    if value is None:
        # lxml lower-cases attribute names; a hand-built tree may not have.
        value = next((v for k, v in attrs.items() if k.lower() == name), None)
        if value is None:
            return None
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _attr_test(name: str, op: str | None, value: str | None) -> _Check:
    if op is None or value is None:
        return lambda tag: _attr_value(tag, name) is not None
    want = value.casefold()
    compare: Callable[[str], bool] = {
        "=": lambda have: have == want,
        "^=": lambda have: have.startswith(want),
        "$=": lambda have: have.endswith(want),
        "|=": lambda have: have.startswith(want),
    }.get(op, lambda have: want in have)  # *= and ~=

    def check(tag: Tag) -> bool:
        have = _attr_value(tag, name)
        return have is not None and compare(have.casefold())

    return check
