"""XML escaping that gives the bytes lxml's serializer gives (UTF-8 output).

Text: ``&``, ``<``, ``>`` and ``\\r`` (``&#13;``) escaped; quotes, tabs and newlines kept.
Attribute values (double-quoted): also ``"``, ``\\t``, ``\\n`` (``&#9;``, ``&#10;``).
Everything else, non-ASCII included, is written as it is (UTF-8 when encoded).

lxml refuses a string XML 1.0 cannot carry (C0 controls but tab/newline/return, U+FFFE,
U+FFFF, lone surrogates) with a ValueError; so do these, so a document that lxml could
not build is not written either. tests/publish/test_escape.py holds them to lxml.
"""

from __future__ import annotations

import re

# What lxml refuses (its "All strings must be XML compatible" check, and the UTF-8 encoder
# for surrogates).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r]')
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "\t": "&#9;",
    "\n": "&#10;",
    "\r": "&#13;",
}


def check(value: str) -> str:
    """`value` unchanged; ValueError if lxml would refuse it."""
    if _FORBIDDEN.search(value) is not None:
        raise ValueError("All strings must be XML compatible: Unicode or ASCII, no NULL bytes")
    return value


def text(value: str) -> str:
    """Element content as lxml writes it."""
    check(value)
    return text_clean(value)


def attr(value: str) -> str:
    """A double-quoted attribute value as lxml writes it."""
    check(value)
    return attr_clean(value)


def text_clean(value: str) -> str:
    """`text` for a string already known to be XML-safe (select.xml_safe / plain did it)."""
    # str.replace beats a regex callback on the short strings of a feed; the search skips
    # the common case of nothing to escape.
    if _TEXT_SPECIAL.search(value) is None:
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\r", "&#13;")


def attr_clean(value: str) -> str:
    """`attr` for a string already known to be XML-safe."""
    if _ATTR_SPECIAL.search(value) is None:
        return value
    return _ATTR_SPECIAL.sub(_entity, value)


def _entity(match: re.Match[str]) -> str:
    return _ENTITIES[match.group(0)]
