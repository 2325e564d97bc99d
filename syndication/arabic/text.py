"""Arabic text hygiene: invisible characters, whitespace, the "عاجل" (breaking) prefix, language.

What this module owns:

* :func:`strip_invisible` removes bidi controls and zero-width characters that partners'
  CMSs sprinkle into titles (they break equality, slugs and the urgent-prefix match).
* :func:`clean_text` / :func:`clean_multiline` are the one normalization applied to every
  text field: NFC, invisibles and control characters removed, whitespace collapsed.
  Letters are never rewritten (hamza/alef forms, ta marbuta, tatweel stay as sent).
* :func:`strip_urgent_prefix` / :func:`is_urgent_label` decide whether a title prefix or a
  section/badge name means breaking news. "عاجل" used as an adjective inside a sentence
  ("قرار عاجل من النائب العام") is never matched.
* :func:`detect_language` tells Arabic from Persian from Latin-script text, cheaply.

ZWNJ (U+200C) decision: Persian spells words with it ("می‌خواهم"), so deleting it
glues two visual parts of a word together. Titles, captions and categories are compared,
slugged and used as identifiers, so they drop it (the default). Body text may keep it with
``keep_zwnj=True``.
"""

from __future__ import annotations

import re
import unicodedata

from .charmap import CharMap

__all__ = [
    "clean_multiline",
    "clean_text",
    "detect_language",
    "is_urgent_label",
    "matching_key",
    "strip_invisible",
    "strip_urgent_prefix",
]

ZWNJ = "\u200c"

# Bidi controls, zero-width characters and other invisible format characters.
_INVISIBLE = (
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark (ALM)
    "\u180e"  # Mongolian vowel separator (old zero-width space)
    "\u200b\u200c\u200d\u200e\u200f"  # ZWSP, ZWNJ, ZWJ, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u206a\u206b\u206c\u206d\u206e\u206f"  # deprecated format characters
    "\ufeff"  # BOM / zero-width no-break space
)
# One regex pass: str.translate with a deletion table looks each character up in a dict,
# several times slower on page-length text (tests/arabic/test_text.py checks the two agree).
_INVISIBLE_RE = re.compile("[" + re.escape(_INVISIBLE) + "]")
_INVISIBLE_KEEP_ZWNJ_RE = re.compile("[" + re.escape(_INVISIBLE.replace(ZWNJ, "")) + "]")

# Line-breaking characters that survive control-character removal so that
# clean_multiline can split on them (NEL, LS, PS are not Cc or are handled by splitlines).
_LINE_BREAKS = "\n\r\v\f\x85\u2028\u2029"


def strip_invisible(s: str, *, keep_zwnj: bool = False) -> str:
    """Remove bidi controls and zero-width characters.

    Removed: U+00AD, U+061C, U+180E, U+200B–U+200F, U+202A–U+202E, U+2060–U+2064,
    U+2066–U+2069, U+206A–U+206F, U+FEFF. ZWNJ (U+200C) is removed too unless
    *keep_zwnj* is true (see the module docstring for why).
    """
    return (_INVISIBLE_KEEP_ZWNJ_RE if keep_zwnj else _INVISIBLE_RE).sub("", s)


# C0/C1 controls (Unicode category Cc is exactly U+0000–U+001F and U+007F–U+009F) but tab
# and line breaks, lone surrogates (Cs) and the noncharacters U+FFFE/U+FFFF. One regex
# pass instead of a category lookup per character (text runs through here constantly).
_CONTROLS = re.compile(
    "["
    + "".join(
        re.escape(c)
        for c in map(chr, [*range(0x20), *range(0x7F, 0xA0)])
        if c != "\t" and c not in _LINE_BREAKS
    )
    + "\ud800-\udfff\ufffe\uffff]"
)


def _drop_controls(s: str) -> str:
    """Drop C0/C1 controls, lone surrogates and noncharacters; keep line breaks and tabs."""
    return _CONTROLS.sub("", s)


