"""publish.jsonfeed: JSON Feed 1.1 structure."""

from __future__ import annotations

import json

from syndication.publish import render_json
from tests.support.factories import MAIN, NOW, SETTINGS, make_article


def test_json_feed_structure() -> None:
    articles = [make_article(1), make_article(2, urgent=True, author=None, images=())]
    feed = json.loads(
        render_json(
            MAIN, articles, SETTINGS, self_url="https://feeds.example.org/feeds/main.json", now=NOW
        )
    )
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["language"] == "ar"
    assert feed["home_page_url"] == "https://news.example.org/"
    assert feed["feed_url"] == "https://feeds.example.org/feeds/main.json"
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]
    urgent, normal = feed["items"]
    assert urgent["_urgent"] is True and normal["_urgent"] is False
    assert urgent["tags"] == ["سياسة", "عاجل"]
    assert "authors" not in urgent and "image" not in urgent and urgent["_images"] == []
    assert normal["id"] == "tag:news.example.org,2026:article/art0001"
    assert normal["url"] == "https://partner.example.com/news/1"
    assert normal["date_published"] == "2026-02-01T01:00:00Z"
    assert normal["date_modified"] == "2026-02-01T01:30:00Z"
    assert normal["authors"] == [{"name": "كاتب 1"}]
    assert normal["summary"] == "ملخص الخبر رقم 1."
    assert normal["content_html"].startswith('<div dir="rtl" lang="ar">')
    assert normal["image"] == "https://img.example.com/1-lead.jpg"
    assert normal["attachments"][0] == {
        "url": "https://img.example.com/1-lead.jpg",
        "mime_type": "image/jpeg",
        "title": "تعليق الصورة الأولى 1",
        "size_in_bytes": 54321,
    }
    assert normal["_images"][0] == {
        "url": "https://img.example.com/1-lead.jpg",
        "caption": "تعليق الصورة الأولى 1",
        "credit": "تصوير: أحمد 1",
        "width": 1200,
        "height": 800,
    }
