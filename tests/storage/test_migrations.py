"""Migrations on both backends: the same numbered list, applied once even when several
processes open one new database at the same instant, under each backend's lock; and
what ``open_store``, ``migrate``, ``describe`` and ``ready`` promise the bot."""

from __future__ import annotations

import logging
import multiprocessing
import os
import stat
import threading
import time

import psycopg
import pytest

import storage
from storage.postgres import PostgresStore
from storage.postgres import migrations as pg_migrations
from storage.schema import MIGRATION_NAMES, SCHEMA_VERSION
from storage.sqlite_store import SqliteStore
from tests.storage.migrate_worker import open_when_released


@pytest.fixture
def new_database(backend, tmp_path, request):
    """``new_database()``: the DSN of a database that does not exist yet (SQLite) or is
    empty (PostgreSQL), dropped afterwards."""
    made: list[str] = []
    postgres = request.getfixturevalue("postgres") if backend == "postgresql" else None

    def new() -> str:
        if backend == "sqlite":
            dsn = str(tmp_path / f"new-{len(made)}.db")
        else:
            dsn = postgres.create_database("new")
        made.append(dsn)
        return dsn

    yield new
    if backend == "postgresql":
        for dsn in made:
            postgres.drop_database(dsn)


def test_both_backends_have_the_same_numbered_migrations():
    assert pg_migrations.NAMES == MIGRATION_NAMES
    assert SCHEMA_VERSION == len(MIGRATION_NAMES) == 8
    assert [name[:4] for name in MIGRATION_NAMES] == [f"m{i:03}" for i in range(1, 9)]


def test_migrate_reaches_the_version_once_and_the_store_is_then_ready(new_database, backend):
    dsn = new_database()
    store = storage.open_store(dsn, migrate=False)
    try:
        ok, why = store.ready()
        assert not ok and "run `securemeet migrate`" in why and f"needs {SCHEMA_VERSION}" in why
        assert storage.migrate(dsn) == SCHEMA_VERSION
        assert storage.migrate(dsn) == SCHEMA_VERSION  # nothing left: a no-op
        assert store.ready() == (True, f"{backend}, schema version {SCHEMA_VERSION}")
        assert store.backend == backend
    finally:
        store.close()


def test_replicas_starting_at_the_same_instant_all_come_up(new_database, backend):
    """Today's bug, measured from outside: two or three replicas on one new SQLite file
    crashed in about half the runs ("database is locked", "table … already exists")."""
    ctx = multiprocessing.get_context("spawn")
    for _ in range(2 if backend == "sqlite" else 1):
        dsn, processes = new_database(), 4
        start, results = ctx.Barrier(processes), ctx.Queue()
        workers = [ctx.Process(target=open_when_released, args=(dsn, start, results))
                   for _ in range(processes)]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=10)
        assert outcomes == [("ok", True, f"{backend}, schema version {SCHEMA_VERSION}")] * 4


def test_a_migration_waits_for_the_lock_another_process_holds(new_database, backend):
    dsn = new_database()
    if backend == "sqlite":
        import sqlite3

        holder = sqlite3.connect(dsn, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # SQLite's write lock, as a migrating process
        release = lambda: holder.execute("ROLLBACK")  # noqa: E731
    else:
        holder = psycopg.connect(dsn, autocommit=True)
        holder.execute("SELECT pg_advisory_lock(%s)", [pg_migrations.MIGRATION_LOCK])
        release = lambda: holder.execute("SELECT pg_advisory_unlock(%s)",  # noqa: E731
                                         [pg_migrations.MIGRATION_LOCK])
    reached: list[int] = []
    migrating = threading.Thread(target=lambda: reached.append(storage.migrate(dsn)))
    try:
        migrating.start()
        time.sleep(0.5)
        assert reached == [] and migrating.is_alive()
        release()
        migrating.join(timeout=30)
        assert reached == [SCHEMA_VERSION]
    finally:
        holder.close()


def test_open_store_picks_the_backend_from_the_dsn(tmp_path, pg_dsn):
    sqlite = storage.open_store(str(tmp_path / "x.db"))
    postgres = storage.open_store(pg_dsn, migrate=False, pool_size=1)
    try:
        assert isinstance(sqlite, SqliteStore) and sqlite.backend == "sqlite"
        assert isinstance(postgres, PostgresStore) and postgres.backend == "postgresql"
    finally:
        sqlite.close()
        postgres.close()


@pytest.mark.parametrize(("dsn", "shown"), [
    ("postgresql://sm:s3cret@db.internal:6432/securemeet?sslmode=require",
     "postgresql://sm@db.internal:6432/securemeet"),
    ("postgres://sm:s3cret@db/securemeet", "postgresql://sm@db:5432/securemeet"),
    ("postgresql://sm@/securemeet?host=/run/pg&password=s3cret",
     "postgresql://sm@/securemeet?host=/run/pg"),
    ("postgresql://sm:s3cret@[bad", "postgresql (SECUREMEET_DB is not a valid URL)"),
])
def test_describe_shows_where_never_the_password(dsn, shown):
    assert storage.is_postgres(dsn)
    assert storage.describe(dsn) == shown
    assert "s3cret" not in repr(storage.describe(dsn))


def test_describe_a_sqlite_path(tmp_path):
    assert not storage.is_postgres("securemeet.db")
    assert storage.describe(str(tmp_path / "s.db")) == f"sqlite {tmp_path / 's.db'}"
    assert storage.describe(":memory:") == "sqlite (in memory)"


def test_a_postgresql_that_does_not_answer_fails_without_showing_the_password():
    with pytest.raises(psycopg.OperationalError) as caught:
        storage.open_store("postgresql://sm:s3cret@127.0.0.1:9/securemeet?connect_timeout=2")
    assert "s3cret" not in str(caught.value)


def test_ready_says_when_postgresql_stops_answering(postgres, monkeypatch):
    from storage.postgres import store as pg_store

    monkeypatch.setattr(pg_store, "READY_TIMEOUT_S", 0.5)
    dsn = postgres.create_database("gone")
    store = PostgresStore(dsn, pool_size=1)
    try:
        assert store.ready()[0]
        postgres.drop_database(dsn)  # terminates its connections too
        ok, why = store.ready()
        assert not ok and why.startswith("PostgreSQL does not answer")
        assert repr(store) == f"PostgresStore({storage.describe(dsn)!r})"
    finally:
        store.close()


# SQLite's file ---------------------------------------------------------------------------

def test_the_sqlite_file_and_its_wal_and_shm_are_readable_by_their_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        store = SqliteStore(tmp_path / "private.db")
        store.claim("k", at=datetime_now())
        modes = {suffix: stat.S_IMODE(os.stat(f"{tmp_path / 'private.db'}{suffix}").st_mode)
                 for suffix in ("", "-wal", "-shm")}
        assert store.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        store.close()
    finally:
        os.umask(old)
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_an_existing_file_others_can_read_is_reported_not_changed(tmp_path, caplog):
    path = tmp_path / "shared.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    with caplog.at_level(logging.WARNING, logger="securemeet.storage"):
        SqliteStore(path).close()
    assert "chmod 600" in caplog.text and stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_sqlite_path_in_a_missing_directory_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="directory does not exist"):
        SqliteStore(tmp_path / "nowhere" / "s.db")


def datetime_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


