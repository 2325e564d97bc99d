"""Migrations: `upgrade head` builds exactly `syndication.store.schema`, on both backends,
and runs from the packaged folder with no alembic.ini."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from syndication.store import db, open_store
from syndication.store.schema import UTCDateTime, metadata, story_keys, story_members
from tests.support.stories import T0


def test_upgrade_head_matches_the_schema_module(store_url: str) -> None:
    open_store(store_url).close()
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            names = {
                c["name"] for c in sa.inspect(conn).get_check_constraints("article_categories")
            }
            assert names == {
                "ck_article_categories_slug_not_empty",
                "ck_article_categories_label_not_empty",
            }
            assert context.get_current_heads() == ("0010",)
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(store_url: str) -> None:
    open_store(store_url).close()
    engine = db.create_engine(store_url)
    try:
        config = db.alembic_config()
        with db.write(engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
    with open_store(store_url) as store:
        assert store.count_articles() == 0
        assert store.feed_stamp() == "all=0"


def test_migrations_are_packaged_beside_the_code() -> None:
    assert (db.MIGRATIONS_DIR / "env.py").is_file()
    assert (db.MIGRATIONS_DIR / "script.py.mako").is_file()
    assert (db.MIGRATIONS_DIR / "versions" / "0001_initial.py").is_file()
    assert (db.MIGRATIONS_DIR / "versions" / "0002_metric_values.py").is_file()


# A clustered article as the tables stood from 0005 to 0007 (raw SQL: the schema module
# describes head, not those revisions).
_OLD_ARTICLE = sa.text(
    "INSERT INTO articles (id, partner_id, url, title, summary, body_html, blocks, images,"
    " urgent, published, updated, language, content_hash, item_hash, change_seq)"
    " VALUES (:id, 'afp', :url, 't', '', '', '[]', '[]', :urgent, :at, :at, 'ar', 'h', 'h', 1)"
).bindparams(sa.bindparam("at", type_=UTCDateTime()))
_OLD_MEMBER = sa.text(
    "INSERT INTO story_members (article_id, story_id, partner_id, published, sketch)"
    " VALUES (:id, 'a1', 'afp', :at, :sketch)"
).bindparams(sa.bindparam("at", type_=UTCDateTime()))


def _upgrade(engine: sa.Engine, revision: str) -> None:
    config = db.alembic_config()
    with db.write(engine) as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _add_clustered(conn: sa.Connection, article_id: str, *, urgent: bool = False) -> None:
    """An article of partner afp and its member row in story a1, published at T0."""
    url = f"https://afp.example/{article_id}"
    conn.execute(_OLD_ARTICLE, {"id": article_id, "url": url, "urgent": urgent, "at": T0})
    conn.execute(_OLD_MEMBER, {"id": article_id, "at": T0, "sketch": b"\0"})


def test_0006_gives_existing_story_keys_their_partner_and_time(store_url: str) -> None:
    """A store clustered under 0005 keeps its index: each key row gets its article's
    partner and publication time from story_members, and the search uses them."""
    engine = db.create_engine(store_url)
    try:
        _upgrade(engine, "0005")
        with db.write(engine) as conn:
            _add_clustered(conn, "a1")
            conn.execute(sa.text("INSERT INTO story_keys (hash, article_id) VALUES (7, 'a1')"))
        _upgrade(engine, "head")
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(story_keys.c.partner_id, story_keys.c.published).where(
                    story_keys.c.article_id == "a1"
                )
            ).one()
        assert tuple(row) == ("afp", T0)
    finally:
        engine.dispose()


def test_0008_copies_each_members_urgent_flag(store_url: str) -> None:
    """A store clustered under 0007 gets story_members.urgent from its articles: the
    urgent member true, the others false."""
    engine = db.create_engine(store_url)
    try:
        _upgrade(engine, "0007")
        with db.write(engine) as conn:
            _add_clustered(conn, "a1")
            _add_clustered(conn, "a2", urgent=True)
        _upgrade(engine, "head")
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(story_members.c.article_id, story_members.c.urgent).order_by(
                    story_members.c.article_id
                )
            ).all()
        assert [tuple(r) for r in rows] == [("a1", False), ("a2", True)]
    finally:
        engine.dispose()


def test_0009_keeps_the_keys_and_their_cascade(store_url: str) -> None:
    """story_keys rebuilt with (hash, published, article_id) as its key keeps every row,
    still goes with its article, and goes back to the 0008 shape with its rows."""
    engine = db.create_engine(store_url)
    keys = sa.text(
        "INSERT INTO story_keys (hash, article_id, partner_id, published)"
        " VALUES (:hash, :id, 'afp', :at)"
    ).bindparams(sa.bindparam("at", type_=UTCDateTime()))
    rows = [(h, a) for a in ("a1", "a2") for h in (-5, 7, 2**62)]
    read = sa.select(story_keys.c.hash, story_keys.c.article_id, story_keys.c.published)
    expected = sorted((h, a, T0) for h, a in rows)
    try:
        _upgrade(engine, "0008")
        with db.write(engine) as conn:
            for article_id in ("a1", "a2"):
                _add_clustered(conn, article_id)
            conn.execute(keys, [{"hash": h, "id": a, "at": T0} for h, a in rows])
        _upgrade(engine, "0009")
        with engine.connect() as conn:
            assert sorted(tuple(r) for r in conn.execute(read)) == expected
            if engine.dialect.name == "sqlite":
                # SQLite 3.40 misreads a WITHOUT ROWID table whose key columns are not
                # declared first: the check must not report NULLs that are not there.
                assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        config = db.alembic_config()
        with db.write(engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
        with engine.connect() as conn:
            assert sorted(tuple(r) for r in conn.execute(read)) == expected
        _upgrade(engine, "head")
        with db.write(engine) as conn:
            conn.execute(sa.text("DELETE FROM articles WHERE id = 'a1'"))
        with engine.connect() as conn:
            assert sorted(tuple(r) for r in conn.execute(read)) == [
                r for r in expected if r[1] == "a2"
            ]
    finally:
        engine.dispose()


def test_0010_copies_each_members_category_slugs(store_url: str) -> None:
    """A store clustered under 0009 gets story_members.slugs from article_categories: every
    slug of each member (none: empty), and goes back to the 0009 shape."""
    engine = db.create_engine(store_url)
    category = sa.text(
        "INSERT INTO article_categories (article_id, slug, position, label, published)"
        " VALUES (:id, :slug, :position, :label, :at)"
    ).bindparams(sa.bindparam("at", type_=UTCDateTime()))
    read = sa.select(story_members.c.article_id, story_members.c.slugs).order_by(
        story_members.c.article_id
    )
    try:
        _upgrade(engine, "0009")
        with db.write(engine) as conn:
            for article_id in ("a1", "a2"):
                _add_clustered(conn, article_id)
            conn.execute(
                category,
                [
                    {"id": "a1", "slug": slug, "position": i, "label": slug, "at": T0}
                    for i, slug in enumerate(("siyasa", "iqtisad-3"))
                ],
            )
        _upgrade(engine, "head")
        with engine.connect() as conn:
            rows = [(a, sorted(s.split())) for a, s in conn.execute(read)]
        assert rows == [("a1", ["iqtisad-3", "siyasa"]), ("a2", [])]
        config = db.alembic_config()
        with db.write(engine) as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0009")
        columns = {c["name"] for c in sa.inspect(engine).get_columns("story_members")}
        assert "slugs" not in columns and "urgent" in columns
    finally:
        engine.dispose()
