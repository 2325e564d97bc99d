"""Replace a few single characters in a text, faster than ``str.translate`` does it.

``str.translate`` with a table beyond ASCII looks every character of the text up in a
dict: about 60 ns a character, 65 µs for a 1,000-character article, and the folding of
an article for matching runs three such tables. The texts here hold a few of the
table's characters each, so asking ``in`` and calling ``str.replace`` (both scans in C)
for each of the table's characters takes a few microseconds instead.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CharMap"]


class CharMap:
    """``s.translate(str.maketrans(table))`` for a table of single characters, each to a
    string; no replacement may hold a character the table replaces (the replacements are
    made one after another, so that would make their order matter)."""

    __slots__ = ("_pairs",)

    def __init__(self, table: Mapping[str, str]) -> None:
        if any(len(key) != 1 for key in table):
            raise ValueError("CharMap: every key is one character")
        if set("".join(table.values())) & set(table):
            raise ValueError("CharMap: a replacement holds a character the map replaces")
        self._pairs = tuple(table.items())

    def __call__(self, s: str) -> str:
        for old, new in self._pairs:
            if old in s:
                s = s.replace(old, new)
        return s

    def table(self) -> dict[int, str]:
        """The same map as a ``str.translate`` table."""
        return str.maketrans(dict(self._pairs))
