"""Text hygiene, the "عاجل" prefix/label and language detection (syndication.arabic.text)."""

from __future__ import annotations

import random
import unicodedata

import pytest

import syndication.arabic as arabic
from syndication.arabic.text import (
    clean_multiline,
    clean_text,
    detect_language,
    is_urgent_label,
    matching_key,
    strip_invisible,
    strip_urgent_prefix,
)

# --- strip_invisible / clean_text ---------------------------------------------------------

INVISIBLES = [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
    "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\u061c", "\u00ad", "\u2060",
]  # fmt: skip


@pytest.mark.parametrize("mark", INVISIBLES)
def test_strip_invisible_removes_each_mark(mark: str) -> None:
    assert strip_invisible(f"عا{mark}جل{mark}") == "عاجل"


def test_zwnj_kept_on_request_for_persian_body_text() -> None:
    word = "می\u200cخواهم"
    assert strip_invisible(word) == "میخواهم"
    assert strip_invisible(word, keep_zwnj=True) == word
    assert clean_text(f"\u200f{word}\u200f", keep_zwnj=True) == word


CLEAN_CASES = [
    ("  عاجل  ", "عاجل"),
    ("وزير\u00a0\u00a0الري", "وزير الري"),  # NBSP (corpus: akhbarelyom title has &#160;)
    ("a\tb\nc\r\nd", "a b c d"),
    ("a\u2003b\u3000c\u202fd", "a b c d"),  # em space, ideographic space, narrow NBSP
    ("a\x00b\x07c\x1bd", "abcd"),  # control characters are removed, not spaced
    ("\u202bمرحبا\u202c", "مرحبا"),
    ("\ufeff\u200fعنوان\u200e", "عنوان"),
    ("", ""),
    ("   ", ""),
    # NFC: alef + combining hamza above → precomposed أ
    ("ا\u0654حمد", "أحمد"),
    # content untouched: hamza/alef forms, ta marbuta, alef maqsura, tatweel, tashkeel
    ("إسلام آمن أمن اسلام", "إسلام آمن أمن اسلام"),
    ("مدرسة مدرسه على علي", "مدرسة مدرسه على علي"),
    ("عاجـــل", "عاجـــل"),
    ("مُحَمَّد", "مُحَمَّد"),
    ("Hello  World", "Hello World"),
]


@pytest.mark.parametrize(("raw", "expected"), CLEAN_CASES)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_text_is_idempotent_and_nfc() -> None:
    for raw, _ in CLEAN_CASES:
        once = clean_text(raw)
        assert clean_text(once) == once
        assert unicodedata.is_normalized("NFC", once)


def test_clean_text_drops_lone_surrogates() -> None:
    assert clean_text("a\ud800b") == "ab"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("سطر أول\n\n\nسطر ثان", "سطر أول\nسطر ثان"),
        ("  a  \r\n  b  \r c", "a\nb\nc"),
        ("a\u2028b\u2029c", "a\nb\nc"),
        ("\n\n", ""),
        ("\u200f\n\u200fx\u00a0\u00a0y\n", "x y"),
        ("a\x00\nb", "a\nb"),
    ],
)
def test_clean_multiline(raw: str, expected: str) -> None:
    assert clean_multiline(raw) == expected


# --- strip_urgent_prefix ------------------------------------------------------------------

