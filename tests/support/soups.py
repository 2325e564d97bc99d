"""What a BeautifulSoup built from lxml's tree may differ in from one built by bs4's own
parser-driven builder, for the differential tests of scrape/soup.py and scrape/prune.py."""

from __future__ import annotations

from bs4 import BeautifulSoup
from bs4.element import NavigableString

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
