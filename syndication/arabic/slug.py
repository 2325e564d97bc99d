"""Arabic category names → safe, stable ASCII slugs for file names and URL segments.

What this module owns: the mapping ``label → slug`` used by config (configured slugs),
publish (``feeds/<slug>.xml``) and Atom ``<category term>``.

A slug is ``[a-z0-9]+(-[a-z0-9]+)*``, at most 60 characters: it can never hold a path
separator, ``..``, a leading dot or dash, so it is safe as a file name and a URL segment.

How a label becomes a slug (:func:`slugify`):

1. :func:`~syndication.arabic.text.clean_text` and NFKC (presentation forms, full-width
   Latin), tashkeel and tatweel dropped;
2. each word: a fixed table of common newsroom words (``سياسة → siyasa``, with ``ال`` →
   ``al-`` and ``و`` → ``wa-`` prefixes), otherwise letter-by-letter transliteration;
   Latin is lower-cased without diacritics; digits (also ٠-٩ ۰-۹) are kept;
3. nothing left → ``c-<sha1>``; longer than 60 → cut and ``-<sha1>`` appended.

The word table and letter table are part of the published-URL contract: changing an
entry changes existing slugs (pin them in config when that matters).

Labels are the same label when their :func:`clean_text` forms are equal (``" سياسة "`` is
``"سياسة"``). Different spellings (``سياسة`` vs ``سياسه``) are different labels; when they
transliterate alike, :func:`assign_slugs` gives all but one a hash suffix (see there).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from .digits import to_ascii_digits
from .text import clean_text, matching_key

__all__ = ["MAX_SLUG_LENGTH", "RESERVED_SLUGS", "assign_slugs", "is_safe_slug", "slugify"]

MAX_SLUG_LENGTH = 60
RESERVED_SLUGS = frozenset({"main", "urgent", "index", "feeds", "partner", "category"})

_SAFE_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_TASHKEEL_RE = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")

_LETTERS = {
    "ا": "a",
    "أ": "a",
    "إ": "i",
    "آ": "a",
    "ٱ": "a",
    "ء": "",
    "ؤ": "u",
    "ئ": "i",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "ع": "a",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "و": "w",
    "ي": "y",
    "ى": "a",
    "ة": "a",
    "پ": "p",
    "چ": "ch",
    "ژ": "zh",
    "گ": "g",
    "ک": "k",
    "ی": "y",
    "ڤ": "v",
    "ۀ": "a",
}

# Common newsroom words with a readable, conventional transliteration. Keys are folded
# with matching_key, so hamza/alef and ة/ه spellings share an entry.
_WORDS_RAW = {
    "سياسة": "siyasa",
    "سياسي": "siyasi",
    "سياسية": "siyasiya",
    "اقتصاد": "iqtisad",
    "اقتصادي": "iqtisadi",
    "اقتصادية": "iqtisadiya",
    "رياضة": "riyada",
    "رياضي": "riyadi",
    "رياضية": "riyadiya",
    "ثقافة": "thaqafa",
    "ثقافي": "thaqafi",
    "ثقافية": "thaqafiya",
    "فن": "fann",
    "فنون": "funun",
    "منوعات": "munawwaat",
    "صحة": "sihha",
    "صحي": "sihhi",
    "تكنولوجيا": "technology",
    "تقنية": "tiqniya",
    "علوم": "ulum",
    "علم": "ilm",
    "عالم": "alam",
    "عالمي": "alami",
    "عالمية": "alamiya",
    "دولي": "duwali",
    "دولية": "duwaliya",
    "عربي": "arabi",
    "عربية": "arabiya",
    "محلي": "mahalli",
    "محلية": "mahalliya",
    "محليات": "mahalliyat",
    "أخبار": "akhbar",
    "خبر": "khabar",
    "عاجل": "ajil",
    "عاجلة": "ajila",
    "حوادث": "hawadith",
    "مجتمع": "mujtama",
    "تعليم": "talim",
    "رأي": "ray",
    "آراء": "ara",
    "مقالات": "maqalat",
    "مقال": "maqal",
    "تقارير": "taqarir",
    "تقرير": "taqrir",
    "تحقيقات": "tahqiqat",
    "فيديو": "video",
    "صور": "suwar",
    "مصر": "misr",
    "مصري": "misri",
    "مصرية": "misriya",
    "لبنان": "lubnan",
    "سوريا": "suriya",
    "فلسطين": "filastin",
    "عراق": "iraq",
    "خليج": "khalij",
    "سعودية": "saudiya",
    "إمارات": "imarat",
    "أردن": "urdun",
    "مغرب": "maghrib",
    "تونس": "tunis",
    "جزائر": "jazair",
    "ليبيا": "libya",
    "يمن": "yaman",
    "سودان": "sudan",
    "قطر": "qatar",
    "كويت": "kuwait",
    "بحرين": "bahrain",
    "عمان": "uman",
    "برلمان": "barlaman",
    "انتخابات": "intikhabat",
    "كورونا": "corona",
    "طقس": "taqs",
    "سياحة": "siyaha",
    "سيارات": "sayyarat",
    "بورصة": "bursa",
    "أسواق": "aswaq",
    "نجوم": "nujum",
    "مرأة": "mara",
    "شباب": "shabab",
    "دين": "din",
    "إسلام": "islam",
    "أدب": "adab",
    "كتب": "kutub",
    "اقتصاد وأعمال": "iqtisad-wa-amal",
    "أعمال": "amal",
    "شرق": "sharq",
    "أوسط": "awsat",
    "أوروبا": "europe",
    "أمريكا": "america",
    "آسيا": "asia",
    "أفريقيا": "africa",
    "ملفات": "milaffat",
    "حوارات": "hiwarat",
    "بيئة": "bia",
    "كرة": "kura",
    "قدم": "qadam",
}
_WORDS = {matching_key(k): v for k, v in _WORDS_RAW.items()}
_WORD_SPLIT_RE = re.compile(r"[^\w]+|_+")


def _digest(label: str, n: int) -> str:
    return hashlib.sha1(clean_text(label).encode("utf-8")).hexdigest()[:n]


def _latin(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if c.isascii()).lower()


def _word_slug(word: str) -> str:
    key = matching_key(word)
    if key in _WORDS:
        return _WORDS[key]
    # Definite article and the "and" proclitic, when the rest is a known word.
    for prefix, out in (("ال", "al-"), ("وال", "wa-al-"), ("و", "wa-")):
        if key.startswith(prefix) and key[len(prefix) :] in _WORDS:
            return out + _WORDS[key[len(prefix) :]]
    parts: list[str] = []
    if key.startswith("ال") and len(key) > 3:
        parts.append("al-")
        word = word[2:]
    for c in word:
        if c in _LETTERS:
            parts.append(_LETTERS[c])
        elif c.isdigit():
            parts.append(to_ascii_digits(c) if not c.isascii() else c)
        else:
            parts.append(_latin(c))
    return "".join(parts)


def _finish(raw: str, label: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", raw).strip("-")
    if not slug:
        return "c-" + _digest(label, 10)
    if len(slug) > MAX_SLUG_LENGTH:
        suffix = _digest(label, 8)
        slug = slug[: MAX_SLUG_LENGTH - len(suffix) - 1].rstrip("-") + "-" + suffix
    return slug


def slugify(label: str) -> str:
    """A stable ASCII slug for *label*: ``[a-z0-9-]``, ≤ 60 chars, never empty.

    ``slugify("سياسة") == "siyasa"``, ``slugify("الرياضة") == "al-riyada"``,
    ``slugify("../etc") == "etc"``, ``slugify("") == "c-<10 hex digits>"``.
    """
    text = clean_text(label)
    text = unicodedata.normalize("NFKC", text)
    text = _TASHKEEL_RE.sub("", text)
    whole = matching_key(text)
    if whole in _WORDS:
        return _WORDS[whole]
    words = [w for w in _WORD_SPLIT_RE.split(text) if w]
    return _finish("-".join(_word_slug(w) for w in words), label)


def is_safe_slug(s: str) -> bool:
    """True when *s* is a slug this module could have made: ``[a-z0-9]+(-[a-z0-9]+)*``, ≤ 60."""
    return isinstance(s, str) and len(s) <= MAX_SLUG_LENGTH and _SAFE_RE.fullmatch(s) is not None


def assign_slugs(
    labels: Iterable[str], configured: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Unique slugs for *labels* (keys of the result are the labels exactly as given).

    * Labels equal after :func:`clean_text` are one label and share a slug.
    * *configured* (label → slug, e.g. from config.toml) wins. A configured slug that is
      unsafe, reserved, or given to two labels raises ``ValueError`` naming the label.
    * Otherwise :func:`slugify`. Reserved names (:data:`RESERVED_SLUGS`) and slugs already
      taken get ``-<hash>`` appended, the hash coming from the label itself, so the result
      does not depend on the order of *labels*. When several labels transliterate alike,
      the one whose cleaned text sorts first keeps the plain slug.
    """
    pinned: dict[str, str] = {}
    for label, slug in (configured or {}).items():
        if not is_safe_slug(slug) or slug in RESERVED_SLUGS:
            raise ValueError(
                f"category {label!r}: slug {slug!r} is not allowed; use lower-case a-z, 0-9 "
                f"and single dashes (max {MAX_SLUG_LENGTH}), not one of {sorted(RESERVED_SLUGS)}"
            )
        key = clean_text(label)
        if slug in pinned.values() and pinned.get(key) != slug:
            raise ValueError(
                f"category {label!r}: slug {slug!r} is configured for another category too; "
                "give each category its own slug"
            )
        pinned[key] = slug

    originals: dict[str, list[str]] = {}
    for label in labels:
        originals.setdefault(clean_text(label), []).append(label)

    by_key: dict[str, str] = {k: v for k, v in pinned.items() if k in originals}
    taken = set(pinned.values()) | RESERVED_SLUGS
    # Sorted so that which label keeps the plain slug is a property of the set, not the order.
    for key in sorted(k for k in originals if k not in by_key):
        base = slugify(key)
        slug = base
        n = 6
        while slug in taken:
            suffix = _digest(key, min(n, 40)) + (str(n) if n > 40 else "")
            slug = base[: MAX_SLUG_LENGTH - len(suffix) - 1].rstrip("-") + "-" + suffix
            n += 2
        taken.add(slug)
        by_key[key] = slug

    return {label: by_key[key] for key, group in originals.items() for label in group}