URGENT_TITLES = [
    ("عاجل: x", "x"),
    ("عاجل | x", "x"),
    ("عاجل- x", "x"),
    ("عاجل.. x", "x"),
    ("خبر عاجل: x", "x"),
    ("عاجل جدا: x", "x"),
    ("عاجل جداً: x", "x"),
    ("[عاجل] x", "x"),
    ("(عاجل) x", "x"),
    ("«عاجل» x", "x"),
    ("عاجل|x", "x"),
    ("عاجل - x", "x"),
    ("عاجل – x", "x"),
    ("عاجل … x", "x"),
    ("عاجل ـ x", "x"),
    ("عاجـــل: x", "x"),
    ("أخبار عاجلة: x", "x"),
    ("Breaking: x", "x"),
    ("BREAKING NEWS | x", "x"),
    ("عاجل: عاجل | x", "x"),
    # corpus: akhbarelyom related-news link title
    (
        "عاجل| ترامب يُعلن رفع السرية عن «أكبر فضيحة سياسية بالتاريخ»",
        "ترامب يُعلن رفع السرية عن «أكبر فضيحة سياسية بالتاريخ»",
    ),
    # bidi marks around the prefix (RTL embedding from a CMS) do not defeat it
    ("\u202b\u200fعاجل\u200f:\u200f ترامب\u202c", "ترامب"),
    ("\ufeff  عاجل\u00a0:\u00a0ترامب", "ترامب"),
]


@pytest.mark.parametrize(("title", "rest"), URGENT_TITLES)
def test_strip_urgent_prefix(title: str, rest: str) -> None:
    assert strip_urgent_prefix(title) == (rest, True)


NOT_URGENT_TITLES = [
    # corpus: almadenahnews, عاجل as an adjective inside the sentence
    "قرار عاجل من النائب العام",
    "وإجراء طبي عاجل بحقه",
    "عاجل",  # only the label: kept as the title, not a prefix
    "عاجل:",
    "[عاجل]",
    "عاجل ترامب يعلن",  # no separator: may be an ordinary first word
    "عاجلا أم آجلا: سؤال",
    "العاجل: x",
    "استجابة عاجلة: x",
    "Breakingviews: x",
    "",
]


@pytest.mark.parametrize("title", NOT_URGENT_TITLES)
def test_not_an_urgent_prefix(title: str) -> None:
    assert strip_urgent_prefix(title) == (title, False)


# --- is_urgent_label ------------------------------------------------------------------------

URGENT_LABELS = [
    "عاجل",
    "خبر عاجل",  # corpus: lbcgroup category
    "أخبار عاجلة",  # corpus: youm7 section
    "اخبار عاجلة",
    "أخبار-عاجلة",  # corpus: youm7 section URL segment
    "اخبار عاجله",
    "عاجل جدا",
    "عاجل جداً",
    "Breaking",
    "breaking news",
    "BREAKING NEWS",
    "urgent",
    " عاجل ",
    "\u200fعاجل\u200f",
    "« عاجل »",
    "عاجل:",
    "عَاجِل",
]
NOT_URGENT_LABELS = [
    "قرار عاجل",
    "وقرار عاجل من النائب العام",
    "سياسة",
    "تقارير مصرية",  # corpus: youm7 article:section
    "breaking bad",
    "عاجل ترامب يعلن",
    "",
    "   ",
]


@pytest.mark.parametrize("label", URGENT_LABELS)
def test_is_urgent_label(label: str) -> None:
    assert is_urgent_label(label)


@pytest.mark.parametrize("label", NOT_URGENT_LABELS)
def test_is_not_urgent_label(label: str) -> None:
    assert not is_urgent_label(label)


def test_matching_key_folds_spelling_variants() -> None:
    assert matching_key("أخبار عاجلة") == matching_key("اخبار عاجله") == "اخبار عاجله"
    assert matching_key("إسلام") == matching_key("اسلام")
    assert matching_key("Breaking") == "breaking"


# --- detect_language ------------------------------------------------------------------------