def clean_text(s: str, *, keep_zwnj: bool = False) -> str:
    """One-line normalized text: NFC, invisibles and controls removed, whitespace collapsed.

    All Unicode whitespace (tabs, newlines, NBSP U+00A0, narrow NBSP, ideographic
    space…) becomes a single ASCII space; the result is trimmed. Letters are untouched.
    """
    s = unicodedata.normalize("NFC", s)
    s = strip_invisible(s, keep_zwnj=keep_zwnj)
    s = _drop_controls(s)
    return " ".join(s.split())


def clean_multiline(s: str, *, keep_zwnj: bool = False) -> str:
    """Like :func:`clean_text` per line; non-empty lines joined by a single ``"\\n"``."""
    s = unicodedata.normalize("NFC", s)
    s = strip_invisible(s, keep_zwnj=keep_zwnj)
    s = _drop_controls(s)
    lines = (" ".join(line.split()) for line in s.splitlines())
    return "\n".join(line for line in lines if line)


# --- matching helpers -------------------------------------------------------------------

_TASHKEEL_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD = CharMap(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",  # Persian yeh
        "ک": "ك",  # Persian kaf
        "ة": "ه",
    }
)


def matching_key(s: str) -> str:
    """A folded form of *s* for comparisons only (never for display or storage).

    clean_text, then casefold, tashkeel and tatweel removed, alef/hamza forms → ا,
    ى/ی → ي, ک → ك, ة → ه. "أخبار عاجلة" and "اخبار عاجله" get the same key.
    """
    s = clean_text(s).casefold()
    s = _TASHKEEL_RE.sub("", s)
    return _FOLD(s)


def _word(w: str) -> str:
    """Regex for an Arabic word that tolerates tashkeel/tatweel between its letters."""
    gap = "[\u064b-\u065f\u0670\u0640]*"
    return gap.join(re.escape(c) for c in w) + gap


# Label words that, standing alone as a title prefix, mean "breaking news".
# Longest first so "عاجل جدا" wins over "عاجل".
_PREFIX_WORDS = (
    "عاجل جدا",
    "خبر عاجل",
    "أخبار عاجلة",
    "اخبار عاجلة",
    "نبأ عاجل",
    "عاجل",
)
_ENGLISH_PREFIX = r"breaking\s+news|breaking|urgent|just\s+in"


def _prefix_alternation() -> str:
    parts = [r"\s+".join(_word(w) for w in phrase.split()) for phrase in _PREFIX_WORDS]
    return "(?:" + "|".join(parts) + "|" + _ENGLISH_PREFIX + ")"


_PREFIX = _prefix_alternation()
# Separators seen after the label: ":" "|" "-" "–" "—" "." ".." "…" "/" "،" tatweel, "｜".
_SEP = r"[:|｜¦\-‐–—.…/،ـ]"
_BRACKETS = (("[", "]"), ("(", ")"), ("«", "»"), ("{", "}"), ("【", "】"), ("<", ">"))

_URGENT_PREFIX_RE = re.compile(
    r"^\s*(?:"
    # "[عاجل] x", "(عاجل) x", "«عاجل» x": brackets, optional separator after.
    + "|".join(
        re.escape(o) + r"\s*" + _PREFIX + r"\s*" + re.escape(c) + r"\s*" + _SEP + r"*"
        for o, c in _BRACKETS
    )
    # "عاجل: x", "عاجل | x", "عاجل- x", "عاجل.. x", "عاجل|x": a separator is required,
    # otherwise "عاجل" may be the first word of an ordinary sentence.
    + r"|"
    + _PREFIX
    + r"\s*"
    + _SEP
    + r"+"
    + r")\s*",
    re.IGNORECASE,
)


def strip_urgent_prefix(title: str) -> tuple[str, bool]:
    """Split a breaking-news prefix off a title.

    ``"عاجل: x"``, ``"عاجل | x"``, ``"خبر عاجل - x"``, ``"[عاجل] x"`` → ``("x", True)``
    (x passed through :func:`clean_text`). Repeated prefixes are all removed.
    "عاجل" inside a sentence, or without a separator, is not a prefix: the title comes
    back unchanged with False. A title that would be empty after stripping
    (``"عاجل"``, ``"عاجل:"``) also comes back unchanged with False.
    """
    rest = clean_text(title)
    found = False
    for _ in range(4):  # "عاجل: عاجل | x" happens when feeds re-wrap titles
        m = _URGENT_PREFIX_RE.match(rest)
        if m is None or not rest[m.end() :].strip():
            break
        rest = rest[m.end() :].strip()
        found = True
    if not found:
        return title, False
    return rest, True


