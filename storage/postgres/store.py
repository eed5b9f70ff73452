"""The PostgreSQL implementation of :class:`commands.ports.Store`, for several replicas.

Same semantics as :class:`storage.sqlite_store.SqliteStore`, method for method; the
one test suite in ``tests/storage`` runs against both. Each method takes a connection
from the pool for one statement (autocommit) or one explicit transaction, so no
connection is held between calls and any replica can serve any request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import (
    NO_DATA,
    Event,
    Invitation,
    MeetingRecord,
    OpenRequest,
    PendingCreate,
    Person,
    TeamsConversation,
    Timer,
)
from commands.stats_model import StatsFigures
from storage import stats as rollups
from storage.dsn import describe
from storage.postgres import live, migrations, times, work
from storage.postgres.pool import DEFAULT_POOL_SIZE, connect, open_pool

log = logging.getLogger("securemeet.storage")

READY_TIMEOUT_S = 2.0  # /readyz answers within this even when the database does not

_MEETING_COLUMNS = ("meeting_id, host_email, requester, platform, topic, start_time, "
                    "duration_min, timezone, recurrence, policy_level, policy_version, "
                    "compliant, failed_rules, created_at, sandbox, join_url_public")


# A request recorded open (again: a fresh row, no lease), from ``rows``.
_OPEN_REQUEST = (
    "INSERT INTO open_requests (key, requester, platform, command, at) {rows} "
    "ON CONFLICT (key) DO UPDATE SET requester = excluded.requester, "
    "platform = excluded.platform, command = excluded.command, at = excluded.at, "
    "owner = NULL, lease_until = NULL")


class PostgresStore:
    """Everything SecureMeet keeps, in PostgreSQL (``SECUREMEET_DB=postgresql://…``).

    ``migrate``: apply pending migrations first (under the advisory lock); without it,
    :meth:`ready` reports a schema that is behind. ``pool_size``: connections at most.
    """

    backend = "postgresql"

    def __init__(self, dsn: str, *, migrate: bool = True,
                 pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self._dsn = dsn  # may hold a password: only describe(dsn) is ever shown
        self.where = describe(dsn)
        if migrate:
            migrate_dsn(dsn)
        self._pool = open_pool(dsn, size=pool_size)

    def __repr__(self) -> str:
        return f"PostgresStore({self.where!r})"

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled autocommit connection, for this module and for tests."""
        with self._pool.connection() as conn:
            yield conn

    def close(self) -> None:
        self._pool.close()

    # schema -------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.connection() as conn:
            return len(migrations.applied(conn))

    def ready(self) -> tuple[bool, str]:
        try:
            with self._pool.connection(timeout=READY_TIMEOUT_S) as conn:
                applied = set(migrations.applied(conn))
        except (psycopg.Error, PoolTimeout) as exc:
            return False, f"PostgreSQL does not answer ({type(exc).__name__})"
        if not set(migrations.NAMES) <= applied:
            return False, (f"schema version {len(applied)}, this build needs "
                           f"{len(migrations.NAMES)}: run `securemeet migrate`")
        return True, f"postgresql, schema version {len(applied)}"

    # meetings -----------------------------------------------------------------------
    def save_meeting(self, record: MeetingRecord, *, settles: str | None = None) -> bool:
        with self.connection() as conn, conn.transaction():
            if settles is not None and conn.execute(
                    "DELETE FROM pending_creates WHERE key = %s AND owner IS NULL",
                    [settles]).rowcount != 1:
                return False  # a sweep settled or claimed the intent first: nothing saved
            conn.execute(
                f"INSERT INTO meetings ({_MEETING_COLUMNS}) VALUES ({_marks(16)}) "
                "ON CONFLICT (meeting_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in _MEETING_COLUMNS.split(", ")[1:]),
                _meeting_row(record))
        return True

    def get_meeting(self, meeting_id: int) -> MeetingRecord | None:
        with self.connection() as conn:
            row = conn.execute(f"SELECT {_MEETING_COLUMNS} FROM meetings "
                               "WHERE meeting_id = %s", [meeting_id]).fetchone()
        return _meeting(row) if row else None

    def meetings_for(self, host_email: str, *, since: datetime) -> list[MeetingRecord]:
        with self.connection() as conn:
            rows = conn.execute(
                f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE lower(host_email COLLATE "
                "\"C\") = lower(%s COLLATE \"C\") AND start_time >= %s ORDER BY start_time",
                [host_email, times.seconds(since)]).fetchall()
        return [_meeting(r) for r in rows]

    def add_audit(self, meeting_id: int, actor: str, at: datetime, level: str,
                  compliant: bool, results: dict[str, str]) -> None:
        with self.connection() as conn:
            conn.execute("INSERT INTO audits (meeting_id, actor, at, policy_level, compliant, "
                         "results) VALUES (%s, %s, %s, %s, %s, %s)",
                         [meeting_id, actor, times.seconds(at), level, compliant,
                          Jsonb(results)])

    def passcode_fingerprints(self, host_email: str) -> set[str]:
        with self.connection() as conn:
            rows = conn.execute("SELECT fingerprint FROM passcode_fingerprints "
                                "WHERE host_email = %s", [host_email.lower()])
            return {r[0] for r in rows}

    def add_passcode_fingerprint(self, host_email: str, fingerprint: str) -> None:
        with self.connection() as conn:
            conn.execute("INSERT INTO passcode_fingerprints (host_email, fingerprint, at) "
                         "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                         [host_email.lower(), fingerprint, times.seconds(datetime.now(UTC))])

    # events and stats -----------------------------------------------------------------
    def add_event(self, event: Event) -> None:
        with self.connection() as conn:
            conn.execute("INSERT INTO events (kind, at, actor, platform, meeting_id, outcome, "
                         "data) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         [event.kind, times.seconds(event.at), event.actor, event.platform,
                          event.meeting_id, event.outcome, Jsonb(dict(event.data))])

    def events(self, *, since: datetime | None = None, kinds: Iterable[str] = ()) -> list[Event]:
        where, args = ["true"], []
        if since is not None:
            where.append("at >= %s")
            args.append(times.seconds(since))
        kinds = list(kinds)
        if kinds:
            where.append("kind = ANY(%s)")
            args.append(kinds)
        with self.connection() as conn:
            rows = conn.execute("SELECT kind, at, actor, platform, meeting_id, outcome, data "
                                f"FROM events WHERE {' AND '.join(where)} ORDER BY id", args)
            return [Event(r[0], times.out(r[1]), r[2] or "", r[3] or "",  # type: ignore[arg-type]
                          r[4], r[5] or "", r[6] if r[6] is not None else {}) for r in rows]

    def stats(self, *, since: datetime | None, until: datetime) -> StatsFigures:
        """From the rollups (``storage/postgres/stats.py``), in one read snapshot."""
        with self._snapshot() as conn:
            return rollups.query(_Qmark(conn), until=until.astimezone(UTC).date(),
                                 since=since.astimezone(UTC).date() if since else None)

    def recount(self, *, since: date | None, until: date) -> StatsFigures:
        """The same figures counted the slow way from every row (tests, benchmarks)."""
        with self._snapshot() as conn:
            return rollups.recount(_Qmark(conn), since=since, until=until)

    def rebuild_rollups(self) -> None:
        """Recount every rollup from ``meetings`` and ``events``, in one transaction."""
        with self.connection() as conn, conn.transaction():
            conn.execute("SELECT rollup_rebuild()")

    @contextmanager
    def _snapshot(self) -> Iterator[psycopg.Connection[Any]]:
        with self.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    # de-duplication -----------------------------------------------------------------
    def claim(self, key: str, *, at: datetime) -> bool:
        with self.connection() as conn:
            return conn.execute("INSERT INTO claims (key, at) VALUES (%s, %s) "
                                "ON CONFLICT (key) DO NOTHING",
                                [key, times.seconds(at)]).rowcount == 1

    # creates and chat requests in flight (commands/recovery.py) --------------------------
    def add_pending(self, pending: PendingCreate) -> None:
        with self.connection() as conn:
            conn.execute("INSERT INTO pending_creates (key, host_email, topic, fingerprint, "
                         "requester, platform, at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                         [pending.key, pending.host_email, pending.topic, pending.fingerprint,
                          pending.requester, pending.platform, times.exact(pending.at)])

    def clear_pending(self, key: str) -> bool:
        with self.connection() as conn:
            return conn.execute("DELETE FROM pending_creates WHERE key = %s",
                                [key]).rowcount == 1

    def pending_creates(self, *, before: datetime) -> list[PendingCreate]:
        with self.connection() as conn:
            rows = conn.execute("SELECT key, host_email, topic, fingerprint, requester, "
                                "platform, at FROM pending_creates WHERE at < %s ORDER BY at",
                                [times.exact(before)])
            return [PendingCreate(*r[:6], times.out(r[6])) for r in rows]  # type: ignore[arg-type]

    def open_request(self, request: OpenRequest) -> None:
        with self.connection() as conn:
            conn.execute(_OPEN_REQUEST.format(rows="VALUES (%s, %s, %s, %s, %s)"),
                         [request.key, request.requester, request.platform, request.command,
                          times.exact(request.at)])

    def accept(self, request: OpenRequest) -> bool:
        # one statement: the request is inserted only from the claim's own new row
        with self.connection() as conn:
            return conn.execute(
                "WITH claimed AS (INSERT INTO claims (key, at) VALUES (%s, %s) "
                "ON CONFLICT (key) DO NOTHING RETURNING key) "
                + _OPEN_REQUEST.format(rows="SELECT key, %s, %s, %s, %s FROM claimed"),
                [request.key, times.seconds(request.at), request.requester,
                 request.platform, request.command, times.exact(request.at)]).rowcount == 1

    def accept_now(self, request: OpenRequest) -> bool | None:
        return None  # a network round trip: never on the caller's event loop

    def close_request(self, key: str) -> bool:
        with self.connection() as conn:
            return conn.execute("DELETE FROM open_requests WHERE key = %s",
                                [key]).rowcount == 1

    def open_requests(self, *, before: datetime) -> list[OpenRequest]:
        with self.connection() as conn:
            rows = conn.execute("SELECT key, requester, platform, command, at "
                                "FROM open_requests WHERE at < %s ORDER BY at",
                                [times.exact(before)])
            return [OpenRequest(*r[:4], times.out(r[4])) for r in rows]  # type: ignore[arg-type]

    # people and Teams conversation references -------------------------------------------
    def save_person(self, person: Person) -> None:
        with self.connection() as conn:
            conn.execute(
                'INSERT INTO people ("user", email, tz, is_admin, name, fetched_at) '
                "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (\"user\") DO UPDATE SET "
                "email = excluded.email, tz = excluded.tz, is_admin = excluded.is_admin, "
                "name = excluded.name, fetched_at = excluded.fetched_at",
                [person.user, person.email, person.tz, person.is_admin, person.name,
                 times.seconds(person.fetched_at or datetime.now(UTC))])

    def get_person(self, user: str) -> Person | None:
        with self.connection() as conn:
            r = conn.execute('SELECT "user", email, tz, is_admin, name, fetched_at '
                             'FROM people WHERE "user" = %s', [user]).fetchone()
        return Person(r[0], r[1], r[2], bool(r[3]), r[4] or "", times.out(r[5])) if r else None

    def save_teams_conversation(self, ref: TeamsConversation) -> None:
        with self.connection() as conn:
            conn.execute(
                'INSERT INTO teams_conversations (conversation_id, "user", kind, service_url, '
                "tenant_id, member_id, bot_id, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                'ON CONFLICT (conversation_id, "user") DO UPDATE SET kind = excluded.kind, '
                "service_url = excluded.service_url, tenant_id = excluded.tenant_id, "
                "member_id = excluded.member_id, bot_id = excluded.bot_id, "
                "updated_at = excluded.updated_at",
                [ref.conversation_id, ref.user, ref.kind, ref.service_url, ref.tenant_id,
                 ref.member_id, ref.bot_id, times.seconds(ref.updated_at or datetime.now(UTC))])

    def teams_conversations(self, user: str) -> list[TeamsConversation]:
        with self.connection() as conn:
            rows = conn.execute(
                'SELECT conversation_id, "user", kind, service_url, tenant_id, member_id, '
                'bot_id, updated_at FROM teams_conversations WHERE "user" = %s ORDER BY '
                "CASE kind WHEN 'personal' THEN 0 ELSE 1 END, updated_at DESC", [user])
            return [TeamsConversation(r[0], r[1], r[2], r[3], r[4] or "", r[5] or "",
                                      r[6] or "", times.out(r[7])) for r in rows]

    def teams_users_with_email(self, email: str) -> list[str]:
        with self.connection() as conn:
            rows = conn.execute(
                'SELECT "user" FROM people WHERE lower(email COLLATE "C") = '
                'lower(%s COLLATE "C") AND "user" LIKE \'teams:%%\' ORDER BY fetched_at DESC',
                [email])
            return [r[0] for r in rows]

    def forget_teams_conversation(self, conversation_id: str) -> int:
        with self.connection() as conn:
            return conn.execute("DELETE FROM teams_conversations WHERE conversation_id = %s",
                                [conversation_id.split(";")[0]]).rowcount

    # sharing privately ----------------------------------------------------------------
    def save_invitations(self, invitations: Sequence[Invitation]) -> None:
        with self.connection() as conn, conn.transaction():
            for inv in invitations:
                conn.execute(
                    'INSERT INTO invitations (meeting_id, "user", email, name, tz, at) '
                    "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    [inv.meeting_id, inv.user, inv.email.lower(), inv.name, inv.tz,
                     times.seconds(inv.at or datetime.now(UTC))])

    def invitations(self, meeting_id: int) -> list[Invitation]:
        with self.connection() as conn:
            rows = conn.execute(
                'SELECT meeting_id, "user", email, name, tz, at FROM invitations '
                "WHERE meeting_id = %s ORDER BY seq", [meeting_id]).fetchall()
        return [Invitation(r[0], r[1], r[2] or "", r[3] or "", r[4] or "", times.out(r[5]))
                for r in rows]

    def learn_join_host(self, host: str, *, at: datetime) -> None:
        with self.connection() as conn:
            conn.execute("INSERT INTO join_hosts (host, at) VALUES (%s, %s) "
                         "ON CONFLICT DO NOTHING", [host.lower(), times.seconds(at)])

    def join_hosts(self) -> frozenset[str]:
        with self.connection() as conn:
            return frozenset(r[0] for r in conn.execute("SELECT host FROM join_hosts"))

    # live meetings (Zoom webhooks, storage/postgres/live.py) -----------------------------
    def live_watch(self, meeting_id: int) -> Watch | None:
        with self.connection() as conn:
            return live.watch(conn, meeting_id)

    def live_state(self, uuid: str) -> tuple[LiveState | None, int]:
        with self.connection() as conn:
            return live.get(conn, uuid)

    def live_save(self, state: LiveState, *, version: int, claim: str | None, at: datetime,
                  timeline: Sequence[TimelineEntry] = (), events: Sequence[Event] = ()) -> str:
        with self.connection() as conn:
            return live.save(conn, state, version=version, claim=claim, at=at,
                             timeline=timeline, events=events)

    def live_open(self, *, since: datetime) -> list[LiveState]:
        with self.connection() as conn:
            return live.open_states(conn, since=since)

    def timeline(self, meeting_id: int) -> list[dict[str, Any]]:
        with self.connection() as conn:
            return live.timeline(conn, meeting_id)

    # work several replicas share (storage/postgres/work.py) -----------------------------
    def set_timer(self, key: str, due_at: datetime, *,
                  data: Mapping[str, Any] = NO_DATA) -> None:
        with self.connection() as conn:
            work.set_timer(conn, key, due_at, data)

    def clear_timer(self, key: str) -> bool:
        with self.connection() as conn:
            return work.clear_timer(conn, key)

    def claim_due_timers(self, *, now: datetime, owner: str, lease: timedelta,
                         limit: int) -> list[Timer]:
        with self.connection() as conn:
            return work.claim_due_timers(conn, now=now, owner=owner, lease=lease, limit=limit)

    def done_timer(self, key: str, owner: str) -> bool:
        with self.connection() as conn:
            return work.done_timer(conn, key, owner)

    def claim_pending_creates(self, *, before: datetime, now: datetime, owner: str,
                              lease: timedelta, limit: int) -> list[PendingCreate]:
        with self.connection() as conn:
            return work.claim_pending_creates(conn, before=before, now=now, owner=owner,
                                              lease=lease, limit=limit)

    def claim_open_requests(self, *, before: datetime, now: datetime, owner: str,
                            lease: timedelta, limit: int) -> list[OpenRequest]:
        with self.connection() as conn:
            return work.claim_open_requests(conn, before=before, now=now, owner=owner,
                                            lease=lease, limit=limit)

    def release_pending(self, key: str, owner: str) -> bool:
        with self.connection() as conn:
            return work.release_pending(conn, key, owner)

    def try_lease(self, name: str, *, owner: str, now: datetime, seconds: float) -> bool:
        with self.connection() as conn:
            return work.try_lease(conn, name, owner=owner, now=now, seconds=seconds)

    def release_lease(self, name: str, owner: str) -> bool:
        with self.connection() as conn:
            return work.release_lease(conn, name, owner)

    def put_shared(self, name: str, value: bytes, *, expires_at: datetime) -> None:
        with self.connection() as conn:
            work.put_shared(conn, name, value, expires_at=expires_at)

    def get_shared(self, name: str) -> tuple[bytes, datetime] | None:
        with self.connection() as conn:
            return work.get_shared(conn, name)

    def take_rate(self, bucket: str, *, rate: float, burst: int, now: datetime) -> float:
        with self.connection() as conn:
            return work.take_rate(conn, bucket, rate=rate, burst=burst, now=now)


