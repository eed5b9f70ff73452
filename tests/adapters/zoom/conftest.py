"""Stores for the Zoom client's shared state (token, rate budget, cache versions), on both
backends: ``replicas`` opens stores on one database, as replicas of one deployment do.
Test ids end in ``[sqlite]`` or ``[postgresql]``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storage.postgres import PostgresStore, migrate_dsn
from storage.sqlite_store import SqliteStore
from tests.postgres import PostgresServer
from tests.storage.conftest import empty_postgres

Replicas = Callable[[], Any]


@pytest.fixture(scope="session")
def zoom_pg_dsn(postgres: PostgresServer) -> str:
    dsn = postgres.create_database("zoomshared")
    migrate_dsn(dsn)
    return dsn


@pytest.fixture(params=["sqlite", "postgresql"])
def replicas(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Replicas]:
    """``replicas()``: one more store on the test's database (emptied at the start)."""
    opened: list[Any] = []
    if request.param == "postgresql":
        dsn = request.getfixturevalue("zoom_pg_dsn")
        empty_postgres(dsn)

    def open_() -> Any:
        if request.param == "sqlite":
            store: Any = SqliteStore(tmp_path / "shared.db")
        else:
            store = PostgresStore(dsn, migrate=False, pool_size=4)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()
