"""The store keeps stories: a near-duplicate from another wire joins the first article's
story in the upsert transaction; other stories, short items and articles outside the
window do not. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from typing import Any

import sqlalchemy as sa

from syndication.model import Category, StorySettings
from syndication.store import db as store_db
from syndication.store import open_store
from syndication.store import stories as store_stories
from syndication.store.schema import story_members
from syndication.store.stories import CANDIDATES, PER_KEY
from syndication.stories import MIN_SHARED, index_keys, sketch
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


def test_a_join_marks_every_earlier_members_partner_flag_and_category_and_no_other(
    store_url: str,
) -> None:
    world, economy = Category(label="دولي", slug="world"), Category(label="اقتصاد", slug="economy")
    with open_store(store_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE, categories=(world,), urgent=True))
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=1, categories=(economy,)))
        store.upsert_article(article("c1", "mena", FUEL, hours=1))  # a story of its own
        selections: dict[str, dict[str, Any]] = {
            "afp": {"partner_id": "afp"},
            "aa": {"partner_id": "aa"},
            "mena": {"partner_id": "mena"},
            "urgent": {"urgent": True},
            "world": {"category_slug": "world"},
            "economy": {"category_slug": "economy"},
            "main": {},
        }
        before = {name: store.feed_stamp(**kw) for name, kw in selections.items()}
        # A third wire, not urgent and without categories, joins the two earlier ones.
        copy = article("d1", "qna", QUAKE, hours=2, content_hash="d1")
        assert store.upsert_article(copy) == "new"
        assert [m.article_id for m in store.story_members(["d1"])["d1"]] == ["a1", "b1", "d1"]
        after = {name: store.feed_stamp(**kw) for name, kw in selections.items()}
        changed = {name for name in selections if after[name] != before[name]}
        assert changed == {"afp", "aa", "urgent", "world", "economy", "main"}


def test_a_join_marks_the_urgent_feed_by_the_members_flags_as_they_are_now(
    store_url: str,
) -> None:
    """Joins read the members' urgent flags from story_members' copy: an editor's
    override and a partner's edit reach that copy, so a later join marks the urgent feed
    exactly when some earlier member is urgent at that moment."""

    def urgent_marked_by_join(wire: str, partner: str) -> bool:
        before = store.feed_stamp(urgent=True)
        copy = article(wire, partner, QUAKE, hours=2, content_hash=wire)
        assert store.upsert_article(copy) == "new"
        assert wire in [m.article_id for m in store.story_members([wire])[wire]]
        return store.feed_stamp(urgent=True) != before

    def copies() -> dict[str, bool]:
        with store_db.read(store._engine) as conn:
            rows = conn.execute(sa.select(story_members.c.article_id, story_members.c.urgent)).all()
        return {str(a): bool(u) for a, u in rows}

    with open_store(store_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE))
        store.upsert_article(article("b1", "aa", QUAKE_REWRITE, hours=1))
        assert not urgent_marked_by_join("c1", "qna")  # nobody in the story is urgent
        assert store.set_urgent("a1", True, "editor")
        assert urgent_marked_by_join("d1", "mena")
        assert store.set_urgent("a1", False, "editor")
        assert not urgent_marked_by_join("e1", "wam")
        # The partner edits b1 and flags it urgent (no override on b1).
        edit = article("b1", "aa", QUAKE_REWRITE, hours=1, urgent=True, content_hash="b1-2")
        assert store.upsert_article(edit) == "updated"
        assert urgent_marked_by_join("f1", "spa")
        assert copies() == {wire: wire == "b1" for wire in ("a1", "b1", "c1", "d1", "e1", "f1")}


def test_a_join_marks_the_category_feeds_of_the_members_categories_as_they_are_now(
    store_url: str,
) -> None:
    """Joins read the members' categories from story_members' copy: a partner's edit that
    moves a member to another category reaches that copy, so a later join marks the new
    category's feed (and the copy holds exactly the article's slugs)."""
    world, economy = Category(label="دولي", slug="world"), Category(label="اقتصاد", slug="economy")

    def marked_by_join(wire: str, partner: str) -> set[str]:
        before = {slug: store.feed_stamp(category_slug=slug) for slug in ("world", "economy")}
        copy = article(wire, partner, QUAKE, hours=2, content_hash=wire)
        assert store.upsert_article(copy) == "new"
        return {slug for slug in before if store.feed_stamp(category_slug=slug) != before[slug]}

    def copies() -> dict[str, str]:
        with store_db.read(store._engine) as conn:
            rows = conn.execute(sa.select(story_members.c.article_id, story_members.c.slugs))
            return {str(a): str(s) for a, s in rows}

    with open_store(store_url) as store:
        store.upsert_article(article("a1", "afp", QUAKE, categories=(world,)))
        assert marked_by_join("b1", "aa") == {"world"}
        edit = article("a1", "afp", QUAKE, categories=(economy, world), content_hash="a1-2")
        assert store.upsert_article(edit) == "updated"
        assert copies()["a1"] == "economy world"
        edit = article("a1", "afp", QUAKE, categories=(economy,), content_hash="a1-3")
        assert store.upsert_article(edit) == "updated"
        assert marked_by_join("c1", "qna") == {"economy"}
        assert copies() == {"a1": "economy", "b1": "", "c1": ""}


# A line a partner prints under every story, long enough to fill much of each sketch.
BOILERPLATE = (
    "تابعوا آخر الأخبار العاجلة والتحليلات والتقارير المصورة على موقعنا وحساباتنا في مواقع"
    " التواصل الاجتماعي، واشتركوا في النشرة البريدية اليومية لتصلكم أهم العناوين كل صباح"
)
ALPHABET = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _filler(n: int) -> list[str]:
    """A text of made-up words no other article has (its own story)."""
    rng = random.Random(n)
    words = ["".join(rng.choices(ALPHABET, k=5)) for _ in range(40)]
    return [" ".join(words), BOILERPLATE]


def test_a_line_hundreds_of_articles_share_neither_hides_the_copy_nor_is_read_whole(
    store_url: str,
) -> None:
    crowd = 3 * PER_KEY
    with open_store(store_url) as store:
        store.upsert_article(article("a1", "afp", [*QUAKE, BOILERPLATE]))
        # Published between the two wires, nearer the newcomer than the original.
        for i in range(crowd):
            store.upsert_article(article(f"n{i}", f"site{i % 3}", _filler(i), hours=0.5))
        copy = article("b1", "aa", [*QUAKE_REWRITE, BOILERPLATE], hours=1)
        sk = sketch(copy.title, copy.body_text)
        with store_db.write(store._engine) as conn:
            assert store_stories.candidates(conn, copy, sk, store.stories)[0] == "a1"
            # Every value the crowd shares is read PER_KEY rows at most, not `crowd` rows.
            values = sorted(set(index_keys(sk)))
            params = store_stories.scan_params(copy, values, store.stories, conn.dialect)
            read = conn.execute(store_stories._scans(len(values)), params).all()
            shared_by_crowd = sum(
                h in set(index_keys(sketch("", " ".join(_filler(0))))) for h in values
            )
            assert shared_by_crowd >= 2
            assert len(read) <= len(values) * PER_KEY
            assert len(read) < shared_by_crowd * crowd
        assert store.upsert_article(copy) == "new"
        assert [m.article_id for m in store.story_members(["a1"])["a1"]] == ["a1", "b1"]


def test_the_search_returns_the_candidates_sharing_most_ties_by_id_at_most_candidates(
    store_url: str,
) -> None:
    """The database ranks and cuts the candidates: the same list as counting every
    stored article's shared index values here, at most CANDIDATES of them."""
    rng = random.Random(11)
    words = ["".join(rng.choices(ALPHABET, k=5)) for _ in range(150)]
    newcomer = article("q", "wire", [" ".join(words)], hours=1)
    with open_store(store_url) as store:
        stored = []
        for i in range(CANDIDATES + 10):  # fewer than PER_KEY / 2 a side: none cut off
            start, size = rng.randrange(100), rng.randrange(10, 50)
            own = ["".join(rng.choices(ALPHABET, k=6)) for _ in range(30)]
            text = " ".join(words[start : start + size] + own)
            stored.append(article(f"s{i:02d}", f"site{i % 4}", [text], hours=rng.random()))
        for each in stored:
            store.upsert_article(each)
        sk = sketch(newcomer.title, newcomer.body_text)
        wanted = set(index_keys(sk))
        shared = {a.id: len(wanted & set(index_keys(sketch(a.title, a.body_text)))) for a in stored}
        ranked = sorted((-n, a) for a, n in shared.items() if n >= MIN_SHARED)
        assert len(ranked) > CANDIDATES  # the cut is exercised
        assert len({n for n, _ in ranked}) > 2 and len(ranked) > len({n for n, _ in ranked})
        with store_db.read(store._engine) as conn:
            found = store_stories.candidates(conn, newcomer, sk, store.stories)
        assert found == [a for _, a in ranked[:CANDIDATES]]


def test_the_keys_of_a_storys_members_are_every_members_keys_united() -> None:
    """_touch_story builds the keys of hundreds of members from their partners, flags
    and categories taken apart: the same set as each member's own keys united."""
    from syndication.store.articles import selection_keys, selection_keys_of

    rng = random.Random(7)
    slugs = ["politics", "economy", "sport", "culture"]
    members = [
        (f"p{rng.randrange(6)}", rng.random() < 0.2, rng.sample(slugs, rng.randrange(3)))
        for _ in range(300)
    ]
    each: set[str] = set()
    for partner_id, urgent, member_slugs in members:
        each |= selection_keys(partner_id, urgent, member_slugs)
    united = selection_keys_of(
        {p for p, _, _ in members},
        {u for _, u, _ in members},
        {s for _, _, ss in members for s in ss},
    )
    assert united == each
    assert {"urgent:1", "urgent:0", "partner:p5"} <= united
    # Only the flags the members have: no urgent key when none is urgent.
    assert selection_keys_of(["a", "b"], [False], ["x"]) == {
        "all",
        "urgent:0",
        "partner:a",
        "partner:b",
        "category:x",
    }
