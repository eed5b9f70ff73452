"""The SQLite implementation of :class:`commands.ports.Store`: the embedded default.

One connection per thread (the server runs blocking work in a thread pool), all to one
file in WAL mode so readers never wait for the writer. ``busy_timeout`` makes a
writer wait for another instead of failing with "database is locked".

Several processes may open one file, even a new one, at the same instant: the journal
mode is switched to WAL with retries (that switch does not wait on SQLite's busy
handler), and migrations run inside ``BEGIN IMMEDIATE``, so one process migrates while
the others wait for its commit, then find nothing left to do. The file holds emails
and names, so it is created readable by its owner only (0600); SQLite gives its
``-wal`` and ``-shm`` files the same mode.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

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
from storage import live as live_db
from storage import sqlite_work as work
from storage import stats as rollups
from storage import teams
from storage.schema import MIGRATION_NAMES, SCHEMA_VERSION, migrations

log = logging.getLogger("securemeet.storage")

BUSY_TIMEOUT_MS = 5000
# How long a process waits for another one's migrations (a rollup rebuild over a large
# file can take a while) before giving up with "database is locked".
MIGRATION_WAIT_MS = 120_000


def iso(moment: datetime | None) -> str | None:
    """UTC ISO text: it sorts as time does, so range queries can use the indexes."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class SqliteStore:
    """Everything SecureMeet keeps, in one SQLite file (``SECUREMEET_DB=<path>``)."""

    backend = "sqlite"

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._now: sqlite3.Connection | None = None  # accept_now's, never waits
        self._now_lock = threading.Lock()
        _create_private(self.path)
        if migrate:
            self.migrate()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _use_wal(conn)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            db = Database(conn)
            self._local.db = db
            with self._lock:
                self._all.append(conn)
        return db

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._now = None
        self._local = threading.local()

    # schema -------------------------------------------------------------------------
    def migrate(self) -> int:
        """Apply what is pending under the write lock; the schema version reached."""
        db = self.db
        if migrations.pending(db):  # a read: a file already current takes no lock
            db.conn.execute(f"PRAGMA busy_timeout = {MIGRATION_WAIT_MS}")
            try:
                with work.immediate(db.conn):
                    migrations.apply(db)  # each migration in a savepoint of this one
            finally:
                db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return self.schema_version()

    def schema_version(self) -> int:
        """How many of the migrations are applied (``SCHEMA_VERSION`` when current)."""
        return len(migrations.applied(self.db))

    def ready(self) -> tuple[bool, str]:
        try:
            applied = {m.name for m in migrations.applied(self.db)}
        except sqlite3.Error as exc:
            return False, f"the SQLite database does not answer: {exc}"
        missing = [name for name in MIGRATION_NAMES if name not in applied]
        if missing:
            return False, (f"schema version {len(applied)}, this build needs "
                           f"{SCHEMA_VERSION}: run `securemeet migrate`")
        return True, f"sqlite, schema version {len(applied)}"

    # meetings -----------------------------------------------------------------------
    def save_meeting(self, record: MeetingRecord, *, settles: str | None = None) -> bool:
        with self.db.atomic():
            if settles is not None and self.db.execute(
                    "delete from pending_creates where key = ? and owner is null",
                    [settles]).rowcount != 1:
                return False  # a sweep settled or claimed the intent first: nothing saved
            self.db["meetings"].upsert(_meeting_row(record), pk="meeting_id")
        return True

    def get_meeting(self, meeting_id: int) -> MeetingRecord | None:
        rows = list(self.db["meetings"].rows_where("meeting_id = ?", [meeting_id]))
        return _meeting(rows[0]) if rows else None

    def meetings_for(self, host_email: str, *, since: datetime) -> list[MeetingRecord]:
        rows = self.db["meetings"].rows_where(
            "lower(host_email) = lower(?) and start_time >= ?", [host_email, iso(since)],
            order_by="start_time")
        return [_meeting(r) for r in rows]

    # events -------------------------------------------------------------------------
    def add_event(self, event: Event) -> None:
        self.db["events"].insert({
            "kind": event.kind, "at": iso(event.at), "actor": event.actor,
            "platform": event.platform, "meeting_id": event.meeting_id,
            "outcome": event.outcome, "data": json.dumps(dict(event.data), default=str),
        })

    def events(self, *, since: datetime | None = None, kinds: Iterable[str] = ()) -> list[Event]:
        where, args = ["1 = 1"], []
        if since is not None:
            where.append("at >= ?")
            args.append(iso(since))
        kinds = list(kinds)
        if kinds:
            where.append(f"kind in ({', '.join('?' for _ in kinds)})")
            args += kinds
        rows = self.db["events"].rows_where(" and ".join(where), args, order_by="id")
        return [Event(r["kind"], parse_iso(r["at"]), r["actor"] or "", r["platform"] or "",
                      r["meeting_id"], r["outcome"] or "", json.loads(r["data"] or "{}"))
                for r in rows]

    # stats --------------------------------------------------------------------------
    def stats(self, *, since: datetime | None, until: datetime) -> StatsFigures:
        """Figures for the UTC days from ``since`` to ``until``, inclusive, from the
        rollups the triggers keep (``storage/stats.py``); one read snapshot."""
        with self.db.atomic():
            return rollups.query(self.db.conn, until=until.astimezone(UTC).date(),
                                 since=since.astimezone(UTC).date() if since else None)

    def recount(self, *, since: date | None, until: date) -> StatsFigures:
        """The same figures counted the slow way from every row (tests, benchmarks)."""
        with self.db.atomic():
            return rollups.recount(self.db.conn, since=since, until=until)

    def rebuild_rollups(self) -> None:
        """Recount every rollup from ``meetings`` and ``events``, in one transaction."""
        with work.immediate(self.db.conn):
            rollups.rebuild(self.db.conn)

    # de-duplication -----------------------------------------------------------------
    def claim(self, key: str, *, at: datetime) -> bool:
        return _claim(self.db.conn, key, at)

    # creates in flight (commands/recovery.py) --------------------------------------
    def add_pending(self, pending: PendingCreate) -> None:
        self.db["pending_creates"].insert({
            "key": pending.key, "host_email": pending.host_email, "topic": pending.topic,
            "fingerprint": pending.fingerprint, "requester": pending.requester,
            "platform": pending.platform, "at": work.stamp(pending.at)}, pk="key")

    def clear_pending(self, key: str) -> bool:
        return self.db.execute("delete from pending_creates where key = ?",
                               [key]).rowcount == 1

    def pending_creates(self, *, before: datetime) -> list[PendingCreate]:
        rows = self.db["pending_creates"].rows_where("at < ?", [work.stamp(before)],
                                                     order_by="at")
        return [PendingCreate(r["key"], r["host_email"], r["topic"], r["fingerprint"],
                              r["requester"], r["platform"], parse_iso(r["at"]))
                for r in rows]

    # chat requests in flight (commands/recovery.py) --------------------------------
    def open_request(self, request: OpenRequest) -> None:
        _open_request(self.db.conn, request)

    def accept(self, request: OpenRequest) -> bool:
        return _accept(self.db.conn, request)

    def accept_now(self, request: OpenRequest) -> bool | None:
        """On a connection of its own that never waits: a write lock held elsewhere
        fails at once (None) instead of sleeping in SQLite's busy handler, and it never
        runs a checkpoint (a checkpoint fsyncs the file: the other connections run
        them, off the event loop)."""
        if self.path in ("", ":memory:"):
            return None  # a new connection would be another database
        if not self._now_lock.acquire(blocking=False):
            return None  # another event loop is using it
        try:
            if self._now is None:
                self._now = sqlite3.connect(self.path, isolation_level=None,
                                            check_same_thread=False)
                self._now.execute("PRAGMA busy_timeout = 0")
                self._now.execute("PRAGMA wal_autocheckpoint = 0")
                with self._lock:
                    self._all.append(self._now)
            return _accept(self._now, request)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            raise
        finally:
            self._now_lock.release()

    def close_request(self, key: str) -> bool:
        return self.db.execute("delete from open_requests where key = ?",
                               [key]).rowcount == 1

    def open_requests(self, *, before: datetime) -> list[OpenRequest]:
        rows = self.db["open_requests"].rows_where("at < ?", [work.stamp(before)], order_by="at")
        return [OpenRequest(r["key"], r["requester"], r["platform"], r["command"],
                            parse_iso(r["at"])) for r in rows]

    # passcode reuse -----------------------------------------------------------------
    def passcode_fingerprints(self, host_email: str) -> set[str]:
        rows = self.db.execute(
            "select fingerprint from passcode_fingerprints where host_email = ?",
            [host_email.lower()]).fetchall()
        return {r[0] for r in rows}

    def add_passcode_fingerprint(self, host_email: str, fingerprint: str) -> None:
        self.db.execute("insert or ignore into passcode_fingerprints values (?, ?, ?)",
                        [host_email.lower(), fingerprint, iso(datetime.now(UTC))])

    # people -------------------------------------------------------------------------
    def save_person(self, person: Person) -> None:
        self.db["people"].upsert({
            "user": person.user, "email": person.email, "tz": person.tz,
            "is_admin": int(person.is_admin), "name": person.name,
            "fetched_at": iso(person.fetched_at or datetime.now(UTC)),
        }, pk="user")

    def get_person(self, user: str) -> Person | None:
        rows = list(self.db["people"].rows_where("user = ?", [user]))
        if not rows:
            return None
        r = rows[0]
        return Person(r["user"], r["email"], r["tz"], bool(r["is_admin"]), r["name"] or "",
                      parse_iso(r["fetched_at"]))

    # sharing privately ----------------------------------------------------------------
    def save_invitations(self, invitations: Sequence[Invitation]) -> None:
        with self.db.atomic():
            for inv in invitations:
                self.db.execute(
                    "insert or ignore into invitations (meeting_id, user, email, name, tz, at) "
                    "values (?, ?, ?, ?, ?, ?)",
                    [inv.meeting_id, inv.user, inv.email.lower(), inv.name, inv.tz,
                     iso(inv.at or datetime.now(UTC))])

    def invitations(self, meeting_id: int) -> list[Invitation]:
        rows = self.db.execute(
            "select meeting_id, user, email, name, tz, at from invitations "
            "where meeting_id = ? order by rowid", [meeting_id]).fetchall()
        return [Invitation(r[0], r[1], r[2] or "", r[3] or "", r[4] or "", parse_iso(r[5]))
                for r in rows]

    def learn_join_host(self, host: str, *, at: datetime) -> None:
        self.db.execute("insert or ignore into join_hosts (host, at) values (?, ?)",
                        [host.lower(), iso(at)])

    def join_hosts(self) -> frozenset[str]:
        return frozenset(r[0] for r in self.db.execute("select host from join_hosts"))

    # Teams conversation references (storage/teams.py) --------------------------------
    def save_teams_conversation(self, ref: TeamsConversation) -> None:
        teams.save(self.db, ref)

    def forget_teams_conversation(self, conversation_id: str) -> int:
        return teams.forget(self.db, conversation_id)

    def teams_conversations(self, user: str) -> list[TeamsConversation]:
        return teams.for_user(self.db, user)

    def teams_users_with_email(self, email: str) -> list[str]:
        return teams.users_with_email(self.db, email)

    # live meetings (Zoom webhooks, storage/live.py) ------------------------------------
    def live_watch(self, meeting_id: int) -> Watch | None:
        return live_db.watch(self.db, meeting_id)

    def live_state(self, uuid: str) -> tuple[LiveState | None, int]:
        return live_db.get(self.db, uuid)

    def live_save(self, state: LiveState, *, version: int, claim: str | None, at: datetime,
                  timeline: Sequence[TimelineEntry] = (), events: Sequence[Event] = ()) -> str:
        return live_db.save(self.db, state, version=version, claim=claim, at=at,
                            timeline=timeline, events=events)

    def live_open(self, *, since: datetime) -> list[LiveState]:
        return live_db.open_states(self.db, since=since)

    def timeline(self, meeting_id: int) -> list[dict[str, Any]]:
        return live_db.timeline(self.db, meeting_id)

    # work several replicas share (storage/sqlite_work.py) -------------------------------
    def set_timer(self, key: str, due_at: datetime, *,
                  data: Mapping[str, Any] = NO_DATA) -> None:
        work.set_timer(self.db.conn, key, due_at, data)

    def clear_timer(self, key: str) -> bool:
        return work.clear_timer(self.db.conn, key)

    def claim_due_timers(self, *, now: datetime, owner: str, lease: timedelta,
                         limit: int) -> list[Timer]:
        return work.claim_due_timers(self.db.conn, now=now, owner=owner, lease=lease,
                                     limit=limit)

    def done_timer(self, key: str, owner: str) -> bool:
        return work.done_timer(self.db.conn, key, owner)

    def claim_pending_creates(self, *, before: datetime, now: datetime, owner: str,
                              lease: timedelta, limit: int) -> list[PendingCreate]:
        return work.claim_pending_creates(self.db.conn, before=before, now=now, owner=owner,
                                          lease=lease, limit=limit)

    def claim_open_requests(self, *, before: datetime, now: datetime, owner: str,
                            lease: timedelta, limit: int) -> list[OpenRequest]:
        return work.claim_open_requests(self.db.conn, before=before, now=now, owner=owner,
                                        lease=lease, limit=limit)

    def release_pending(self, key: str, owner: str) -> bool:
        return work.release_pending(self.db.conn, key, owner)

    def try_lease(self, name: str, *, owner: str, now: datetime, seconds: float) -> bool:
        return work.try_lease(self.db.conn, name, owner=owner, now=now, seconds=seconds)

    def release_lease(self, name: str, owner: str) -> bool:
        return work.release_lease(self.db.conn, name, owner)

    def put_shared(self, name: str, value: bytes, *, expires_at: datetime) -> None:
        work.put_shared(self.db.conn, name, value, expires_at=expires_at)

    def get_shared(self, name: str) -> tuple[bytes, datetime] | None:
        return work.get_shared(self.db.conn, name)

    def take_rate(self, bucket: str, *, rate: float, burst: int, now: datetime) -> float:
        return work.take_rate(self.db.conn, bucket, rate=rate, burst=burst, now=now)

    # audits -------------------------------------------------------------------------
    def add_audit(self, meeting_id: int, actor: str, at: datetime, level: str,
                  compliant: bool, results: dict[str, str]) -> None:
        self.db["audits"].insert({"meeting_id": meeting_id, "actor": actor, "at": iso(at),
                                  "policy_level": level, "compliant": int(compliant),
                                  "results": json.dumps(results)})


