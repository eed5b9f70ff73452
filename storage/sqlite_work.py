"""What several processes share, on SQLite: durable timers, leased sweeps, named leases,
shared values and rate budgets (the protocols ``TimerStore``, ``SweepStore``,
``LeaseStore``, ``SharedStore`` and ``RateStore`` in :mod:`commands.ports`).

Tables (migration ``m007_shared_work``)::

    timers(key PK, due_at, data, owner, lease_until)
    leases(name PK, owner, expires_at)
    shared_values(name PK, value BLOB, expires_at, updated_at)
    rate_buckets(bucket PK, tokens REAL, updated_at)
    pending_creates, open_requests: + owner, lease_until

Every claim reads and writes inside ``BEGIN IMMEDIATE``: SQLite lets one writer in at
a time, so the rows a caller picks cannot be picked by another until it commits, and
then they carry its lease. That is the guarantee PostgreSQL's ``FOR UPDATE SKIP
LOCKED`` gives (``storage/postgres/work.py``), minus the concurrency. Times are UTC ISO
text to the microsecond, one fixed width, so text order is time order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlite_utils import Database

from commands.records import OpenRequest, PendingCreate, Timer
from storage import buckets


def create(db: Database) -> None:
    """The tables (called from a migration in ``storage/schema.py``)."""
    db["timers"].create({"key": str, "due_at": str, "data": str, "owner": str,
                         "lease_until": str}, pk="key", not_null={"due_at", "data"})
    db["timers"].create_index(["due_at"])
    db["leases"].create({"name": str, "owner": str, "expires_at": str}, pk="name",
                        not_null={"owner", "expires_at"})
    db["shared_values"].create({"name": str, "value": bytes, "expires_at": str,
                                "updated_at": str}, pk="name",
                               not_null={"value", "expires_at"})
    db["rate_buckets"].create({"bucket": str, "tokens": float, "updated_at": str},
                              pk="bucket", not_null={"tokens", "updated_at"})
    for table in ("pending_creates", "open_requests"):
        db[table].add_column("owner", str)
        db[table].add_column("lease_until", str)


def stamp(moment: datetime) -> str:
    """UTC ISO text to the microsecond: one width, so it sorts as time does."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """A transaction that holds SQLite's write lock from its first statement, so what it
    reads cannot change before it writes (waits up to the busy timeout for the lock)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# durable timers --------------------------------------------------------------------------

def set_timer(conn: sqlite3.Connection, key: str, due_at: datetime,
              data: Mapping[str, Any]) -> None:
    conn.execute(
        "INSERT INTO timers (key, due_at, data, owner, lease_until) VALUES (?, ?, ?, NULL, NULL) "
        "ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, data = excluded.data, "
        "owner = NULL, lease_until = NULL", [key, stamp(due_at), json.dumps(dict(data))])


def clear_timer(conn: sqlite3.Connection, key: str) -> bool:
    return conn.execute("DELETE FROM timers WHERE key = ?", [key]).rowcount == 1


def claim_due_timers(conn: sqlite3.Connection, *, now: datetime, owner: str,
                     lease: timedelta, limit: int) -> list[Timer]:
    rows = _claim(conn, "timers", "key, due_at, data", "due_at <= ?", [stamp(now)],
                  order="due_at, key", now=now, owner=owner, lease=lease, limit=limit)
    return [Timer(r[0], datetime.fromisoformat(r[1]), json.loads(r[2])) for r in rows]


def done_timer(conn: sqlite3.Connection, key: str, owner: str) -> bool:
    return conn.execute("DELETE FROM timers WHERE key = ? AND owner = ?",
                        [key, owner]).rowcount == 1


# the sweep's work ---------------------------------------------------------------------------

