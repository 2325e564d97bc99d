"""Arabic category names → safe, stable slugs (syndication.arabic.slug)."""

from __future__ import annotations

import hashlib
import random

import pytest

from syndication.arabic.slug import (
    MAX_SLUG_LENGTH,
    RESERVED_SLUGS,
    assign_slugs,
    is_safe_slug,
    slugify,
)

SLUG_CASES = [
    ("سياسة", "siyasa"),
    ("اقتصاد", "iqtisad"),
    ("رياضة", "riyada"),
    ("الرياضة", "al-riyada"),
    ("الرياضه", "al-riyada"),  # ة written as ه folds to the same table entry
    ("سياسة واقتصاد", "siyasa-wa-iqtisad"),
    ("تقارير مصرية", "taqarir-misriya"),  # corpus: youm7 article:section
    ("خبر عاجل", "khabar-ajil"),  # corpus: lbcgroup category
    ("أخبار عاجلة", "akhbar-ajila"),  # corpus: youm7 section
    ("القارات السبع", "al-qarat-al-sba"),  # corpus: alyaum URL section (letter by letter)
    ("الخليج", "al-khalij"),
    ("فيديو", "video"),
    ("سِيَاسَة", "siyasa"),  # tashkeel dropped
    ("ﺳﻴﺎﺳﺔ", "siyasa"),  # Arabic presentation forms (NFKC)
    ("\u200fسياسة\u200f", "siyasa"),  # RTL marks
    (" سياسة ", "siyasa"),
    ("Économie & Business", "economie-business"),
    ("COVID-19", "covid-19"),
    ("كأس العالم ٢٠٢٢", "kas-al-alam-2022"),
    ("٢٠٢٠ انتخابات", "2020-intikhabat"),
    ("انتخابات ۱۳۹۹", "intikhabat-1399"),
    ("گزارش ویژه", "gzarsh-wyzhh"),  # Persian letters
    ("../etc", "etc"),
    ("a/b", "a-b"),
    ("a\\b", "a-b"),
    (".hidden", "hidden"),
    ("-dash-", "dash"),
    ("a..b", "a-b"),
]


@pytest.mark.parametrize(("label", "slug"), SLUG_CASES)
def test_slugify(label: str, slug: str) -> None:
    assert slugify(label) == slug


@pytest.mark.parametrize(
    "label", ["", "....", "///", "\u200f\u200e", "日本", "🙂🙂", "  ", "ـــ", "\x00"]
)
def test_slugify_never_empty_falls_back_to_hash(label: str) -> None:
    slug = slugify(label)
    assert slug.startswith("c-")
    assert is_safe_slug(slug)
    assert len(slug) == 12


def test_hash_fallback_differs_per_label_and_is_sha1_of_clean_label() -> None:
    assert slugify("日本") != slugify("中国")
    assert slugify("日本") == "c-" + hashlib.sha1("日本".encode()).hexdigest()[:10]
    # RTL marks around a label do not change its identity
    assert slugify("\u200f日本\u200f") == slugify("日本")


def test_long_label_is_cut_with_a_hash_suffix() -> None:
    label = "سياسة " * 100
    slug = slugify(label)
    assert len(slug) <= MAX_SLUG_LENGTH
    assert is_safe_slug(slug)
    assert slug.startswith("siyasa-siyasa-")
    # two long labels sharing the first 60 characters still differ
    assert slugify(label + "رياضة") != slug
    assert slugify("ا" * 500) != slugify("ا" * 499)


