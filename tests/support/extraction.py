"""Extraction quality on the corpus pages: the scoring and the pinned floors (the gate).

tests/scrape/test_golden.py runs the gate; ``python -m benchmarks.extraction_quality``
prints the same rates beside trafilatura's.

Pages and ground truth come from ``tests/data/pages/index.json`` (each page's truth files
are the source projects' own expectations, see ``tests/data/pages/PROVENANCE.md``).

Metrics (each a rate over the pages or items that have ground truth for the field):

* title: the extracted title equals the expected title after ``clean_text``.
* body: token-level F1 ≥ 0.8 between the extracted body text and the expected text
  (CNN Arabic, LBCI, Guardian, VOA, CBC, seed); for assabah, every ``with`` string is in
  the body and no ``without`` string is.
* images: share of expected images (any listed size variant, URL compared case-insensitively)
  found among the extracted image URLs.
* captions: share of expected captions found on the image they belong to (same URL rule,
  caption equal after ``clean_text``).
* date: the publication date falls on the expected calendar day (in its own offset).
* time: the publication time is the expected instant, to the minute (pages whose ground
  truth gives the time: the style pages, scraped with their partner time zone).
* urgent: the urgent flag is correct (True on the seed page, False on every other page).

``FLOORS`` pins our scraper's rates; a change that lowers one must lower the floor in the
same commit and say why (trafilatura's ``eval_gate.py`` habit).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syndication.arabic.text import clean_text
from syndication.scrape import scrape
from tests.support import DATA

PAGES = DATA / "pages"

FIELDS = ("title", "body", "images", "captions", "date", "time", "urgent")
FLOORS: dict[str, float] = {
    "title": 0.9,  # 11/12: lbcgroup's JSON-LD headline keeps quotes the ground truth drops
    "body": 1.0,
    "images": 1.0,
    "captions": 1.0,
    "date": 1.0,
    "time": 1.0,
    "urgent": 1.0,
}
F1_THRESHOLD = 0.8


@dataclass
class Truth:
    """Ground truth of one page; None / empty means "not known for this page"."""

    name: str
    html: Path
    url: str
    title: str | None = None
    body: str | None = None
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    images: list[list[str]] = field(default_factory=list)  # size variants of each image
    captions: list[tuple[list[str], str]] = field(default_factory=list)
    date: str | None = None
    time: str | None = None  # ISO instant with offset, when the truth gives the time
    urgent: bool = False
    timezone: str = "UTC"  # the partner time zone the page is scraped with


@dataclass
class Extracted:
    title: str | None
    body: str
    images: list[tuple[str, str | None]]  # (url, caption)
    date: dt.date | None
    urgent: bool
    when: dt.datetime | None = None


def _fundus(truth: Truth, data: dict[str, Any]) -> None:
    record = next(iter(data.values()))
    truth.title = record.get("title")
    paragraphs = [
        p
        for section in record["body"]["sections"]
        for p in [*section["headline"], *section["paragraphs"]]
    ]
    truth.body = "\n".join(paragraphs)
    for image in record.get("images", []):
        versions = [v["url"] for v in image["versions"]]
        truth.images.append(versions)
        if image.get("caption"):
            truth.captions.append((versions, image["caption"]))
    if record.get("publishing_date"):
        truth.date = record["publishing_date"][:10]


def _style(truth: Truth, data: dict[str, Any]) -> None:
    """Pages written in the styles of real Arabic sites (tests/data/pages/styles)."""
    truth.title = data["title"]
    truth.body = "\n".join(data["paragraphs"])
    truth.images = [[image["url"]] for image in data["images"]]
    truth.captions = [([i["url"]], i["caption"]) for i in data["images"] if i.get("caption")]
    if data.get("published"):
        truth.date = data["published"][:10]
        truth.time = data["published"]


def load_truth() -> list[Truth]:
    out: list[Truth] = []
    for entry in json.loads((PAGES / "index.json").read_text(encoding="utf-8")):
        truth = Truth(
            name=entry["html"],
            html=PAGES / entry["html"],
            url=entry["url"],
            timezone=entry.get("timezone", "UTC"),
        )
        files = [PAGES / t for t in entry["truth"]]
        data = json.loads(files[0].read_text(encoding="utf-8"))
        kind = entry["kind"]
        if kind == "htmldate":
            truth.date = data["expected_publication_date"]
        elif kind == "trafilatura":
            truth.title, truth.with_, truth.without = data["title"], data["with"], data["without"]
        elif kind == "newspaper4k":
            truth.title = data["title"]
            truth.body = files[1].read_text(encoding="utf-8")
        elif kind == "goose3":
            truth.title = None  # goose3's expectation holds the text only (a prefix of it)
        elif kind == "fundus":
            _fundus(truth, data)
        elif kind == "seed":
            truth.title = data["title"]
            truth.body = "\n".join(data["paragraphs"])
            truth.images = [[data["image_url"]]]
            truth.captions = [([data["image_url"]], data["caption"])]
            truth.date = data["published"]
            truth.urgent = True
        elif kind == "style":
            _style(truth, data)
        out.append(truth)
    return out


# --- extractors ---------------------------------------------------------------------------


def run_ours(truth: Truth) -> Extracted:
    record = scrape(truth.html.read_bytes(), truth.url, timezone=truth.timezone)
    return Extracted(
        title=record.title,
        body=record.body_text,
        images=[(i.url, i.caption) for i in record.images],
        date=record.published.date() if record.published else None,
        urgent=record.urgent,
        when=record.published,
    )


# --- metrics ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE)


def token_f1(got: str, expected: str) -> float:
    a, b = Counter(_TOKEN.findall(got.lower())), Counter(_TOKEN.findall(expected.lower()))
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def _find(
    images: list[tuple[str, str | None]], versions: list[str]
) -> tuple[str, str | None] | None:
    wanted = {v.lower() for v in versions}
    return next((i for i in images if i[0].lower() in wanted), None)


def score(truth: Truth, got: Extracted) -> dict[str, tuple[int, int]]:
    """(matches, cases) per field for one page."""
    out: dict[str, tuple[int, int]] = {}
    if truth.title is not None:
        out["title"] = (int(clean_text(got.title or "") == clean_text(truth.title)), 1)
    if truth.body is not None:
        out["body"] = (int(token_f1(got.body, truth.body) >= F1_THRESHOLD), 1)
    elif truth.with_ or truth.without:
        ok = all(w in got.body for w in truth.with_) and not any(
            w in got.body for w in truth.without
        )
        out["body"] = (int(ok), 1)
    if truth.images:
        out["images"] = (
            sum(_find(got.images, v) is not None for v in truth.images),
            len(truth.images),
        )
    if truth.captions:
        hits = 0
        for versions, caption in truth.captions:
            found = _find(got.images, versions)
            hits += int(found is not None and clean_text(found[1] or "") == clean_text(caption))
        out["captions"] = (hits, len(truth.captions))
    if truth.date is not None:
        out["date"] = (int(got.date is not None and got.date.isoformat() == truth.date), 1)
    if truth.time is not None:
        expected = dt.datetime.fromisoformat(truth.time)
        close = got.when is not None and abs(got.when - expected).total_seconds() < 60
        out["time"] = (int(close), 1)
    out["urgent"] = (int(got.urgent == truth.urgent), 1)
    return out


def evaluate(extractor: Callable[[Truth], Extracted]) -> dict[str, float]:
    totals = {f: [0, 0] for f in FIELDS}
    for truth in load_truth():
        try:
            got = extractor(truth)
        except Exception:
            got = Extracted(None, "", [], None, False)
        for name, (hits, cases) in score(truth, got).items():
            totals[name][0] += hits
            totals[name][1] += cases
    return {f: (h / c if c else 0.0) for f, (h, c) in totals.items()}


def gate(rates: dict[str, float], floors: dict[str, float] = FLOORS) -> list[str]:
    """The fields whose rate fell below its pinned floor, as messages (empty: pass)."""
    return [
        f"{name}: {rates.get(name, 0.0):.3f} < floor {floor:.3f}"
        for name, floor in floors.items()
        if rates.get(name, 0.0) + 1e-9 < floor
    ]
