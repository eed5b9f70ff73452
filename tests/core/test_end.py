"""``end <ID>``: ends a running meeting for all; says so honestly when it is not running."""

from __future__ import annotations

from commands import router
from commands.context import Requester

host = Requester("slack:T1:UHOST", "slack", "host@example.com")


def made(app, text: str) -> int:
    reply = router.dispatch(app.ctx, host, text)
    return int(next(a.command.split()[1] for a in reply.actions if a.verb == "end"))


def test_a_meeting_that_has_not_started_is_not_running(app, zoom):
    meeting_id = made(app, "tomorrow 3pm Later")
    reply = router.dispatch(app.ctx, host, f"end {meeting_id}")
    assert not reply.error and reply.title == "Not running: Later"
    assert "stays scheduled" in reply.text
    assert [a.command for a in reply.actions] == [f"cancel {meeting_id} confirm"]  # call it off
    assert zoom.meetings[meeting_id]["ended_by_api"] is False
    assert [e.outcome for e in app.store.events(kinds=["end"])] == ["not_running"]


def test_a_running_meeting_is_ended_for_all(app, zoom):
    meeting_id = made(app, "tomorrow 3pm Standup")
    zoom.start_meeting(meeting_id)
    reply = router.dispatch(app.ctx, host, f"end {meeting_id}")
    assert reply.title == "⏹ Ended for all: Standup"
    assert zoom.meetings[meeting_id]["ended_by_api"] is True
    assert [e.outcome for e in app.store.events(kinds=["end"])] == ["ended"]
