"""Shared by the move / cancel / list tests: people, meetings made in Zoom, what Zoom holds.

Meetings are made the way a user makes them (``schedule`` through the router) or
directly in the emulator through the real client (as if made in the Zoom app), and the
commands run through ``router.dispatch`` exactly as a front end calls them.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from commands import router
from commands.context import Requester
from commands.reply import Reply

HOST = "host@example.com"
ALT = "alt@example.com"
ADMIN = "admin@example.com"
STRANGER = "stranger@example.com"
PASSCODE = "aB3@kP9x-Z"
SAFE = {"waiting_room": True, "join_before_host": False, "auto_recording": "none"}


def person(email: str, *, admin: bool = False, tz: str = "UTC", name: str = "") -> Requester:
    return Requester(user=f"slack:T1:{email.split('@')[0]}", platform="slack", email=email,
                     tz=tz, is_admin=admin, name=name)


host = person(HOST, tz="Asia/Kolkata", name="Hana Host")
alt = person(ALT, tz="Europe/London", name="Alex Alt")
admin = person(ADMIN, admin=True, tz="America/New_York", name="Ada Admin")
stranger = person(STRANGER)


def say(app: Any, who: Requester, text: str) -> Reply:
    return router.dispatch(app.ctx, who, text)


def zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def made_in_zoom(zoom_client: Any, *, days: float = 2, recurring: bool = False,
                 alternative: bool = True, **body: Any) -> int:
    """A meeting as if made in the Zoom app (whole minutes, in the future)."""
    start = (datetime.now(UTC) + timedelta(days=days)).replace(second=0, microsecond=0)
    request: dict[str, Any] = {
        "topic": "Budget review", "type": 2, "duration": 45, "password": PASSCODE,
        "timezone": "UTC", "start_time": zulu(start),
        "settings": {**SAFE, **({"alternative_hosts": ALT} if alternative else {})}}
    if recurring:
        request.update(type=8, topic="Standup", duration=15,
                       recurrence={"type": 2, "weekly_days": str(start.isoweekday() % 7 + 1),
                                   "end_times": 4})
    request.update(body)
    return int(zoom_client.create_meeting(HOST, request)["id"])


def scheduled(app: Any, who: Requester, text: str = "tomorrow 3pm for 45m Budget review") -> int:
    """A meeting scheduled with SecureMeet (recorded in its store)."""
    reply = say(app, who, text)
    assert not reply.error, reply.plain_text()
    return int(next(a.command.split()[1] for a in reply.actions if a.verb == "end"))


def held(zoom: Any) -> dict[int, dict[str, Any]]:
    """What Zoom holds now, without what changes on every read."""
    meetings = copy.deepcopy(zoom.meetings)
    for meeting in meetings.values():
        meeting.pop("start_url", None)
    return meetings


def calls(zoom: Any, method: str, meeting_id: int | None = None) -> list[int]:
    """Statuses of the ``method`` requests to ``/v2/meetings/...`` (one meeting's, if given)."""
    path = f"/v2/meetings/{meeting_id}" if meeting_id is not None else "/v2/meetings/"
    return [s for m, p, s in zoom.request_log if m == method and p.startswith(path)]


def secret_free(reply: Reply, *secrets: str) -> bool:
    text = reply.plain_text() + repr(reply.facts) + repr(reply.actions)
    return "pwd=" not in text and not any(s and s in text for s in secrets)