LANG_CASES = [
    # corpus: youm7 headline (from the page URL)
    ("وزير الرى يشهد توقيع عقد دراسة تحديد السحب الآمن للخزانات", "ar"),
    # corpus: lbcgroup first paragraph (opening words)
    ("أثار ظهور دونالد ترامب بشعرٍ مائل إلى اللون الوردي خلال خطاب ألقاه في واشنطن", "ar"),
    # corpus (Persian): yjc headline (from the page URL)
    ("از کشف ۷۲ دستگاه موتور قاچاق در مهریز تا دستگیری سارق ۱۰۰ میلیون ریالی طلاجات منزل", "fa"),
    # corpus (Persian): khabaronline headline (from the page URL)
    ("تحلیل روزنامه اصولگرا از دعوت اصلاح طلبان به حضور مردم در انتخابات", "fa"),
    ("Syria clashes: rebels seize missile depots near Damascus", "en"),
    # Arabic page with a little English
    ("قالت وكالة Reuters إن الاجتماع سيعقد غدا في القاهرة", "ar"),
    ("12345 !!! ...", None),
    ("", None),
    ("中文新闻标题", None),
]


@pytest.mark.parametrize(("text", "lang"), LANG_CASES)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def _reference_language(text: str) -> str | None:
    """The per-character definition detect_language's regex counts must agree with."""
    blocks = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF))
    arabic = latin = other = persian = arabic_only = 0
    for c in text:
        if not c.isalpha():
            continue
        o = ord(c)
        if any(lo <= o <= hi for lo, hi in (*blocks, (0xFE70, 0xFEFF))):
            arabic += 1
            persian += c in "پچژگکی"
            arabic_only += c in "كيىة"
        elif o < 0x0250:
            latin += 1
        else:
            other += 1
    total = arabic + latin + other
    if total == 0:
        return None
    if arabic * 2 > total:
        return "fa" if persian > arabic_only else "ar"
    return "en" if latin * 2 > total else None


def test_detect_language_counts_letters_as_the_per_character_definition() -> None:
    # Every code point near the boundaries of the classes, one at a time and in the mixes
    # a random draw makes of them (letters, digits, marks, other scripts, astral planes).
    pool = [
        chr(o)
        for lo, hi in (
            (0x0000, 0x0300),
            (0x05F0, 0x0900),
            (0xFB40, 0xFF00),
            (0x0370, 0x0400),
            (0x4E00, 0x4E40),
            (0x1D400, 0x1D440),
        )
        for o in range(lo, hi)
    ]
    for c in pool:
        assert detect_language(c * 3) == _reference_language(c * 3), hex(ord(c))
    rng = random.Random(17)
    arabic = [c for c in pool if "\u0600" <= c <= "\u06ff"]
    for _ in range(3000):
        text = "".join(
            rng.choices(pool, k=rng.randint(0, 30)) + rng.choices(arabic, k=rng.randint(0, 30))
        )
        assert detect_language(text) == _reference_language(text), ascii(text)
    for text, _ in LANG_CASES:
        assert detect_language(text) == _reference_language(text)


def test_package_exports() -> None:
    assert set(arabic.__all__) == {
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
    }
    for name in arabic.__all__:
        assert callable(getattr(arabic, name))


def test_controls_dropped_over_every_code_point() -> None:
    """The one-regex control filter is the Unicode-category definition, code point by code
    point: Cc (but tab and line breaks), Cs, U+FFFE and U+FFFF go; everything else stays."""
    import unicodedata

    from syndication.arabic import text as text_mod

    every = "".join(map(chr, range(0x110000)))
    expected = "".join(
        c
        for c in every
        if not (
            (unicodedata.category(c) == "Cc" and c != "\t" and c not in text_mod._LINE_BREAKS)
            or unicodedata.category(c) == "Cs"
            or c in "\ufffe\uffff"
        )
    )
    assert text_mod._drop_controls(every) == expected


@pytest.mark.parametrize("keep_zwnj", [False, True])
def test_invisibles_dropped_over_every_code_point(keep_zwnj: bool) -> None:
    """The one-regex invisible filter deletes exactly the listed characters, as the
    translate table it replaced did, code point by code point."""
    from syndication.arabic import text as text_mod

    every = "".join(map(chr, range(0x110000)))
    table = dict.fromkeys(map(ord, text_mod._INVISIBLE))
    if keep_zwnj:
        del table[0x200C]
    assert strip_invisible(every, keep_zwnj=keep_zwnj) == every.translate(table)
