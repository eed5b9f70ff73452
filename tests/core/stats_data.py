"""A constructed stats data set with every figure worked out by hand, and the helpers
that build it: shared by the command tests (``tests/core/test_stats.py``) and the
store tests on both backends (``tests/storage/test_stats_store.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commands.records import Event, MeetingRecord

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # a Sunday


def meeting(meeting_id, *, host="alice@example.com", platform="slack", failed=(), at=NOW):
    return MeetingRecord(
        meeting_id=meeting_id, host_email=host, requester=f"{platform}:x", platform=platform,
        topic="Budget", start_time=at + timedelta(days=1), duration_min=45, timezone="UTC",
        recurrence=None, policy_level="standard", policy_version="v", compliant=not failed,
        failed_rules=tuple(failed), created_at=at)


def day(n, hours=0, minutes=0):
    return NOW - timedelta(days=n) + timedelta(hours=hours, minutes=minutes)


def build_dataset(store):
    save, add = store.save_meeting, store.add_event
    save(meeting(1, host="Alice@Example.com", at=day(1)))
    save(meeting(2, host="alice@example.com", platform="teams",
                 failed=("waiting-room", "passcode"), at=day(2)))
    save(meeting(3, host="bob@example.com", failed=("waiting-room",), at=day(10)))
    save(meeting(4, host="carol@example.com", platform="console", at=day(40)))  # outside 30d
    save(meeting(1, host="Alice@Example.com", at=day(1)))  # saved again: counted once
    save(meeting(5, host="dave@example.com", failed=("passcode",), at=day(3)))
    save(meeting(5, host="dave@example.com", at=day(3)))  # re-saved compliant: it counts so
    for meeting_id, at in ((1, day(1)), (2, day(2)), (3, day(10)), (5, day(3))):
        add(Event("schedule", at, "slack:x", "slack", meeting_id, "compliant",
                  {"failed": [], "level": "standard", "recurrence": ""}))
    add(Event("audit", day(2), "u", "slack", 2, "noncompliant", {"failed": ["waiting-room"]}))
    add(Event("audit", day(1), "u", "slack", 1, "compliant", {"failed": []}))
    add(Event("audit", day(40), "u", "slack", 4, "noncompliant",
              {"failed": ["restrict-recording"]}))
    add(Event("fix", day(2), "u", "slack", 2, "fixed", {"rule": "waiting-room"}))
    add(Event("fix", day(9), "u", "slack", 3, "not_applied", {"rule": "passcode"}))
    add(Event("fix", day(9), "u", "slack", 3, "locked", {"rule": "waiting-room"}))
    # m1: ended with the button, then Zoom's webhook for the same occurrence: one ending
    add(Event("end", day(1), "u", "slack", 1, "ended", {"by": "button"}))
    add(Event("meeting_ended", day(1, minutes=1), "zoom", "zoom", 1, "ok",
              {"ended_for_all": True, "peak": 4}))
    # m3: the host left it running; m2: left running, then ended for all the same day
    add(Event("meeting_ended", day(10), "zoom", "zoom", 3, "ok",
              {"ended_for_all": False, "peak": 2}))
    add(Event("meeting_ended", day(2), "zoom", "zoom", 2, "ok", {"ended_for_all": False}))
    add(Event("end", day(2, minutes=5), "u", "slack", 2, "ended", {"by": "command"}))
    add(Event("refusal", day(1), "slack:T1:U2", "slack", None, "refused", {"command": "stats"}))
    add(Event("refusal", day(5), "slack:T1:U2", "slack", 3, "refused", {"command": "end"}))
    for phrase in ("Tmrw 3ish", " tmrw 3ish ", "asap"):
        add(Event("parse_failure", day(4), "u", "slack", None, "error", {"phrase": phrase}))
    add(Event("parse_failure", day(45), "u", "slack", None, "error", {"phrase": "old"}))
    # moves and cancellations: one event per change Zoom made
    add(Event("move", day(2), "u", "slack", 2, "moved", {"scope": "meeting"}))
    add(Event("move", day(3), "u", "slack", 5, "moved", {"scope": "occurrence"}))
    add(Event("move", day(35), "u", "slack", 4, "moved", {"scope": "meeting"}))  # outside
    add(Event("cancel", day(1), "u", "slack", 3, "cancelled", {"scope": "meeting"}))
    # sharing privately: invitations delivered (one event each), leaks caught by channel
    for who in ("slack:T1:U7", "slack:T1:U8", "teams:aad-9"):
        add(Event("invite", day(1), "slack:x", "slack", 1, "sent", {"to": who}))
    add(Event("invite", day(33), "slack:x", "slack", 4, "sent", {"to": "slack:T1:U7"}))
    add(Event("leak", day(2), "slack:T1:U2", "slack", 2, "caught", {"channel_type": "public"}))
    add(Event("leak", day(6), "slack:T1:U2", "slack", 2, "caught", {"channel_type": "public"}))
    add(Event("leak", day(6), "slack:T1:U3", "slack", 3, "caught",
              {"channel_type": "group_dm"}))
    add(Event("leak", day(35), "slack:T1:U3", "slack", 3, "caught",
              {"channel_type": "private"}))  # outside 30d


EXPECTED_30D = {
    "window": "30d",
    "since": "2026-10-31T00:00:00Z",
    "until": "2026-11-29T10:00:00Z",
    "meetings_created": 4,
    "distinct_hosts": 3,
    "by_platform": {"slack": 3, "teams": 1, "console": 0},
    "compliance_at_creation": {"rate": 0.5, "percent": 50.0, "compliant": 2, "total": 4,
                               "failing_rules": {"waiting-room": 2, "passcode": 1}},
    "audits": {"run": 2, "compliant": 1, "failures_by_rule": {"waiting-room": 1}},
    "fixes_applied": 1,
    "fixes_by_rule": {"waiting-room": 1},
    "ended": {"for_all": 2, "left_running": 1},
    "refusals": 2,
    "moves": 2,
    "cancellations": 1,
    "invitations_sent": 3,
    "leaks_caught": {"total": 3, "by_channel_type": {"public": 2, "group_dm": 1}},
    "parse_failures": {"count": 3, "top_phrases": [["tmrw 3ish", 2], ["asap", 1]]},
    "weekly_trend": [
        {"week": "2026-10-26", "meetings": 0, "compliant": 0},
        {"week": "2026-11-02", "meetings": 0, "compliant": 0},
        {"week": "2026-11-09", "meetings": 0, "compliant": 0},
        {"week": "2026-11-16", "meetings": 1, "compliant": 0},
        {"week": "2026-11-23", "meetings": 3, "compliant": 2},
    ],
}