HOSTILE = [
    "../etc",
    "../../etc/passwd",
    "a/b",
    "\\\\server\\share",
    "",
    "....",
    ".",
    "..",
    "-",
    "\u202eevil\u202c",
    "\u200fسياسة\u200f",
    "ا" * 500,
    "con",
    "%2e%2e%2f",
    "<script>",
    "a\x00b",
    "\n",
    "🇸🇦",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_give_safe_slugs(label: str) -> None:
    slug = slugify(label)
    assert is_safe_slug(slug)
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    assert not slug.startswith((".", "-"))
    assert 0 < len(slug) <= MAX_SLUG_LENGTH


def test_property_random_labels_are_safe_and_stable() -> None:
    rng = random.Random(20260108)
    pool = (
        "ابتثجحخدذرزسشصضطظعغفقكلمنهوية ءأإآؤئى"
        "پچژگکی"
        "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹0123456789"
        "abcXYZéü./\\-_ \t\u200f\u202b\u200c\ufeff\u0640\u064b\u0651!@#%&*()[]{}"
    )
    for _ in range(3000):
        label = "".join(rng.choice(pool) for _ in range(rng.randint(0, 80)))
        slug = slugify(label)
        assert is_safe_slug(slug), (label, slug)
        assert slugify(label) == slug


IS_SAFE = [
    ("siyasa", True),
    ("al-riyada", True),
    ("c-0123456789", True),
    ("a", True),
    ("2020", True),
    ("", False),
    ("-a", False),
    ("a-", False),
    ("a--b", False),
    ("A", False),
    ("a_b", False),
    ("a.b", False),
    ("..", False),
    ("a/b", False),
    ("سياسة", False),
    ("a" * 61, False),
    ("a" * 60, True),
]


@pytest.mark.parametrize(("slug", "ok"), IS_SAFE)
def test_is_safe_slug(slug: str, ok: bool) -> None:
    assert is_safe_slug(slug) is ok


# --- assign_slugs ---------------------------------------------------------------------------


def test_same_label_after_clean_text_shares_one_slug() -> None:
    got = assign_slugs(["سياسة", " سياسة ", "\u200fسياسة"])
    assert got == {"سياسة": "siyasa", " سياسة ": "siyasa", "\u200fسياسة": "siyasa"}


def test_colliding_spellings_get_hash_suffix_independent_of_order() -> None:
    # "سياسه" is another spelling (another label) that transliterates the same.
    a = assign_slugs(["سياسة", "سياسه"])
    b = assign_slugs(["سياسه", "سياسة"])
    assert a == b
    assert a["سياسة"] == "siyasa"
    suffix = hashlib.sha1("سياسه".encode()).hexdigest()[:6]
    assert a["سياسه"] == f"siyasa-{suffix}"
    assert len(set(a.values())) == 2


def test_many_collisions_all_unique_and_stable() -> None:
    labels = ["سياسة", "سياسه", "سِياسة", "Siyasa", "siyasa", "SIYASA!"]
    first = assign_slugs(labels)
    for _ in range(5):
        shuffled = labels[:]
        random.Random(_).shuffle(shuffled)
        assert assign_slugs(shuffled) == first
    assert len(set(first.values())) == len(labels)
    assert all(is_safe_slug(s) for s in first.values())


def test_reserved_names_are_avoided() -> None:
    got = assign_slugs(["main", "Urgent", "index", "feeds", "partner", "category"])
    assert not set(got.values()) & RESERVED_SLUGS
    assert got["main"].startswith("main-")
    assert all(is_safe_slug(s) for s in got.values())


def test_configured_slugs_win() -> None:
    got = assign_slugs(["سياسة", "اقتصاد"], {"سياسة": "politics", "اقتصاد": "siyasa"})
    assert got == {"سياسة": "politics", "اقتصاد": "siyasa"}


def test_configured_slug_matches_label_after_clean_text() -> None:
    got = assign_slugs(["\u200fسياسة "], {"سياسة": "politics"})
    assert got == {"\u200fسياسة ": "politics"}


def test_configured_slug_blocks_generated_collision() -> None:
    # "اقتصاد" is pinned to "siyasa", so the label "سياسة" must not also get "siyasa".
    got = assign_slugs(["سياسة", "اقتصاد"], {"اقتصاد": "siyasa"})
    assert got["اقتصاد"] == "siyasa"
    assert got["سياسة"] != "siyasa"
    assert got["سياسة"].startswith("siyasa-")


@pytest.mark.parametrize("bad", ["../etc", "Politics", "main", "", "a/b", "a" * 61])
def test_unsafe_or_reserved_configured_slug_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="سياسة"):
        assign_slugs(["سياسة"], {"سياسة": bad})


def test_same_configured_slug_twice_is_rejected() -> None:
    with pytest.raises(ValueError, match="another category"):
        assign_slugs(["a", "b"], {"a": "x", "b": "x"})


def test_assign_slugs_stable_across_runs_for_a_realistic_set() -> None:
    labels = [
        "سياسة",
        "اقتصاد",
        "رياضة",
        "تقارير مصرية",
        "أخبار عاجلة",
        "خبر عاجل",
        "عربي ودولي",
        "حوادث",
        "فن",
        "منوعات",
        "ثقافة",
        "صحة",
    ]
    a = assign_slugs(labels)
    assert a == assign_slugs(list(reversed(labels)))
    assert len(set(a.values())) == len(labels)
    assert a["عربي ودولي"] == "arabi-wa-duwali"
