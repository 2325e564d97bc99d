"""Arabic folding and sketches: spelling variants match, different stories do not, and the
labelled set (tests/data/stories, built by benchmarks/story_pairs.py) meets the target."""

from __future__ import annotations

import json
import re
from pathlib import Path

from syndication.arabic.digits import to_ascii_digits
from syndication.arabic.text import matching_key
from syndication.stories import (
    THRESHOLD,
    Sketch,
    candidates,
    containment,
    resemblance,
    same_story,
    sketch,
)
from syndication.stories.fold import words

DATA = Path(__file__).resolve().parent.parent / "data" / "stories"

STORY = (
    "أعلنت وزارة الصحة المصرية اليوم تسجيل 120 إصابة جديدة بفيروس كورونا في محافظات "
    "القاهرة والجيزة والإسكندرية، وأكدت أن الحالات مستقرة وتتلقى العلاج في مستشفيات العزل. "
    "وقال المتحدث باسم الوزارة إن فرق الترصد تتابع المخالطين وتجري لهم الفحوص اللازمة."
)


def test_fold_makes_spelling_variants_one_word() -> None:
    assert words("أعلنَ الرئيــس إجراءات جديدة في ٢٠٢٦") == words(
        "اعلن الرئيس اجراءات جديده في 2026"
    )
    assert words("مستشفى") == words("مستشفي")
    assert words("والوزارة") == words("الوزاره") == words("وزارة")


def _words_one_by_one(text: str) -> list[str]:
    """The folding as first written: split into words, then strip each word's clitics."""
    folded = to_ascii_digits(matching_key(text)).translate(str.maketrans("ؤئ", "وي", "ء"))
    out = []
    for word in re.findall(r"[^\W_]+", folded):
        stem = re.sub(r"^(?:[وف](?=ال..)|)(?:ال(?=...))?", "", word, count=1)
        out.append(stem or word)
    return out


def test_one_pass_folding_is_the_word_by_word_one() -> None:
    texts = [STORY, "وال فال والب فالبا والاب الا الب البيت والبيت فالبيت و ف ال"]
    texts.append("a_b ال_بيت والـرئيس ١٢٣ ولد_ال 3الرئيس x-ال؟والوزارة،فالأمر")
    texts += [
        json.loads(line)["text"]
        for line in (DATA / "documents.jsonl").read_text("utf-8").splitlines()
    ]
    assert sum(len(_words_one_by_one(t)) for t in texts) > 10_000
    for text in texts:
        assert words(text) == _words_one_by_one(text), text[:80]


def test_resemblance_is_the_share_of_the_unions_smallest_in_both() -> None:
    """The merge-based resemblance against its definition, written with sets."""
    lines = (DATA / "documents.jsonl").read_text("utf-8").splitlines()
    sketches = [sketch(d["title"], d["text"]) for d in map(json.loads, lines)]
    sketches.append(sketch("", STORY))
    pairs = [(a, b) for a in sketches[:40] for b in sketches[:60]]
    found = set()
    for a, b in pairs:
        k = min(64, len(a.hashes), len(b.hashes))
        union = sorted(set(a.hashes) | set(b.hashes))[:k]
        expected = len(set(a.hashes) & set(b.hashes) & set(union)) / k if k else 0.0
        assert resemblance(a, b) == expected
        found.add(expected)
    assert 1.0 in found and 0.0 in found and len(found) > 20


def test_same_story_with_small_edits_matches() -> None:
    edited = (
        "القاهرة - (أ ش أ): اعلنت وزارة الصحه المصريه اليوم تسجيل ١٢٠ اصابة جديدة بفيروس "
        "كورونا في محافظات القاهرة والجيزة والاسكندرية، واكدت ان الحالات مستقرة وتتلقى "
        "العلاج في مستشفيات العزل. وأفاد المتحدث باسم الوزارة إن فرق الترصد تتابع المخالطين."
    )
    a, b = sketch("مصر تسجل 120 إصابة بكورونا", STORY), sketch("الصحة: 120 إصابة", edited)
    assert resemblance(a, b) > 0.4
    assert same_story(a, b)


def test_different_story_on_the_same_topic_does_not_match() -> None:
    other = (
        "أعلنت وزارة الصحة الأردنية تسجيل حالتي وفاة و45 إصابة جديدة بفيروس كورونا، "
        "مشيرة إلى ارتفاع نسبة الفحوص الإيجابية في عمان والزرقاء خلال الأسبوع الماضي. "
        "ودعت الوزارة المواطنين إلى تلقي الجرعة المعززة من اللقاح في المراكز الصحية."
    )
    a, b = sketch("مصر تسجل 120 إصابة", STORY), sketch("الأردن: وفاتان بكورونا", other)
    assert containment(a, b) < THRESHOLD
    assert not same_story(a, b)


def test_short_texts_are_not_evidence_and_sketches_round_trip() -> None:
    short = sketch("عاجل", "انفجار في بيروت")
    assert not short.usable
    assert not same_story(short, short)
    full = sketch("عنوان", STORY)
    assert Sketch.from_bytes(full.to_bytes()) == full


def test_labelled_set_meets_the_target() -> None:
    docs = {}
    for line in (DATA / "documents.jsonl").read_text("utf-8").splitlines():
        doc = json.loads(line)
        docs[doc["id"]] = sketch(doc["title"], doc["text"])
    pairs = [json.loads(line) for line in (DATA / "pairs.jsonl").read_text("utf-8").splitlines()]
    assert len(pairs) >= 200
    assert {p["kind"] for p in pairs} >= {"rewrite", "capture", "same-topic", "other-story"}
    tp = fp = fn = 0
    for pair in pairs:
        a, b = docs[pair["a"]], docs[pair["b"]]
        predicted = candidates(a, b) and same_story(a, b)
        tp += predicted and pair["same"]
        fp += predicted and not pair["same"]
        fn += pair["same"] and not predicted
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.8
