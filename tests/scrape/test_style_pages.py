"""Pages written in the styles of real Arabic sites (tests/data/pages/styles), one per
class of miss: the byline-only date (windows-1256; Maghrebi "على الساعة") with the
partner's time zone, images in layout tables and div.photo blocks, lazy images with the
caption in a sibling, a body in sibling text-block containers. Each page is checked
against its hand-written ground truth; the generic rules behind them are checked on small
pages that must *not* change."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from syndication.scrape import scrape

PAGES = Path(__file__).resolve().parent.parent / "data" / "pages"
INDEX = [
    e
    for e in json.loads((PAGES / "index.json").read_text(encoding="utf-8"))
    if e["kind"] == "style"
]


@pytest.mark.parametrize("entry", INDEX, ids=[e["html"] for e in INDEX])
def test_style_page_matches_its_truth(entry: dict[str, Any]) -> None:
    truth = json.loads((PAGES / entry["truth"][0]).read_text(encoding="utf-8"))
    got = scrape((PAGES / entry["html"]).read_bytes(), entry["url"], timezone=entry["timezone"])
    assert got.title == truth["title"]
    assert [b.text for b in got.blocks] == truth["paragraphs"]
    assert [(i.url, i.caption) for i in got.images] == [
        (i["url"], i["caption"]) for i in truth["images"]
    ]
    if truth["published"]:
        assert got.published == dt.datetime.fromisoformat(truth["published"])


def test_windows_1256_byline_date_takes_the_partner_time_zone() -> None:
    entry = next(e for e in INDEX if e["html"].endswith("byline-1256.html"))
    page = (PAGES / entry["html"]).read_bytes()
    assert b"charset=windows-1256" in page
    cairo = scrape(page, entry["url"], timezone="Africa/Cairo").published
    riyadh = scrape(page, entry["url"], timezone="Asia/Riyadh").published
    assert cairo is not None and riyadh is not None
    assert cairo - riyadh == dt.timedelta(hours=1)


ARTICLE = "".join(
    f"<p>هذه فقرة رقم {n} من نص الخبر وفيها كلمات كافية ليحسبها المستخرج جزءا من المتن.</p>"
    for n in range(1, 6)
)


def test_a_paragraph_after_an_image_is_not_a_caption_when_the_wrapper_holds_text() -> None:
    page = (
        "<html><head><title>خبر</title></head><body><article><h1>عنوان الخبر الرئيسي هنا</h1>"
        '<div class="story"><img src="https://img.example/a.jpg">'
        f"<p>سطر قصير بعد الصورة.</p>{ARTICLE}</div></article></body></html>"
    )
    got = scrape(page, "https://news.example/a")
    assert got.images[0].caption is None
    assert got.blocks[0].text == "سطر قصير بعد الصورة."


def test_bare_sibling_divs_are_not_merged_into_the_body() -> None:
    teaser = "<div><p>خبر آخر في الشريط الجانبي عن موضوع مختلف تماما عن هذا الخبر.</p></div>"
    page = (
        "<html><body><h1>عنوان الخبر الرئيسي هنا</h1>"
        f'<div class="main"><div>{ARTICLE}</div>{teaser}</div></body></html>'
    )
    got = scrape(page, "https://news.example/b")
    assert "الشريط الجانبي" not in got.body_text
