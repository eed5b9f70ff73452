"""Every store test runs on both backends: the ``backend`` fixture is parametrized over
``sqlite`` and ``postgresql`` (test ids ``[sqlite]`` / ``[postgresql]``; select one with
``-k sqlite`` or ``-k postgresql``).

SQLite: a new file per store. PostgreSQL: one server per session (``postgres`` in
``tests/conftest.py``) and one database migrated once; a fresh store empties it
first (a ``DELETE`` per table with triggers off: about a millisecond, against a tenth
of a second for ``CREATE DATABASE … TEMPLATE``), so tests never see each other's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from commands.ports import Store
from storage.postgres import PostgresStore, migrate_dsn
from storage.sqlite_store import SqliteStore
from tests.postgres import PostgresServer

BACKENDS = ("sqlite", "postgresql")
OpenStore = Callable[..., Any]


@pytest.fixture(scope="session")
def pg_dsn(postgres: PostgresServer) -> str:
    """The session's test database, migrated once."""
    dsn = postgres.create_database("securemeet")
    migrate_dsn(dsn)
    return dsn


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def open_store(backend: str, tmp_path: Path,
               request: pytest.FixtureRequest) -> Iterator[OpenStore]:
    """``open_store()``: a store on an empty database. ``open_store(fresh=False)``:
    another store on the same database, as a second replica would open it. All are
    closed at the end of the test."""
    opened: list[Any] = []
    files = iter(tmp_path / f"store-{n}.db" for n in range(1_000_000))
    current: list[Any] = []

    def open_(*, fresh: bool = True) -> Any:
        if backend == "sqlite":
            if fresh or not current:
                current[:] = [next(files)]
            store: Any = SqliteStore(current[0])
        else:
            dsn = request.getfixturevalue("pg_dsn")
            if fresh:
                empty_postgres(dsn)
            store = PostgresStore(dsn, migrate=False, pool_size=4)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: OpenStore) -> Store:
    """A store of the parametrized backend, on an empty database."""
    return open_store()  # type: ignore[no-any-return]


def empty_postgres(dsn: str) -> None:
    """Delete every row but the migrations ledger, with triggers off (the rollups are
    emptied too, not decremented)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn, conn.transaction():
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'schema_migrations'")]
        conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("; ".join(f'DELETE FROM "{table}"' for table in tables))


def sql(store: Any, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run raw SQL (``?`` placeholders) on either backend, for what no store method
    shows: row counts, a delete behind the store's back, the rollup tables."""
    if isinstance(store, SqliteStore):
        return [tuple(r) for r in store.db.execute(query, list(params)).fetchall()]
    with store.connection() as conn:
        cur = conn.execute(query.replace("?", "%s"), list(params))
        return [tuple(r) for r in cur.fetchall()] if cur.description else []