def _create_private(path: str) -> None:
    """Create a new database file readable by its owner only (it holds emails and
    names); SQLite then creates ``-wal`` and ``-shm`` with the same mode. An existing
    file keeps its mode, with a warning when others may read it."""
    if path in ("", ":memory:") or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        mode = os.stat(path).st_mode
        if mode & 0o077:
            log.warning("The database %s can be read by other users (mode %o); it holds "
                        "names and emails: chmod 600 it.", path, mode & 0o777)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"Cannot create the SQLite database {path}: its directory does not exist. "
            "Create it, or set SECUREMEET_DB to a path in an existing directory.") from None


def _claim(conn: sqlite3.Connection, key: str, at: datetime) -> bool:
    return conn.execute("insert or ignore into claims (key, at) values (?, ?)",
                        [key, iso(at)]).rowcount == 1


def _accept(conn: sqlite3.Connection, request: OpenRequest) -> bool:
    with work.immediate(conn):
        if not _claim(conn, request.key, request.at):
            return False
        _open_request(conn, request)
    return True


def _open_request(conn: sqlite3.Connection, request: OpenRequest) -> None:
    # plain SQL, not sqlite-utils' insert (which reads the table's columns first): this
    # is on the path to every acknowledgement (accept)
    conn.execute("insert or replace into open_requests (key, requester, platform, command, "
                 "at) values (?, ?, ?, ?, ?)", [request.key, request.requester,
                                                request.platform, request.command,
                                                work.stamp(request.at)])


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch a new file to WAL. The switch needs an exclusive lock and does not wait on
    the busy handler, so processes opening one new file at once retry it (until the busy
    timeout) instead of failing with "database is locked"."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _meeting_row(r: MeetingRecord) -> dict[str, Any]:
    return {
        "meeting_id": r.meeting_id, "host_email": r.host_email, "requester": r.requester,
        "platform": r.platform, "topic": r.topic, "start_time": iso(r.start_time),
        "duration_min": r.duration_min, "timezone": r.timezone, "recurrence": r.recurrence,
        "policy_level": r.policy_level, "policy_version": r.policy_version,
        "compliant": int(r.compliant), "failed_rules": json.dumps(list(r.failed_rules)),
        "created_at": iso(r.created_at), "sandbox": int(r.sandbox),
        "join_url_public": r.join_url_public,
    }


def _meeting(row: dict[str, Any]) -> MeetingRecord:
    return MeetingRecord(
        meeting_id=row["meeting_id"], host_email=row["host_email"], requester=row["requester"],
        platform=row["platform"], topic=row["topic"], start_time=parse_iso(row["start_time"]),
        duration_min=row["duration_min"], timezone=row["timezone"], recurrence=row["recurrence"],
        policy_level=row["policy_level"], policy_version=row["policy_version"],
        compliant=bool(row["compliant"]), failed_rules=tuple(json.loads(row["failed_rules"])),
        created_at=parse_iso(row["created_at"]), sandbox=bool(row["sandbox"]),
        join_url_public=row["join_url_public"] or "",
    )