_URGENT_LABELS = frozenset(
    matching_key(x)
    for x in (
        "عاجل",
        "عاجلة",
        "خبر عاجل",
        "أخبار عاجلة",
        "الأخبار العاجلة",
        "آخر الأخبار العاجلة",
        "الخبر العاجل",
        "عاجل جدا",
        "نبأ عاجل",
        "أنباء عاجلة",
        "breaking",
        "breaking news",
        "urgent",
        "urgent news",
        "just in",
        "فوری",  # Persian "urgent"
        "خبر فوری",
    )
)
_LABEL_TRIM_RE = re.compile(r"^[\s\W_]+|[\s\W_]+$")


def is_urgent_label(s: str) -> bool:
    """True when *s* is, as a whole, a badge/section/category name meaning breaking news.

    Matches "عاجل", "خبر عاجل", "أخبار عاجلة"/"اخبار عاجلة", "عاجل جدا", "Breaking",
    "breaking news", "urgent" (any case, tashkeel, hamza spelling, surrounding
    punctuation, or URL-style hyphens as in ``أخبار-عاجلة``). A sentence that merely
    contains "عاجل" ("قرار عاجل") is not a label.
    """
    key = matching_key(s.replace("-", " ").replace("_", " "))
    key = _LABEL_TRIM_RE.sub("", key)
    key = " ".join(key.split())
    return key in _URGENT_LABELS


# --- language ----------------------------------------------------------------------------

_ARABIC_BLOCKS = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x08A0, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


def _class_table() -> dict[int, str | None]:
    """str.translate table: each letter of the Arabic blocks → "A" (Persian-only letters
    "P", Arabic-only "Q"), each letter below U+0250 → "L", every other character of those
    ranges deleted. Characters outside them are left as they are."""
    table: dict[int, str | None] = {}
    for lo, hi in ((0x0000, 0x024F), *_ARABIC_BLOCKS):
        for o in range(lo, hi + 1):
            c = chr(o)
            if not c.isalpha():
                table[o] = None
            elif o < 0x0250:
                table[o] = "L"
            else:
                table[o] = "P" if c in "پچژگکی" else "Q" if c in "كيىة" else "A"
    return table


# One str.translate pass and a few counts instead of a Python test per character:
# detect_language runs on every article's text. The table is built from str.isalpha, so
# the counts are those of a per-character loop (tests/arabic/test_text.py compares both
# over every code point near the boundaries). Persian-only letters (پ چ ژ گ ک ی) and
# the letters Arabic writes instead (ك ي ى ة, ة being rare in Persian) tell the two apart.
_CLASSES = _class_table()
_CLASS_LETTERS = dict.fromkeys(map(ord, "APQL"))


def detect_language(text: str) -> str | None:
    """Guess the language of *text* from its letters: ``"ar"``, ``"fa"``, ``"en"`` or None.

    Arabic script must be more than half of all letters. Among Arabic-script text,
    Persian-only letters (پ چ ژ گ ک ی) outnumbering Arabic-only ones (ك ي ى ة) → "fa".
    Latin letters dominating → "en" (the caller cannot tell English from French here).
    Anything else, or no letters at all → None.
    """
    classes = text.translate(_CLASSES)
    persian, arabic_only = classes.count("P"), classes.count("Q")
    arabic = classes.count("A") + persian + arabic_only
    latin = classes.count("L")
    # Whatever else is left came from outside the ranges: usually a few characters.
    rest = classes.translate(_CLASS_LETTERS) if len(classes) > arabic + latin else ""
    other = sum(c.isalpha() for c in rest)
    total = arabic + latin + other
    if total == 0:
        return None
    if arabic * 2 > total:
        return "fa" if persian > arabic_only else "ar"
    if latin * 2 > total:
        return "en"
    return None
