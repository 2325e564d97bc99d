"""Split a photo credit off a caption: "… تصوير: أحمد" / "… (رويترز)" / "… Photograph: X/Reuters".

Three shapes are recognised at the end of a caption, in this order:

1. a label and a short name: "تصوير:", "المصدر:", "©", "Photo:", "Photograph:", "Credit:";
2. a short parenthesised tail that names an agency or reads "Name/Agency";
3. an agency after a dash, slash or Arabic comma: "… - رويترز", "… / AFP".

Anything else stays in the caption: a credit is only split when the page says it is one.
"""

from __future__ import annotations

import re

from ..arabic.text import clean_text, matching_key
from .rules import AGENCIES, CREDIT_PREFIX_RE

_AGENCY_KEYS = frozenset(matching_key(a) for a in AGENCIES)
_MAX_CREDIT_WORDS = 10
_BOUNDARY = re.compile(r"(?:^|[\s(\[\-–—|/،.:])$")
_PAREN_TAIL = re.compile(r"\(([^()]{2,80})\)\s*[.]?\s*$")
_DASH_TAIL = re.compile(r"\s[-–—|/،]\s*([^-–—|/،]{2,40})$")


def is_agency(text: str) -> bool:
    """True when *text* is, or is "name / agency" with, a known news/photo agency."""
    parts = [matching_key(p).strip(" .") for p in re.split(r"[/|،,]", text)]
    return any(p in _AGENCY_KEYS for p in parts if p)


def _creditish(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 8:
        return False
    return is_agency(text) or ("/" in text and len(words) <= 6)


def _unwrap(text: str) -> str:
    """Drop brackets around the whole credit or left unbalanced by the split, keep "(تجريبية)"."""
    text = text.strip()
    while len(text) > 1 and text[0] in "([" and text[-1] in ")]":
        text = text[1:-1].strip()
    while (
        text
        and text[-1] in ")]"
        and text.count("(") + text.count("[") < (text.count(")") + text.count("]"))
    ):
        text = text[:-1].rstrip()
    while (
        text
        and text[0] in "(["
        and text.count("(") + text.count("[") > (text.count(")") + text.count("]"))
    ):
        text = text[1:].lstrip()
    return text


def split_credit(text: str, *, credit_only: bool = False) -> tuple[str | None, str | None]:
    """``(caption, credit)`` from one caption string; either may be None.

    With *credit_only* the text is known to be a credit: only its label ("©", "تصوير:")
    is removed.
    """
    text = clean_text(text)
    if credit_only:
        m = CREDIT_PREFIX_RE.match(text)
        rest = text[m.end() :] if m else text
        return None, _unwrap(rest) or None
    for m in reversed(list(CREDIT_PREFIX_RE.finditer(text))):
        rest = text[m.end() :].strip()
        before = text[: m.start()]
        if not rest or len(rest.split()) > _MAX_CREDIT_WORDS:
            continue
        if before and not _BOUNDARY.search(before):
            continue  # "Photo:" glued to a word is part of the sentence
        caption = before.rstrip(" -–—|/([،").strip()
        credit = _unwrap(rest)
        return caption or None, credit or None
    m = _PAREN_TAIL.search(text)
    if m is not None and _creditish(m.group(1)):
        caption = text[: m.start()].strip()
        return caption or None, clean_text(m.group(1))
    m = _DASH_TAIL.search(text)
    if m is not None and is_agency(m.group(1)):
        caption = text[: m.start()].strip()
        return caption or None, clean_text(m.group(1))
    return text or None, None
