"""Build the labelled set of Arabic article pairs for story clustering.

    python -m benchmarks.story_pairs          # rewrite tests/data/stories/{documents,pairs}.json*

Documents come from three places, all in this repository:

* the Arabic corpus pages in ``tests/data/pages`` (real articles of eleven sites, see its
  PROVENANCE.md), scraped with our scraper; the two captures of the CNN Arabic article are
  a real pair of the same story;
* the demo partners' articles in ``demo/partners``;
* ``tests/data/stories/topics.json``: pairs of different stories on one topic (two
  earthquakes, two fuel-price decisions…), the hard negatives.

Each document is rewritten the way a second wire or outlet edits agency copy
(deterministically, seeded by the document id): a dateline and agency tag, another
headline, spelling variants (hamza, taa marbuta, tatweel, tashkeel, Arabic-Indic digits),
synonyms, a dropped and an added paragraph, a cut tail, only the lead. Same-story pairs
are a document and its rewrites; different-story pairs are documents of different
stories, including every same-topic pair from topics.json and their rewrites.
"""

from __future__ import annotations

import itertools
import json
import random

from syndication.scrape import scrape
from tests.support import ROOT

PAGES = ROOT / "tests" / "data" / "pages"
DEMO = ROOT / "demo" / "partners"
OUT = ROOT / "tests" / "data" / "stories"
ARABIC_SITES = {
    "youm7",
    "akhbarelyom",
    "albayan",
    "alyaum",
    "almadenahnews",
    "sputnik-arabic",
    "elbaladtv",
    "beirutobserver",
    "assabah",
    "cnn-arabic",
    "lbcgroup",
}
DATELINES = [
    "القاهرة - (أ ش أ): ",
    "بيروت (رويترز) - ",
    "الدوحة - قنا: ",
    "أنقرة (الأناضول) - ",
    "باريس - أ ف ب: ",
    "الرباط - و م ع: ",
]
AGENCY_TAGS = ["(أ ف ب)", "(رويترز)", "(الأناضول)", "(قنا)", "(أ ش أ)"]
HEADLINE_PREFIXES = ["مصادر: ", "بالفيديو.. ", "تفاصيل: ", "رسميا: ", ""]
SYNONYMS = {
    "قال": "أفاد",
    "وقال": "وأفاد",
    "أكد": "شدد",
    "وأكد": "وشدد",
    "أعلن": "كشف",
    "أعلنت": "كشفت",
    "خلال": "أثناء",
    "حيث": "إذ",
    "التي": "اللتي",
    "إلى": "الى",
    "على": "علي",
    "مساء": "مساءً",
}
BACKGROUND = [
    "ويأتي ذلك في وقت تشهد فيه المنطقة تطورات متسارعة على أكثر من صعيد.",
    "وكانت الجهات المعنية قد أعلنت في وقت سابق عن إجراءات مماثلة.",
    "تابعونا على مواقع التواصل الاجتماعي لمزيد من الأخبار العاجلة.",
    "ولم يتسن الحصول على تعليق فوري من المسؤولين.",
]
TASHKEEL = "\u064e\u064f\u0650\u0651\u0652"


def documents() -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for entry in json.loads((PAGES / "index.json").read_text("utf-8")):
        if entry["site"] not in ARABIC_SITES:
            continue
        record = scrape((PAGES / entry["html"]).read_bytes(), entry["url"])
        docs.append(
            {
                "id": "page:" + entry["html"],
                "story": "page:" + entry["site"],  # the two CNN captures: one story
                "origin": f"tests/data/pages/{entry['html']} (scraped)",
                "title": record.title or "",
                "paragraphs": [b.text for b in record.blocks if b.kind == "p"],
            }
        )
    for path in sorted(DEMO.glob("*/articles/*.html")):
        rel = path.relative_to(ROOT).as_posix()
        record = scrape(path.read_bytes(), "https://demo.invalid/" + path.name)
        docs.append(
            {
                "id": "demo:" + path.stem,
                "story": "demo:" + path.stem,
                "origin": f"{rel} (scraped)",
                "title": record.title or "",
                "paragraphs": [b.text for b in record.blocks if b.kind == "p"],
            }
        )
    topics = json.loads((OUT / "topics.json").read_text("utf-8"))
    docs.extend(
        {
            "id": "topic:" + story["id"],
            "story": "topic:" + story["id"],
            "topic": topic["topic"],
            "origin": "tests/data/stories/topics.json",
            "title": story["title"],
            "paragraphs": story["body"],
        }
        for topic in topics["topics"]
        for story in topic["stories"]
    )
    return docs


# --- rewrites ---------------------------------------------------------------------------


def _headline(rng: random.Random, title: str) -> str:
    words = title.split()
    if len(words) > 6 and rng.random() < 0.5:
        words = words[: len(words) - 2]
    return rng.choice(HEADLINE_PREFIXES) + " ".join(words)


