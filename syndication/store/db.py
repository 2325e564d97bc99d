"""Engines, transactions, migrations and error translation for the store.

Everything here is backend plumbing the rest of the store builds on:

- `create_engine(url)`: SQLite gets WAL, foreign keys and a busy timeout on every
  connection, and we issue BEGIN ourselves (BEGIN IMMEDIATE for writes) so that a write
  transaction holds the write lock from its first read: its checks cannot go stale, and a
  locked database fails at once with SQLITE_BUSY instead of deadlocking half-way.
- `write(engine)` / `read(engine)`: one transaction each.
- `migrate(engine)`: Alembic `upgrade head` run programmatically from the packaged
  `syndication/migrations` folder, so an installed wheel needs no alembic.ini.
- `translate(...)`: SQLAlchemy / DBAPI / Alembic errors → `StorageError` that names the
  database (password hidden) and says what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import operator
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from syndication.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a SQLite writer waits for another one
_WRITE = "syndication_write"  # execution option: this transaction writes
# Advisory lock classes (two-int form; PostgreSQL keeps it apart from one-bigint locks).
_LOCK_MIGRATE = (0x5359_4E44, 1)
_LOCK_ARTICLE_CLASS = 0x5359_4E45


def redact(url: str) -> str:
    """The URL as it may appear in messages and logs: password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unparseable database URL>"


def create_engine(url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as e:
        raise StorageError(
            f"{url!r} is not a database URL",
            hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
        ) from e
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, busy_timeout)
    if backend == "postgresql":
        return sa.create_engine(
            parsed,
            pool_pre_ping=True,  # serving nodes outlive database restarts
            connect_args={
                "connect_timeout": max(1, round(busy_timeout)),
                # A writer stuck behind another process's lock fails like SQLite's busy
                # timeout instead of hanging the run.
                "options": f"-c lock_timeout={max(1, round(busy_timeout * 1000))}",
                "application_name": "syndication",
            },
        )
    raise StorageError(
        f"{redact(url)}: unsupported database {backend!r}",
        hint="use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
    )


