"""What a BeautifulSoup built from lxml's tree may differ in from one built by bs4's own
parser-driven builder, for the differential tests of scrape/soup.py and scrape/prune.py."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString

from syndication.scrape.scoring import INLINE

# libxml2's HTML boolean attributes: its tree stores a bare one with its name as the value,
# the parser reports "" (no scraping step reads any of them).
BOOLEAN_ATTRIBUTES = (
    "checked",
    "compact",
    "declare",
    "defer",
    "disabled",
    "ismap",
    "multiple",
    "nohref",
    "noresize",
    "noshade",
    "nowrap",
    "readonly",
    "selected",
)


def set_aside(soup: BeautifulSoup) -> BeautifulSoup:
    """*soup* without what lxml's tree does not keep: whitespace strings between
    top-level elements (after ``</html>``), and the value of a bare boolean attribute."""
    for child in list(soup.contents):
        if type(child) is NavigableString and not child.strip():
            child.extract()
    for tag in soup.find_all(True):
        for name in BOOLEAN_ATTRIBUTES:
            if tag.attrs.get(name) in ("", name):
                tag.attrs[name] = ""
    return soup


def without_layout_space(soup: BeautifulSoup) -> BeautifulSoup:
    """*soup* without its layout whitespace, as the scrape's build leaves it out
    (soup.TreeSoupBuilder.drop_layout_space), found here on the finished tree: a plain
    string of ASCII spaces, outside <pre>/<textarea>, whose parent is not inline and has
    no non-blank string or inline element before it."""
    doomed = []
    for node in soup.descendants:
        if type(node) is not NavigableString or node.strip(" \n\t\f\r"):
            continue
        parent = node.parent
        assert parent is not None
        if parent.name in INLINE or any(
            p.name in ("pre", "textarea") for p in (parent, *parent.parents)
        ):
            continue
        before = list(node.previous_siblings)
        if any(
            (isinstance(b, Tag) and b.name in INLINE)
            or (isinstance(b, NavigableString) and b.strip(" \n\t\f\r"))
            for b in before
        ):
            continue
        doomed.append(node)
    for node in doomed:
        node.extract()
    return soup


def as_scraped(soup: BeautifulSoup) -> BeautifulSoup:
    """*soup* (bs4's own) as soup.scrape_soup builds it: no comments, no scripts but
    JSON-LD, no styles, no layout whitespace."""
    for node in list(soup.descendants):
        if isinstance(node, Comment):
            node.extract()
    for tag in soup.find_all(["script", "style"]):
        if tag.name == "style" or "ld+json" not in str(tag.get("type") or "").lower():
            tag.extract()
    return without_layout_space(soup)
