"""The SQLite store: round trips, de-duplication, and no secrets in any row."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from commands.records import Event, MeetingRecord, Person
from storage.schema import SCHEMA_VERSION
from storage.sqlite_store import SqliteStore

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "t.db")
    yield s
    s.close()


def record(meeting_id=81234567890, **kw):
    base = dict(meeting_id=meeting_id, host_email="h@example.com", requester="console:h",
                platform="console", topic="Budget", start_time=NOW + timedelta(days=1),
                duration_min=45, timezone="UTC", recurrence=None, policy_level="standard",
                policy_version="v", compliant=True, failed_rules=(), created_at=NOW)
    base.update(kw)
    return MeetingRecord(**base)


def test_meeting_round_trip(store):
    store.save_meeting(record(failed_rules=("waiting-room",), compliant=False))
    got = store.get_meeting(81234567890)
    assert got == record(failed_rules=("waiting-room",), compliant=False)
    assert store.get_meeting(1) is None


def test_meetings_for_host_since(store):
    store.save_meeting(record(1_000_000_001, start_time=NOW - timedelta(days=1)))
    store.save_meeting(record(1_000_000_002))
    assert [m.meeting_id for m in store.meetings_for("H@example.com", since=NOW)] == \
        [1_000_000_002]


def test_events_filter(store):
    store.add_event(Event("schedule", NOW, "u", "slack", 5, data={"failed": []}))
    store.add_event(Event("audit", NOW + timedelta(hours=1), "u"))
    assert [e.kind for e in store.events(kinds=["audit"])] == ["audit"]
    assert [e.kind for e in store.events(since=NOW + timedelta(minutes=1))] == ["audit"]
    assert store.events(kinds=["schedule"])[0].data == {"failed": []}


def test_claim_is_once_even_across_threads(store):
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.claim("k", at=NOW)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]


def test_people_cache(store):
    store.save_person(Person("slack:T:U", "a@example.com", "Asia/Kolkata", True, "A", NOW))
    assert store.get_person("slack:T:U").tz == "Asia/Kolkata"


def test_schema_is_versioned_and_reopens(tmp_path):
    s = SqliteStore(tmp_path / "x.db")
    s.close()
    s = SqliteStore(tmp_path / "x.db")  # applying migrations again is a no-op
    tables = set(s.db.table_names())
    assert {"meetings", "events", "audits", "people", "claims"} <= tables
    assert SCHEMA_VERSION >= 1
    assert s.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    s.close()