def _sqlite_engine(parsed: sa.URL, busy_timeout: float) -> Engine:
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StorageError(
            f"{parsed.render_as_string()}: the store needs a SQLite file",
            hint="use sqlite:///path/to/file.db",
        )
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(
            f"{parsed.render_as_string()}: cannot create the directory {path.parent}",
            hint="check the path in [storage] url and that its parent is a writable directory",
        ) from e
    # Enough pooled connections for every ingest thread: an overflow connection is closed
    # on return, and reopening one (PRAGMAs, schema read) cost more than the query.
    engine = sa.create_engine(
        parsed,
        connect_args={"timeout": busy_timeout},
        pool_size=32,
        max_overflow=32,
        pool_use_lifo=True,
    )
    timeout_ms = max(0, round(busy_timeout * 1000))

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: we emit BEGIN ourselves (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any exception.

    SQLite admits one writer at a time and makes the others sleep in its busy handler,
    in steps of milliseconds, even when the lock is free again microseconds later: with
    16 threads writing small transactions, more time went to those sleeps than to work.
    Threads of one process therefore queue on a lock of ours (woken at once); other
    processes still meet SQLite's busy timeout.
    """
    lock = _sqlite_write_lock(engine)
    with lock or contextlib.nullcontext(), engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITE_LOCKS_GUARD = threading.Lock()


def _sqlite_write_lock(engine: Engine) -> threading.RLock | None:
    if engine.dialect.name != "sqlite":
        return None
    with _WRITE_LOCKS_GUARD:
        lock = _WRITE_LOCKS.get(engine)
        if lock is None:
            lock = _WRITE_LOCKS[engine] = threading.RLock()
        return lock


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """One read transaction: a consistent snapshot for multi-query reads."""
    with engine.connect() as conn, conn.begin():
        yield conn


def lock_article(conn: Connection, article_id: str) -> None:
    """Serialize writers of one article id across processes (PostgreSQL).

    SQLite needs nothing: BEGIN IMMEDIATE already admits one writer at a time.
    """
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=4).digest()
    key = int.from_bytes(digest, "big", signed=True)
    conn.execute(
        sa.text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": _LOCK_ARTICLE_CLASS, "k": key}
    )


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    *,
    add: Sequence[str] = (),
) -> None:
    """INSERT … ON CONFLICT (keys) DO UPDATE every other column, on both backends.

    Columns named in `add` are counters: the new value is added to the stored one."""
    if not rows:
        return
    others = tuple(c.name for c in table.columns if c.name not in keys and c.name in rows[0])
    stmt = _upsert_statement(conn.dialect.name, table, tuple(keys), others, tuple(add))
    if len(rows) == 1:
        conn.execute(stmt, dict(rows[0]))  # one row: a plain execute
        return
    columns = tuple(rows[0])
    if len(columns) == 1:  # itemgetter of one name gives the value, not a tuple
        insert_rows(conn, stmt, columns, [(row[columns[0]],) for row in rows])
    else:
        insert_rows(conn, stmt, columns, list(map(operator.itemgetter(*columns), rows)))


def insert_rows(
    conn: Connection, stmt: sa.Insert, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Run an INSERT (or upsert) of one table for many rows, each a tuple of values in
    `columns` order, as the driver's own executemany of SQL compiled once per dialect.

    SQLAlchemy's executemany builds and converts a parameter dict per row in Python, which
    cost more than writing the rows: 85 selection marks took 0.6 ms that way, 0.14 ms
    here. Values still go through their column types' bind processing (UTCDateTime)."""
    if not rows:
        return
    sql, order, convert, as_given = _compiled_rows(stmt, tuple(columns), conn.dialect)
    if as_given:
        params: list[Any] = list(rows)  # the tuples as they are (selection marks)
    elif conn.dialect.positional:
        params = [
            tuple(f(row[i]) if f else row[i] for i, f in zip(order, convert, strict=True))
            for row in rows
        ]
    else:
        params = [
            {columns[i]: f(row[i]) if f else row[i] for i, f in zip(order, convert, strict=True)}
            for row in rows
        ]
    conn.exec_driver_sql(sql, params)


_Processor = Callable[[Any], Any] | None
# (SQL, order, processors, whether the rows can go to the driver as given)
_Compiled = tuple[str, tuple[int, ...], tuple[_Processor, ...], bool]
# Per statement (held weakly: a statement built for one call takes its entry with it),
# per (columns, dialect).
_COMPILED_ROWS: weakref.WeakKeyDictionary[sa.Insert, dict[tuple[tuple[str, ...], str], _Compiled]]
_COMPILED_ROWS = weakref.WeakKeyDictionary()


def _compiled_rows(stmt: sa.Insert, columns: tuple[str, ...], dialect: sa.Dialect) -> _Compiled:
    """(SQL, the index in `columns` of each parameter in the SQL's order, each one's bind
    processor, whether rows in `columns` order go to the driver as they are: positional
    parameters in that order, none converted), worked out once per statement, columns
    and dialect."""
    per_stmt = _COMPILED_ROWS.get(stmt)
    if per_stmt is None:
        per_stmt = _COMPILED_ROWS.setdefault(stmt, {})
    cache_key = (columns, dialect.name)
    found = per_stmt.get(cache_key)
    if found is None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
        names = list(compiled.positiontup or ()) if dialect.positional else list(columns)
        order = tuple(columns.index(name) for name in names)
        table = stmt.table
        assert isinstance(table, sa.Table)
        convert = tuple(
            table.c[columns[i]].type.dialect_impl(dialect).bind_processor(dialect) for i in order
        )
        as_given = dialect.positional and not any(convert) and order == tuple(range(len(columns)))
        found = per_stmt[cache_key] = (compiled.string, order, convert, as_given)
    return found


_UPSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Any] = {}


def _upsert_statement(
    dialect: str,
    table: sa.Table,
    keys: tuple[str, ...],
    others: tuple[str, ...],
    add: tuple[str, ...],
) -> Any:
    """The statement for one shape of upsert, built once: building it (the `excluded`
    alias copies every column) cost several times the write itself on the hot path."""
    cache_key = (dialect, table.fullname, keys, others, add)
    stmt = _UPSERTS.get(cache_key)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        base = insert(table)
        stmt = base.on_conflict_do_update(
            index_elements=list(keys),
            set_={
                name: table.c[name] + base.excluded[name] if name in add else base.excluded[name]
                for name in others
            },
        )
        _UPSERTS[cache_key] = stmt  # a race only builds the same statement twice
    return stmt


