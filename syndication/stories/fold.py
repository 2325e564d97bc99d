"""Arabic text folded for near-duplicate matching (never for display or storage).

Two wires spell the same sentence differently: with or without tashkeel and tatweel,
أ/إ/آ or bare ا, final ة or ه, final ى or ي, Arabic-Indic or ASCII digits, "والرئيس" or
"و الرئيس". Folding all of these to one form makes their word shingles equal, so the
sketch measures what was written, not how it was typed.
"""

from __future__ import annotations

import re

from syndication.arabic.digits import to_ascii_digits
from syndication.arabic.text import matching_key

# Letters and digits; Arabic punctuation (، ؛ ؟) and Latin punctuation both split words.
_WORD = re.compile(r"[^\W_]+")
_HAMZA_SEATS = str.maketrans({"ؤ": "و", "ئ": "ي", "ء": ""})
# The conjunction و / ف and the article ال are written attached to the next word: strip
# them so "والرئيس" and "الرئيس" and "رئيس" share a word. Only from words long enough
# that what remains is still a word.
_CLITIC = re.compile(r"^(?:[وف](?=ال..)|)(?:ال(?=...))?")


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    folded = to_ascii_digits(matching_key(text)).translate(_HAMZA_SEATS)
    out = []
    for word in _WORD.findall(folded):
        stem = _CLITIC.sub("", word, count=1)
        out.append(stem or word)
    return out