def claim_pending_creates(conn: sqlite3.Connection, *, before: datetime, now: datetime,
                          owner: str, lease: timedelta, limit: int) -> list[PendingCreate]:
    rows = _claim(conn, "pending_creates",
                  "key, host_email, topic, fingerprint, requester, platform, at", "at < ?",
                  [stamp(before)], order="at, key", now=now, owner=owner, lease=lease,
                  limit=limit)
    return [PendingCreate(*r[:6], datetime.fromisoformat(r[6])) for r in rows]


def claim_open_requests(conn: sqlite3.Connection, *, before: datetime, now: datetime,
                        owner: str, lease: timedelta, limit: int) -> list[OpenRequest]:
    rows = _claim(conn, "open_requests", "key, requester, platform, command, at", "at < ?",
                  [stamp(before)], order="at, key", now=now, owner=owner, lease=lease,
                  limit=limit)
    return [OpenRequest(*r[:4], datetime.fromisoformat(r[4])) for r in rows]


def release_pending(conn: sqlite3.Connection, key: str, owner: str) -> bool:
    return conn.execute("UPDATE pending_creates SET owner = NULL, lease_until = NULL "
                        "WHERE key = ? AND owner = ?", [key, owner]).rowcount == 1


def _claim(conn: sqlite3.Connection, table: str, columns: str, where: str,
           args: Sequence[Any], *, order: str, now: datetime, owner: str, lease: timedelta,
           limit: int) -> list[tuple[Any, ...]]:
    """Pick up to ``limit`` rows that match and whose lease is free or run out, and lease
    them to ``owner``, in one write transaction. ``columns`` starts with the key."""
    if limit < 1:
        return []
    with immediate(conn):
        rows = conn.execute(
            f"SELECT {columns} FROM {table} WHERE {where} "
            f"AND (lease_until IS NULL OR lease_until <= ?) ORDER BY {order} LIMIT ?",
            [*args, stamp(now), limit]).fetchall()
        conn.executemany(f"UPDATE {table} SET owner = ?, lease_until = ? WHERE key = ?",
                         [(owner, stamp(now + lease), r[0]) for r in rows])
    return rows


# named leases ---------------------------------------------------------------------------

def try_lease(conn: sqlite3.Connection, name: str, *, owner: str, now: datetime,
              seconds: float) -> bool:
    cur = conn.execute(
        "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
        "expires_at = excluded.expires_at "
        "WHERE leases.owner = excluded.owner OR leases.expires_at <= ?",
        [name, owner, stamp(now + timedelta(seconds=seconds)), stamp(now)])
    return cur.rowcount == 1


def release_lease(conn: sqlite3.Connection, name: str, owner: str) -> bool:
    return conn.execute("DELETE FROM leases WHERE name = ? AND owner = ?",
                        [name, owner]).rowcount == 1


# shared values ----------------------------------------------------------------------------

def put_shared(conn: sqlite3.Connection, name: str, value: bytes, *,
               expires_at: datetime) -> None:
    conn.execute(
        "INSERT INTO shared_values (name, value, expires_at, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
        "expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        [name, bytes(value), stamp(expires_at), stamp(datetime.now(UTC))])


def get_shared(conn: sqlite3.Connection, name: str) -> tuple[bytes, datetime] | None:
    row = conn.execute("SELECT value, expires_at FROM shared_values WHERE name = ?",
                       [name]).fetchone()
    return (bytes(row[0]), datetime.fromisoformat(row[1])) if row else None


# rate budgets -----------------------------------------------------------------------------

def take_rate(conn: sqlite3.Connection, bucket: str, *, rate: float, burst: int,
              now: datetime) -> float:
    with immediate(conn):
        row = conn.execute("SELECT tokens, updated_at FROM rate_buckets WHERE bucket = ?",
                           [bucket]).fetchone()
        after = buckets.take(row[0] if row else None,
                             datetime.fromisoformat(row[1]) if row else None,
                             rate=rate, burst=burst, now=now)
        conn.execute(
            "INSERT INTO rate_buckets (bucket, tokens, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, "
            "updated_at = excluded.updated_at", [bucket, after.tokens, stamp(after.updated_at)])
    return after.wait
