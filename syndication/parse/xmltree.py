"""The lxml vocabulary both lxml passes share (the Media RSS re-read in `feedparser_` and
the fast path in `scan`): the parser that never expands or fetches entities, the item
elements of every RSS/Atom version, and qualified names that never raise.

A leaf of the package: it imports no sibling.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

# The namespaces an item, and the link/guid/id inside it, may be in (none: RSS 0.9x/2.0).
ITEM_NAMESPACES = frozenset(
    {
        None,
        "",
        "http://purl.org/rss/1.0/",
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2",
        "http://www.w3.org/2005/Atom",
        "http://purl.org/atom/ns#",
    }
)
ATOM_NAMESPACES = frozenset({"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"})
RDF_ABOUT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"

# The tags `items` looks for, so lxml filters in C instead of us asking each element.
_ITEM_TAGS = tuple(
    f"{{{namespace}}}{local}" if namespace else local
    for namespace in ITEM_NAMESPACES
    for local in ("item", "entry")
)


def safe_parser(recover: bool, *, strip_cdata: bool = True) -> etree.XMLParser:
    """No entity expansion, no network, no huge trees: the bytes are a partner's."""
    return etree.XMLParser(
        recover=recover,
        strip_cdata=strip_cdata,
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


@dataclass(frozen=True, slots=True)
class QName:
    namespace: str | None
    localname: str


def qname(element: etree._Element) -> QName:
    """Like etree.QName, but never raises: a recovered tree can hold "prefix:name" tags."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return QName(namespace, local)
    return QName(None, tag)


def items(root: etree._Element) -> Iterator[etree._Element]:
    """item/entry elements (RSS 0.9x/1.0/2.0, Atom 0.3/1.0) in document order."""
    yield from root.iter(*_ITEM_TAGS)
