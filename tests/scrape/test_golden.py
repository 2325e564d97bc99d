"""Golden records for every page in tests/data/pages, plus checks against the SOURCE truth.

Each ``<page>.golden.json`` is the full record our scraper produced, reviewed by hand
against the page; ``pytest --update-golden`` rewrites them (review the diff). The second
half asserts against the ground truth shipped by the projects the pages come from
(htmldate dates, trafilatura's with/without strings, newspaper4k/goose3 text, fundus
paragraphs, image URLs and captions), so a golden file cannot drift into a wrong answer
unnoticed. The last tests run the quality gate of tests/support/extraction.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from syndication.arabic.text import clean_text
from syndication.model import Scraped
from syndication.scrape import scrape
from tests.support import DATA
from tests.support import extraction as bench

PAGES = DATA / "pages"
INDEX: list[dict[str, Any]] = json.loads((PAGES / "index.json").read_text(encoding="utf-8"))
IDS = [entry["html"] for entry in INDEX]


def record(s: Scraped) -> dict[str, Any]:
    return {
        "url": s.url,
        "title": s.title,
        "urgent": s.urgent,
        "published": s.published.isoformat() if s.published else None,
        "updated": s.updated.isoformat() if s.updated else None,
        "author": s.author,
        "categories": list(s.categories),
        "summary": s.summary,
        "language": s.language,
        "blocks": [[b.kind, b.text] for b in s.blocks],
        "body_text": s.body_text,
        "images": [
            {
                "url": i.url,
                "caption": i.caption,
                "credit": i.credit,
                "alt": i.alt,
                "width": i.width,
                "height": i.height,
            }
            for i in s.images
        ],
        "body_html": s.body_html,
    }


def scraped(entry: dict[str, Any]) -> Scraped:
    return scrape(
        (PAGES / entry["html"]).read_bytes(), entry["url"], timezone=entry.get("timezone", "UTC")
    )


def truth(entry: dict[str, Any], index: int = 0) -> Any:
    path = PAGES / entry["truth"][index]
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else text


def entries(kind: str) -> list[dict[str, Any]]:
    return [e for e in INDEX if e["kind"] == kind]


@pytest.mark.parametrize("entry", INDEX, ids=IDS)
def test_golden(entry: dict[str, Any], update_golden: bool) -> None:
    golden = PAGES / entry["html"].replace(".html", ".golden.json")
    got = record(scraped(entry))
    if update_golden or not golden.exists():
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    for field in expected:
        assert got[field] == expected[field], f"{entry['html']}: field {field!r} changed"
    assert set(got) == set(expected)


# --- against the source projects' ground truth ---------------------------------------------


@pytest.mark.parametrize("entry", entries("htmldate"), ids=[e["html"] for e in entries("htmldate")])
def test_htmldate_publication_date(entry: dict[str, Any]) -> None:
    s = scraped(entry)
    assert s.published is not None
    assert s.published.date().isoformat() == truth(entry)["expected_publication_date"]


def test_assabah_with_and_without_strings() -> None:
    (entry,) = entries("trafilatura")
    expected = truth(entry)
    s = scraped(entry)
    assert s.title == clean_text(expected["title"])
    for text in expected["with"]:
        assert text in s.body_text
    for text in expected["without"]:
        assert text not in s.body_text and text not in s.body_html
    assert s.author == "آسيا العتروس"  # the in-body "حوار: …" byline, moved out of the body


def _tokens(text: str) -> list[str]:
    return [t for t in clean_text(text).replace('"', " ").split() if t]


def test_cnn_arabic_body_matches_newspaper4k_text() -> None:
    (entry,) = entries("newspaper4k")
    s = scraped(entry)
    assert s.title == truth(entry)["title"]
    expected = _tokens(truth(entry, 1))
    got = set(_tokens(s.body_text))
    overlap = sum(t in got for t in expected) / len(expected)
    assert overlap >= 0.98
    assert "ترحب شبكة CNN" not in s.body_text  # comment policy under the story
    assert s.images[0].url.endswith("Gal.syria.assad.army.jpg_-1_-1.jpg")


def test_cnn_arabic_goose3_capture_starts_like_expected() -> None:
    (entry,) = entries("goose3")
    expected = clean_text(truth(entry)["expected"]["cleaned_text"])
    assert clean_text(scraped(entry).body_text).startswith(expected[:300])


def _fundus(entry: dict[str, Any]) -> dict[str, Any]:
    return dict(next(iter(truth(entry).values())))


def test_lbcgroup_paragraphs_images_and_date() -> None:
    (entry,) = [e for e in entries("fundus") if e["html"].startswith("lbcgroup/")]
    expected = _fundus(entry)
    s = scraped(entry)
    paragraphs = [p for section in expected["body"]["sections"] for p in section["paragraphs"]]
    assert [b.text for b in s.blocks if b.kind == "p"] == [clean_text(p) for p in paragraphs]
    urls = {i.url.lower() for i in s.images}
    for image in expected["images"]:
        assert any(v["url"].lower() in urls for v in image["versions"])
    assert s.published is not None
    assert s.published.isoformat() == "2026-01-08T11:42:50+00:00"


@pytest.mark.parametrize("name", ["TheGuardian", "VoiceOfAmerica", "CBCNews"])
def test_fundus_captions_bound_to_their_images(name: str) -> None:
    (entry,) = [e for e in entries("fundus") if e["html"].startswith(name + "/")]
    expected = _fundus(entry)
    s = scraped(entry)
    by_url = {i.url.lower(): i for i in s.images}
    captioned = [i for i in expected["images"] if i["caption"]]
    assert captioned
    for image in captioned:
        found = [by_url[v["url"].lower()] for v in image["versions"] if v["url"].lower() in by_url]
        assert found, image["versions"][0]["url"]
        assert found[0].caption == clean_text(image["caption"])
        if image["authors"]:
            assert found[0].credit == image["authors"][0]
    assert s.title == clean_text(expected["title"])
    assert s.published is not None
    assert s.published.date().isoformat() == expected["publishing_date"][:10]
    headlines = [h for section in expected["body"]["sections"] for h in section["headline"]]
    assert [b.text for b in s.blocks if b.kind == "h2"] == headlines


# --- the seed article ----------------------------------------------------------------------


def test_seed_page() -> None:
    (entry,) = entries("seed")
    expected = truth(entry)
    s = scraped(entry)
    assert s.urgent is True
    assert s.title == expected["title"] and "عاجل" not in (s.title or "")
    assert s.url == entry["url"].split("?")[0]  # the canonical URL, not the feed's tracking link
    assert s.published is not None and s.published.isoformat() == "2025-09-26T11:40:00+02:00"
    (image,) = s.images
    assert (image.url, image.caption, image.alt) == (
        expected["image_url"],
        expected["caption"],
        expected["image_alt"],
    )
    assert s.body_html.startswith(
        f'<figure><img src="{expected["image_url"]}" alt="{expected["image_alt"]}" '
        f'width="800" height="450"><figcaption>{expected["caption"]}</figcaption></figure>'
    )
    headings = [b.text for b in s.blocks if b.kind in ("h2", "h3")]
    assert headings == expected["subheadings"]
    assert [b.text for b in s.blocks] == [clean_text(p) for p in expected["paragraphs"]]
    for text in expected["absent"]:
        assert text not in s.body_text, text
        assert text not in s.body_html, text


def test_seed_page_urgent_comes_from_the_badge_not_the_chrome() -> None:
    (entry,) = entries("seed")
    html = (PAGES / entry["html"]).read_text(encoding="utf-8")
    badge = '<span class="badge badge-urgent">عاجل</span>'
    assert badge in html
    # The ticker, the menu link and the related "عاجل|" teaser are still on the page.
    assert scrape(html.replace(badge, ""), entry["url"]).urgent is False


# --- the quality gate ----------------------------------------------------------------------


def test_quality_gate_floors_hold() -> None:
    rates = bench.evaluate(bench.run_ours)
    assert bench.gate(rates) == [], rates


def test_quality_gate_reports_a_field_below_its_floor() -> None:
    failures = bench.gate({**dict.fromkeys(bench.FIELDS, 1.0), "captions": 0.5})
    assert failures == ["captions: 0.500 < floor 1.000"]
