"""Alembic environment of the store.

`syndication.store.db.migrate()` runs this with `config.attributes["connection"]` set: a
connection already inside the write transaction (and, on PostgreSQL, holding the migration
advisory lock), so the whole upgrade commits or rolls back as one. Run from the `alembic`
command line instead, it connects to `sqlalchemy.url` itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from syndication.store.schema import metadata

config = context.config


def _run(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables for later revisions.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url, or migrate through syndication.store.open_store")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run them online")
run_migrations_online()
