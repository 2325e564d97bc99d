"""One story, many wires: near-duplicate detection of articles across partners.

The same agency story (AFP, Reuters, Anadolu, MENA, QNA…) reaches us from several partners
with small edits: another headline, a dateline, the agency's name in brackets, a paragraph
cut or added, hamza and taa marbuta spelled differently. Each article gets a sketch of
its text (`minhash`) on Arabic folded for matching (`fold`); two articles published
within the window, the shorter one contained enough in the other, are one story. The
store keeps the stories (syndication/store/stories.py), the publisher shows a story once
in the main and category feeds with its other sources (syndication/publish/select.py).

    fold.words(text) → [word]        tashkeel, tatweel, alef/hamza, ة/ه, ى/ي, digits folded
    minhash.sketch(title, text) → Sketch   bottom-k MinHash over word shingles
    minhash.resemblance(a, b) → float      estimated Jaccard similarity of the shingle sets
    minhash.containment(a, b) → float      estimated share of the shorter text in the other
    minhash.same_story(a, b)               both long enough, containment ≥ THRESHOLD
    minhash.story_score(a, b) → float|None  that containment when they are one story
    minhash.index_keys(s), candidates(a, b) what a store indexes, and whether two meet

Pure functions of the standard library and `syndication.arabic`: no I/O, so the store,
the benchmarks and the evaluation script use the same code.
"""

from __future__ import annotations

from syndication.stories.minhash import (
    INDEXED,
    MIN_SHARED,
    THRESHOLD,
    Sketch,
    candidates,
    containment,
    index_keys,
    resemblance,
    same_story,
    sketch,
    story_score,
)

__all__ = [
    "INDEXED",
    "MIN_SHARED",
    "THRESHOLD",
    "Sketch",
    "candidates",
    "containment",
    "index_keys",
    "resemblance",
    "same_story",
    "sketch",
    "story_score",
]
