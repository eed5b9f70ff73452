"""Live meetings (Zoom webhooks): each instance's state, and its timeline.

Tables (migration ``m004_live_meetings``)::

    live_meetings(meeting_uuid PK, meeting_id, version, state, started_at, ended_at,
                  peak, ended_for_all, updated_at)
        One row per meeting instance (Zoom's ``uuid``): ``state`` is
        :meth:`commands.live.LiveState.to_data` as JSON (participants' seats, nudges sent);
        the other columns repeat what queries need. ``version`` makes a save a
        compare-and-set, so two workers (or two replicas) that read the same state
        cannot both apply their change: the second one reloads and tries again.
    timeline(id, meeting_id, meeting_uuid, at, kind, data)
        started, risk_alert, nudge, ended (with ``peak`` and ``ended_for_all``).

:func:`save` is one transaction: the webhook's de-duplication claim (``claims``), the
state, the timeline lines and the stats events (``events``: ``meeting_started``,
``meeting_ended``), so a retried event either finds its claim and changes nothing, or
finds none and applies whole. No names, passcodes or links are stored here, apart
from the display names of people still waiting (dropped when they leave the room).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import CONFLICT, DUPLICATE, SAVED, Event


def create(db: Database) -> None:
    """The tables (called from a migration in ``storage/schema.py``)."""
    db["live_meetings"].create({
        "meeting_uuid": str, "meeting_id": int, "version": int, "state": str,
        "started_at": str, "ended_at": str, "peak": int, "ended_for_all": int,
        "updated_at": str,
    }, pk="meeting_uuid")
    db["live_meetings"].create_index(["meeting_id"])
    db["live_meetings"].create_index(["ended_at", "updated_at"])
    db["timeline"].create({
        "id": int, "meeting_id": int, "meeting_uuid": str, "at": str, "kind": str,
        "data": str,
    }, pk="id")
    db["timeline"].create_index(["meeting_id", "id"])


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _state(text: str) -> LiveState:
    return LiveState.from_data(json.loads(text))


def _encode(state: LiveState) -> str:
    return json.dumps(state.to_data(), separators=(",", ":"), ensure_ascii=False)


def get(db: Database, uuid: str) -> tuple[LiveState | None, int]:
    row = db.execute("select state, version from live_meetings where meeting_uuid = ?",
                     [uuid]).fetchone()
    return (_state(row[0]), int(row[1])) if row else (None, 0)


def save(db: Database, state: LiveState, *, version: int, claim: str | None, at: datetime,
         timeline: Sequence[TimelineEntry] = (), events: Sequence[Event] = ()) -> str:
    """Apply one step atomically: ``saved``, ``duplicate`` (the claim was taken: nothing
    changed) or ``conflict`` (someone saved since ``version`` was read: reload, retry)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        if claim is not None:
            cur = conn.execute("INSERT OR IGNORE INTO claims (key, at) VALUES (?, ?)",
                               [claim, _iso(at)])
            if cur.rowcount != 1:
                conn.execute("ROLLBACK")
                return DUPLICATE
        columns = [state.meeting_id, _encode(state), _iso(state.started_at),
                   _iso(state.ended_at), state.peak,
                   None if state.ended_for_all is None else int(state.ended_for_all), _iso(at)]
        if version == 0:
            try:
                conn.execute(
                    "INSERT INTO live_meetings (meeting_id, state, started_at, ended_at, peak, "
                    "ended_for_all, updated_at, meeting_uuid, version) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", [*columns, state.uuid])
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK")
                return CONFLICT
        else:
            cur = conn.execute(
                "UPDATE live_meetings SET meeting_id = ?, state = ?, started_at = ?, "
                "ended_at = ?, peak = ?, ended_for_all = ?, updated_at = ?, "
                "version = version + 1 WHERE meeting_uuid = ? AND version = ?",
                [*columns, state.uuid, version])
            if cur.rowcount != 1:
                conn.execute("ROLLBACK")
                return CONFLICT
        for line in timeline:
            conn.execute(
                "INSERT INTO timeline (meeting_id, meeting_uuid, at, kind, data) "
                "VALUES (?, ?, ?, ?, ?)",
                [state.meeting_id, state.uuid, _iso(line.at), line.kind,
                 json.dumps(dict(line.data))])
        for event in events:
            conn.execute(
                "INSERT INTO events (kind, at, actor, platform, meeting_id, outcome, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [event.kind, event.at.astimezone(UTC).isoformat(timespec="seconds"),
                 event.actor, event.platform, event.meeting_id, event.outcome,
                 json.dumps(dict(event.data), default=str)])
        conn.execute("COMMIT")
        return SAVED
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def open_states(db: Database, *, since: datetime) -> list[LiveState]:
    """Instances not ended that changed since ``since`` (to restart their timers)."""
    rows = db.execute("SELECT state FROM live_meetings WHERE ended_at IS NULL "
                      "AND updated_at >= ? ORDER BY updated_at", [_iso(since)]).fetchall()
    return [_state(r[0]) for r in rows]


def watch(db: Database, meeting_id: int) -> Watch | None:
    row = db.execute("SELECT requester, platform, topic FROM meetings WHERE meeting_id = ?",
                     [meeting_id]).fetchone()
    if row:
        return Watch(row[0] or "", row[1] or "", row[2] or "", "scheduled")
    row = db.execute("SELECT actor, platform FROM events WHERE kind = 'audit' AND "
                     "meeting_id = ? AND actor != '' ORDER BY id DESC LIMIT 1",
                     [meeting_id]).fetchone()
    if row:
        return Watch(row[0], row[1] or "", "", "audited")
    return None


def timeline(db: Database, meeting_id: int) -> list[dict[str, Any]]:
    rows = db.execute("SELECT meeting_uuid, at, kind, data FROM timeline WHERE meeting_id = ? "
                      "ORDER BY id", [meeting_id]).fetchall()
    return [{"uuid": r[0], "at": datetime.fromisoformat(r[1]), "kind": r[2],
             "data": json.loads(r[3] or "{}")} for r in rows]
