"""``list [host email]`` (also ``mine``): upcoming meetings, soonest first, each with its
time in the requester's zone, ID, policy mark and Move / Cancel / Audit buttons."""

from __future__ import annotations

from commands.meeting_ref import format_meeting_id
from tests.core.plans_kit import (
    HOST,
    admin,
    calls,
    host,
    made_in_zoom,
    say,
    scheduled,
    stranger,
)


def test_list_shows_upcoming_meetings_soonest_first_with_marks_and_buttons(app, zoom,
                                                                              zoom_client):
    zoom.add_user(HOST, settings={"in_meeting": {"who_can_share_screen": "host",
                                                 "file_transfer": False}})
    later = scheduled(app, host, "in 3 days 10am for 30m Retro")
    sooner = made_in_zoom(zoom_client, days=1, settings={"waiting_room": False})
    weekly = made_in_zoom(zoom_client, recurring=True, days=2)
    past = made_in_zoom(zoom_client, days=-3)
    reply = say(app, host, "list")
    assert not reply.error and reply.title == "📋 Your upcoming meetings"
    lines = [f"{f.label} {f.value}" for f in reply.facts]
    assert [next(i for i, line in enumerate(lines) if format_meeting_id(m) in line)
            for m in (sooner, weekly, later)] == [0, 1, 2]
    assert not any(format_meeting_id(past) in line for line in lines)  # over: not upcoming
    assert lines[0].startswith("✗ ") and "Waiting room" in lines[0]
    assert lines[2].startswith("✓ ") and "IST" in lines[2]  # the requester's zone
    assert "repeats" in lines[1]
    commands = [a.command for a in reply.actions]
    assert commands[:3] == [f"move {sooner}", f"cancel {sooner} confirm", f"audit {sooner}"]
    assert f"cancel {weekly}" in commands  # a recurring one asks which before it deletes
    assert "1 of them do not meet" in reply.text
    assert calls(zoom, "PATCH") == [] and calls(zoom, "DELETE") == []
    assert not app.store.events(kinds=["audit"])  # a look, not an audit


def test_mine_is_an_alias_and_an_empty_list_says_so(app, zoom):
    reply = say(app, host, "mine")
    assert not reply.error and "no upcoming meetings" in reply.text


def test_a_cancelled_meeting_is_no_longer_listed(app, zoom):
    meeting_id = scheduled(app, host)
    say(app, host, f"cancel {meeting_id} confirm")
    assert format_meeting_id(meeting_id) not in say(app, host, "list").plain_text()


def test_admins_may_list_a_hosts_meetings_and_others_may_not(app, zoom, zoom_client):
    meeting_id = made_in_zoom(zoom_client)
    listed = say(app, admin, f"list {HOST}")
    assert listed.title == f"📋 {HOST}'s upcoming meetings"
    assert format_meeting_id(meeting_id) in listed.plain_text()
    slack_escaped = say(app, admin, f"list <mailto:{HOST}|{HOST}>")
    assert format_meeting_id(meeting_id) in slack_escaped.plain_text()
    refused = say(app, stranger, f"list {HOST}")
    assert refused.error and "Only SecureMeet admins" in refused.title
    assert format_meeting_id(meeting_id) not in refused.plain_text()
    assert [e.data["command"] for e in app.store.events(kinds=["refusal"])] == ["list"]
    assert say(app, host, f"list {HOST.upper()}").title == "📋 Your upcoming meetings"


def test_list_with_something_else_says_what_works(app):
    reply = say(app, host, "list everything please")
    assert reply.error and "/securemeet list" in reply.text


def test_an_unknown_host_is_named(app, zoom):
    zoom.auto_users = False
    try:
        reply = say(app, admin, "list nobody@example.com")
    finally:
        zoom.auto_users = True
    assert reply.error and "nobody@example.com is not a user" in reply.title