def migrate_dsn(dsn: str, *, stop_before: str | None = None) -> int:
    """Bring the database at ``dsn`` up to date (under the advisory lock); the version."""
    with connect(dsn) as conn:
        return migrations.apply(conn, stop_before=stop_before)


class _Qmark:
    """A connection that takes SQLite's ``?`` placeholders, so the stats queries and the
    reference recount in ``storage/stats.py`` are written once for both backends."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        return self._conn.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))


def _marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def _meeting_row(r: MeetingRecord) -> list[Any]:
    return [r.meeting_id, r.host_email, r.requester, r.platform, r.topic,
            times.maybe_seconds(r.start_time), r.duration_min, r.timezone, r.recurrence,
            r.policy_level, r.policy_version, r.compliant, Jsonb(list(r.failed_rules)),
            times.maybe_seconds(r.created_at), r.sandbox, r.join_url_public]


def _meeting(row: Sequence[Any]) -> MeetingRecord:
    return MeetingRecord(
        meeting_id=row[0], host_email=row[1], requester=row[2], platform=row[3],
        topic=row[4], start_time=times.out(row[5]), duration_min=row[6], timezone=row[7],
        recurrence=row[8], policy_level=row[9], policy_version=row[10],
        compliant=bool(row[11]), failed_rules=tuple(row[12] or ()),
        created_at=times.out(row[13]), sandbox=bool(row[14]),  # type: ignore[arg-type]
        join_url_public=row[15] or "")
