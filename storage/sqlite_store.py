"""The SQLite implementation of :class:`commands.ports.Store`.

One connection per thread (the server runs blocking work in a thread pool), all to one
file in WAL mode so readers never wait for the writer. ``busy_timeout`` makes a
writer wait for another instead of failing with "database is locked".
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import (
    Event,
    MeetingRecord,
    OpenRequest,
    PendingCreate,
    Person,
    TeamsConversation,
)
from commands.stats_model import StatsFigures
from storage import live as live_db
from storage import stats as rollups
from storage import teams
from storage.schema import migrations

BUSY_TIMEOUT_MS = 5000


def iso(moment: datetime | None) -> str | None:
    """UTC ISO text: it sorts as time does, so range queries can use the indexes."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _iso_us(moment: datetime) -> str:
    """As :func:`iso`, to the microsecond: an intent's age is measured in seconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class SqliteStore:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        migrations.apply(self.db)

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                   check_same_thread=False, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
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
        self._local = threading.local()

    # meetings -----------------------------------------------------------------------
    def save_meeting(self, record: MeetingRecord, *, settles: str | None = None) -> bool:
        with self.db.atomic():
            if settles is not None and self.db.execute(
                    "delete from pending_creates where key = ?", [settles]).rowcount != 1:
                return False  # a sweep settled the intent first: nothing saved
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

    # de-duplication -----------------------------------------------------------------
    def claim(self, key: str, *, at: datetime) -> bool:
        cur = self.db.execute("insert or ignore into claims (key, at) values (?, ?)",
                              [key, iso(at)])
        return cur.rowcount == 1

    # creates in flight (commands/recovery.py) --------------------------------------
    def add_pending(self, pending: PendingCreate) -> None:
        self.db["pending_creates"].insert({
            "key": pending.key, "host_email": pending.host_email, "topic": pending.topic,
            "fingerprint": pending.fingerprint, "requester": pending.requester,
            "platform": pending.platform, "at": _iso_us(pending.at)}, pk="key")

    def clear_pending(self, key: str) -> bool:
        return self.db.execute("delete from pending_creates where key = ?",
                               [key]).rowcount == 1

    def pending_creates(self, *, before: datetime) -> list[PendingCreate]:
        rows = self.db["pending_creates"].rows_where("at < ?", [_iso_us(before)],
                                                     order_by="at")
        return [PendingCreate(r["key"], r["host_email"], r["topic"], r["fingerprint"],
                              r["requester"], r["platform"], parse_iso(r["at"]))
                for r in rows]

    # chat requests in flight (commands/recovery.py) --------------------------------
    def open_request(self, request: OpenRequest) -> None:
        self.db["open_requests"].insert({
            "key": request.key, "requester": request.requester, "platform": request.platform,
            "command": request.command, "at": _iso_us(request.at)}, pk="key", replace=True)

    def close_request(self, key: str) -> bool:
        return self.db.execute("delete from open_requests where key = ?",
                               [key]).rowcount == 1

    def open_requests(self, *, before: datetime) -> list[OpenRequest]:
        rows = self.db["open_requests"].rows_where("at < ?", [_iso_us(before)], order_by="at")
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

    # Teams conversation references (storage/teams.py) --------------------------------
    def save_teams_conversation(self, ref: TeamsConversation) -> None:
        teams.save(self.db, ref)

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

    # audits -------------------------------------------------------------------------
    def add_audit(self, meeting_id: int, actor: str, at: datetime, level: str,
                  compliant: bool, results: dict[str, str]) -> None:
        self.db["audits"].insert({"meeting_id": meeting_id, "actor": actor, "at": iso(at),
                                  "policy_level": level, "compliant": int(compliant),
                                  "results": json.dumps(results)})


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
