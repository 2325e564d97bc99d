"""Opening a store: migrations, WAL, two stores on one database, and the errors an operator
sees for locked, missing, unreachable or wrong databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from syndication.errors import StorageError
from syndication.store import open_store
from tests.support.factories import make_stored_article

# --- opening, migrations, failures ------------------------------------------------------


def test_open_twice_is_idempotent_and_keeps_data(store_url: str) -> None:
    article = make_stored_article(1)
    with open_store(store_url) as first:
        first.upsert_article(article)
        first.ping()
    with open_store(store_url) as again, open_store(store_url, migrate=False) as plain:
        assert again.get_article(article.id) == article
        assert plain.get_article(article.id) == article
        assert again.upsert_article(article) == "unchanged"


def test_unmigrated_database_is_refused_without_migrate(store_url: str) -> None:
    with pytest.raises(StorageError, match="schema is at revision empty"):
        open_store(store_url, migrate=False)


def test_two_stores_on_one_database_agree(store_url: str) -> None:
    article = make_stored_article(1)
    with open_store(store_url) as one, open_store(store_url) as two:
        assert one.upsert_article(article) == "new"
        assert two.upsert_article(article) == "unchanged"
        assert two.delete_article(article.id) is True
        assert one.upsert_article(article) == "tombstoned"


def test_sqlite_runs_in_wal_mode(sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        store.upsert_article(make_stored_article(1))
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_directory_is_created(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path / 'deep' / 'er' / 'store.db'}") as store:
        assert store.count_articles() == 0
    assert (tmp_path / "deep" / "er" / "store.db").is_file()


def test_locked_sqlite_database_gives_a_clear_error(sqlite_url: str) -> None:
    path = sqlite_url.removeprefix("sqlite:///")
    open_store(sqlite_url).close()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
        with open_store(sqlite_url, busy_timeout=0.05) as store:
            assert store.count_articles() == 0  # readers still read (WAL)
            with pytest.raises(StorageError) as caught:
                store.upsert_article(make_stored_article(1))
            message = str(caught.value)
            assert path in message
            assert "locked by another process" in message
            assert "stop the other syndication process or wait" in message
            other.execute("ROLLBACK")
            assert store.upsert_article(make_stored_article(1)) == "new"
    finally:
        other.close()


def test_locked_postgresql_row_gives_a_clear_error(pg_url: str) -> None:
    import sqlalchemy as sa

    open_store(pg_url).close()
    other = sa.create_engine(pg_url)
    try:
        with other.connect() as conn, conn.begin():
            # Another writer is mid-transaction and holds the change counter.
            conn.exec_driver_sql("SELECT value FROM counters FOR UPDATE")
            with open_store(pg_url, busy_timeout=0.05) as store:
                with pytest.raises(StorageError, match="locked by another process"):
                    store.upsert_article(make_stored_article(1))
                assert store.count_articles() == 0
    finally:
        other.dispose()


def test_sqlite_path_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    with pytest.raises(StorageError, match=r"not-a-dir.*cannot create the directory"):
        open_store(f"sqlite:///{blocker / 'store.db'}")


def test_not_a_sqlite_file(tmp_path: Path) -> None:
    bogus = tmp_path / "store.db"
    bogus.write_bytes(b"this is not a database, just text " * 200)
    with pytest.raises(StorageError, match="not a SQLite database"):
        open_store(f"sqlite:///{bogus}")


def test_unreachable_postgresql_names_the_server_and_hides_the_password() -> None:
    url = "postgresql+psycopg://syndication:sekret@127.0.0.1:1/news"
    with pytest.raises(StorageError) as caught:
        open_store(url, busy_timeout=1)
    message = str(caught.value)
    assert "cannot reach PostgreSQL at 127.0.0.1:1" in message
    assert "is it running?" in message
    assert "sekret" not in message
    assert "syndication:***@127.0.0.1:1/news" in message


def test_unknown_postgresql_role_says_so_against_the_real_server() -> None:
    import sqlalchemy as sa

    from tests.support import PG_URL

    url = sa.make_url(PG_URL).set(username="no_such_role_i12", password=None)
    with pytest.raises(StorageError) as caught:
        open_store(url.render_as_string(hide_password=False), busy_timeout=1)
    message = str(caught.value)
    assert 'PostgreSQL has no role "no_such_role_i12"' in message
    assert "create the role (createuser no_such_role_i12)" in message
    assert "is it running" not in message and "cannot reach" not in message


def test_unknown_postgresql_database_says_so_against_the_real_server() -> None:
    import sqlalchemy as sa

    from tests.support import PG_URL

    url = sa.make_url(PG_URL).set(database="no_such_db_i12")
    with pytest.raises(StorageError) as caught:
        open_store(url.render_as_string(hide_password=False), busy_timeout=1)
    message = str(caught.value)
    assert 'the PostgreSQL database "no_such_db_i12" does not exist' in message
    assert "createdb no_such_db_i12" in message
    assert "is it running" not in message


@pytest.mark.parametrize(
    ("server_says", "problem", "hint"),
    [
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  '
            'password authentication failed for user "syndication"',
            'PostgreSQL refused the password of user "syndication"',
            "check the password in [storage] url",
        ),
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: '
            "fe_sendauth: no password supplied",
            "PostgreSQL asks for a password and none was given",
            "put it in [storage] url",
        ),
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  '
            'no pg_hba.conf entry for host "10.0.0.9", user "syndication", database "news", '
            "no encryption",
            "PostgreSQL does not accept this client (no pg_hba.conf entry)",
            "add a pg_hba.conf line for this host, user and database",
        ),
        (
            'connection to server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  '
            'permission denied for database "news"\nDETAIL:  User does not have CONNECT '
            "privilege.",
            "the PostgreSQL user may not connect to this database",
            "GRANT CONNECT ON DATABASE",
        ),
        (
            'failed to resolve host "db.internall": [Errno -2] Name or service not known',
            "cannot resolve the PostgreSQL host name",
            "check the host in [storage] url",
        ),
        (
            'connection to server at "10.0.0.5", port 5432 failed: timeout expired',
            "no answer from PostgreSQL at db.internal:5432",
            "is it running, and may this machine reach it",
        ),
    ],
    ids=["password", "no-password", "pg_hba", "connect-privilege", "dns", "timeout"],
)
def test_postgresql_connection_errors_are_explained(
    server_says: str, problem: str, hint: str
) -> None:
    import psycopg
    import sqlalchemy as sa

    from syndication.store.db import explain

    error = sa.exc.OperationalError(None, None, psycopg.OperationalError(server_says))
    said, todo = explain(error, "postgresql+psycopg://syndication:***@db.internal/news")
    assert said.startswith(problem), said
    assert todo is not None and hint in todo, todo
    assert "is it running?" not in todo or "timeout" in server_says


def test_unsupported_url_is_refused() -> None:
    with pytest.raises(StorageError, match="unsupported database 'mysql'"):
        open_store("mysql://root@localhost/news")
    with pytest.raises(StorageError, match="not a database URL"):
        open_store("feeds.db")


def test_rows_sent_as_tuples_are_stored_as_sqlalchemy_stores_them(store_url: str) -> None:
    """db.insert_rows and db.upsert of many rows (the driver's executemany) against SQLAlchemy's own
    executemany: the same stored values, read raw, a converted type (UTCDateTime, Boolean)
    included, and an upsert that updates."""
    import datetime as dt

    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql as pg
    from sqlalchemy.dialects import sqlite

    from syndication.store import db
    from syndication.store.schema import UTCDateTime

    meta = sa.MetaData()

    def table(name: str) -> sa.Table:
        return sa.Table(
            name,
            meta,
            sa.Column("key", sa.String(50), primary_key=True),
            sa.Column("at", UTCDateTime, nullable=False),
            sa.Column("flag", sa.Boolean, nullable=False),
            sa.Column("n", sa.BigInteger, nullable=False),
        )

    ours, theirs = table("rows_ours"), table("rows_theirs")
    cairo = dt.timezone(dt.timedelta(hours=2))
    rows = [
        ("عاجل", dt.datetime(2026, 12, 7, 18, 30, 5, 123456, tzinfo=cairo), True, -(2**62)),
        ("b", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), False, 7),
    ]
    columns = ("key", "at", "flag", "n")
    engine = sa.create_engine(store_url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            db.insert_rows(
                conn,
                sa.insert(ours),
                ("n", "at", "key", "flag"),
                [(n, at, key, flag) for key, at, flag, n in rows],
            )
            conn.execute(sa.insert(theirs), [dict(zip(columns, row, strict=True)) for row in rows])
            later = [(rows[0][0], rows[1][1], False, 1), ("c", rows[0][1], True, 2)]
            # Two rows: db.upsert takes the executemany of insert_rows.
            db.upsert(conn, ours, [dict(zip(columns, r, strict=True)) for r in later], ["key"])
            stmt = sqlite.insert(theirs) if engine.dialect.name == "sqlite" else pg.insert(theirs)
            upsert = stmt.on_conflict_do_update(
                index_elements=["key"], set_={c: stmt.excluded[c] for c in columns[1:]}
            )
            conn.execute(upsert, [dict(zip(columns, r, strict=True)) for r in later])
        with engine.connect() as conn:
            raw = [
                conn.exec_driver_sql(f"SELECT key, at, flag, n FROM {t.name} ORDER BY key").all()
                for t in (ours, theirs)
            ]
            typed = conn.execute(sa.select(ours).order_by(ours.c.key)).all()
        assert raw[0] == raw[1]
        assert [tuple(r) for r in typed] == sorted([*later, rows[1]])
    finally:
        meta.drop_all(engine)
        engine.dispose()


def test_rows_of_columns_without_conversion_are_stored_in_their_columns(store_url: str) -> None:
    """insert_rows hands the driver the rows as given when no column converts its value
    and the rows are in the SQL's parameter order (selection marks); in any other order
    each value still lands in its own column."""
    import sqlalchemy as sa

    from syndication.store import db

    meta = sa.MetaData()
    plain = sa.Table(
        "rows_plain",
        meta,
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
    )
    engine = sa.create_engine(store_url)
    try:
        meta.create_all(engine)
        with engine.begin() as conn:
            db.insert_rows(conn, sa.insert(plain), ("key", "n", "label"), [("a", 1, "أ")])
            db.insert_rows(conn, sa.insert(plain), ("label", "key", "n"), [("ب", "b", 2)])
            # Two rows of dicts: db.upsert's executemany, one row updated, one new.
            db.upsert(
                conn,
                plain,
                [{"key": "a", "n": 3, "label": "ج"}, {"key": "c", "n": 4, "label": "د"}],
                ["key"],
            )
        with engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT key, n, label FROM rows_plain ORDER BY key")
            assert stored.all() == [("a", 3, "ج"), ("b", 2, "ب"), ("c", 4, "د")]
    finally:
        meta.drop_all(engine)
        engine.dispose()