def _dateline(rng: random.Random, paragraphs: list[str]) -> list[str]:
    out = list(paragraphs)
    out[0] = rng.choice(DATELINES) + out[0]
    out[-1] = out[-1] + " " + rng.choice(AGENCY_TAGS)
    return out


def _spell(rng: random.Random, text: str) -> str:
    out = []
    for word in text.split(" "):
        r = rng.random()
        if word.startswith(("أ", "إ")) and r < 0.6:
            word = "ا" + word[1:]
        elif word.endswith("ة") and r < 0.6:
            word = word[:-1] + "ه"
        elif word.endswith("ى") and r < 0.6:
            word = word[:-1] + "ي"
        elif len(word) > 4 and r < 0.1:
            word = word[:2] + "ـ" + word[2:]  # tatweel
        elif len(word) > 3 and r < 0.2:
            word = word[0] + rng.choice(TASHKEEL) + word[1:]
        out.append(word)
    return " ".join(out).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def _synonyms(text: str) -> str:
    return " ".join(SYNONYMS.get(word, word) for word in text.split(" "))


def variants(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    rng = random.Random(str(doc["id"]))
    title = str(doc["title"])
    paras = [str(p) for p in doc["paragraphs"]]  # type: ignore[attr-defined]
    n = len(paras)
    out: dict[str, dict[str, object]] = {}
    out["dateline"] = {"title": _headline(rng, title), "paragraphs": _dateline(rng, paras)}
    out["spelling"] = {
        "title": _spell(rng, title),
        "paragraphs": [_spell(rng, p) for p in paras],
    }
    edited = [_synonyms(p) for p in paras]
    if n >= 4:
        del edited[rng.randrange(1, n - 1)]
    edited.insert(min(len(edited), 2), rng.choice(BACKGROUND))
    out["edited"] = {"title": _headline(rng, title), "paragraphs": edited}
    keep = max(2, round(n * 0.7))
    out["trimmed"] = {
        "title": title,
        "paragraphs": _dateline(rng, paras[:keep]),
    }
    if n >= 4:
        out["lead"] = {"title": _headline(rng, title), "paragraphs": paras[:2]}
    return out


def build() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    docs = documents()
    texts: list[dict[str, object]] = []
    pairs: list[dict[str, object]] = []
    versions: dict[str, list[str]] = {}
    for doc in docs:
        base = str(doc["id"])
        texts.append(
            {
                "id": base,
                "story": doc["story"],
                "origin": doc["origin"],
                "title": doc["title"],
                "text": "\n".join(doc["paragraphs"]),  # type: ignore[arg-type]
            }
        )
        versions[base] = [base]
        for name, variant in variants(doc).items():
            vid = f"{base}#{name}"
            texts.append(
                {
                    "id": vid,
                    "story": doc["story"],
                    "origin": f"rewrite '{name}' of {base}",
                    "title": variant["title"],
                    "text": "\n".join(variant["paragraphs"]),  # type: ignore[arg-type]
                }
            )
            versions[base].append(vid)
    # Same story: a document with each of its rewrites, and rewrites with each other.
    for ids in versions.values():
        for a, b in itertools.combinations(ids, 2):
            pairs.append({"a": a, "b": b, "same": True, "kind": "rewrite"})
    # The two captures of one CNN Arabic article (real, not rewritten).
    captures = [str(d["id"]) for d in docs if d["story"] == "page:cnn-arabic"]
    for a, b in itertools.combinations(captures, 2):
        pairs.append({"a": a, "b": b, "same": True, "kind": "capture"})
    # Different stories on one topic: every version of one with every version of the other.
    by_topic: dict[str, list[str]] = {}
    for d in docs:
        if "topic" in d:
            by_topic.setdefault(str(d["topic"]), []).append(str(d["id"]))
    for ids in by_topic.values():
        for a, b in itertools.combinations(ids, 2):
            for va, vb in itertools.product(versions[a], versions[b]):
                pairs.append({"a": va, "b": vb, "same": False, "kind": "same-topic"})
    # Different stories of the corpus and the demo: originals and one rewrite each.
    others = [d for d in docs if "topic" not in d]
    for da, db in itertools.combinations(others, 2):
        if da["story"] == db["story"]:
            continue
        a, b = str(da["id"]), str(db["id"])
        pairs.append({"a": a, "b": b, "same": False, "kind": "other-story"})
        pairs.append(
            {"a": f"{a}#edited", "b": f"{b}#dateline", "same": False, "kind": "other-story"}
        )
    known = {str(t["id"]) for t in texts}
    pairs = [p for p in pairs if p["a"] in known and p["b"] in known]
    return texts, pairs


def main() -> int:
    texts, pairs = build()
    with (OUT / "documents.jsonl").open("w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    with (OUT / "pairs.jsonl").open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    same = sum(1 for p in pairs if p["same"])
    print(
        f"{len(texts)} documents, {len(pairs)} pairs "
        f"({same} same story, {len(pairs) - same} different)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