# --- migrations -------------------------------------------------------------------------


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    # ConfigParser interpolation: a literal % in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    config = alembic_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    # Checked first in a read transaction: starting next to a busy writer must not wait
    # for the write lock when there is nothing to upgrade.
    if _current_heads(engine) == heads:
        return
    with write(engine) as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting at once must not both create the tables.
            conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(:a, :b)"),
                {"a": _LOCK_MIGRATE[0], "b": _LOCK_MIGRATE[1]},
            )
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _current_heads(engine: Engine) -> set[str]:
    with read(engine) as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def check_revision(engine: Engine, display_url: str) -> None:
    """Refuse a database whose schema is not the one this code expects."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    current = _current_heads(engine)
    if current != heads:
        found = ", ".join(sorted(current)) or "empty"
        raise StorageError(
            f"{display_url}: database schema is at revision {found}, "
            f"this version of syndication expects {', '.join(sorted(heads))}",
            hint="open it once with migrations enabled (the default) to upgrade it",
        )


# --- errors -----------------------------------------------------------------------------


@contextmanager
def translate(display_url: str, action: str) -> Iterator[None]:
    """Turn database errors raised inside the block into `StorageError`."""
    try:
        yield
    except StorageError:
        raise
    except CommandError as e:
        raise StorageError(
            f"{display_url}: {action}: the database schema is unknown to this version",
            hint="it was probably migrated by a newer syndication: upgrade syndication "
            "or point [storage] url at another database",
        ) from e
    except sa.exc.SQLAlchemyError as e:
        problem, hint = explain(e, display_url)
        orig = getattr(e, "orig", None)
        cause = orig if isinstance(orig, BaseException) else e
        raise StorageError(f"{display_url}: {action}: {problem}", hint=hint) from cause


def explain(error: sa.exc.SQLAlchemyError, display_url: str) -> tuple[str, str | None]:
    """(what went wrong, what to do) for a SQLAlchemy error."""
    said = str(getattr(error, "orig", None) or error)
    text = said.lower()
    url = sa.make_url(display_url) if "://" in display_url else None
    where = f"{url.host or 'localhost'}:{url.port or 5432}" if url is not None else display_url
    if any(m in text for m in ("database is locked", "table is locked", "lock timeout")):
        return (
            "database is locked by another process",
            "stop the other syndication process or wait for it to finish, then retry",
        )
    if "unable to open database file" in text:
        return (
            "cannot open the SQLite file",
            "check that its directory exists and that this user may write there",
        )
    if "readonly database" in text or "read-only" in text:
        return ("the database file is read-only", "give this user write permission on it")
    if "file is not a database" in text:
        return (
            "the file is not a SQLite database",
            "point [storage] url at another file, or move this one away",
        )
    if "database or disk is full" in text or "no space left" in text:
        return ("the disk is full", "free some space, then retry")
    if url is not None and url.get_backend_name() == "postgresql":
        found = _explain_postgresql(said, url, where)
        if found is not None:
            return found
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError) and any(
        marker in text
        for marker in ("connection", "connect", "timeout expired", "server closed", "refused")
    ):
        return (f"cannot reach PostgreSQL at {where}", "is it running? check [storage] url")
    if isinstance(error, sa.exc.IntegrityError):
        return ("the database refused the data (constraint violated)", None)
    if isinstance(error, sa.exc.StatementError) and not isinstance(error, sa.exc.DBAPIError):
        return ("a value could not be stored", None)
    return ("database error", None)


def _explain_postgresql(said: str, url: sa.URL, where: str) -> tuple[str, str] | None:
    """Connection failures the server reported itself. Checked before the generic
    "cannot reach" (every libpq connection error starts "connection to server at … failed"),
    so an operator fixing a role or a password is not sent to restart a running server."""
    text = said.lower()
    user = url.username or "the current user"
    database = url.database or user
    role = re.search(r'role "([^"]*)" does not exist', said)
    if role:
        return (
            f'PostgreSQL has no role "{role.group(1)}"',
            f"create the role (createuser {role.group(1)}) or fix the user name in [storage] url",
        )
    db = re.search(r'database "([^"]*)" does not exist', said)
    if db:
        return (
            f'the PostgreSQL database "{db.group(1)}" does not exist',
            f"create it (createdb {db.group(1)}) or fix the database name in [storage] url",
        )
    if "password authentication failed" in text:
        return (
            f'PostgreSQL refused the password of user "{user}"',
            "check the password in [storage] url (or $SYNDICATION_STORAGE_URL)",
        )
    if "no password supplied" in text:
        return (
            "PostgreSQL asks for a password and none was given",
            f"put it in [storage] url: postgresql+psycopg://{user}:PASSWORD@{where}/{database}",
        )
    if "no pg_hba.conf entry" in text:
        return (
            "PostgreSQL does not accept this client (no pg_hba.conf entry)",
            "add a pg_hba.conf line for this host, user and database on the server, then reload it",
        )
    if "permission denied for database" in text or "connect privilege" in text:
        return (
            "the PostgreSQL user may not connect to this database",
            f"GRANT CONNECT ON DATABASE {database} TO {user}, or use another user",
        )
    if "failed to resolve host" in text or "could not translate host name" in text:
        return (
            "cannot resolve the PostgreSQL host name",
            "check the host in [storage] url",
        )
    if "timeout expired" in text:
        return (
            f"no answer from PostgreSQL at {where}",
            "is it running, and may this machine reach it (firewall)? check [storage] url",
        )
    return None


__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "MIGRATIONS_DIR",
    "alembic_config",
    "check_revision",
    "create_engine",
    "explain",
    "lock_article",
    "migrate",
    "read",
    "redact",
    "translate",
    "upsert",
    "write",
]
