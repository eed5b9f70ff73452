"""Live meetings (Zoom webhooks) on PostgreSQL: the same tables and steps as
``storage/live.py``, whose docstring explains them.

:func:`save` is one transaction. Under PostgreSQL's default isolation (read committed)
its checks still hold against a concurrent writer: a second insert of the same
de-duplication claim waits for the first transaction and then finds the key taken
(``ON CONFLICT DO NOTHING`` inserts nothing); a second ``UPDATE … WHERE version = n``
waits for the row lock, then re-reads the row, finds ``version`` moved on, and updates
nothing. Either way the step reports ``duplicate`` or ``conflict`` and rolls back whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Json, Jsonb

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import CONFLICT, DUPLICATE, SAVED, Event
from storage.postgres import times


class _Undo(Exception):
    """Leave the transaction, rolled back, answering ``outcome``."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def get(conn: psycopg.Connection[Any], uuid: str) -> tuple[LiveState | None, int]:
    row = conn.execute("SELECT state, version FROM live_meetings WHERE meeting_uuid = %s",
                       [uuid]).fetchone()
    return (LiveState.from_data(row[0]), int(row[1])) if row else (None, 0)


def save(conn: psycopg.Connection[Any], state: LiveState, *, version: int,
         claim: str | None, at: datetime, timeline: Sequence[TimelineEntry] = (),
         events: Sequence[Event] = ()) -> str:
    """Apply one step atomically: ``saved``, ``duplicate`` (the claim was taken: nothing
    changed) or ``conflict`` (someone saved since ``version`` was read: reload, retry)."""
    try:
        with conn.transaction():
            _save(conn, state, version=version, claim=claim, at=at, timeline=timeline,
                  events=events)
    except _Undo as undo:
        return undo.outcome
    return SAVED


def _save(conn: psycopg.Connection[Any], state: LiveState, *, version: int,
          claim: str | None, at: datetime, timeline: Sequence[TimelineEntry],
          events: Sequence[Event]) -> None:
    if claim is not None and conn.execute(
            "INSERT INTO claims (key, at) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
            [claim, times.exact(at)]).rowcount != 1:
        raise _Undo(DUPLICATE)
    columns = [state.meeting_id, Json(state.to_data()), times.maybe_exact(state.started_at),
               times.maybe_exact(state.ended_at), state.peak, state.ended_for_all,
               times.exact(at)]
    if version == 0:
        cur = conn.execute(
            "INSERT INTO live_meetings (meeting_id, state, started_at, ended_at, peak, "
            "ended_for_all, updated_at, meeting_uuid, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 1) "
            "ON CONFLICT (meeting_uuid) DO NOTHING", [*columns, state.uuid])
    else:
        cur = conn.execute(
            "UPDATE live_meetings SET meeting_id = %s, state = %s, started_at = %s, "
            "ended_at = %s, peak = %s, ended_for_all = %s, updated_at = %s, "
            "version = version + 1 WHERE meeting_uuid = %s AND version = %s",
            [*columns, state.uuid, version])
    if cur.rowcount != 1:
        raise _Undo(CONFLICT)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO timeline (meeting_id, meeting_uuid, at, kind, data) "
            "VALUES (%s, %s, %s, %s, %s)",
            [(state.meeting_id, state.uuid, times.exact(line.at), line.kind,
              Jsonb(dict(line.data))) for line in timeline])
        cur.executemany(
            "INSERT INTO events (kind, at, actor, platform, meeting_id, outcome, data) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(e.kind, times.seconds(e.at), e.actor, e.platform, e.meeting_id, e.outcome,
              Jsonb(dict(e.data))) for e in events])


def open_states(conn: psycopg.Connection[Any], *, since: datetime) -> list[LiveState]:
    """Instances not ended that changed since ``since`` (to restart their timers)."""
    rows = conn.execute("SELECT state FROM live_meetings WHERE ended_at IS NULL "
                        "AND updated_at >= %s ORDER BY updated_at", [times.exact(since)])
    return [LiveState.from_data(r[0]) for r in rows]


def watch(conn: psycopg.Connection[Any], meeting_id: int) -> Watch | None:
    row = conn.execute("SELECT requester, platform, topic FROM meetings "
                       "WHERE meeting_id = %s", [meeting_id]).fetchone()
    if row:
        return Watch(row[0] or "", row[1] or "", row[2] or "", "scheduled")
    row = conn.execute("SELECT actor, platform FROM events WHERE kind = 'audit' AND "
                       "meeting_id = %s AND actor <> '' ORDER BY id DESC LIMIT 1",
                       [meeting_id]).fetchone()
    if row:
        return Watch(row[0], row[1] or "", "", "audited")
    return None


def timeline(conn: psycopg.Connection[Any], meeting_id: int) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT meeting_uuid, at, kind, data FROM timeline "
                        "WHERE meeting_id = %s ORDER BY id", [meeting_id])
    return [{"uuid": r[0], "at": times.out(r[1]), "kind": r[2], "data": r[3] or {}}
            for r in rows]
