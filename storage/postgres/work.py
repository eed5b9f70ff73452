"""What replicas share, on PostgreSQL: durable timers, leased sweeps, named leases,
shared values and rate budgets (``TimerStore``, ``SweepStore``, ``LeaseStore``,
``SharedStore`` and ``RateStore`` in :mod:`commands.ports`).

Claims are one statement each: ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED
LIMIT n)``. The inner select locks the rows it returns and passes over rows another
transaction has locked, so concurrent claimers take disjoint rows without waiting on
each other; the update then writes the lease before the locks are released. A row
whose lease has run out is free again, so work a dead replica held comes back.
The same tables on SQLite: ``storage/sqlite_work.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from commands.records import OpenRequest, PendingCreate, Timer
from storage import buckets
from storage.postgres import times

# durable timers -----------------------------------------------------------------------------


def set_timer(conn: psycopg.Connection[Any], key: str, due_at: datetime,
              data: Mapping[str, Any]) -> None:
    conn.execute(
        "INSERT INTO timers (key, due_at, data, owner, lease_until) "
        "VALUES (%s, %s, %s, NULL, NULL) "
        "ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, data = excluded.data, "
        "owner = NULL, lease_until = NULL", [key, times.exact(due_at), Jsonb(dict(data))])


def clear_timer(conn: psycopg.Connection[Any], key: str) -> bool:
    return conn.execute("DELETE FROM timers WHERE key = %s", [key]).rowcount == 1


def claim_due_timers(conn: psycopg.Connection[Any], *, now: datetime, owner: str,
                     lease: timedelta, limit: int) -> list[Timer]:
    rows = _claim(conn, "timers", "key, due_at, data", "due_at <= %s", [times.exact(now)],
                  order="due_at, key", now=now, owner=owner, lease=lease, limit=limit)
    return sorted((Timer(r[0], times.out(r[1]), r[2]) for r in rows),  # type: ignore[arg-type]
                  key=lambda t: (t.due_at, t.key))


def done_timer(conn: psycopg.Connection[Any], key: str, owner: str) -> bool:
    return conn.execute("DELETE FROM timers WHERE key = %s AND owner = %s",
                        [key, owner]).rowcount == 1


# the sweep's work ---------------------------------------------------------------------------

def claim_pending_creates(conn: psycopg.Connection[Any], *, before: datetime,
                          now: datetime, owner: str, lease: timedelta,
                          limit: int) -> list[PendingCreate]:
    rows = _claim(conn, "pending_creates",
                  "key, host_email, topic, fingerprint, requester, platform, at", "at < %s",
                  [times.exact(before)], order="at, key", now=now, owner=owner, lease=lease,
                  limit=limit)
    found = [PendingCreate(*r[:6], times.out(r[6])) for r in rows]  # type: ignore[arg-type]
    return sorted(found, key=lambda p: (p.at, p.key))


def claim_open_requests(conn: psycopg.Connection[Any], *, before: datetime, now: datetime,
                        owner: str, lease: timedelta, limit: int) -> list[OpenRequest]:
    rows = _claim(conn, "open_requests", "key, requester, platform, command, at", "at < %s",
                  [times.exact(before)], order="at, key", now=now, owner=owner, lease=lease,
                  limit=limit)
    found = [OpenRequest(*r[:4], times.out(r[4])) for r in rows]  # type: ignore[arg-type]
    return sorted(found, key=lambda o: (o.at, o.key))


def release_pending(conn: psycopg.Connection[Any], key: str, owner: str) -> bool:
    return conn.execute("UPDATE pending_creates SET owner = NULL, lease_until = NULL "
                        "WHERE key = %s AND owner = %s", [key, owner]).rowcount == 1


def _claim(conn: psycopg.Connection[Any], table: str, columns: str, where: str,
           args: Sequence[Any], *, order: str, now: datetime, owner: str, lease: timedelta,
           limit: int) -> list[tuple[Any, ...]]:
    """Lease up to ``limit`` matching rows whose lease is free or run out to ``owner``;
    rows another claimer holds locked are skipped, not waited for. ``RETURNING`` gives
    no order: callers sort."""
    if limit < 1:
        return []
    returning = ", ".join(f"t.{c.strip()}" for c in columns.split(","))
    return conn.execute(
        f"UPDATE {table} AS t SET owner = %s, lease_until = %s "
        f"FROM (SELECT key FROM {table} WHERE {where} "
        f"AND (lease_until IS NULL OR lease_until <= %s) ORDER BY {order} LIMIT %s "
        f"FOR UPDATE SKIP LOCKED) AS picked WHERE t.key = picked.key RETURNING {returning}",
        [owner, times.exact(now + lease), *args, times.exact(now), limit]).fetchall()


# named leases ---------------------------------------------------------------------------

def try_lease(conn: psycopg.Connection[Any], name: str, *, owner: str, now: datetime,
              seconds: float) -> bool:
    cur = conn.execute(
        "INSERT INTO leases (name, owner, expires_at) VALUES (%s, %s, %s) "
        "ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, "
        "expires_at = excluded.expires_at "
        "WHERE leases.owner = excluded.owner OR leases.expires_at <= %s",
        [name, owner, times.exact(now + timedelta(seconds=seconds)), times.exact(now)])
    return cur.rowcount == 1


def release_lease(conn: psycopg.Connection[Any], name: str, owner: str) -> bool:
    return conn.execute("DELETE FROM leases WHERE name = %s AND owner = %s",
                        [name, owner]).rowcount == 1


# shared values ----------------------------------------------------------------------------

def put_shared(conn: psycopg.Connection[Any], name: str, value: bytes, *,
               expires_at: datetime) -> None:
    conn.execute(
        "INSERT INTO shared_values (name, value, expires_at, updated_at) "
        "VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
        "expires_at = excluded.expires_at, updated_at = excluded.updated_at",
        [name, bytes(value), times.exact(expires_at), datetime.now(UTC)])


def get_shared(conn: psycopg.Connection[Any], name: str) -> tuple[bytes, datetime] | None:
    row = conn.execute("SELECT value, expires_at FROM shared_values WHERE name = %s",
                       [name]).fetchone()
    return (bytes(row[0]), times.out(row[1])) if row else None  # type: ignore[return-value]


# rate budgets -----------------------------------------------------------------------------

def take_rate(conn: psycopg.Connection[Any], bucket: str, *, rate: float, burst: int,
              now: datetime) -> float:
    """One transaction: lock the row (made full on a bucket's first use), take, write it
    back. Callers on other replicas queue on the row lock for the few statements this
    takes; the insert is one more round trip, paid only once per bucket."""
    lock = "SELECT tokens, updated_at FROM rate_buckets WHERE bucket = %s FOR UPDATE"
    with conn.transaction():
        row = conn.execute(lock, [bucket]).fetchone()
        if row is None:  # first use; a replica inserting at once makes this wait, then skip
            conn.execute("INSERT INTO rate_buckets (bucket, tokens, updated_at) "
                         "VALUES (%s, %s, %s) ON CONFLICT (bucket) DO NOTHING",
                         [bucket, float(burst), times.exact(now)])
            row = conn.execute(lock, [bucket]).fetchone()
        assert row is not None  # inserted above, and rows here are never deleted
        after = buckets.take(row[0], times.out(row[1]), rate=rate, burst=burst, now=now)
        conn.execute("UPDATE rate_buckets SET tokens = %s, updated_at = %s WHERE bucket = %s",
                     [after.tokens, times.exact(after.updated_at), bucket])
    return after.wait
