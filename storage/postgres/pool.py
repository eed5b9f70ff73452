"""Connections to PostgreSQL: psycopg 3, pooled by psycopg_pool.

Why a pool: the server runs store calls on a bounded thread pool (``bot/pool.py``,
16 threads by default); a call holds a connection for milliseconds, so a pool of
:data:`DEFAULT_POOL_SIZE` serves them without opening a connection per request, and
caps what one replica asks of the server's ``max_connections`` (three replicas at the
default: 30 of PostgreSQL's default 100). The pool checks a connection before handing
it out, so one that died with a server restart or failover is replaced, not used.

Connections are in autocommit mode: one statement is one transaction, and the store
opens an explicit ``conn.transaction()`` where several statements must be one. They
need no session settings: every time is written and read as ``timestamptz`` and
converted to UTC in Python, and every UTC day is computed with ``AT TIME ZONE 'UTC'``.

Two adaptations make PostgreSQL accept what SQLite accepts: a NUL character (which a
chat message can carry, and PostgreSQL text cannot) is stored as U+FFFD, and a float
that JSON cannot carry (NaN, ±inf) is stored in JSON as its text.
"""

from __future__ import annotations

import json
import math
from typing import Any

import psycopg
from psycopg.types.json import set_json_dumps
from psycopg.types.string import StrDumperUnknown
from psycopg_pool import ConnectionPool

DEFAULT_POOL_SIZE = 10
CONNECT_TIMEOUT_S = 10  # opening a connection, and the pool's first connections
CHECKOUT_TIMEOUT_S = 10.0  # waiting for a free connection before failing a call


class NulFreeStr(StrDumperUnknown):
    """Python text to PostgreSQL text, a NUL (which PostgreSQL rejects) as U+FFFD."""

    def dump(self, obj: str) -> bytes | bytearray | memoryview | None:
        return super().dump(obj.replace("\x00", "\ufffd"))


def _jsonable(value: Any) -> Any:
    """``value`` with every NUL in its text replaced and non-finite floats as text:
    ``jsonb`` refuses ``\\u0000`` and ``NaN``."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {_jsonable(str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON for ``json``/``jsonb`` columns; what JSON cannot carry is written as text."""
    return json.dumps(_jsonable(value), default=str, separators=(",", ":"),
                      ensure_ascii=False)


def configure(conn: psycopg.Connection[Any]) -> None:
    """Per connection: the adaptations above (no SQL is run)."""
    conn.adapters.register_dumper(str, NulFreeStr)
    set_json_dumps(dumps, conn)


def connect(dsn: str) -> psycopg.Connection[Any]:
    """One autocommit connection outside the pool (migrations take a session lock)."""
    conn = psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    configure(conn)
    return conn


def open_pool(dsn: str, *, size: int = DEFAULT_POOL_SIZE) -> ConnectionPool[Any]:
    """A pool of up to ``size`` connections, two of them opened now (so the first
    requests do not pay for connecting: "ready means warm"). Raises
    ``psycopg_pool.PoolTimeout`` when the server does not answer in time."""
    if size < 1:
        raise ValueError(f"a connection pool needs at least 1 connection, not {size}")
    pool: ConnectionPool[Any] = ConnectionPool(
        dsn, min_size=min(2, size), max_size=size, open=False, name="securemeet",
        kwargs={"autocommit": True}, configure=configure,
        check=ConnectionPool.check_connection, timeout=CHECKOUT_TIMEOUT_S)
    try:
        pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except BaseException:
        pool.close()
        raise
    return pool
