"""A create Zoom may have carried out without saying so: found, not orphaned, not doubled.

Over real HTTP against the emulator: ``delay_next`` makes Zoom act and answer too late
(the client times out), ``fail_next(after=True)`` makes it act and then answer 500.
Both raise :class:`ZoomUnconfirmed` from the client, and ``schedule`` then looks for
the meeting by its topic and the passcode it chose before giving up.
"""

from __future__ import annotations

import time

import pytest

from commands import router, schedule
from commands.context import Requester
from commands.errors import ZoomUnavailable, ZoomUnconfirmed

HOST = "host@example.com"
who = Requester(user="console:host@example.com", platform="console", email=HOST)
BODY = {"topic": "Late", "type": 2, "duration": 30, "password": "aB3@kP9x-Z",
        "start_time": "2030-01-01T10:00:00Z", "settings": {"waiting_room": True}}


def test_delay_next_acts_then_answers_late(zoom, make_zoom_client):
    client = make_zoom_client(timeout=(1.0, 0.5))
    client.get_user(HOST)  # a token first: only the create is slow
    zoom.delay_next(1, 1.0, method="POST", path_contains="/meetings")
    with pytest.raises(ZoomUnconfirmed, match="did not confirm"):
        client.create_meeting(HOST, BODY)
    deadline = time.monotonic() + 5
    while not zoom.meetings and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m["topic"] for m in zoom.meetings.values()] == ["Late"]  # Zoom did it anyway
    assert [r for r in zoom.request_log if r[0] == "POST" and "/meetings" in r[1]] == [
        ("POST", "/v2/users/host@example.com/meetings", 201)]  # and it was not repeated


def test_a_5xx_after_acting_is_unconfirmed_and_a_5xx_before_is_too(zoom, zoom_client):
    zoom.fail_next(1, 500, after=True, method="POST")
    with pytest.raises(ZoomUnconfirmed):
        zoom_client.create_meeting(HOST, BODY)
    assert len(zoom.meetings) == 1
    zoom.fail_next(1, 503, method="POST")
    with pytest.raises(ZoomUnavailable):
        zoom_client.create_meeting(HOST, BODY)
    assert len(zoom.meetings) == 1


def test_schedule_keeps_a_meeting_zoom_made_but_did_not_confirm(app, zoom):
    zoom.fail_next(1, 500, after=True, method="POST", path_contains="/meetings")
    reply = router.dispatch(app.ctx, who, "tomorrow 3pm for 30m Kept")
    assert not reply.error, reply.title
    (meeting_id,) = zoom.meetings
    assert app.store.get_meeting(meeting_id) is not None
    assert any(f.value == zoom.meetings[meeting_id]["password"] for f in reply.facts)


def test_schedule_says_so_when_the_meeting_is_not_there(app, zoom, monkeypatch):
    monkeypatch.setattr(schedule, "FIND_WAITS", (0.0, 0.0))
    zoom.fail_next(1, 503, method="POST", path_contains="/meetings")
    reply = router.dispatch(app.ctx, who, "tomorrow 3pm for 30m Not made")
    assert reply.error and "did not confirm" in reply.plain_text()
    assert zoom.meetings == {}
    lists = [r for r in zoom.request_log if r[0] == "GET" and r[1].endswith("/meetings")]
    assert len(lists) == 2  # it looked twice before giving up


def test_only_the_meeting_with_our_passcode_is_taken(app, zoom, zoom_client):
    zoom_client.create_meeting(HOST, {**BODY, "topic": "Same", "password": "Zz9@other1"})
    found = schedule.find_created(app.ctx, HOST, "Same",
                                  lambda m: m.get("password") == BODY["password"],
                                  sleep=lambda s: None)
    assert found is None
