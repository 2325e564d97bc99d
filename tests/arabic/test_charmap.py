"""CharMap replaces as str.translate does, for every map the package folds text with."""

from __future__ import annotations

import json
import random

import pytest

from syndication.arabic import dates, digits, text
from syndication.arabic.charmap import CharMap
from syndication.stories import fold
from tests.support import DATA

MAPS = {
    "digits": digits._TO_ASCII,
    "matching fold": text._FOLD,
    "date fold": dates._FOLD,
    "hamza seats": fold._HAMZA_SEATS,
}


def _texts() -> list[str]:
    lines = (DATA / "stories" / "documents.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines]


@pytest.mark.parametrize("name", sorted(MAPS))
def test_replaces_as_translate_does(name: str) -> None:
    charmap = MAPS[name]
    table = charmap.table()
    keys = [chr(k) for k in table]
    rng = random.Random(name)
    samples = [*_texts(), "".join(keys), "".join(reversed(keys)), ""]
    # Every key beside every other and beside letters, digits and spaces.
    pool = [*keys, "ا", "ي", "و", "1", " ", "x", "\u0660"]
    samples += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(500)]
    changed = 0
    for sample in samples:
        expected = sample.translate(table)
        assert charmap(sample) == expected, sample
        changed += expected != sample
    assert changed > 400  # the samples exercise the map


def test_a_map_whose_order_would_matter_is_refused() -> None:
    with pytest.raises(ValueError, match="replacement holds"):
        CharMap({"أ": "ا", "ا": "b"})
    with pytest.raises(ValueError, match="one character"):
        CharMap({"ab": "c"})
