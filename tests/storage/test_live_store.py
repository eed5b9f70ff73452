"""Live meetings on both backends (storage/live.py, storage/postgres/live.py): one
transaction per step, compare-and-set, the de-duplication claim, whom to nudge, and the
stats the events feed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from commands.live import LiveState, TimelineEntry, Watch
from commands.records import Event, MeetingRecord
from tests.storage.conftest import sql

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def state(**kw) -> LiveState:
    return LiveState(meeting_id=85746065432, uuid="u1", first_seen_at=NOW, **kw)


def count(store, table: str) -> int:
    return sql(store, f"select count(*) from {table}")[0][0]


def test_a_step_is_saved_whole_once(store):
    first = state(started_at=NOW)
    lines = (TimelineEntry(NOW, "started"),)
    events = (Event("meeting_started", NOW, "zoom", "slack", 85746065432, "started"),)
    assert store.live_save(first, version=0, claim="k1", at=NOW, timeline=lines,
                           events=events) == "saved"
    assert store.live_state("u1") == (first, 1)
    # The same delivery again: nothing changes.
    assert store.live_save(replace(first, peak=9), version=1, claim="k1", at=NOW,
                           timeline=lines, events=events) == "duplicate"
    assert store.live_state("u1") == (first, 1)
    assert (count(store, "timeline"), count(store, "events"), count(store, "claims")) == (1, 1, 1)


def test_a_racing_writer_gets_a_conflict_and_leaves_no_trace(store):
    assert store.live_save(state(), version=0, claim="a", at=NOW) == "saved"
    assert store.live_save(state(peak=1), version=1, claim="b", at=NOW) == "saved"
    stale = store.live_save(state(peak=5), version=1, claim="c", at=NOW,
                            timeline=(TimelineEntry(NOW, "nudge"),))
    assert stale == "conflict"
    assert store.live_state("u1") == (state(peak=1), 2)
    assert count(store, "timeline") == 0
    # Its claim was rolled back with it, so the retry on the fresh version goes through.
    assert store.live_save(state(peak=5), version=2, claim="c", at=NOW) == "saved"
    # Two first writers of the same instance: the second conflicts.
    assert store.live_save(state(), version=0, claim="d", at=NOW) == "conflict"


def test_ended_meetings_feed_the_stats(store):
    ended = state(started_at=NOW, ended_at=NOW + timedelta(hours=1), ended_for_all=False,
                  peak=4)
    event = Event("meeting_ended", NOW + timedelta(hours=1), "zoom", "slack", 85746065432,
                  "left_running", {"ended_for_all": False, "peak": 4})
    store.live_save(ended, version=0, claim=None, at=NOW, events=(event,))
    figures = store.stats(since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))
    assert (figures.left_running, figures.ended_for_all) == (1, 0)
    ((peak, for_all, ended_at),) = sql(store, "select peak, ended_for_all, ended_at "
                                              "from live_meetings")
    assert (peak, for_all) == (4, False)
    if isinstance(ended_at, str):  # SQLite keeps ISO text
        ended_at = datetime.fromisoformat(ended_at)
    assert ended_at == NOW + timedelta(hours=1)


def test_only_open_meetings_get_their_timers_back(store):
    store.live_save(state(), version=0, claim=None, at=NOW)
    store.live_save(replace(state(), uuid="u2", ended_at=NOW), version=0, claim=None, at=NOW)
    store.live_save(replace(state(), uuid="u3"), version=0, claim=None,
                    at=NOW - timedelta(days=3))
    assert [s.uuid for s in store.live_open(since=NOW - timedelta(days=1))] == ["u1"]


def record(meeting_id: int, requester: str) -> MeetingRecord:
    return MeetingRecord(meeting_id, "host@example.com", requester, requester.split(":")[0],
                         "Budget review", NOW, 45, "UTC", None, "standard", "1", True, (),
                         NOW)


def test_whom_to_nudge(store):
    store.save_meeting(record(111111111, "slack:T1:U1"))
    store.add_event(Event("audit", NOW, "teams:aad-1", "teams", 222222222, "compliant"))
    store.add_event(Event("audit", NOW, "slack:T1:U9", "slack", 222222222, "compliant"))
    store.add_event(Event("audit", NOW, "slack:T1:U9", "slack", 111111111, "compliant"))
    assert store.live_watch(111111111) == Watch("slack:T1:U1", "slack", "Budget review")
    assert store.live_watch(222222222) == Watch("slack:T1:U9", "slack", "", "audited")
    assert store.live_watch(333333333) is None


def test_the_timeline_reads_back_in_order(store):
    lines = (TimelineEntry(NOW, "started"),
             TimelineEntry(NOW + timedelta(minutes=1), "nudge", {"kind": "lock", "in": 3}))
    store.live_save(state(), version=0, claim=None, at=NOW, timeline=lines)
    assert [(x["kind"], x["at"], x["data"]) for x in store.timeline(85746065432)] == [
        ("started", NOW, {}), ("nudge", NOW + timedelta(minutes=1), {"kind": "lock", "in": 3})]
