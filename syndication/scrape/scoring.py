"""The measures, element sets and thresholds the whole-tree steps and prune.py share.

The densest-element search (densest.py), boilerplate removal and the body walk judge the
soup; prune.py judges lxml's tree of the same page before the soup is built, and what it
leaves out is only safe while both read text, candidates and chrome the same way. So this
module holds the one copy of each: how text is counted (``words``), which elements are
candidates and blocks, which class names and labels mark chrome, and the thresholds.
It imports no sibling but rules.py (data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from itertools import islice

from ..arabic.text import clean_text, matching_key
from .rules import JUNK_CLASS_SUBSTRINGS, JUNK_CLASS_TOKENS, STANDALONE_JUNK

# --- text ---------------------------------------------------------------------------------


def words(text: str) -> tuple[int, int]:
    """(characters in words, words) of clean_text(*text*): len(clean_text(a + " " + b))
    is the sum of both parts' plus one space between words."""
    if len(text) <= _SHORT:
        return _short_words(str(text))  # str(): a bs4 string would keep its tree alive
    return _count_words(text)


def _count_words(text: str) -> tuple[int, int]:
    cleaned = clean_text(text)
    if not cleaned:
        return 0, 0
    count = cleaned.count(" ") + 1
    return len(cleaned) - count + 1, count


# Menus, cards and labels repeat from page to page of a site: their short strings are
# cleaned once per process (clean_text walks every character in Python).
_SHORT = 200
_short_words = lru_cache(maxsize=8192)(_count_words)

# --- elements -----------------------------------------------------------------------------

INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i",
        "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
        "time", "tt", "u", "var", "wbr", "ins", "del", "label", "bannerinjection",
        "controlinjection",
    }
)  # fmt: skip
# The elements the densest search scores.
CANDIDATES = frozenset({"div", "section", "article", "main", "td", "span", "font", "p"})
# An element holding one of these is a container, not a paragraph.
BLOCKS = frozenset({"p", "div", "section", "ul", "table"})
# Children whose non-link text counts in their parent's score (and div/section, see below).
SCORED = frozenset({"p", "blockquote"} | INLINE)
# A div/section without blocks counts in its parent's score from this much text on.
DIV_TEXT_MIN = 25
# Tags whose get_text() reads their own string type, not their children's text.
OWN_STRINGS = frozenset({"script", "style", "template", "rt", "rp"})
# Elements nested deeper than this are unwrapped (page.py): no article is.
MAX_DEPTH = 100

# --- content or chrome --------------------------------------------------------------------

# An element with this much non-link text is the article (or holds it), not chrome.
CONTENT_CHARS = 600
PARAGRAPHS_READ = 400  # the p/div descendants read for long paragraphs


def holds_article_text(total: int, density: float, paragraphs: Iterable[int]) -> bool:
    """Does an element carry article-like text: long paragraphs that are not links?

    *total* is the length of its text (page.text_of), *density* the share of it inside
    links, *paragraphs* the text lengths of its p/div descendants in document order
    (lazily: reading stops at the second long one).
    """
    if total < CONTENT_CHARS or density > 0.5:
        return False
    long_paragraphs = 0
    for length in islice(paragraphs, PARAGRAPHS_READ):
        if length >= 150:
            long_paragraphs += 1
            if long_paragraphs >= 2:
                return True
    # div + <br> bodies (lbcgroup) have one long text node instead of paragraphs.
    return total >= 3 * CONTENT_CHARS and density < 0.2


# A teaser grid ("more news" cards whose class names nothing we know): at least
# TEASER_RUN children of one parent sharing a name (one of TEASER_NAMES) and a class,
# every one of them mostly link text (is_teaser).
TEASER_NAMES = frozenset({"div", "li", "article"})
TEASER_RUN = 4


def is_teaser(total: int, linked: int) -> bool:
    """Is an element with *total* characters of text, *linked* of them in links, a
    teaser card: some text, more than half of it links (never article text then)."""
    return total > 0 and linked > total / 2


# Never removed for their class or id: the page, its main area, the headline.
NEVER_BY_CLASS = frozenset({"html", "body", "main", "article", "h1"})
TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_JUNK_SUBSTRING = re.compile("|".join(re.escape(s) for s in JUNK_CLASS_SUBSTRINGS))


@lru_cache(maxsize=8192)  # a page has thousands of class attributes, few distinct ones
def junk_names(names: str) -> bool:
    """Do an element's class and id *names* (lower-cased, space-separated, as
    page.classes_and_id gives them) name chrome? See rules.JUNK_CLASS_*."""
    if not names:
        return False
    if _JUNK_SUBSTRING.search(names):
        return True
    tokens = set(names.split()) | set(TOKEN_SPLIT.split(names))
    return bool(tokens & JUNK_CLASS_TOKENS)


_JUNK_KEYS = frozenset(matching_key(s) for s in STANDALONE_JUNK)
_LABEL_TRIM = re.compile(r"^[\s:：\-–|.»«\"()]+|[\s:：\-–|.»«\"()]+$")


def is_junk_label(text: str) -> bool:
    """Is *text* a widget label such as "تم نسخ الرابط" (rules.STANDALONE_JUNK)?"""
    if len(text) <= _SHORT_LABEL:
        return _short_junk_label(str(text))  # str(): a bs4 string would keep its tree alive
    if _TOO_MANY_LETTERS.match(text):
        return False  # a paragraph: its key could not be as short as a label's
    return _junk_label(text)


def _junk_label(text: str) -> bool:
    key = _LABEL_TRIM.sub("", matching_key(text))
    return key in _JUNK_KEYS


# Every short string of the page is asked, and a site's chrome repeats on every page.
_SHORT_LABEL = 200
_short_junk_label = lru_cache(maxsize=8192)(_junk_label)
# A long text is asked too (every body paragraph): its key (matching_key) costs a pass
# of several regexes. Letters and digits survive matching_key but for the tatweel and
# the few letters among tashkeel (_VANISHING); NFC joins at most three into one (Hangul
# jamo); casefold never loses one. So a text with over three times as many of them as
# the longest label key has cannot be a label. tests/scrape/test_scrape.py checks the
# claim about matching_key on every letter and digit of Unicode.
_VANISHING = "".join(
    c for c in map(chr, range(0x0600, 0x0700)) if c.isalnum() and not matching_key(c)
)
_MAX_KEY = max(len(k) for k in _JUNK_KEYS)
_UNCOUNTED = rf"[\W_{_VANISHING}]"
_TOO_MANY_LETTERS = re.compile(
    rf"{_UNCOUNTED}*(?:[^\W_{_VANISHING}]{_UNCOUNTED}*){{{3 * _MAX_KEY + 1}}}"
)
