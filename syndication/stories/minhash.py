"""Bottom-k MinHash sketches of an article's word shingles.

A shingle is `SHINGLE` consecutive folded words; each is hashed once (BLAKE2b, 63 bits:
a signed 64-bit column holds it on every backend). The sketch keeps the `K` smallest
distinct hashes: the bottom-k form of MinHash (Broder 1997), one hash function instead
of k, so a sketch costs one pass and one sort in C rather than k passes in Python.

The resemblance of two sketches estimates the Jaccard similarity of their shingle sets:
of the K smallest hashes of the union of both sketches, the share found in both. Two
articles that share many shingles also share many of their smallest hashes, which is
what the store's candidate lookup uses (an inverted index over sketch values).
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from syndication.stories.fold import words

SHINGLE = 3  # words per shingle: short enough to survive small edits, long enough to be rare
K = 64  # hashes kept per article
# The smallest INDEXED of them go into the store's inverted index, and two articles are
# compared only when they share MIN_SHARED of those: on the labelled set, 32 keys miss no
# pair the decision accepts (16 miss 11) at half the index of 64.
INDEXED = 32
MIN_SHARED = 2
MIN_WORDS = 12  # a text shorter than this is too little evidence (a photo caption, a teaser)
_MASK = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class Sketch:
    """The K smallest shingle hashes of one article, ascending (fewer for a short text)."""

    hashes: tuple[int, ...]
    size: int = 0  # distinct shingles of the text the sketch was made from

    @property
    def usable(self) -> bool:
        """Enough text to compare at all (a bare headline matches too many stories)."""
        return len(self.hashes) >= MIN_WORDS - SHINGLE + 1

    def to_bytes(self) -> bytes:
        return struct.pack(f">I{len(self.hashes)}q", self.size, *self.hashes)

    @classmethod
    def from_bytes(cls, data: bytes) -> Sketch:
        size, *hashes = struct.unpack(f">I{(len(data) - 4) // 8}q", data)
        return cls(tuple(hashes), size)


def _hash(shingle: str) -> int:
    digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _MASK


def sketch(title: str, text: str) -> Sketch:
    """The sketch of an article: its headline and body as one text.

    The headline counts once, like a paragraph: wires rewrite headlines most, so it must
    not dominate, but for a short item it is much of the evidence."""
    tokens = words(title) + words(text)
    if len(tokens) < SHINGLE:
        return Sketch(())
    shingles = {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}
    # sorted() in C beats heapq.nsmallest's Python loop for a few thousand values.
    return Sketch(tuple(sorted({_hash(s) for s in shingles})[:K]), len(shingles))


def index_keys(sketch: Sketch) -> tuple[int, ...]:
    """The sketch values a store indexes to find candidates (the smallest INDEXED)."""
    return sketch.hashes[:INDEXED]


def candidates(a: Sketch, b: Sketch) -> bool:
    """Whether the index would put `a` and `b` side by side for comparison."""
    return len(set(index_keys(a)) & set(index_keys(b))) >= MIN_SHARED


def resemblance(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the two shingle sets (0 when either is empty)."""
    if not a.hashes or not b.hashes:
        return 0.0
    k = min(K, len(a.hashes), len(b.hashes))
    # Both are ascending and without repeats, so sorting them together is one merge of
    # two runs (Timsort finds them), and a value of both sketches comes twice, side by
    # side: count those among the first k distinct values. (A set union and its sort
    # cost four times as much, and the store scores ~20 candidates per new article.)
    shared = distinct = 0
    previous = None
    for h in sorted(a.hashes + b.hashes):
        if h == previous:
            shared += 1
        elif distinct == k:
            break
        else:
            distinct += 1
            previous = h
    return shared / k


def containment(a: Sketch, b: Sketch) -> float:
    """Estimated share of the smaller text's shingles found in the other one.

    From the resemblance J and the set sizes: |A ∩ B| = J (|A| + |B|) / (1 + J). A wire
    that ran only the first paragraphs of a story resembles the full story little (J is
    small) but is nearly contained in it."""
    j = resemblance(a, b)
    smaller = min(a.size, b.size)
    if smaller <= 0:
        return 0.0
    return min(1.0, j * (a.size + b.size) / (1 + j) / smaller)


THRESHOLD = 0.4  # containment at or above which two articles are one story (docs/clustering.md)


def story_score(a: Sketch, b: Sketch, threshold: float = THRESHOLD) -> float | None:
    """The containment of two sketches of one story (both long enough, and contained
    enough), None for two stories: a store ranks its candidates by it."""
    if not (a.usable and b.usable):
        return None
    score = containment(a, b)
    return score if score >= threshold else None


def same_story(a: Sketch, b: Sketch, threshold: float = THRESHOLD) -> bool:
    """Whether two sketches are of one story: both long enough, and contained enough."""
    return story_score(a, b, threshold) is not None
