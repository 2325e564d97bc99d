"""Digit normalization: Arabic-Indic and Persian (Extended Arabic-Indic) digits to ASCII.

Partners write numbers in three digit sets (alyaum's ``<time>`` uses ٠-٩, Iranian
sites use ۰-۹). Everything that parses numbers (dates, sizes) calls
:func:`to_ascii_digits` first so it only ever sees 0-9.
"""

from __future__ import annotations

from .charmap import CharMap

__all__ = ["has_non_ascii_digits", "has_persian_digits", "to_ascii_digits"]

_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"  # U+0660..U+0669
_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"  # U+06F0..U+06F9

_TABLE = {
    **{c: str(i) for i, c in enumerate(_ARABIC_INDIC)},
    **{c: str(i) for i, c in enumerate(_PERSIAN)},
    # Arabic decimal separator U+066B and thousands separator U+066C.
    "\u066b": ".",
    "\u066c": ",",
}
_TO_ASCII = CharMap(_TABLE)


def to_ascii_digits(s: str) -> str:
    """Return *s* with ٠-٩ and ۰-۹ replaced by 0-9 and ``٫`` ``٬`` by ``.`` ``,``.

    Every other character is left as is, so the length of the string is unchanged
    (callers may rely on positions staying aligned).
    """
    return _TO_ASCII(s)


def has_persian_digits(s: str) -> bool:
    """True when *s* contains at least one Persian digit (U+06F0..U+06F9)."""
    return any("\u06f0" <= c <= "\u06f9" for c in s)


def has_non_ascii_digits(s: str) -> bool:
    """True when *s* contains an Arabic-Indic or Persian digit."""
    return any(c in _TABLE for c in s)
