"""The store keeps stories: a near-duplicate from another wire joins the first article's
story in the upsert transaction; other stories, short items and articles outside the
window do not. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from syndication.model import Article, Block, Category, StorySettings
from syndication.store import open_store

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
QUAKE = [
    "ضرب زلزال بقوة 5.8 درجات على مقياس ريختر ولاية ملاطية في شرق تركيا فجر الثلاثاء، وفق ما أعلنت إدارة الكوارث والطوارئ التركية.",
    "وقالت الإدارة إن مركز الزلزال كان على عمق سبعة كيلومترات قرب بلدة يشيل يورت، وإن السكان شعروا به في ولايات أديامان وإلازيغ المجاورة.",
    "وأفاد وزير الداخلية بأن فرق الإنقاذ انتشرت في القرى الجبلية لتفقد المباني القديمة، مشيرا إلى تضرر عدد من المنازل الطينية دون تسجيل وفيات.",
]
QUAKE_REWRITE = [
    "أنقرة (الأناضول) - ضرب زلزال بقوة ٥٫٨ درجات على مقياس ريختر ولاية ملاطيه في شرق تركيا فجر الثلاثاء، وفق ما اعلنت ادارة الكوارث والطوارئ التركيه.",
    "وأفادت الإدارة إن مركز الزلزال كان على عمق سبعة كيلومترات قرب بلدة يشيل يورت، وإن السكان شعروا به في ولايات أديامان وإلازيغ المجاورة.",
]
FUEL = [
    "قررت لجنة تسعير المنتجات البترولية في مصر رفع أسعار البنزين بأنواعه والسولار اعتبارا من صباح الجمعة، في ثاني زيادة خلال العام.",
    "وأصبح سعر لتر بنزين 92 نحو 15.25 جنيه، فيما ارتفع سعر لتر السولار إلى 13.50 جنيه، بحسب بيان وزارة البترول.",
]


def article(
    article_id: str, partner: str, paragraphs: list[str], hours: float = 0, **changes: Any
) -> Article:
    values: dict[str, Any] = {
        "id": article_id,
        "partner_id": partner,
        "url": f"https://{partner}.example.com/{article_id}",
        "guid": None,
        "title": "زلزال في تركيا",
        "summary": "",
        "body_html": "",
        "blocks": tuple(Block("p", p) for p in paragraphs),
        "images": (),
        "urgent": False,
        "published": T0 + dt.timedelta(hours=hours),
        "updated": T0 + dt.timedelta(hours=hours),
        "author": None,
        "categories": (),
        "language": "ar",
        "content_hash": article_id,
    }
    values.update(changes)
    return Article(**values)


def test_a_rewrite_from_another_wire_joins_the_first_story(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.upsert_article(article("a1", "afp", QUAKE)) == "new"
        assert store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=2)) == "new"
        assert store.upsert_article(article("c1", "mena", FUEL, hours=3)) == "new"
        members = store.story_members(["a1", "b1", "c1"])
        assert [m.article_id for m in members["a1"]] == ["a1", "b1"]
        assert members["b1"] == members["a1"]
        assert {m.story_id for m in members["a1"]} == {"a1"}
        assert "c1" not in members  # a story of its own
        # An edit keeps the article in its story (feed items must not jump around).
        edited = article("b1", "aa", FUEL, hours=2, content_hash="edited")
        assert store.upsert_article(edited) == "updated"
        assert [m.article_id for m in store.story_members(["a1"])["a1"]] == ["a1", "b1"]
        # Deleting a member takes it out of the story.
        assert store.delete_article("b1", "test")
        assert store.story_members(["a1"]) == {}


def test_outside_the_window_or_disabled_is_a_new_story(store_url: str) -> None:
    with open_store(store_url, stories=StorySettings(window=24)) as store:
        store.upsert_article(article("a1", "afp", QUAKE))
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=30))
        assert store.story_members(["a1", "b1"]) == {}
    with open_store(store_url, stories=StorySettings(enabled=False)) as store:
        store.upsert_article(article("c1", "qna", QUAKE, hours=1))
        assert store.story_members(["c1"]) == {}


def test_a_new_wire_changes_the_stamp_of_the_first_articles_feeds(store_url: str) -> None:
    with open_store(store_url) as store:
        sport = Category(label="دولي", slug="world")
        store.upsert_article(article("a1", "afp", QUAKE, categories=(sport,)))
        before = store.feed_stamp(category_slug="world")
        # The second wire has no category: the first one's feed lists one more source.
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=1))
        assert store.feed_stamp(category_slug="world") != before
        members = store.story_members(["a1"])["a1"]
        assert members[0].category_slugs == ("world",)
        assert members[1].category_slugs == ()
