"""The store, on both backends: round trips, de-duplication, and no secrets in any row."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from commands.records import Event, MeetingRecord, OpenRequest, PendingCreate, Person
from tests.storage.conftest import sql

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def record(meeting_id=81234567890, **kw):
    base = dict(meeting_id=meeting_id, host_email="h@example.com", requester="console:h",
                platform="console", topic="Budget", start_time=NOW + timedelta(days=1),
                duration_min=45, timezone="UTC", recurrence=None, policy_level="standard",
                policy_version="v", compliant=True, failed_rules=(), created_at=NOW)
    base.update(kw)
    return MeetingRecord(**base)


def test_meeting_round_trip(store):
    store.save_meeting(record(failed_rules=("waiting-room", "passcode"), compliant=False,
                              recurrence="weekly", sandbox=True,
                              join_url_public="https://zoom.us/j/81234567890"))
    got = store.get_meeting(81234567890)
    assert got == record(failed_rules=("waiting-room", "passcode"), compliant=False,
                         recurrence="weekly", sandbox=True,
                         join_url_public="https://zoom.us/j/81234567890")
    assert got.created_at.tzinfo is UTC and got.start_time.tzinfo is UTC
    assert store.get_meeting(1) is None


def test_times_are_kept_to_the_second_and_come_back_in_utc(store):
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 29, 15, 30, 0, 987654, tzinfo=ZoneInfo("Asia/Kolkata"))
    store.save_meeting(record(start_time=local, created_at=local))
    got = store.get_meeting(81234567890)
    assert got.start_time == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert got.start_time.tzinfo is UTC


def test_saving_a_meeting_again_replaces_it(store):
    store.save_meeting(record(topic="Budget"))
    store.save_meeting(record(topic="Budget v2", failed_rules=("passcode",)))
    assert store.get_meeting(81234567890).topic == "Budget v2"
    assert sql(store, "select count(*) from meetings") == [(1,)]


def test_a_meeting_that_settles_its_intent_is_saved_only_while_the_intent_is_there(store):
    store.add_pending(PendingCreate("k1", "h@example.com", "Budget", "fp", "console:h",
                                    "console", NOW))
    assert store.save_meeting(record(), settles="k1") is True
    assert store.pending_creates(before=NOW + timedelta(days=1)) == []
    assert store.save_meeting(record(2), settles="k1") is False  # a sweep had it
    assert store.get_meeting(2) is None


def test_meetings_for_host_since(store):
    store.save_meeting(record(1_000_000_001, start_time=NOW - timedelta(days=1)))
    store.save_meeting(record(1_000_000_002))
    store.save_meeting(record(1_000_000_003, start_time=NOW + timedelta(hours=1)))
    assert [m.meeting_id for m in store.meetings_for("H@example.com", since=NOW)] == \
        [1_000_000_003, 1_000_000_002]


def test_events_filter(store):
    store.add_event(Event("schedule", NOW, "u", "slack", 5, data={"failed": []}))
    store.add_event(Event("audit", NOW + timedelta(hours=1), "u"))
    store.add_event(Event("end", NOW + timedelta(hours=2), "u"))
    assert [e.kind for e in store.events(kinds=["audit", "end"])] == ["audit", "end"]
    assert [e.kind for e in store.events(since=NOW + timedelta(minutes=1))] == ["audit", "end"]
    (schedule,) = store.events(kinds=["schedule"])
    assert schedule == Event("schedule", NOW, "u", "slack", 5, "ok", {"failed": []})


def test_event_data_that_json_cannot_carry_is_kept_as_text(store):
    store.add_event(Event("error", NOW, data={"when": NOW, "odd": "a\x00b"}))
    (event,) = store.events()
    assert event.data["when"] == str(NOW)
    assert event.data["odd"] in ("a\x00b", "a\ufffdb")  # PostgreSQL text has no NUL


def test_text_with_a_nul_is_stored_not_refused(store):
    store.save_meeting(record(topic="Bud\x00get"))
    assert store.get_meeting(81234567890).topic in ("Bud\x00get", "Bud\ufffdget")


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
    assert store.get_person("slack:T:U") == Person("slack:T:U", "a@example.com",
                                                   "Asia/Kolkata", True, "A", NOW)
    store.save_person(Person("slack:T:U", "a@example.com", "UTC", False, "A", NOW))
    assert store.get_person("slack:T:U").tz == "UTC"
    assert store.get_person("slack:T:nobody") is None


def test_passcode_fingerprints_per_host_any_case(store):
    store.add_passcode_fingerprint("H@Example.com", "fp1")
    store.add_passcode_fingerprint("h@example.com", "fp1")
    store.add_passcode_fingerprint("h@example.com", "fp2")
    assert store.passcode_fingerprints("H@EXAMPLE.COM") == {"fp1", "fp2"}
    assert store.passcode_fingerprints("other@example.com") == set()


def test_audits_are_recorded(store):
    store.add_audit(5, "slack:T1:U1", NOW, "standard", False, {"passcode": "fail"})
    assert sql(store, "select meeting_id, actor, policy_level from audits") == \
        [(5, "slack:T1:U1", "standard")]


def test_intents_and_open_requests_round_trip_oldest_first(store):
    later, earlier = (PendingCreate(k, "h@example.com", "T", "fp", "slack:T1:U1", "slack", at)
                      for k, at in (("b", NOW + timedelta(microseconds=5)), ("a", NOW)))
    store.add_pending(later)
    store.add_pending(earlier)
    assert store.pending_creates(before=NOW + timedelta(microseconds=5)) == [earlier]
    assert store.pending_creates(before=NOW + timedelta(seconds=1)) == [earlier, later]
    assert store.clear_pending("a") is True and store.clear_pending("a") is False
    request = OpenRequest("r1", "slack:T1:U1", "slack", "schedule", NOW)
    store.open_request(request)
    store.open_request(request)  # a redelivery: still one
    assert store.open_requests(before=NOW + timedelta(seconds=1)) == [request]
    assert store.close_request("r1") is True and store.close_request("r1") is False


def test_accept_claims_and_opens_in_one_step_once(store):
    request = OpenRequest("r1", "slack:T1:U1", "slack", "schedule", NOW)
    assert store.accept(request) is True
    assert store.accept(OpenRequest("r1", "slack:T1:U2", "slack", "audit", NOW)) is False
    assert store.open_requests(before=NOW + timedelta(seconds=1)) == [request]
    assert store.claim("r1", at=NOW) is False  # the key is claimed like any other
    store.claim("r2", at=NOW)
    assert store.accept(OpenRequest("r2", "slack:T1:U1", "slack", "end", NOW)) is False
    assert [r.key for r in store.open_requests(before=NOW + timedelta(seconds=1))] == ["r1"]


def test_accept_leaves_no_claim_when_the_request_cannot_be_recorded(store, backend):
    """Both or neither: a claim without its open request would make the platform's
    retry look like a duplicate while nobody ever answers the user."""
    if backend == "sqlite":  # a temporary trigger lives on this connection only
        sql(store, "create temp trigger boom before insert on open_requests "
                   "when new.command = 'boom' begin select raise(abort, 'boom'); end")
    else:
        sql(store, "alter table open_requests add constraint boom check (command <> 'boom')")
    try:
        with pytest.raises(Exception, match="boom"):
            store.accept(OpenRequest("r1", "slack:T1:U1", "slack", "boom", NOW))
    finally:
        sql(store, "drop trigger boom" if backend == "sqlite"
            else "alter table open_requests drop constraint boom")
    assert store.open_requests(before=NOW + timedelta(seconds=1)) == []
    assert store.accept(OpenRequest("r1", "slack:T1:U1", "slack", "schedule", NOW)) is True


def test_accept_is_once_even_across_threads(store):
    results = []
    requests = [OpenRequest("k", f"slack:T1:U{i}", "slack", "schedule", NOW) for i in range(8)]
    threads = [threading.Thread(target=lambda r=r: results.append(store.accept(r)))
               for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(store.open_requests(before=NOW + timedelta(seconds=1))) == 1


def test_accept_now_accepts_at_once_or_does_nothing(store, backend, tmp_path):
    request = OpenRequest("r1", "slack:T1:U1", "slack", "schedule", NOW)
    if backend == "postgresql":  # never on an event loop: always the waiting accept
        assert store.accept_now(request) is None
        assert store.open_requests(before=NOW + timedelta(seconds=1)) == []
        return
    assert store.accept_now(request) is True
    assert store.accept_now(request) is False  # claimed: by accept_now or accept alike
    assert store.accept(request) is False
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("begin immediate")  # another writer holds the lock: no waiting
    try:
        assert store.accept_now(OpenRequest("r2", "slack:T1:U1", "slack", "end", NOW)) is None
    finally:
        other.execute("rollback")
        other.close()
    assert store.accept_now(OpenRequest("r2", "slack:T1:U1", "slack", "end", NOW)) is True
    assert [r.key for r in store.open_requests(before=NOW + timedelta(seconds=1))] == [
        "r1", "r2"]


def test_the_backend_says_what_it_is_and_is_ready(store, backend):
    assert store.backend == backend
    ok, why = store.ready()
    assert ok and backend in why
