"""A real PostgreSQL 16 for tests: ``pgserver`` (PyPI) bundles the binaries and starts a
cluster in about a second, without root or a system package, so ``./dev test`` still
needs only Python. One server per test session (``tests/conftest.py``: ``postgres``);
each test gets an emptied database (``tests/storage/conftest.py``).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

_names = itertools.count(1)


class PostgresServer:
    """A throwaway cluster in a new temporary directory, stopped and deleted by
    :meth:`stop` (stopped at exit otherwise).

    Not under pytest's ``tmp_path_factory``: each pytest session deletes all but the
    three newest session directories, so a run started by someone else on the same
    machine would delete this cluster's files under the running server."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="securemeet-pg-"))
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); pgserver
            # only keeps a lock file there.
            warnings.simplefilter("ignore")
            import pgserver

            self._server: Any = pgserver.get_server(self.root, cleanup_mode="stop")

    def dsn(self, dbname: str = "postgres") -> str:
        """A ``postgresql://`` URL (a Unix socket; the superuser ``postgres``)."""
        return str(self._server.get_uri(dbname))

    def create_database(self, prefix: str = "t") -> str:
        """A new, empty database; its URL."""
        name = f"{prefix}_{next(_names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn(name)

    def drop_database(self, dsn: str) -> None:
        name = conninfo_to_dict(dsn)["dbname"]
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        self._server.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)
