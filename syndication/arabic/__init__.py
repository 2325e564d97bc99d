"""Arabic-language text utilities: digits, text hygiene, dates and slugs (stdlib only).

This package is a leaf: it imports nothing else from ``syndication`` and no third-party
library, so every stage (parse, scrape, normalize, publish, config) may use it.
"""

from __future__ import annotations

from .dates import find_dates as find_dates
from .dates import get_tz as get_tz
from .dates import parse_date as parse_date
from .digits import to_ascii_digits as to_ascii_digits
from .text import clean_multiline as clean_multiline
from .text import clean_text as clean_text
from .text import detect_language as detect_language
from .text import is_urgent_label as is_urgent_label
from .text import strip_invisible as strip_invisible
from .text import strip_urgent_prefix as strip_urgent_prefix

__all__ = [
    "clean_multiline",
    "clean_text",
    "detect_language",
    "find_dates",
    "get_tz",
    "is_urgent_label",
    "parse_date",
    "strip_invisible",
    "strip_urgent_prefix",
    "to_ascii_digits",
]
