"""Storage: everything SecureMeet keeps, in SQLite or PostgreSQL, behind
:class:`commands.ports.Store`.

``SECUREMEET_DB`` is a SQLite path (the embedded default: one process, one file, no
set-up) or a ``postgresql://`` URL (any number of replicas sharing one database). The
composition root needs only this module::

    store = open_store(config.db_path)      # migrated; a SqliteStore or PostgresStore
    ok, why = store.ready()                 # GET /readyz
    describe(config.db_path)                # securemeet doctor: never the password
    migrate(config.db_path)                 # securemeet migrate: the version reached

Errors: opening raises ``FileNotFoundError`` (a SQLite path in a missing directory),
``sqlite3.Error``, ``psycopg.Error`` (PostgreSQL refused: bad credentials, no such
database) or ``psycopg_pool.PoolTimeout`` (PostgreSQL did not answer); none of their
messages holds the password. See ``docs/STORAGE.md``.
"""

from __future__ import annotations

from commands.ports import Store
from storage.dsn import describe, is_postgres
from storage.schema import SCHEMA_VERSION


def open_store(dsn: str, *, migrate: bool = True, pool_size: int | None = None) -> Store:
    """The store for ``SECUREMEET_DB``: :class:`~storage.sqlite_store.SqliteStore` for a
    path, :class:`~storage.postgres.PostgresStore` for a URL, with a pool of up to
    ``pool_size`` connections (default ``storage.postgres.pool.DEFAULT_POOL_SIZE``, 10;
    ignored for SQLite). ``migrate``: bring the schema up to date first, safely when
    several processes start at once. PostgreSQL is imported only when asked for."""
    if is_postgres(dsn):
        from storage.postgres import PostgresStore
        from storage.postgres.pool import DEFAULT_POOL_SIZE

        size = DEFAULT_POOL_SIZE if pool_size is None else pool_size
        return PostgresStore(dsn, migrate=migrate, pool_size=size)
    from storage.sqlite_store import SqliteStore

    return SqliteStore(dsn, migrate=migrate)


def migrate(dsn: str) -> int:
    """Apply pending migrations (under the backend's lock); the schema version reached,
    ``SCHEMA_VERSION`` for a build that matches the database."""
    if is_postgres(dsn):
        from storage.postgres import migrate_dsn

        return migrate_dsn(dsn)
    from storage.sqlite_store import SqliteStore

    store = SqliteStore(dsn, migrate=False)
    try:
        return store.migrate()
    finally:
        store.close()


__all__ = ["SCHEMA_VERSION", "describe", "is_postgres", "migrate",
           "open_store"]
