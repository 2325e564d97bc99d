"""RFC 6721 deleted entries: `<at:deleted-entry ref="…">` in an Atom (or RSS) feed is the
partner saying "this item is withdrawn". feedparser drops these elements, so they are
read here with the same safe lxml parser as the fast path. A leaf beside `scan`.
"""

from __future__ import annotations

from lxml import etree

from .xmltree import safe_parser

TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
_DELETED = f"{{{TOMBSTONES_NS}}}deleted-entry"
_MAX_REFS = 1000  # a feed is not a database dump; more would be a broken or hostile feed


def deleted_entries(body: bytes) -> tuple[str, ...]:
    """The `ref`s (the withdrawn items' ids/guids) of every deleted-entry, in order.

    Cheap when there are none: a byte search before any parsing."""
    if TOMBSTONES_NS.encode() not in body:
        return ()
    try:
        root = etree.fromstring(body, safe_parser(recover=True))
    except etree.XMLSyntaxError:
        return ()
    if root is None:
        return ()
    refs: list[str] = []
    for element in root.iter(_DELETED):
        ref = (element.get("ref") or "").strip()
        if ref and ref not in refs:
            refs.append(ref)
        if len(refs) >= _MAX_REFS:
            break
    return tuple(refs)


__all__ = ["TOMBSTONES_NS", "deleted_entries"]
