"""The store keeps stories: a near-duplicate from another wire joins the first article's
story in the upsert transaction; other stories, short items and articles outside the
window do not. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from syndication.model import Category, StorySettings
from syndication.store import open_store
from tests.support.stories import FUEL, QUAKE, QUAKE_REWRITE, article


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
