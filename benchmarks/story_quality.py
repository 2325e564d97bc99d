"""Precision and recall of story clustering on the labelled pairs.

    python -m benchmarks.story_quality     # the table of docs/clustering.md; exit 1 below target

Pairs: ``tests/data/stories/pairs.jsonl`` (built by benchmarks/story_pairs.py). A pair is
predicted "same story" as the store decides: the index finds the one for the other
(``candidates``) and ``same_story`` accepts it at the shipped threshold;
the sweep shows the neighbouring thresholds. Target: precision ≥ 0.95 at recall ≥ 0.8.
"""

from __future__ import annotations

import json
from collections import defaultdict

from syndication.stories import THRESHOLD, Sketch, candidates, same_story, sketch
from tests.support import ROOT

DATA = ROOT / "tests" / "data" / "stories"
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.8
SWEEP = (0.2, 0.3, 0.35, THRESHOLD, 0.5, 0.6, 0.7)


def load() -> tuple[dict[str, Sketch], list[dict[str, object]]]:
    sketches = {}
    for line in (DATA / "documents.jsonl").read_text("utf-8").splitlines():
        doc = json.loads(line)
        sketches[doc["id"]] = sketch(doc["title"], doc["text"])
    pairs = [json.loads(line) for line in (DATA / "pairs.jsonl").read_text("utf-8").splitlines()]
    return sketches, pairs


def scores(
    sketches: dict[str, Sketch], pairs: list[dict[str, object]], threshold: float
) -> tuple[float, float, dict[str, tuple[int, int]]]:
    """precision, recall, and per pair kind (right, total)."""
    tp = fp = fn = 0
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair in pairs:
        a, b = sketches[str(pair["a"])], sketches[str(pair["b"])]
        # As the store decides: the index must put the two side by side first.
        predicted = candidates(a, b) and same_story(a, b, threshold)
        truth = bool(pair["same"])
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
        kind = str(pair["kind"])
        if truth and "#" in str(pair["b"]):
            kind += ": " + str(pair["b"]).rsplit("#", 1)[1]
        kinds[kind][0] += predicted == truth
        kinds[kind][1] += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, {k: (v[0], v[1]) for k, v in kinds.items()}


def main() -> int:
    sketches, pairs = load()
    same = sum(1 for p in pairs if p["same"])
    print(f"{len(pairs)} labelled pairs: {same} same story, {len(pairs) - same} different stories")
    print()
    print("| threshold (containment) | precision | recall |")
    print("| --- | --- | --- |")
    for threshold in SWEEP:
        precision, recall, _ = scores(sketches, pairs, threshold)
        mark = " **(shipped)**" if threshold == THRESHOLD else ""
        print(f"| {threshold:.2f}{mark} | {precision:.3f} | {recall:.3f} |")
    precision, recall, kinds = scores(sketches, pairs, THRESHOLD)
    print()
    print("| pair kind | pairs | decided right |")
    print("| --- | --- | --- |")
    for kind in sorted(kinds):
        right, total = kinds[kind]
        print(f"| {kind} | {total} | {right} ({right / total:.1%}) |")
    ok = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
    print()
    print(
        f"shipped threshold {THRESHOLD}: precision {precision:.3f}, recall {recall:.3f} "
        f"({'meets' if ok else 'BELOW'} the target precision ≥ {TARGET_PRECISION} "
        f"at recall ≥ {TARGET_RECALL})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
