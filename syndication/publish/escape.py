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
    # `in` tests and str.replace beat a regex on the short strings of a feed.
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def attr_clean(value: str) -> str:
    """`attr` for a string already known to be XML-safe."""
    value = text_clean(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\t" in value:
        value = value.replace("\t", "&#9;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    return value
