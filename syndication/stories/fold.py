"""Arabic text folded for near-duplicate matching (never for display or storage).

Two wires spell the same sentence differently: with or without tashkeel and tatweel,
أ/إ/آ or bare ا, final ة or ه, final ى or ي, Arabic-Indic or ASCII digits, "والرئيس" or
"و الرئيس". Folding all of these to one form makes their word shingles equal, so the
sketch measures what was written, not how it was typed.
"""

from __future__ import annotations

import re

from syndication.arabic.charmap import CharMap
from syndication.arabic.digits import to_ascii_digits
from syndication.arabic.text import matching_key

_HAMZA_SEATS = CharMap({"ؤ": "و", "ئ": "ي", "ء": ""})
# A word is a run of letters and digits: Arabic punctuation (، ؛ ؟) and Latin punctuation
# both split words. The conjunction و / ف and the article ال are written attached to the
# next word: they are left out of the group, so "والرئيس" and "الرئيس" and "رئيس" share a
# word; only from words long enough that what remains is still a word (the lookaheads
# stay inside the word). One findall over the text: a regex call per word was most of
# the cost of sketching an article.
_STEM = re.compile(r"(?:[وف](?=ال[^\W_]{2}))?(?:ال(?=[^\W_]{3}))?([^\W_]+)")


def words(text: str) -> list[str]:
    """The folded words of `text`, in order."""
    return _STEM.findall(_HAMZA_SEATS(to_ascii_digits(matching_key(text))))
